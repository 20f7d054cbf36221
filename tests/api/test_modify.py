"""Modify (POST /openapi/v2/video/modify/generate) over HTTP: rules with their ErrCodes, the
per-second price, and renders whose edit is visible where it was asked for and nowhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from tests.support.media import decode_frames, image_bytes, make_scene_video
from tests.support.server import Api

MODIFY = "/openapi/v2/video/modify/generate"
SELECTION = "/openapi/v2/video/mask/selection"
START = 100_000


def spent(api: Api) -> int:
    monthly, package = api.balance()
    return START - monthly - package


def refused(api: Api, body: dict[str, Any], code: int, field: str) -> None:
    answer = api.post(MODIFY, body)
    assert answer["ErrCode"] == code, (body, answer)
    assert answer["Resp"] is None
    assert field in answer["ErrMsg"], (field, answer)


@pytest.fixture
def clip(api: Api, tmp_path: Path) -> tuple[int, Path]:
    path = make_scene_video(tmp_path / "clip.mp4", 640, 360, 2)
    return api.media_id(path), path


def finished(api: Api, body: dict[str, Any], tmp_path: Path) -> tuple[dict[str, Any], Any]:
    answer = api.post(MODIFY, body)
    assert answer["ErrCode"] == 0, answer
    resp = answer["Resp"]
    assert resp["credits"] == resp["credit"]
    result = api.wait(resp["video_id"])
    assert result["status"] == 1, result
    frames = decode_frames(api.download(result["url"], tmp_path / f"{resp['video_id']}.mp4"))
    return resp, frames


def test_modify_rules(api: Api, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    body = {"video_media_id": media_id, "prompt": "make it snow", "quality": "540p"}
    refused(api, {**body, "quality": "1080p"}, 400017, "quality")
    refused(api, {**body, "quality": ""}, 400011, "quality")
    refused(api, {**body, "prompt": " "}, 400011, "prompt")
    refused(api, {**body, "prompt": "x" * 5001}, 400018, "prompt")
    refused(api, {"prompt": "snow", "quality": "540p"}, 400011, "video_media_id")
    refused(api, {**body, "source_video_id": 123}, 400017, "source_video_id")
    refused(api, {**body, "prompt": "@selection0 is red"}, 400017, "@selection0")
    refused(api, {**body, "prompt": "swap with @img0"}, 400017, "@img0")
    refused(api, {**body, "mask_ids": ["a", "b", "c", "d"]}, 400017, "mask_ids")
    refused(api, {**body, "img_ids": [1, 2, 3, 4]}, 400017, "img_ids")
    refused(api, {**body, "img_ids": [987654321]}, 400032, "img_ids.0")
    refused(api, {**body, "mask_ids": ["nope"]}, 400017, "mask_ids.0")
    refused(api, {**body, "video_media_id": 42}, 400017, "video_media_id")
    assert spent(api) == 0


@pytest.mark.render
def test_modify_whole_clip_weather(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, path = clip
    body = {"video_media_id": media_id, "prompt": "turn the scene to night", "quality": "360p"}
    resp, frames = finished(api, body, tmp_path)
    assert resp["credits"] == 2 * 4  # 2 started seconds at 360p's 4 credits per second
    assert len(frames) == 48 and frames[0].shape == (360, 640, 3)
    source = cv2.resize(decode_frames(path)[0], (640, 360))
    assert frames[0].mean() < source.mean() * 0.7  # darker everywhere
    assert frames[0][..., 2].mean() > frames[0][..., 0].mean()  # and blue
    assert spent(api) == 8
    # The same request renders the same picture.
    _, again = finished(api, body, tmp_path)
    assert np.abs(again[10].astype(int) - frames[10].astype(int)).mean() < 2


@pytest.mark.render
def test_modify_selection_colour_and_reference(
    api: Api, tmp_path: Path, clip: tuple[int, Path]
) -> None:
    media_id, path = clip
    selection = api.post(SELECTION, {"video_media_id": media_id, "keyframe_id": 1})["Resp"]
    target = selection["mask_info"][0]
    mask = cv2.imdecode(np.frombuffer(api.http.get(target["mask_url"]).content, np.uint8), 0)
    inside = mask > 127
    outside = ~cv2.dilate(inside.astype(np.uint8), np.ones((15, 15))).astype(bool)
    source = decode_frames(path)[0]

    body = {
        "video_media_id": media_id,
        "prompt": "@selection0 becomes bright red",
        "quality": "360p",
        "mask_ids": [target["mask_id"]],
        "keyframe_ids": 1,
    }
    _, frames = finished(api, body, tmp_path)
    region = frames[0][inside].astype(int)
    assert (region[:, 0] > region[:, 1] + 40).mean() > 0.6  # red inside
    assert np.abs(frames[0][outside].astype(int) - source[outside].astype(int)).mean() < 8

    yellow = api.image_id(image_bytes(200, 200, colour=(250, 250, 0)))
    swap = {**body, "prompt": "@selection0 is replaced with @img0", "img_ids": [yellow]}
    _, frames = finished(api, swap, tmp_path)
    region = frames[0][inside]
    is_yellow = (region[:, 0] > 180) & (region[:, 1] > 180) & (region[:, 2] < 120)
    assert is_yellow.mean() > 0.6
    assert spent(api) == 2 + 8 + 8  # the selection, then two 2 s edits at 360p


@pytest.mark.render
def test_modify_removal_fills_the_region(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, path = clip
    selection = api.post(SELECTION, {"video_media_id": media_id, "keyframe_id": 1})["Resp"]
    masks = {
        m["mask_id"]: cv2.imdecode(np.frombuffer(api.http.get(m["mask_url"]).content, np.uint8), 0)
        for m in selection["mask_info"]
    }
    # The red disc of the clip is at (192, 162) in the first frame.
    disc_id, disc = next((k, m) for k, m in masks.items() if m[162, 192] > 127)
    core = cv2.erode((disc > 127).astype(np.uint8), np.ones((9, 9))).astype(bool)
    outside = ~cv2.dilate((disc > 127).astype(np.uint8), np.ones((15, 15))).astype(bool)
    source = decode_frames(path)[0].astype(int)

    def disc_red(pixels: Any) -> int:
        return int(((pixels[:, 0] > 170) & (pixels[:, 1] < 110) & (pixels[:, 2] < 110)).sum())

    red_before = disc_red(source[core])
    assert red_before > 2000  # the disc is inside the region
    body = {
        "video_media_id": media_id,
        "prompt": "remove @selection0",
        "quality": "360p",
        "mask_ids": [disc_id],
    }
    _, frames = finished(api, body, tmp_path)
    region = frames[0][core].astype(int)
    # The disc is gone (no red left where it was); the rest of the picture is untouched.
    assert disc_red(region) < red_before * 0.05
    assert np.abs(frames[0][outside].astype(int) - source[outside]).mean() < 8
