"""Preview render entry of image-to-video: the camera moves over the uploaded image, starting
exactly on it."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.engines.preview.camera import camera_frames
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    input_image,
    launch_audio,
    with_mouth,
)


def frames(scene: Scene, audio: Samples | None) -> Iterator[Frame]:
    count = scene.job.output.frame_count
    moved = camera_frames(input_image(scene, 0), count, scene.path, scene.speed)
    return with_mouth(moved, scene, audio)


RENDERER = Renderer(frames, launch_audio)
