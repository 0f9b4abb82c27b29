"""The lessons' pages: one thin view per page or action. Context comes from ``modes.py``, recording from
``progress.py``. A POST from htmx gets the page's fragment; a plain POST is redirected back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest

from . import diagrams, modes, progress, questions, rendered, review
from .models import Card, Confidence, Lesson, Myth, Prediction, Question


def _back(request: HtmxHttpRequest, url: str, anchor: str = "") -> HttpResponse:
    return redirect(f"{url}#{anchor}" if anchor else url)


@require_GET
def index(request: HtmxHttpRequest) -> HttpResponse:
    """The cards and the parts come from the render cache (``rendered.py``): the lazy query set and the step
    numbers (a function, which the template calls) are only evaluated when the fragment is drawn anew."""
    language = modes.language()
    learner = progress.get_learner(request)
    context = {
        "lessons": Lesson.objects.filter(language=language).only("slug", "title", "summary", "order", "step"),
        "steps": modes.step_numbers,
        "resume": learner.resume_path if learner else "",
        "content_version": rendered.content_version(language),
    }
    return render(request, "lessons/index.html", context)


@require_GET
def detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, language=modes.language(), slug=slug)
    siblings = list(Lesson.objects.filter(language=lesson.language).only("slug", "title", "order"))
    position = next(i for i, other in enumerate(siblings) if other.pk == lesson.pk)
    context = {
        "lesson": lesson,
        "previous": siblings[position - 1] if position > 0 else None,
        "next": siblings[position + 1] if position + 1 < len(siblings) else None,
    }
    return render(request, "lessons/detail.html", context)


@require_GET
def deep_dive(request: HtmxHttpRequest) -> HttpResponse:
    """The whole lesson as one article, from the render cache; the lazy query set runs only on a miss."""
    language = modes.language()
    lessons = Lesson.objects.filter(language=language).exclude(kind="cheatsheet")
    context = {"lessons": lessons, "content_version": rendered.content_version(language)}
    return render(request, "lessons/deep_dive.html", context)


@require_GET
def steps(request: HtmxHttpRequest) -> HttpResponse:
    """Resumes step-by-step mode at the first step not read yet."""
    summary = progress.summary(progress.get_learner(request), modes.language())
    unread = [m.lesson.step for m in summary.steps if m.lesson.pk not in summary.read and not m.tested_out]
    numbers = modes.step_numbers()
    return redirect("lessons:step", step=(unread or numbers or [1])[0])


@require_GET
def step(request: HtmxHttpRequest, step: int) -> HttpResponse:
    context = modes.step_context(progress.get_learner(request), modes.step_lesson(step))
    return render(request, "lessons/step.html", context)


@require_POST
def predict(request: HtmxHttpRequest, step: int) -> HttpResponse:
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
def mark_read(request: HtmxHttpRequest, step: int) -> HttpResponse:
    lesson = modes.step_lesson(step)
    learner = progress.ensure_learner(request)
    progress.mark_read(learner, lesson)
    following = modes.step_context(learner, lesson)["next_step"]
    target = reverse("lessons:step", args=[following]) if following else reverse("lessons:progress")
    progress.remember(learner, target)
    return redirect(target)


@require_http_methods(["GET", "POST"])
def test_out(request: HtmxHttpRequest, step: int) -> HttpResponse:
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


@require_http_methods(["GET", "POST"])
def worked(request: HtmxHttpRequest, step: int) -> HttpResponse:
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


@require_GET
def myths(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "lessons/myths.html", modes.myths_context(progress.get_learner(request)))


@require_POST
def answer_myth(request: HtmxHttpRequest, key: str) -> HttpResponse:
    myth = get_object_or_404(Myth, language=modes.language(), key=key)
    if request.POST.get("believed") in {"yes", "no"}:
        learner = progress.ensure_learner(request)
        progress.answer_myth(learner, myth, request.POST["believed"] == "yes")
        progress.remember(learner, reverse("lessons:myths"))
    if not request.htmx:
        return _back(request, reverse("lessons:myths"), f"myth-{myth.key}")
    return render(request, "lessons/myths.html#myth", modes.myth_row(progress.get_learner(request), myth))


@require_GET
def quiz_index(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "lessons/quiz_index.html", {"lessons": modes.quiz_lessons()})


@require_GET
def quiz(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, language=modes.language(), slug=slug)
    return render(request, "lessons/quiz.html", modes.quiz_context(progress.get_learner(request), lesson))


@require_POST
def answer_question(request: HtmxHttpRequest, key: str) -> HttpResponse:
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


@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "lessons/review.html", modes.review_context(progress.get_learner(request)))


@require_POST
def review_answer(request: HtmxHttpRequest, kind: str, key: str) -> HttpResponse:
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


@require_GET
def visual(request: HtmxHttpRequest) -> HttpResponse:
    """Each build-up step's diagrams, computed from its scenario by the engine; drawn once per content version."""
    return render(
        request, "lessons/visual.html", {"sections": diagrams.sections(diagrams.draw_all(diagrams.for_page()))}
    )


@require_GET
def try_it(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "lessons/try_it.html", {"worlds": modes.try_its()})


@require_GET
def cheat_sheet(request: HtmxHttpRequest) -> HttpResponse:
    lesson = Lesson.objects.filter(language=modes.language(), kind="cheatsheet").first()
    drawn = diagrams.draw_all(diagrams.for_page())
    return render(request, "lessons/cheat_sheet.html", {"lesson": lesson, "drawn": drawn})


@require_GET
def progress_page(request: HtmxHttpRequest) -> HttpResponse:
    learner = progress.get_learner(request)
    return render(request, "lessons/progress.html", {"progress": progress.summary(learner, modes.language())})
