"""Permissions of the extract app (imported by ExtractConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from taxlight.authz.models import Role
from taxlight.authz.permissions import register

register("extract.import", _("Import source extracts"), {Role.SYSADMIN, Role.ANALYST})
register(
    "extract.view_imports",
    _("See the imports of source extracts and their problems"),
    {Role.SYSADMIN, Role.ANALYST, Role.SUPERVISOR, Role.DIRECTOR},
)
