"""Preview render entry of fusion: the subjects cut out of their images and pasted into the
background image (or a scene drawn from the prompt), moving."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from pixforge.domain.spec import FusionSpec
from pixforge.engines.preview.camera import camera_frames
from pixforge.engines.preview.edits import fused, subject_cutout
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    bounded,
    launch_audio,
    with_mouth,
)
from pixforge.engines.preview.scene import SceneParams, scene_frames
from pixforge.media.images import cover, load_rgb


def frames(scene: Scene, audio: Samples | None) -> Iterator[Frame]:
    job, out = scene.job, scene.job.output
    payload = job.spec.feature
    assert isinstance(payload, FusionSpec)
    background: Iterator[Frame] | None = None
    subjects = []
    for image, reference in zip(job.images, payload.references, strict=True):
        pixels = np.asarray(load_rgb(Path(image.path)), np.uint8)
        if reference.kind == "background":
            still = cover(Image.fromarray(pixels), out.width, out.height)
            background = camera_frames(still, out.frame_count, scene.path, 1.0)
        else:
            subjects.append(subject_cutout(bounded(pixels, 480)))
    if background is None:
        params = SceneParams(out.width, out.height, out.frame_count, 1.0)
        negative = job.spec.options.negative_prompt
        background = scene_frames(job.spec.prompt, negative, job.seed, params)
    return with_mouth(fused(background, subjects, out.frame_count), scene, audio)


RENDERER = Renderer(frames, launch_audio)
