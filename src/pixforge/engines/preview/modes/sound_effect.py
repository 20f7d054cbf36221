"""Preview render entry of sound effects: the source's picture with a generated sound track
(from the content, or the source's own prompt), mixed with its own sound when asked."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.domain.spec import SoundEffectSpec
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    source_frames,
    source_sound,
)
from pixforge.media.sound import synthesize
from pixforge.media.video import fit_length


def audio(scene: Scene) -> Samples | None:
    job = scene.job
    payload = job.spec.feature
    assert isinstance(payload, SoundEffectSpec)
    length = scene.samples_total
    prompt = job.video.prompt if job.video is not None else ""
    effect = synthesize(payload.content or prompt, job.seed, job.output.duration_s)
    kept = source_sound(scene) if payload.original_sound else None
    if kept is not None:
        return fit_length(0.55 * fit_length(kept, length) + 0.55 * effect, length)
    return fit_length(effect, length)


def frames(scene: Scene, _sound: Samples | None) -> Iterator[Frame]:
    return source_frames(scene)


RENDERER = Renderer(frames, audio)
