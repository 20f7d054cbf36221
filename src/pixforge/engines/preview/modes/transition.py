"""Preview render entry of transitions: the first image morphs into the last along optical
flow."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    input_image,
    launch_audio,
    with_mouth,
)
from pixforge.engines.preview.transition import transition_frames


def frames(scene: Scene, audio: Samples | None) -> Iterator[Frame]:
    count = scene.job.output.frame_count
    morph = transition_frames(input_image(scene, 0), input_image(scene, -1), count)
    return with_mouth(morph, scene, audio)


RENDERER = Renderer(frames, launch_audio)
