"""Preview render entry of swap: the masked region replaced by the image, following the region
through the clip (optical flow from the keyframe the mask was drawn on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.spec import SwapSpec
from pixforge.engines.preview.edits import swapped
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    region_shifts,
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
    return region_shifts(scene, mask, _payload(scene).keyframe or 1)


RENDERER = Renderer(frames, audio)
