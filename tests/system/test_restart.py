"""Durability: a server killed with SIGKILL mid-way finishes every generation after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.cases.generate import VALID_TEXT
from tests.support.server import Api, free_port

DEV_KEY = "pf-restart-test-key-0123456789"
pytestmark = pytest.mark.system


@contextmanager
def serve(data_dir: Path, port: int, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")},
        "PIXFORGE_DEV_API_KEY": DEV_KEY,
        "PIXFORGE_DEFAULT_CONCURRENCY": "50",
        "PIXFORGE_WORKERS": "1",
        "PIXFORGE_LEASE_S": "10",
        "PIXFORGE_RATE_LIMIT_PER_S": "1000",
        "PIXFORGE_RATE_LIMIT_BURST": "1000",
        **env,
    }
    log = (data_dir.parent / f"server-{port}-{time.monotonic_ns()}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pixforge",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: see {log.name}")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
        log.close()


def statuses(api: Api, ids: list[int]) -> list[int]:
    return [api.get(f"/openapi/v2/video/result/{i}")["Resp"]["status"] for i in ids]


def test_kill_9_mid_way_then_restart_finishes_everything(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    body = {**VALID_TEXT, "quality": "540p", "duration": 8}
    with serve(data_dir, port) as process:
        api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
        start_balance = api.balance()
        ids = [
            api.post("/openapi/v2/video/text/generate", body)["Resp"]["video_id"] for _ in range(20)
        ]
        deadline = time.monotonic() + 120
        while statuses(api, ids).count(1) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        before_kill = statuses(api, ids)
        process.send_signal(signal.SIGKILL)
        process.wait()
        api.close()
    assert 2 <= before_kill.count(1) < 20, before_kill

    with serve(data_dir, port):
        api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
        deadline = time.monotonic() + 300
        while 5 in (current := statuses(api, ids)) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert current == [1] * 20
        monthly, package = api.balance()
        assert (monthly, package) == (start_balance[0] - 20 * 90, start_balance[1])
        for video_id in ids:
            result = api.get(f"/openapi/v2/video/result/{video_id}")["Resp"]
            assert api.http.head(result["url"]).status_code == 200
        api.close()

    engine = create_engine(f"sqlite:///{data_dir / 'pixforge.db'}")
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind, COUNT(*) FROM ledger GROUP BY kind")).all()
        attempts = conn.execute(text("SELECT MAX(attempts) FROM generations")).scalar_one()
    engine.dispose()
    assert dict(kinds) == {"grant": 1, "charge": 20}
    assert attempts <= 2


def test_generation_that_kills_its_worker_twice_ends_in_8_with_refund(tmp_path: Path) -> None:
    """Simulate two crashed attempts by killing the server while the render holds the lease."""
    data_dir = tmp_path / "data"
    port = free_port()
    body = {**VALID_TEXT, "quality": "1080p", "duration": 5}
    for round_index in range(3):
        with serve(data_dir, port) as process:
            api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
            if round_index == 0:
                start = api.balance()
                video_id = api.post("/openapi/v2/video/text/generate", body)["Resp"]["video_id"]
            if round_index < 2:
                engine = create_engine(f"sqlite:///{data_dir / 'pixforge.db'}")
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    with engine.connect() as conn:
                        owner = conn.execute(
                            text("SELECT lease_owner FROM generations WHERE id = :i"),
                            {"i": video_id},
                        ).scalar_one()
                    if owner:
                        break
                    time.sleep(0.01)
                engine.dispose()
                assert owner, "the worker never claimed the generation"
                process.send_signal(signal.SIGKILL)
                process.wait()
            else:
                result = api.wait(video_id, timeout_s=60)
                assert result["status"] == 8
                assert api.balance() == start
            api.close()
