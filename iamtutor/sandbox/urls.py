"""Sandbox URLs: every page but the start page carries the sandbox id, so a stranger's visit is a 404."""

from .views import home

app_name = "sandbox"
urlpatterns = [*home.urlpatterns]
