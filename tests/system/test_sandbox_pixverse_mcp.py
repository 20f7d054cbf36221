"""PixVerse's own MCP package (`pixverse-mcp` 0.2.2 from PyPI, with `mcp<2`) against pixforge
started by the pytest plugin: scripted outcomes reach an unchanged PixVerse client.

pixverse-mcp needs `mcp<2` (pixforge pins mcp 2.x) and declares Python >= 3.12, so it lives in
its own virtual environment, made on first use with --ignore-requires-python (it runs on 3.11).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from pixforge.testing import PixforgeSandbox, pixforge_sandbox, pixforge_server

__all__ = ["pixforge_sandbox", "pixforge_server"]
pytestmark = pytest.mark.system

REQUIREMENTS = ("pixverse-mcp==0.2.2", "mcp<2")
VENV = Path(tempfile.gettempdir()) / "pixforge-pixverse-mcp-venv"


def pixverse_mcp_python() -> Path:
    """The interpreter of a venv holding pixverse-mcp (made once, then reused)."""
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", "import pixverse_mcp"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--ignore-requires-python", *REQUIREMENTS],
        check=True,
        timeout=600,
    )
    return python


def test_pixverse_mcp_meets_scripted_outcomes(pixforge_sandbox: PixforgeSandbox) -> None:
    box = pixforge_sandbox
    params = StdioServerParameters(
        command=str(pixverse_mcp_python()),
        args=["-m", "pixverse_mcp"],
        env={
            "PATH": os.environ.get("PATH", ""),
            "PIXVERSE_API_KEY": box.api_key,
            "PIXVERSE_BASE_URL": box.base_url,
        },
    )
    text = {"prompt": "a fox in the snow", "model": "v4.5", "quality": "360p", "duration": 5}

    async def call(session: ClientSession, tool: str, arguments: dict[str, Any]) -> Any:
        result = await session.call_tool(tool, arguments)
        raw = result.content[0].text  # type: ignore[union-attr]
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            box.sandbox.push("err-500044", mode="text")
            seen["busy"] = await call(session, "text_to_video", text)
            box.sandbox.push("fail-8 after=2polls")
            failing = await call(session, "text_to_video", text)
            seen["failing"] = [
                await call(session, "get_video_status", {"video_id": failing["video_id"]})
                for _ in range(2)
            ]
            made = await call(session, "text_to_video", text)
            seen["done"] = await call(session, "get_video_status", {"video_id": made["video_id"]})
        return seen

    seen = anyio.run(scenario)
    # pixverse-mcp retries a 500044 by itself: the forced answer meets its retry code.
    assert seen["busy"]["success"] is True
    assert [s["status"] for s in seen["failing"]] == ["pending", "failed"]
    assert seen["done"]["status"] == "completed" and seen["done"]["video_url"]
    codes = [(e.method, e.err_code) for e in box.sandbox.journal()]
    assert codes[:2] == [("POST", 500044), ("POST", 0)] and ("GET", 0) in codes
    user_agents = {dict(e.request["headers"]).get("user-agent", "") for e in box.sandbox.journal()}
    assert all("pixforge" not in agent for agent in user_agents)
