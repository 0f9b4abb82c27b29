"""Caches that end: every entry of the bounded back ends has a lifetime, no value above the cap is kept, the
local one stays inside its byte budget, and a Redis render cache that fails is a miss, not an error."""

from __future__ import annotations

import pickle
import time

import pytest
from django.conf import settings
from django.core.cache import caches

from iamtutor.lib.caches import BoundedLocMemCache, BoundedRedisCache


def bounded(name: str, *, timeout=60, max_value=1000, max_bytes=10_000, **options) -> BoundedLocMemCache:
    cache = BoundedLocMemCache(
        name,
        {"TIMEOUT": timeout, "OPTIONS": {"MAX_VALUE_BYTES": max_value, "MAX_BYTES": max_bytes, **options}},
    )
    cache.clear()
    return cache


def test_an_entry_set_for_ever_still_ends_at_the_alias_timeout():
    cache = bounded("test-forever", timeout=60)
    cache.set("k", "v", timeout=None)
    cache.set("long", "v", timeout=10**9)
    cache.add("added", "v", timeout=None)
    for key in ("k", "long", "added"):
        expires = cache._expire_info[cache.make_key(key)]
        assert expires is not None and expires <= time.time() + 60


def test_an_entry_is_gone_after_its_lifetime(monkeypatch):
    cache = bounded("test-expiry", timeout=60)
    cache.set("k", "v")
    assert cache.get("k") == "v"
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert cache.get("k") is None and cache.bytes_held == 0


def test_a_value_above_the_cap_is_not_kept_and_drops_the_older_value():
    cache = bounded("test-cap", max_value=1000)
    cache.set("svg", "small")
    cache.set("svg", "x" * 5000)
    assert cache.get("svg") is None
    assert cache.add("other", "x" * 5000) is False and cache.get("other") is None
    assert cache.bytes_held == 0


def test_the_byte_budget_drops_the_least_recently_used_first():
    cache = bounded("test-budget", max_value=1000, max_bytes=2500)
    for name in "abc":
        cache.set(name, name * 900)
    assert cache.get("a") is None  # the oldest made room for c
    assert cache.get("c") == "c" * 900
    cache.get("b")  # b is now the most recently used
    cache.set("d", "d" * 900)
    assert cache.get("c") is None and cache.get("b") == "b" * 900
    assert cache.bytes_held <= 2500


def test_text_is_kept_as_it_is_and_anything_else_is_a_private_copy():
    from django.utils.safestring import SafeString, mark_safe

    cache = bounded("test-text", max_value=10_000, max_bytes=100_000)
    fragment = mark_safe("<p>drawn once</p>")
    cache.set("fragment", fragment)
    kept = cache.get("fragment")
    assert kept is fragment and type(kept) is SafeString  # immutable: shared, still safe
    facts = {"roles": ["A"]}
    cache.set("facts", facts)
    cache.get("facts")["roles"].append("B")
    assert cache.get("facts") == {"roles": ["A"]}  # mutable: unpickled afresh each time
    assert cache.bytes_held == len(fragment) + len(pickle.dumps(facts, cache.pickle_protocol))


def test_the_byte_count_stays_true_through_replace_delete_cull_and_clear():
    cache = bounded("test-count", max_value=1000, max_bytes=100_000, MAX_ENTRIES=4, CULL_FREQUENCY=2)
    cache.set("a", "1" * 100)
    cache.set("a", "1" * 200)  # replaced, not added
    assert cache.bytes_held == 200  # text is kept as it is, counted in characters
    cache.delete("a")
    assert cache.bytes_held == 0
    for n in range(10):  # past MAX_ENTRIES: Django's cull runs
        cache.set(f"k{n}", "v" * 50)
    assert len(cache._cache) <= 4
    assert cache.bytes_held == sum(len(value) for value in cache._cache.values())
    cache.clear()
    assert cache.bytes_held == 0


def test_a_get_hands_out_a_private_copy():
    cache = bounded("test-copy")
    cache.set("rows", [{"a": 1}])
    got = cache.get("rows")
    got[0]["a"] = 2
    assert cache.get("rows") == [{"a": 1}]


def test_a_bounded_cache_refuses_an_alias_without_a_lifetime():
    with pytest.raises(ValueError, match="must end"):
        BoundedLocMemCache("test-none", {"TIMEOUT": None})


def test_every_alias_of_the_site_has_a_finite_lifetime_and_renders_are_capped():
    for alias, config in settings.CACHES.items():
        assert config.get("TIMEOUT") is not None and config["TIMEOUT"] > 0, alias
    for alias in ("renders", "worlds"):
        assert isinstance(caches[alias], BoundedLocMemCache | BoundedRedisCache)
    assert caches["renders"].max_value_bytes == 256 * 1024


def test_an_unreachable_redis_render_cache_is_a_miss_not_an_error(caplog):
    # Nothing listens on port 1: every operation fails at once and is reported as a warning.
    cache = BoundedRedisCache(
        "redis://127.0.0.1:1/0", {"TIMEOUT": 60, "OPTIONS": {"MAX_VALUE_BYTES": 1000, "socket_connect_timeout": 0.2}}
    )
    assert cache.get("k", "default") == "default"
    cache.set("k", "v")
    assert cache.add("k", "v") is False
    assert cache.get_many(["k"]) == {}
    assert cache.delete("k") is False
    assert "render cache is unavailable" in caplog.text


@pytest.mark.redis
def test_the_redis_render_cache_caps_values_and_lifetimes():
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    base = url.rstrip("/").rpartition("/")[0] if url.rstrip("/")[-1].isdigit() else url.rstrip("/")
    prefix = f"test-caches-{os.getpid()}"
    cache = BoundedRedisCache(f"{base}/15", {"TIMEOUT": 60, "KEY_PREFIX": prefix, "OPTIONS": {"MAX_VALUE_BYTES": 1000}})
    cache.set("small", "v", timeout=None)
    cache.set("big", "x" * 5000)
    cache.set_many({"m1": "v", "m2": "x" * 5000})
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("small")) <= 60
    assert cache.get("big") is None and cache.get("m1") == "v" and cache.get("m2") is None
    cache.delete_many(["small", "big", "m1", "m2"])


@pytest.mark.redis
def test_the_session_cache_reuses_one_redis_client():
    import os

    from iamtutor.lib.caches import RedisCache

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    cache = RedisCache(url, {"TIMEOUT": 60, "KEY_PREFIX": f"test-reuse-{os.getpid()}"})
    cache.set("k", "v", 30)
    assert cache.get("k") == "v"
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    cache.delete("k")
