"""Role assignments: a user holds a role over a scope (whole bureau, own unit, own
department, own cases). What each role may do is declared in code, in
:mod:`taxlight.authz.permissions`, so that it is reviewed with the code that uses it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTOR = "director", _("Director")
    DEPUTY_DIRECTOR = "deputy_director", _("Deputy director")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor (监察)")
    AUDITOR = "auditor", _("Auditor (稽查)")
    ANALYST = "analyst", _("Analyst")
    CONTENT_EDITOR = "content_editor", _("Content editor")
    SYSADMIN = "sysadmin", _("System administrator")


class Scope(models.TextChoices):
    """How far a role reaches, widest first."""

    BUREAU = "bureau", _("Whole bureau")
    UNIT = "unit", _("Own unit")
    DEPARTMENT = "department", _("Own department")
    OWN = "own", _("Own cases")


SCOPE_WIDTH = {Scope.BUREAU: 3, Scope.UNIT: 2, Scope.DEPARTMENT: 1, Scope.OWN: 0}


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self) -> RoleAssignmentQuerySet:
        now = timezone.now()
        return self.filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=now),
            valid_from__lte=now,
        )


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("anchor unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit the scope is measured from; empty = the officer's own department."),
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "scope", "unit"], name="role_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} / {self.get_scope_display()}"
