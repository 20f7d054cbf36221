"""Generation success paths end to end: submit over HTTP, poll, download, decode the MP4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pixforge.media.probe import probe
from tests.cases.generate import VALID_TEXT
from tests.support.media import decode_frames, image_bytes, psnr
from tests.support.server import Account, Api, RunningServer


def generate(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post(path, body)
    assert answer["ErrCode"] == 0, answer
    video_id = answer["Resp"]["video_id"]
    assert isinstance(video_id, int) and 2**52 <= video_id < 2**53
    result = api.wait(video_id)
    assert result["status"] == 1, result
    return result


def download(api: Api, result: dict[str, Any], tmp_path: Path) -> Path:
    response = api.http.get(result["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert int(response.headers["content-length"]) == result["size"] == len(response.content)
    path = tmp_path / f"{result['id']}.mp4"
    path.write_bytes(response.content)
    return path


@pytest.mark.parametrize(
    ("quality", "aspect", "duration", "model", "size"),
    [
        ("360p", "16:9", 5, "v4.5", (640, 360)),
        ("540p", "9:16", 5, "v5", (540, 960)),
        ("360p", "1:1", 8, "v3.5", (360, 360)),
        ("360p", "21:9", 2, "v6", (840, 360)),
    ],
)
def test_text_to_video(
    api: Api,
    tmp_path: Path,
    quality: str,
    aspect: str,
    duration: int,
    model: str,
    size: tuple[int, int],
) -> None:
    body = {
        **VALID_TEXT,
        "quality": quality,
        "aspect_ratio": aspect,
        "duration": duration,
        "model": model,
        "negative_prompt": "blurry",
        "style": "anime",
        "seed": 77,
    }
    result = generate(api, "/openapi/v2/video/text/generate", body)
    assert (result["outputWidth"], result["outputHeight"]) == size
    assert result["resolution_ratio"] == int(quality[:-1])
    assert result["prompt"] == body["prompt"] and result["negative_prompt"] == "blurry"
    assert result["style"] == "anime" and result["seed"] == 77
    assert result["has_audio"] is False
    for field in ("create_time", "modify_time"):
        assert isinstance(result[field], str) and result[field].endswith("Z")
    info = probe(download(api, result, tmp_path))
    assert info.video is not None
    assert info.video.codec == "h264" and info.video.pix_fmt == "yuv420p"
    assert (info.video.width, info.video.height) == size
    assert info.video.frame_count == duration * 24
    assert info.video.fps == pytest.approx(24)
    assert info.duration_s == pytest.approx(duration, abs=0.05)
    assert info.audio is None


@pytest.mark.render
def test_same_request_and_seed_give_identical_bytes(api: Api, tmp_path: Path) -> None:
    body = {**VALID_TEXT, "seed": 1234}
    first = download(api, generate(api, "/openapi/v2/video/text/generate", body), tmp_path)
    second = download(api, generate(api, "/openapi/v2/video/text/generate", body), tmp_path)
    assert first.read_bytes() == second.read_bytes()
    other = download(
        api, generate(api, "/openapi/v2/video/text/generate", {**body, "seed": 1235}), tmp_path
    )
    assert other.read_bytes() != first.read_bytes()


def test_seed_is_chosen_and_reported_when_absent(api: Api) -> None:
    result = generate(api, "/openapi/v2/video/text/generate", VALID_TEXT)
    assert 0 <= result["seed"] <= 2147483647


def test_digit_string_ids_and_pixverse_defaults_are_accepted(api: Api) -> None:
    img_id = api.image_id(image_bytes(400, 300))
    body = {
        "model": "v5",
        "prompt": "pan",
        "duration": "5",
        "quality": "360p",
        "img_id": str(img_id),
        "motion_mode": "normal",
        "negative_prompt": "",
        "seed": 0,
        "style": "",
        "template_id": 0,
        "water_mark": False,
        "play_bgm": False,
        "sound_effect_switch": False,
        "sound_effect_content": "",
        "lip_sync_tts_switch": False,
        "some_future_field": {"x": 1},
    }
    result = generate(api, "/openapi/v2/video/img/generate", body)
    assert result["seed"] == 0


@pytest.mark.render
def test_image_to_video_starts_on_the_image(api: Api, tmp_path: Path) -> None:
    source = image_bytes(800, 600)
    img_id = api.image_id(source)
    body = {
        "model": "v4.5",
        "prompt": "slow zoom",
        "duration": 5,
        "quality": "540p",
        "img_id": img_id,
        "camera_movement": "zoom_in",
    }
    result = generate(api, "/openapi/v2/video/img/generate", body)
    assert (result["outputWidth"], result["outputHeight"]) == (720, 540)
    frames = decode_frames(download(api, result, tmp_path))
    assert len(frames) == 120
    import io

    from PIL import Image

    expected = np.asarray(Image.open(io.BytesIO(source)).convert("RGB").resize((720, 540)))
    assert psnr(frames[0], expected) > 30
    assert psnr(frames[-1], expected) < psnr(frames[0], expected)


@pytest.mark.render
def test_transition_runs_from_first_to_last(api: Api, tmp_path: Path) -> None:
    first = api.image_id(image_bytes(640, 360, colour=(220, 30, 30)))
    last = api.image_id(image_bytes(640, 360, colour=(30, 30, 220)))
    body = {
        "model": "v4.5",
        "prompt": "morph",
        "duration": 5,
        "quality": "360p",
        "first_frame_img": first,
        "last_frame_img": last,
    }
    result = generate(api, "/openapi/v2/video/transition/generate", body)
    assert (result["outputWidth"], result["outputHeight"]) == (640, 360)
    frames = decode_frames(download(api, result, tmp_path))
    red = np.full((360, 640, 3), (220, 30, 30), np.uint8)
    blue = np.full((360, 640, 3), (30, 30, 220), np.uint8)
    assert psnr(frames[0], red) > 35
    assert psnr(frames[-1], blue) > 35
    middle = frames[len(frames) // 2].astype(int).mean(axis=(0, 1))
    assert 60 < middle[0] < 190 and 60 < middle[2] < 190


def test_effect_template_uses_its_own_length(
    server: RunningServer, account: Account, api: Api
) -> None:
    server.state.operator.activate_templates(account.account_id, [302325299692608])
    img_id = api.image_id(image_bytes(400, 400))
    body = {
        "model": "v4.5",
        "prompt": "",
        "duration": 8,
        "quality": "540p",
        "img_id": img_id,
        "template_id": 302325299692608,
    }
    result = generate(api, "/openapi/v2/video/img/generate", body)
    assert (result["outputWidth"], result["outputHeight"]) == (540, 540)


def test_sound_effect_gives_an_audio_track_and_has_audio(api: Api, tmp_path: Path) -> None:
    body = {**VALID_TEXT, "sound_effect_switch": True, "sound_effect_content": "rain on a roof"}
    result = generate(api, "/openapi/v2/video/text/generate", body)
    assert result["has_audio"] is True
    info = probe(download(api, result, tmp_path))
    assert info.audio is not None and info.audio.codec == "aac"
    silent = generate(api, "/openapi/v2/video/text/generate", VALID_TEXT)
    assert silent["has_audio"] is False


@pytest.mark.render
def test_progress_is_reported_while_generating(api: Api) -> None:
    import time

    body = {**VALID_TEXT, "model": "v5", "quality": "1080p", "duration": 8}
    video_id = api.post("/openapi/v2/video/text/generate", body)["Resp"]["video_id"]
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        resp = api.get(f"/openapi/v2/video/result/{video_id}")["Resp"]
        if resp["status"] != 5:
            break
        seen.add(resp["progress"])
        time.sleep(0.2)
    assert resp["status"] == 1 and resp["progress"] == 100
    assert any(0 < p < 100 for p in seen), seen
