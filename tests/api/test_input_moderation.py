"""Input moderation at submit over HTTP: a listed image answers 500054, a listed source video
and (when asked for) a blocked prompt answer 500063 — nothing charged; by default a blocked
prompt still ends in status 7, refunded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.media import image_bytes, make_scene_video
from tests.support.server import Api, RunningServer, make_settings, running_server

START = 100_000
TEXT = {"prompt": "a quiet harbour", "model": "v5", "duration": 5, "quality": "360p"}


@pytest.fixture
def blocked(tmp_path: Path) -> tuple[bytes, Path]:
    """A picture and a clip whose digests are on the blocked list."""
    picture = image_bytes(200, 160, colour=(200, 30, 30))
    clip = make_scene_video(tmp_path / "blocked.mp4", 320, 240, 1)
    listing = tmp_path / "blocked.txt"
    listing.write_text(
        "# refused inputs\n"
        f"{hashlib.sha256(picture).hexdigest()}  red square\n"
        f"{hashlib.sha256(clip.read_bytes()).hexdigest()}\n"
    )
    return picture, clip


def serve(tmp_path: Path, **overrides: Any) -> Iterator[RunningServer]:
    with running_server(make_settings(tmp_path / "data", **overrides)) as running:
        yield running


def spent(api: Api) -> int:
    monthly, package = api.balance()
    return START - monthly - package


def test_listed_inputs_are_refused(tmp_path: Path, blocked: tuple[bytes, Path]) -> None:
    picture, clip = blocked
    for server in serve(tmp_path, moderation_blocked_files=tmp_path / "blocked.txt"):
        api = server.api(server.create_account())
        bad_image = api.image_id(picture)
        good_image = api.image_id(image_bytes(200, 160, colour=(30, 200, 30)))
        answer = api.post("/openapi/v2/video/img/generate", {**TEXT, "img_id": bad_image})
        assert answer["ErrCode"] == 500054 and "img_id" in answer["ErrMsg"], answer
        assert answer["Resp"] is None
        ok = api.post("/openapi/v2/video/img/generate", {**TEXT, "img_id": good_image})
        assert ok["ErrCode"] == 0, ok
        media_id = api.media_id(clip)
        modify = {"video_media_id": media_id, "prompt": "make it snow", "quality": "360p"}
        answer = api.post("/openapi/v2/video/modify/generate", modify)
        assert answer["ErrCode"] == 500063 and "video_media_id" in answer["ErrMsg"], answer
        fusion = {
            **TEXT,
            "prompt": "@hero walks",
            "aspect_ratio": "16:9",
            "image_references": [{"type": "subject", "img_id": bad_image, "ref_name": "hero"}],
        }
        answer = api.post("/openapi/v2/video/fusion/generate", fusion)
        assert answer["ErrCode"] == 500054, answer
        assert "image_references.0.img_id" in answer["ErrMsg"]
        omni = {
            **TEXT,
            "model": "v6",
            "duration": 0,
            "prompt": "@clip spins",
            "aspect_ratio": "auto",
            "video_references": [{"ref_name": "clip", "video_media_id": media_id}],
        }
        answer = api.post("/openapi/v2/video/fusion/generate", omni)
        assert answer["ErrCode"] == 500063, answer
        assert "video_references.0.video_media_id" in answer["ErrMsg"]
        assert spent(api) == 45  # only the accepted generation


def test_blocked_prompt_at_submit(tmp_path: Path) -> None:
    for server in serve(tmp_path, moderation_at_submit=True):
        api = server.api(server.create_account())
        body = {**TEXT, "prompt": "a scene full of gore", "aspect_ratio": "16:9"}
        answer = api.post("/openapi/v2/video/text/generate", body)
        assert answer["ErrCode"] == 500063 and "gore" in answer["ErrMsg"], answer
        assert spent(api) == 0


def test_blocked_prompt_by_default_ends_in_status_7(api: Api) -> None:
    body = {**TEXT, "prompt": "a scene full of gore", "aspect_ratio": "16:9"}
    answer = api.post("/openapi/v2/video/text/generate", body)
    assert answer["ErrCode"] == 0
    assert api.wait(answer["Resp"]["video_id"])["status"] == 7
    assert spent(api) == 0  # refunded
