"""User accounts: officers, taxpayer users (bound to enterprises), system accounts."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    STAFF = "staff", _("Bureau staff")
    TAXPAYER = "taxpayer", _("Taxpayer user")
    SYSTEM = "system", _("System integration")


class User(AbstractUser):
    kind = models.CharField(
        _("kind"), max_length=20, choices=UserKind.choices, default=UserKind.TAXPAYER
    )
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    @property
    def is_bureau_staff(self) -> bool:
        return self.kind == UserKind.STAFF

    @property
    def is_taxpayer_user(self) -> bool:
        return self.kind == UserKind.TAXPAYER

    def display_name(self) -> str:
        return self.get_full_name() or self.get_username()


class MembershipRole(models.TextChoices):
    LEGAL_REP = "legal_rep", _("Legal representative")
    FINANCE = "finance", _("Finance officer")
    FILER = "filer", _("Tax filer (办税员)")
    AGENT = "agent", _("Tax agent")


class TaxpayerMembership(models.Model):
    """Binds a taxpayer user to an enterprise (one user may act for several, and an
    enterprise has one or more users)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    taxpayer = models.ForeignKey(
        "taxpayers.Taxpayer",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.FILER
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("bound at"), default=timezone.now)

    class Meta:
        verbose_name = _("enterprise binding")
        verbose_name_plural = _("enterprise bindings")
        constraints = [
            models.UniqueConstraint(fields=["user", "taxpayer"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.taxpayer_id}"


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 of the secret is stored; the secret is
    shown once, at creation."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> tuple[str, str]:
        """(prefix, full secret) for a new token: ``tl_<prefix>_<random>``."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        return prefix, f"tl_{prefix}_{secrets.token_urlsafe(32)}"

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
