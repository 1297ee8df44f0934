"""Answers ``user.has_perm(code)`` from the permission catalogue, so Django's own checks
(the configuration admin, ``permission_required``) follow the same role + scope rules as
everything else. Codes outside the catalogue (Django's model permissions) fall through to
the ModelBackend."""

from __future__ import annotations

from typing import Any

from taxlight.authz import permissions, scoping


class CatalogueBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None  # never signs anyone in

    def get_user(self, user_id: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if perm not in permissions.PERMISSIONS or not getattr(user_obj, "is_active", False):
            return False
        return scoping.has_perm(user_obj, perm)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(
            code.startswith(f"{app_label}.") and self.has_perm(user_obj, code)
            for code in permissions.PERMISSIONS
        )
