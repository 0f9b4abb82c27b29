"""The lesson list and one lesson."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from .models import Lesson


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def index(request):
    lessons = Lesson.objects.filter(language=_language()).only("slug", "title", "summary", "order")
    return render(request, "lessons/index.html", {"lessons": lessons})


def detail(request, slug: str):
    lesson = get_object_or_404(Lesson, language=_language(), slug=slug)
    siblings = list(Lesson.objects.filter(language=lesson.language).only("slug", "title", "order"))
    position = next(i for i, other in enumerate(siblings) if other.pk == lesson.pk)
    context = {
        "lesson": lesson,
        "previous": siblings[position - 1] if position > 0 else None,
        "next": siblings[position + 1] if position + 1 < len(siblings) else None,
    }
    return render(request, "lessons/detail.html", context)
