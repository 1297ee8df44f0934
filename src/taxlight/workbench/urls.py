from django.urls import path

from taxlight.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.org, name="org"),
    path("ledger/", views.ledger_list, name="ledger"),
    path("ledger/verify", views.ledger_verify, name="ledger_verify"),
]
