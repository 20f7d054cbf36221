"""Test helpers: a pixforge server (in-process by default, or on a loopback socket) and a small
PixVerse-speaking client.

The in-process server is the real app — middleware, routes, services, the SQLite file, the
workers and the preview engine — driven through Starlette's TestClient (an httpx transport that
calls the ASGI app directly), so a test pays no socket or uvicorn start-up. `socket=True` starts
uvicorn on a free port for the few tests that need real sockets.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from pixforge.app import create_app
from pixforge.config import Settings
from pixforge.containers.api import ApiContainer
from pixforge.containers.server import build_server
from pixforge.store.db import Database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def interruptible() -> None:
    """preexec_fn for a child a test stops with SIGINT (a user's Ctrl-C): the child starts with
    SIGINT at its default, as a shell starts a foreground command. A suite started in the
    background (`make test &`) inherits SIGINT ignored, and a Python child that inherits it
    ignored never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def scrub_env(patch: pytest.MonkeyPatch) -> None:
    """Unset every PIXFORGE_* and PIXVERSE_* variable, so settings are the test's own."""
    for name in [n for n in os.environ if n.startswith(("PIXFORGE_", "PIXVERSE_"))]:
        patch.delenv(name)


def make_settings(data_dir: Path, *, render: bool = False, **overrides: Any) -> Settings:
    """Test settings. By default the fast profile: draft previews (flat frames, same sizes,
    lengths and sound) rendered inline in the submitting request; `render=True` draws real
    pictures on embedded worker threads, as `pixforge serve` does."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "host": "127.0.0.1",
        "port": free_port(),
        "workers": 2,
        "log_json": True,
        "worker_poll_s": 0.2,
        "rate_limit_per_s": 1000.0,
        "rate_limit_burst": 1000,
        # Blobs in memory; tests that restart a server on the same data pass storage="local".
        "storage": "memory",
        "stop_grace_s": 2.0,
        "preview_draft": not render,
        "dispatcher": "embedded" if render else "inline",
    }
    values.update(overrides)
    if values["workers"] == 0:
        values["dispatcher"] = "embedded"  # no workers: generations stay queued
    return Settings(**values)


@dataclass
class Account:
    account_id: int
    key_id: int
    api_key: str


class Api:
    """A thin PixVerse client for tests: adds API-KEY and a fresh Ai-trace-id to every call."""

    def __init__(
        self, base_url: str, api_key: str | None, http: httpx.Client | None = None
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        # A shared in-process client is the server's; only a client of our own is closed here.
        self._owns_http = http is None
        self.http = http if http is not None else httpx.Client(base_url=base_url, timeout=60)

    def headers(self, trace_id: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"Ai-trace-id": trace_id or str(uuid.uuid4())}
        if self.api_key is not None:
            headers["API-KEY"] = self.api_key
        headers.update(extra)
        return headers

    def post(self, path: str, json: Any = None, trace_id: str | None = None) -> dict[str, Any]:
        response = self.http.post(path, json=json, headers=self.headers(trace_id))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def get(self, path: str, trace_id: str | None = None) -> dict[str, Any]:
        response = self.http.get(path, headers=self.headers(trace_id))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def upload_image(
        self, data: bytes, name: str = "image.png", trace_id: str | None = None
    ) -> dict[str, Any]:
        response = self.http.post(
            "/openapi/v2/image/upload",
            files={"image": (name, data, "application/octet-stream")},
            headers=self.headers(trace_id),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def image_id(self, data: bytes) -> int:
        body = self.upload_image(data)
        assert body["ErrCode"] == 0, body
        return int(body["Resp"]["img_id"])

    def media_id(self, path: Path) -> int:
        response = self.http.post(
            "/openapi/v2/media/upload",
            files={"file": (path.name, path.read_bytes())},
            headers=self.headers(),
        )
        body = response.json()
        assert body["ErrCode"] == 0, body
        return int(body["Resp"]["media_id"])

    def download(self, url: str, path: Path) -> Path:
        response = self.http.get(url)
        assert response.status_code == 200, response.text
        path.write_bytes(response.content)
        return path

    def balance(self) -> tuple[int, int]:
        resp = self.get("/openapi/v2/account/balance")["Resp"]
        return int(resp["credit_monthly"]), int(resp["credit_package"])

    def wait(self, video_id: int, timeout_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            body = self.get(f"/openapi/v2/video/result/{video_id}")
            assert body["ErrCode"] == 0, body
            if body["Resp"]["status"] != 5:
                return dict(body["Resp"])
            time.sleep(0.1)
        raise TimeoutError(f"video {video_id} still generating after {timeout_s} s")

    def close(self) -> None:
        if self._owns_http:
            self.http.close()


class RunningServer:
    def __init__(
        self, settings: Settings, state: ApiContainer, http: httpx.Client | None = None
    ) -> None:
        self.settings = settings
        self.state = state
        self.base_url = f"http://127.0.0.1:{settings.port}"
        # The in-process client (None when the server listens on a real socket).
        self.http = http

    def create_account(
        self,
        monthly: int = 100_000,
        package: int = 0,
        concurrency: int | None = None,
        *,
        sandbox: bool = False,
    ) -> Account:
        row = self.state.accounts.create_account(
            "test", monthly, package, concurrency, sandbox=sandbox
        )
        key_row, key = self.state.accounts.create_api_key(row.id, "test")
        return Account(row.id, key_row.id, key)

    def api(self, account: Account | None) -> Api:
        return Api(self.base_url, account.api_key if account else None, self.http)


_MIGRATED: list[Path] = []


def _fresh_database(settings: Settings) -> None:
    """A new SQLite file starts as a copy of one migrated once per test session (the server's
    own migrate then finds it at head): saves a migration per test."""
    if settings.database_url is not None:
        return
    target = settings.data_dir / "pixforge.db"
    if target.exists():
        return
    if not _MIGRATED:
        folder = Path(tempfile.mkdtemp(prefix="pixforge-schema-"))
        database = Database(f"sqlite:///{folder / 'pixforge.db'}")
        database.migrate()
        database.dispose()
        _MIGRATED.append(folder / "pixforge.db")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_MIGRATED[0], target)


@contextmanager
def running_server(settings: Settings, *, socket: bool = False) -> Iterator[RunningServer]:
    """The app with its lifespan (workers started, stopped at the end)."""
    _fresh_database(settings)
    state = build_server(settings)
    app = create_app(settings, state)
    if not socket:
        base_url = f"http://127.0.0.1:{settings.port}"
        with TestClient(app, base_url=base_url, raise_server_exceptions=False) as client:
            client.timeout = 60
            yield RunningServer(settings, state, client)
        return
    config = uvicorn.Config(
        app, host="127.0.0.1", port=settings.port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield RunningServer(settings, state)
    finally:
        server.should_exit = True
        thread.join(timeout=60)
