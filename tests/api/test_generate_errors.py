"""Every rejected generate request answers in the envelope with the right ErrCode and field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.generate import (
    IMAGE_CASES,
    TEXT_CASES,
    TRANSITION_CASES,
    VALID_TEXT,
    Case,
    body_for,
)
from tests.support.media import image_bytes
from tests.support.server import Api, RunningServer


@pytest.fixture
def server(module_server: RunningServer) -> RunningServer:
    """Each test looks only at its own account (a rejection charges nothing): one server for
    the module (conftest.module_server)."""
    return module_server


@pytest.fixture
def bases(api: Api) -> dict[str, dict[str, Any]]:
    first = api.image_id(image_bytes(320, 240))
    last = api.image_id(image_bytes(320, 240, colour=(9, 9, 9)))
    image = {k: v for k, v in VALID_TEXT.items() if k != "aspect_ratio"}
    return {
        "text": VALID_TEXT,
        "img": {**image, "img_id": first},
        "transition": {**image, "first_frame_img": first, "last_frame_img": last},
    }


def _base_for(case: Case, bases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return bases[case.path.split("/")[-2]]


@pytest.mark.parametrize("case", TEXT_CASES + IMAGE_CASES + TRANSITION_CASES, ids=lambda c: c.name)
def test_rejections(api: Api, bases: dict[str, dict[str, Any]], case: Case) -> None:
    before = api.balance()
    body = api.post(case.path, body_for(case, _base_for(case, bases)))
    assert body["ErrCode"] == case.err_code, body
    assert case.field in body["ErrMsg"], body
    assert body["Resp"] is None
    assert api.balance() == before, "a rejected request must not charge"


def test_each_valid_base_is_accepted(api: Api, bases: dict[str, dict[str, Any]]) -> None:
    for path, base in (
        ("/openapi/v2/video/text/generate", bases["text"]),
        ("/openapi/v2/video/img/generate", bases["img"]),
        ("/openapi/v2/video/transition/generate", bases["transition"]),
    ):
        body = api.post(path, base)
        assert body["ErrCode"] == 0, body


@pytest.mark.parametrize(
    ("raw", "err_code"),
    [
        (b"{bad json", 400013),
        (b"", 400013),
        (b"[1, 2]", 400013),
        (b'"text"', 400013),
        (b"null", 400013),
    ],
)
def test_malformed_bodies(api: Api, raw: bytes, err_code: int) -> None:
    response = api.http.post(
        "/openapi/v2/video/text/generate",
        content=raw,
        headers=api.headers(**{"Content-Type": "application/json"}),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ErrCode"] == err_code and "request body" in body["ErrMsg"], body
