"""`pixforge storage gc`: output blobs no stored file names (a render that crashed after
storing its video) are deleted once old enough; named ones, uploads and young blobs stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.scaleout import base_env
from tests.support.server import make_settings, running_server

pytestmark = pytest.mark.system


def gc(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixforge", "storage", "gc", "--data-dir", str(data_dir), *args],
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_gc_removes_only_old_orphans(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir, storage="local")
    with running_server(settings) as server:
        api = server.api(server.create_account())
        video_id = api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
        assert api.wait(video_id)["status"] == 1
    media = data_dir / "media"
    kept = sorted((media / "videos").rglob("*.mp4"))
    assert len(kept) == 1
    orphan = media / "videos" / "zz" / "orphan.mp4"
    young = media / "videos" / "zz" / "young.mp4"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a crashed render")
    young.write_bytes(b"being finished right now")
    day_ago = time.time() - 86_400 * 2
    for path in (orphan, kept[0]):
        os.utime(path, (day_ago, day_ago))
    listed = gc(data_dir, "--dry-run")
    assert listed.returncode == 0, listed.stderr
    assert "would delete videos/zz/orphan.mp4" in listed.stdout and orphan.exists()
    done = gc(data_dir)
    assert done.returncode == 0, done.stderr
    assert "1 orphaned blob(s) removed" in done.stdout
    assert not orphan.exists() and young.exists() and kept[0].exists()
