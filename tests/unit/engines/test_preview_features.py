"""The feature renderings measured: the voice, the moving mouth, segmentation, grades."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pixforge.containers.server import build_server
from pixforge.domain.catalogue import RESTYLES, restyle_for_prompt
from pixforge.domain.features.lip_sync import tts_seconds
from pixforge.domain.spec import (
    ImageRef,
    Mode,
    OutputFormat,
    RenderJob,
    SourceVideo,
)
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.edits import grade, restyle_cover
from pixforge.engines.preview.engine import PreviewEngine
from pixforge.engines.preview.voice import espeak_available, loudness_per_frame, speak, voice
from pixforge.media.encode import AUDIO_RATE_HZ
from pixforge.media.probe import probe
from pixforge.media.segment import find_face, segment
from pixforge.media.video import decode_audio
from tests.support.media import decode_frames, make_scene_video, make_video, psnr
from tests.support.server import make_settings, running_server
from tests.support.specs import flat_spec

pytestmark = pytest.mark.render


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    spectrum[:40] = 0  # ignore DC and rumble
    return float(np.argmax(spectrum) * AUDIO_RATE_HZ / len(samples))


@pytest.mark.parametrize("text", ["Hi.", "Hello there, how are you today?", "a" * 200])
def test_voice_length_follows_the_text(text: str) -> None:
    samples = speak(text, "1", seed=3)
    assert len(samples) == round(tts_seconds(text) * AUDIO_RATE_HZ)
    assert 0.3 < float(np.abs(samples).max()) <= 0.61


def test_voice_is_deterministic_and_speakers_differ() -> None:
    text = "Good morning everyone, welcome to the show."
    assert np.array_equal(speak(text, "3", 1), speak(text, "3", 1))
    low, high = speak(text, "1", 1), speak(text, "7", 1)
    assert abs(dominant_hz(low) - dominant_hz(high)) > 5
    # Words are voiced and the gaps between them are quiet.
    loudness = loudness_per_frame(speak(text, "1", 1), 24, round(tts_seconds(text) * 24))
    assert loudness.max() == pytest.approx(1.0) and loudness.min() < 0.1


def test_mouth_opens_with_the_voice(tmp_path: Path) -> None:
    source = make_video(tmp_path / "grey.mp4", 320, 240, 2)
    info_frames = 48
    text = "Open, close. Open wide, and close again!"
    frames_needed = round(tts_seconds(text) * 24)
    spec = flat_spec(
        mode=Mode.LIP_SYNC,
        model="",
        prompt="",
        quality="240p",
        duration_s=0,
        source_media_id=1,
        lip_sync_tts_speaker_id="2",
        lip_sync_tts_content=text,
    )
    job = RenderJob(
        1,
        spec,
        5,
        OutputFormat(320, 240, 24, frames_needed),
        video=SourceVideo(str(source), 320, 240, info_frames / 24, False, "h264"),
    )
    out = tmp_path / "lips.mp4"
    assert PreviewEngine(EngineConfig()).render(job, out, lambda _: None).has_audio
    frames = decode_frames(out)
    assert len(frames) == frames_needed
    # The mouth is the only dark-red thing; its open area tracks the voice's loudness.
    dark = np.array([((f[..., 0] < 90) & (f[..., 0] > f[..., 1] + 10)).sum() for f in frames])
    voice = decode_audio(out, AUDIO_RATE_HZ)
    assert voice is not None
    loudness = loudness_per_frame(voice, 24, frames_needed)
    assert np.corrcoef(dark, loudness)[0, 1] > 0.8


def test_segmentation_finds_the_object() -> None:
    frame = np.full((240, 320, 3), (90, 140, 200), np.uint8)
    y, x = np.mgrid[0:240, 0:320]
    disc = (x - 160) ** 2 + (y - 120) ** 2 < 60**2
    frame[disc] = (200, 40, 40)
    regions = segment(frame)
    assert [r.name for r in regions][-1] == "background"
    found = regions[0].mask
    iou = (found & disc).sum() / (found | disc).sum()
    assert iou > 0.8
    assert not (regions[-1].mask & found).any()
    assert np.array_equal(segment(frame)[0].mask, found)  # same frame, same masks


def test_a_face_coloured_oval_is_found() -> None:
    frame = np.full((240, 320, 3), (40, 80, 160), np.uint8)
    y, x = np.mgrid[0:240, 0:320]
    frame[((x - 200) / 40) ** 2 + ((y - 100) / 52) ** 2 < 1] = (224, 172, 140)
    box = find_face(frame)
    assert box is not None
    bx, by, bw, bh = box
    assert abs(bx + bw / 2 - 200) < 6 and abs(by + bh / 2 - 100) < 6
    assert find_face(np.full((240, 320, 3), (40, 80, 160), np.uint8)) is None


def test_restyles_look_different() -> None:
    covers = {r.restyle_id: restyle_cover(r) for r in RESTYLES}
    ids = list(covers)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert psnr(covers[a], covers[b]) < 28, (a, b)
    noir = grade(covers[23001], "noir").astype(int)
    assert np.abs(noir - noir.mean(axis=2, keepdims=True)).max() == 0


def test_restyle_prompts_pick_a_look() -> None:
    assert restyle_for_prompt("make it a vintage photo").restyle_id == 23007
    assert restyle_for_prompt("Neon futuristic city").restyle_id == 23005
    chosen = restyle_for_prompt("something else entirely")
    assert chosen == restyle_for_prompt("something else entirely")


def test_swap_follows_a_moving_object(tmp_path: Path) -> None:
    width, height, seconds = 320, 240, 2
    source = make_scene_video(tmp_path / "disc.mp4", width, height, seconds)
    y, x = np.mgrid[0:height, 0:width]

    def disc(progress: float) -> np.ndarray:
        cx = width * (0.3 + 0.4 * progress)
        return (x - cx) ** 2 + (y - height * 0.45) ** 2 < (height * 0.18) ** 2

    mask = tmp_path / "mask.png"
    mask.write_bytes(cv2.imencode(".png", disc(0.0).astype(np.uint8) * 255)[1].tobytes())
    hat = tmp_path / "hat.png"
    Image.new("RGB", (50, 50), (250, 230, 0)).save(hat)
    frames_total = seconds * 24
    spec = flat_spec(
        mode=Mode.SWAP,
        model="",
        prompt="",
        quality="360p",
        duration_s=0,
        source_media_id=1,
        keyframe=1,
        mask_id="m",
        image_ids=(1,),
    )
    job = RenderJob(
        1,
        spec,
        1,
        OutputFormat(width, height, 24, frames_total),
        (ImageRef(str(hat), 50, 50),),
        video=SourceVideo(str(source), width, height, seconds, False, "h264"),
        mask_path=str(mask),
    )
    out = tmp_path / "swap.mp4"
    PreviewEngine(EngineConfig()).render(job, out, lambda _: None)
    last = decode_frames(out)[-1]
    yellow = (last[..., 0] > 200) & (last[..., 1] > 180) & (last[..., 2] < 100)
    assert yellow[disc(1.0)].mean() > 0.7  # the swap moved with the disc
    assert yellow[disc(0.0) & ~disc(1.0)].mean() < 0.1  # and left its first place


@pytest.fixture
def espeak() -> None:
    """espeak-ng is installed by .ci/run; on a developer machine without it, skip."""
    if not espeak_available():
        if os.environ.get("CI"):
            pytest.fail("CI must install espeak-ng (.ci/run does)")
        pytest.skip("espeak-ng is not installed")


@pytest.mark.usefixtures("espeak")
def test_espeak_voice_fits_the_predicted_length() -> None:
    text = "Good evening. Here is the news, read by a real text to speech engine."
    samples = voice(text, "1", 0, "espeak")
    assert len(samples) == round(tts_seconds(text) * AUDIO_RATE_HZ)
    assert np.array_equal(samples, voice(text, "1", 0, "espeak"))  # deterministic
    loudness = loudness_per_frame(samples, 24, round(tts_seconds(text) * 24))
    assert (loudness > 0.2).mean() > 0.5  # speech most of the time, not padding
    other = voice(text, "2", 0, "espeak")
    assert not np.array_equal(samples, other)  # another speaker, another voice
    tricky = voice("-v --help", "Auto", 0, "espeak")  # text that looks like options
    assert float(np.abs(tricky).max()) > 0.1


@pytest.mark.usefixtures("espeak")
def test_espeak_engine_in_the_server(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", tts_engine="espeak")
    with running_server(settings) as server:
        api = server.api(server.create_account())
        media_id = api.media_id(make_scene_video(tmp_path / "c.mp4", 320, 240, 1))
        text = "Hello from espeak."
        answer = api.post(
            "/openapi/v2/video/lip_sync/generate",
            {
                "video_media_id": media_id,
                "lip_sync_tts_speaker_id": "3",
                "lip_sync_tts_content": text,
            },
        )
        result = api.wait(answer["Resp"]["video_id"])
        assert result["status"] == 1 and result["has_audio"] is True
        path = api.download(result["url"], tmp_path / "spoken.mp4")
        assert probe(path).duration_s == pytest.approx(tts_seconds(text), abs=0.1)
        api.close()


def test_espeak_engine_needs_the_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ValueError, match="espeak-ng"):
        build_server(make_settings(tmp_path / "d", tts_engine="espeak"))
