"""Sandbox URLs: every page but the start page carries the sandbox id, so a stranger's visit is a 404.

Each views module lists its own ``urlpatterns``; this file only puts them together.
"""

from .views import assume, audit, console, credentials, diagrams, home, policies, roles, tryit, users, webidentity

app_name = "sandbox"
urlpatterns = [
    *home.urlpatterns,
    *roles.urlpatterns,
    *policies.urlpatterns,
    *users.urlpatterns,
    *assume.urlpatterns,
    *webidentity.urlpatterns,
    *credentials.urlpatterns,
    *console.urlpatterns,
    *audit.urlpatterns,
    *tryit.urlpatterns,
    *diagrams.urlpatterns,
]
