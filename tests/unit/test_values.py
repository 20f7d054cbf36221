"""One table of allowed values: the server's rules, the MCP tool schemas, the CLI help and the
SDK all read pixforge.values, so a new model or quality is added in one place."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from pixforge import sdk, values
from pixforge.cli import app
from pixforge.domain import rules
from pixforge.mcp.server import build_server


def test_the_server_validates_against_the_table() -> None:
    assert tuple(rules.MODELS) == values.MODELS
    assert tuple(rules.QUALITY_SHORT_SIDE_PX) == values.QUALITIES
    assert rules.STYLES == values.STYLES and rules.CAMERA_MOVEMENTS == values.CAMERA_MOVEMENTS


def test_mcp_tool_schemas_offer_the_table() -> None:
    tools = {tool.name: tool for tool in asyncio.run(build_server("http://x", "k").list_tools())}
    properties = tools["text_to_video"].input_schema["properties"]
    assert properties["model"]["enum"] == list(values.MODELS)
    assert properties["quality"]["enum"] == list(values.QUALITIES)
    assert properties["aspect_ratio"]["enum"] == list(values.WIDE_ASPECT_RATIOS)
    assert properties["style"]["anyOf"][0]["enum"] == list(values.STYLES)
    assert properties["camera_movement"]["anyOf"][0]["enum"] == list(values.CAMERA_MOVEMENTS)
    fusion = tools["fusion_video"].input_schema["properties"]
    assert fusion["model"]["enum"] == list(values.FUSION_MODELS)


def test_cli_help_and_sdk_list_the_table() -> None:
    # A terminal wide enough that the help lists each value on one line.
    result = CliRunner().invoke(app, ["generate", "text", "--help"], env={"COLUMNS": "400"})
    help_text = result.output
    assert ", ".join(values.MODELS) in help_text
    assert ", ".join(values.STYLES) in help_text
    assert sdk.MODELS == values.MODELS and sdk.QUALITIES == values.QUALITIES
