"""Class votes, after ubcpi's peer instruction. Staff open a vote on one prediction, myth or quiz question for
the class or one section; students answer with how sure they are and, if they like, a one-line reason (the
first vote); staff reveal the class's first answers, which a student sees (with a few anonymous reasons) only
if they voted; students discuss and vote again (the second vote); staff close the vote and the right answer is
shown. The phases are enforced here, whatever a page shows::

    open ──reveal──▶ revealed ──close──▶ closed        (open ──close──▶ closed: no second vote)

- the first vote is taken only while the vote is open, and may be changed until the reveal;
- the second vote only once revealed, and only by students who voted first; it may be changed until closed;
- nothing changes once closed; at most one vote is live (open or revealed) in a classroom.

Staff see the first and second votes side by side, split by confidence, with "confidently wrong" (wrong and
sure) counted, and how students moved between them (right→right, wrong→right, right→wrong, wrong→wrong). A TA
counts only their sections' students. Every figure costs a fixed number of queries whatever the class size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import answers, log, permissions
from .answers import Distribution, Item
from .models import Classroom, Enrollment, Section, Vote, VoteAnswer
from .permissions import Actor

FIRST, SECOND = VoteAnswer.FIRST, VoteAnswer.SECOND
REASONS_SHOWN = 4  # anonymous reasons a student sees after the reveal
REASONS_LISTED = 500  # reasons staff see (a class is smaller than this)
RECENT = timedelta(hours=2)  # a closed vote stays on the classroom page this long, to show its answer


class VoteRefused(Exception):
    """A change the vote's phase does not allow; the message says why, in words."""


# ---- changes --------------------------------------------------------------------------------------------------------


def open_vote(classroom: Classroom, user, item: Item, section: Section | None) -> Vote:
    """Opens a vote on ``item`` for the class (``section`` ``None``) or one section. Refused while another vote
    is live in the classroom."""
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                classroom=classroom,
                section=section,
                section_name=section.name if section else "",
                kind=item.kind,
                item_key=item.key,
                language=item.language,
                opened_by=user,
            )
            log.record(
                classroom, user, "vote_opened", vote=vote.pk, item=item.ident, section=section.name if section else None
            )
    except IntegrityError:
        raise VoteRefused(
            _("Another vote is still live in this classroom: close it before opening a new one.")
        ) from None
    return vote


def reveal(vote: Vote, user) -> Vote:
    """Ends the first vote: students who voted see the class's first answers and may vote again."""
    with transaction.atomic():
        locked = _locked(vote)
        if locked.phase != Vote.OPEN:
            raise VoteRefused(_("This vote was revealed already.") if locked.is_live else _("This vote is closed."))
        locked.phase, locked.revealed_at = Vote.REVEALED, timezone.now()
        locked.save(update_fields=["phase", "revealed_at"])
        log.record(locked.classroom, user, "vote_revealed", vote=locked.pk, item=f"{locked.kind}:{locked.item_key}")
    return locked


def close(vote: Vote, user) -> Vote:
    """Ends the vote: no answer changes any more, and students who voted see the right answer."""
    with transaction.atomic():
        locked = _locked(vote)
        if locked.phase == Vote.CLOSED:
            raise VoteRefused(_("This vote is closed already."))
        skipped = locked.phase == Vote.OPEN
        locked.phase, locked.closed_at = Vote.CLOSED, timezone.now()
        locked.save(update_fields=["phase", "closed_at"])
        log.record(
            locked.classroom,
            user,
            "vote_closed",
            vote=locked.pk,
            item=f"{locked.kind}:{locked.item_key}",
            second_vote="skipped" if skipped else "taken",
        )
    return locked


def set_hidden(vote: Vote, user, answer_pk: int, hidden: bool) -> bool:
    """Hides a first-vote reason from the class (or shows it again). ``False`` when nothing changed. The log
    names the vote, never the student: reasons are anonymous."""
    with transaction.atomic():
        changed = VoteAnswer.objects.filter(vote=vote, pk=answer_pk, round=FIRST).exclude(hidden=hidden)
        if not changed.update(hidden=hidden):
            return False
        log.record(vote.classroom, user, "vote_reason_hidden" if hidden else "vote_reason_shown", vote=vote.pk)
    return True


def answer(vote: Vote, enrollment: Enrollment, number: int, choice: str, confidence: str, rationale: str) -> VoteAnswer:
    """Records ``enrollment``'s first or second vote (``number``), or changes it while its round is open.
    Raises ``VoteRefused`` when the phase does not allow it. The vote row is locked meanwhile, so that an
    answer never slips in after the reveal or the close."""
    with transaction.atomic():
        locked = _locked(vote)
        reason = why_not_answer(locked, enrollment, number)
        if reason is not None:
            raise VoteRefused(reason)
        values = {"choice": choice, "confidence": confidence}
        if number == FIRST:
            values["rationale"] = rationale
        recorded, _created = VoteAnswer.objects.update_or_create(
            vote=locked, enrollment=enrollment, round=number, defaults=values
        )
    return recorded


def why_not_answer(vote: Vote, enrollment: Enrollment, number: int) -> str | None:
    """Why ``enrollment`` may not give their ``number`` vote now, in words; ``None`` when they may."""
    refusal = audience_refusal(vote, enrollment)
    if refusal is not None:
        return refusal
    if vote.phase == Vote.CLOSED:
        return _("This vote is closed: answers no longer change.")
    if number == FIRST and vote.phase != Vote.OPEN:
        return _("The first vote is over, so your first answer can no longer change. You can vote again below.")
    if number == SECOND and vote.phase == Vote.OPEN:
        return _("The second vote starts when your instructor reveals the class's answers.")
    if number == SECOND and not VoteAnswer.objects.filter(vote=vote, enrollment=enrollment, round=FIRST).exists():
        return _("Only students who voted the first time vote again. Join the discussion, and the next vote.")
    return None


def audience_refusal(vote: Vote, enrollment: Enrollment | None) -> str | None:
    """Why ``enrollment``'s student is not among those the vote asks, or ``None`` when they are."""
    if vote.section_id is None and vote.section_name:
        return _("This vote was for the section %(name)s, which was deleted.") % {"name": vote.section_name}
    if vote.section_id is not None and (enrollment is None or enrollment.section_id != vote.section_id):
        return _("This vote is for the %(name)s section only.") % {"name": vote.section_name}
    return None


def _locked(vote: Vote) -> Vote:
    return Vote.objects.select_for_update().select_related("classroom").get(pk=vote.pk)


# ---- who a vote asks, and what is live -----------------------------------------------------------------------------


def audience(vote: Vote, actor: Actor) -> QuerySet[Enrollment]:
    """The students whose answers count for ``actor``: the class (or the vote's section), active, not staff; a
    TA's sections only."""
    students = answers.class_students(actor)
    if vote.section_id is not None or vote.section_name:
        students = students.filter(section_id=vote.section_id)
    return students


def for_actor(classroom: Classroom, actor: Actor) -> QuerySet[Vote]:
    """The votes ``actor`` sees: every vote for staff; for a student, the class's and their section's."""
    votes = Vote.objects.filter(classroom=classroom)
    if permissions.can(actor, "view_answers"):
        return votes
    section = actor.enrollment.section_id if actor.enrollment is not None else None
    return votes.filter(Q(section__isnull=True, section_name="") | Q(section_id=section))


def latest(classroom: Classroom, actor: Actor) -> Vote | None:
    """The vote the classroom page shows: the live one, or one closed in the last two hours (to show its answer)."""
    vote = for_actor(classroom, actor).order_by("-opened_at", "-pk").first()
    if vote is None or vote.is_live or (vote.closed_at and timezone.now() - vote.closed_at < RECENT):
        return vote
    return None


def state_token(vote: Vote | None) -> str:
    """What a page polls for: it changes when a vote opens, is revealed or closes (not with every answer)."""
    return f"{vote.pk}-{vote.phase}" if vote is not None else "none"


def item_of(vote: Vote) -> Item:
    """The vote's item from the lessons, or a stand-in when it has left them."""
    return answers.find(vote.kind, vote.item_key, vote.language) or stand_in(vote)


def stand_in(vote: Vote) -> Item:
    """What a vote whose item has left the lessons shows: no choices, so every answer counts as no longer offered."""
    return Item(vote.kind, vote.item_key, 0, vote.language, _("(This item is no longer in the lessons.)"), ())


# ---- results for staff ----------------------------------------------------------------------------------------------


@dataclass
class Compared:
    """One answer with its first and second votes side by side."""

    key: str
    text: str
    correct: bool | None
    first: answers.Row | None
    second: answers.Row | None


@dataclass
class Results:
    item: Item
    students: int  # students the vote asks (that the actor sees)
    first: Distribution
    second: Distribution
    compared: list[Compared]
    moves: dict[str, int]
    reasons: list[dict] = field(default_factory=list)

    @property
    def voted_twice(self) -> int:
        return sum(n for key, n in self.moves.items() if key != "first_only")


MOVES = ("right_right", "wrong_right", "right_wrong", "wrong_wrong", "first_only")


def results(vote: Vote, actor: Actor, item: Item) -> Results:
    """The first and second votes side by side for staff (five queries, whatever the class size)."""
    students = audience(vote, actor)
    counted = VoteAnswer.objects.filter(vote=vote, enrollment__in=students)
    first, second = _distributions(item, counted)
    by_key = {row.key: row for row in second.rows}
    compared = [Compared(row.key, row.text, row.correct, row, by_key.pop(row.key, None)) for row in first.rows]
    compared += [Compared(row.key, row.text, row.correct, None, row) for row in by_key.values()]
    reasons = [
        {"pk": pk, "answer": answers.judge(item, choice)[0][0].text, "rationale": rationale, "hidden": hidden}
        for pk, choice, rationale, hidden in counted.filter(round=FIRST)
        .exclude(rationale="")
        .order_by("pk")
        .values_list("pk", "choice", "rationale", "hidden")[:REASONS_LISTED]
    ]
    return Results(item, students.count(), first, second, compared, _moves(item, counted), reasons)


def _distributions(item: Item, counted: QuerySet[VoteAnswer]) -> tuple[Distribution, Distribution]:
    groups: dict[int, list] = {FIRST: [], SECOND: []}
    for row in counted.values("round", "choice", "confidence").annotate(n=Count("pk")).order_by():
        groups[row["round"]].append((row["choice"], row["confidence"], row["n"]))
    return tuple(answers.tally(item, groups[number], with_confidence=True) for number in (FIRST, SECOND))


def _moves(item: Item, counted: QuerySet[VoteAnswer]) -> dict[str, int]:
    """How students moved between their first and second votes."""
    votes: dict[int, dict[int, bool]] = {}
    right = {choice.key for choice in item.right}
    for enrollment_id, number, choice in counted.values_list("enrollment_id", "round", "choice"):
        votes.setdefault(enrollment_id, {})[number] = choice in right
    moves = dict.fromkeys(MOVES, 0)
    for pair in votes.values():
        if FIRST not in pair:
            continue
        if SECOND not in pair:
            moves["first_only"] += 1
            continue
        before, after = ("right" if pair[number] else "wrong" for number in (FIRST, SECOND))
        moves[f"{before}_{after}"] += 1
    return moves


# ---- what a student sees --------------------------------------------------------------------------------------------


@dataclass
class Card:
    """A vote as one student sees it. The class's answers (``first`` and, once closed, ``second``) are counted
    only when the student voted first and ``MIN_GROUP`` students did; the right answer only once closed."""

    vote: Vote
    item: Item
    mine: dict[int, VoteAnswer]
    refusal: str | None = None  # why they do not take part in this vote
    round: int | None = None  # the vote the form is for, if any
    first: Distribution | None = None
    second: Distribution | None = None
    too_few: bool = False
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def show_correct(self) -> bool:
        return self.vote.phase == Vote.CLOSED

    @property
    def my_first(self) -> VoteAnswer | None:
        return self.mine.get(FIRST)

    @property
    def my_second(self) -> VoteAnswer | None:
        return self.mine.get(SECOND)

    @property
    def my_first_text(self) -> str:
        return self._chosen(FIRST)[0]

    @property
    def my_second_text(self) -> str:
        return self._chosen(SECOND)[0]

    @property
    def my_first_right(self) -> bool:
        return self._chosen(FIRST)[1]

    @property
    def my_second_right(self) -> bool:
        return self._chosen(SECOND)[1]

    def _chosen(self, number: int) -> tuple[str, bool]:
        mine = self.mine.get(number)
        if mine is None:
            return "", False
        chosen, right = answers.judge(self.item, mine.choice)
        return chosen[0].text, right


def card(vote: Vote, actor: Actor, item: Item) -> Card:
    """The vote as ``actor`` (a student) sees it: at most four queries."""
    enrollment = actor.enrollment
    mine = {a.round: a for a in VoteAnswer.objects.filter(vote=vote, enrollment=enrollment)} if enrollment else {}
    shown = Card(vote, item, mine, refusal=audience_refusal(vote, enrollment))
    if shown.refusal is not None:
        return shown
    if vote.phase == Vote.OPEN:
        shown.round = FIRST
    elif vote.phase == Vote.REVEALED and FIRST in mine:
        shown.round = SECOND
    if vote.phase == Vote.OPEN or FIRST not in mine:
        return shown  # nothing of the class's answers before the reveal, nor to anyone who did not vote
    counted = VoteAnswer.objects.filter(vote=vote, enrollment__in=audience(vote, actor))
    first, second = _distributions(item, counted)
    if not first.enough:
        shown.too_few = True
        return shown
    shown.first = _mark_mine(first, mine.get(FIRST))
    if vote.phase == Vote.CLOSED and second.enough:
        shown.second = _mark_mine(second, mine.get(SECOND))
    shown.reasons = _sample_reasons(vote, item, counted, enrollment)
    return shown


def _mark_mine(dist: Distribution, mine: VoteAnswer | None) -> Distribution:
    for row in dist.rows:
        row.mine = mine is not None and row.key == mine.choice
    return dist


def _sample_reasons(vote: Vote, item: Item, counted: QuerySet[VoteAnswer], enrollment) -> list[tuple[str, str]]:
    """A few classmates' first-vote reasons, without names: the same sample on every visit (seeded by the vote),
    never the student's own, never one staff hid."""
    rows = list(
        counted.filter(round=FIRST, hidden=False)
        .exclude(rationale="")
        .exclude(enrollment=enrollment)
        .order_by("pk")
        .values_list("choice", "rationale")[:REASONS_LISTED]
    )
    picked = random.Random(vote.pk).sample(rows, min(REASONS_SHOWN, len(rows)))
    return [(answers.judge(item, choice)[0][0].text, text) for choice, text in picked]


# ---- the list of votes ----------------------------------------------------------------------------------------------


def participation(votes: list[Vote], actor: Actor) -> dict[int, dict[int, int]]:
    """For each vote, how many of the students ``actor`` sees voted first and second (one query)."""
    counts: dict[int, dict[int, int]] = {vote.pk: {FIRST: 0, SECOND: 0} for vote in votes}
    rows = VoteAnswer.objects.filter(vote__in=votes, enrollment__in=answers.class_students(actor))
    for row in rows.values("vote_id", "round").annotate(n=Count("pk")).order_by():
        counts[row["vote_id"]][row["round"]] = row["n"]
    return counts


def own_rounds(votes: list[Vote], enrollment: Enrollment | None) -> dict[int, set[int]]:
    """For each vote, the rounds ``enrollment`` voted in (one query)."""
    rounds: dict[int, set[int]] = {vote.pk: set() for vote in votes}
    if enrollment is not None:
        for vote_id, number in VoteAnswer.objects.filter(vote__in=votes, enrollment=enrollment).values_list(
            "vote_id", "round"
        ):
            rounds[vote_id].add(number)
    return rounds
