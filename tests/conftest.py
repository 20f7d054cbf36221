"""Shared fixtures: a clean environment, a real server on a loopback port, accounts, clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import (
    Account,
    Api,
    RunningServer,
    make_settings,
    running_server,
    scrub_env,
)


@pytest.fixture(autouse=True)
def _scrub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    scrub_env(monkeypatch)


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """The app in-process; tests marked `render` get real pictures, the others drafts; tests
    marked `socket` get it on a real loopback socket (uvicorn)."""
    render = request.node.get_closest_marker("render") is not None
    socket = request.node.get_closest_marker("socket") is not None
    settings = make_settings(tmp_path / "data", render=render)
    with running_server(settings, socket=socket) as running:
        yield running


@pytest.fixture
def account(server: RunningServer) -> Account:
    return server.create_account()


@pytest.fixture
def api(server: RunningServer, account: Account) -> Iterator[Api]:
    client = server.api(account)
    yield client
    client.close()
