"""Preview render entry of mimic: the character image's subject moves as the reference video's
subject does."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.engines.preview.edits import mimicked, motion_track
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    greys,
    input_image,
    no_audio,
)
from pixforge.media.segment import segment


def frames(scene: Scene, _sound: Samples | None) -> Iterator[Frame]:
    job = scene.job
    assert job.video is not None
    out = job.output
    image = input_image(scene, 0)
    subjects = [region for region in segment(image) if region.name != "background"]
    if not subjects:
        raise ValueError("the character image has no subject to animate")
    # The reference's motion, measured in its own frame so it reads the same at any size.
    copies, _ = greys(scene, (job.video.width, job.video.height))
    # Shifts are in the small grey frame: as fractions of it, applied to the output.
    scale_x, scale_y = out.width / copies[0].shape[1], out.height / copies[0].shape[0]
    moves = [(dx * scale_x, dy * scale_y) for dx, dy in motion_track(copies)]
    return mimicked(image, subjects[0].mask, moves)


RENDERER = Renderer(frames, no_audio)
