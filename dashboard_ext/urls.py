from django.urls import path

from . import views

app_name = "dashboard_ext"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("<slug:slug>/", views.section, name="section"),
]
