from django.apps import AppConfig
from django.http import HttpRequest


class CoreConfig(AppConfig):
    name = "taxlight.core"
    label = "core"
    verbose_name = "taxlight core"

    def ready(self) -> None:
        from django.contrib import admin

        admin.site.has_permission = _admin_permission  # type: ignore[method-assign]
        admin.site.site_header = "taxlight"
        admin.site.site_title = "taxlight"


def _admin_permission(request: HttpRequest) -> bool:
    """The configuration admin is for system administrators who passed the second factor:
    the same rule the authorisation middleware applies to every admin URL."""
    from taxlight.authz.scoping import has_perm

    user = request.user
    verified = getattr(user, "is_verified", None)
    return bool(
        user.is_active
        and user.is_staff
        and callable(verified)
        and verified()
        and has_perm(user, "system.admin")
    )
