"""pytest plugin: pixforge in-process on a free port, and a fresh sandbox account per test.

    def test_my_client_retries(pixforge_sandbox):
        pixforge_sandbox.sandbox.push("err-500069 retry-after=1s")
        client = MyPixverseClient(base_url=pixforge_sandbox.base_url,
                                  api_key=pixforge_sandbox.api_key)
        ...
        assert [e.err_code for e in pixforge_sandbox.sandbox.journal()] == [500069, 0]

`pixforge_server` (one per test session) is the running server: its base URL and admin
token. `pixforge_sandbox` (one per test) is a new sandbox account on it: `base_url`,
`api_key`, `account_id` and `sandbox`, a `pixforge.sdk.Sandbox` to script outcomes, set
timing, advance the clock and read the journal. Any PixVerse client works against it.

Installed pixforge registers this plugin (entry point `pytest11`); elsewhere, add
``pytest_plugins = ["pixforge.testing"]`` to a conftest.py. Importing it loads no server
code: the server is built when a test first asks for it.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pixforge.sdk._sandbox import Sandbox, SandboxAdmin


@dataclass
class PixforgeServer:
    """A pixforge running in this process (uvicorn on a thread)."""

    base_url: str
    admin_token: str
    admin: SandboxAdmin


@dataclass
class PixforgeSandbox:
    """A fresh sandbox account on the test server."""

    base_url: str
    api_key: str
    account_id: int
    sandbox: Sandbox


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, **settings: Any) -> tuple[PixforgeServer, Any]:
    """Start pixforge on a free loopback port; returns the server and a stop function. Fast
    defaults for tests: draft pictures, blobs in memory, one worker thread."""
    import uvicorn

    from pixforge.app import create_app
    from pixforge.config import Settings

    token = secrets.token_urlsafe(24)
    port = _free_port()
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "host": "127.0.0.1",
        "port": port,
        "workers": 1,
        "worker_poll_s": 0.1,
        "storage": "memory",
        "preview_draft": True,
        "rate_limit_per_s": 1000.0,
        "rate_limit_burst": 1000,
        "admin_token": token,
        "sandbox_tick_s": 0.05,
        "log_level": "WARNING",
        "stop_grace_s": 1.0,
    }
    values.update(settings)
    config = Settings(**values)
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, name="pixforge-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("pixforge did not start")
        time.sleep(0.02)
    base_url = f"http://127.0.0.1:{port}"
    admin = SandboxAdmin(base_url, token)

    def stop() -> None:
        admin.close()
        server.should_exit = True
        thread.join(timeout=30)

    return PixforgeServer(base_url, token, admin), stop


@pytest.fixture(scope="session")
def pixforge_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PixforgeServer]:
    """pixforge running in this process for the whole test session."""
    server, stop = start_server(tmp_path_factory.mktemp("pixforge"))
    try:
        yield server
    finally:
        stop()


@pytest.fixture
def pixforge_sandbox(pixforge_server: PixforgeServer) -> PixforgeSandbox:
    """A new sandbox account (100 000 credits) with its API key, for one test."""
    account = pixforge_server.admin.create_account()
    return PixforgeSandbox(
        pixforge_server.base_url,
        account.api_key,
        account.account_id,
        pixforge_server.admin.sandbox(account.account_id),
    )
