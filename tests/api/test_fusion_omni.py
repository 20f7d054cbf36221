"""Fusion in omni mode over HTTP: reference videos (video_references) set the output's length,
"auto" follows the first video, the preview plays them, the price follows the output length, and
every broken rule is refused with an ErrCode and a message naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from tests.support.media import image_bytes, make_audio, make_video
from tests.support.server import Api, RunningServer

PATH = "/openapi/v2/video/fusion/generate"
START = 100_000


def solid_clip(path: Path, width: int, height: int, seconds: float, rgb: tuple[int, ...]) -> Path:
    """An H.264 clip of one flat colour."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        frame = np.full((height, width, 3), rgb, np.uint8)
        for _ in range(round(seconds * 24)):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def omni(videos: list[dict[str, Any]], prompt: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "v6",
        "prompt": prompt,
        "quality": "360p",
        "duration": 0,
        "aspect_ratio": "auto",
        "reference_mode": "omni",
        "video_references": videos,
    }
    body.update(extra)
    return body


def spent(api: Api) -> int:
    monthly, package = api.balance()
    return START - monthly - package


def refused(api: Api, body: dict[str, Any], code: int, field: str) -> None:
    answer = api.post(PATH, body)
    assert answer["ErrCode"] == code, (body, answer)
    assert answer["Resp"] is None
    assert field in answer["ErrMsg"], (field, answer)


@pytest.mark.render
def test_omni_output_is_as_long_as_the_longest_reference_video(api: Api, tmp_path: Path) -> None:
    magenta = api.media_id(solid_clip(tmp_path / "m.mp4", 640, 360, 3.0, (230, 20, 230)))
    green = api.media_id(solid_clip(tmp_path / "g.mp4", 320, 240, 1.0, (20, 220, 30)))
    videos = [
        {"ref_name": "video1", "video_media_id": magenta},
        {"ref_name": "video2", "video_media_id": green},
    ]
    body = omni(videos, "@video1 glows behind @video2 ", style="realistic")
    answer = api.post(PATH, body)
    assert answer["ErrCode"] == 0, answer
    result = api.wait(answer["Resp"]["video_id"])
    assert result["status"] == 1, result
    assert (result["outputWidth"], result["outputHeight"]) == (640, 360)  # "auto": video 1

    path = api.download(result["url"], tmp_path / "omni.mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        seconds = float(stream.duration * stream.time_base) if stream.duration else 0.0
    assert len(frames) == 72  # 3 s at 24 fps: the longest reference video
    assert seconds == pytest.approx(3.0, abs=0.1)
    middle = frames[36]
    centre = middle[140:220, 200:440].reshape(-1, 3).mean(axis=0)
    assert centre[0] > 180 and centre[1] < 80 and centre[2] > 180  # video 1 is the backdrop
    corner = middle[30:80, 480:600].reshape(-1, 3).mean(axis=0)
    assert corner[1] > 170 and corner[0] < 90  # video 2 plays in the inset

    # Priced like a 3-second V6 request of the same quality (the per-second rules).
    charged = spent(api)
    image = api.image_id(image_bytes(200, 200))
    plain = {
        "model": "v6",
        "prompt": "@cat naps",
        "quality": "360p",
        "duration": 3,
        "aspect_ratio": "16:9",
        "image_references": [{"type": "subject", "img_id": image, "ref_name": "cat"}],
    }
    assert api.post(PATH, plain)["ErrCode"] == 0
    assert spent(api) == 2 * charged > 0


def test_a_finished_generation_can_be_a_reference_video(api: Api, tmp_path: Path) -> None:
    media = api.media_id(make_video(tmp_path / "c.mp4", 160, 96, 1.0))
    first = api.post(PATH, omni([{"ref_name": "clip", "video_media_id": media}], "@clip spins"))
    assert first["ErrCode"] == 0, first
    done = api.wait(first["Resp"]["video_id"])
    assert done["status"] == 1, done
    image = api.image_id(image_bytes(200, 300))
    body = omni(
        [{"ref_name": "Video1", "source_video_id": done["id"]}],
        "@Subject1 walks through @Video1 ",
        aspect_ratio="9:16",
        image_references=[{"type": "subject", "img_id": image, "ref_name": "Subject1"}],
    )
    second = api.post(PATH, body)
    assert second["ErrCode"] == 0, second
    result = api.wait(second["Resp"]["video_id"])
    assert result["status"] == 1, result
    assert (result["outputWidth"], result["outputHeight"]) == (360, 640)


def test_omni_rules(server: RunningServer, api: Api, tmp_path: Path) -> None:
    clip = api.media_id(make_video(tmp_path / "a.mp4", 64, 64, 1.0))
    ref = {"ref_name": "video1", "video_media_id": clip}
    body = omni([ref], "@video1 spins")
    image = api.image_id(image_bytes(100, 100))

    def images(count: int) -> list[dict[str, Any]]:
        return [{"type": "subject", "img_id": image, "ref_name": f"s{i}"} for i in range(count)]

    tags = " ".join(f"@s{i}" for i in range(11))
    refused(
        api,
        {**body, "image_references": images(11), "prompt": f"@video1 {tags}"},
        400017,
        "0 to 10",
    )
    refused(
        api,
        {**body, "video_references": [{**ref, "video_media_id": 999_999}]},
        400017,
        "video_references.0.video_media_id",
    )
    refused(
        api,
        {**body, "video_references": [{**ref, "source_video_id": 999_999, "video_media_id": None}]},
        400017,
        "video_references.0.source_video_id",
    )
    refused(
        api,
        {**body, "video_references": [{"ref_name": "video1"}]},
        400011,
        "video_references.0.video_media_id",
    )
    audio = api.media_id(make_audio(tmp_path / "a.wav", 1.0))
    refused(
        api, {**body, "video_references": [{**ref, "video_media_id": audio}]}, 400017, "not a video"
    )
    other = server.api(server.create_account())
    refused(other, body, 400017, "video_references.0.video_media_id")
    other.close()
    three = [{**ref, "ref_name": f"v{i}"} for i in range(3)]
    refused(api, {**body, "video_references": three, "prompt": "@v0 @v1 @v2"}, 400017, "at most 2")
    refused(api, {**body, "prompt": "@video1 meets @video2"}, 400017, "@video2")
    refused(api, {**body, "prompt": "a dance"}, 400017, "@video1")
    refused(api, {**body, "duration": 5}, 400017, "duration")
    refused(api, {**body, "model": "c1"}, 400017, "model")
    refused(api, {**body, "reference_mode": "blend"}, 400017, "reference_mode")
    refused(api, {**body, "video_references": None}, 400011, "video_references")
    refused(api, {**body, "video_references": [{**ref, "type": "image"}]}, 400017, "type")
    long_clip = api.media_id(make_video(tmp_path / "l.mp4", 64, 64, 16.0))
    refused(
        api, {**body, "video_references": [{**ref, "video_media_id": long_clip}]}, 400017, "15 s"
    )
    half = api.media_id(make_video(tmp_path / "h.mp4", 64, 64, 8.0))
    pair = [{**ref, "video_media_id": half}, {"ref_name": "video2", "video_media_id": half}]
    refused(
        api, {**body, "video_references": pair, "prompt": "@video1 @video2"}, 400017, "together"
    )
    # Without a reference video: no "auto", no duration 0, the old image limits.
    plain = {**body, "video_references": None, "reference_mode": None, "duration": 5}
    plain = {**plain, "image_references": images(1), "prompt": "@s0 naps"}
    refused(api, plain, 400017, "aspect_ratio")
    refused(api, {**plain, "aspect_ratio": "16:9", "duration": 0}, 400017, "duration")
    assert api.post(PATH, {**plain, "aspect_ratio": "16:9"})["ErrCode"] == 0
    assert spent(api) > 0  # only the accepted request was charged


def test_style_realistic_is_accepted(api: Api) -> None:
    body = {"model": "v6", "prompt": "a harbour at dawn", "quality": "360p", "duration": 5}
    body["aspect_ratio"] = "16:9"
    assert (
        api.post("/openapi/v2/video/text/generate", {**body, "style": "realistic"})["ErrCode"] == 0
    )
    answer = api.post("/openapi/v2/video/text/generate", {**body, "style": "photo"})
    assert answer["ErrCode"] == 400017 and "style" in answer["ErrMsg"]
