"""The `pixforge` command starts light: help and version without the server, SDK or MCP stacks,
and the lists it prints (MCP tools, engines, the hosted URL) are the ones the code uses."""

from __future__ import annotations

import os
import subprocess
import sys
import typing

import anyio

from pixforge import __version__, cli_client
from pixforge.config import EngineName, Settings, explain_settings_error
from pixforge.engines.registry import ENGINES
from pixforge.mcp.tools import TOOLS
from pixforge.sdk import DEFAULT_BASE_URL

# What `pixforge --help` must not pay for: the server, database, media, SDK and MCP stacks.
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "av",
    "numpy",
    "cv2",
    "PIL",
    "torch",
    "httpx",
    "pydantic",
    "pydantic_settings",
    "mcp",
    "rich.progress",
    "pixforge.sdk",
    "pixforge.containers",
    "pixforge.app",
)


def _run_cli(*args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the CLI with `args` in a fresh interpreter; also return the heavy modules it loaded."""
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['pixforge', *{list(args)!r}]\n"
        "try:\n"
        "    runpy.run_module('pixforge', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = sorted(h for h in heavy if h in sys.modules)\n"
        "print('LOADED', ','.join(loaded), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIXFORGE_", "PIXVERSE_"))}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    marker = [line for line in run.stderr.splitlines() if line.startswith("LOADED")]
    assert marker, run.stderr
    loaded = [name for name in marker[-1].removeprefix("LOADED").strip().split(",") if name]
    return run, loaded


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = f"import sys, pixforge.cli; print(sorted(h for h in {HEAVY!r} if h in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_answers_without_heavy_modules() -> None:
    run, loaded = _run_cli("--help")
    assert "Usage" in run.stdout and loaded == [], (run.stderr, loaded)
    for args in (["-h"], ["generate", "text", "--help"], ["serve", "-h"]):
        run, loaded = _run_cli(*args)
        assert "Usage" in run.stdout, (args, run.stdout, run.stderr)
        # typer itself imports pydantic to render a subcommand's options (typer._adapters).
        assert [name for name in loaded if name != "pydantic"] == [], (args, loaded)


def test_version() -> None:
    run, loaded = _run_cli("--version")
    assert run.stdout.strip() == f"pixforge {__version__}"
    assert loaded == []


def test_mcp_help_lists_the_servers_tools_without_loading_mcp() -> None:
    run, loaded = _run_cli("mcp", "--help")
    assert "mcp" not in loaded and "pixforge.sdk" not in loaded, loaded
    for name in TOOLS:
        assert f"{name}:" in run.stdout, name
    # durations[i] must not be eaten as Rich markup
    assert "durations[i]" in run.stdout


def test_the_mcp_server_registers_exactly_the_listed_tools() -> None:
    from pixforge.mcp.server import build_server

    server = build_server("http://127.0.0.1:9", "k" * 20)
    tools = anyio.run(server.list_tools)
    assert {tool.name: tool.description for tool in tools} == TOOLS


def test_lists_shown_to_users_match_the_code() -> None:
    assert set(typing.get_args(EngineName)) == set(ENGINES)
    assert cli_client.HOSTED_BASE_URL == DEFAULT_BASE_URL
    assert cli_client.LOCAL_BASE_URL == "http://127.0.0.1:8000"


def test_settings_errors_name_the_variable_the_value_and_what_is_allowed() -> None:
    from pydantic import ValidationError

    environ = {"PIXFORGE_PORT": "abc", "PIXFORGE_ENGINE": "bogus", "PIXFORGE_WORKERS": "-2"}
    saved = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)
    try:
        Settings(encoder_crf=99)
    except ValidationError as error:
        lines = explain_settings_error(error, {"encoder_crf": "--crf"})
    else:
        raise AssertionError("Settings accepted bad values")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert sorted(lines) == sorted(
        [
            "PIXFORGE_PORT='abc' is not valid: expected an integer from 0 to 65535",
            "PIXFORGE_ENGINE='bogus' is not valid: expected one of preview, diffusers",
            "PIXFORGE_WORKERS='-2' is not valid: expected an integer >= 0",
            "--crf=99 is not valid: expected an integer from 0 to 51",
        ]
    )
