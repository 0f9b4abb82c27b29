"""The class's answers to the lessons' predictions, myths and quiz questions (issue 12, "Dashboard": per-question
answer distribution, shown to students only after they committed and without names; "Grading": CSV export of
answers with pseudonymous ids).

Who counts: active students, not staff who enrolled, a TA's sections only. Right and wrong come from the lessons'
content (a policy-reading question's answer was computed by the engine at load time). A student sees an item's
distribution only once they answered it and ``MIN_GROUP`` students did; the CSV names nobody.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iamtutor.classrooms import answers, permissions
from iamtutor.classrooms.membership import add_section, enrol
from iamtutor.classrooms.models import Enrollment, StaffMember
from lessons import progress, questions
from lessons.models import Learner, Myth, Prediction, Question
from tests.classrooms.cast import ACTORS, answer, assert_refused, cast_fixture  # noqa: F401
from tests.classrooms.crowd import crowd
from tests.factories import ClassroomFactory, UserFactory

pytestmark = pytest.mark.django_db

P3 = "p3-any-user-any-role"  # answer: trust-check
MYTH = "myth-roles-have-keys"  # the claim is false
SINGLE = "q1-new-user-default"  # answer: implicit
POLICY = "q1-read-alice-put"  # the engine computes the answer


@pytest.fixture(scope="session")
def shipped_content():
    from lessons.loader import read_content

    return read_content()


@pytest.fixture
def loaded(db, shipped_content):
    from lessons.store import store

    store(shipped_content)


def learner(user) -> Learner:
    return Learner.objects.get_or_create(user=user)[0]


def commit(user, choice: str, confidence: str = "sure", key: str = P3) -> None:
    progress.commit(learner(user), Prediction.objects.get(key=key), choice, confidence)


def quiz(user, key: str, answer: dict) -> None:
    question = Question.objects.get(key=key)
    options = list(question.options.all())
    progress.record_quiz(learner(user), question, questions.grade(question, options, answer))


def staff_view(user, classroom, kind=answers.PREDICTION, section=None) -> dict:
    actor = permissions.actor_for(user, classroom)
    found = answers.items(kind, "en")
    return {s.item.key: s for s in answers.for_staff(found, answers.class_students(actor, section))}


def _url(name: str, classroom, **query) -> str:
    address = reverse(f"classrooms:{name}", args=[classroom.pk])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# ---- counting -------------------------------------------------------------------------------------------------------


def test_a_prediction_is_counted_per_answer_and_confidence_with_the_confidently_wrong(
    loaded, classroom, carol, alice_enrolled, bob_enrolled
):
    dan = enrol(classroom, UserFactory(username="dan"), classroom.sections.get(name="Monday")).user
    commit(alice_enrolled.user, "trust-check", "sure")
    commit(bob_enrolled.user, "any-user", "sure")
    commit(dan, "any-user", "guessing")
    dist = staff_view(carol, classroom)[P3].distribution
    assert (dist.total, dist.right, dist.confidently_wrong) == (3, 1, 1)
    rows = {row.key: row for row in dist.rows}
    assert [row.key for row in dist.rows] == ["any-user", "identity-permission", "trust-check"]  # the lesson's order
    assert (rows["any-user"].count, rows["any-user"].percent, rows["any-user"].confidence_counts) == (2, 67, [1, 0, 1])
    assert rows["any-user"].confidently_wrong == 1 and rows["trust-check"].correct is True
    assert rows["trust-check"].confidently_wrong == 0  # right and sure is not confidently wrong
    assert rows["identity-permission"].count == 0


def test_staff_who_enrolled_removed_students_and_other_classrooms_are_not_counted(
    loaded, classroom, carol, alice_enrolled, bob_enrolled
):
    enrol(classroom, carol)  # the owner tries the classroom as a student
    commit(carol, "any-user")
    commit(alice_enrolled.user, "trust-check")
    commit(bob_enrolled.user, "any-user")
    Enrollment.objects.filter(pk=bob_enrolled.pk).update(state=Enrollment.REMOVED)
    oscar = UserFactory(username="oscar")
    enrol(ClassroomFactory(name="Another class"), oscar)
    commit(oscar, "any-user")
    dist = staff_view(carol, classroom)[P3].distribution
    assert (dist.total, dist.right) == (1, 1)


def test_a_myth_counts_each_students_latest_answer(loaded, classroom, carol, alice_enrolled, bob_enrolled):
    myth = Myth.objects.get(key=MYTH)
    progress.answer_myth(learner(alice_enrolled.user), myth, believed=True)
    progress.answer_myth(learner(alice_enrolled.user), myth, believed=False)  # she changed her mind
    progress.answer_myth(learner(bob_enrolled.user), myth, believed=True)
    dist = staff_view(carol, classroom, answers.MYTH)[MYTH].distribution
    rows = {row.key: row.count for row in dist.rows}
    assert rows == {"true": 1, "false": 1} and (dist.total, dist.right) == (2, 1)
    assert not dist.with_confidence  # myths are answered without a confidence


def test_quiz_answers_are_judged_from_the_content_and_the_engine(
    loaded, classroom, carol, alice_enrolled, bob_enrolled
):
    quiz(alice_enrolled.user, SINGLE, {"choice": ["implicit"]})
    quiz(bob_enrolled.user, SINGLE, {"choice": ["allowed"]})
    # The policy-reading question's right answer is the engine's: ReadReports allows s3:GetObject only.
    engine_says = Question.objects.get(key=POLICY).options.get(correct=True).key
    quiz(alice_enrolled.user, POLICY, {"choice": [engine_says]})
    quiz(bob_enrolled.user, POLICY, {"choice": ["yes" if engine_says == "no" else "no"]})
    shown = staff_view(carol, classroom, answers.QUESTION)
    assert engine_says == "no"
    for key in (SINGLE, POLICY):
        dist = shown[key].distribution
        assert (dist.total, dist.right) == (2, 1), key


def test_a_corrected_question_corrects_the_counts(loaded, classroom, carol, alice_enrolled):
    commit(alice_enrolled.user, "any-user")
    prediction = Prediction.objects.get(key=P3)
    prediction.options = [{**o, "correct": o["key"] == "any-user"} for o in prediction.options]
    prediction.save()
    assert staff_view(carol, classroom)[P3].distribution.right == 1  # the stored commitment said wrong


def test_free_answers_beyond_ten_are_counted_together(loaded, classroom, carol):
    for n, student in enumerate(crowd(classroom, 12)):
        quiz(student.user, "q4-default-minutes", {"number": str(50 + n)})
    dist = staff_view(carol, classroom, answers.QUESTION)["q4-default-minutes"].distribution
    # The nine most common, then the right answer (never lost among the others), then the rest as one row.
    assert len(dist.rows) == answers.MAX_ROWS + 1 and dist.rows[-1].text == "2 other answers"
    assert dist.rows[-1].count == 2 and dist.rows[-1].correct is None
    assert dist.rows[-2].text == "60 minutes" and dist.rows[-2].correct is True


def test_a_multiple_select_question_counts_each_chosen_option(loaded, classroom, carol, alice_enrolled):
    quiz(alice_enrolled.user, "q2-session-facts", {"choice": ["arn", "asia"]})
    dist = staff_view(carol, classroom, answers.QUESTION)["q2-session-facts"].distribution
    rows = {row.key: row.count for row in dist.rows}
    assert rows["arn"] == rows["asia"] == 1 and rows["adds"] == 0 and dist.total == 1 and dist.right == 0


def test_a_ta_counts_only_their_sections_students(loaded, classroom, alice_enrolled, bob_enrolled):
    tom = UserFactory(username="tom")
    StaffMember.objects.create(classroom=classroom, user=tom, role=StaffMember.TA).sections.add(
        classroom.sections.get(name="Monday")
    )
    commit(alice_enrolled.user, "trust-check")
    commit(bob_enrolled.user, "any-user")
    dist = staff_view(tom, classroom)[P3].distribution
    assert (dist.total, dist.right) == (1, 1)


# ---- the page, for staff and for students ----------------------------------------------------------------------------


def test_staff_see_every_items_counts_and_the_confidently_wrong_in_words(
    loaded, classroom, carol, alice_enrolled, bob_enrolled
):
    quentin = enrol(classroom, UserFactory(username="quentin"), classroom.sections.get(name="Monday")).user
    commit(quentin, "any-user", "sure")
    response = answer(carol, "get", _url("answers", classroom))
    text = response.content.decode()
    assert response.status_code == 200
    assert "⚠ 1 confidently wrong (sure)" in text and "✓ right answer" in text
    assert "Download every answer as CSV (pseudonymous)" in text
    assert "quentin" not in text  # counts, never names


def test_a_student_sees_nothing_of_an_item_before_answering_it(loaded, classroom, alice_enrolled, bob_enrolled):
    for student in crowd(classroom, 3):
        commit(student.user, "any-user")
    response = answer(alice_enrolled.user, "get", _url("answers", classroom))
    shown = {entry.item.key: entry for entry in response.context["shown"]}
    assert shown[P3].state == answers.ANSWER_FIRST and shown[P3].distribution is None
    text = response.content.decode()
    assert "Answer it yourself first" in text and "3 answers" not in text and "<table" not in text


def test_a_student_sees_the_class_once_they_answered_with_their_own_answer_marked(
    loaded, classroom, alice_enrolled, bob_enrolled
):
    for student in crowd(classroom, 2):
        commit(student.user, "any-user", "sure")
    commit(alice_enrolled.user, "trust-check", "think_so")
    response = answer(alice_enrolled.user, "get", _url("answers", classroom))
    entry = next(e for e in response.context["shown"] if e.item.key == P3)
    assert entry.state == answers.SHOWN and entry.distribution.total == 3
    assert [row.key for row in entry.distribution.rows if row.mine] == ["trust-check"]
    text = response.content.decode()
    assert "your answer" in text and "3 answers" in text
    assert "crowd-0" not in text and "crowd-1" not in text


def test_a_student_sees_no_distribution_until_enough_students_answered(loaded, classroom, alice_enrolled, bob_enrolled):
    commit(alice_enrolled.user, "trust-check")
    commit(bob_enrolled.user, "any-user")
    response = answer(alice_enrolled.user, "get", _url("answers", classroom))
    entry = next(e for e in response.context["shown"] if e.item.key == P3)
    assert entry.state == answers.TOO_FEW and entry.distribution is None
    assert "Not enough answers yet" in response.content.decode()
    assert answers.MIN_GROUP == 3  # with two, alice would know bob's answer


def test_the_quiz_tab_shows_one_lesson_at_a_time(loaded, classroom, carol):
    response = answer(carol, "get", _url("answers", classroom, kind="question", lesson="step-3-trust"))
    lesson = response.context["lesson"]
    assert lesson.slug == "step-3-trust"
    assert {entry.item.place for entry in response.context["shown"]} == {lesson.title}
    fallback = answer(carol, "get", _url("answers", classroom, kind="question", lesson="<script>"))
    assert fallback.status_code == 200 and fallback.context["lesson"] == fallback.context["lessons"][0]


def test_hostile_filters_fall_back_to_the_defaults(loaded, classroom, carol):
    response = answer(carol, "get", _url("answers", classroom, kind="../../etc", section="x' OR 1=1"))
    assert response.status_code == 200
    assert response.context["kind"] == answers.PREDICTION and response.context["section"] is None


def test_staff_filter_by_section(loaded, classroom, carol, alice_enrolled, bob_enrolled):
    commit(alice_enrolled.user, "trust-check")
    commit(bob_enrolled.user, "any-user")
    tuesday = classroom.sections.get(name="Tuesday")
    response = answer(carol, "get", _url("answers", classroom, section=tuesday.pk))
    entry = next(e for e in response.context["shown"] if e.item.key == P3)
    assert (entry.distribution.total, entry.distribution.right) == (1, 0)


# ---- who may open the pages -----------------------------------------------------------------------------------------

EXPECTED_PAGE = {
    "owner": 200,
    "co_instructor": 200,
    "ta_of_section": 200,
    "ta_of_other_section": 200,
    "student": 200,
    "other_student": 200,
    "student_of_other_classroom": 404,
    "stranger": 404,
    "anonymous": 404,
}
STAFF_ONLY = "Only the owner, co-instructors and teaching assistants can download the class&#x27;s answers."


@pytest.mark.parametrize("actor", ACTORS)
def test_the_answers_page_answers_each_actor(loaded, cast, classroom, actor):
    assert answer(cast[actor], "get", _url("answers", classroom)).status_code == EXPECTED_PAGE[actor]
    assert answer(cast[actor], "post", _url("answers", classroom)).status_code == 405


@pytest.mark.parametrize("actor", ACTORS)
def test_the_answers_csv_answers_each_actor(loaded, cast, classroom, actor):
    response = answer(cast[actor], "get", _url("answers_csv", classroom))
    if actor in ("student", "other_student"):
        assert_refused(response, STAFF_ONLY)
    else:
        assert response.status_code == EXPECTED_PAGE[actor]


def test_a_removed_student_is_told_why(loaded, classroom, alice_enrolled):
    Enrollment.objects.filter(pk=alice_enrolled.pk).update(state=Enrollment.REMOVED)
    response = answer(alice_enrolled.user, "get", _url("answers", classroom))
    assert_refused(response, "You were removed from this classroom")


# ---- CSV ------------------------------------------------------------------------------------------------------------


def _csv(user, classroom) -> list[dict]:
    response = answer(user, "get", _url("answers_csv", classroom))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="iam-roles-autumn-answers.csv"'
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_one_row_per_answer_under_pseudonymous_ids(loaded, classroom, carol, alice_enrolled, bob_enrolled):
    commit(alice_enrolled.user, "trust-check", "sure")
    myth = Myth.objects.get(key=MYTH)
    progress.answer_myth(learner(alice_enrolled.user), myth, believed=True)
    progress.answer_myth(learner(alice_enrolled.user), myth, believed=False)
    quiz(bob_enrolled.user, SINGLE, {"choice": ["allowed"]})
    rows = _csv(carol, classroom)
    assert list(rows[0]) == answers.CSV_HEADER
    alice_id = answers.pseudonym(classroom.pk, alice_enrolled.user_id)
    mine = [(r["item_kind"], r["item_id"], r["attempt"], r["answer"], r["correct"], r["confidence"]) for r in rows]
    assert mine == [
        ("prediction", P3, "1", "trust-check", "yes", "sure"),
        ("myth", MYTH, "1", "true", "no", ""),
        ("myth", MYTH, "2", "false", "yes", ""),
        ("question", SINGLE, "1", "allowed", "no", ""),
    ]
    assert [r["student"] for r in rows[:3]] == [alice_id] * 3 and rows[0]["section"] == "Monday"
    assert rows[0]["time"].endswith("Z") and rows[0]["activity"] == "lesson"


def test_the_csv_names_nobody(loaded, classroom, carol, alice_enrolled, bob_enrolled):
    commit(alice_enrolled.user, "trust-check")
    commit(bob_enrolled.user, "any-user")
    response = answer(carol, "get", _url("answers_csv", classroom))
    text = b"".join(response.streaming_content).decode()
    for user in (alice_enrolled.user, bob_enrolled.user):
        assert user.username not in text and user.email not in text
        assert f",{user.pk}," not in text and str(alice_enrolled.account_id) not in text


def test_pseudonyms_are_stable_in_a_classroom_and_differ_between_classrooms(classroom, alice_enrolled):
    other = ClassroomFactory(name="Another class")
    first = answers.pseudonym(classroom.pk, alice_enrolled.user_id)
    assert first == answers.pseudonym(classroom.pk, alice_enrolled.user_id)
    assert first != answers.pseudonym(other.pk, alice_enrolled.user_id)
    assert first.startswith("s-") and len(first) == 18


def test_pseudonyms_change_with_the_secret_key(settings, classroom, alice_enrolled):
    before = answers.pseudonym(classroom.pk, alice_enrolled.user_id)
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-django-0123456789-abcdef"
    assert answers.pseudonym(classroom.pk, alice_enrolled.user_id) != before


def test_the_csv_defuses_cells_a_spreadsheet_would_run(loaded, classroom, carol):
    section = add_section(classroom, '=HYPERLINK("http://x")')
    student = enrol(classroom, UserFactory(username="eve"), section)
    quiz(student.user, "q4-default-minutes", {"number": "-1"})
    rows = _csv(carol, classroom)
    assert rows[0]["section"] == '\'=HYPERLINK("http://x")' and rows[0]["answer"] == "'-1"


def test_the_csv_of_a_ta_holds_their_sections_only_and_leaves_staff_out(
    loaded, classroom, carol, alice_enrolled, bob_enrolled
):
    tom = UserFactory(username="tom")
    StaffMember.objects.create(classroom=classroom, user=tom, role=StaffMember.TA).sections.add(
        classroom.sections.get(name="Monday")
    )
    enrol(classroom, carol, classroom.sections.get(name="Monday"))
    for user in (alice_enrolled.user, bob_enrolled.user, carol):
        commit(user, "trust-check")
    rows = _csv(tom, classroom)
    assert [r["student"] for r in rows] == [answers.pseudonym(classroom.pk, alice_enrolled.user_id)]


# ---- cost -----------------------------------------------------------------------------------------------------------


def _queries(user, address: str) -> int:
    from tests.classrooms.cast import client_for

    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def _answers_everywhere(students) -> None:
    predictions = list(Prediction.objects.filter(key__in=["p3-any-user-any-role", "p4-forever-or-limited"]))
    myth = Myth.objects.get(key=MYTH)
    single = Question.objects.get(key=SINGLE)
    for n, student in enumerate(students):
        mine = learner(student.user)
        for prediction in predictions:
            progress.commit(mine, prediction, prediction.options[n % 3]["key"], ("sure", "guessing")[n % 2])
        progress.answer_myth(mine, myth, believed=n % 2 == 0)
        quiz(student.user, SINGLE, {"choice": [single.options.all()[n % 4].key]})


def test_the_pages_cost_the_same_queries_for_5_and_300_students(loaded, classroom, carol, alice_enrolled):
    commit(alice_enrolled.user, "trust-check")
    small = crowd(classroom, 4, "small")
    _answers_everywhere(small)
    pages = [
        (carol, _url("answers", classroom)),
        (carol, _url("answers", classroom, kind="myth")),
        (carol, _url("answers", classroom, kind="question", lesson="step-1-users")),
        (carol, _url("answers_csv", classroom)),
        (alice_enrolled.user, _url("answers", classroom)),
        (alice_enrolled.user, _url("answers", classroom, kind="question", lesson="step-1-users")),
    ]
    before = [_queries(user, address) for user, address in pages]
    _answers_everywhere(crowd(classroom, 295, "big"))
    after = [_queries(user, address) for user, address in pages]
    assert after == before
    assert max(after) <= 20
