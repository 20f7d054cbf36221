"""Preview render entry of lip sync: the source (played forth and back when shorter than the
speech) with a mouth that moves with the uploaded audio or the TTS voice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pixforge.domain.spec import LipSyncSpec
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    mouthed,
    source_frames,
    spoken,
)
from pixforge.media.encode import AUDIO_RATE_HZ
from pixforge.media.video import decode_audio, fit_length


def audio(scene: Scene) -> Samples | None:
    job = scene.job
    assert isinstance(job.spec.feature, LipSyncSpec)
    if job.audio_path is not None:
        speech = decode_audio(Path(job.audio_path), AUDIO_RATE_HZ)
        if speech is None:
            raise ValueError("the audio upload has no audio track")
    else:
        payload = job.spec.feature
        speech = spoken(scene, payload.tts_content, payload.speaker_id)
    return fit_length(speech, scene.samples_total)


def frames(scene: Scene, sound: Samples | None) -> Iterator[Frame]:
    assert sound is not None
    return mouthed(source_frames(scene, bounce=True), scene, sound)


RENDERER = Renderer(frames, audio)
