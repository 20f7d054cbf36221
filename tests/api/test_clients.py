"""What real PixVerse clients need: Resp null on errors (ComfyUI), an optional Ai-trace-id for
gateways, the trace id echoed, and GET video/credits/{id} (PixVerse MCP 0.2.2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.media import image_bytes
from tests.support.server import Api, RunningServer, make_settings, running_server

V2 = "/openapi/v2"


@pytest.fixture
def queued_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server without workers: generations stay queued, nothing is rendered."""
    with running_server(make_settings(tmp_path / "d", workers=0)) as running:
        yield running


def test_errors_answer_resp_null(api: Api) -> None:
    response = api.http.get(f"{V2}/video/result/4503599627370497", headers=api.headers())
    assert response.json() == {
        "ErrCode": 400017,
        "ErrMsg": "video_id: couldn't find video 4503599627370497",
        "Resp": None,
    }
    assert '"Resp":null' in response.text.replace(" ", "")
    unknown = api.http.get("/nope", headers=api.headers())
    assert unknown.status_code == 404 and unknown.json()["Resp"] is None


def test_trace_id_is_echoed(api: Api) -> None:
    trace_id = str(uuid.uuid4())
    for response in (
        api.http.get(f"{V2}/account/balance", headers=api.headers(trace_id)),
        api.http.get(f"{V2}/video/result/1", headers=api.headers(trace_id)),
        api.http.get("/nope", headers=api.headers(trace_id)),
    ):
        assert response.headers["ai-trace-id"] == trace_id


def test_trace_id_stays_required_by_default(server: RunningServer, api: Api) -> None:
    assert server.settings.trace_id_optional is False
    response = api.http.get(f"{V2}/account/balance", headers={"API-KEY": str(api.api_key)})
    assert response.json()["ErrCode"] == 400011 and "Ai-trace-id" in response.json()["ErrMsg"]
    assert "ai-trace-id" not in response.headers


def test_optional_trace_id_is_generated_and_echoed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", workers=0, trace_id_optional=True)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        key_only = {"API-KEY": str(api.api_key)}
        first = api.http.post(f"{V2}/video/text/generate", json=VALID_TEXT, headers=key_only)
        second = api.http.post(f"{V2}/video/text/generate", json=VALID_TEXT, headers=key_only)
        for response in (first, second):
            assert response.json()["ErrCode"] == 0, response.text
            assert uuid.UUID(response.headers["ai-trace-id"])
        # Each request got its own id, so the second is a new generation, not a replay.
        assert first.headers["ai-trace-id"] != second.headers["ai-trace-id"]
        assert first.json()["Resp"]["video_id"] != second.json()["Resp"]["video_id"]
        assert api.balance() == (100_000 - 2 * 45, 0)
        # A gateway's own request id (not a UUID) is accepted, echoed as sent, and re-sending it
        # replays the first answer instead of charging again.
        gateway_id = {**key_only, "Ai-trace-id": "task_7Hq2LmX9"}
        third = api.http.post(f"{V2}/video/text/generate", json=VALID_TEXT, headers=gateway_id)
        again = api.http.post(f"{V2}/video/text/generate", json=VALID_TEXT, headers=gateway_id)
        assert third.json()["ErrCode"] == 0, third.text
        assert third.headers["ai-trace-id"] == "task_7Hq2LmX9"
        assert again.json()["Resp"]["video_id"] == third.json()["Resp"]["video_id"]
        assert api.balance() == (100_000 - 3 * 45, 0)
        # Ids differing only by case are different ids.
        other = {**key_only, "Ai-trace-id": "TASK_7Hq2LmX9"}
        fourth = api.http.post(f"{V2}/video/text/generate", json=VALID_TEXT, headers=other)
        assert fourth.json()["Resp"]["video_id"] != third.json()["Resp"]["video_id"]
        api.close()


@pytest.mark.parametrize("prefix", [V2, ""])
def test_video_credits(queued_server: RunningServer, prefix: str) -> None:
    owner = queued_server.api(queued_server.create_account())
    other = queued_server.api(queued_server.create_account())
    video_id = owner.post(f"{V2}/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
    answer = owner.get(f"{prefix}/video/credits/{video_id}")
    assert answer == {
        "ErrCode": 0,
        "ErrMsg": "success",
        "Resp": {"video_id": video_id, "credits": 45, "credit": 45},
    }
    assert other.get(f"{prefix}/video/credits/{video_id}")["ErrCode"] == 400017
    assert owner.get(f"{prefix}/video/credits/4503599627370497")["ErrCode"] == 400017
    bad = owner.get(f"{prefix}/video/credits/abc")
    assert bad["ErrCode"] == 400013 and "video_id" in bad["ErrMsg"]
    missing_key = other.http.get(f"{prefix}/video/credits/{video_id}")
    assert missing_key.json()["ErrCode"] == 10001
    owner.close()
    other.close()


# ComfyUI's PixVerse nodes offer these effect templates by id (docs/spec-notes.md).
COMFYUI_TEMPLATES = {
    324641385496960: "Microwave",
    328545151283968: "Suit Swagger",
    313358700761536: "Anything, Robot",
    327828816843648: "Subject 3 Fever",
}


def test_comfyui_templates_are_served(server: RunningServer) -> None:
    account = server.create_account()
    api = server.api(account)
    listed = api.get(f"{V2}/video/effects/templates/list?pageSize=100")["Resp"]["effect_items"]
    names = {item["template_id"]: item["display_name"] for item in listed}
    assert {tid: names.get(tid) for tid in COMFYUI_TEMPLATES} == COMFYUI_TEMPLATES
    server.state.operator.activate_templates(account.account_id, list(COMFYUI_TEMPLATES))
    img_id = api.image_id(image_bytes(320, 240))
    for template_id in COMFYUI_TEMPLATES:
        # As ComfyUI sends it: image-to-video, an empty prompt, the template's id.
        body = {"model": "v5", "prompt": "", "duration": 5, "quality": "540p", "img_id": img_id}
        answer = api.post(f"{V2}/video/img/generate", {**body, "template_id": template_id})
        assert answer["ErrCode"] == 0, (template_id, answer)
    api.close()
