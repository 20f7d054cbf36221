"""API plans over HTTP: monthly credits, concurrency, models and features a plan includes
(500020), effect templates per billing period (500060), and the monthly renewal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pixforge.cli import app
from pixforge.domain.plans import add_month
from tests.support.media import image_bytes
from tests.support.server import Api, RunningServer, make_settings, running_server

PLANS = {
    "basic": {
        "monthly_credits": 1000,
        "concurrency": 1,
        "effects_per_period": 1,
        "models": ["v4.5", "v5", "v6"],
        "features": ["text", "image"],
    },
    "open": {"monthly_credits": 500, "concurrency": 3},
    "slow": {
        "monthly_credits": 10,
        "concurrency": 1,
        "rate_limit_per_s": 0.01,
        "rate_limit_burst": 2,
    },
}
TEXT = "/openapi/v2/video/text/generate"
IMG = "/openapi/v2/video/img/generate"
ZOOM, DOLLY = 302325299692608, 302325299692609
DAY = 86_400.0


def text(model: str = "v5") -> dict[str, Any]:
    body = {"prompt": "a boat", "model": model, "duration": 5, "quality": "540p"}
    return {**body, "aspect_ratio": "16:9"}


@pytest.fixture
def plans_file(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(PLANS))
    return path


def _server(tmp_path: Path, plans_file: Path, **overrides: Any) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path / "data", plans_file=plans_file, **overrides)
    with running_server(settings) as running:
        yield running


@pytest.fixture
def planned(tmp_path: Path, plans_file: Path) -> Iterator[RunningServer]:
    yield from _server(tmp_path, plans_file)


def on_plan(server: RunningServer, plan: str, now: float | None = None) -> tuple[int, Api]:
    account = server.create_account(monthly=0)
    server.state.accounts.set_plan(account.account_id, plan, now=now)
    return account.account_id, server.api(account)


def code(api: Api, path: str, body: dict[str, Any]) -> tuple[int, str]:
    answer = api.post(path, body)
    return int(answer["ErrCode"]), str(answer["ErrMsg"])


def test_plan_sets_the_balance_and_what_is_included(planned: RunningServer) -> None:
    _, api = on_plan(planned, "basic")
    assert api.balance() == (1000, 0)
    assert code(api, TEXT, text("v5"))[0] == 0
    err, message = code(api, TEXT, text("v4"))
    assert err == 500020 and "model" in message and "basic" in message
    extend = {**text(), "video_media_id": 1}
    err, message = code(api, "/openapi/v2/video/extend/generate", extend)
    assert err == 500020 and "extend" in message
    modify = {"video_media_id": 1, "prompt": "snow", "quality": "360p"}
    assert code(api, "/openapi/v2/video/modify/generate", modify)[0] == 500020
    # Validation comes first: a bad value is still 400017, not a permission error.
    assert code(api, TEXT, {**text("v4"), "duration": 7})[0] == 400017
    assert api.balance() == (1000 - 45, 0)


def test_effects_per_period_and_renewal(planned: RunningServer) -> None:
    started = time.time() - 40 * DAY
    account_id, api = on_plan(planned, "basic", now=started)
    planned.state.operator.activate_templates(account_id, [ZOOM, DOLLY])
    image = api.image_id(image_bytes(320, 240))
    effect = {"model": "v5", "duration": 5, "quality": "360p", "img_id": image}
    # The period that started 40 days ago has ended: the first request renews it.
    assert code(api, IMG, {**effect, "template_id": ZOOM})[0] == 0
    err, message = code(api, IMG, {**effect, "template_id": DOLLY})
    assert err == 500060 and "template_id" in message
    assert code(api, IMG, {**effect, "template_id": ZOOM})[0] == 0  # the same effect again
    assert api.balance() == (1000 - 90, 0)
    row = next(a for a in planned.state.accounts.list_accounts() if a.id == account_id)
    assert row.plan_period_start == add_month(started, time.gmtime(started).tm_mday)
    assert row.plan_renews_at is not None and row.plan_renews_at > time.time()


def test_balance_renews_monthly_credits(planned: RunningServer) -> None:
    account_id, api = on_plan(planned, "open", now=time.time() - 31 * DAY)
    planned.state.accounts.grant_credits(account_id, monthly=-400, package=7)
    assert api.balance() == (500, 7)  # renewed on read; package credits stay
    planned.state.accounts.grant_credits(account_id, monthly=-100)
    assert api.balance() == (400, 7)  # renewed once only


def test_plan_concurrency(tmp_path: Path, plans_file: Path) -> None:
    for server in _server(tmp_path, plans_file, workers=0):
        _, api = on_plan(server, "basic")
        assert code(api, TEXT, text())[0] == 0
        assert code(api, TEXT, text())[0] == 500044
        _, roomy = on_plan(server, "open")
        assert [code(roomy, TEXT, text())[0] for _ in range(4)] == [0, 0, 0, 500044]


def test_cli_sets_a_plan(tmp_path: Path, plans_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXFORGE_PLANS_FILE", str(plans_file))
    data = str(tmp_path / "cli")
    runner = CliRunner()
    created = runner.invoke(app, ["accounts", "create", "--data-dir", data, "--json"])
    assert created.exit_code == 0, created.output
    account_id = str(json.loads(created.output)["account_id"])
    answer = runner.invoke(
        app, ["accounts", "set", account_id, "--plan", "open", "--data-dir", data]
    )
    assert answer.exit_code == 0, answer.output
    assert "plan open" in answer.output and "500 monthly credits" in answer.output
    bad = runner.invoke(app, ["accounts", "set", account_id, "--plan", "gold", "--data-dir", data])
    assert bad.exit_code != 0 and "gold" in bad.output
    listed = runner.invoke(app, ["accounts", "plans", "--data-dir", data, "--json"])
    assert {row["plan"] for row in json.loads(listed.output)} == {"basic", "open", "slow"}


def test_plan_request_rate(planned: RunningServer) -> None:
    _, slow = on_plan(planned, "slow")
    codes = [int(slow.get("/openapi/v2/account/balance")["ErrCode"]) for _ in range(3)]
    assert codes == [0, 0, 500069]
    assert int(slow.get("/openapi/v2/video/result/1")["ErrCode"]) == 500069  # polls too
    _, other = on_plan(planned, "open")  # the server's rate: 40 at once
    assert {int(other.get("/openapi/v2/account/balance")["ErrCode"]) for _ in range(5)} == {0}
