"""Preview engine: a deterministic CPU renderer (not an AI model) honouring every request option.

Each mode has its render entry in engines/preview/modes/ (text draws a procedural scene from
prompt and seed; image moves the camera over the upload; transitions morph along optical flow;
the features edit their source video). This module sets up what they share (template, camera
path, speed), applies style, template effect and overlays on top, and streams the frames into
the encoder one at a time, so memory stays flat whatever the duration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from pixforge.domain.spec import RenderJob
from pixforge.engines._cv import cv2
from pixforge.engines.base import Capabilities, EngineConfig, ProgressFn, RenderResult
from pixforge.engines.preview.camera import path_for
from pixforge.engines.preview.finish import finished, multi_clip
from pixforge.engines.preview.modes import RENDERERS
from pixforge.engines.preview.modes.common import Frame, Scene
from pixforge.engines.preview.overlay import Patch, caption, watermark
from pixforge.media.encode import VideoEncoder, prefetched
from pixforge.media.segment import jpeg

FAST_SPEED = 2.0
NO_CAMERA = ("", "default")


class PreviewEngine:
    """Renders every mode on the CPU; identical (job, seed) gives identical bytes."""

    name = "preview"

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def capabilities(self) -> Capabilities:
        return Capabilities(None)

    def loaded_models(self) -> dict[str, int]:
        return {}

    def scene(self, job: RenderJob) -> Scene:
        """What the mode renderers share for this job."""
        spec, options = job.spec, job.spec.options
        template_id = spec.template_id
        template = self.config.templates.get(template_id) if template_id else None
        camera_name = options.camera_movement if options.camera_movement not in NO_CAMERA else ""
        if template is not None and not camera_name:
            camera_name = template.camera
        return Scene(
            job=job,
            config=self.config,
            template=template,
            path=path_for(camera_name, job.seed),
            speed=FAST_SPEED if options.motion_mode == "fast" else 1.0,
            camera_moves=bool(camera_name),
        )

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        scene = self.scene(job)
        renderer = RENDERERS[job.spec.mode]
        if renderer.picture is not None:
            still = draft_frame(job, 0) if self.config.draft else renderer.picture(scene)
            out_path.write_bytes(jpeg(still))
            progress(1.0)
            return RenderResult(has_audio=False)
        audio = renderer.audio(scene)
        out = job.output
        step = max(1, out.frame_count // 20)
        encoder_settings = self.config.encoder
        if self.config.draft:
            # Flat frames: x264's cheapest preset (bit-identical across runs too).
            encoder_settings = replace(encoder_settings, preset="ultrafast")
        with VideoEncoder(
            out_path, out.width, out.height, out.fps, encoder_settings, audio=audio
        ) as encoder:
            if self.config.draft:
                for index in range(out.frame_count):
                    encoder.write_flat(draft_colour(job, index))
                    if index % step == 0:
                        progress(index / out.frame_count)
            else:
                frames = self._finished(scene, renderer.frames(scene, audio))
                for index, frame in enumerate(prefetched(frames, depth=4)):
                    encoder.write(frame)
                    if index % step == 0:
                        progress(index / out.frame_count)
        progress(1.0)
        return RenderResult(has_audio=audio is not None)

    def frames(self, job: RenderJob) -> Iterator[Frame]:
        """The finished frames of a video job, without encoding them (benchmarks, tools)."""
        scene = self.scene(job)
        renderer = RENDERERS[job.spec.mode]
        return self._finished(scene, renderer.frames(scene, renderer.audio(scene)))

    def _finished(self, scene: Scene, frames: Iterator[Frame]) -> Iterator[Frame]:
        spec, out, template = scene.job.spec, scene.job.output, scene.template
        style = spec.options.style or (template.style if template else "")
        effect = template.effect if template else ""
        patches: list[Patch] = []
        if self.config.caption and spec.prompt:
            patches.append(caption(spec.prompt, out.width, out.height))
        if spec.water_mark:
            patches.append(watermark(out.width, out.height))
        if spec.options.multi_clip:
            frames = multi_clip(frames, out.frame_count)
        return finished(frames, style, effect, patches, out.frame_count)

    def close(self) -> None:
        """Nothing to release: the preview engine holds no model."""


def draft_colour(job: RenderJob, index: int) -> tuple[int, int, int]:
    """A flat colour from the seed, drifting over time (cheap to draw and to encode)."""
    hue = (job.seed * 37 + index * 2) % 180
    pixel = np.array([[[hue, 160, 200]]], np.uint8)
    red, green, blue = (int(v) for v in cv2.cvtColor(pixel, cv2.COLOR_HSV2RGB)[0, 0])
    return red, green, blue


def draft_frame(job: RenderJob, index: int) -> Frame:
    out = job.output
    return np.full((out.height, out.width, 3), draft_colour(job, index), np.uint8)


def build(config: EngineConfig) -> PreviewEngine:
    return PreviewEngine(config)
