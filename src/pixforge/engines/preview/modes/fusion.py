"""Preview render entry of fusion: the subjects cut out of their images and pasted into the
background image (or a scene drawn from the prompt), moving. In omni mode the reference videos
play: the first is the backdrop when there is no background image, the others are insets."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from pixforge.domain.spec import FusionSpec, OutputFormat, SourceVideo
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
from pixforge.media.video import frames_at_rate

# An inset reference video: this fraction of the frame's width, this far from the edges.
INSET_SCALE = 0.3
INSET_MARGIN = 0.03


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
    videos = list(job.reference_videos)
    if background is None and videos:
        backdrop = videos.pop(0)
        background = _playing(backdrop, out, out.width, out.height)
    if background is None:
        params = SceneParams(out.width, out.height, out.frame_count, 1.0)
        negative = job.spec.options.negative_prompt
        background = scene_frames(job.spec.prompt, negative, job.seed, params)
    if videos:
        background = _with_insets(background, videos, out)
    return with_mouth(fused(background, subjects, out.frame_count), scene, audio)


def _playing(video: SourceVideo, out: OutputFormat, width: int, height: int) -> Iterator[Frame]:
    """The video at the output's rate for the whole output (its last frame holds after it)."""
    return frames_at_rate(Path(video.path), width, height, out.fps, out.frame_count)


def _with_insets(
    background: Iterator[Frame], videos: Sequence[SourceVideo], out: OutputFormat
) -> Iterator[Frame]:
    """Each further reference video plays in a box down the right-hand edge."""
    inset_w = max(2, int(out.width * INSET_SCALE) // 2 * 2)
    margin = int(out.width * INSET_MARGIN)
    boxes = []
    for video in videos:
        ratio = video.height / video.width if video.width else 9 / 16
        inset_h = max(2, min(out.height - 2 * margin, int(inset_w * ratio)) // 2 * 2)
        boxes.append((_playing(video, out, inset_w, inset_h), inset_h))
    for frame in background:
        frame = frame.copy()
        top = margin
        for playing, inset_h in boxes:
            inset = next(playing, None)
            if inset is not None and top + inset_h <= out.height:
                left = out.width - margin - inset_w
                frame[top : top + inset_h, left : left + inset_w] = inset
            top += inset_h + margin
        yield frame


RENDERER = Renderer(frames, launch_audio)
