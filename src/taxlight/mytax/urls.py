from django.urls import path

from taxlight.mytax import views

app_name = "mytax"
urlpatterns = [
    path("", views.home, name="home"),
]
