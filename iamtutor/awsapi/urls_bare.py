"""``/aws`` without its final slash answers as ``/aws/`` does (CommonMiddleware would redirect, and AWS
clients do not follow a redirect of a POST)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.endpoint, name="awsapi-bare")]
