"""URL fetch guards: schemes, private networks, limits, redirects (against a real local server)."""

from __future__ import annotations

import ipaddress
import itertools
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from pixforge.media.fetch import (
    FetchFailedError,
    FetchLimits,
    FetchRefusedError,
    check_url,
    fetch,
)
from tests.support.origin import QuietHandler, in_thread, serving

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


# -- DNS pinning: the connection goes to the address that was checked, nowhere else


class _Recorder(QuietHandler):
    """Counts connections (even ones that never send a request) and the Host headers seen."""

    connections: list[str]
    hosts: list[str]

    def setup(self) -> None:
        type(self).connections.append(self.client_address[0])
        super().setup()

    def do_GET(self) -> None:
        type(self).hosts.append(self.headers.get("host", ""))
        if self.path.startswith("/hop/"):
            self.send_response(302)
            self.send_header("Location", f"http://{self.path.removeprefix('/hop/')}/small")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def recording(address: str, port: int = 0) -> Iterator[tuple[type[_Recorder], int]]:
    handler = type("Recorder", (_Recorder,), {"connections": [], "hosts": []})
    httpd = ThreadingHTTPServer((address, port), handler)
    with in_thread(httpd):
        yield handler, int(httpd.server_address[1])


class ScriptedResolver:
    """A DNS server that answers differently each time it is asked (what rebinding does)."""

    def __init__(self, **answers: list[list[str]]) -> None:
        self.answers = {host.replace("_", "-") + ".pixforge.test": a for host, a in answers.items()}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        script = self.answers.get(host)
        if not script:
            raise OSError(f"no such host {host}")
        return script.pop(0) if len(script) > 1 else script[0]


def test_rebinding_dns_cannot_steer_the_fetch_to_loopback() -> None:
    # Public when checked, loopback when (if) asked again: the loopback origin must stay dark.
    resolver = ScriptedResolver(rebind=[["93.184.216.34"], ["127.0.0.1"]])
    with recording("127.0.0.1") as (origin, port):
        started = time.monotonic()
        with pytest.raises(FetchFailedError):
            fetch(
                f"http://rebind.pixforge.test:{port}/small",
                FetchLimits(max_bytes=1000, timeout_s=2, max_redirects=0, allowed_networks=[]),
                resolve=resolver,
            )
        assert time.monotonic() - started < 3
    assert origin.connections == []
    assert resolver.asked == ["rebind.pixforge.test"]


def test_the_checked_address_is_the_one_connected_to() -> None:
    # Only 127.0.0.1 is allowed. Were the host resolved again to connect, the second answer
    # (127.0.0.2, where another origin listens on the same port) would be used.
    resolver = ScriptedResolver(pinned=[["127.0.0.1"], ["127.0.0.2"]])
    allowed = [ipaddress.ip_network("127.0.0.1/32")]
    url_path = "pinned.pixforge.test:{port}/small"
    with recording("127.0.0.1") as (checked, port), recording("127.0.0.2", port) as (other, _):
        url = "http://" + url_path.format(port=port)
        assert fetch(url, limits(allowed), resolve=resolver).data == b"hello"
        assert resolver.asked == ["pinned.pixforge.test"]
        # A later fetch checks afresh, gets 127.0.0.2 and is refused before connecting.
        with pytest.raises(FetchRefusedError, match=r"127\.0\.0\.2"):
            fetch(url, limits(allowed), resolve=resolver)
    assert checked.connections == ["127.0.0.1"]
    assert checked.hosts == [f"pinned.pixforge.test:{port}"]  # the name, not the address
    assert other.connections == []


def test_each_redirect_hop_is_resolved_checked_and_pinned() -> None:
    resolver = ScriptedResolver(
        first=[["127.0.0.1"]], second=[["127.0.0.1"]], inside=[["127.0.0.2"]]
    )
    allowed = [ipaddress.ip_network("127.0.0.1/32")]
    with recording("127.0.0.1") as (origin, port), recording("127.0.0.2", port) as (other, _):
        url = f"http://first.pixforge.test:{port}/hop/second.pixforge.test:{port}"
        assert fetch(url, limits(allowed), resolve=resolver).data == b"hello"
        assert origin.hosts == [f"first.pixforge.test:{port}", f"second.pixforge.test:{port}"]
        with pytest.raises(FetchRefusedError, match=r"127\.0\.0\.2"):
            fetch(
                f"http://first.pixforge.test:{port}/hop/inside.pixforge.test:{port}",
                limits(allowed),
                resolve=resolver,
            )
    assert other.connections == []
    assert resolver.asked == [
        "first.pixforge.test",
        "second.pixforge.test",
        "first.pixforge.test",
        "inside.pixforge.test",
    ]


def test_the_next_checked_address_is_tried_when_one_refuses() -> None:
    # Nothing listens on 127.0.0.2 at that port: the connection falls back to 127.0.0.1.
    resolver = ScriptedResolver(dual=[["127.0.0.2", "127.0.0.1"]])
    with recording("127.0.0.1") as (origin, port):
        url = f"http://dual.pixforge.test:{port}/small"
        assert fetch(url, limits(LOOPBACK), resolve=resolver).data == b"hello"
    assert origin.connections == ["127.0.0.1"]


def test_every_resolved_address_must_pass() -> None:
    resolver = ScriptedResolver(mixed=[["93.184.216.34", "10.0.0.7"]])
    with pytest.raises(FetchRefusedError, match=r"10\.0\.0\.7"):
        check_url("http://mixed.pixforge.test/x", [], resolver)


@pytest.mark.parametrize(
    "address",
    ["100.100.100.200", "::ffff:127.0.0.1", "64:ff9b::a00:1", "224.0.0.1", "2001:db8::1"],
)
def test_not_globally_routable_answers_are_refused(address: str) -> None:
    resolver = ScriptedResolver(odd=[[address]])
    with pytest.raises(FetchRefusedError, match="non-public"):
        check_url("http://odd.pixforge.test/x", [], resolver)


def test_ipv4_mapped_answers_match_ipv4_allow_lists() -> None:
    resolver = ScriptedResolver(mapped=[["::ffff:127.0.0.1"]])
    checked = check_url("http://mapped.pixforge.test:81/x", LOOPBACK, resolver)
    assert [str(a) for a in checked.addresses] == ["127.0.0.1"]
    assert (checked.host, checked.port) == ("mapped.pixforge.test", 81)


def test_proxies_from_the_environment_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    with recording("127.0.0.1") as (proxy, proxy_port), recording("127.0.0.1") as (origin, port):
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy_port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert fetch(f"http://127.0.0.1:{port}/small", limits(LOOPBACK)).data == b"hello"
    assert proxy.connections == []
    assert len(origin.connections) == 1


# -- one deadline for the whole download


def _trickle(
    connection: socket.socket, payload: bytes, gap_s: float, stop: threading.Event
) -> None:
    """Send `payload` one byte per `gap_s`, then keep sending header-ish bytes until stopped."""
    connection.recv(65536)
    stream = itertools.chain(payload, itertools.cycle(b"X-Slow: y\r\n"))
    with connection:
        for byte in stream:
            if stop.wait(gap_s):
                return
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return


@contextmanager
def trickling(payload: bytes, gap_s: float) -> Iterator[int]:
    """A loopback origin that answers every connection one byte at a time, forever."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    threads: list[threading.Thread] = []

    listener.settimeout(0.1)  # closing a listener does not wake a blocked accept()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            thread = threading.Thread(target=_trickle, args=(connection, payload, gap_s, stop))
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for thread in threads:
            thread.join(timeout=5)


@pytest.mark.parametrize("payload", [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\n\r\n"])
def test_a_trickling_origin_is_cut_off_at_the_total_deadline(payload: bytes) -> None:
    # Every byte arrives well within any per-read timeout; only a total deadline ends this,
    # whether the trickle is in the headers or in a body without a length.
    with trickling(payload, gap_s=0.05) as port:
        started = time.monotonic()
        with pytest.raises(FetchFailedError, match="longer than 1"):
            fetch(
                f"http://127.0.0.1:{port}/slow",
                FetchLimits(
                    max_bytes=10**6, timeout_s=1, max_redirects=0, allowed_networks=LOOPBACK
                ),
            )
        elapsed_s = time.monotonic() - started
    assert 0.9 < elapsed_s < 1.5


# -- https: connected to the checked address, but SNI and certificate use the host name


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl program is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    name = "media.pixforge.test"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-nodes", "-days", "1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def tls_recording(cert: Path, key: Path) -> Iterator[tuple[type[_Recorder], int, list[str]]]:
    server_names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name or "") and None
    handler = type("Recorder", (_Recorder,), {"connections": [], "hosts": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    with in_thread(httpd):
        yield handler, int(httpd.server_address[1]), server_names


def test_https_is_pinned_and_verified_against_the_host_name(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    trusting = ssl.create_default_context(cafile=str(cert))
    resolver = ScriptedResolver(media=[["127.0.0.1"]], elsewhere=[["127.0.0.1"]])
    with tls_recording(cert, key) as (origin, port, server_names):
        url = f"https://media.pixforge.test:{port}/small"
        fetched = fetch(url, limits(LOOPBACK), resolve=resolver, ssl_context=trusting)
        assert fetched.data == b"hello"
        assert server_names == ["media.pixforge.test"]
        assert origin.hosts == [f"media.pixforge.test:{port}"]
        # The same server under a name its certificate does not carry: verification fails.
        with pytest.raises(FetchFailedError, match="certificate"):
            fetch(
                f"https://elsewhere.pixforge.test:{port}/small",
                limits(LOOPBACK),
                resolve=resolver,
                ssl_context=trusting,
            )
        # And by default only the system's authorities are trusted.
        with pytest.raises(FetchFailedError, match="certificate"):
            fetch(url, limits(LOOPBACK), resolve=resolver)
    assert server_names[1:] == ["elsewhere.pixforge.test", "media.pixforge.test"]
    assert origin.hosts == [f"media.pixforge.test:{port}"]
