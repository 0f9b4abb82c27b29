"""``{% student_labs classroom enrollment %}``: a student's assigned labs with where each stands, for the
classroom's front page (the labs page lists the same)."""

from django import template

from iamtutor.classrooms.grading import student_results

register = template.Library()


@register.inclusion_tag("classrooms/assignments/_student_list.html")
def student_labs(classroom, enrollment) -> dict:
    return {"classroom": classroom, "rows": student_results(enrollment)}
