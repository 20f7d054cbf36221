"""Scale-out on real servers: API replicas and `pixforge worker` nodes on a private Redis broker,
a fresh PostgreSQL database per test, shared storage. Every generation ends exactly once,
charged once, with one output, whatever is killed on the way (tests/system/test_faults.py has
the failure cases)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases.generate import IMAGE, TEXT, TRANSITION, VALID_TEXT
from tests.support.media import image_bytes
from tests.support.scaleout import (
    Cluster,
    RedisServer,
    S3Server,
    cluster,
    ledger,
    pg_database,
    pg_query,
    redis_server,
    s3_server,
    wait_all,
)
from tests.support.server import Api, free_port

pytestmark = pytest.mark.system
MONTHLY = 1_000_000


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("weed")) as server:
        yield server


@pytest.fixture
def database_url() -> Iterator[str]:
    with pg_database() as url:
        yield url


def mixed_requests(api: Api, count: int) -> list[tuple[str, dict[str, Any]]]:
    """Text, image and transition requests of several sizes and lengths."""
    first = api.image_id(image_bytes(320, 240))
    last = api.image_id(image_bytes(320, 240, colour=(5, 5, 5)))
    base = {k: v for k, v in VALID_TEXT.items() if k != "aspect_ratio"}
    kinds: list[tuple[str, dict[str, Any]]] = [
        (TEXT, VALID_TEXT),
        (TEXT, {**VALID_TEXT, "quality": "540p", "duration": 8}),
        (IMAGE, {**base, "img_id": first}),
        (TRANSITION, {**base, "first_frame_img": first, "last_frame_img": last}),
        (TEXT, {**VALID_TEXT, "aspect_ratio": "9:16", "prompt": "a lighthouse at night"}),
    ]
    return [kinds[i % len(kinds)] for i in range(count)]


def submit(apis: list[Api], requests: list[tuple[str, dict[str, Any]]]) -> list[int]:
    ids = []
    for index, (path, body) in enumerate(requests):
        resp = apis[index % len(apis)].post(path, body)
        assert resp["ErrCode"] == 0, resp
        ids.append(int(resp["Resp"]["video_id"]))
    return ids


def s3_keys(s3: S3Server, prefix: str) -> list[str]:
    client = s3.client()
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]
    finally:
        client.close()


def check_exactly_once(
    running: Cluster, apis: list[Api], ids: list[int], *, blobs: int | None = None
) -> dict[str, int]:
    """Every generation in 1, charged once, never refunded, one output row; the balance is
    the start less what they cost. Returns the fault-table row."""
    book = ledger(running.database_url, ids)
    finished = sum(1 for s in book.statuses.values() if s == 1)
    assert book.statuses == {i: 1 for i in ids}, book.statuses
    assert book.charges == {i: 1 for i in ids}
    assert book.refunds == {i: 0 for i in ids}
    assert book.output_rows == {i: 1 for i in ids}
    cost = pg_query(
        running.database_url, "SELECT sum(credits_charged) FROM generations WHERE id = ANY(%s)", ids
    )[0][0]
    monthly, package = apis[0].balance()
    drift = (MONTHLY - int(cost)) - monthly
    assert drift == 0 and package == 0
    if blobs is not None:
        assert blobs == len(ids), f"{blobs} output blobs for {len(ids)} generations"
    row = {
        "scenario": "2 API replicas + 2 worker nodes, mixed",
        "generations": len(ids),
        "finished": finished,
        "duplicates": 0 if blobs is None else blobs - len(ids),
        "lost": len(ids) - len(book.statuses),
        "balance_drift": drift,
    }
    table = os.environ.get("FAULT_TABLE")  # (tests/system/test_faults.py writes the others)
    if table:
        with Path(table).open("a") as handle:
            handle.write(json.dumps(row) + "\n")
    return row


def test_two_apis_two_nodes_thirty_mixed_generations(
    tmp_path: Path, broker: RedisServer, database_url: str, weed: S3Server
) -> None:
    s3 = weed.fresh_bucket()
    with cluster(tmp_path, database_url, broker.url, **s3.env()) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        running.start_api()
        metrics_port = free_port()
        running.start_worker(
            "node-a", concurrency=2, PIXFORGE_WORKER_METRICS_PORT=str(metrics_port)
        )
        running.start_worker("node-b", concurrency=1)
        apis = [running.api(key, 0), running.api(key, 1)]
        ids = submit(apis, mixed_requests(apis[0], 30))
        results = wait_all(apis[1], ids, timeout_s=240)
        assert {r["status"] for r in results.values()} == {1}
        check_exactly_once(running, apis, ids, blobs=len(s3_keys(s3, "videos/")))
        assert not (tmp_path / "data" / "media").exists()  # every blob is in the bucket
        rendered = {}
        for node in ("node-a", "node-b"):  # both nodes rendered some of them
            log = "".join(p.read_text() for p in tmp_path.glob(f"worker-{node}-*.log"))
            rendered[node] = log.count('"generation succeeded"')
            assert rendered[node] > 0, node
        # node-a's two pool children count into one metrics port (multiprocess mode).
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        counts = re.findall(r"pixforge_render_duration_seconds_count\{[^}]*\} (\S+)", scraped)
        assert sum(float(c) for c in counts) == rendered["node-a"], scraped
        # Outputs are streamed from S3 by either API, with Range.
        url = results[ids[0]]["url"]
        other = url.replace(f":{running.apis[0][1]}/", f":{running.apis[1][1]}/")
        whole = httpx.get(url, timeout=30).content
        part = httpx.get(other, headers={"Range": "bytes=100-199"}, timeout=30)
        assert part.status_code == 206 and part.content == whole[100:200]
        metrics = httpx.get(f"http://127.0.0.1:{running.apis[0][1]}/metrics", timeout=10).text
        assert re.search(r'pixforge_route_queue_depth\{phase="queued",route="preview"\} 0', metrics)


def test_routes_and_settings_checks(tmp_path: Path) -> None:
    env = {"PIXFORGE_DATA_DIR": str(tmp_path)}
    from tests.support.scaleout import base_env

    listed = subprocess.run(
        [sys.executable, "-m", "pixforge", "routes"],
        env=base_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("pixforge.preview")
    # Celery on SQLite, and a visibility timeout below the render deadline, are refused.
    refused = subprocess.run(
        [sys.executable, "-m", "pixforge", "worker"],
        env=base_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "needs PostgreSQL" in refused.stderr
    short = subprocess.run(
        [sys.executable, "-m", "pixforge", "worker"],
        env=base_env(
            **env,
            PIXFORGE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test",
            PIXFORGE_RENDER_TIMEOUT_S="100",
            PIXFORGE_CELERY_VISIBILITY_TIMEOUT_S="50",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 2 and "must exceed PIXFORGE_RENDER_TIMEOUT_S" in short.stderr


def test_the_rate_limit_is_shared_by_the_api_replicas(
    tmp_path: Path, broker: RedisServer, database_url: str
) -> None:
    slow = {"PIXFORGE_RATE_LIMIT_PER_S": "0.5", "PIXFORGE_RATE_LIMIT_BURST": "4"}
    with cluster(tmp_path, database_url, broker.url, **slow) as running:
        key = running.create_account(MONTHLY)
        running.start_api()
        running.start_api()
        apis = [running.api(key, 0), running.api(key, 1)]
        codes = [apis[i % 2].get("/openapi/v2/account/balance")["ErrCode"] for i in range(6)]
        # Four in the window in all, not four per replica.
        assert codes == [0, 0, 0, 0, 500069, 500069], codes
        other = running.create_account(MONTHLY)  # another key has its own window
        assert running.api(other, 1).get("/openapi/v2/account/balance")["ErrCode"] == 0


def test_each_checkpoint_has_its_queue(
    tmp_path: Path, broker: RedisServer, database_url: str
) -> None:
    """With a diffusers registry, a generation is published to its checkpoint's queue (the
    entry's "queue", else its folder's name); everything else to pixforge.preview. The API
    replica loads no model to know that."""
    registry = tmp_path / "models.json"
    registry.write_text(
        json.dumps(
            [
                {"name": "v5", "path": "ckpt/Wan2.1-T2V-1.3B", "family": "wan", "modes": ["text"]},
                {"name": "v4.5", "path": "ckpt/ltx", "family": "ltx", "queue": "ltx-fast"},
            ]
        )
    )
    env = {"PIXFORGE_ENGINE": "diffusers", "PIXFORGE_DIFFUSERS_MODELS_FILE": str(registry)}
    with cluster(tmp_path, database_url, broker.url, **env) as running:
        listed = running.cli("routes")
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.split() == [
            "pixforge.preview", "the", "preview", "engine", "and", "every", "feature", "mode",
            "pixforge.ltx-fast", "v4.5/text",
            "pixforge.wan2-1-t2v-1-3b", "v5/text",
        ]  # fmt: skip
        key = running.create_account(MONTHLY)
        running.start_api()
        api = running.api(key)
        wan = api.post(TEXT, {**VALID_TEXT, "model": "v5"})["Resp"]["video_id"]
        ltx = api.post(TEXT, VALID_TEXT)["Resp"]["video_id"]
        image = api.image_id(image_bytes(320, 240))
        base = {k: v for k, v in VALID_TEXT.items() if k != "aspect_ratio"}
        preview = api.post(IMAGE, {**base, "model": "v5", "img_id": image})["Resp"]["video_id"]
        routes = dict(
            pg_query(database_url, "SELECT id, dispatch_route FROM generations")  # type: ignore[arg-type]
        )
        assert routes == {wan: "wan2-1-t2v-1-3b", ltx: "ltx-fast", preview: "preview"}
        queues = ["pixforge.wan2-1-t2v-1-3b", "pixforge.ltx-fast", "pixforge.preview"]
        assert broker.queue_lengths(queues) == dict.fromkeys(queues, 1)
