"""Ctrl-C on `pixforge serve` with renders in flight: running work is handed back at once (no
attempt counted) and the server exits within seconds; a second Ctrl-C exits immediately. After
a restart the handed-back work finishes, charged once."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cases.generate import VALID_TEXT
from tests.support.server import Api, free_port
from tests.system.test_restart import DEV_KEY, serve

pytestmark = pytest.mark.system
# A long render (1080p, 8 s): it is certainly still running when the signal comes.
LONG = {**VALID_TEXT, "model": "v5", "quality": "1080p", "duration": 8}
EXIT_BOUND_S = 8.0


def leases(data_dir: Path, ids: list[int]) -> list[tuple[int, str | None, int]]:
    engine = create_engine(f"sqlite:///{data_dir / 'pixforge.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, status, lease_owner, attempts FROM generations ORDER BY id")
        ).all()
    engine.dispose()
    found = {int(r[0]): (int(r[1]), r[2], int(r[3])) for r in rows}
    return [found[i] for i in ids]


def start_long_renders(api: Api, data_dir: Path, count: int) -> list[int]:
    ids = [
        api.post("/openapi/v2/video/text/generate", LONG)["Resp"]["video_id"] for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = leases(data_dir, ids)
        if all(owner for _, owner, _ in states):
            return ids
        time.sleep(0.05)
    raise AssertionError(f"the renders did not start: {states}")


def stopped_within(process: subprocess.Popen[bytes], bound_s: float) -> float:
    started = time.monotonic()
    process.wait(timeout=bound_s + 30)
    return time.monotonic() - started


def test_ctrl_c_hands_running_work_back_and_it_finishes_after_restart(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    with serve(data_dir, port, PIXFORGE_WORKERS="2") as process:
        api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
        before = api.balance()
        ids = start_long_renders(api, data_dir, 2)
        api.close()
        process.send_signal(signal.SIGINT)
        took_s = stopped_within(process, EXIT_BOUND_S)
    assert took_s < EXIT_BOUND_S, f"exit took {took_s:.1f} s"
    print(f"exit after Ctrl-C with 2 renders in flight: {took_s:.2f} s")
    # Handed back: still 5, no lease, and the interrupted attempt is not counted.
    assert leases(data_dir, ids) == [(5, None, 0), (5, None, 0)]
    with serve(data_dir, port, PIXFORGE_WORKERS="2"):
        api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
        results = [api.wait(video_id, timeout_s=300) for video_id in ids]
        assert [r["status"] for r in results] == [1, 1]
        spent = before[0] - api.balance()[0]
        api.close()
    assert spent == 2 * 240, "charged once each (1080p 8 s = 240), nothing refunded"
    assert [attempts for _, _, attempts in leases(data_dir, ids)] == [1, 1]


def test_a_second_ctrl_c_exits_immediately(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    # A long grace: without the second Ctrl-C the first would wait for the renders' next step.
    with serve(data_dir, port, PIXFORGE_WORKERS="2", PIXFORGE_STOP_GRACE_S="60") as process:
        api = Api(f"http://127.0.0.1:{port}", DEV_KEY)
        ids = start_long_renders(api, data_dir, 2)
        api.close()
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        took_s = stopped_within(process, 2.0)
        assert process.returncode != 0
    assert took_s < 2.0, f"exit took {took_s:.1f} s after the second Ctrl-C"
    print(f"exit after a second Ctrl-C: {took_s:.2f} s")
    assert [owner for _, owner, _ in leases(data_dir, ids)] == [None, None]
