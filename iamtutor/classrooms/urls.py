"""Classroom URLs: every page but the list and the join pages carries the classroom id, so a stranger's visit
is a 404. Each views module lists its own ``urlpatterns``; this file only puts them together."""

from .views import assignments, clock, dashboard, guardrails, joining, log, manage, roster, students, votes

app_name = "classrooms"
urlpatterns = [
    *manage.urlpatterns,
    *joining.urlpatterns,
    *roster.urlpatterns,
    *guardrails.urlpatterns,
    *clock.urlpatterns,
    *students.urlpatterns,
    *log.urlpatterns,
    *votes.urlpatterns,
    *assignments.urlpatterns,
    *dashboard.urlpatterns,
]
