"""Webhooks against a real local HTTP receiver: signatures, retries, restarts, the CLI."""

from __future__ import annotations

import json
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
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        httpd.shutdown()
        httpd.server_close()


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


def test_private_receivers_are_refused_and_the_cli_replays(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    guarded = make_settings(
        data_dir, webhook_retry_delays_s=[0.2], webhook_poll_s=0.1, webhook_allow_networks=[]
    )
    receiver = Receiver(free_port())
    with receiving(receiver):
        with running_server(guarded) as server:
            account = server.create_account()
            made = cli(
                data_dir,
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
