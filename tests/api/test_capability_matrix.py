"""The capability matrix (values.MODEL_RULES) over HTTP: every switch is refused with 400017,
naming the field, on a model without it, and honoured (sound, price) on a model with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from pixforge import values
from pixforge.cli import app
from tests.support.media import decode_frames
from tests.support.server import Account, Api, RunningServer

TEXT = "/openapi/v2/video/text/generate"
START = 100_000
BASE = {"prompt": "a lighthouse at dusk", "quality": "540p", "aspect_ratio": "16:9"}


def text(model: str, duration: int = 5, **extra: Any) -> dict[str, Any]:
    return {**BASE, "model": model, "duration": duration, **extra}


def refused(api: Api, body: dict[str, Any], field: str) -> None:
    answer = api.post(TEXT, body)
    assert answer["ErrCode"] == 400017, (body, answer)
    assert field in answer["ErrMsg"], answer


def accepted(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post(TEXT, body)
    assert answer["ErrCode"] == 0, (body, answer)
    result = api.wait(answer["Resp"]["video_id"])
    assert result["status"] == 1, result
    return result


@pytest.mark.parametrize("model", values.MODELS)
def test_every_switch_follows_the_matrix(api: Api, model: str) -> None:
    rules = values.MODEL_RULES[model]
    switches = (
        ({"generate_audio_switch": True}, rules.audio, "generate_audio_switch"),
        ({"generate_multi_clip_switch": True}, rules.multi_clip, "generate_multi_clip_switch"),
        ({"thinking_type": "enabled"}, rules.thinking, "thinking_type"),
    )
    for extra, supported, field in switches:
        body = text(model, **extra)
        if supported:
            assert api.post(TEXT, body)["ErrCode"] == 0
        else:
            refused(api, body, field)
    # Off, "auto" and "disabled" are accepted on every model.
    off = {"generate_audio_switch": False, "generate_multi_clip_switch": False}
    for thinking in ("auto", "disabled", ""):
        assert api.post(TEXT, text(model, thinking_type=thinking, **off))["ErrCode"] == 0
    refused(api, text(model, thinking_type="always"), "thinking_type")


def test_native_audio_is_heard_and_priced(api: Api) -> None:
    silent = accepted(api, text("v6", duration=4))
    assert silent["has_audio"] is False
    voiced = accepted(api, text("v6", duration=4, generate_audio_switch=True))
    assert voiced["has_audio"] is True
    monthly, package = api.balance()
    # v6 at 540p: 45 per 5 s pro rata = 36 for 4 s; native audio adds 10.
    assert START - monthly - package == 36 + 36 + 10


def test_matrix_rows_cover_every_model() -> None:
    rows = {row["model"]: row for row in values.capability_matrix()}
    assert list(rows) == list(values.MODELS)
    assert rows["v6"]["thinking_type_enabled"] and not rows["c1"]["generate_multi_clip_switch"]
    assert rows["c1"]["aspect_ratios"] == list(values.WIDE_ASPECT_RATIOS)
    assert rows["v3.5"]["fast_motion"] and not rows["v5"]["generate_audio_switch"]


@pytest.mark.render
def test_multi_clip_cuts_between_framings(api: Api, tmp_path: Path) -> None:
    body = text("v5.5", prompt="a red fox in the snow")
    single = accepted(api, body)
    multi = accepted(api, {**body, "generate_multi_clip_switch": True, "seed": single["seed"]})
    one = decode_frames(api.download(single["url"], tmp_path / "single.mp4"))
    cut = decode_frames(api.download(multi["url"], tmp_path / "multi.mp4"))
    assert len(one) == len(cut) == 120

    def difference(a: Any, b: Any) -> float:
        return float(np.abs(a.astype(int) - b.astype(int)).mean())

    # The first shot is the wide one; the later shots are other framings of the same picture.
    assert difference(one[10], cut[10]) < 3
    assert difference(one[70], cut[70]) > 12 and difference(one[110], cut[110]) > 12
    # Cuts: a jump between neighbouring frames at each shot boundary, not within a shot.
    jumps = [difference(cut[i], cut[i + 1]) for i in range(len(cut) - 1)]
    boundaries = sorted(range(len(jumps)), key=jumps.__getitem__)[-2:]
    assert sorted(boundaries) == [39, 79]


@pytest.mark.socket
def test_cli_sends_the_switches(server: RunningServer, account: Account) -> None:
    auth = ["--base-url", server.base_url, "--api-key", account.api_key, "--json"]
    base = ["generate", "text", "a boat", "--quality", "360p", "--duration", "5", "--audio"]
    runner = CliRunner()
    done = runner.invoke(app, [*base, "--model", "v6", "--multi-clip", "--thinking", "auto", *auth])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output.splitlines()[-1])["has_audio"] is True
    refused = runner.invoke(app, [*base, "--model", "v5", *auth])
    assert refused.exit_code != 0 and "generate_audio_switch" in refused.output
