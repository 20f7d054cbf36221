"""The README's curl walkthrough runs verbatim against a real server and yields a real MP4 — also
on a database from an earlier `make serve` — and stops at its first error with one line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pixforge.media.probe import probe
from tests.support.server import free_port
from tests.system.test_restart import serve

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.system


def _readme() -> tuple[str, str]:
    """The walkthrough block and the key the README exports before `make serve`."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(
        r"<!-- walkthrough:start -->\n```bash\n(.*?)```\n<!-- walkthrough:end -->", readme, re.S
    )
    assert block, "README walkthrough block not found"
    key = re.search(r"export PIXFORGE_DEV_API_KEY=(\S+)", readme)
    assert key
    return block.group(1), key.group(1)


def _walk(block: str, cwd: Path, port: int, **env: str) -> subprocess.CompletedProcess[str]:
    # Plain bash, as when pasted: the block itself must stop at the first error.
    return subprocess.run(
        ["bash", "-c", block],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "BASE": f"http://127.0.0.1:{port}", **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_walkthrough_after_an_earlier_make_serve(tmp_path: Path) -> None:
    block, key = _readme()
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    port = free_port()
    # The newcomer ran `make serve` before reading on: a database with a generated key.
    with serve(tmp_path / "data", port, PIXFORGE_DEV_API_KEY=""):
        pass
    # Then the README's order: export the key, `make serve`, run the block.
    with serve(tmp_path / "data", port, PIXFORGE_DEV_API_KEY=key):
        run = _walk(block, tmp_path, port)
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"credit_monthly": 1000000' in run.stdout
    assert "status=1" in run.stdout
    info = probe(tmp_path / "video.mp4")
    assert info.video is not None
    assert (info.video.width, info.video.height) == (720, 540)
    assert info.video.frame_count == 120


def test_walkthrough_stops_at_the_first_error_with_one_line(tmp_path: Path) -> None:
    block, _ = _readme()
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    port = free_port()
    with serve(tmp_path / "data", port, PIXFORGE_DEV_API_KEY=""):
        run = _walk(block, tmp_path, port, KEY="pf-not-a-key-of-this-server-000")
    assert run.returncode != 0
    assert run.stderr.strip() == "error 10002: API-KEY is invalid", run.stderr
    assert run.stdout == ""  # nothing after step 1 ran
    assert not (tmp_path / "video.mp4").exists()


def test_walkthrough_stops_when_the_server_is_not_there(tmp_path: Path) -> None:
    block, _ = _readme()
    run = _walk(block, tmp_path, free_port())
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and "curl: (7)" in run.stderr, run.stderr
