"""Preview render entry of swap: the masked region replaced by the image, following the region
through the clip (optical flow from the keyframe the mask was drawn on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.spec import SwapSpec
from pixforge.engines._cv import cv2
from pixforge.engines.preview.edits import swapped, track_region
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    greys,
    source_frames,
    source_sound,
)
from pixforge.media.images import load_rgb
from pixforge.media.segment import read_mask
from pixforge.media.video import fit_length


def _payload(scene: Scene) -> SwapSpec:
    payload = scene.job.spec.feature
    assert isinstance(payload, SwapSpec)
    return payload


def audio(scene: Scene) -> Samples | None:
    kept = source_sound(scene) if _payload(scene).original_sound else None
    return fit_length(kept, scene.samples_total) if kept is not None else None


def frames(scene: Scene, _sound: Samples | None) -> Iterator[Frame]:
    job = scene.job
    assert job.mask_path is not None
    mask = read_mask(Path(job.mask_path).read_bytes())
    replacement = np.asarray(load_rgb(Path(job.images[0].path)), np.uint8)
    return swapped(source_frames(scene), mask, replacement, _track(scene, mask))


def _track(scene: Scene, mask: NDArray[np.bool_]) -> list[tuple[float, float]]:
    """The region's shift per output frame, from the keyframe it was drawn on."""
    job = scene.job
    assert job.video is not None
    out = job.output
    copies, scale = greys(scene, (out.width, out.height))
    inside = np.asarray(
        cv2.resize(mask.astype(np.uint8), copies[0].shape[::-1], interpolation=cv2.INTER_NEAREST),
        bool,
    )
    # A keyframe index counts the source's own frames; map it to the output's 24 fps.
    video = job.video
    source_fps = video.frame_count / video.duration_s if video.frame_count else 24
    keyframe = _payload(scene).keyframe or 1
    start = min(len(copies) - 1, round((keyframe - 1) * out.fps / source_fps))
    shifts = track_region(copies, max(0, start), inside)
    return [(dx / scale, dy / scale) for dx, dy in shifts]


RENDERER = Renderer(frames, audio)
