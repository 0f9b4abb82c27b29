"""Oversized bodies and uploads are refused before they are read, with the friendly 413 page."""

from __future__ import annotations

import http.client
import io
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from iamtutor.sandbox.worlds import create_sandbox

pytestmark = pytest.mark.django_db
BOUNDARY = "----iamtutor-limit-test"


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes made up as it is read, counting how much the site read."""

    def __init__(self, prefix: bytes, size: int) -> None:
        self.prefix, self.size, self.read_bytes = prefix, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        chunk = (
            (self.prefix + b"x" * n)[self.read_bytes : self.read_bytes + n]
            if self.read_bytes < len(self.prefix)
            else b"x" * n
        )
        buffer[:n] = chunk
        self.read_bytes += n
        return n


def _multipart_head(field: str = "file", filename: str = "world.json") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()


def _post_streamed(client, url: str, size: int, declared: int | None = None):
    stream = CountingStream(_multipart_head(), size)
    response = client.generic(
        "POST",
        url,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",  # the client sets it only with data
        CONTENT_LENGTH=str(size if declared is None else declared),
        **{"wsgi.input": stream},
    )
    return response, stream


@pytest.fixture
def import_url(alice, client):
    client.force_login(alice)
    return reverse("sandbox:import", args=[create_sandbox(owner=alice).pk])


def test_a_300_mb_upload_is_refused_from_its_length_without_reading_a_byte(client, import_url):
    response, stream = _post_streamed(client, import_url, 300 * 1024 * 1024)
    assert response.status_code == 413
    assert stream.read_bytes == 0
    page = response.content.decode()
    assert "That upload is too large" in page and "Files may be up to 2.0\xa0MB" in page


def test_a_file_over_the_upload_limit_is_stopped_as_soon_as_it_passes_it(client, import_url, settings):
    # A body under the request limit whose one file is over the file limit: the upload handler stops it.
    settings.MAX_UPLOAD_BYTES = 200_000
    response, stream = _post_streamed(client, import_url, 2_000_000)
    assert response.status_code == 413
    assert "That upload is too large" in response.content.decode()
    assert stream.read_bytes < 200_000 + 2 * 65_536  # the limit plus at most a chunk or two, not 2 MB


def test_a_body_whose_length_is_not_declared_is_not_read(client, import_url):
    # Without Content-Length Django reads no body at all (WSGI), so nothing unbounded is stored.
    response, stream = _post_streamed(client, import_url, 50_000_000, declared=0)
    assert response.status_code != 500
    assert stream.read_bytes == 0


def test_an_upload_within_the_limits_still_reaches_the_form(client, alice):
    sandbox = create_sandbox(owner=alice)
    upload = SimpleUploadedFile("world.json", b"{not json", content_type="application/json")
    client.force_login(alice)
    response = client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": upload})
    assert response.status_code in {200, 400}
    assert "That upload is too large" not in response.content.decode()


def test_the_upload_handler_passes_data_through_below_the_limit(settings):
    from iamtutor.lib.limits import UploadLimitHandler, UploadTooLarge

    settings.MAX_UPLOAD_BYTES = 10
    handler = UploadLimitHandler()
    handler.new_file("file", "a.json", "application/json", 10)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    assert handler.receive_data_chunk(b"12345", 5) == b"12345"
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"1", 10)
    handler.new_file("other", "b.json", "application/json", 3)  # each file counts from zero
    assert handler.receive_data_chunk(b"123", 0) == b"123"


@pytest.mark.django_db(transaction=True)
def test_over_a_real_socket_the_site_answers_before_the_body_is_sent(live_server):
    # Declares 300 MB, sends 64 KB, and asks for the answer: the site must not wait for the rest.
    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.putrequest("POST", "/accounts/signup/")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(300 * 1024 * 1024))
    connection.endheaders()
    connection.send(_multipart_head() + b"x" * 65_536)
    response = connection.getresponse()
    assert response.status == 413
    assert b"That upload is too large" in response.read()
    connection.close()
