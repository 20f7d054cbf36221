"""The README's curl walkthrough runs verbatim against a real server and yields a real MP4."""

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


def test_walkthrough(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(
        r"<!-- walkthrough:start -->\n```bash\n(.*?)```\n<!-- walkthrough:end -->", readme, re.S
    )
    assert block, "README walkthrough block not found"
    key = re.search(r"export PIXFORGE_DEV_API_KEY=(\S+)", readme)
    assert key
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    port = free_port()
    with serve(tmp_path / "data", port, PIXFORGE_DEV_API_KEY=key.group(1)):
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.group(1)],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin:/usr/local/bin", "BASE": f"http://127.0.0.1:{port}"},
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"credit_monthly":1000000' in run.stdout
    assert "status=1" in run.stdout
    info = probe(tmp_path / "video.mp4")
    assert info.video is not None
    assert (info.video.width, info.video.height) == (720, 540)
    assert info.video.frame_count == 120
