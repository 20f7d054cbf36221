"""Clients that dribble their headers or body a byte a second are cut off within the configured
bounds, over real sockets, while normal requests are answered meanwhile."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.server import Api, free_port
from tests.system.test_restart import DEV_KEY, serve

pytestmark = pytest.mark.system
DRIBBLERS = 20
HEADERS_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
BODY_MIN_BYTES_PER_S = 1000


def _dribble(port: int, head: bytes, then: bytes, results: list[float], start: float) -> None:
    """Send `head` at once, then `then` one byte a second until the server closes the socket;
    record after how many seconds it did."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(head)
        for byte in then:
            time.sleep(1)
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # reset: the server closed it
            sock.settimeout(0.01)
            try:
                if sock.recv(4096) == b"":
                    break
            except TimeoutError:
                pass
            except OSError:
                break
            finally:
                sock.settimeout(30)
        results.append(time.monotonic() - start)
    finally:
        sock.close()


def _run_dribblers(port: int, head: bytes, then: bytes) -> tuple[list[float], list[int]]:
    """DRIBBLERS slow connections at once; meanwhile normal requests, one a second."""
    results: list[float] = []
    start = time.monotonic()
    threads = [
        threading.Thread(target=_dribble, args=(port, head, then, results, start))
        for _ in range(DRIBBLERS)
    ]
    for thread in threads:
        thread.start()
    statuses: list[int] = []
    while any(thread.is_alive() for thread in threads):
        statuses.append(httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code)
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    return results, statuses


def _steady_upload(port: int, head: bytes, body: bytes, chunks: int) -> bytes:
    """Send `body` in `chunks` pieces a second apart and return the server's answer."""
    size = len(body) // chunks
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        for index in range(chunks):
            time.sleep(1)
            sock.sendall(body[index * size : None if index == chunks - 1 else (index + 1) * size])
        answer = b""
        while chunk := sock.recv(65536):  # "connection: close": read to the end
            answer += chunk
        return answer


def test_dribbled_headers_are_cut_off(tmp_path: Path) -> None:
    port = free_port()
    with serve(
        tmp_path / "data",
        port,
        PIXFORGE_WORKERS="0",
        PIXFORGE_HEADERS_TIMEOUT_S=str(HEADERS_TIMEOUT_S),
    ):
        closed_after_s, statuses = _run_dribblers(
            port, b"GET /healthz HTTP/1.1\r\n", b"x-slow: " + b"a" * 60 + b"\r\n\r\n"
        )
    assert len(closed_after_s) == DRIBBLERS
    # Bound plus a second of the dribbler's own sleep and some scheduling slack.
    assert max(closed_after_s) < HEADERS_TIMEOUT_S + 3, closed_after_s
    assert statuses and set(statuses) == {200}


def _generate_head(length: int) -> bytes:
    """A text-to-video request whose route reads the body: the app waits on it meanwhile."""
    return (
        b"POST /openapi/v2/video/text/generate HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
        + f"api-key: {DEV_KEY}\r\nai-trace-id: {uuid.uuid4()}\r\n".encode()
        + f"content-type: application/json\r\ncontent-length: {length}\r\n\r\n".encode()
    )


def test_a_dribbled_body_is_cut_off_and_a_steady_upload_is_not(tmp_path: Path) -> None:
    port = free_port()
    body = json.dumps(VALID_TEXT).encode()
    with serve(
        tmp_path / "data",
        port,
        PIXFORGE_WORKERS="0",
        PIXFORGE_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S),
        PIXFORGE_BODY_MIN_BYTES_PER_S=str(BODY_MIN_BYTES_PER_S),
    ):
        closed_after_s, statuses = _run_dribblers(port, _generate_head(len(body)), body)
        # 12 kB over 4 s: longer than the grace, but above the minimum rate all along.
        padded = body[:-1] + b" " * (12_000 - len(body)) + b"}"
        answer = _steady_upload(port, _generate_head(len(padded)), padded, 4)
        api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
        balance = api.balance()
        api.close()
    assert len(closed_after_s) == DRIBBLERS
    assert max(closed_after_s) < BODY_TIMEOUT_S + 3, closed_after_s
    assert statuses and set(statuses) == {200}
    assert answer.startswith(b"HTTP/1.1 200") and b'"ErrCode":0' in answer, answer
    # Only the steady request was charged: the cut-off ones never became generations.
    assert balance == (1_000_000 - 45, 0)  # one 360p 5 s v4.5 video
    log = sorted((tmp_path).glob("server-*.log"))[-1].read_text()
    assert log.count("request body too slow") == DRIBBLERS
    assert "Traceback" not in log
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert entries, "the server log has no JSON lines"
    assert [entry for entry in entries if entry["level"] == "error"] == []


def test_a_connection_that_never_sends_is_closed(tmp_path: Path) -> None:
    port = free_port()
    with serve(tmp_path / "data", port, PIXFORGE_WORKERS="0", PIXFORGE_HEADERS_TIMEOUT_S="1"):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        started = time.monotonic()
        assert sock.recv(4096) == b""  # closed without a word: no request began
        assert time.monotonic() - started < 3
        sock.close()
        partial = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert partial.recv(4096).startswith(b"HTTP/1.1 408 ")
        partial.close()
