"""The bureau's organisation: units (bureau → branches → departments), posts and officers.

Shaped after the ``units`` and ``staff`` tables of the source-extract contract, so that an
extract loads into it one row to one object (see :mod:`taxlight.extract.registry_load`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("Bureau")
    BRANCH = "branch", _("Branch")
    DEPARTMENT = "department", _("Department")


class Unit(models.Model):
    code = models.CharField(_("unit code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="bureau", parent__isnull=True)
                | (~models.Q(kind="bureau") & models.Q(parent__isnull=False)),
                name="unit_only_bureau_is_root",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Unit]:
        """From the parent up to the bureau."""
        out: list[Unit] = []
        node = self.parent
        while node is not None and len(out) < 20:
            out.append(node)
            node = node.parent
        return out

    @property
    def branch(self) -> Unit | None:
        """The branch this unit is or belongs to (None for the bureau and its own
        departments)."""
        for node in [self, *self.ancestors()]:
            if node.kind == UnitKind.BRANCH:
                return node
        return None

    def subtree_ids(self) -> set[int]:
        """Ids of this unit and every unit below it."""
        ids = {self.pk}
        frontier = [self.pk]
        while frontier:
            children = list(
                Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            frontier = [c for c in children if c not in ids]
            ids.update(frontier)
        return ids


class Post(models.Model):
    """An enforcement post (岗位): acceptance, investigation, approval, audit, leader, …"""

    code = models.CharField(_("post code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_enforcement = models.BooleanField(
        _("enforcement post"),
        default=True,
        help_text=_("Holders need a valid enforcement qualification to act."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return self.name


class OfficerQuerySet(models.QuerySet["Officer"]):
    def active(self) -> OfficerQuerySet:
        return self.filter(active=True)

    def certified(self, on: dt.date | None = None) -> OfficerQuerySet:
        on = on or timezone.localdate()
        return self.filter(certified_until__gte=on)


class Officer(models.Model):
    """A member of the bureau's staff, on a post in a department."""

    officer_id = models.CharField(_("officer id"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name=_("department"), on_delete=models.PROTECT, related_name="officers"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="officers"
    )
    certified_until = models.DateField(
        _("enforcement qualification valid until"),
        null=True,
        blank=True,
        help_text=_("Empty: not qualified for enforcement."),
    )
    active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officer",
    )
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)

    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["officer_id"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    def __str__(self) -> str:
        return f"{self.name} ({self.officer_id})"

    def is_certified(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.certified_until is not None and self.certified_until >= on

    @property
    def department(self) -> Unit:
        return self.unit

    @property
    def branch(self) -> Unit | None:
        return self.unit.branch
