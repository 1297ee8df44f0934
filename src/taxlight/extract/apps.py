from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExtractConfig(AppConfig):
    name = "taxlight.extract"
    label = "extract"
    verbose_name = _("Source extracts")

    def ready(self) -> None:
        from taxlight.extract import permissions  # noqa: F401  (registers the codes)
