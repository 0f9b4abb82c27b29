"""The production static storage remembers each file's hashed URL: same answer as WhiteNoise's, worked out once."""

from __future__ import annotations

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from iamtutor.lib.staticfiles import CachedURLStaticFilesStorage


@pytest.fixture
def static_root(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.abc123.css").write_text("body{}")
    manifest = {"paths": {"css/site.css": "css/site.abc123.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return tmp_path


def test_the_cached_url_is_the_hashed_url_whitenoise_gives(static_root):
    ours = CachedURLStaticFilesStorage(location=str(static_root), base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=str(static_root), base_url="/static/")
    assert ours.url("css/site.css") == theirs.url("css/site.css") == "/static/css/site.abc123.css"


def test_each_name_is_looked_up_in_the_manifest_once(static_root, monkeypatch):
    storage = CachedURLStaticFilesStorage(location=str(static_root), base_url="/static/")
    lookups = []
    original = CompressedManifestStaticFilesStorage.stored_name

    def stored_name(self, name):
        lookups.append(name)
        return original(self, name)

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "stored_name", stored_name)
    assert [storage.url("css/site.css") for _ in range(3)] == ["/static/css/site.abc123.css"] * 3
    assert lookups == ["css/site.css"]


def test_a_missing_file_still_fails_loudly(static_root):
    storage = CachedURLStaticFilesStorage(location=str(static_root), base_url="/static/")
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/none.css")
    with pytest.raises(ValueError):  # and is not remembered as if it existed
        storage.url("css/none.css")
