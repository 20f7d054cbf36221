"""A full disk is a clear, documented answer, never a hang: a submit that cannot be stored is
refused (500100, HTTP 503, "storage is full", nothing charged), and a render that runs out of
space fails at once with that reason, refunded — not after minutes as a "stopped worker".

The data directory is a small tmpfs mounted for the test (needs root; skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.server import make_settings, running_server

pytestmark = pytest.mark.system


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs in CI: {mounted.stderr.decode()}")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Write a ballast file until only about `leave_bytes` are free."""
    ballast = disk / "ballast"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with ballast.open("ab") as handle:
        handle.write(b"\0" * max(0, free - leave_bytes))
    return ballast


def test_a_render_that_runs_out_of_space_fails_at_once_refunded(small_disk: Path) -> None:
    settings = make_settings(small_disk / "data", render=True, workers=1, storage="local")
    with running_server(settings) as server:
        api = server.api(server.create_account(monthly=1000))
        fill(small_disk, leave_bytes=600_000)
        body = {**VALID_TEXT, "model": "v5", "quality": "1080p", "duration": 8}
        answer = api.post("/openapi/v2/video/text/generate", body)
        assert answer["ErrCode"] == 0, answer
        started = time.monotonic()
        result = api.wait(answer["Resp"]["video_id"], timeout_s=60)
        assert result["status"] == 8
        assert time.monotonic() - started < 30, "failed promptly, not after the lease ran out"
        assert api.balance() == (1000, 0), "refunded"
        with server.state.db.read() as conn:
            row = conn.exec_driver_sql(
                "SELECT error, attempts FROM generations WHERE id = ?",
                (answer["Resp"]["video_id"],),
            ).one()
        assert "disk is full" in row[0] and row[1] == 1
        api.close()


def test_a_submit_that_cannot_be_stored_is_refused_clearly(small_disk: Path) -> None:
    settings = make_settings(small_disk / "data", workers=0, storage="local")
    with running_server(settings) as server:
        api = server.api(server.create_account(monthly=1000))
        ballast = fill(small_disk, leave_bytes=0)
        response = api.http.post(
            "/openapi/v2/video/text/generate", json=VALID_TEXT, headers=api.headers()
        )
        body = response.json()
        assert response.status_code == 503
        assert body["ErrCode"] == 500100 and "storage is full" in body["ErrMsg"]
        ballast.unlink()
        assert api.balance() == (1000, 0), "nothing was charged"
        retried = api.post("/openapi/v2/video/text/generate", VALID_TEXT)
        assert retried["ErrCode"] == 0, "the same request succeeds once there is room"
        api.close()
