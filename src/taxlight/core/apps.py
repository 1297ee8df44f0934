from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "taxlight.core"
    label = "core"
    verbose_name = "taxlight core"
