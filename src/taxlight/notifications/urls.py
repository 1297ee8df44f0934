from django.urls import path

from taxlight.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:pk>/read", views.mark_read, name="mark_read"),
    path("read-all", views.mark_all_read, name="mark_all_read"),
    path("unread-count", views.unread_count, name="unread_count"),
    path("preferences", views.preferences, name="preferences"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<uuid:pk>", views.outbox_detail, name="outbox_detail"),
    path("outbox/test", views.send_test, name="send_test"),
    path("sms/receipts", views.sms_receipts, name="sms_receipts"),
]
