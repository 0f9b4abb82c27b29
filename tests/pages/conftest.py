"""The home page draws the lesson content's mental model, so its tests load the shipped lessons as the lessons'
tests do (the same fixtures, read once per run)."""

from tests.lessons.conftest import loaded, shipped_content

__all__ = ["loaded", "shipped_content"]
