"""Webhooks against a real local HTTP receiver: signatures, retries, restarts, the CLI."""

from __future__ import annotations

import itertools
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pixforge.domain import webhooks as signing
from pixforge.store import webhooks as webhook_repo
from tests.cases.generate import VALID_TEXT
from tests.support.origin import in_thread
from tests.support.server import RunningServer, free_port, make_settings, running_server
from tests.system.test_cli import cli

pytestmark = pytest.mark.system

FAST_RETRIES = {
    "webhook_retry_delays_s": [0.3, 0.3, 0.3],
    "webhook_poll_s": 0.1,
    "webhook_allow_networks": ["127.0.0.0/8"],
}


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then 200 'ok'); records every call."""

    port: int
    script: list[int] = field(default_factory=list)
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_for(self, count: int, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.calls) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.calls)} of {count} webhook calls arrived")
            time.sleep(0.05)


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = receiver.script.pop(0) if receiver.script else 200
            reply = b"ok" if status == 200 else b"not now"
            self.send_response(status)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    with in_thread(httpd):
        yield receiver


def signed(secret: str, headers: dict[str, str], body: dict[str, Any]) -> bool:
    return signing.verify(
        secret,
        headers["webhook-timestamp"],
        headers["webhook-nonce"],
        body,
        headers["webhook-signature"],
    )


def deliveries(server: RunningServer) -> list[webhook_repo.DeliveryRow]:
    with server.state.db.read() as conn:
        return webhook_repo.list_deliveries(conn)


def wait_until(check: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def test_signed_delivery_retried_until_the_receiver_says_ok(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", **FAST_RETRIES)
    with (
        receiving(Receiver(free_port(), script=[500, 503])) as receiver,
        running_server(settings) as server,
    ):
        account = server.create_account()
        hook = server.state.operator.create_webhook(account.account_id, receiver.url, False)
        api = server.api(account)
        trace_id = str(uuid.uuid4())
        answer = api.post(
            "/openapi/v2/video/text/generate", {**VALID_TEXT, "webhook_id": hook.id}, trace_id
        )
        assert answer["ErrCode"] == 0, answer
        video_id = answer["Resp"]["video_id"]
        result = api.wait(video_id)
        receiver.wait_for(3)
        for headers, raw in receiver.calls:
            body = json.loads(raw)
            assert headers["content-type"] == "application/json"
            assert headers["ai-trace-id"] == trace_id
            assert headers["webhook-timestamp"].isdigit()
            assert len(headers["webhook-nonce"]) == 32 and headers["webhook-nonce"].isalnum()
            assert signed(hook.secret, headers, body)
            assert not signed("wrong", headers, body)
            assert not signed(hook.secret, headers, {**body, "status": 8})
            assert body == {
                "id": str(video_id),
                "status": 1,
                "url": result["url"],
                "size": round(result["size"] / 1024 / 1024, 2),
                "has_audio": False,
                "credits": 45,
            }
        wait_until(lambda: deliveries(server)[0].state == "delivered")
        assert deliveries(server)[0].attempts == 3
        scraped = api.http.get("/metrics").text
        assert 'pixforge_webhook_deliveries{state="delivered"} 1.0' in scraped
        time.sleep(1.0)
        assert len(receiver.calls) == 3  # delivered once acknowledged, never again
        # Unknown webhook ids are refused before anything is charged.
        bad = api.post("/openapi/v2/video/text/generate", {**VALID_TEXT, "webhook_id": "wh_x"})
        assert bad["ErrCode"] == 400017 and "webhook_id" in bad["ErrMsg"]
        other = server.api(server.create_account())
        foreign = other.post(
            "/openapi/v2/video/text/generate", {**VALID_TEXT, "webhook_id": hook.id}
        )
        assert foreign["ErrCode"] == 400017
        other.close()
        api.close()


def test_default_webhook_announces_failures_too(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", **FAST_RETRIES)
    with receiving(Receiver(free_port())) as receiver, running_server(settings) as server:
        account = server.create_account()
        server.state.operator.create_webhook(account.account_id, receiver.url, True)
        api = server.api(account)
        blocked = api.post("/openapi/v2/video/text/generate", {**VALID_TEXT, "prompt": "gore"})
        video_id = blocked["Resp"]["video_id"]
        assert api.wait(video_id)["status"] == 7
        receiver.wait_for(1)
        body = json.loads(receiver.calls[0][1])
        assert body["id"] == str(video_id) and body["status"] == 7 and body["url"] == ""
        assert body["credits"] == 0  # refunded
        api.close()


def test_deliveries_survive_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", **FAST_RETRIES)
    port = free_port()
    receiver = Receiver(port)
    with running_server(settings) as server:
        account = server.create_account()
        hook = server.state.operator.create_webhook(account.account_id, receiver.url, True)
        api = server.api(account)
        video_id = api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
        assert api.wait(video_id)["status"] == 1
        # Nobody listens yet: the first attempt fails and the delivery waits for its retry.
        wait_until(lambda: deliveries(server)[0].attempts >= 1)
        assert deliveries(server)[0].state == "pending"
        api.close()
    with receiving(receiver), running_server(settings) as server:
        receiver.wait_for(1)
        body = json.loads(receiver.calls[0][1])
        assert body["id"] == str(video_id) and body["status"] == 1
        assert signed(hook.secret, receiver.calls[0][0], body)
        wait_until(lambda: deliveries(server)[0].state == "delivered")


def cli_allowing(data_dir: Path, networks: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with PIXFORGE_WEBHOOK_ALLOW_NETWORKS set (and no other PIXFORGE_ variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")}
    return subprocess.run(
        [sys.executable, "-m", "pixforge", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PIXFORGE_WEBHOOK_ALLOW_NETWORKS": networks},
    )


def test_private_receivers_are_refused_at_creation(tmp_path: Path) -> None:
    # The other kinds of refused receivers: tests/unit/test_webhook_registration.py.
    data_dir = tmp_path / "data"
    made = cli(data_dir, "accounts", "create", "--name", "hooks", "--json")
    account_id = str(json.loads(made.stdout)["account_id"])
    url = "http://127.0.0.1:9/hook"
    refused = cli(data_dir, "webhooks", "create", account_id, url)
    assert refused.returncode == 1, refused.stdout
    message = " ".join(refused.stderr.split())
    assert "400017" in message and "resolves to 127.0.0.1, a non-public address" in message
    assert "set PIXFORGE_WEBHOOK_ALLOW_NETWORKS=127.0.0.0/8 " in message, message
    assert json.loads(cli(data_dir, "webhooks", "list", "--json").stdout) == []
    allowed = cli_allowing(data_dir, "127.0.0.0/8", "webhooks", "create", account_id, url)
    assert allowed.returncode == 0, allowed.stderr
    listed = json.loads(cli(data_dir, "webhooks", "list", "--json").stdout)
    assert [row["url"] for row in listed] == [url]


def test_private_receivers_are_refused_at_delivery_and_the_cli_replays(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    guarded = make_settings(
        data_dir, webhook_retry_delays_s=[0.2], webhook_poll_s=0.1, webhook_allow_networks=[]
    )
    receiver = Receiver(free_port())
    with receiving(receiver):
        with running_server(guarded) as server:
            account = server.create_account()
            # Registered while loopback was allowed; the server's own guard still applies.
            made = cli_allowing(
                data_dir,
                "127.0.0.0/8",
                "webhooks",
                "create",
                str(account.account_id),
                receiver.url,
                "--default",
                "--json",
            )
            assert made.returncode == 0, made.stderr
            assert json.loads(made.stdout)["secret"].startswith("whsec_")
            api = server.api(account)
            video_id = api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
            assert api.wait(video_id)["status"] == 1
            wait_until(lambda: deliveries(server)[0].state == "failed")
            assert "non-public address" in (deliveries(server)[0].last_error or "")
            api.close()
        assert receiver.calls == []  # loopback is private: never contacted
        listed = cli(data_dir, "webhooks", "list", "--deliveries", "--json")
        rows = json.loads(listed.stdout)
        assert rows[0]["state"] == "failed" and rows[0]["attempts"] == 2
        replay = cli(data_dir, "webhooks", "replay", str(rows[0]["delivery_id"]))
        assert replay.returncode == 0, replay.stderr
        allowed = make_settings(data_dir, **FAST_RETRIES)
        with running_server(allowed) as server:
            receiver.wait_for(1)
            assert json.loads(receiver.calls[0][1])["id"] == str(video_id)
            wait_until(lambda: deliveries(server)[0].state == "delivered")
        missing = cli(data_dir, "webhooks", "replay", "999999")
        assert missing.returncode == 1


# -- receivers that never answer, or answer one byte per second


@dataclass
class Connection:
    opened_at: float
    closed_at: float | None = None  # when the sender hung up


class SlowReceiver:
    """Takes each webhook post and then never answers (trickle_s None) or answers one byte
    every trickle_s seconds, forever; records when each connection opened and was hung up."""

    def __init__(self, trickle_s: float | None) -> None:
        self.trickle_s = trickle_s
        self.connections: list[Connection] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # closing a listener does not wake a blocked accept()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"

    def __enter__(self) -> SlowReceiver:
        self._threads.append(threading.Thread(target=self._accept, daemon=True))
        self._threads[0].start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(None)
            record = Connection(time.time())
            self.connections.append(record)
            thread = threading.Thread(target=self._serve, args=(conn, record), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, record: Connection) -> None:
        # Headers that never end: every byte comes well within any per-read timeout.
        reply = itertools.chain(b"HTTP/1.1 200 OK\r\n", itertools.cycle(b"X-Slow: yes\r\n"))
        wait_s = self.trickle_s or 0.1
        with conn:
            while not self._stop.is_set():
                readable, _, _ = select.select([conn], [], [], wait_s)
                if readable:
                    try:
                        if not conn.recv(65536):  # the request, or the end of the connection
                            record.closed_at = time.time()
                            return
                    except OSError:
                        record.closed_at = time.time()
                        return
                elif self.trickle_s is not None:
                    try:
                        conn.sendall(bytes([next(reply)]))
                    except OSError:
                        record.closed_at = time.time()
                        return


def test_slow_receivers_do_not_delay_other_deliveries(tmp_path: Path) -> None:
    timeout_s, retry_s = 3.0, 1.0
    settings = make_settings(
        tmp_path / "data",
        webhook_timeout_s=timeout_s,
        webhook_retry_delays_s=[retry_s],
        webhook_poll_s=0.1,
        webhook_allow_networks=["127.0.0.0/8"],
    )
    with (
        SlowReceiver(None) as silent,
        SlowReceiver(1.0) as trickling,
        receiving(Receiver(free_port())) as healthy,
        running_server(settings) as server,
    ):
        operator = server.state.operator
        good = server.create_account()
        good_hook = operator.create_webhook(good.account_id, healthy.url, True)
        good_api = server.api(good)
        good_video = good_api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]
        good_api.wait(good_video["video_id"])
        healthy.wait_for(1)
        (good_delivery,) = deliveries(server)
        assert good_delivery.webhook_id == good_hook.id

        slow_apis = []
        for receiver in (silent, trickling):
            account = server.create_account()
            operator.create_webhook(account.account_id, receiver.url, True)
            slow_apis.append(server.api(account))
            slow_apis[-1].post("/openapi/v2/video/text/generate", VALID_TEXT)
        wait_until(lambda: bool(silent.connections and trickling.connections))

        # Both slow attempts hold their connections; the healthy receiver's delivery, due
        # again now, goes out at once on another sender worker.
        operator.replay_delivery(good_delivery.id)
        due_at = time.time()
        healthy.wait_for(2)
        received_at = time.time()
        assert received_at - due_at < 1.5  # a sequential sender would take 3 s here
        assert silent.connections[0].closed_at is None
        assert trickling.connections[0].closed_at is None
        wait_until(
            lambda: (
                next(d for d in deliveries(server) if d.id == good_delivery.id).state == "delivered"
            )
        )

        # Each slow attempt ends at its total deadline, then is retried per the schedule, and
        # the delivery fails once the schedule is spent.
        for receiver in (silent, trickling):
            wait_until(
                lambda r=receiver: (
                    len(r.connections) == 2 and r.connections[1].closed_at is not None
                )
            )
            first, second = receiver.connections
            assert first.closed_at is not None and second.closed_at is not None
            assert timeout_s - 0.5 < first.closed_at - first.opened_at < timeout_s + 1.0
            assert retry_s - 0.1 < second.opened_at - first.closed_at < retry_s + 1.0
            assert timeout_s - 0.5 < second.closed_at - second.opened_at < timeout_s + 1.0
        wait_until(lambda: sum(d.state == "failed" for d in deliveries(server)) == 2)
        for row in deliveries(server):
            if row.id != good_delivery.id:
                assert row.attempts == 2
                assert f"no complete answer within {timeout_s} s" in (row.last_error or "")
        for api in (good_api, *slow_apis):
            api.close()
