"""Preview engine: a deterministic CPU renderer (not an AI model) honouring size, length and inputs.

Text-to-video draws a procedural scene from (prompt, seed); image-to-video moves a camera over the
uploaded image starting exactly on it; transitions dissolve from the first image to the last.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pixforge.domain.spec import Mode, RenderJob
from pixforge.engines.base import ProgressFn, RenderResult
from pixforge.media.encode import EncoderSettings, VideoEncoder
from pixforge.media.images import cover, load_rgb

Frame = NDArray[np.uint8]


def _ease(t: float) -> float:
    """Smoothstep: zero velocity at both ends."""
    return t * t * (3.0 - 2.0 * t)


def _rng(job: RenderJob) -> np.random.Generator:
    key = f"{job.spec.prompt}\x00{job.spec.negative_prompt}\x00{job.seed}\x00{job.spec.model}"
    digest = hashlib.sha256(key.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class PreviewEngine:
    """Renders every mode on the CPU; identical (job, seed) gives identical bytes."""

    name = "preview"

    def __init__(self, encoder: EncoderSettings) -> None:
        self.encoder = encoder

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        out = job.output
        frames = self._frames(job)
        with VideoEncoder(out_path, out.width, out.height, out.fps, self.encoder) as encoder:
            step = max(1, out.frame_count // 20)
            for index, frame in enumerate(frames):
                encoder.write(frame)
                if index % step == 0:
                    progress(index / out.frame_count)
        progress(1.0)
        return RenderResult(has_audio=False)

    def close(self) -> None:
        """Nothing to release: the preview engine holds no model."""

    def _frames(self, job: RenderJob) -> Iterator[Frame]:
        if job.spec.mode is Mode.TEXT:
            return _text_frames(job)
        if job.spec.mode is Mode.IMAGE:
            return _image_frames(job)
        return _transition_frames(job)


def _text_frames(job: RenderJob) -> Iterator[Frame]:
    out = job.output
    rng = _rng(job)
    colours = rng.integers(30, 230, size=(3, 3)).astype(np.float32)
    ys = np.linspace(0.0, 1.0, out.height, dtype=np.float32)[:, None, None]
    xs = np.linspace(0.0, 1.0, out.width, dtype=np.float32)[None, :, None]
    # A diagonal three-colour gradient, twice as wide as the frame so it can scroll seamlessly.
    wide_x = np.linspace(0.0, 2.0, out.width * 2, dtype=np.float32)[None, :, None]
    phase = (wide_x + ys * 0.5) * math.pi
    weight = (np.sin(phase) + 1.0) / 2.0
    gradient = colours[0] * weight + colours[1] * (1.0 - weight)
    gradient = gradient * 0.8 + colours[2] * 0.2 * ys
    base = np.clip(gradient, 0, 255).astype(np.uint8)
    blobs = rng.random((4, 5)).astype(np.float32)
    blob_colour = rng.integers(120, 256, size=(4, 3)).astype(np.float32)
    radius = max(4.0, min(out.width, out.height) * 0.12)
    for index in range(out.frame_count):
        t = index / max(1, out.frame_count - 1)
        shift = round(_ease(t) * out.width * 0.5)
        frame = base[:, shift : shift + out.width].astype(np.float32)
        for blob, colour in zip(blobs, blob_colour, strict=True):
            cx = (blob[0] + blob[2] * 0.6 * math.sin(2 * math.pi * (t + blob[4]))) % 1.0
            cy = (blob[1] + blob[3] * 0.4 * math.cos(2 * math.pi * (t + blob[4]))) % 1.0
            _add_blob(frame, xs, ys, cx, cy, radius, colour, out.width, out.height)
        yield np.clip(frame, 0, 255).astype(np.uint8)


def _add_blob(
    frame: NDArray[np.float32],
    xs: NDArray[np.float32],
    ys: NDArray[np.float32],
    cx: float,
    cy: float,
    radius: float,
    colour: NDArray[np.float32],
    width: int,
    height: int,
) -> None:
    """Blend a soft disc into the frame, touching only its bounding box."""
    px, py = cx * width, cy * height
    x0, x1 = max(0, int(px - radius)), min(width, int(px + radius) + 1)
    y0, y1 = max(0, int(py - radius)), min(height, int(py + radius) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    dx = xs[:, x0:x1] * width - px
    dy = ys[y0:y1] * height - py
    alpha = np.clip(1.0 - np.sqrt(dx * dx + dy * dy) / radius, 0.0, 1.0) * 0.7
    region = frame[y0:y1, x0:x1]
    region += (colour - region) * alpha


def _image_frames(job: RenderJob) -> Iterator[Frame]:
    out = job.output
    base_array = cover(load_rgb(Path(job.images[0].path)), out.width, out.height)
    base = Image.fromarray(base_array)
    yield base_array
    zoom_end = 1.12 if job.spec.motion_mode == "fast" else 1.06
    for index in range(1, out.frame_count):
        t = _ease(index / max(1, out.frame_count - 1))
        scale = 1.0 + (zoom_end - 1.0) * t
        box_w, box_h = out.width / scale, out.height / scale
        left, top = (out.width - box_w) / 2, (out.height - box_h) / 2
        frame = base.resize(
            (out.width, out.height),
            Image.Resampling.BILINEAR,
            box=(left, top, left + box_w, top + box_h),
        )
        yield np.asarray(frame, dtype=np.uint8)


def _transition_frames(job: RenderJob) -> Iterator[Frame]:
    out = job.output
    first = cover(load_rgb(Path(job.images[0].path)), out.width, out.height).astype(np.float32)
    last = cover(load_rgb(Path(job.images[1].path)), out.width, out.height).astype(np.float32)
    for index in range(out.frame_count):
        t = _ease(index / max(1, out.frame_count - 1))
        yield np.clip(first * (1.0 - t) + last * t + 0.5, 0, 255).astype(np.uint8)
