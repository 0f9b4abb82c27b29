"""The class's answers and class votes. ``answers.py`` and ``votes.py`` hold the logic; these views ask
``permissions`` first and choose what to show: staff see every answer (a TA their sections'), a student sees
the class's answers to what they answered themselves, never names.

The classroom page polls ``vote_live`` (every 10 s, answered with 204 until a vote opens, is revealed or
closes), and the staff results poll the vote page while it is live: a few queries a poll whatever the class size.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest
from lessons import progress
from lessons.modes import language

from .. import answers, votes
from ..forms import OpenVoteForm, VoteAnswerForm, VoteControlForm
from ..models import Classroom, Vote
from ..nav import page_context
from ..permissions import Actor, can, get_classroom, require, why_not

VOTES_PER_PAGE = 20
PHASE_WORDS = {
    Vote.OPEN: gettext_lazy("first vote open"),
    Vote.REVEALED: gettext_lazy("revealed: second vote open"),
    Vote.CLOSED: gettext_lazy("closed"),
}


# ---- the class's answers to the lessons ----------------------------------------------------------------------------


@require_GET
def class_answers(request: HtmxHttpRequest, pk) -> HttpResponse:
    """``?kind=prediction|myth|question`` (and ``lesson=<slug>`` for the quiz, ``section=<id>`` for staff)."""
    classroom, actor = get_classroom(request, pk, "view")
    staff = can(actor, "view_answers")
    if not staff:
        require(actor, "compare_answers")
    kind = request.GET.get("kind") if request.GET.get("kind") in answers.KINDS else answers.PREDICTION
    lessons = answers.quiz_lessons(language()) if kind == answers.QUESTION else []
    lesson = next((x for x in lessons if x.slug == request.GET.get("lesson")), lessons[0] if lessons else None)
    sections = _sections(actor) if staff else []
    section = next((s for s in sections if str(s.pk) == request.GET.get("section")), None)
    found = answers.items(kind, language(), lesson=lesson)
    students = answers.class_students(actor, section)
    if staff:
        shown = answers.for_staff(found, students)
    else:
        shown = answers.for_student(found, progress.get_learner(request), students)
    context = page_context(request, classroom, actor, kind=kind, kinds=answers.KINDS, shown=shown, staff=staff)
    context |= {"lessons": lessons, "lesson": lesson, "sections": sections, "section": section}
    context |= {"scoped": actor.section_ids() is not None, "min_group": answers.MIN_GROUP}
    context["can_export"] = can(actor, "export_answers")
    return render(request, "classrooms/votes/answers.html", context)


def _sections(actor: Actor) -> list:
    scope = actor.section_ids()
    sections = actor.classroom.sections.all()
    return list(sections if scope is None else sections.filter(pk__in=scope))


@require_GET
def answers_csv(request: HtmxHttpRequest, pk) -> StreamingHttpResponse:
    classroom, actor = get_classroom(request, pk, "export_answers")
    response = StreamingHttpResponse(answers.csv_lines(actor), content_type="text/csv; charset=utf-8")
    name = f"{slugify(classroom.name) or 'classroom'}-answers.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# ---- class votes ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def vote_list(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The classroom's votes, newest first; instructors open a new one here."""
    classroom, actor = get_classroom(request, pk, "view" if request.method == "GET" else "run_vote")
    form = None
    found = [item for kind in answers.KINDS for item in answers.items(kind, language(), votable=True)]
    if can(actor, "run_vote") or request.method == "POST":
        data = request.POST if request.method == "POST" else None
        form = OpenVoteForm(data, items=found, sections=list(classroom.sections.all()))
    if request.method == "POST" and form.is_valid():
        opened = _open(request, classroom, form)
        if opened is not None:
            messages.success(request, _("The vote is open: students can vote on their classroom page."))
            return redirect(opened)
    listed = votes.for_actor(classroom, actor).order_by("-opened_at", "-pk")
    page = Paginator(listed, VOTES_PER_PAGE).get_page(request.GET.get("page"))
    staff = can(actor, "view_answers")
    rows = _vote_rows(list(page), actor, staff, {item.ident: item for item in found})
    live = Vote.objects.filter(classroom=classroom, phase__in=Vote.LIVE).first()
    context = page_context(request, classroom, actor, form=form, page=page, rows=rows, live=live, staff=staff)
    context["cannot_run"] = why_not(actor, "run_vote")
    return render(request, "classrooms/votes/list.html", context, status=400 if request.method == "POST" else 200)


def _open(request: HtmxHttpRequest, classroom: Classroom, form: OpenVoteForm) -> Vote | None:
    try:
        return votes.open_vote(classroom, request.user, form.cleaned_data["item"], form.cleaned_data["section"])
    except votes.VoteRefused as refusal:
        form.add_error(None, str(refusal))
        return None


def _vote_rows(listed: list[Vote], actor: Actor, staff: bool, catalogue: dict) -> list[dict]:
    counts = votes.participation(listed, actor) if staff else {}
    mine = {} if staff else votes.own_rounds(listed, actor.enrollment)
    return [
        {
            "vote": vote,
            "prompt": (catalogue.get(f"{vote.kind}:{vote.item_key}") or votes.stand_in(vote)).prompt,
            "phase": PHASE_WORDS[vote.phase],
            "counts": counts.get(vote.pk),
            "mine": mine.get(vote.pk),
        }
        for vote in listed
    ]


@require_GET
def vote_detail(request: HtmxHttpRequest, pk, vote) -> HttpResponse:
    """Staff: the first and second votes side by side, polled while live. A student: the vote as they may see it
    (``?seen=<state>`` from htmx answers 204 until the vote's phase changes)."""
    classroom, actor = get_classroom(request, pk, "view")
    vote = _get_vote(classroom, actor, vote)
    item = votes.item_of(vote)
    if can(actor, "view_answers"):
        context = page_context(request, classroom, actor, **_staff_context(vote, actor, item))
        template = "classrooms/votes/vote.html#results" if request.htmx else "classrooms/votes/vote.html"
        return render(request, template, context)
    require(actor, "compare_answers")
    if request.htmx and request.GET.get("seen") == votes.state_token(vote):
        return HttpResponse(status=204)
    context = page_context(request, classroom, actor, **_card_context(vote, actor, item))
    return render(request, "classrooms/votes/_card.html" if request.htmx else "classrooms/votes/vote.html", context)


def _get_vote(classroom: Classroom, actor: Actor, pk) -> Vote:
    """The classroom's vote ``pk`` as ``actor`` may see it: 404 when it is not theirs to see."""
    return get_object_or_404(votes.for_actor(classroom, actor).select_related("classroom"), pk=pk)


def _staff_context(vote: Vote, actor: Actor, item) -> dict:
    return {
        "vote": vote,
        "item": item,
        "results": votes.results(vote, actor, item),
        "phase": PHASE_WORDS[vote.phase],
        "cannot_run": why_not(actor, "run_vote"),
        "scoped": actor.section_ids() is not None,
        "staff": True,
    }


def _card_context(vote: Vote, actor: Actor, item, form=None, live=False, **extra) -> dict:
    """What ``_card.html`` needs: the student's view of the vote, its form, and where it polls (the classroom
    page's slot polls for the next vote too; the vote's own page stops once it is closed)."""
    shown = votes.card(vote, actor, item)
    if form is None and shown.round is not None:
        mine = shown.mine.get(shown.round) or shown.mine.get(votes.FIRST)
        initial = {"round": shown.round}
        if mine is not None:
            initial |= {"choice": mine.choice, "confidence": mine.confidence, "rationale": mine.rationale}
        form = VoteAnswerForm(item=item, initial=initial)
    if live:
        poll_url = reverse("classrooms:vote_live", args=[vote.classroom_id])
    else:
        poll_url = reverse("classrooms:vote", args=[vote.classroom_id, vote.pk]) if vote.is_live else ""
    return {
        "vote": vote,
        "card": shown,
        "form": form,
        "live": live,
        "poll_url": f"{poll_url}?seen={votes.state_token(vote)}" if poll_url else "",
        "cannot_vote": why_not(actor, "take_vote"),
        "phase": PHASE_WORDS[vote.phase],
        "min_group": answers.MIN_GROUP,
        **extra,
    }


@require_POST
def vote_answer(request: HtmxHttpRequest, pk, vote) -> HttpResponse:
    """A student's first or second vote. From htmx the card comes back; otherwise a redirect to the vote."""
    classroom, actor = get_classroom(request, pk, "take_vote")
    vote = _get_vote(classroom, actor, vote)
    item = votes.item_of(vote)
    form = VoteAnswerForm(request.POST, item=item)
    live = request.POST.get("slot") == "live"
    refused, done = "", ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            votes.answer(vote, actor.enrollment, data["round"], data["choice"], data["confidence"], data["rationale"])
        except votes.VoteRefused as refusal:
            refused, form = str(refusal), None  # a fresh form for the vote's current round
        else:
            done = _("Your first vote is in.") if data["round"] == votes.FIRST else _("Your second vote is in.")
            if not request.htmx:
                messages.success(request, done)
                return redirect(vote)
            form = None
    vote.refresh_from_db()
    context = _card_context(vote, actor, item, form=form, live=live, refused=refused, done=done)
    if request.htmx:
        return render(request, "classrooms/votes/_card.html", context)
    status = 409 if refused else 400
    return render(
        request, "classrooms/votes/vote.html", page_context(request, classroom, actor, **context), status=status
    )


@require_POST
def vote_control(request: HtmxHttpRequest, pk, vote) -> HttpResponse:
    """Reveal, close, or hide or show a reason."""
    classroom, actor = get_classroom(request, pk, "run_vote")
    vote = _get_vote(classroom, actor, vote)
    form = VoteControlForm(request.POST)
    if not form.is_valid():
        problem = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return _refused(request, classroom, actor, vote, problem, status=400)
    try:
        done = _control(vote, request.user, form.cleaned_data["action"], form.cleaned_data["answer"])
    except votes.VoteRefused as refusal:
        return _refused(request, classroom, actor, vote, str(refusal), status=409)
    messages.success(request, done)
    return redirect(vote)


def _control(vote: Vote, user, action: str, answer_pk: int | None) -> str:
    """Makes the change; returns what happened, in words."""
    if action == VoteControlForm.REVEAL:
        votes.reveal(vote, user)
        return _("Revealed: students who voted see the class's answers and can vote again.")
    if action == VoteControlForm.CLOSE:
        votes.close(vote, user)
        return _("The vote is closed: students who voted see the right answer.")
    hidden = action == VoteControlForm.HIDE
    if not votes.set_hidden(vote, user, answer_pk, hidden):
        return _("Nothing changed: that reason was already hidden or shown.")
    return _("The reason is hidden from the class.") if hidden else _("The reason is shown to the class again.")


def _refused(request: HtmxHttpRequest, classroom, actor: Actor, vote: Vote, problem: str, status: int) -> HttpResponse:
    vote.refresh_from_db()
    context = page_context(request, classroom, actor, **_staff_context(vote, actor, votes.item_of(vote)))
    context["control_error"] = problem
    return render(request, "classrooms/votes/vote.html", context, status=status)


@require_GET
def vote_live(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The classroom page's vote slot: the live vote (or one just closed), or nothing. ``?seen=<state>`` answers
    204 while nothing changed, so a poll costs a few queries."""
    classroom, actor = get_classroom(request, pk, "view")
    vote = votes.latest(classroom, actor)
    token = votes.state_token(vote)
    if request.htmx and request.GET.get("seen") == token:
        return HttpResponse(status=204)
    poll_url = f"{reverse('classrooms:vote_live', args=[classroom.pk])}?seen={token}"
    staff = can(actor, "view_answers")
    context = {"classroom": classroom, "actor": actor, "vote": vote, "poll_url": poll_url, "staff": staff}
    if vote is not None and not staff and can(actor, "compare_answers"):
        context |= _card_context(vote, actor, votes.item_of(vote), live=True)
    elif vote is not None:
        context["phase"] = PHASE_WORDS[vote.phase]
    return render(request, "classrooms/votes/_live.html", context)


urlpatterns = [
    path("<uuid:pk>/answers/", class_answers, name="answers"),
    path("<uuid:pk>/answers.csv", answers_csv, name="answers_csv"),
    path("<uuid:pk>/votes/", vote_list, name="votes"),
    path("<uuid:pk>/votes/live/", vote_live, name="vote_live"),
    path("<uuid:pk>/votes/<int:vote>/", vote_detail, name="vote"),
    path("<uuid:pk>/votes/<int:vote>/answer/", vote_answer, name="vote_answer"),
    path("<uuid:pk>/votes/<int:vote>/control/", vote_control, name="vote_control"),
]
