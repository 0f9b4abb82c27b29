"""Static files as the production site serves them: WhiteNoise's compressed, hashed-name storage whose URLs are
worked out once per process.

Every page links the same four or five static files. Django's manifest storage looks each name up in the manifest,
splits and rejoins the URL on every ``{% static %}``: about a tenth of a millisecond each, several per page, for an
answer that cannot change until the next deployment (which starts new processes with a new manifest).
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CachedURLStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """``url(name)`` remembered per name for the life of the process (names come from templates: a bounded set)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
