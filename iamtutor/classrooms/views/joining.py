"""Joining a classroom: the code form, the join link, and the staff page that manages both.

A student joins by typing the class's code (``/classrooms/join/``) or by opening its link
(``/classrooms/join/<token>/``). A link's page only shows the classroom and a "Join" button: joining is
always a POST. An anonymous visitor is sent to sign up or log in and comes back to finish (their lesson
progress and personal sandbox move to the new account at that moment, in the accounts and sandbox apps).
Every refusal gets a page of its own that says why (``PROBLEMS``). ``joining.py`` holds the logic.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from iamtutor.lib.clientip import client_ip
from iamtutor.lib.http import HtmxHttpRequest

from .. import joining
from ..forms import JoinCodeForm, JoinKeyForm, SeatLimitForm
from ..models import Classroom, JoinKey
from ..nav import page_context
from ..permissions import Actor, actor_for, get_classroom

THROTTLED = "throttled"
# problem -> (status, title, explanation); {name} is the classroom's name, {limit} the number in question
PROBLEMS = {
    joining.UNKNOWN: (
        404,
        gettext_lazy("No classroom has this join code"),
        gettext_lazy(
            "Check the code with your instructor: it looks like ABCD-EFGH. If they made a new code, the old one "
            "stopped working."
        ),
    ),
    joining.DISABLED: (
        403,
        gettext_lazy("Joining {name} this way is turned off"),
        gettext_lazy("The instructor has turned this way of joining off. Ask them how to join."),
    ),
    joining.EXPIRED: (
        410,
        gettext_lazy("This way of joining {name} has expired"),
        gettext_lazy("It stopped working when its time ran out. Ask your instructor for a new code or link."),
    ),
    joining.DRAFT: (
        403,
        gettext_lazy("{name} is not open yet"),
        gettext_lazy("Your instructor has not opened the classroom to students yet. Try again once they have."),
    ),
    joining.CLOSED: (
        403,
        gettext_lazy("{name} is closed"),
        gettext_lazy("The class has ended, so nobody can join it any more."),
    ),
    joining.ARCHIVED: (
        410,
        gettext_lazy("{name} is archived"),
        gettext_lazy("The class has ended and was archived, so nobody can join it any more."),
    ),
    joining.FULL: (
        409,
        gettext_lazy("{name} is full"),
        gettext_lazy("All {limit} seats are taken. Ask your instructor to make room for you."),
    ),
    joining.REMOVED: (
        403,
        gettext_lazy("You were removed from {name}"),
        gettext_lazy(
            "The staff removed you from this classroom. Your account in it is kept read-only, and you can still "
            "look at it. Ask your instructor if this is a mistake."
        ),
    ),
    THROTTLED: (
        429,
        gettext_lazy("Too many wrong join codes"),
        gettext_lazy(
            "Joining by code is paused for {limit} minutes after many wrong codes from your account or network. "
            "Try again later, or ask your instructor for the join link."
        ),
    ),
}
LINK_UNKNOWN = (
    404,
    gettext_lazy("This join link does not work"),
    gettext_lazy(
        "It may be incomplete, or your instructor made a new link and this one stopped working. Ask them for the "
        "current link or the join code."
    ),
)


# ---- students ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HtmxHttpRequest) -> HttpResponse:
    """The join-code form. A right code joins at once (a signed-in student) or asks an anonymous visitor to
    sign up or log in first, with the code kept for when they come back."""
    initial = {"code": request.GET.get("code", "")[: joining.MAX_TYPED]}
    form = JoinCodeForm(request.POST or None, initial=initial)
    if request.method == "GET":
        return render(request, "classrooms/joining/join.html", {"form": form})
    address = client_ip(request)
    if joining.too_many_failures(request.user, address):
        return _problem(request, THROTTLED, None, form=form)
    if not form.is_valid():
        return render(request, "classrooms/joining/join.html", {"form": form}, status=400)
    key = joining.find_key(JoinKey.CODE, form.cleaned_data["code"])
    if key is None:
        joining.count_failure(request.user, address)
    outcome = joining.check(key, request.user)
    if outcome.problem is None and request.user.is_authenticated:
        outcome = joining.join(key, request.user)
    if outcome.problem is not None:
        return _problem(request, outcome.problem, outcome, form=form)
    if outcome.enrollment is None:  # anonymous: sign up or log in, then come back to this form
        back = reverse("classrooms:join") + "?" + urlencode({"code": joining.format_code(key.value)})
        return render(request, "classrooms/joining/join.html", _welcome(request, outcome, back) | {"form": form})
    return _joined(request, outcome)


@require_http_methods(["GET", "POST"])
def join_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The join link: GET shows the classroom and a "Join" button (never joins); POST joins."""
    key = joining.find_key(JoinKey.LINK, token)
    if key is None:
        return _render_problem(request, LINK_UNKNOWN, {})
    if request.method == "POST" and request.user.is_authenticated:
        outcome = joining.join(key, request.user)
        if outcome.problem is None:
            return _joined(request, outcome)
    else:
        outcome = joining.check(key, request.user)
    if outcome.problem == joining.UNKNOWN:  # rotated between the lookup and the join
        return _render_problem(request, LINK_UNKNOWN, {})
    if outcome.problem is not None:
        return _problem(request, outcome.problem, outcome)
    return render(request, "classrooms/joining/link.html", _welcome(request, outcome, request.path))


def _welcome(request, outcome: joining.Outcome, back: str) -> dict:
    """What the join pages show about a classroom one may join, with sign-up and log-in links coming back to
    ``back``."""
    query = urlencode({"next": back})
    return {
        "found": outcome.classroom,
        "enrollment": outcome.enrollment,
        "is_staff": request.user.is_authenticated and actor_for(request.user, outcome.classroom).is_staff,
        "signup_url": f"{reverse('signup')}?{query}",
        "login_url": f"{reverse('login')}?{query}",
    }


def _joined(request: HtmxHttpRequest, outcome: joining.Outcome) -> HttpResponse:
    enrollment = outcome.enrollment
    name = outcome.classroom.name
    if outcome.joined:
        messages.success(
            request,
            _("Welcome to %(name)s! This is your own AWS account in the class, %(account)s.")
            % {"name": name, "account": enrollment.account_id},
        )
    else:
        messages.info(request, _("You are already a student of %(name)s.") % {"name": name})
    return redirect(enrollment.sandbox.get_absolute_url())


def _problem(request, problem: str, outcome: joining.Outcome | None, form=None) -> HttpResponse:
    classroom = outcome.classroom if outcome else None
    context = {"found": classroom, "enrollment": outcome.enrollment if outcome else None, "form": form}
    limit = classroom.seat_limit if classroom else joining.FAILURE_WINDOW // 60  # seats, or minutes paused
    return _render_problem(request, PROBLEMS[problem], context, name=classroom.name if classroom else "", limit=limit)


def _render_problem(request, problem: tuple, context: dict, **values) -> HttpResponse:
    status, title, explanation = problem
    context |= {"title": str(title).format(**values), "explanation": str(explanation).format(**values)}
    template = "classrooms/joining/join.html" if context.get("form") is not None else "classrooms/joining/problem.html"
    return render(request, template, context, status=status)


# ---- staff: the join code, the join link and the seat limit ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def joining_page(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Shows the join code and link with their state; POST turns one on or off, sets its expiry, makes a new
    one (``action=rotate_code``/``rotate_link``) or sets the seat limit (``action=seats``)."""
    classroom, actor = get_classroom(request, pk, "manage_joining")
    keys = joining.join_keys(classroom)
    forms = {
        "code": JoinKeyForm(prefix="code", key=keys[JoinKey.CODE]),
        "link": JoinKeyForm(prefix="link", key=keys[JoinKey.LINK]),
        "seats": SeatLimitForm(prefix="seats", initial={"seat_limit": classroom.seat_limit}),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in STAFF_ACTIONS:
            return HttpResponseBadRequest(_("Unknown action."))
        done, form = STAFF_ACTIONS[action](request, classroom, keys)
        if done:
            return redirect("classrooms:joining", classroom.pk)
        forms[action] = form
    status = 400 if any(form.errors for form in forms.values()) else 200
    context = _manage_context(request, classroom, actor, keys, forms)
    return render(request, "classrooms/joining/manage.html", context, status=status)


def _save_key(kind: str):
    def save(request, classroom: Classroom, keys: dict) -> tuple[bool, JoinKeyForm]:
        form = JoinKeyForm(request.POST, prefix=kind, key=keys[kind])
        if not form.is_valid():
            return False, form
        joining.update_key(classroom, request.user, kind, **form.cleaned_data)
        messages.success(request, _("Saved. Students see the change at once."))
        return True, form

    return save


def _rotate(kind: str):
    def rotate(request, classroom: Classroom, keys: dict) -> tuple[bool, None]:
        joining.rotate(classroom, request.user, kind)
        if kind == JoinKey.CODE:
            messages.success(request, _("New join code made. The old code stopped working."))
        else:
            messages.success(request, _("New join link made. The old link stopped working."))
        return True, None

    return rotate


def _save_seats(request, classroom: Classroom, keys: dict) -> tuple[bool, SeatLimitForm]:
    form = SeatLimitForm(request.POST, prefix="seats")
    if not form.is_valid():
        return False, form
    joining.set_seat_limit(classroom, request.user, form.cleaned_data["seat_limit"])
    messages.success(request, _("Seat limit saved."))
    return True, form


STAFF_ACTIONS = {
    "code": _save_key(JoinKey.CODE),
    "link": _save_key(JoinKey.LINK),
    "rotate_code": _rotate(JoinKey.CODE),
    "rotate_link": _rotate(JoinKey.LINK),
    "seats": _save_seats,
}


def _manage_context(request, classroom: Classroom, actor: Actor, keys: dict, forms: dict) -> dict:
    code, link = keys[JoinKey.CODE], keys[JoinKey.LINK]
    return {
        **page_context(request, classroom, actor),
        "code": code,
        "code_display": joining.format_code(code.value),
        "code_state": joining.key_state(code),
        "link": link,
        "link_state": joining.key_state(link),
        "link_url": request.build_absolute_uri(reverse("classrooms:join_link", args=[link.value])),
        "join_url": request.build_absolute_uri(reverse("classrooms:join")),
        "forms": forms,
        "seats_taken": joining.seats_taken(classroom),
    }


urlpatterns = [
    path("join/", join, name="join"),
    path("join/<str:token>/", join_link, name="join_link"),
    path("<uuid:pk>/joining/", joining_page, name="joining"),
]
