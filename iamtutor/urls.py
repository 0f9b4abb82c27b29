"""The site's URL map: each app's own urls.py, included under its prefix."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("iamtutor.pages.urls")),
    path("accounts/", include("iamtutor.accounts.urls")),
    path("lessons/", include("lessons.urls")),
    path("sandbox/", include("iamtutor.sandbox.urls")),
    path("classrooms/", include("iamtutor.classrooms.urls")),
    path("labs/", include("iamtutor.labs.urls")),
    path("aws/", include("iamtutor.awsapi.urls")),
    path("aws", include("iamtutor.awsapi.urls_bare")),  # an --endpoint-url typed without the final slash
    path("admin/", admin.site.urls),
]

handler400 = "iamtutor.pages.views.bad_request"
handler404 = "iamtutor.pages.views.not_found"
handler500 = "iamtutor.pages.views.server_error"
