"""A pixforge server subprocess shared by the client-side tests (SDK, CLI, MCP) of a module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import free_port
from tests.system.test_restart import serve

DEV_KEY = "pf-client-tests-key-0123456789"


@dataclass
class LiveServer:
    base_url: str
    api_key: str
    data_dir: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIXFORGE_", "PIXVERSE_"))}
        return subprocess.run(
            [sys.executable, "-m", "pixforge", *args],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )

    def new_account(self, monthly: int = 10_000, concurrency: int | None = None) -> str:
        args = [
            "accounts",
            "create",
            "--monthly",
            str(monthly),
            "--with-key",
            "--json",
            "--data-dir",
            str(self.data_dir),
        ]
        if concurrency is not None:
            args += ["--concurrency", str(concurrency)]
        made = self.cli(*args)
        assert made.returncode == 0, made.stderr
        return str(json.loads(made.stdout)["api_key"])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live") / "data"
    port = free_port()
    with serve(
        data_dir,
        port,
        PIXFORGE_DEV_API_KEY=DEV_KEY,
        PIXFORGE_WORKERS="2",
        PIXFORGE_FETCH_ALLOW_NETWORKS="127.0.0.0/8",
    ):
        yield LiveServer(f"http://127.0.0.1:{port}", DEV_KEY, data_dir)
