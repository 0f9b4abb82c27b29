"""Quiz questions: reading answers from forms, grading every type, shuffling per attempt."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import QueryDict

from lessons import questions


def _q(kind: str, **data):
    return SimpleNamespace(type=kind, key="q", data=data)


def _opts(*spec):
    return [
        SimpleNamespace(key=key, text=key.upper(), correct=correct, explanation=f"why {key}") for key, correct in spec
    ]


def _answer(question, options, query: str):
    answer, error = questions.read_answer(question, options, QueryDict(query))
    assert not error, error
    return questions.grade(question, options, answer)


SINGLE = _opts(("a", False), ("b", True), ("c", False))


@pytest.mark.parametrize(("query", "right"), [("choice=b", True), ("choice=a", False)])
def test_single_choice_is_right_only_for_the_right_option(query, right):
    graded = _answer(_q("single"), SINGLE, query)
    assert graded.correct is right
    assert ("B", "why b", True) in graded.feedback  # the right option is always explained


def test_single_choice_explains_the_option_the_learner_chose():
    graded = _answer(_q("single"), SINGLE, "choice=c")
    assert ("C", "why c", False) in graded.feedback


@pytest.mark.parametrize(
    ("query", "right"), [("choice=a&choice=c", True), ("choice=a", False), ("choice=a&choice=b&choice=c", False)]
)
def test_multiple_select_needs_exactly_the_right_set(query, right):
    options = _opts(("a", True), ("b", False), ("c", True))
    assert _answer(_q("multiple"), options, query).correct is right


def test_true_false_and_policy_reading_grade_like_single_choice():
    assert _answer(_q("truefalse"), _opts(("true", False), ("false", True)), "choice=false").correct
    assert not _answer(_q("policy_reading"), _opts(("yes", False), ("no", True)), "choice=yes").correct


def test_ordering_is_right_only_in_the_exact_order():
    options = _opts(("deny", True), ("scp", True), ("identity", True))
    right = _answer(_q("ordering"), options, "position-deny=1&position-scp=2&position-identity=3")
    wrong = _answer(_q("ordering"), options, "position-deny=2&position-scp=1&position-identity=3")
    assert right.correct and not wrong.correct
    assert [ok for _what, _why, ok in wrong.feedback] == [False, False, True]


def test_ordering_refuses_two_items_in_one_position():
    options = _opts(("a", True), ("b", True))
    answer, error = questions.read_answer(_q("ordering"), options, QueryDict("position-a=1&position-b=1"))
    assert answer is None and "different position" in error


def test_spot_line_is_right_for_the_faulty_line():
    question = _q("spot_line", lines=["{", '  "Principal": "*"', "}"], faulty_line=2)
    assert _answer(question, [], "line=2").correct and not _answer(question, [], "line=1").correct


@pytest.mark.parametrize(("typed", "right"), [("60", True), ("60.0", True), ("1,000", False), ("61", False)])
def test_numeric_accepts_the_number_within_tolerance(typed, right):
    assert _answer(_q("numeric", answer=60, tolerance=0, unit="minutes"), [], f"number={typed}").correct is right


def test_numeric_tolerance_allows_close_answers():
    assert _answer(_q("numeric", answer=3600, tolerance=60, unit="s"), [], "number=3650").correct


@pytest.mark.parametrize(("kind", "query"), [("single", ""), ("numeric", "number=sixty"), ("spot_line", "line=9")])
def test_a_missing_or_unreadable_answer_is_refused_with_a_message(kind, query):
    question = _q(kind, lines=["{", "}"], faulty_line=1, answer=1, tolerance=0)
    answer, error = questions.read_answer(question, SINGLE, QueryDict(query))
    assert answer is None and error


def test_options_are_shuffled_per_attempt_and_stable_within_one():
    question = _q("single")
    options = _opts(*[(str(n), n == 0) for n in range(8)])
    orders = {tuple(o.key for o in questions.shuffled(question, options, f"learner:q:{n}")) for n in range(6)}
    assert len(orders) > 1
    again = questions.shuffled(question, options, "learner:q:0")
    assert again == questions.shuffled(question, options, "learner:q:0")


def test_true_false_keeps_its_natural_order():
    options = _opts(("true", False), ("false", True))
    assert [o.key for o in questions.shuffled(_q("truefalse"), options, "x")] == ["true", "false"]


def test_an_ordering_question_never_starts_solved():
    options = _opts(("a", True), ("b", True))
    for n in range(20):
        assert [o.key for o in questions.shuffled(_q("ordering"), options, str(n))] != ["a", "b"]
