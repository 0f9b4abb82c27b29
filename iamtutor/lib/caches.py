"""Caches that end: Django cache back ends whose every entry has a lifetime and a size bound.

The site keeps two kinds of cached data apart (``settings.CACHES``, README "Caches and Redis memory"):

- ``default``: sessions, log-in limits, staged imports. Losing one logs a learner out or lifts a limit, so it
  lives in a Redis that never evicts (``noeviction``), and every entry has a lifetime.
- ``renders`` and ``worlds``: disposable results the site can always compute again (drawn SVGs, rendered
  lesson fragments, a sandbox's page fragments per revision, parsed worlds). They use the back ends below:

  * a value larger than ``MAX_VALUE_BYTES`` (its pickled size; text: its length) is not stored, and any older
    value under its key is dropped, so a huge drawing costs its request, never the cache's memory;
  * no entry lives longer than the alias's ``TIMEOUT``: ``timeout=None`` ("forever") and longer timeouts
    are cut to it;
  * ``BoundedLocMemCache`` (per process) also keeps the sum of its values under ``MAX_BYTES``, dropping the
    least recently used first; ``BoundedRedisCache`` leaves that to Redis (``maxmemory`` with
    ``allkeys-lru``) and treats Redis being unreachable as a miss, so a render cache outage slows pages
    instead of breaking them.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.safestring import SafeString

logger = logging.getLogger(__name__)

DEFAULT_MAX_VALUE_BYTES = 256 * 1024
DEFAULT_MAX_BYTES = 32 * 1024 * 1024

# Values kept as they are, not pickled: immutable text (a rendered fragment is a SafeString).
_SHARED_TEXT = (str, SafeString)

# Bytes held by each named local-memory cache (shared by every thread's instance, like LocMemCache's data).
_held: dict[str, list[int]] = {}


def _options(params: dict) -> tuple[dict, int, int]:
    """``params`` without our own OPTIONS (Redis passes the rest to its connection pool), and their values."""
    options = dict(params.get("OPTIONS") or {})
    max_value = int(options.pop("MAX_VALUE_BYTES", DEFAULT_MAX_VALUE_BYTES))
    max_bytes = int(options.pop("MAX_BYTES", DEFAULT_MAX_BYTES))
    if params.get("TIMEOUT", 300) is None:
        raise ValueError("A bounded cache needs a TIMEOUT in seconds, not None: its entries must end.")
    return {**params, "OPTIONS": options}, max_value, max_bytes


def _bounded_timeout(cache, timeout) -> float:
    """The alias's TIMEOUT for ``DEFAULT_TIMEOUT`` and ``None``; any longer lifetime is cut to it."""
    if timeout is DEFAULT_TIMEOUT or timeout is None:
        return cache.default_timeout
    return min(timeout, cache.default_timeout)


class BoundedLocMemCache(LocMemCache):
    """Django's local-memory cache with a lifetime for every entry, a size cap per value and a byte budget.

    OPTIONS: ``MAX_VALUE_BYTES`` (default 256 KiB), ``MAX_BYTES`` (default 32 MiB), and Django's
    ``MAX_ENTRIES``. Values are pickled on the way in and unpickled on the way out, so every ``get`` hands
    out a private copy: a caller may change what it got without changing the cache. Text (``str`` and
    ``SafeString``) is immutable, so it is kept as it is and shared; its size is counted in characters.
    """

    def __init__(self, name: str, params: dict) -> None:
        params, self.max_value_bytes, self.max_bytes = _options(params)
        super().__init__(name, params)
        self._held = _held.setdefault(name, [0])

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        return super().get_backend_timeout(_bounded_timeout(self, timeout))

    def validate_key(self, key) -> None:
        """Nothing to check: memcached's key rules (Django's warnings) mean nothing in process memory, and
        checking them character by character cost every page a share of its time."""

    def _stored(self, value):
        """What is kept for ``value``: text as it is (immutable, so every reader may share it: no pickling on
        the way in or out, which for a page's 100 KB article cost a tenth of its request), anything else
        pickled."""
        return value if type(value) in _SHARED_TEXT else pickle.dumps(value, self.pickle_protocol)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        stored = self._stored(value)
        if len(stored) > self.max_value_bytes:
            return False
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, stored, timeout)
                return True
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        stored = self._stored(value)
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if len(stored) > self.max_value_bytes:
                self._delete(key)  # a stale smaller value must not outlive the one refused
            else:
                self._set(key, stored, timeout)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            stored = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return stored if type(stored) in _SHARED_TEXT else pickle.loads(stored)  # noqa: S301 (pickled here)

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("A render cache holds drawings and pages, not counters.")

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT) -> None:
        self._delete(key)
        while self._cache and self._held[0] + len(value) > self.max_bytes:
            self._delete(next(reversed(self._cache)))  # the least recently used
        super()._set(key, value, timeout)
        self._held[0] += len(value)

    def _cull(self) -> None:
        # Django's cull drops a share of the entries at once; keep the byte count true while doing it.
        for _ in range(max(len(self._cache) // max(self._cull_frequency, 1), 1)):
            if not self._cache:
                break
            self._delete(next(reversed(self._cache)))

    def _delete(self, key) -> bool:
        value = self._cache.get(key)
        if not super()._delete(key):
            return False
        self._held[0] -= len(value)
        return True

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._held[0] = 0

    @property
    def bytes_held(self) -> int:
        """The sum of the pickled values held now."""
        return self._held[0]


class _ReusingClient(RedisCacheClient):
    """Django's Redis client, which builds a new ``redis.Redis`` (and its table of ~170 response callbacks)
    for every cache call; this one builds one per connection pool and reuses it (redis-py clients are
    thread-safe and hold no connection of their own)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache back end with ``_ReusingClient``: the sessions' cache, one Redis call per request."""

    def __init__(self, server, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient


class BoundedRedisCache(RedisCache):
    """Django's Redis cache with a lifetime for every entry and a size cap per value; an unreachable or
    failing Redis is a miss (logged), never an error page. OPTIONS: ``MAX_VALUE_BYTES`` (default 256 KiB);
    the rest goes to Redis's connection pool as with Django's back end. Give it its own Redis instance with
    ``maxmemory`` and ``maxmemory-policy allkeys-lru`` (README)."""

    def __init__(self, server, params: dict) -> None:
        params, self.max_value_bytes, _ = _options(params)
        super().__init__(server, params)

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        return super().get_backend_timeout(_bounded_timeout(self, timeout))

    def _fits(self, value: Any) -> bool:
        size = len(value) if isinstance(value, bytes) else len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        return size <= self.max_value_bytes

    def get(self, key, default=None, version=None):
        return self._safely("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._safely("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._safely("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        if not self._fits(value):
            self.delete(key, version=version)
            return
        self._safely("set", None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._fits(value) and self._safely("add", False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        fitting = {key: value for key, value in data.items() if self._fits(value)}
        self.delete_many([key for key in data if key not in fitting], version=version)
        self._safely("set_many", None, super().set_many, fitting, timeout, version)
        return []

    def delete(self, key, version=None) -> bool:
        return self._safely("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None) -> None:
        if keys:
            self._safely("delete_many", None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("A render cache holds drawings and pages, not counters.")

    def _safely(self, operation: str, fallback, method, *args):
        import redis

        try:
            return method(*args)
        except redis.RedisError as exc:
            logger.warning("The render cache is unavailable (%s failed: %s); working without it.", operation, exc)
            return fallback
