"""Preview render entry of restyle: the source in a catalogue look (by id, or picked from a
free-form prompt), keeping its own sound."""

from __future__ import annotations

from collections.abc import Iterator

from pixforge.domain.catalogue import RESTYLES_BY_ID, restyle_for_prompt
from pixforge.domain.spec import RestyleSpec
from pixforge.engines.preview.edits import restyled
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    source_frames,
    source_sound,
)
from pixforge.media.video import fit_length


def audio(scene: Scene) -> Samples | None:
    kept = source_sound(scene)
    return fit_length(kept, scene.samples_total) if kept is not None else None


def frames(scene: Scene, _sound: Samples | None) -> Iterator[Frame]:
    payload = scene.job.spec.feature
    assert isinstance(payload, RestyleSpec)
    look = RESTYLES_BY_ID.get(payload.restyle_id or 0) or restyle_for_prompt(payload.restyle_prompt)
    return restyled(source_frames(scene), look)


RENDERER = Renderer(frames, audio)
