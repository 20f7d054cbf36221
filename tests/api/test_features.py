"""The feature endpoints end to end over HTTP: real uploads, real renders, probed MP4s, credits."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from pixforge.domain.features.lip_sync import tts_seconds
from pixforge.media.probe import probe
from tests.support.media import (
    decode_frames,
    image_bytes,
    make_audio,
    make_scene_video,
    make_video,
    psnr,
)
from tests.support.server import Account, Api, RunningServer, make_settings, running_server

START = 100_000


def submit(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post(path, body)
    assert answer["ErrCode"] == 0, answer
    return dict(answer["Resp"])


def finished(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    result = api.wait(submit(api, path, body)["video_id"])
    assert result["status"] == 1, result
    return result


def fetch(api: Api, result: dict[str, Any], tmp_path: Path, name: str) -> Path:
    return api.download(result["url"], tmp_path / f"{name}.mp4")


def spent(api: Api) -> int:
    monthly, package = api.balance()
    return START - monthly - package


def refused(api: Api, path: str, body: dict[str, Any], code: int, field: str) -> None:
    answer = api.post(path, body)
    assert answer["ErrCode"] == code, (body, answer)
    assert field in answer["ErrMsg"], (field, answer)


@pytest.fixture
def clip(api: Api, tmp_path: Path) -> tuple[int, Path]:
    """An uploaded 2 s 640x360 H.264 clip with a moving disc (media id, local copy)."""
    path = make_scene_video(tmp_path / "clip.mp4", 640, 360, 2)
    return api.media_id(path), path


# -- extend


@pytest.mark.render
def test_extend_continues_from_the_last_frame(
    api: Api, tmp_path: Path, clip: tuple[int, Path]
) -> None:
    media_id, path = clip
    body = {"prompt": "keep going", "model": "v4.5", "duration": 5, "quality": "540p"}
    result = finished(
        api, "/openapi/v2/video/extend/generate", {**body, "video_media_id": media_id}
    )
    assert (result["outputWidth"], result["outputHeight"]) == (960, 540)
    frames = decode_frames(fetch(api, result, tmp_path, "extended"))
    assert len(frames) == 5 * 24
    source_last = decode_frames(path)[-1]
    resized = np.asarray(Image.fromarray(source_last).resize((960, 540)))
    assert psnr(frames[0], resized) > 27
    assert spent(api) == 45
    # A finished generation extends too, by source_video_id.
    again = finished(
        api, "/openapi/v2/video/extend/generate", {**body, "source_video_id": result["id"]}
    )
    first = decode_frames(fetch(api, again, tmp_path, "again"))[0]
    assert psnr(first, frames[-1]) > 30
    assert spent(api) == 90


def test_extend_rules(
    api: Api, server: RunningServer, clip: tuple[int, Path], tmp_path: Path
) -> None:
    media_id, _ = clip
    path = "/openapi/v2/video/extend/generate"
    body = {"prompt": "x", "model": "v4.5", "duration": 5, "quality": "540p"}
    refused(api, path, body, 400011, "source_video_id or video_media_id")
    both = {**body, "video_media_id": media_id, "source_video_id": media_id}
    refused(api, path, both, 400017, "not both")
    refused(api, path, {**body, "source_video_id": 4503599627370497}, 400017, "source_video_id")
    audio = api.media_id(make_audio(tmp_path / "a.wav", 1.0))
    refused(api, path, {**body, "video_media_id": audio}, 400017, "not a video")
    refused(api, path, {**body, "video_media_id": media_id, "duration": 7}, 400017, "duration")
    refused(api, path, {**body, "video_media_id": media_id, "prompt": ""}, 400011, "prompt")
    # Another account's upload is invisible.
    other = server.api(server.create_account())
    refused(other, path, {**body, "video_media_id": media_id}, 400017, "video_media_id")
    other.close()
    assert spent(api) == 0


# -- lip sync


def test_lip_sync_with_tts_follows_the_text(
    api: Api, tmp_path: Path, clip: tuple[int, Path]
) -> None:
    media_id, _ = clip
    text = "Hello there, this is pixforge speaking."
    body = {
        "video_media_id": media_id,
        "lip_sync_tts_speaker_id": "Auto",
        "lip_sync_tts_content": text,
    }
    result = finished(api, "/openapi/v2/video/lip_sync/generate", body)
    assert result["has_audio"] is True
    assert (result["outputWidth"], result["outputHeight"]) == (640, 360)
    info = probe(fetch(api, result, tmp_path, "tts"))
    assert info.audio is not None and info.audio.codec == "aac"
    assert info.video is not None
    assert info.video.frame_count == round(tts_seconds(text) * 24)
    assert info.duration_s == pytest.approx(tts_seconds(text), abs=0.1)
    assert spent(api) == 4 * math.ceil(len(text.encode()) / 15)


def test_lip_sync_with_uploaded_audio(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    audio_id = api.media_id(make_audio(tmp_path / "voice.wav", 3.4))
    body = {"video_media_id": media_id, "audio_media_id": audio_id}
    result = finished(api, "/openapi/v2/video/lip_sync/generate", body)
    info = probe(fetch(api, result, tmp_path, "voice"))
    # The 2 s clip bounces to cover 3.4 s of speech.
    assert info.video is not None and info.video.frame_count == round(3.4 * 24)
    assert info.audio is not None
    assert spent(api) == 4 * 4


def test_lip_sync_rules(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    path = "/openapi/v2/video/lip_sync/generate"
    audio_id = api.media_id(make_audio(tmp_path / "voice.wav", 1.0))
    base = {"video_media_id": media_id}
    refused(api, path, base, 400017, "audio_media_id or lip_sync_tts_speaker_id")
    tts = {"lip_sync_tts_speaker_id": "1", "lip_sync_tts_content": "hi"}
    refused(api, path, {**base, **tts, "audio_media_id": audio_id}, 400017, "not both")
    refused(api, path, {**base, "lip_sync_tts_content": "hi"}, 400011, "speaker")
    long_text = {**tts, "lip_sync_tts_content": "x" * 201}
    refused(api, path, {**base, **long_text}, 400017, "within 200 characters")
    refused(api, path, {**base, "audio_media_id": media_id}, 400017, "not audio")
    refused(api, path, {**base, **tts, "lip_sync_tts_speaker_id": "99"}, 400017, "speaker")
    lower = api.post(path, {**base, **tts, "lip_sync_tts_speaker_id": "auto"})
    assert lower["ErrCode"] == 0, lower  # guides send "auto" for "Auto"
    refused(api, path, {**tts}, 400011, "source_video_id or video_media_id")
    assert spent(api) == 4  # only the accepted "auto" request


# -- sound effect


def test_sound_effect_adds_or_mixes_a_track(api: Api, tmp_path: Path) -> None:
    silent = api.media_id(make_scene_video(tmp_path / "silent.mp4", 320, 240, 6))
    result = finished(
        api,
        "/openapi/v2/video/sound_effect/generate",
        {"video_media_id": silent, "sound_effect_content": "rain on a tin roof"},
    )
    assert result["has_audio"] is True
    info = probe(fetch(api, result, tmp_path, "rain"))
    assert info.audio is not None and info.duration_s == pytest.approx(6, abs=0.1)
    assert spent(api) == 20  # 10 credits per started 5 s
    loud = api.media_id(make_scene_video(tmp_path / "loud.mp4", 320, 240, 2, with_audio=True))
    mixed = finished(
        api,
        "/openapi/v2/video/sound_effect/generate",
        {"video_media_id": loud, "original_sound_switch": True},
    )
    assert mixed["has_audio"] is True
    assert spent(api) == 30


# -- fusion


@pytest.mark.render
def test_fusion_composites_subjects_over_the_background(api: Api, tmp_path: Path) -> None:
    background = api.image_id(image_bytes(800, 450, colour=(40, 90, 200)))
    subject = api.image_id(image_bytes(300, 400, colour=(230, 200, 40)))
    body = {
        "image_references": [
            {"type": "background", "img_id": background, "ref_name": "sky"},
            {"type": "subject", "img_id": subject, "ref_name": "star"},
        ],
        "prompt": "@star floats in @sky ",
        "model": "v4.5",
        "duration": 5,
        "quality": "540p",
        "aspect_ratio": "16:9",
    }
    result = finished(api, "/openapi/v2/video/fusion/generate", body)
    frames = decode_frames(fetch(api, result, tmp_path, "fusion"))
    assert len(frames) == 120 and frames[0].shape == (540, 960, 3)
    mean = frames[60].reshape(-1, 3).mean(axis=0)
    assert mean[2] > 120  # the blue background fills most of the frame
    yellow = (frames[60][..., 0] > 170) & (frames[60][..., 1] > 150) & (frames[60][..., 2] < 110)
    assert yellow.mean() > 0.02  # and the yellow subject stands in it
    assert spent(api) == 45


def test_fusion_rules(api: Api) -> None:
    image = api.image_id(image_bytes(200, 200))
    path = "/openapi/v2/video/fusion/generate"
    ref = {"type": "subject", "img_id": image, "ref_name": "cat"}
    body = {
        "image_references": [ref],
        "prompt": "@cat naps",
        "model": "v4.5",
        "duration": 5,
        "quality": "540p",
        "aspect_ratio": "16:9",
    }
    refused(api, path, {**body, "prompt": "a cat naps"}, 400017, "@cat")
    refused(api, path, {**body, "image_references": [ref, ref]}, 400017, "used twice")
    four = [{**ref, "ref_name": f"c{i}"} for i in range(4)]
    prompt = " ".join(f"@c{i}" for i in range(4))
    refused(api, path, {**body, "image_references": four, "prompt": prompt}, 400017, "1 to 3")
    submitted = api.post(path, {**body, "image_references": four, "prompt": prompt, "model": "v6"})
    assert submitted["ErrCode"] == 0, submitted  # newer models take up to 7
    refused(api, path, {**body, "model": "v4"}, 400017, "model")
    refused(api, path, {**body, "image_references": [{**ref, "type": "hat"}]}, 400017, "type")
    refused(api, path, {**body, "image_references": []}, 400011, "image_references")
    refused(api, path, {**body, "aspect_ratio": None}, 400011, "aspect_ratio")
    refused(api, path, {**body, "image_references": [{**ref, "img_id": 99}]}, 400032, "image")


# -- restyle


def test_restyle_list_and_covers(api: Api) -> None:
    answer = api.get("/openapi/v2/video/restyle/list?page_num=1&page_size=5")
    assert answer["ErrCode"] == 0, answer
    assert answer["Resp"]["total"] == 8 and len(answer["Resp"]["data"]) == 5
    item = answer["Resp"]["data"][0]
    assert set(item) == {"restyle_id", "restyle_name", "restyle_prompt", "cover_url"}
    cover = api.http.get(item["cover_url"])
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    # One guide sends the paging as a JSON body on this GET.
    body = api.http.request(
        "GET",
        "/openapi/v2/video/restyle/list",
        json={"page_num": "2", "page_size": "5"},
        headers=api.headers(),
    ).json()
    assert len(body["Resp"]["data"]) == 3
    bad = api.get("/openapi/v2/video/restyle/list?page_size=0")
    assert bad["ErrCode"] == 400017 and "page_size" in bad["ErrMsg"]


@pytest.mark.render
def test_restyle_changes_the_look_not_the_timing(
    api: Api, tmp_path: Path, clip: tuple[int, Path]
) -> None:
    media_id, path = clip
    answer = submit(
        api,
        "/openapi/v2/video/restyle/generate",
        {"video_media_id": media_id, "restyle_id": "23006"},
    )
    assert answer["credits"] == answer["credit"] == 18  # 360p rate, 2 s pro rata
    result = api.wait(answer["video_id"])
    assert result["status"] == 1 and result["resolution_ratio"] == 360
    frames = decode_frames(fetch(api, result, tmp_path, "noir"))
    source = decode_frames(path)
    assert len(frames) == len(source) == 48
    spread = np.abs(frames[10].astype(int) - frames[10].astype(int).mean(axis=2, keepdims=True))
    assert spread.mean() < 3  # film noir is black and white
    assert psnr(frames[10], source[10]) < 25
    by_prompt = finished(
        api,
        "/openapi/v2/video/restyle/generate",
        {"video_media_id": media_id, "restyle_prompt": "an anime cartoon"},
    )
    other = decode_frames(fetch(api, by_prompt, tmp_path, "anime"))
    assert psnr(other[10], frames[10]) < 25
    assert spent(api) == 36


def test_restyle_rules(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    path = "/openapi/v2/video/restyle/generate"
    refused(api, path, {"video_media_id": media_id}, 400017, "restyle_id or restyle_prompt")
    refused(api, path, {"video_media_id": media_id, "restyle_id": 7}, 400017, "restyle list")
    refused(api, path, {"video_media_id": media_id, "restyle_id": "x"}, 400013, "restyle_id")
    long_clip = api.media_id(make_video(tmp_path / "long.mp4", 160, 120, 17))
    refused(api, path, {"video_media_id": long_clip, "restyle_id": 23001}, 400017, "16 s")
    refused(
        api,
        path,
        {"video_media_id": media_id, "restyle_prompt": "x" * 2049},
        400017,
        "restyle_prompt",
    )
    assert spent(api) == 0


def test_blocked_restyle_prompt_is_refunded(api: Api, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    answer = submit(
        api,
        "/openapi/v2/video/restyle/generate",
        {"video_media_id": media_id, "restyle_prompt": "make it gore"},
    )
    assert api.wait(answer["video_id"])["status"] == 7
    assert spent(api) == 0


# -- multi-transition


@pytest.mark.render
def test_multi_transition_hits_every_keyframe(api: Api, tmp_path: Path) -> None:
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]
    ids = [api.image_id(image_bytes(640, 360, colour=c)) for c in colours]
    body = {
        "multi_transition": [
            {"img_id": ids[0], "duration": 2, "prompt": "red"},
            {"img_id": str(ids[1]), "duration": 3},
            {"img_id": ids[2]},
        ],
        "model": "v5",
        "quality": "540p",
    }
    answer = submit(api, "/openapi/v2/video/multi_transition/generate", body)
    assert answer["credits"] == 45
    result = api.wait(answer["video_id"])
    assert result["status"] == 1
    frames = decode_frames(fetch(api, result, tmp_path, "multi"))
    assert len(frames) == 5 * 24 and frames[0].shape == (540, 960, 3)
    for index, colour in ((0, 0), (48, 1), (119, 2)):
        means = frames[index].reshape(-1, 3).mean(axis=0)
        assert int(np.argmax(means)) == colour, (index, means)


def test_multi_transition_rules(api: Api) -> None:
    image = api.image_id(image_bytes(200, 200))
    path = "/openapi/v2/video/multi_transition/generate"

    def frames(*durations: int | None) -> list[dict[str, Any]]:
        return [
            {"img_id": image} if d is None else {"img_id": image, "duration": d} for d in durations
        ]

    body = {"model": "v4.5", "quality": "540p"}
    refused(api, path, {**body, "multi_transition": frames(None)}, 400017, "2 to 7")
    refused(api, path, {**body, "multi_transition": frames(*[1] * 7, None)}, 400017, "2 to 7")
    refused(api, path, {**body, "multi_transition": frames(6, 2, None)}, 400017, "1-5 s")
    refused(api, path, {**body, "multi_transition": frames(9, None)}, 400017, "1-8 s")
    refused(api, path, {**body, "multi_transition": frames(2, 3)}, 400017, "last keyframe")
    refused(api, path, {**body, "multi_transition": frames(None, None)}, 400011, "duration")
    fast = {**body, "motion_mode": "fast", "multi_transition": frames(8, None)}
    refused(api, path, fast, 400017, "fast")
    refused(
        api, path, {**body, "model": "v6", "multi_transition": frames(2, None)}, 400017, "model"
    )
    assert spent(api) == 0


# -- swap


@pytest.mark.render
def test_swap_replaces_the_selected_region(
    api: Api, tmp_path: Path, clip: tuple[int, Path]
) -> None:
    media_id, path = clip
    selection = submit(
        api, "/openapi/v2/video/mask/selection", {"video_media_id": media_id, "keyframe_id": 1}
    )
    assert selection["keyframe_id"] == 1 and selection["credits"] == 2
    assert api.http.get(selection["keyframe_url"]).headers["content-type"] == "image/jpeg"
    names = [mask["mask_name"] for mask in selection["mask_info"]]
    assert names[-1] == "background" and len(names) >= 2
    assert all(isinstance(mask["mask_id"], str) for mask in selection["mask_info"])
    target = selection["mask_info"][0]
    mask_png = api.http.get(target["mask_url"])
    assert mask_png.headers["content-type"] == "image/png"
    replacement = api.image_id(image_bytes(300, 300, colour=(250, 250, 0)))
    body = {
        "video_media_id": media_id,
        "keyframe_id": 1,
        "mask_id": target["mask_id"],
        "img_id": replacement,
        "quality": "360p",
    }
    answer = submit(api, "/openapi/v2/video/swap/generate", body)
    assert answer["credits"] == answer["credit"] == 18
    result = api.wait(answer["video_id"])
    assert result["status"] == 1
    frames = decode_frames(fetch(api, result, tmp_path, "swap"))
    assert len(frames) == 48 and frames[0].shape == (360, 640, 3)
    mask = cv2.imdecode(np.frombuffer(mask_png.content, np.uint8), 0) > 127
    inside = frames[0][mask]
    yellow = (inside[:, 0] > 180) & (inside[:, 1] > 180) & (inside[:, 2] < 120)
    assert yellow.mean() > 0.6
    source = decode_frames(path)[0]
    outside = ~cv2.dilate(mask.astype(np.uint8), np.ones((15, 15))).astype(bool)
    assert np.abs(frames[0][outside].astype(int) - source[outside].astype(int)).mean() < 8
    assert spent(api) == 2 + 18


def test_swap_rules(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    path = "/openapi/v2/video/mask/selection"
    refused(api, path, {"video_media_id": media_id, "keyframe_id": 49}, 400017, "keyframe_id")
    refused(api, path, {}, 400011, "source_video_id or video_media_id")
    other_clip = api.media_id(make_scene_video(tmp_path / "other.mp4", 320, 240, 1))
    selection = submit(api, path, {"video_media_id": media_id, "keyframe_id": 3})
    mask_id = selection["mask_info"][0]["mask_id"]
    image = api.image_id(image_bytes(64, 64))
    body = {
        "video_media_id": media_id,
        "keyframe_id": 3,
        "mask_id": mask_id,
        "img_id": image,
        "quality": "540p",
    }
    swap = "/openapi/v2/video/swap/generate"
    refused(api, swap, {**body, "quality": "1080p"}, 400017, "quality")
    refused(api, swap, {**body, "keyframe_id": 4}, 400017, "mask_id")
    refused(api, swap, {**body, "video_media_id": other_clip}, 400017, "mask_id")
    refused(api, swap, {**body, "img_id": None}, 400011, "img_id")
    refused(api, swap, {**body, "mask_id": ""}, 400011, "mask_id")
    assert spent(api) == 2  # only the selection was charged


def test_mask_selection_needs_credits(server: RunningServer, tmp_path: Path) -> None:
    poor = server.api(server.create_account(monthly=1))
    media_id = poor.media_id(make_scene_video(tmp_path / "c.mp4", 320, 240, 1))
    answer = poor.post("/openapi/v2/video/mask/selection", {"video_media_id": media_id})
    assert answer["ErrCode"] == 500090
    assert poor.balance() == (1, 0)
    poor.close()


# -- template activation


def test_templates_must_be_activated(server: RunningServer, account: Account, api: Api) -> None:
    template_id = 302325299692608
    body = {
        "model": "v4.5",
        "prompt": "",
        "duration": 5,
        "quality": "360p",
        "img_id": api.image_id(image_bytes(320, 240)),
        "template_id": template_id,
    }
    refused(api, "/openapi/v2/video/img/generate", body, 500070, "template_id")
    server.state.operator.activate_templates(account.account_id, [template_id])
    assert api.post("/openapi/v2/video/img/generate", body)["ErrCode"] == 0
    server.state.operator.deactivate_template(account.account_id, template_id)
    refused(api, "/openapi/v2/video/img/generate", body, 500070, "template_id")


def test_inline_lip_sync_on_text_to_video(api: Api, tmp_path: Path) -> None:
    body = {
        "prompt": "a news presenter",
        "model": "v4.5",
        "duration": 5,
        "quality": "360p",
        "aspect_ratio": "16:9",
        "lip_sync_switch": True,
        "lip_sync_tts_speaker_id": "2",
        "lip_sync_tts_content": "Good evening, here is the news.",
    }
    result = finished(api, "/openapi/v2/video/text/generate", body)
    assert result["has_audio"] is True
    info = probe(fetch(api, result, tmp_path, "news"))
    assert info.audio is not None and info.duration_s == pytest.approx(5, abs=0.1)
    assert spent(api) == 45 + 5 * 4


def test_mask_selection_replays_by_trace_id(api: Api, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    trace_id = "7a0d5f0e-3c1b-4a51-9d3e-2f3f0c1e8b11"
    body = {"video_media_id": media_id, "keyframe_id": 2}
    first = api.post("/openapi/v2/video/mask/selection", body, trace_id)
    again = api.post("/openapi/v2/video/mask/selection", body, trace_id)
    assert first["ErrCode"] == 0 and first == again
    assert spent(api) == 2
    other = api.post("/openapi/v2/video/mask/selection", {**body, "keyframe_id": 3}, trace_id)
    assert other["ErrCode"] == 400017 and "Ai-trace-id" in other["ErrMsg"]


@pytest.mark.render  # needs a generation still rendering while it asks
def test_sound_effect_on_a_finished_generation(api: Api, tmp_path: Path) -> None:
    source = finished(
        api,
        "/openapi/v2/video/text/generate",
        {
            "prompt": "waves on a beach",
            "model": "v5",
            "duration": 5,
            "quality": "360p",
            "aspect_ratio": "16:9",
        },
    )
    result = finished(
        api, "/openapi/v2/video/sound_effect/generate", {"source_video_id": source["id"]}
    )
    assert result["has_audio"] is True
    assert (result["outputWidth"], result["outputHeight"]) == (640, 360)
    assert spent(api) == 45 + 10
    unfinished = api.post(
        "/openapi/v2/video/text/generate",
        {"prompt": "x", "model": "v5", "duration": 8, "quality": "1080p", "aspect_ratio": "1:1"},
    )["Resp"]["video_id"]
    early = api.post("/openapi/v2/video/sound_effect/generate", {"source_video_id": unfinished})
    assert early["ErrCode"] == 400017 and "finished video" in early["ErrMsg"]


BLOCKED = "a scene of gore"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/openapi/v2/video/extend/generate",
            {"prompt": BLOCKED, "model": "v5", "duration": 5, "quality": "360p"},
        ),
        (
            "/openapi/v2/video/lip_sync/generate",
            {"lip_sync_tts_speaker_id": "1", "lip_sync_tts_content": BLOCKED},
        ),
        ("/openapi/v2/video/sound_effect/generate", {"sound_effect_content": BLOCKED}),
        ("/openapi/v2/video/restyle/generate", {"restyle_prompt": BLOCKED}),
    ],
)
def test_blocked_feature_text_is_refunded(
    api: Api, clip: tuple[int, Path], path: str, body: dict[str, Any]
) -> None:
    media_id, _ = clip
    answer = submit(api, path, {**body, "video_media_id": media_id})
    assert api.wait(answer["video_id"])["status"] == 7
    assert spent(api) == 0


def test_blocked_fusion_and_multi_transition_prompts_are_refunded(api: Api) -> None:
    image = api.image_id(image_bytes(200, 200))
    fusion = submit(
        api,
        "/openapi/v2/video/fusion/generate",
        {
            "image_references": [{"type": "subject", "img_id": image, "ref_name": "a"}],
            "prompt": f"@a in {BLOCKED}",
            "model": "v5",
            "duration": 5,
            "quality": "360p",
            "aspect_ratio": "1:1",
        },
    )
    multi = submit(
        api,
        "/openapi/v2/video/multi_transition/generate",
        {
            "multi_transition": [
                {"img_id": image, "duration": 1, "prompt": BLOCKED},
                {"img_id": image},
            ],
            "model": "v5",
            "quality": "360p",
        },
    )
    assert [api.wait(v["video_id"])["status"] for v in (fusion, multi)] == [7, 7]
    assert spent(api) == 0


def test_an_unfinished_swap_is_refunded_when_deleted(tmp_path: Path) -> None:
    # No workers: the swap stays in status 5 until an operator deletes it.
    with running_server(make_settings(tmp_path / "d", workers=0)) as server:
        api = server.api(server.create_account())
        media_id = api.media_id(make_scene_video(tmp_path / "c.mp4", 320, 240, 1))
        selection = submit(api, "/openapi/v2/video/mask/selection", {"video_media_id": media_id})
        answer = submit(
            api,
            "/openapi/v2/video/swap/generate",
            {
                "video_media_id": media_id,
                "keyframe_id": 1,
                "mask_id": selection["mask_info"][0]["mask_id"],
                "img_id": api.image_id(image_bytes(64, 64)),
                "quality": "720p",
            },
        )
        assert spent(api) == 2 + 12  # 720p: 60 per 5 s, so 12 for the 1 s source
        assert server.state.generations.delete(answer["video_id"]) == 5
        assert api.get(f"/openapi/v2/video/result/{answer['video_id']}")["Resp"]["status"] == 6
        assert spent(api) == 2  # the swap is refunded; the selection was a separate charge
        api.close()


def test_feature_generations_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    with running_server(make_settings(data_dir, workers=0, storage="local")) as server:
        account = server.create_account()
        api = server.api(account)
        media_id = api.media_id(make_scene_video(tmp_path / "c.mp4", 320, 240, 1))
        audio_id = api.media_id(make_audio(tmp_path / "v.wav", 1.0))
        bodies = [
            ("/openapi/v2/video/lip_sync/generate", {"audio_media_id": audio_id}),
            ("/openapi/v2/video/restyle/generate", {"restyle_id": 23004}),
            ("/openapi/v2/video/sound_effect/generate", {"sound_effect_content": "wind"}),
        ]
        ids = [submit(api, path, {**body, "video_media_id": media_id}) for path, body in bodies]
        before = api.balance()
        api.close()
    with running_server(make_settings(data_dir, workers=2, storage="local")) as server:
        api = server.api(account)
        results = [api.wait(answer["video_id"]) for answer in ids]
        assert [r["status"] for r in results] == [1, 1, 1]
        assert [r["has_audio"] for r in results] == [True, False, True]
        assert api.balance() == before  # charged once, at submission
        api.close()


def test_feature_limits_are_checked_by_probing_at_use(tmp_path: Path) -> None:
    # The operator allows longer and larger uploads; each feature still holds to its own limits.
    settings = make_settings(tmp_path / "d", media_max_duration_s=60, media_max_side_px=4000)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        long_clip = api.media_id(make_video(tmp_path / "long.mp4", 64, 64, 31))
        wide_clip = api.media_id(make_video(tmp_path / "wide.mp4", 2000, 64, 1))
        vp9_clip = api.media_id(
            make_scene_video(tmp_path / "clip.webm", 160, 120, 1, codec="libvpx-vp9")
        )
        extend = {"prompt": "x", "model": "v5", "duration": 5, "quality": "360p"}
        refused(
            api,
            "/openapi/v2/video/extend/generate",
            {**extend, "video_media_id": long_clip},
            400017,
            "30 s",
        )
        refused(
            api,
            "/openapi/v2/video/sound_effect/generate",
            {"video_media_id": wide_clip},
            400017,
            "1920 px",
        )
        refused(
            api,
            "/openapi/v2/video/mask/selection",
            {"video_media_id": vp9_clip},
            400017,
            "H.264",
        )
        # VP9 is fine where no codec rule applies.
        ok = api.post(
            "/openapi/v2/video/restyle/generate", {"video_media_id": vp9_clip, "restyle_id": 23001}
        )
        assert ok["ErrCode"] == 0, ok
        assert api.wait(ok["Resp"]["video_id"])["status"] == 1
        long_audio = api.media_id(make_audio(tmp_path / "long.wav", 31))
        refused(
            api,
            "/openapi/v2/video/lip_sync/generate",
            {"video_media_id": vp9_clip, "audio_media_id": long_audio},
            400017,
            "audio_media_id",
        )
        refused(
            api,
            "/openapi/v2/video/sound_effect/generate",
            {"video_media_id": vp9_clip, "sound_effect_content": "x" * 2049},
            400017,
            "sound_effect_content",
        )
        api.close()


# -- mimic


def subject_png(width: int, height: int) -> bytes:
    """A character: a warm figure (head and body) on a plain blue backdrop."""
    canvas = Image.new("RGB", (width, height), (40, 70, 140))
    pixels = np.asarray(canvas).copy()
    y, x = np.mgrid[0:height, 0:width]
    pixels[
        ((x - width / 2) / (width * 0.12)) ** 2 + ((y - height * 0.3) / (height * 0.12)) ** 2 < 1
    ] = (
        230,
        180,
        140,
    )
    pixels[(abs(x - width / 2) < width * 0.14) & (y > height * 0.42) & (y < height * 0.85)] = (
        200,
        60,
        50,
    )
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.render
def test_mimic_moves_the_character_like_the_reference(
    api: Api, tmp_path: Path, clip: tuple[int, Path]
) -> None:
    media_id, _ = clip  # a disc moving from 30% to 70% of the width
    character = api.image_id(subject_png(480, 360))
    answer = submit(
        api,
        "/openapi/v2/video/mimic/generate",
        {"video_media_id": media_id, "img_id": character, "quality": "360p"},
    )
    assert answer["credits"] == answer["credit"] == 9 * 2  # 9 per second at 360p
    result = api.wait(answer["video_id"])
    assert result["status"] == 1 and (result["outputWidth"], result["outputHeight"]) == (480, 360)
    frames = decode_frames(fetch(api, result, tmp_path, "mimic"))
    assert len(frames) == 48

    def body_x(frame: np.ndarray) -> float:
        red = (frame[..., 0] > 150) & (frame[..., 1] < 110) & (frame[..., 2] < 100)
        return float(np.nonzero(red)[1].mean())

    moved = body_x(frames[-1]) - body_x(frames[0])
    assert moved == pytest.approx(0.4 * 480, rel=0.25)  # the disc crossed 40% of the width


def test_mimic_rules(api: Api, tmp_path: Path, clip: tuple[int, Path]) -> None:
    media_id, _ = clip
    path = "/openapi/v2/video/mimic/generate"
    character = api.image_id(subject_png(320, 240))
    body = {"video_media_id": media_id, "img_id": character, "quality": "540p"}
    refused(api, path, {**body, "quality": "1080p"}, 400017, "quality")
    refused(api, path, {**body, "img_id": None}, 400011, "img_id")
    plain = api.image_id(image_bytes(320, 240, colour=(90, 90, 90)))
    refused(api, path, {**body, "img_id": plain}, 701002, "img_id")
    still = api.media_id(make_video(tmp_path / "flat.mp4", 160, 120, 1))
    refused(api, path, {**body, "video_media_id": still}, 701003, "reference video")
    assert spent(api) == 0


def test_extend_with_a_template_takes_the_template_length(
    server: RunningServer, account: Account, api: Api, clip: tuple[int, Path], tmp_path: Path
) -> None:
    media_id, _ = clip
    comic_pop = 315446315336769  # a 4 s template
    server.state.operator.activate_templates(account.account_id, [comic_pop])
    body = {
        "prompt": "",
        "model": "v4.5",
        "duration": 5,
        "quality": "360p",
        "template_id": comic_pop,
        "video_media_id": media_id,
    }
    result = finished(api, "/openapi/v2/video/extend/generate", body)
    info = probe(fetch(api, result, tmp_path, "templated"))
    assert info.video is not None and info.video.frame_count == 4 * 24
    assert spent(api) == 36  # 45 per 5 s, pro rata for 4 s: the length and the price agree
