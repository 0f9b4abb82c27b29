"""The lessons' pages: one thin view per page or action. Context comes from ``modes.py``, recording from
``progress.py``. A POST from htmx gets the page's fragment; a plain POST is redirected back to the page.

Every page that shows what a step's prediction answers (the step, its part page, the deep dive, the worked
example, the visual and the cheat sheet) shows, until the learner has committed to that prediction, the
prediction's question and commit form in its place (``_gates``): the answer is withheld by the server.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest

from . import diagrams, modes, progress, questions, rendered, review
from .models import Card, Confidence, Lesson, Myth, Prediction, Question


def _back(request: HtmxHttpRequest, url: str, anchor: str = "") -> HttpResponse:
    return redirect(f"{url}#{anchor}" if anchor else url)


def _gates(request: HtmxHttpRequest, lessons) -> list[dict]:
    """The predictions (question only) standing in for those of ``lessons`` whose answer the learner has not
    committed to yet; empty when every one is committed. At most two queries, whatever the learner did."""
    learner = progress.get_learner(request)
    hidden = [lesson for lesson in lessons if lesson.step and progress.is_hidden(learner, lesson)]
    if not hidden:
        return []
    keys = [lesson.prediction_key for lesson in hidden]
    predictions = {p.key: p for p in Prediction.objects.filter(language=hidden[0].language, key__in=keys)}
    return [
        rendered.gate(lesson, predictions[lesson.prediction_key])
        for lesson in hidden
        if lesson.prediction_key in predictions
    ]


def _gate_page(request: HtmxHttpRequest, gates: list[dict], title: str, what: str) -> HttpResponse:
    """A page held back until its predictions are committed: each one's commit form, returning here."""
    context = {
        "gates": gates,
        "title": title,
        "what": what,
        "back": request.get_full_path(),
        "confidences": Confidence.choices,
    }
    if request.htmx:
        return render(request, "lessons/gate.html#gates", context)
    return render(request, "lessons/gate.html", context, status=200 if request.method == "GET" else 403)


@require_GET
def index(request: HtmxHttpRequest) -> HttpResponse:
    """The cards and the parts come from the render cache (``rendered.py``): the lazy query set and the step
    numbers (a function, which the template calls) are only evaluated when the fragment is drawn anew."""
    language = modes.language()
    learner = progress.get_learner(request)
    context = {
        "lessons": Lesson.objects.filter(language=language).only("slug", "title", "order", "kind", "step"),
        "steps": modes.step_numbers,
        "resume": progress.safe_path(learner.resume_path) if learner else "",
        "content_version": rendered.content_version(language),
    }
    return render(request, "lessons/index.html", context)


@require_GET
def detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, language=modes.language(), slug=slug)
    siblings = list(Lesson.objects.filter(language=lesson.language).only("slug", "title", "order"))
    position = next(i for i, other in enumerate(siblings) if other.pk == lesson.pk)
    gates = _gates(request, [lesson])
    context = {
        "lesson": lesson,
        "previous": siblings[position - 1] if position > 0 else None,
        "next": siblings[position + 1] if position + 1 < len(siblings) else None,
        "gate": gates[0] if gates else None,
        "back": request.path,
        "confidences": Confidence.choices,
    }
    return render(request, "lessons/detail.html", context)


@require_GET
def deep_dive(request: HtmxHttpRequest) -> HttpResponse:
    """The whole lesson as one article; a part whose prediction the learner has not committed to is replaced by
    its question and commit form (one query for a known learner). The article is drawn once per content version
    and set of parts held back (``rendered.article``), from the parts in the render cache, which a page whose
    drawing is kept does not read. One CSRF token serves the page and the forms in the article."""
    language = modes.language()
    version = rendered.content_version(language)
    committed = progress.committed_keys(progress.get_learner(request))
    held = [key for key in rendered.deep_dive_gates(language, version) if key not in committed]

    def context() -> dict:
        parts = rendered.deep_dive_parts(language, version)
        sections = [(part, part["gate"] if part["gate"] and part["gate"]["key"] in held else None) for part in parts]
        return {"sections": sections, "held_back": len(held), "back": request.path, "confidences": Confidence.choices}

    token = get_token(request)
    article = rendered.article("lessons/deep_dive.html#article", (version, *held), context, token)
    return render(request, "lessons/deep_dive.html", {"article": article, "csrf_token": token})


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
    back = progress.safe_path(request.POST.get("next", ""))  # a page that held this part back, if any
    if valid:
        learner = progress.ensure_learner(request)
        with transaction.atomic():
            progress.commit(learner, prediction, choice, confidence)
            progress.remember(learner, back or reverse("lessons:step", args=[step]))
    if back and not request.htmx:
        if not valid:
            messages.error(request, _("Choose an answer and how sure you are, then commit."))
        return redirect(back)
    if valid and not request.htmx:
        return _back(request, reverse("lessons:step", args=[step]), "prediction")
    context = modes.step_context(progress.get_learner(request), lesson) | {"invalid": not valid}
    template = "lessons/step.html#prediction" if request.htmx else "lessons/step.html"
    return render(request, template, context, status=200 if valid or request.htmx else 400)


@require_POST
def mark_read(request: HtmxHttpRequest, step: int) -> HttpResponse:
    """Marks a step read, only once its prediction is committed (the step is shown only after that)."""
    lesson = modes.step_lesson(step)
    if _gates(request, [lesson]):
        messages.error(
            request,
            _(
                "Commit to this step's prediction first: choose an answer and how sure you are, then read the "
                "step and mark it as read."
            ),
        )
        return _back(request, reverse("lessons:step", args=[step]), "prediction")
    learner = progress.ensure_learner(request)
    following = next((n for n in modes.step_numbers() if n > step), None)
    target = reverse("lessons:step", args=[following]) if following else reverse("lessons:progress")
    with transaction.atomic():
        progress.mark_read(learner, lesson)
        progress.remember(learner, target)
    return redirect(target)


@require_http_methods(["GET", "POST"])
def test_out(request: HtmxHttpRequest, step: int) -> HttpResponse:
    """Shows mastery on questions the learner has not answered before: a few drawn from the step's bank. Each
    answer is kept (the question is then seen); passing needs every drawn question right at the first try."""
    lesson = modes.step_lesson(step)
    bank = list(Question.objects.filter(lesson=lesson).prefetch_related("options"))
    learner = progress.get_learner(request)
    drawn = progress.draw_unseen(learner, lesson, bank)
    context = {"lesson": lesson, "passed": modes.has_tested_out(learner, lesson), "bank": len(bank)}
    status = 200
    if request.method == "POST":
        chosen, error = progress.read_drawn(learner, bank, request.POST.getlist("drawn"))
        if not error:
            passed, results = modes.grade_test_out(chosen, request.POST)
            unanswered = [question.prompt for question, graded, _error in results if graded is None]
            if unanswered:
                error, drawn = _("Answer every question before checking: nothing was recorded."), chosen
            else:
                learner = progress.ensure_learner(request)
                with transaction.atomic():
                    progress.record_test_out(learner, lesson, results, passed)
                    progress.remember(learner, reverse("lessons:test_out", args=[step]))
                drawn = progress.draw_unseen(learner, lesson, bank)
                context |= {"passed": passed or context["passed"], "results": results, "submitted": True}
        if error:
            context["error"], status = error, 400
    context["blocks"] = [modes.quiz_block(None, question) for question in drawn]
    return render(request, "lessons/test_out.html", context, status=status)


@require_http_methods(["GET", "POST"])
def worked(request: HtmxHttpRequest, step: int) -> HttpResponse:
    """The worked example faded in stages. A POST answers the learner's current stage only: ``action`` study
    (stage 0: hide the whole example), check (the blanks typed as ``blank-<Element>``) or reveal (show the
    stage's answer after a wrong try). Any other stage is refused (409): stages cannot be skipped."""
    lesson = modes.step_lesson(step)
    gates = _gates(request, [lesson])
    if gates:
        what = _("The worked example shows how the step's prediction turns out.")
        return _gate_page(request, gates, _("Worked example: %(title)s") % {"title": lesson.title}, what)
    context = modes.worked_context(progress.get_learner(request), lesson)
    if request.method == "POST":
        context, status = _worked_post(request, context)
        if (learner := progress.get_learner(request)) is not None:
            progress.remember(learner, reverse("lessons:worked", args=[step]))
        if status == 302:
            return redirect("lessons:worked", step=step)
    else:
        status = 200
    template = "lessons/worked.html#stage" if request.htmx and request.method == "POST" else "lessons/worked.html"
    return render(request, template, context, status=status)


def _worked_post(request: HtmxHttpRequest, context: dict) -> tuple[dict, int]:
    """Answers the current stage; refusals (409, or 200 for htmx, which swaps only successes) say why."""
    item, stage, action = context["fading"], context["stage"], request.POST.get("action", "check")
    refused = 200 if request.htmx else 409
    if context["finished"]:
        return context | {"refused": "finished"}, refused
    if request.POST.get("stage") != str(stage) or (stage == 0) != (action == "study"):
        return context | {"refused": "stage"}, refused
    if stage == 0:
        modes.record_stage(progress.ensure_learner(request), item, 0, revealed=True)
        return context, 302
    if action == "reveal":
        if not context["tried"]:
            return context | {"refused": "untried"}, refused
        modes.record_stage(progress.ensure_learner(request), item, stage, revealed=True)
        return context | {"outcome": "revealed", "solution": item.whole}, 200
    if action != "check":
        return context | {"refused": "stage"}, refused
    answers = {element: request.POST.get(f"blank-{element}", "") for element in context["blanks"]}
    checked = modes.check_stage(item, stage, answers)
    learner = progress.ensure_learner(request)
    modes.record_stage(learner, item, stage, answer=json.dumps(answers), correct=checked.correct)
    outcome = {"outcome": "right" if checked.correct else "wrong", "checked": checked, "tried": True}
    outcome["fields"] = [(element, answers[element]) for element in context["blanks"]]
    if checked.correct:
        outcome["solution"] = item.whole
    return context | outcome, 400 if checked.unreadable and not request.htmx else 200


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
    """Answers one review item: a card is revealed (``action`` show or check, with an optional ``typed``
    answer) then self-rated (``rating``); a mini-prediction is answered with ``choice`` and ``confidence``.
    Only items in the learner's review may be answered: anything else is refused (403) and nothing is shown."""
    learner, now = progress.get_learner(request), timezone.now()
    if kind not in {"card", "prediction"}:
        raise Http404("No such kind of review item.")
    model = Card if kind == "card" else Prediction
    found = get_object_or_404(model, language=modes.language(), key=key)
    if learner is None or not review.offers(learner, modes.language(), f"{kind}:{key}", now):
        return render(request, "lessons/review.html", modes.review_context(learner, refused=True), status=403)
    if kind == "card":
        return _review_card(request, learner, found, now)
    choice, confidence = request.POST.get("choice", ""), request.POST.get("confidence", "")
    if choice not in {o["key"] for o in found.options} or confidence not in Confidence.values:
        context = modes.review_context(learner, invalid=f"prediction:{key}")
        return render(request, "lessons/review.html", context, status=400)
    correct, _state = review.answer_prediction(learner, found, choice, confidence, now)
    for line in review.feedback(found, correct, confidence):
        messages.info(request, line)
    progress.remember(learner, reverse("lessons:review"))
    return redirect("lessons:review")


def _review_card(request: HtmxHttpRequest, learner, card: Card, now) -> HttpResponse:
    rating = request.POST.get("rating")
    if rating in review.RATINGS:
        review.record(learner, f"card:{card.key}", review.RATINGS[rating], now)
        progress.remember(learner, reverse("lessons:review"))
        return redirect("lessons:review")
    if request.POST.get("action") not in {"show", "check"}:
        context = modes.review_context(learner, invalid=f"card:{card.key}")
        return render(request, "lessons/review.html", context, status=400)
    typed = request.POST.get("typed", "")
    reveal = {"item": f"card:{card.key}", "card": card, "typed": typed[: review.MAX_TYPED]}
    reveal |= {"match": review.check_typed(card, typed), "too_long": len(typed) > review.MAX_TYPED}
    return render(request, "lessons/review.html", modes.review_context(learner, reveal=reveal))


@require_POST
def mark_part_read(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Marks a part that is not a step (overview, sections, cheat sheet) as read, so its cards join the
    learner's review. Steps are marked read on their step page, after their prediction."""
    lesson = get_object_or_404(Lesson, language=modes.language(), slug=slug)
    if lesson.step is not None:
        return redirect("lessons:step", step=lesson.step)
    learner = progress.ensure_learner(request)
    progress.mark_read(learner, lesson)
    progress.remember(learner, lesson.get_absolute_url())
    messages.success(request, _("Marked as read: its cards will come up in your spaced review."))
    return redirect(lesson.get_absolute_url())


@require_GET
def visual(request: HtmxHttpRequest) -> HttpResponse:
    """Each build-up step's diagrams, computed from its scenario by the engine and drawn once per content version;
    those of a step whose prediction is not committed yet are held back behind its commit form."""
    every = diagrams.for_page()
    gates = _gates(request, {d.lesson_id: d.lesson for d in every if d.lesson_id}.values())
    held = {gate["slug"] for gate in gates}
    shown = [d for d in every if d.lesson_id is None or d.lesson.slug not in held]
    context = {"sections": diagrams.sections(diagrams.draw_all(shown)), "gates": gates, "back": request.path}
    return render(request, "lessons/visual.html", context | {"confidences": Confidence.choices})


@require_GET
def try_it(request: HtmxHttpRequest) -> HttpResponse:
    """The "Try it" mode: the seven step labs, each with the learner's status; starting is on the lab's page."""
    return render(request, "lessons/try_it.html", {"entries": modes.try_its(request)})


@require_GET
def cheat_sheet(request: HtmxHttpRequest) -> HttpResponse:
    steps = Lesson.objects.filter(language=modes.language(), step__isnull=False).exclude(prediction_key="")
    gates = _gates(request, list(steps))
    if gates:
        what = _("The cheat sheet sums up what every step's prediction turns out to be.")
        return _gate_page(request, gates, _("Cheat sheet"), what)
    lesson = Lesson.objects.filter(language=modes.language(), kind="cheatsheet").first()
    drawn = diagrams.draw_all(diagrams.for_page())
    return render(request, "lessons/cheat_sheet.html", {"lesson": lesson, "drawn": drawn})


@require_GET
def progress_page(request: HtmxHttpRequest) -> HttpResponse:
    learner = progress.get_learner(request)
    return render(request, "lessons/progress.html", {"progress": progress.summary(learner, modes.language())})
