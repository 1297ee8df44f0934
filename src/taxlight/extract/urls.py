from django.urls import path

from taxlight.extract import views

app_name = "extract"
urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/upload/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/problems.csv", views.problem_report, name="report"),
]
