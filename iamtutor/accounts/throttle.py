"""Log-in throttling: django-axes' handlers with a second, larger limit per client address.

Axes pauses one user name from one address after ``LOGIN_FAILURE_LIMIT`` failures. That alone lets one
address try a common password against every user name (password spraying), and axes applies a single limit
to every lockout parameter: counting by address with the same small limit would pause a whole classroom
behind one NAT address after five typos. So the address gets its own limit, ``LOGIN_ADDRESS_FAILURE_LIMIT``
failures across all user names within the cool-off time, kept where axes keeps its own counts (the
database, or the cache when Redis is configured) so that every process sees the same figures.
"""

from __future__ import annotations

from hashlib import sha256

from axes.attempts import get_cool_off_threshold
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cache_timeout
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

ADDRESS_PAUSE = "address"  # request.login_pause when the address limit, not the user name's, was reached


class _AddressLimit:
    """Adds the per-address limit to an axes handler; subclasses say how failures per address are counted."""

    def address_failures(self, request: HttpRequest) -> int:
        raise NotImplementedError

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return self._address_over_limit(request)

    def user_login_failed(self, sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not getattr(request, "axes_locked_out", False) and self._address_over_limit(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def _address_over_limit(self, request: HttpRequest) -> bool:
        if not getattr(request, "axes_ip_address", None):
            return False
        if self.address_failures(request) < settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return False
        request.login_pause = ADDRESS_PAUSE
        return True


class DatabaseHandler(_AddressLimit, AxesDatabaseHandler):
    """Counts an address's failures from axes' own rows: the sum over every user name tried from it."""

    def address_failures(self, request: HttpRequest) -> int:
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        )
        return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


class CacheHandler(_AddressLimit, AxesCacheHandler):
    """Keeps one more counter per address beside axes' own, expiring a cool-off time after its last failure."""

    def user_login_failed(self, sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
        if request is not None and self._counts(request, credentials):
            key, timeout = _address_key(request.axes_ip_address), get_cache_timeout(request)
            if not self.cache.add(key, 1, timeout=timeout):
                self.cache.incr(key)
                self.cache.touch(key, timeout=timeout)
        super().user_login_failed(sender, credentials, request, **kwargs)

    def address_failures(self, request: HttpRequest) -> int:
        return self.cache.get(_address_key(request.axes_ip_address), 0)

    def reset_attempts(self, *, ip_address: str | None = None, username: str | None = None, **kwargs) -> int:
        """``axes_reset_ip`` also lifts the address's own pause. (A cache cannot list its keys, so with Redis
        axes has no "reset everything": ``axes_reset`` works with the database store only.)"""
        count = super().reset_attempts(ip_address=ip_address, username=username, **kwargs)
        if ip_address is not None and self.cache.delete(_address_key(ip_address)):
            count += 1
        return count

    def _counts(self, request: HttpRequest, credentials: dict) -> bool:
        """Whether axes itself records this failure (it does not for allow-listed clients, nor, when so
        configured, during a pause)."""
        if self.is_whitelisted(request, credentials):
            return False
        locked = getattr(request, "axes_locked_out", False)
        return bool(request.axes_ip_address) and (settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT or not locked)


def _address_key(ip_address: str) -> str:
    return "axes-address-" + sha256(ip_address.encode()).hexdigest()
