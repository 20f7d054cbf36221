"""Generate requests and the ErrCode each must get: the request -> error table for the API tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEXT = "/openapi/v2/video/text/generate"
IMAGE = "/openapi/v2/video/img/generate"
TRANSITION = "/openapi/v2/video/transition/generate"

VALID_TEXT: dict[str, Any] = {
    "model": "v4.5",
    "prompt": "a red fox running through snow",
    "duration": 5,
    "quality": "360p",
    "aspect_ratio": "16:9",
}

DROP = object()


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    changes: dict[str, Any]
    err_code: int
    field: str


def body_for(case: Case, base: dict[str, Any]) -> dict[str, Any]:
    body = dict(base)
    for key, value in case.changes.items():
        if value is DROP:
            body.pop(key, None)
        else:
            body[key] = value
    return body


TEXT_CASES = [
    Case("missing model", TEXT, {"model": DROP}, 400011, "model"),
    Case("missing duration", TEXT, {"duration": DROP}, 400011, "duration"),
    Case("missing quality", TEXT, {"quality": DROP}, 400011, "quality"),
    Case("missing aspect", TEXT, {"aspect_ratio": DROP}, 400011, "aspect_ratio"),
    Case("missing prompt", TEXT, {"prompt": DROP}, 400011, "prompt"),
    Case("empty prompt", TEXT, {"prompt": ""}, 400011, "prompt"),
    Case("prompt wrong type", TEXT, {"prompt": 12}, 400013, "prompt"),
    Case("duration wrong type", TEXT, {"duration": "five"}, 400013, "duration"),
    Case("duration fractional", TEXT, {"duration": 5.5}, 400013, "duration"),
    Case("seed wrong type", TEXT, {"seed": [1]}, 400013, "seed"),
    Case("water_mark wrong type", TEXT, {"water_mark": "maybe"}, 400013, "water_mark"),
    Case("unknown model", TEXT, {"model": "v9"}, 400017, "model"),
    Case("unknown quality", TEXT, {"quality": "4k"}, 400017, "quality"),
    Case("duration not allowed", TEXT, {"duration": 6}, 400017, "duration"),
    Case("1080p 8s on v4.5", TEXT, {"quality": "1080p", "duration": 8}, 400017, "duration"),
    Case("10s on v5", TEXT, {"model": "v5", "duration": 10}, 400017, "duration"),
    Case(
        "1080p 10s on v5.5",
        TEXT,
        {"model": "v5.5", "quality": "1080p", "duration": 10},
        400017,
        "duration",
    ),
    Case("16s on v6", TEXT, {"model": "v6", "duration": 16}, 400017, "duration"),
    Case("fast with 8s", TEXT, {"motion_mode": "fast", "duration": 8}, 400017, "motion_mode"),
    Case(
        "fast with 1080p", TEXT, {"motion_mode": "fast", "quality": "1080p"}, 400017, "motion_mode"
    ),
    Case("fast on v5", TEXT, {"motion_mode": "fast", "model": "v5"}, 400017, "motion_mode"),
    Case("unknown motion", TEXT, {"motion_mode": "turbo"}, 400017, "motion_mode"),
    Case("bad aspect", TEXT, {"aspect_ratio": "2:1"}, 400017, "aspect_ratio"),
    Case("21:9 on v4.5", TEXT, {"aspect_ratio": "21:9"}, 400017, "aspect_ratio"),
    Case("seed negative", TEXT, {"seed": -1}, 400017, "seed"),
    Case("seed too big", TEXT, {"seed": 2147483648}, 400017, "seed"),
    Case("bad style", TEXT, {"style": "watercolor"}, 400017, "style"),
    Case("bad camera", TEXT, {"camera_movement": "barrel_roll"}, 400017, "camera_movement"),
    Case(
        "camera on v5",
        TEXT,
        {"camera_movement": "zoom_in", "model": "v5"},
        400017,
        "camera_movement",
    ),
    Case(
        "camera with template",
        TEXT,
        {"camera_movement": "zoom_in", "template_id": 302325299692608},
        400017,
        "camera_movement",
    ),
    Case("unknown template", TEXT, {"template_id": 42}, 400017, "template_id"),
    Case(
        "template quality",
        TEXT,
        {"template_id": 315446315336768, "quality": "1080p"},
        500071,
        "quality",
    ),
    Case("prompt too long", TEXT, {"prompt": "x" * 2049}, 400018, "prompt"),
    Case(
        "negative prompt too long", TEXT, {"negative_prompt": "x" * 2049}, 400019, "negative_prompt"
    ),
    Case("v6 prompt too long", TEXT, {"model": "v6", "prompt": "x" * 5001}, 400018, "prompt"),
    Case("lip sync without text", TEXT, {"lip_sync_switch": True}, 400011, "lip_sync_tts_content"),
    Case(
        "tts text too long",
        TEXT,
        {"lip_sync_tts_switch": True, "lip_sync_tts_content": "x" * 201},
        400017,
        "lip_sync_tts_content",
    ),
]

IMAGE_CASES = [
    Case("missing img_id", IMAGE, {"img_id": DROP}, 400011, "img_id"),
    Case("img_id wrong type", IMAGE, {"img_id": "abc"}, 400013, "img_id"),
    Case("unknown img_id", IMAGE, {"img_id": 4503599627370497}, 400032, "img_id"),
    Case("img_id and img_ids", IMAGE, {"img_ids": [1, 2]}, 400017, "img_ids"),
]

TRANSITION_CASES = [
    Case("missing first", TRANSITION, {"first_frame_img": DROP}, 400011, "first_frame_img"),
    Case("missing last", TRANSITION, {"last_frame_img": DROP}, 400011, "last_frame_img"),
    Case(
        "unknown last", TRANSITION, {"last_frame_img": 4503599627370497}, 400032, "last_frame_img"
    ),
    Case(
        "camera on transition",
        TRANSITION,
        {"camera_movement": "zoom_in"},
        400017,
        "camera_movement",
    ),
]
