from django.urls import path

from taxlight.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.org, name="org"),
]
