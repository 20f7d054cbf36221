"""docs/deploy.md's one-machine block runs verbatim: migrate, routes, a worker node and an API
replica on Celery + PostgreSQL + S3 (a private redis-server, a fresh database, `weed mini`), a
text-to-video generation and its download without following redirects."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pixforge.media.probe import probe
from tests.support.scaleout import (
    S3_KEY,
    S3_SECRET,
    base_env,
    pg_database,
    redis_server,
    s3_server,
)
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.system


def deploy_block() -> str:
    text = (ROOT / "docs" / "deploy.md").read_text()
    block = re.search(r"<!-- deploy:start -->\n```bash\n(.*?)```\n<!-- deploy:end -->", text, re.S)
    assert block, "docs/deploy.md: the deploy block is missing"
    return block.group(1)


def test_the_deploy_commands_run(tmp_path: Path) -> None:
    block = deploy_block()
    with (
        redis_server(tmp_path / "redis") as broker,
        pg_database() as database_url,
        s3_server(tmp_path / "weed") as s3,
    ):
        work = tmp_path / "work"
        work.mkdir()
        env = base_env(
            DATABASE_URL=database_url,
            BROKER_URL=broker.url,
            S3_URL=s3.endpoint_url,
            S3_BUCKET=s3.bucket,
            S3_KEY=S3_KEY,
            S3_SECRET=S3_SECRET,
            PORT=str(free_port()),
            PIXFORGE_PREVIEW_DRAFT="true",
        )
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
        run = subprocess.run(
            ["bash", "-c", block], cwd=work, env=env, capture_output=True, text=True, timeout=300
        )
        logs = "".join(p.read_text() for p in work.glob("*.log"))
        assert run.returncode == 0, run.stdout + run.stderr + logs
    assert "pixforge.preview" in run.stdout
    assert "status=1" in run.stdout
    info = probe(work / "video.mp4")
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)
