from django.urls import path

from taxlight.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("otp/", views.otp_view, name="otp"),
    path("otp/enroll/", views.otp_enroll_view, name="otp_enroll"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("profile/", views.profile_view, name="profile"),
    path("register/", views.register_view, name="register"),
    path("bind/", views.bind_enterprise_view, name="bind_enterprise"),
]
