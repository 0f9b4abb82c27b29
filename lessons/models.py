"""Lessons as stored in the database, and each learner's progress through them.

Content models are loaded from ``lessons/content/<language>/`` by ``load_lessons`` and keep the stable ids of
the files (``key``), so progress survives a reload. Progress models belong to a ``Learner``: an account, or an
anonymous visitor whose learner id lives in the session until they sign up or log in.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Lesson(models.Model):
    language = models.CharField(max_length=10, default="en")
    slug = models.SlugField(max_length=80)
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400)
    kind = models.CharField(max_length=20, default="section", help_text="overview, step, section or cheatsheet")
    step = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1–7 for the build-up steps")
    concept = models.TextField(blank=True)
    result = models.TextField(blank=True)
    insight = models.TextField(blank=True)
    prediction_key = models.CharField(max_length=80, blank=True)
    toc = models.JSONField(default=list, help_text="[[anchor, heading text], …] of the body's h2 headings")
    body_html = models.TextField(help_text="Sanitised HTML rendered from the Markdown source.")
    source_path = models.CharField(max_length=300)
    source_hash = models.CharField(max_length=64)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "order"]
        constraints = [models.UniqueConstraint(fields=["language", "slug"], name="lesson_unique_slug")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", args=[self.slug])


class ContentItem(models.Model):
    """Fields every loaded item shares: its language, stable id from the file and position."""

    language = models.CharField(max_length=10, default="en")
    key = models.CharField(max_length=80)
    order = models.PositiveIntegerField(default=0)
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True
        ordering = ["language", "order"]

    def __str__(self) -> str:
        return self.key


class PolicyExample(ContentItem):
    """A ```policy``` block of a lesson: its kind (trust, identity, session…) and JSON text."""

    kind = models.CharField(max_length=20)
    document = models.TextField()

    class Meta(ContentItem.Meta):
        constraints = [models.UniqueConstraint(fields=["language", "key"], name="policyexample_unique_key")]


class Prediction(ContentItem):
    """A "commit to your answer" question; its answer is shown only after the learner commits."""

    prompt = models.TextField()
    options = models.JSONField(help_text="[{key, text, correct, explanation}, …]")
    reveal = models.TextField(blank=True)
    scenario_name = models.CharField(max_length=120, blank=True)
    scenario = models.JSONField(null=True, blank=True, help_text="a world + steps the engine runs for the reveal")

    class Meta(ContentItem.Meta):
        constraints = [models.UniqueConstraint(fields=["language", "key"], name="prediction_unique_key")]

    def correct_keys(self) -> set[str]:
        return {option["key"] for option in self.options if option.get("correct")}


class Myth(ContentItem):
    misconception = models.CharField(max_length=200, help_text="the named misconception behind the myth")
    claim = models.TextField(help_text="what people believe")
    claim_is_true = models.BooleanField(default=False)
    reality = models.TextField()
    why = models.TextField(blank=True, help_text="why it matters")
    scenario_name = models.CharField(max_length=120, blank=True)
    scenario = models.JSONField(null=True, blank=True, help_text="a world + steps where the engine shows the reality")

    class Meta(ContentItem.Meta):
        constraints = [models.UniqueConstraint(fields=["language", "key"], name="myth_unique_key")]


class Question(ContentItem):
    class Type(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple select")
        TRUEFALSE = "truefalse", _("True or false")
        ORDERING = "ordering", _("Put in order")
        SPOT_LINE = "spot_line", _("Spot the faulty line")
        NUMERIC = "numeric", _("Number")
        POLICY_READING = "policy_reading", _("Read the policy")

    type = models.CharField(max_length=20, choices=Type)
    prompt = models.TextField()
    explanation = models.TextField(blank=True)
    data = models.JSONField(default=dict, help_text="type-specific: policy text, faulty line, number, world…")

    class Meta(ContentItem.Meta):
        constraints = [models.UniqueConstraint(fields=["language", "key"], name="question_unique_key")]


class Option(models.Model):
    """One choice of a question; for ordering questions ``order`` is its place in the right order."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=80)
    order = models.PositiveIntegerField()
    text = models.TextField()
    correct = models.BooleanField(default=False)
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["question", "order"]
        constraints = [models.UniqueConstraint(fields=["question", "key"], name="option_unique_key")]

    def __str__(self) -> str:
        return f"{self.question.key}/{self.key}"


class Card(ContentItem):
    front = models.TextField()
    back = models.TextField()

    class Meta(ContentItem.Meta):
        constraints = [models.UniqueConstraint(fields=["language", "key"], name="card_unique_key")]


class Diagram(ContentItem):
    """A diagram of the visual mode: drawn by hand (``nodes`` and ``edges``), or — when ``kind`` is set — computed
    by the engine from ``scenario`` (``lessons/step_diagrams.py``; ``spec`` holds what the kind needs)."""

    title = models.CharField(max_length=200)
    caption = models.TextField(blank=True)
    direction = models.CharField(max_length=2, default="TB")
    nodes = models.JSONField(help_text="[{id, label}, …]")
    edges = models.JSONField(help_text="[{from, to, label}, …]")
    kind = models.CharField(max_length=20, blank=True, help_text="access, decision, sequence, chain or intersection")
    scenario_name = models.CharField(max_length=200, blank=True)
    scenario = models.JSONField(null=True, blank=True, help_text="the scenario the engine draws this diagram from")
    spec = models.JSONField(default=dict, blank=True, help_text="the kind's fields: request, session, probes, steps")

    class Meta(ContentItem.Meta):
        constraints = [models.UniqueConstraint(fields=["language", "key"], name="diagram_unique_key")]


# ---- progress ---------------------------------------------------------------------------------------------------


class Confidence(models.TextChoices):
    SURE = "sure", _("Sure")
    THINK_SO = "think_so", _("Think so")
    GUESSING = "guessing", _("Guessing")


class Learner(models.Model):
    """Whose progress this is: an account, or (``user`` empty) an anonymous visitor known by their session."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)
    last_active = models.DateTimeField(auto_now=True)
    resume_path = models.CharField(max_length=300, blank=True, help_text="the page to come back to")

    def __str__(self) -> str:
        return f"learner {self.pk} ({self.user or 'anonymous'})"


class LearnerRecord(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{type(self).__name__} of learner {self.learner_id} at {self.at:%Y-%m-%d %H:%M}"


class StepRead(LearnerRecord):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")

    class Meta(LearnerRecord.Meta):
        constraints = [models.UniqueConstraint(fields=["learner", "lesson"], name="stepread_once")]


class Commitment(LearnerRecord):
    """A learner's locked-in prediction and how sure they were; one per prediction."""

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=80)
    confidence = models.CharField(max_length=10, choices=Confidence)
    correct = models.BooleanField()

    class Meta(LearnerRecord.Meta):
        constraints = [models.UniqueConstraint(fields=["learner", "prediction"], name="commitment_once")]


class QuizAttempt(LearnerRecord):
    """Every answer to a quiz question is kept; the latest one counts for mastery."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    answer = models.JSONField()
    correct = models.BooleanField()


class MythAnswer(LearnerRecord):
    myth = models.ForeignKey(Myth, on_delete=models.CASCADE, related_name="+")
    believed = models.BooleanField()
    correct = models.BooleanField()


class WorkedAttempt(LearnerRecord):
    example = models.ForeignKey(PolicyExample, on_delete=models.CASCADE, related_name="+")
    answer = models.TextField()
    correct = models.BooleanField()


class StepTestedOut(LearnerRecord):
    """The learner showed they already know a step by answering all its questions at once."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")

    class Meta(LearnerRecord.Meta):
        constraints = [models.UniqueConstraint(fields=["learner", "lesson"], name="testout_once")]


class ReviewState(LearnerRecord):
    """The spaced-review schedule of one card or mini-prediction for one learner (an FSRS card as JSON)."""

    item = models.CharField(max_length=100, help_text="'card:<key>' or 'prediction:<key>'")
    due = models.DateTimeField()
    state = models.JSONField(help_text="fsrs.Card.to_dict()")
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)

    class Meta(LearnerRecord.Meta):
        constraints = [models.UniqueConstraint(fields=["learner", "item"], name="reviewstate_once")]
        indexes = [models.Index(fields=["learner", "due"])]
