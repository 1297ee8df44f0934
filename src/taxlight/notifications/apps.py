from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "taxlight.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The kinds registry (and the permissions, registered in taxlight.authz.permissions).
        from taxlight.notifications import kinds, tasks  # noqa: F401
