"""Image templates over HTTP: catalogue, activation, generation, the image result endpoint."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
import pytest
from PIL import Image

from pixforge.domain.rules import DEFAULT_TEMPLATES
from tests.support.media import image_bytes
from tests.support.server import Account, Api, RunningServer

PORTRAIT = 384268229671680
DUO = 384268229671682
VIDEO_TEMPLATE = 302325299692608


def wait_image(api: Api, image_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = api.get(f"/openapi/v2/image/result/{image_id}")
        assert body["ErrCode"] == 0, body
        if body["Resp"]["status"] != 5:
            return dict(body["Resp"])
        time.sleep(0.1)
    raise TimeoutError(image_id)


def test_image_templates_are_listed_with_their_image_count(api: Api) -> None:
    items = api.get("/openapi/v2/video/effects/templates/list?type=2")["Resp"]["effect_items"]
    assert {i["template_id"] for i in items} == {PORTRAIT, PORTRAIT + 1, DUO}
    assert all(i["template_type"] == 2 for i in items)
    assert {i["template_id"]: i["image_count"] for i in items}[DUO] == 2
    videos = api.get("/openapi/v2/video/effects/templates/list?type=1")["Resp"]["effect_items"]
    assert all(i["template_type"] == 1 for i in videos)
    assert len(videos) == sum(t.kind == "video" for t in DEFAULT_TEMPLATES) == 10


@pytest.mark.render
def test_image_template_end_to_end(server: RunningServer, account: Account, api: Api) -> None:
    source = image_bytes(800, 600)
    img_id = api.image_id(source)
    body = {"template_id": PORTRAIT, "img_ids": [str(img_id)]}
    refused = api.post("/openapi/v2/image/template/generate", body)
    assert refused["ErrCode"] == 500070 and "template_id" in refused["ErrMsg"]
    server.state.operator.activate_templates(account.account_id, [PORTRAIT, DUO])
    answer = api.post("/openapi/v2/image/template/generate", body)
    assert answer["ErrCode"] == 0, answer
    assert answer["Resp"]["credit"] == answer["Resp"]["credits"] == 20
    image_id = answer["Resp"]["image_id"]
    result = wait_image(api, image_id)
    assert result["status"] == 1 and result["image_id"] == image_id
    assert result["template_id"] == PORTRAIT and result["credits"] == 20
    assert (result["outputWidth"], result["outputHeight"]) == (1440, 1080)
    assert result["url"].endswith(".jpg")
    served = api.http.get(result["url"])
    assert served.headers["content-type"] == "image/jpeg"
    picture = np.asarray(Image.open(io.BytesIO(served.content)).convert("RGB"))
    assert picture.shape == (1080, 1440, 3) and result["size"] == len(served.content)
    plain = np.asarray(Image.open(io.BytesIO(source)).convert("RGB").resize((1440, 1080)))
    assert np.abs(picture.astype(int) - plain.astype(int)).mean() > 10  # the comic look
    assert api.balance()[0] == 100_000 - 20
    # Ids of each kind are only found by their own result endpoint.
    assert api.get(f"/openapi/v2/video/result/{image_id}")["ErrCode"] == 400017
    # A two-image template puts the images side by side.
    red = api.image_id(image_bytes(300, 300, colour=(220, 30, 30)))
    blue = api.image_id(image_bytes(300, 300, colour=(30, 30, 220)))
    duo = api.post(
        "/openapi/v2/image/template/generate", {"template_id": DUO, "img_ids": [red, blue]}
    )
    assert duo["ErrCode"] == 0, duo
    pair = wait_image(api, duo["Resp"]["image_id"])
    picture = np.asarray(Image.open(io.BytesIO(api.http.get(pair["url"]).content)).convert("RGB"))
    half = picture.shape[1] // 2
    left, right = (
        picture[:, : half - 20].mean(axis=(0, 1)),
        picture[:, half + 20 :].mean(axis=(0, 1)),
    )
    assert left[0] > left[2] and right[2] > right[0]


def test_image_template_rules(server: RunningServer, account: Account, api: Api) -> None:
    server.state.operator.activate_templates(account.account_id, [PORTRAIT, DUO, VIDEO_TEMPLATE])
    img_id = api.image_id(image_bytes(200, 200))
    path = "/openapi/v2/image/template/generate"
    cases = [
        ({"img_ids": [img_id]}, 400011, "template_id"),
        ({"template_id": PORTRAIT}, 400011, "img_ids"),
        ({"template_id": DUO, "img_ids": [img_id]}, 400017, "takes 2"),
        ({"template_id": VIDEO_TEMPLATE, "img_ids": [img_id]}, 400017, "video template"),
        ({"template_id": 42, "img_ids": [img_id]}, 400017, "does not exist"),
        ({"template_id": PORTRAIT, "img_ids": [4503599627370497]}, 400032, "img_ids.0"),
        ({"template_id": PORTRAIT, "img_ids": ["x"]}, 400013, "img_ids"),
    ]
    for body, code, field in cases:
        answer = api.post(path, body)
        assert answer["ErrCode"] == code and field in answer["ErrMsg"], (body, answer)
    video = api.post(
        "/openapi/v2/video/img/generate",
        {
            "model": "v5",
            "duration": 5,
            "quality": "540p",
            "img_id": img_id,
            "template_id": PORTRAIT,
        },
    )
    assert video["ErrCode"] == 400017 and "image template" in video["ErrMsg"]
    assert api.get("/openapi/v2/image/result/12345")["ErrCode"] == 400017
    assert api.get("/openapi/v2/image/result/abc")["ErrCode"] == 400013
    assert api.balance()[0] == 100_000
