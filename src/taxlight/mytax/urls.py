from django.urls import path

app_name = "mytax"
urlpatterns: list = []
