"""Preview render entry of multi-transition: keyframes chained by transitions, each segment as
long as asked."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.domain.spec import MultiTransitionSpec
from pixforge.engines.preview.edits import chained_transitions
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    input_image,
    launch_audio,
)


def frames(scene: Scene, _audio: Samples | None) -> Iterator[Frame]:
    job = scene.job
    assert isinstance(job.spec.feature, MultiTransitionSpec)
    keyframes = [input_image(scene, index) for index in range(len(job.images))]
    counts = [frame.duration_s * job.output.fps for frame in job.spec.feature.keyframes[:-1]]
    return chained_transitions(keyframes, counts)


RENDERER = Renderer(frames, launch_audio)
