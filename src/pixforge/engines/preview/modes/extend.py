"""Preview render entry of extend: the source's last frame is frame 0, then the camera moves
on."""

from __future__ import annotations

from collections.abc import Iterator

from PIL import Image

from pixforge.engines.preview.camera import camera_frames
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    launch_audio,
    source_path,
    with_mouth,
)
from pixforge.media.images import cover
from pixforge.media.video import last_frame


def frames(scene: Scene, audio: Samples | None) -> Iterator[Frame]:
    out = scene.job.output
    start = cover(Image.fromarray(last_frame(source_path(scene))), out.width, out.height)
    moved = camera_frames(start, out.frame_count, scene.path, scene.speed)
    return with_mouth(moved, scene, audio)


RENDERER = Renderer(frames, launch_audio)
