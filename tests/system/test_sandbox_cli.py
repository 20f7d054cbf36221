"""The sandbox from the command line, against pixforge started by the pytest plugin:
`accounts create --sandbox`, `pixforge sandbox push/show/timing/advance/clear`, `pixforge
journal` (and --har), `pixforge list`, `pixforge cancel`, and Ctrl-C in `pixforge generate`
cancelling the generation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pixforge.testing import PixforgeSandbox, PixforgeServer, pixforge_sandbox, pixforge_server
from tests.support.server import interruptible
from tests.system.test_cli import cli
from tests.system.test_client_cli import pixforge

__all__ = ["pixforge_sandbox", "pixforge_server"]
pytestmark = pytest.mark.system


def test_accounts_create_sandbox(tmp_path: Path) -> None:
    made = cli(tmp_path / "data", "accounts", "create", "--sandbox", "--with-key", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["sandbox"] is True
    plain = cli(tmp_path / "data", "accounts", "create", "--json")
    assert json.loads(plain.stdout)["sandbox"] is False
    listed = json.loads(cli(tmp_path / "data", "accounts", "list", "--json").stdout)
    assert [a["sandbox"] for a in listed] == [True, False]


def test_scripted_scenario_from_the_cli(
    pixforge_server: PixforgeServer, pixforge_sandbox: PixforgeSandbox, tmp_path: Path
) -> None:
    box = pixforge_sandbox
    admin = {"PIXFORGE_ADMIN_TOKEN": pixforge_server.admin_token}
    where = ["--base-url", box.base_url]
    account = ["--account", str(box.account_id)]
    key = ["--api-key", box.api_key]
    pushed = pixforge("sandbox", "push", "err-500044", *account, "--times", "2", *where, **admin)
    assert pushed.returncode == 0 and "err-500044 at=submit (2 submit)" in pushed.stdout
    refused = pixforge("sandbox", "push", "explode", *account, *where, **admin)
    assert refused.returncode == 1 and "unknown sandbox action" in refused.stderr
    no_token = pixforge("sandbox", "show", *account, *where)
    assert no_token.returncode == 2 and "PIXFORGE_ADMIN_TOKEN" in no_token.stderr
    shown = pixforge("sandbox", "show", *account, *where, **admin)
    assert "step" in shown.stdout and "err-500044" in shown.stdout
    text = ["generate", "text", "a fox", "--quality", "360p", "--model", "v4.5", *key, *where]
    for _ in range(2):
        busy = pixforge(*text)
        assert busy.returncode == 1 and "error 500044" in busy.stderr
    assert pixforge(*text, "--json").returncode == 0
    timed = pixforge("sandbox", "timing", "fixed", "--seconds", "600", *account, *where, **admin)
    assert timed.returncode == 0
    queued = json.loads(pixforge(*text, "--no-wait", "--json").stdout)["video_id"]
    assert pixforge("sandbox", "advance", "600", *account, *where, **admin).returncode == 0
    done = pixforge("status", str(queued), "--wait", *key, *where)
    assert done.returncode == 0, done.stderr
    journal = pixforge("journal", *account, *where, **admin)
    assert journal.stdout.count("err_code 500044") == 2, journal.stdout
    errors = json.loads(
        pixforge("journal", *account, "--err-code", "500044", "--json", *where, **admin).stdout
    )
    assert len(errors) == 2 and all(e["request"]["headers"] for e in errors)
    har = tmp_path / "journal.har"
    assert pixforge("journal", *account, "--har", str(har), *where, **admin).returncode == 0
    assert json.loads(har.read_text())["log"]["version"] == "1.2"
    listed = pixforge("list", *key, *where)
    assert listed.returncode == 0 and "2 generation(s)" in listed.stdout
    assert pixforge("sandbox", "clear", *account, *where, **admin).returncode == 0
    saved = tmp_path / "state.tar.gz"
    assert pixforge("sandbox", "snapshot", str(saved), *where, **admin).returncode == 0
    assert pixforge("sandbox", "reset", *account, *where, **admin).returncode == 0
    assert "0 generation(s)" in pixforge("list", *key, *where).stdout
    restored = pixforge("sandbox", "restore", str(saved), *where, **admin)
    assert restored.returncode == 0, restored.stderr
    assert "2 generation(s)" in pixforge("list", *key, *where).stdout


def test_list_and_cancel(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    key_and_url = ["--api-key", box.api_key, "--base-url", box.base_url]
    made = pixforge(
        "generate",
        "text",
        "[pixforge:stuck]",
        "--model",
        "v4.5",
        "--no-wait",
        "--json",
        *key_and_url,
    )
    video_id = json.loads(made.stdout)["video_id"]
    listed = json.loads(pixforge("list", "--status", "5", "--json", *key_and_url).stdout)
    assert [v["id"] for v in listed["items"]] == [video_id]
    cancelled = pixforge("cancel", str(video_id), *key_and_url)
    assert cancelled.returncode == 0 and f"video {video_id} cancelled" in cancelled.stdout
    again = pixforge("cancel", str(video_id), *key_and_url)
    assert again.returncode == 1 and "already ended" in again.stderr


def test_ctrl_c_in_generate_cancels(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIXVERSE_", "PIXFORGE_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pixforge",
            "generate",
            "text",
            "a fox [pixforge:stuck]",
            "--model",
            "v4.5",
            "--cancel-on-interrupt",
            "--api-key",
            box.api_key,
            "--base-url",
            box.base_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 60
    while not [e for e in box.sandbox.journal() if e.method == "GET"]:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)  # the generation exists and the CLI is polling it
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "cancelled (refunded)" in err and "Traceback" not in err
    submits = [e for e in box.sandbox.journal() if e.path.endswith("/text/generate")]
    video_id = json.loads(submits[0].response["body"])["Resp"]["video_id"]
    cancels = [e for e in box.sandbox.journal() if e.path.endswith("/cancel")]
    assert cancels and cancels[0].path == f"/pixforge/v1/videos/{video_id}/cancel"
