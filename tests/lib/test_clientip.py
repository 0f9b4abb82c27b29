"""The client's address through the declared number of trusted proxies."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from iamtutor.lib.clientip import client_ip


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.5")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "192.0.2.1, 203.0.113.5", "203.0.113.5"),  # the left entry came from the client: not trusted
        (2, "192.0.2.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (2, "203.0.113.5", "10.0.0.2"),  # fewer entries than proxies: not through them all
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "203.0.113.5:4711", "10.0.0.2"),
    ],
)
def test_the_nth_entry_from_the_right_is_the_client(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_without_the_header_behind_a_proxy_the_peer_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request()) == "10.0.0.2"
