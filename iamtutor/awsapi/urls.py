from django.urls import path, re_path

from . import views

app_name = "awsapi"

urlpatterns = [
    path("", views.endpoint, name="endpoint"),
    re_path(r"^(?P<rest>.+)$", views.endpoint, name="s3"),
]
