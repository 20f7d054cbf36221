"""The MCP server through the official MCP client: every tool over stdio, and streamable HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from pixforge.domain import rules
from pixforge.mcp import server as mcp_server
from tests.support.server import free_port
from tests.system.conftest import LiveServer

pytestmark = pytest.mark.system
ROOT = Path(__file__).resolve().parents[2]
DAY = str(ROOT / "docs" / "examples" / "landscape.jpg")
NIGHT = str(ROOT / "docs" / "examples" / "landscape-night.jpg")
CLIP = str(ROOT / "docs" / "examples" / "clip.mp4")
PERSON = str(ROOT / "docs" / "examples" / "person.png")


def test_schema_enums_match_the_validation_tables() -> None:
    assert mcp_server.Model.__args__ == tuple(rules.MODELS)
    assert mcp_server.Quality.__args__ == tuple(rules.QUALITY_SHORT_SIDE_PX)
    assert mcp_server.AspectRatio.__args__ == rules.WIDE_ASPECT_RATIOS
    assert mcp_server.Style.__args__ == rules.STYLES
    assert mcp_server.CameraMovement.__args__ == rules.CAMERA_MOVEMENTS


async def _exercise(session: ClientSession) -> dict[str, Any]:
    await session.initialize()
    tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == {
        "text_to_video",
        "image_to_video",
        "transition",
        "video_status",
        "balance",
        "upload_media",
        "extend_video",
        "lip_sync_video",
        "sound_effect_video",
        "fusion_video",
        "restyle_video",
        "multi_transition_video",
        "select_masks",
        "swap_video",
        "get_tts_speakers",
        "list_restyles",
        "mimic_video",
        "modify_video",
        "image_template",
    }
    schema = tools["text_to_video"].input_schema["properties"]
    assert schema["quality"]["enum"] == ["360p", "540p", "720p", "1080p"]
    assert "zoom_in" in str(schema["camera_movement"])

    async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await session.call_tool(name, arguments)
        assert not result.is_error, result.content
        assert result.structured_content is not None
        return dict(result.structured_content)

    outcomes = {
        "text": await call("text_to_video", {"prompt": "a red fox", "quality": "360p"}),
        "image": await call(
            "image_to_video",
            {
                "image": DAY,
                "prompt": "hills",
                "model": "v4.5",
                "camera_movement": "zoom_in",
                "quality": "360p",
            },
        ),
        "transition": await call(
            "transition", {"first_image": DAY, "last_image": NIGHT, "quality": "360p"}
        ),
    }
    for outcome in outcomes.values():
        assert outcome["status"] == 1 and outcome["url"].startswith("http")
    status = await call("video_status", {"video_id": outcomes["text"]["video_id"]})
    assert status["url"] == outcomes["text"]["url"]
    balance = await call("balance", {})
    assert balance["total"] == balance["credit_monthly"] + balance["credit_package"]
    refused = await session.call_tool(
        "text_to_video", {"prompt": "x", "model": "v5", "camera_movement": "zoom_in"}
    )
    assert refused.is_error and "400017" in str(refused.content)
    await _exercise_features(session, call, outcomes["text"]["video_id"])
    return outcomes


async def _exercise_features(session: ClientSession, call: Any, video_id: int) -> None:
    """Every feature tool: on a finished video (by id) and on an uploaded one (media:ID)."""
    speakers = (await session.call_tool("get_tts_speakers", {})).structured_content
    assert speakers is not None and len(speakers["result"]) == 15
    looks = (await session.call_tool("list_restyles", {})).structured_content
    assert looks is not None and len(looks["result"]) == 8
    upload = await call("upload_media", {"file": CLIP})
    media = f"media:{upload['media_id']}"
    done = [
        await call("extend_video", {"video": str(video_id), "prompt": "on", "quality": "360p"}),
        await call("lip_sync_video", {"video": media, "text": "Hello from MCP."}),
        await call("sound_effect_video", {"video": CLIP, "sound_effect_content": "wind"}),
        await call(
            "fusion_video",
            {"prompt": "@a in @b", "subjects": {"a": DAY}, "background": {"b": NIGHT}},
        ),
        await call(
            "restyle_video", {"video": media, "restyle_id": looks["result"][0]["restyle_id"]}
        ),
        await call(
            "multi_transition_video",
            {"images": [DAY, NIGHT], "durations": [1], "quality": "360p"},
        ),
    ]
    masks = await call("select_masks", {"video": media})
    done.append(
        await call(
            "swap_video",
            {
                "video": media,
                "mask_id": masks["mask_info"][0]["mask_id"],
                "keyframe_id": 1,
                "image": DAY,
                "quality": "360p",
            },
        )
    )
    done.append(await call("mimic_video", {"video": media, "image": PERSON, "quality": "360p"}))
    done.append(await call("modify_video", {"video": media, "prompt": "snowy", "quality": "360p"}))
    assert [d["status"] for d in done] == [1] * 9
    picture = await call("image_template", {"template_id": 384268229671680, "images": [DAY]})
    assert picture["status"] == 1 and picture["url"].endswith(".jpg")
    assert [d["has_audio"] for d in done][1:3] == [True, True]
    wrong = await session.call_tool(
        "multi_transition_video", {"images": [DAY, NIGHT], "durations": []}
    )
    assert wrong.is_error and "durations" in str(wrong.content)


def test_stdio_session_calls_every_tool(live: LiveServer) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "pixforge", "mcp", "--base-url", live.base_url, "--api-key", live.api_key],
        env={"PATH": os.environ.get("PATH", "")},
    )

    async def scenario() -> dict[str, Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            return await _exercise(session)

    outcomes = anyio.run(scenario)
    assert httpx.head(outcomes["image"]["url"]).status_code == 200


def test_streamable_http_session(live: LiveServer) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pixforge",
            "mcp",
            "--transport",
            "streamable-http",
            "--port",
            str(port),
            "--base-url",
            live.base_url,
            "--api-key",
            live.api_key,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)

        async def scenario() -> dict[str, Any]:
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    return await _exercise(session)

        anyio.run(scenario)
    finally:
        process.terminate()
        process.wait(timeout=30)
