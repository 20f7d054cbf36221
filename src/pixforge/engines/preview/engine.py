"""Preview engine: a deterministic CPU renderer (not an AI model) honouring every request option.

Text-to-video draws a procedural scene from (prompt, seed); image-to-video moves the requested
camera over the uploaded image starting exactly on it; transitions morph the first image into the
last along optical flow. Style, effect template, watermark, caption and sound are applied on top.
Frames stream into the encoder one at a time, so memory stays flat whatever the duration.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.rules import Template
from pixforge.domain.spec import Mode, RenderJob
from pixforge.engines.base import EngineConfig, ProgressFn, RenderResult
from pixforge.engines.preview._cv import cv2, u8
from pixforge.engines.preview.audio import synthesize
from pixforge.engines.preview.camera import camera_frames, moving_camera, path_for
from pixforge.engines.preview.overlay import Patch, caption, watermark
from pixforge.engines.preview.scene import SceneParams, scene_frames
from pixforge.engines.preview.styles import STYLES
from pixforge.engines.preview.transition import transition_frames
from pixforge.media.encode import VideoEncoder, prefetched
from pixforge.media.images import cover, load_rgb

Frame = NDArray[np.uint8]
FAST_SPEED = 2.0


class PreviewEngine:
    """Renders every mode on the CPU; identical (job, seed) gives identical bytes."""

    name = "preview"

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        spec, out = job.spec, job.output
        template = self.config.templates.get(spec.template_id) if spec.template_id else None
        frames = self._finished_frames(job, template)
        audio = None
        if spec.sound_effect_switch:
            content = spec.sound_effect_content or (template.prompt if template else spec.prompt)
            audio = synthesize(content, job.seed, out.duration_s)
        encoder_settings = self.config.encoder
        with VideoEncoder(
            out_path, out.width, out.height, out.fps, encoder_settings, audio=audio
        ) as encoder:
            step = max(1, out.frame_count // 20)
            for index, frame in enumerate(prefetched(frames, depth=4)):
                encoder.write(frame)
                if index % step == 0:
                    progress(index / out.frame_count)
        progress(1.0)
        return RenderResult(has_audio=audio is not None)

    def close(self) -> None:
        """Nothing to release: the preview engine holds no model."""

    def _finished_frames(self, job: RenderJob, template: Template | None) -> Iterator[Frame]:
        spec, out = job.spec, job.output
        speed = FAST_SPEED if spec.motion_mode == "fast" else 1.0
        camera_name = spec.camera_movement if spec.camera_movement not in ("", "default") else ""
        if template is not None and not camera_name:
            camera_name = template.camera
        path = path_for(camera_name, job.seed)
        if spec.mode is Mode.TEXT:
            prompt = spec.prompt or (template.prompt if template else "")
            scene = scene_frames(
                prompt,
                spec.negative_prompt,
                job.seed,
                SceneParams(out.width, out.height, out.frame_count, speed),
            )
            frames = moving_camera(scene, out.frame_count, path, speed) if camera_name else scene
        elif spec.mode is Mode.IMAGE:
            image = cover(load_rgb(Path(job.images[0].path)), out.width, out.height)
            frames = camera_frames(image, out.frame_count, path, speed)
        else:
            first = cover(load_rgb(Path(job.images[0].path)), out.width, out.height)
            last = cover(load_rgb(Path(job.images[-1].path)), out.width, out.height)
            frames = transition_frames(first, last, out.frame_count)
        style = spec.style or (template.style if template else "")
        effect = template.effect if template else ""
        patches: list[Patch] = []
        if self.config.caption and spec.prompt:
            patches.append(caption(spec.prompt, out.width, out.height))
        if spec.water_mark:
            patches.append(watermark(out.width, out.height))
        return _post(frames, style, effect, patches, out.frame_count)


def _post(
    frames: Iterator[Frame], style: str, effect: str, patches: list[Patch], frame_count: int
) -> Iterator[Frame]:
    style_filter = STYLES.get(style)
    vignette = _vignette(frames) if effect == "vignette" else None
    total = max(1, frame_count - 1)
    for index, frame in enumerate(frames if vignette is None else vignette[1]):
        if style_filter is not None:
            frame = style_filter(frame)
        if effect:
            frame = _effect(frame, effect, index / total, vignette[0] if vignette else None)
        if patches:
            frame = np.ascontiguousarray(frame).copy()
            for patch in patches:
                patch.apply(frame)
        yield frame


def _vignette(frames: Iterator[Frame]) -> tuple[NDArray[np.float32], Iterator[Frame]]:
    first = next(frames)
    height, width = first.shape[:2]
    ys, xs = np.ogrid[:height, :width]
    r2 = ((xs - width / 2) / (width / 2)) ** 2 + ((ys - height / 2) / (height / 2)) ** 2
    mask = np.clip(1.0 - 0.45 * r2, 0.35, 1.0).astype(np.float32)[..., None]

    def chained() -> Iterator[Frame]:
        yield first
        yield from frames

    return mask, chained()


def _effect(frame: Frame, effect: str, t: float, mask: NDArray[np.float32] | None) -> Frame:
    if effect == "vignette" and mask is not None:
        return (frame.astype(np.float32) * mask).astype(np.uint8)
    if effect == "pulse":
        gain = 1.0 + 0.18 * math.sin(2 * math.pi * 2.0 * t) ** 2
        return u8(cv2.convertScaleAbs(frame, alpha=gain, beta=0))
    if effect == "flash":
        flash = max(0.0, 1.0 - abs(t - 0.3) / 0.08)
        return u8(
            cv2.addWeighted(frame, 1.0 - 0.6 * flash, np.full_like(frame, 255), 0.6 * flash, 0)
        )
    if effect == "shake":
        height, width = frame.shape[:2]
        amplitude = 0.012 * min(width, height) * (1.0 - t)
        dx = amplitude * math.sin(2 * math.pi * 7 * t)
        dy = amplitude * math.cos(2 * math.pi * 5 * t)
        matrix = np.array([[1.03, 0, dx - width * 0.015], [0, 1.03, dy - height * 0.015]])
        return u8(cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REFLECT_101))
    return frame
