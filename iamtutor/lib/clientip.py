"""The client's address as this site sees it, through the reverse proxies the operator declared.

Each proxy appends the address it received the request from to ``X-Forwarded-For``. With
``TRUSTED_PROXY_COUNT = n`` the last *n* entries were written by our own proxies, so the *n*-th entry from the
right is the client; everything left of it came from the client and may be forged. Log-in throttling
(django-axes, through ``AXES_CLIENT_IP_CALLABLE``) counts by this address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address: ``REMOTE_ADDR`` with no trusted proxy, else the proxies' entry in the header.

    A request that carries fewer entries than there are proxies did not come through all of them (someone
    reached the app server directly), and one whose entry is not an IP address is malformed: both are
    counted by ``REMOTE_ADDR``, which the client cannot choose.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < count:
        return remote
    return _normalised(entries[-count]) or remote


def _normalised(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
