from django.urls import path

from . import views

app_name = "labs"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>/", views.detail, name="detail"),
    path("<slug:key>/start/", views.start, name="start"),
    path("<slug:key>/check/", views.check, name="check"),
    path("<slug:key>/tasks/<slug:task_key>/hint/", views.hint, name="hint"),
    path("<slug:key>/restore/", views.restore, name="restore"),
]
