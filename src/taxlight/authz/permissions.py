"""The catalogue of permissions: each is a code, what it allows, the roles that hold it and
the widest scope it can reach. Declared here, in one place, and reviewed with the code.

Later features add their permissions with :func:`register` in their own ``permissions.py``
(imported by their AppConfig.ready); codes are ``<area>.<verb>[_<noun>]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from taxlight.authz.models import Role, Scope

STAFF_ROLES = frozenset(Role)
LEADERS = frozenset({Role.DIRECTOR, Role.DEPUTY_DIRECTOR})


@dataclass(frozen=True)
class Permission:
    code: str
    description: str | Promise
    roles: frozenset[Role]
    max_scope: Scope = Scope.BUREAU


PERMISSIONS: dict[str, Permission] = {}


def register(
    code: str,
    description: str | Promise,
    roles: frozenset[Role] | set[Role],
    max_scope: Scope = Scope.BUREAU,
) -> Permission:
    if code in PERMISSIONS:
        raise ValueError(f"permission {code!r} is registered twice")
    perm = Permission(code, description, frozenset(roles), max_scope)
    PERMISSIONS[code] = perm
    return perm


def get(code: str) -> Permission:
    try:
        return PERMISSIONS[code]
    except KeyError:
        raise LookupError(f"unknown permission {code!r}: register it in a permissions.py") from None


register("workbench.access", _("Open the staff workbench"), STAFF_ROLES)
register(
    "org.view",
    _("See units, posts and officers"),
    LEADERS
    | {
        Role.DEPARTMENT_HEAD,
        Role.SUPERVISOR,
        Role.SYSADMIN,
        Role.OFFICER,
        Role.AUDITOR,
        Role.ANALYST,
    },
)
register("org.manage", _("Change units, posts, officers and role assignments"), {Role.SYSADMIN})
register(
    "taxpayers.view",
    _("See taxpayers in the registry"),
    LEADERS | {Role.DEPARTMENT_HEAD, Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ANALYST},
)
# Full personal data only for those who act on it: supervision and audit cases, and the
# head of the department the person belongs to. Administrators run the system without it.
register(
    "pii.view",
    _("See ID and mobile numbers in full"),
    {Role.SUPERVISOR, Role.AUDITOR, Role.DEPARTMENT_HEAD},
)
register(
    "audit.view_ledger",
    _("Read the audit ledger"),
    LEADERS | {Role.SUPERVISOR, Role.SYSADMIN, Role.AUDITOR},
)
register("audit.verify", _("Verify the audit ledger's chain"), {Role.SUPERVISOR, Role.SYSADMIN})
register(
    "notifications.view_outbox",
    _("See the outbox of SMS, e-mail and in-site messages"),
    {Role.SYSADMIN, Role.SUPERVISOR},
)
register("notifications.send_test", _("Send test messages"), {Role.SYSADMIN})
register("workdays.manage", _("Edit the working-day calendar's overrides"), {Role.SYSADMIN})
register("system.admin", _("Use the configuration admin"), {Role.SYSADMIN})
register("api.manage_tokens", _("Issue and revoke API tokens"), {Role.SYSADMIN})
