"""Fixtures of the API tests: a server with the sandbox admin API on, a sandbox account, and
pixforge's own pytest plugin (pixforge.testing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pixforge.testing import pixforge_sandbox, pixforge_server
from tests.support.sandbox import ADMIN_TOKEN
from tests.support.server import (
    Account,
    Api,
    RunningServer,
    make_settings,
    running_server,
    scrub_env,
)

__all__ = ["pixforge_sandbox", "pixforge_server"]


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = make_settings(
        tmp_path / "data",
        admin_token=ADMIN_TOKEN,
        sandbox_tick_s=0.05,
        webhook_poll_s=0.1,
        webhook_allow_networks=["127.0.0.0/8"],
    )
    with running_server(settings) as running:
        yield running


@pytest.fixture
def sandbox_account(sandbox_server: RunningServer) -> Account:
    return sandbox_server.create_account(monthly=1000, sandbox=True)


@pytest.fixture
def sapi(sandbox_server: RunningServer, sandbox_account: Account) -> Iterator[Api]:
    client = sandbox_server.api(sandbox_account)
    yield client
    client.close()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server for a whole module, for tests that look only at their own account (a new one
    each, from `account`) or at none: building the app for each test costs more than most of
    these tests. A module opts in by overriding `server` with it."""
    with pytest.MonkeyPatch.context() as env:
        scrub_env(env)
        settings = make_settings(tmp_path_factory.mktemp("module") / "data")
    with running_server(settings) as running:
        yield running
