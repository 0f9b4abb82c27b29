"""No prediction's answer reaches a learner before they commit to it (issue 14), and the lessons are a path.

The walking test is a fresh anonymous learner with a test client: from /lessons/ it follows every same-site
link and submits every GET form, fetches each lesson page again as htmx would, and posts to the predict,
read, review, worked, quiz, myth and test-out endpoints with plausible data. Every response (and the page a
redirect leads to) is searched for every prediction's answer, read from the database: its reveal, each
right option's explanation and, for a step's own prediction, the step's concept, result, insight, summary
and every paragraph and list item of its body; the cheat sheet's paragraphs answer every step's prediction.
A text may show only once the learner has committed to the predictions it answers.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.utils.html import escape

from lessons.models import Commitment, Lesson, PolicyExample, Prediction, Question, ReviewState, StepRead

PAGE_LIMIT = 400  # the walk visits far fewer; a limit keeps a link loop from running away
SKIP = ("/static/", "/media/", "/admin/", "/accounts/logout/")
PIECE = re.compile(r"<(p|li|dd)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
MIN_PIECE = 60  # letters of prose: shorter pieces (a policy element, a table cell) are not an answer on their own


class _Links(HTMLParser):
    """The ``href`` of every link and every GET form (with the values a learner would submit untouched)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict]] = []
        self._form: tuple[str, dict] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form = (attrs.get("action") or "", {})
        elif self._form and tag in ("input", "textarea") and attrs.get("name"):
            if attrs.get("type") not in ("radio", "checkbox") or "checked" in attrs:
                self._form[1].setdefault(attrs["name"], attrs.get("value") or "")
        elif self._form and tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif self._form and self._select and tag == "option":
            self._form[1].setdefault(self._select, attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form" and self._form:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def _pieces(html: str) -> set[str]:
    return {
        inner.strip() for _tag, inner in PIECE.findall(html) if len(unescape(TAG.sub("", inner)).strip()) >= MIN_PIECE
    }


def answers() -> dict[str, set[str]]:
    """{text as it appears in a page: the prediction keys that must all be committed before it may show}."""
    owners: dict[str, set[str]] = {}
    steps = list(Lesson.objects.exclude(prediction_key=""))
    every_step = {lesson.prediction_key for lesson in steps}
    free: set[str] = set()  # pieces of parts that answer no prediction may show anyway
    for lesson in Lesson.objects.filter(prediction_key="").exclude(kind="cheatsheet"):
        free |= _pieces(lesson.body_html)

    def own(text: str, keys: set[str]) -> None:
        if text and text not in free:
            owners[text] = owners[text] & keys if text in owners else set(keys)  # any one source may show it

    for prediction in Prediction.objects.all():
        own(escape(prediction.reveal), {prediction.key})
        for option in prediction.options:
            if option.get("correct") and option.get("explanation"):
                own(escape(option["explanation"]), {prediction.key})
    for lesson in steps:
        for text in (lesson.concept, lesson.result, lesson.insight, lesson.summary):
            own(escape(text), {lesson.prediction_key})
        for piece in _pieces(lesson.body_html):
            own(piece, {lesson.prediction_key})
    for cheat in Lesson.objects.filter(kind="cheatsheet"):
        for piece in _pieces(cheat.body_html):
            own(piece, every_step)
    return owners


class Walk:
    """One learner's walk: what each response showed, checked against what they had committed to then."""

    def __init__(self, client: Client, owners: dict[str, set[str]]):
        self.client, self.owners = client, owners
        self.shown: dict[str, str] = {}  # answer text → the first URL that showed it
        self.visited: set[str] = set()

    def committed(self) -> set[str]:
        return set(Commitment.objects.values_list("prediction__key", flat=True))

    def check(self, url: str, response) -> str:
        body = response.content.decode(errors="replace")
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        committed = self.committed()
        for text, keys in self.owners.items():
            if text in body:
                assert keys <= committed, f"{url} shows the answer of {sorted(keys - committed)}: {text[:90]!r}"
                self.shown.setdefault(text, url)
        return body

    def get(self, url: str, **headers) -> str:
        response = self.client.get(url, headers=headers)
        body = self.check(url, response)
        if response.status_code in (301, 302) and response.url.startswith("/"):
            body = self.check(response.url, self.client.get(response.url))
        return body

    def post(self, url: str, data: dict, **headers) -> str:
        response = self.client.post(url, data, headers=headers)
        body = self.check(f"POST {url}", response)
        if response.status_code in (301, 302) and response.url.startswith("/"):
            body = self.check(response.url, self.client.get(response.url))  # shows the messages set by the POST
        return body

    def crawl(self, start: str = "/lessons/") -> None:
        queue, seen = deque([start]), {start}
        while queue:
            url = queue.popleft()
            assert len(self.visited) < PAGE_LIMIT, "the walk ran away"
            self.visited.add(url)
            response = self.client.get(url)
            body = self.check(url, response)
            if response.status_code in (301, 302):
                found = [response.url]
            elif "text/html" in response.get("Content-Type", ""):
                parser = _Links()
                parser.feed(body)
                found = parser.links + [f"{action or url}?{urlencode(data)}" for action, data in parser.forms]
            else:
                found = []
            for link in found:
                parts = urlsplit(link)
                if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen and not target.startswith(SKIP):
                    seen.add(target)
                    queue.append(target)


@pytest.fixture
def owners(loaded):
    found = answers()
    assert len(found) > 100  # every reveal, and the steps' and the cheat sheet's pieces
    return found


def _lesson_urls() -> list[str]:
    from django.urls import reverse

    urls = [lesson.get_absolute_url() for lesson in Lesson.objects.all()]
    for lesson in Lesson.objects.exclude(step=None):
        urls += [reverse(name, args=[lesson.step]) for name in ("lessons:step", "lessons:worked", "lessons:test_out")]
    return urls


def test_a_fresh_learner_walking_every_page_sees_no_answer_before_committing(owners, client):
    walk = Walk(client, owners)
    walk.crawl()
    assert {
        "/lessons/deep-dive/",
        "/lessons/step-3-trust/",
        "/lessons/cheat-sheet/",
        "/lessons/visual/",
    } <= walk.visited
    assert "/lessons/steps/3/" in walk.visited and "/lessons/worked/3/" in walk.visited
    for url in _lesson_urls():  # the fragments htmx asks for, whether or not a link leads there
        walk.get(url, HX_Request="true")
    for prediction in Prediction.objects.all():  # the review endpoint, for steps never studied
        right = sorted(prediction.correct_keys())[0]
        walk.post(f"/lessons/review/prediction/{prediction.key}/", {"choice": right, "confidence": "sure"})
    assert not Commitment.objects.exists() and not ReviewState.objects.exists()
    for lesson in Lesson.objects.exclude(step=None):
        step = lesson.step
        walk.post(f"/lessons/steps/{step}/predict/", {"choice": "no-such-option", "confidence": "sure"})
        walk.post(f"/lessons/steps/{step}/predict/", {"confidence": "sure"}, HX_Request="true")
        walk.post(f"/lessons/steps/{step}/predict/", {"next": "/lessons/deep-dive/"})
        walk.post(f"/lessons/steps/{step}/read/", {})
        example = PolicyExample.objects.filter(lesson=lesson).first()
        for headers in ({}, {"HX_Request": "true"}):
            walk.post(f"/lessons/worked/{step}/", {"answer": example.document if example else "{}"}, **headers)
        walk.post(f"/lessons/steps/{step}/test-out/", {})
    for question in Question.objects.exclude(lesson=None)[:20]:
        walk.post(f"/lessons/quiz/question/{question.key}/", {"choice": "yes", "number": "60"}, HX_Request="true")
    walk.post("/lessons/myths/myth-anyone-can-assume/", {"believed": "no"}, HX_Request="true")
    assert not Commitment.objects.exists()
    assert not StepRead.objects.filter(lesson__prediction_key__gt="").exists()  # no step read unpredicted
    walk.crawl()  # and after all that, the pages again
    assert walk.shown == {}


def test_after_committing_to_one_prediction_that_one_and_only_that_one_shows(owners, client):
    lesson = Lesson.objects.get(step=3)
    client.post("/lessons/steps/3/predict/", {"choice": "any-user", "confidence": "guessing"})  # a wrong answer
    walk = Walk(client, owners)
    walk.crawl()
    opened = {keys_text for keys_text, keys in owners.items() if keys <= {lesson.prediction_key}}
    assert set(walk.shown) <= opened  # nothing of another prediction (Walk.check asserts it for each page)
    reveal = escape(Prediction.objects.get(key=lesson.prediction_key).reveal)
    assert walk.shown[reveal] == "/lessons/steps/3/"
    body = [piece for piece in _pieces(lesson.body_html) if piece in owners]
    assert body and all(piece in walk.shown for piece in body)  # its part page and the deep dive show it
    assert escape(lesson.concept) in walk.shown


# ---- each page's gate --------------------------------------------------------------------------------------------

PREDICT = {"choice": "trust-check", "confidence": "sure"}


@pytest.mark.parametrize("path", ["/lessons/step-3-trust/", "/lessons/worked/3/", "/lessons/cheat-sheet/"])
def test_a_page_answering_a_prediction_shows_its_question_and_commit_form_instead(loaded, client, path):
    page = client.get(path).content.decode()
    prediction = Prediction.objects.get(key="p3-any-user-any-role")
    assert escape(prediction.prompt) in page and 'action="/lessons/steps/3/predict/"' in page
    assert 'id="policy-step3-trust-alice"' not in page
    assert escape(Lesson.objects.get(step=3).concept) not in page


def test_the_part_page_opens_after_committing_from_it_and_returns_there(loaded, client):
    data = PREDICT | {"next": "/lessons/step-3-trust/#step-3-trust"}
    response = client.post("/lessons/steps/3/predict/", data)
    assert response.status_code == 302 and response.url == "/lessons/step-3-trust/#step-3-trust"
    page = client.get("/lessons/step-3-trust/").content.decode()
    assert 'id="policy-step3-trust-alice"' in page and 'id="gate-step-3-trust"' not in page
    assert Commitment.objects.get().prediction.key == "p3-any-user-any-role"


def test_the_deep_dive_holds_back_only_the_parts_not_committed(loaded, client):
    client.post("/lessons/steps/3/predict/", PREDICT)
    page = client.get("/lessons/deep-dive/").content.decode()
    assert 'id="policy-step3-trust-alice"' in page and 'id="gate-step-3-trust"' not in page
    assert 'id="gate-step-4-temporary-credentials"' in page
    assert "4 parts answer predictions you have not made yet" in page
    assert 'value="/lessons/deep-dive/#step-4-temporary-credentials"' in page  # the form comes back to the part


def test_the_cheat_sheet_opens_once_every_step_is_predicted(loaded, client):
    for lesson in Lesson.objects.exclude(prediction_key=""):
        assert "Commit to the" in client.get("/lessons/cheat-sheet/").content.decode()
        choice = sorted(Prediction.objects.get(key=lesson.prediction_key).correct_keys())[0]
        client.post(f"/lessons/steps/{lesson.step}/predict/", {"choice": choice, "confidence": "think_so"})
    page = client.get("/lessons/cheat-sheet/").content.decode()
    assert "Five takeaways" in page and "Commit to the" not in page


@pytest.mark.parametrize(
    "next_page",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/sandbox/",
        "/lessons/steps/3/\r\nLocation: https://evil.example/",
        "/lessons/steps/3/#<script>alert(1)</script>",
        "/lessons/<script>/",
        "/lessons/steps/3/?next=https://evil.example/",
        "/lessons/" + "a" * 100_000,
    ],
)
def test_a_prediction_form_returns_only_to_a_lesson_page(loaded, client, next_page):
    response = client.post("/lessons/steps/3/predict/", PREDICT | {"next": next_page})
    assert response.url == "/lessons/steps/3/#prediction"


def test_an_incomplete_prediction_from_another_page_goes_back_there_with_a_message(loaded, client):
    response = client.post("/lessons/steps/3/predict/", {"next": "/lessons/step-3-trust/"}, follow=True)
    assert "Choose an answer and how sure you are" in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_worked_example_check_is_refused_before_the_prediction(loaded, client):
    response = client.post("/lessons/worked/3/", {"answer": '{"AWS": "arn:aws:iam::111111111111:user/alice"}'})
    assert response.status_code == 403 and "Right: that is the same policy" not in response.content.decode()


def test_diagrams_of_a_step_not_predicted_are_held_back(loaded, client):
    from lessons.models import Diagram

    diagram = Diagram.objects.first()
    diagram.lesson = Lesson.objects.get(step=3)
    diagram.save()
    page = client.get("/lessons/visual/").content.decode()
    assert f'id="{diagram.key}-title"' not in page and "Diagrams held back until you predict" in page
    client.post("/lessons/steps/3/predict/", PREDICT)
    page = client.get("/lessons/visual/").content.decode()
    step_3_gate = f'id="gate-{Lesson.objects.get(step=3).slug}"'
    assert f'id="{diagram.key}-title"' in page and step_3_gate not in page


# ---- read, review ------------------------------------------------------------------------------------------------


def test_a_step_cannot_be_marked_read_before_its_prediction(loaded, client):
    response = client.post("/lessons/steps/3/read/", follow=True)
    assert "Commit to this step&#x27;s prediction first" in response.content.decode()
    assert not StepRead.objects.exists()
    client.post("/lessons/steps/3/predict/", PREDICT)
    assert client.post("/lessons/steps/3/read/").url == "/lessons/steps/4/"
    assert StepRead.objects.count() == 1


def test_a_step_without_a_prediction_can_be_marked_read(loaded, client):
    assert client.post("/lessons/steps/1/read/").url == "/lessons/steps/2/"
    assert StepRead.objects.count() == 1


def test_the_review_endpoint_refuses_a_prediction_of_a_step_never_studied(loaded, client):
    from lessons.models import Learner

    prediction = Prediction.objects.get(key="p3-account-root")
    data = {"choice": "no-needs-identity", "confidence": "sure"}
    response = client.post("/lessons/review/prediction/p3-account-root/", data)
    assert response.status_code in (302, 403)
    shown = response.content.decode() + client.get("/lessons/review/").content.decode()  # and any message
    assert "not in your review" in shown and escape(prediction.reveal) not in shown
    assert not ReviewState.objects.exists() and not Commitment.objects.exists()
    assert not Learner.objects.exists()  # not even a learner is made for a refused request


def test_the_review_endpoint_answers_once_the_step_is_studied_and_records_the_commitment(loaded, client):
    client.post("/lessons/steps/3/predict/", PREDICT)
    prediction = Prediction.objects.get(key="p3-account-root")
    response = client.post(
        "/lessons/review/prediction/p3-account-root/", {"choice": "yes-account", "confidence": "sure"}, follow=True
    )
    assert escape(prediction.reveal) in response.content.decode()
    assert Commitment.objects.filter(prediction=prediction, choice="yes-account", correct=False).exists()
    assert ReviewState.objects.filter(item="prediction:p3-account-root").exists()


def test_the_review_endpoint_refuses_an_incomplete_answer_with_a_message(loaded, client):
    client.post("/lessons/steps/3/predict/", PREDICT)
    response = client.post("/lessons/review/prediction/p3-account-root/", {"choice": "yes-account"}, follow=True)
    assert "Choose an answer and how sure you are" in response.content.decode()
    assert not ReviewState.objects.exists()


# ---- the path ----------------------------------------------------------------------------------------------------


def test_a_newcomer_gets_one_start_here_that_leads_to_step_1(loaded, client):
    page = client.get("/lessons/").content.decode()
    assert page.count('class="button"') == 1 and "Start here: step 1" in page
    assert client.get("/lessons/steps/").url == "/lessons/steps/1/"
    assert 'class="card"' not in page.split("</section>", 1)[1]  # no wall of equal cards after it
    for mode in ("deep-dive", "myths", "quiz", "review", "visual", "try-it", "cheat-sheet", "progress"):
        assert f'href="/lessons/{mode}/"' in page  # the other modes stay one click away


def test_a_returning_learner_is_offered_to_continue(loaded, client):
    client.post("/lessons/steps/1/read/")
    page = client.get("/lessons/").content.decode()
    assert 'href="/lessons/steps/2/"' in page and "Continue where you left off" in page
    assert "Start here: step 1" not in page


@pytest.mark.parametrize(
    "stored",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/sandbox/", "/nope/"],
)
def test_a_resume_path_that_is_not_a_lesson_page_is_never_offered(loaded, client, stored):
    from lessons.models import Learner

    client.post("/lessons/steps/1/read/")
    Learner.objects.update(resume_path=stored)
    page = client.get("/lessons/").content.decode()
    assert "Continue where you left off" not in page and "evil" not in page
    assert "continue where you left off" not in client.get("/lessons/progress/").content.decode()


def test_remember_keeps_only_lesson_pages(loaded):
    from lessons import progress
    from lessons.models import Learner

    learner = Learner.objects.create()
    progress.remember(learner, "/lessons/steps/2/")
    progress.remember(learner, "https://evil.example/")
    progress.remember(learner, "/lessons/" + "x" * 400)
    learner.refresh_from_db()
    assert learner.resume_path == "/lessons/steps/2/"
