"""Accounts never see or use each other's images and videos."""

from __future__ import annotations

from tests.cases.generate import VALID_TEXT
from tests.support.media import image_bytes
from tests.support.server import RunningServer


def test_accounts_are_isolated(server: RunningServer) -> None:
    alice = server.api(server.create_account())
    bob = server.api(server.create_account())
    alice_image = alice.image_id(image_bytes(200, 200))
    video_id = alice.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
    alice.wait(video_id)

    peek = bob.get(f"/openapi/v2/video/result/{video_id}")
    assert peek["ErrCode"] == 400017 and peek["Resp"] is None
    unknown = bob.get("/openapi/v2/video/result/4503599627370497")
    assert peek["ErrMsg"].replace(str(video_id), "X") == unknown["ErrMsg"].replace(
        "4503599627370497", "X"
    ), "a foreign id must look exactly like a missing one"

    body = {"model": "v4.5", "prompt": "p", "duration": 5, "quality": "360p"}
    stolen = bob.post("/openapi/v2/video/img/generate", {**body, "img_id": alice_image})
    assert stolen["ErrCode"] == 400032 and "img_id" in stolen["ErrMsg"]
    own = bob.image_id(image_bytes(200, 200))
    mixed = bob.post(
        "/openapi/v2/video/transition/generate",
        {**body, "first_frame_img": own, "last_frame_img": alice_image},
    )
    assert mixed["ErrCode"] == 400032 and "last_frame_img" in mixed["ErrMsg"]
    assert bob.balance() == (100_000, 0)
    alice.close()
    bob.close()
