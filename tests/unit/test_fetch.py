"""URL fetch guards: schemes, private networks, limits, redirects (against a real local server)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from pixforge.media.fetch import (
    FetchFailedError,
    FetchLimits,
    FetchRefusedError,
    check_url,
    fetch,
)
from tests.support.origin import QuietHandler, serving

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        elif self.path == "/redirect-private":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/secret")
            self.end_headers()
        elif self.path == "/redirect-ok":
            self.send_response(302)
            self.send_header("Location", "/small")
            self.end_headers()
        elif self.path == "/small":
            body = b"hello"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def origin() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def limits(allowed: list[ipaddress.IPv4Network] | None = None) -> FetchLimits:
    return FetchLimits(max_bytes=1000, timeout_s=5, max_redirects=2, allowed_networks=allowed or [])


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        "http:///nohost",
        "http://user:pw@127.0.0.1/x",
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://192.168.0.1/x",
        "http://172.16.0.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://0.0.0.0/x",
        "http://[fe80::1]/x",
    ],
)
def test_refused_urls(url: str) -> None:
    with pytest.raises(FetchRefusedError):
        check_url(url, [])


def test_loopback_only_when_allowed(origin: str) -> None:
    with pytest.raises(FetchRefusedError):
        fetch(f"{origin}/small", limits())
    fetched = fetch(f"{origin}/small", limits(LOOPBACK))
    assert fetched.data == b"hello"
    assert fetched.content_type == "text/plain"


def test_size_limit_without_content_length(origin: str) -> None:
    with pytest.raises(FetchFailedError, match="limit"):
        fetch(f"{origin}/big", limits(LOOPBACK))


def test_http_errors(origin: str) -> None:
    with pytest.raises(FetchFailedError, match="404"):
        fetch(f"{origin}/missing", limits(LOOPBACK))


def test_redirects_are_rechecked(origin: str) -> None:
    assert fetch(f"{origin}/redirect-ok", limits(LOOPBACK)).data == b"hello"
    with pytest.raises(FetchRefusedError, match=r"10\.0\.0\.1"):
        fetch(f"{origin}/redirect-private", limits(LOOPBACK))


def test_unresolvable_host() -> None:
    with pytest.raises(FetchFailedError, match="resolve"):
        check_url("http://no-such-host.invalid/x", [])
