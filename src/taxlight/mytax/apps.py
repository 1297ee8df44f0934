from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MytaxConfig(AppConfig):
    name = "taxlight.mytax"
    label = "mytax"
    verbose_name = _("Taxpayer space")
