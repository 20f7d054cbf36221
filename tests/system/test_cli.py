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


SERVE = [sys.executable, "-m", "pixforge", "serve"]


def pixforge(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`pixforge ARGS` with only `env` as PIXFORGE_* settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")}
    return subprocess.run(
        [sys.executable, "-m", "pixforge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"PIXFORGE_PORT": "abc"},
            ["PIXFORGE_PORT='abc' is not valid: expected an integer from 0 to 65535"],
        ),
        (
            {"PIXFORGE_ENGINE": "bogus", "PIXFORGE_LOG_LEVEL": "loud"},
            [
                "PIXFORGE_ENGINE='bogus' is not valid: expected one of preview, diffusers",
                "PIXFORGE_LOG_LEVEL='loud' is not valid: expected one of DEBUG, INFO, WARNING, "
                "ERROR, CRITICAL",
            ],
        ),
        (
            {"PIXFORGE_DEV_API_KEY": "short"},
            [
                "PIXFORGE_DEV_API_KEY='short' is not valid: expected at least 16 characters "
                "(or empty for a generated key)"
            ],
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path: Path, env: dict[str, str], expected: list[str]
) -> None:
    for args in (["serve"], ["accounts", "list"]):
        run = pixforge(*args, "--data-dir", str(tmp_path / "data"), **env)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert sorted(run.stderr.splitlines()) == sorted(f"error: {line}" for line in expected)
        assert "listening" not in run.stdout


def test_a_bad_option_value_names_the_option(tmp_path: Path) -> None:
    run = pixforge("serve", "--port", "70000", "--data-dir", str(tmp_path / "data"))
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "error: --port=70000 is not valid: expected an integer from 0 to 65535"
    ]


def test_a_busy_port_is_one_line_and_nothing_claims_to_listen(tmp_path: Path) -> None:
    port = free_port()
    with serve(tmp_path / "first", port):
        run = pixforge("serve", "--port", str(port), "--data-dir", str(tmp_path / "second"))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: address already in use (another server "
        "on it? --port or PIXFORGE_PORT picks another)"
    ]
    assert "listening" not in run.stdout


def test_the_banner_comes_once_the_port_accepts_connections(tmp_path: Path) -> None:
    import socket

    port = free_port()
    process = subprocess.Popen(
        [*SERVE, "--port", str(port), "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")},
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "listening" in line:
                break
        assert f"pixforge listening on http://127.0.0.1:{port}" in line
        # Right when it is printed, a connection is accepted and answered.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        process.terminate()
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()


def _output(tmp_path: Path) -> str:
    return sorted(tmp_path.glob("server-*.log"), key=lambda p: p.stat().st_mtime)[-1].read_text()


def test_the_dev_key_is_taken_at_every_start(tmp_path: Path) -> None:
    """`make serve` first (a generated key), then the README's PIXFORGE_DEV_API_KEY: it works."""
    data_dir = tmp_path / "data"
    port = free_port()
    key = "pf-chosen-later-key-0123456789"
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=""):
        pass
    assert "API key (shown once) pf-" in _output(tmp_path)
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=key):
        api = Api(f"http://127.0.0.1:{port}", key)
        assert api.balance() == (1_000_000, 0)
        api.close()
    first = _output(tmp_path)
    assert "API key from PIXFORGE_DEV_API_KEY (pf-chosen-...): added" in first
    assert "created" not in first  # the same development account got the key
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=key):
        pass
    assert "API key from PIXFORGE_DEV_API_KEY (pf-chosen-...): already stored" in _output(tmp_path)
    accounts = json.loads(cli(data_dir, "accounts", "list", "--json").stdout)
    assert [a["name"] for a in accounts] == ["development"]
    # The generated key and the chosen one, stored once.
    prefixes = [k["prefix"] for k in json.loads(cli(data_dir, "keys", "list", "--json").stdout)]
    assert len(prefixes) == 2 and prefixes.count(key[:10]) == 1


def test_an_existing_database_without_a_development_account_gets_one(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert cli(data_dir, "accounts", "create", "--name", "acme").returncode == 0
    port = free_port()
    key = "pf-dev-on-old-db-0123456789"
    with serve(data_dir, port, PIXFORGE_DEV_API_KEY=key):
        api = Api(f"http://127.0.0.1:{port}", key)
        assert api.balance() == (1_000_000, 0)
        api.close()
    assert "created with 1000000 credits" in _output(tmp_path)
    accounts = json.loads(cli(data_dir, "accounts", "list", "--json").stdout)
    assert sorted(a["name"] for a in accounts) == ["acme", "development"]


def test_logs_are_lines_for_people_on_a_terminal_and_json_otherwise(tmp_path: Path) -> None:
    import pty
    import select
    import time

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")}
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [*SERVE, "--port", str(port), "--data-dir", str(tmp_path / "data"), "--workers", "0"],
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"pixforge.access: request" not in seen and time.monotonic() < deadline:
            if b"listening" in seen and b"GET /healthz" not in seen:
                import httpx

                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                seen += b"GET /healthz"  # only once
            ready, _, _ = select.select([primary], [], [], 0.5)
            if ready:
                seen += os.read(primary, 65536)
    finally:
        process.terminate()
        process.wait(timeout=60)
        os.close(primary)
    text = seen.decode(errors="replace")
    assert "pixforge.access: request method=GET path=/healthz status=200" in text, text
    assert '{"ts"' not in text

    # Piped (not a terminal): one JSON object per line, and no escape codes in any of them.
    with serve(tmp_path / "piped", port):
        pass
    lines = [line for line in _output(tmp_path).splitlines() if line.startswith("{")]
    assert any(json.loads(line)["logger"] == "uvicorn.error" for line in lines)
    assert all("\x1b" not in line and "\\u001b" not in line for line in lines)
