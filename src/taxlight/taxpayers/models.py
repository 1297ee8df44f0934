"""The taxpayers' registry, as in the ``taxpayers`` table of the source-extract contract."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from taxlight.taxpayers.validators import validate_uscc


class VatStatus(models.TextChoices):
    GENERAL = "general", _("General VAT taxpayer")
    SMALL_SCALE = "small_scale", _("Small-scale VAT taxpayer")


class Size(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class CreditGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    M = "M", "M"
    C = "C", "C"
    D = "D", "D"


class TaxpayerStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    ABNORMAL = "abnormal", _("Abnormal (非正常户)")
    DEREGISTERED = "deregistered", _("Deregistered")


class Taxpayer(models.Model):
    taxpayer_id = models.CharField(
        _("Unified Social Credit Code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry (GB/T 4754 division)"), max_length=2)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("managing branch"),
        on_delete=models.PROTECT,
        related_name="taxpayers",
    )
    registered_on = models.DateField(_("registered on"))
    vat_status = models.CharField(_("VAT status"), max_length=20, choices=VatStatus.choices)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices)
    credit_grade = models.CharField(
        _("credit grade"), max_length=1, choices=CreditGrade.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TaxpayerStatus.choices, default=TaxpayerStatus.NORMAL
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    legal_rep = models.CharField(_("legal representative (key)"), max_length=64, blank=True)
    address_key = models.CharField(_("registered address (key)"), max_length=64, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    responsible_officer = models.ForeignKey(
        "org.Officer",
        verbose_name=_("responsible officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="taxpayers",
    )

    class Meta:
        ordering = ["taxpayer_id"]
        verbose_name = _("taxpayer")
        verbose_name_plural = _("taxpayers")
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["industry"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.taxpayer_id})"
