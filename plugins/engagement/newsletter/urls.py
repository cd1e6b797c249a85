from django.urls import path

from . import views

urlpatterns = [
    path("confirm/", views.confirm, name="newsletter-confirm"),
    path("unsubscribe/", views.unsubscribe, name="newsletter-unsubscribe"),
]
