"""The webhook sender against real sockets and a real database: DNS pinning of each attempt."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from pixforge.domain import webhooks as signing
from pixforge.media.fetch import Network
from pixforge.services.accounts import AccountService
from pixforge.store import webhooks as repo
from pixforge.store.db import Database
from pixforge.worker.webhooks import WebhookSender
from tests.support.origin import QuietHandler, in_thread

BODY = signing.payload(42, 1, "http://files.example/42.mp4", 1_048_576, False, 45)


class _Receiver(QuietHandler):
    """Records every connection and every POST (Host header, raw body); answers ok."""

    connections: list[str]
    posts: list[tuple[dict[str, str], bytes]]

    def setup(self) -> None:
        type(self).connections.append(self.client_address[0])
        super().setup()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@contextmanager
def receiving(address: str, port: int = 0) -> Iterator[tuple[type[_Receiver], int]]:
    handler = type("Receiver", (_Receiver,), {"connections": [], "posts": []})
    httpd = ThreadingHTTPServer((address, port), handler)
    with in_thread(httpd):
        yield handler, int(httpd.server_address[1])


class RebindingResolver:
    """Gives its answers in turn, the last one from then on, as a rebinding DNS server would."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'pixforge.db'}")
    database.migrate()
    yield database
    database.dispose()


def queue_delivery(db: Database, url: str) -> tuple[repo.WebhookRow, int]:
    account = AccountService(db, 1).create_account("hooks")
    hook = repo.WebhookRow(
        id="wh_test",
        account_id=account.id,
        url=url,
        secret=signing.new_secret(),
        is_default=False,
        disabled=False,
        created_at=time.time(),
    )
    with db.write() as conn:
        repo.insert_webhook(conn, hook)
        repo.insert_delivery(
            conn, hook.id, 42, "00000000-0000-4000-8000-000000000042", json.dumps(BODY), 0.0
        )
        (delivery,) = repo.list_deliveries(conn)
    return hook, delivery.id


def sender(
    db: Database, resolver: RebindingResolver, allowed: list[Network], timeout_s: float = 2
) -> WebhookSender:
    return WebhookSender(
        db,
        retry_delays_s=[60.0],
        timeout_s=timeout_s,
        poll_s=0.1,
        allowed_networks=allowed,
        resolve=resolver,
    )


def delivery(db: Database, delivery_id: int) -> repo.DeliveryRow:
    with db.read() as conn:
        row = repo.get_delivery(conn, delivery_id)
    assert row is not None
    return row


def test_a_rebinding_receiver_name_never_reaches_loopback(db: Database) -> None:
    resolver = RebindingResolver(["93.184.216.34"], ["127.0.0.1"])
    with receiving("127.0.0.1") as (receiver, port):
        _, delivery_id = queue_delivery(db, f"http://hooks.pixforge.test:{port}/hook")
        started = time.monotonic()
        assert sender(db, resolver, []).send_next()
        assert time.monotonic() - started < 3
    assert receiver.connections == []
    assert resolver.asked == ["hooks.pixforge.test"]
    row = delivery(db, delivery_id)
    assert (row.state, row.attempts) == ("pending", 1)  # retried later, like any failure
    # The attempt went to the checked public address (refused or unreachable here, offline),
    # never to the loopback receiver: that one saw no connection (above).
    assert row.last_error and "127.0.0.1" not in row.last_error


def test_the_delivery_goes_to_the_checked_address_under_the_host_name(db: Database) -> None:
    # Only 127.0.0.1 is allowed; a second lookup would say 127.0.0.2, where another receiver
    # listens on the same port.
    resolver = RebindingResolver(["127.0.0.1"], ["127.0.0.2"])
    allowed: list[Network] = [ipaddress.ip_network("127.0.0.1/32")]
    with receiving("127.0.0.1") as (checked, port), receiving("127.0.0.2", port) as (other, _):
        hook, delivery_id = queue_delivery(db, f"http://hooks.pixforge.test:{port}/hook")
        assert sender(db, resolver, allowed).send_next()
    assert other.connections == []
    assert resolver.asked == ["hooks.pixforge.test"]
    ((headers, raw),) = checked.posts
    assert headers["host"] == f"hooks.pixforge.test:{port}"
    assert json.loads(raw) == BODY
    assert signing.verify(
        hook.secret,
        headers["webhook-timestamp"],
        headers["webhook-nonce"],
        BODY,
        headers["webhook-signature"],
    )
    row = delivery(db, delivery_id)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 1, None)


def test_an_attempt_is_refused_when_the_name_now_resolves_inside(db: Database) -> None:
    resolver = RebindingResolver(["10.0.0.9"])
    _, delivery_id = queue_delivery(db, "http://hooks.pixforge.test/hook")
    assert sender(db, resolver, []).send_next()
    row = delivery(db, delivery_id)
    assert row.attempts == 1 and "10.0.0.9, a non-public address" in (row.last_error or "")


def test_the_receivers_answer_is_read_only_up_to_a_bound(db: Database) -> None:
    class Flood(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(200)
            self.end_headers()  # no length: the body runs until the connection closes
            try:
                for _ in range(10_000):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    with in_thread(httpd):
        port = int(httpd.server_address[1])
        resolver = RebindingResolver(["127.0.0.1"])
        _, delivery_id = queue_delivery(db, f"http://hooks.pixforge.test:{port}/hook")
        started = time.monotonic()
        assert sender(db, resolver, [ipaddress.ip_network("127.0.0.0/8")]).send_next()
        assert time.monotonic() - started < 1.5  # did not wait for 655 MB
    row = delivery(db, delivery_id)
    assert row.state == "pending" and "HTTP 200: 'xxxx" in (row.last_error or "")
