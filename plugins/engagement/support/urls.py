from django.urls import path

from . import views

urlpatterns = [
    path("helpdesk-webhook", views.helpdesk_webhook, name="support-helpdesk-webhook"),
]
