"""Failures under scale-out, each on real servers (a private redis-server, a fresh PostgreSQL
database, `pixforge serve` and `pixforge worker` subprocesses): a pool child killed mid-render,
a whole node killed, a node hung past its lease and resumed, the broker restarted empty with
messages queued, a render outliving the broker's visibility timeout, and a RabbitMQ broker.
In each, every generation finishes exactly once, is charged once, has one output and none is
lost. With FAULT_TABLE=path each test appends its row of the fault table there."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cases.generate import TEXT, VALID_TEXT
from tests.support.scaleout import (
    Cluster,
    RedisServer,
    cluster,
    ledger,
    pg_database,
    pg_query,
    rabbitmq_available,
    rabbitmq_vhost,
    redis_server,
    wait_all,
)
from tests.support.server import Api

pytestmark = pytest.mark.system
MONTHLY = 1_000_000
# A render of several seconds (real pictures), so there is time to break things mid-way.
LONG = {**VALID_TEXT, "quality": "720p", "duration": 8}
QUEUE = "pixforge.preview"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def database_url() -> Iterator[str]:
    with pg_database() as url:
        yield url


def submit(api: Api, count: int, body: dict[str, Any] = LONG) -> list[int]:
    ids = []
    for index in range(count):
        resp = api.post(TEXT, {**body, "prompt": f"{body['prompt']} #{index}"})
        assert resp["ErrCode"] == 0, resp
        ids.append(int(resp["Resp"]["video_id"]))
    return ids


def rendering_on(running: Cluster, node: str, timeout_s: float = 60) -> tuple[int, int]:
    """(generation id, child pid) of a render under way on `node`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = pg_query(
            running.database_url,
            "SELECT id, lease_owner FROM generations WHERE status = 5 AND lease_owner LIKE %s "
            "AND progress > 0.05 ORDER BY id LIMIT 1",
            f"{node}:%",
        )
        if rows:
            return int(rows[0][0]), int(str(rows[0][1]).split(":")[1])
        time.sleep(0.1)
    raise TimeoutError(f"nothing rendering on {node}")


def output_blobs(running: Cluster) -> int:
    media = Path(running.env["PIXFORGE_DATA_DIR"]) / "media" / "videos"
    return len(list(media.rglob("*.mp4")))


def exactly_once(running: Cluster, api: Api, ids: list[int], scenario: str) -> dict[str, Any]:
    """Checks every generation ended in 1 once, charged once, with one output; records and
    returns the fault-table row."""
    wait_all(api, ids, timeout_s=300)
    book = ledger(running.database_url, ids)
    cost = int(
        pg_query(
            running.database_url,
            "SELECT coalesce(sum(credits_charged), 0) FROM generations WHERE id = ANY(%s)",
            ids,
        )[0][0]
    )
    monthly, _ = api.balance()
    blobs = output_blobs(running)
    row = {
        "scenario": scenario,
        "generations": len(ids),
        "finished": sum(1 for s in book.statuses.values() if s == 1),
        "duplicates": blobs - len(ids) + sum(max(0, c - 1) for c in book.charges.values()),
        "lost": len(ids) - len(book.statuses) + sum(1 for s in book.statuses.values() if s == 5),
        "balance_drift": (MONTHLY - cost) - monthly,
        "attempts": sorted(book.attempts.values()),
    }
    table = os.environ.get("FAULT_TABLE")
    if table:
        with Path(table).open("a") as handle:
            handle.write(json.dumps(row) + "\n")
    assert book.statuses == {i: 1 for i in ids}, row
    assert book.charges == {i: 1 for i in ids}, row
    assert book.refunds == {i: 0 for i in ids}, row
    assert book.output_rows == {i: 1 for i in ids}, row
    assert row["duplicates"] == 0 and row["lost"] == 0 and row["balance_drift"] == 0, row
    return row


def node_log(running: Cluster, node: str) -> str:
    return "".join(p.read_text() for p in running.folder.glob(f"worker-{node}-*.log"))


def long_cluster(tmp_path: Path, database_url: str, broker_url: str, **env: str) -> Any:
    return cluster(tmp_path, database_url, broker_url, PIXFORGE_PREVIEW_DRAFT="false", **env)


def test_kill_9_of_a_pool_child_mid_render(
    tmp_path: Path, broker: RedisServer, database_url: str
) -> None:
    with long_cluster(tmp_path, database_url, broker.url) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        running.start_worker("node-a", concurrency=1)
        ids = submit(api, 3)
        victim, child = rendering_on(running, "node-a")
        os.kill(child, signal.SIGKILL)
        exactly_once(running, api, ids, "kill -9 worker child")
        assert ledger(database_url, [victim]).attempts[victim] == 2


def test_kill_9_of_a_whole_node(tmp_path: Path, broker: RedisServer, database_url: str) -> None:
    with long_cluster(tmp_path, database_url, broker.url) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        running.start_worker("node-a", concurrency=1)
        running.start_worker("node-b", concurrency=1)
        ids = submit(api, 4)
        victim, _ = rendering_on(running, "node-a")
        running.kill_node("node-a")
        exactly_once(running, api, ids, "kill -9 node")
        assert ledger(database_url, [victim]).attempts[victim] == 2


def test_a_node_hung_past_its_lease_cannot_finish_late(
    tmp_path: Path, broker: RedisServer, database_url: str
) -> None:
    with long_cluster(tmp_path, database_url, broker.url) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        node_a = running.start_worker("node-a", concurrency=1)
        ids = submit(api, 1)
        victim, _ = rendering_on(running, "node-a")
        os.killpg(node_a.pid, signal.SIGSTOP)
        try:
            running.start_worker("node-b", concurrency=1)
            wait_all(api, ids, timeout_s=180)  # node-b took it over after the lease ran out
        finally:
            os.killpg(node_a.pid, signal.SIGCONT)
        deadline = time.monotonic() + 30
        while "lease lost" not in node_log(running, "node-a"):
            assert time.monotonic() < deadline, "the resumed node never noticed its lost lease"
            time.sleep(0.2)
        time.sleep(1)
        exactly_once(running, api, ids, "SIGSTOP node past lease, SIGCONT")
        assert "lease lost" in node_log(running, "node-a")
        assert "generation succeeded" in node_log(running, "node-b")
        assert ledger(database_url, [victim]).attempts[victim] == 2


def test_broker_restarted_empty_with_messages_queued(
    tmp_path: Path, broker: RedisServer, database_url: str
) -> None:
    with cluster(tmp_path, database_url, broker.url) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        ids = submit(api, 5, VALID_TEXT)
        assert broker.queue_lengths([QUEUE])[QUEUE] == 5
        broker.kill()
        broker.start()  # same port, nothing kept
        assert broker.queue_lengths([QUEUE])[QUEUE] == 0
        running.start_worker("node-a", concurrency=2)
        exactly_once(running, api, ids, "broker restarted empty")


def test_a_render_longer_than_the_visibility_timeout_runs_once(
    tmp_path: Path, broker: RedisServer, database_url: str
) -> None:
    """Redis hands an unacknowledged message to another consumer once it is older than that
    consumer's visibility timeout, even while it is still rendering: node-b (visibility 3 s)
    starts while node-a's render is under way (held still meanwhile, so it surely is). The
    duplicate's claim is refused; node-a finishes it once."""
    with long_cluster(tmp_path, database_url, broker.url, PIXFORGE_LEASE_S="60") as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        node_a = running.start_worker("node-a", concurrency=1)
        ids = submit(api, 1)
        rendering_on(running, "node-a")
        os.killpg(node_a.pid, signal.SIGSTOP)
        try:
            running.start_worker(
                "node-b",
                concurrency=1,
                PIXFORGE_CELERY_VISIBILITY_TIMEOUT_S="3",
                PIXFORGE_RENDER_TIMEOUT_S="2",
            )
            # kombu restores the unacknowledged message within ~10 s of node-b's start (the
            # restore sweep scans every time: queue/celery.py); well inside node-a's 60 s lease.
            deadline = time.monotonic() + 45
            while "delivery dropped: not claimable" not in node_log(running, "node-b"):
                assert time.monotonic() < deadline, "node-b never got the running render"
                time.sleep(0.2)
        finally:
            os.killpg(node_a.pid, signal.SIGCONT)
        exactly_once(running, api, ids, "render longer than visibility timeout")
        assert ledger(database_url, ids).attempts == {ids[0]: 1}


@pytest.mark.skipif(
    not rabbitmq_available() and not os.environ.get("CI"),  # .ci/run starts one
    reason="no RabbitMQ on 127.0.0.1:5672",
)
def test_rabbitmq_broker(tmp_path: Path, database_url: str) -> None:
    with rabbitmq_vhost() as url, cluster(tmp_path, database_url, url) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        running.start_worker("node-a", concurrency=2)
        ids = submit(api, 6, VALID_TEXT)
        exactly_once(running, api, ids, "RabbitMQ broker (smoke)")


def test_sigterm_drains_a_node(tmp_path: Path, broker: RedisServer, database_url: str) -> None:
    """SIGTERM: the node takes no new work, finishes the render it has, then exits; what it
    had not started is rendered by another node."""
    with long_cluster(tmp_path, database_url, broker.url) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        node_a = running.start_worker("node-a", concurrency=1)
        ids = submit(api, 3)
        victim, _ = rendering_on(running, "node-a")
        node_a.send_signal(signal.SIGTERM)
        assert node_a.wait(timeout=120) == 0
        assert ledger(database_url, [victim]).statuses[victim] == 1  # finished before exiting
        running.start_worker("node-b", concurrency=1)
        exactly_once(running, api, ids, "SIGTERM drain")
        assert ledger(database_url, ids).attempts == {i: 1 for i in ids}
