from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from taxlight.api.urls import api
from taxlight.authz.access import public

urlpatterns = [
    path("", include("taxlight.portal.urls")),
    path("my/", include("taxlight.mytax.urls")),
    path("staff/", include("taxlight.workbench.urls")),
    path("staff/data/", include("taxlight.extract.urls")),
    path("accounts/", include("taxlight.accounts.urls")),
    path("notifications/", include("taxlight.notifications.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path(
        "admin/login/",
        public(RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    ),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
