"""The operator CLI against a real database file, and first-start behaviour of `serve`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import Api, free_port
from tests.system.test_restart import serve

pytestmark = pytest.mark.system


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pixforge", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")},
    )


def test_accounts_keys_and_credits(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = cli(data_dir, "accounts", "create", "--name", "acme", "--monthly", "100", "--json")
    assert made.returncode == 0, made.stderr
    account_id = json.loads(made.stdout)["account_id"]
    key = cli(data_dir, "keys", "create", str(account_id), "--json")
    assert key.returncode == 0, key.stderr
    created = json.loads(key.stdout)
    assert created["api_key"].startswith("pf-")
    granted = cli(data_dir, "credits", "grant", str(account_id), "--package", "50", "--json")
    assert json.loads(granted.stdout)["credit_package"] == 50
    too_much = cli(data_dir, "credits", "grant", str(account_id), "--monthly", "-101")
    assert too_much.returncode == 1 and "negative" in too_much.stderr
    listed = json.loads(cli(data_dir, "keys", "list", str(account_id), "--json").stdout)
    assert listed[0]["prefix"] == created["api_key"][:10]
    assert created["api_key"] not in cli(data_dir, "keys", "list").stdout
    missing = cli(data_dir, "keys", "create", "123")
    assert missing.returncode == 1 and "does not exist" in missing.stderr

    port = free_port()
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=""):
        api = Api(f"http://127.0.0.1:{port}", created["api_key"])
        assert api.balance() == (100, 50)
        assert cli(data_dir, "keys", "disable", str(created["key_id"])).returncode == 0
        assert api.get("/openapi/v2/account/balance")["ErrCode"] == 10003
        api.close()


def test_first_serve_creates_a_dev_account_and_prints_the_key_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    env = {"PIXFORGE_DEV_API_KEY": ""}
    with serve(data_dir, port, **env):
        pass
    logs = sorted(tmp_path.glob("server-*.log"))
    first_output = logs[-1].read_text()
    match = re.search(r"API key \(shown once\) (pf-\S+)", first_output)
    assert match, first_output
    with serve(data_dir, port, **env):
        api = Api(f"http://127.0.0.1:{port}", match.group(1))
        assert api.balance() == (1_000_000, 0)
        api.close()
    second_output = sorted(tmp_path.glob("server-*.log"))[-1].read_text()
    assert "shown once" not in second_output


def test_delete_sets_status_6_removes_the_file_and_refunds_unfinished(tmp_path: Path) -> None:
    from tests.cases.generate import VALID_TEXT

    data_dir = tmp_path / "data"
    port = free_port()
    key = "pf-delete-test-key-0123456789"
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=key):
        api = Api(f"http://127.0.0.1:{port}", key)
        done = api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
        url = api.wait(done)["url"]
        assert cli(data_dir, "videos", "delete", str(done)).returncode == 0
        result = api.get(f"/openapi/v2/video/result/{done}")["Resp"]
        assert result["status"] == 6 and result["url"] == ""
        assert api.http.get(url).status_code == 404
        assert api.balance() == (1_000_000 - 45, 0)
        again = cli(data_dir, "videos", "delete", str(done))
        assert again.returncode == 1 and "already deleted" in again.stderr
        api.close()
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=key, PIXFORGE_WORKERS="0"):
        api = Api(f"http://127.0.0.1:{port}", key)
        queued = api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
        assert api.balance() == (1_000_000 - 90, 0)
        deleted = cli(data_dir, "videos", "delete", str(queued))
        assert "refunded" in deleted.stdout
        assert api.get(f"/openapi/v2/video/result/{queued}")["Resp"]["status"] == 6
        assert api.balance() == (1_000_000 - 45, 0)
        api.close()


def test_template_activation(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = cli(data_dir, "accounts", "create", "--json")
    account_id = str(json.loads(made.stdout)["account_id"])
    done = cli(data_dir, "templates", "activate", account_id, "302325299692608", "315446315336770")
    assert done.returncode == 0, done.stderr
    assert "activated 2 new of 2" in done.stdout
    again = cli(data_dir, "templates", "activate", account_id, "302325299692608")
    assert "activated 0 new of 1" in again.stdout
    listed = json.loads(cli(data_dir, "templates", "list", account_id, "--json").stdout)
    active = {row["template_id"] for row in listed if row["active"]}
    assert active == {302325299692608, 315446315336770}
    unknown = cli(data_dir, "templates", "activate", account_id, "42")
    assert unknown.returncode == 1 and "400017" in unknown.stderr
    off = cli(data_dir, "templates", "deactivate", account_id, "315446315336770")
    assert off.returncode == 0
    listed = json.loads(cli(data_dir, "templates", "list", account_id, "--json").stdout)
    assert {row["template_id"] for row in listed if row["active"]} == {302325299692608}
