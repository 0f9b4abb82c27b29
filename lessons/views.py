"""The lessons' pages: one thin view per page or action. Context comes from ``modes.py``, recording from
``progress.py``. A POST from htmx gets the page's fragment; a plain POST is redirected back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import diagrams, modes, progress, questions, review
from .models import Card, Confidence, Lesson, Myth, Prediction, Question


def _back(request: HttpRequest, url: str, anchor: str = "") -> HttpResponse:
    return redirect(f"{url}#{anchor}" if anchor else url)


def index(request: HttpRequest) -> HttpResponse:
    lessons = Lesson.objects.filter(language=modes.language()).only("slug", "title", "summary", "order", "step")
    learner = progress.get_learner(request)
    context = {"lessons": lessons, "resume": learner.resume_path if learner else "", "steps": modes.step_numbers()}
    return render(request, "lessons/index.html", context)


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, language=modes.language(), slug=slug)
    siblings = list(Lesson.objects.filter(language=lesson.language).only("slug", "title", "order"))
    position = next(i for i, other in enumerate(siblings) if other.pk == lesson.pk)
    context = {
        "lesson": lesson,
        "previous": siblings[position - 1] if position > 0 else None,
        "next": siblings[position + 1] if position + 1 < len(siblings) else None,
    }
    return render(request, "lessons/detail.html", context)


def deep_dive(request: HttpRequest) -> HttpResponse:
    lessons = Lesson.objects.filter(language=modes.language()).exclude(kind="cheatsheet")
    return render(request, "lessons/deep_dive.html", {"lessons": lessons})


def steps(request: HttpRequest) -> HttpResponse:
    """Resumes step-by-step mode at the first step not read yet."""
    summary = progress.summary(progress.get_learner(request), modes.language())
    unread = [m.lesson.step for m in summary.steps if m.lesson.pk not in summary.read and not m.tested_out]
    numbers = modes.step_numbers()
    return redirect("lessons:step", step=(unread or numbers or [1])[0])


def step(request: HttpRequest, step: int) -> HttpResponse:
    context = modes.step_context(progress.get_learner(request), modes.step_lesson(step))
    return render(request, "lessons/step.html", context)


@require_POST
def predict(request: HttpRequest, step: int) -> HttpResponse:
    lesson = modes.step_lesson(step)
    prediction = get_object_or_404(Prediction, language=lesson.language, key=lesson.prediction_key)
    choice, confidence = request.POST.get("choice", ""), request.POST.get("confidence", "")
    valid = choice in {o["key"] for o in prediction.options} and confidence in Confidence.values
    if valid:
        learner = progress.ensure_learner(request)
        progress.commit(learner, prediction, choice, confidence)
        progress.remember(learner, reverse("lessons:step", args=[step]))
    if valid and not request.htmx:
        return _back(request, reverse("lessons:step", args=[step]), "prediction")
    context = modes.step_context(progress.get_learner(request), lesson) | {"invalid": not valid}
    template = "lessons/step.html#prediction" if request.htmx else "lessons/step.html"
    return render(request, template, context, status=200 if valid or request.htmx else 400)


@require_POST
def mark_read(request: HttpRequest, step: int) -> HttpResponse:
    lesson = modes.step_lesson(step)
    learner = progress.ensure_learner(request)
    progress.mark_read(learner, lesson)
    following = modes.step_context(learner, lesson)["next_step"]
    target = reverse("lessons:step", args=[following]) if following else reverse("lessons:progress")
    progress.remember(learner, target)
    return redirect(target)


def test_out(request: HttpRequest, step: int) -> HttpResponse:
    lesson = modes.step_lesson(step)
    bank = list(Question.objects.filter(lesson=lesson).prefetch_related("options"))
    learner = progress.get_learner(request)
    blocks = [modes.quiz_block(None, question) for question in bank]
    context = {"lesson": lesson, "blocks": blocks, "passed": modes.has_tested_out(learner, lesson)}
    if request.method == "POST" and bank:
        passed, results = modes.grade_test_out(bank, request.POST)
        if passed:
            progress.record_test_out(progress.ensure_learner(request), lesson)
        context |= {"passed": passed, "results": results, "submitted": True}
    return render(request, "lessons/test_out.html", context)


def worked(request: HttpRequest, step: int) -> HttpResponse:
    lesson = modes.step_lesson(step)
    context = modes.worked_context(progress.get_learner(request), lesson)
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        correct, problems = modes.check_faded(context["faded"], answer)
        learner = progress.ensure_learner(request)
        progress.record_worked(learner, context["example"], answer, correct)
        context |= {"checked": True, "correct": correct, "problems": problems, "answer": answer}
        context["solved"] = context["solved"] or correct
    template = "lessons/worked.html#check" if request.htmx and request.method == "POST" else "lessons/worked.html"
    return render(request, template, context)


def myths(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/myths.html", modes.myths_context(progress.get_learner(request)))


@require_POST
def answer_myth(request: HttpRequest, key: str) -> HttpResponse:
    myth = get_object_or_404(Myth, language=modes.language(), key=key)
    if request.POST.get("believed") in {"yes", "no"}:
        learner = progress.ensure_learner(request)
        progress.answer_myth(learner, myth, request.POST["believed"] == "yes")
        progress.remember(learner, reverse("lessons:myths"))
    if not request.htmx:
        return _back(request, reverse("lessons:myths"), f"myth-{myth.key}")
    return render(request, "lessons/myths.html#myth", modes.myth_row(progress.get_learner(request), myth))


def quiz_index(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/quiz_index.html", {"lessons": modes.quiz_lessons()})


def quiz(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, language=modes.language(), slug=slug)
    return render(request, "lessons/quiz.html", modes.quiz_context(progress.get_learner(request), lesson))


@require_POST
def answer_question(request: HttpRequest, key: str) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.select_related("lesson"), language=modes.language(), key=key, lesson__isnull=False
    )
    options = list(question.options.all())
    answer, error = questions.read_answer(question, options, request.POST)
    if answer is not None:
        learner = progress.ensure_learner(request)
        progress.record_quiz(learner, question, questions.grade(question, options, answer))
        progress.remember(learner, reverse("lessons:quiz", args=[question.lesson.slug]))
    learner = progress.get_learner(request)
    if request.htmx:
        block = modes.quiz_block(learner, question, error=error)
        return render(request, "lessons/quiz.html#question", {"block": block})
    if error:
        context = modes.quiz_context(learner, question.lesson, errors={question.pk: error})
        return render(request, "lessons/quiz.html", context, status=400)
    return _back(request, reverse("lessons:quiz", args=[question.lesson.slug]), f"q-{question.key}")


def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/review.html", modes.review_context(progress.get_learner(request)))


@require_POST
def review_answer(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    learner, now = progress.ensure_learner(request), timezone.now()
    if kind == "card" and request.POST.get("rating") in review.RATINGS:
        get_object_or_404(Card, language=modes.language(), key=key)
        review.record(learner, f"card:{key}", review.RATINGS[request.POST["rating"]], now)
    elif kind == "prediction" and request.POST.get("confidence") in Confidence.values:
        prediction = get_object_or_404(Prediction, language=modes.language(), key=key)
        correct = request.POST.get("choice") in prediction.correct_keys()
        review.record(learner, f"prediction:{key}", review.rating_for(correct, request.POST["confidence"]), now)
        messages.info(request, review.feedback(prediction, correct))
    progress.remember(learner, reverse("lessons:review"))
    return redirect("lessons:review")


def visual(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/visual.html", {"drawn": [diagrams.draw(d) for d in modes.diagrams()]})


def try_it(request: HttpRequest) -> HttpResponse:
    return render(request, "lessons/try_it.html", {"worlds": modes.try_its()})


def cheat_sheet(request: HttpRequest) -> HttpResponse:
    lesson = Lesson.objects.filter(language=modes.language(), kind="cheatsheet").first()
    drawn = [diagrams.draw(d) for d in modes.diagrams()]
    return render(request, "lessons/cheat_sheet.html", {"lesson": lesson, "drawn": drawn})


def progress_page(request: HttpRequest) -> HttpResponse:
    learner = progress.get_learner(request)
    return render(request, "lessons/progress.html", {"progress": progress.summary(learner, modes.language())})
