"""What the preview engine's mode renderers share: the per-job Scene and the helpers that
several modes use (launch-option sound, the moving mouth, source frames, motion tracking)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.rules import Template
from pixforge.domain.spec import RenderJob
from pixforge.engines._cv import cv2, u8
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.camera import CameraPath
from pixforge.engines.preview.edits import track_region
from pixforge.engines.preview.voice import loudness_per_frame, moving_mouth, voice
from pixforge.media.encode import AUDIO_RATE_HZ
from pixforge.media.images import cover, load_rgb
from pixforge.media.sound import synthesize
from pixforge.media.video import decode_audio, fit_length, frames_at_rate

Frame = NDArray[np.uint8]
Samples = NDArray[np.float32]
TRACK_SIDE_PX = 320


@dataclass(frozen=True, slots=True)
class Scene:
    """One job as the mode renderers see it, with what the engine derived from its options."""

    job: RenderJob
    config: EngineConfig
    template: Template | None
    path: CameraPath
    speed: float
    camera_moves: bool

    @property
    def samples_total(self) -> int:
        return round(self.job.output.duration_s * AUDIO_RATE_HZ)


@dataclass(frozen=True, slots=True)
class Renderer:
    """A mode's render entry: its frames (given its sound track) and its sound track, or — for
    picture modes — one still."""

    frames: Callable[[Scene, Samples | None], Iterator[Frame]]
    audio: Callable[[Scene], Samples | None]
    picture: Callable[[Scene], Frame] | None = None


def no_audio(_scene: Scene) -> Samples | None:
    return None


def spoken(scene: Scene, text: str, speaker_id: str) -> Samples:
    return voice(text, speaker_id or "Auto", scene.job.seed, scene.config.tts_engine)


def launch_audio(scene: Scene) -> Samples | None:
    """The launch options' sound: lip-synced TTS, or a generated sound effect (also the
    native audio of generate_audio_switch, made from the prompt)."""
    options = scene.job.spec.options
    if options.lip_sync_switch and options.lip_sync_tts_content:
        speech = spoken(scene, options.lip_sync_tts_content, options.lip_sync_tts_speaker_id)
        return fit_length(speech, scene.samples_total)
    if options.sound_effect_switch or options.generate_audio:
        template = scene.template
        content = options.sound_effect_content or (
            template.prompt if template else scene.job.spec.prompt
        )
        samples = synthesize(content, scene.job.seed, scene.job.output.duration_s)
        return fit_length(samples, scene.samples_total)
    return None


def with_mouth(frames: Iterator[Frame], scene: Scene, audio: Samples | None) -> Iterator[Frame]:
    """A mouth that moves with the speech when the launch options ask for lip sync."""
    if not scene.job.spec.options.lip_sync_switch or audio is None:
        return frames
    return mouthed(frames, scene, audio)


def mouthed(frames: Iterator[Frame], scene: Scene, audio: Samples) -> Iterator[Frame]:
    out = scene.job.output
    return moving_mouth(frames, loudness_per_frame(audio, out.fps, out.frame_count))


def source_path(scene: Scene) -> Path:
    assert scene.job.video is not None, "a video-input mode was rendered without its video"
    return Path(scene.job.video.path)


def source_frames(scene: Scene, *, bounce: bool = False) -> Iterator[Frame]:
    """The input video resampled to the output's size, rate and length."""
    out = scene.job.output
    return frames_at_rate(
        source_path(scene), out.width, out.height, out.fps, out.frame_count, bounce=bounce
    )


def source_sound(scene: Scene) -> Samples | None:
    """The source video's own sound, decoded only by the modes that keep it."""
    video = scene.job.video
    if video is None or not video.has_audio:
        return None
    return decode_audio(Path(video.path), AUDIO_RATE_HZ)


def greys(scene: Scene, frame_size: tuple[int, int]) -> tuple[list[NDArray[np.uint8]], float]:
    """A small grey copy of the source at the output's rate, and its scale."""
    out = scene.job.output
    width, height = frame_size
    scale = min(1.0, TRACK_SIDE_PX / max(width, height))
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    copies = [
        u8(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
        for frame in frames_at_rate(source_path(scene), *size, out.fps, out.frame_count)
    ]
    return copies, scale


def region_shifts(
    scene: Scene, mask: NDArray[np.bool_], keyframe: int
) -> list[tuple[float, float]]:
    """How far a mask region drawn on the source's `keyframe` (1-based, the source's own
    frames) has moved in each output frame (optical flow; swap and modify follow it)."""
    job = scene.job
    assert job.video is not None
    out = job.output
    copies, scale = greys(scene, (out.width, out.height))
    inside = np.asarray(
        cv2.resize(mask.astype(np.uint8), copies[0].shape[::-1], interpolation=cv2.INTER_NEAREST),
        bool,
    )
    video = job.video
    source_fps = video.frame_count / video.duration_s if video.frame_count else 24
    start = min(len(copies) - 1, round((keyframe - 1) * out.fps / source_fps))
    shifts = track_region(copies, max(0, start), inside)
    return [(dx / scale, dy / scale) for dx, dy in shifts]


def bounded(pixels: Frame, side: int) -> Frame:
    """`pixels` scaled down so its longer side is at most `side`."""
    height, width = pixels.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale == 1.0:
        return pixels
    size = (max(2, int(width * scale)), max(2, int(height * scale)))
    return u8(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA))


def input_image(scene: Scene, index: int) -> Frame:
    """An input image covering the output's frame."""
    out = scene.job.output
    return cover(load_rgb(Path(scene.job.images[index].path)), out.width, out.height)
