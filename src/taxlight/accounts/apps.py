from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "taxlight.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from taxlight.accounts import signals

        signals.connect_axes()
