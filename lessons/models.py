"""Lessons as stored in the database: loaded from ``lessons/content/<language>/*.md`` by ``load_lessons``."""

from django.db import models
from django.urls import reverse


class Lesson(models.Model):
    language = models.CharField(max_length=10, default="en")
    slug = models.SlugField(max_length=80)
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400)
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
