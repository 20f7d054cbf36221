"""Catalogue endpoints: TTS speakers and effect templates, paged, in the envelope."""

from __future__ import annotations

import pytest

from pixforge.domain.rules import DEFAULT_TEMPLATES
from tests.support.server import Api, RunningServer


@pytest.fixture
def server(module_server: RunningServer) -> RunningServer:
    """The catalogue is read, never changed: one server for the module (conftest.module_server)."""
    return module_server


def test_tts_speakers(api: Api) -> None:
    first = api.get("/openapi/v2/video/lip_sync/tts_list?page_num=1&page_size=10")
    assert first["ErrCode"] == 0
    assert first["Resp"]["total"] == 15 and len(first["Resp"]["data"]) == 10
    assert first["Resp"]["data"][0] == {"speaker_id": "1", "name": "Emily"}
    rest = api.get("/openapi/v2/video/lip_sync/tts_list?page_num=2&page_size=10")["Resp"]["data"]
    assert [s["speaker_id"] for s in rest][-1] == "Auto" and len(rest) == 5
    assert all(isinstance(s["speaker_id"], str) for s in rest)
    beyond = api.get("/openapi/v2/video/lip_sync/tts_list?page_num=9&page_size=10")
    assert beyond["Resp"]["data"] == []
    # Without parameters: page 1 of 30, so every speaker; a JSON body on the GET also works.
    assert len(api.get("/openapi/v2/video/lip_sync/tts_list")["Resp"]["data"]) == 15
    body = api.http.request(
        "GET",
        "/openapi/v2/video/lip_sync/tts_list",
        json={"page_num": 2, "page_size": 10},
        headers=api.headers(),
    ).json()
    assert len(body["Resp"]["data"]) == 5


@pytest.mark.parametrize(
    ("query", "err_code", "field"),
    [
        ("?page_num=x&page_size=10", 400013, "page_num"),
        ("?page_num=0&page_size=10", 400017, "page_num"),
        ("?page_num=1&page_size=500", 400017, "page_size"),
    ],
)
def test_tts_list_parameters(api: Api, query: str, err_code: int, field: str) -> None:
    body = api.get(f"/openapi/v2/video/lip_sync/tts_list{query}")
    assert body["ErrCode"] == err_code and field in body["ErrMsg"], body


def test_template_list(api: Api) -> None:
    body = api.get("/openapi/v2/video/effects/templates/list")
    assert body["ErrCode"] == 0
    resp = body["Resp"]
    assert resp["total"] == len(DEFAULT_TEMPLATES) and resp["pageSize"] == 50
    first = resp["effect_items"][0]
    assert set(first) >= {"template_id", "display_name", "display_prompt", "qualities"}
    ids = [item["template_id"] for item in resp["effect_items"]]
    assert ids == sorted(t.template_id for t in DEFAULT_TEMPLATES)
    paged = api.get("/openapi/v2/video/effects/templates/list?page=2&pageSize=10")["Resp"]
    assert [item["template_id"] for item in paged["effect_items"]] == ids[10:20]
    assert paged["page"] == 2
    beyond = api.get("/openapi/v2/video/effects/templates/list?page=9&pageSize=10")["Resp"]
    assert beyond["effect_items"] == [] and beyond["page"] == 9
    images = api.get("/openapi/v2/video/effects/templates/list?type=2")["Resp"]
    assert images["total"] == sum(t.kind == "image" for t in DEFAULT_TEMPLATES) == 3


@pytest.mark.parametrize(
    ("query", "err_code"),
    [("?pageSize=30", 400017), ("?type=3", 400017), ("?page=abc", 400013), ("?page=0", 400017)],
)
def test_template_list_parameters(api: Api, query: str, err_code: int) -> None:
    body = api.get(f"/openapi/v2/video/effects/templates/list{query}")
    assert body["ErrCode"] == err_code, body
