"""Lip sync (POST /openapi/v2/video/lip_sync/generate): a video speaks uploaded audio or TTS.

The output keeps the source's picture and lasts as long as the speech (a shorter source is
played forth and back), priced per second of audio or per bytes of TTS text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pixforge.domain.catalogue import check_speaker
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.features.base import (
    Feature,
    Needs,
    Planned,
    RuleContext,
    SourceLimits,
    check_common,
    check_one_source,
    keeps_source_picture,
    labelled,
    payload_of,
    started_seconds,
    video_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import ModelRules, check_id
from pixforge.domain.spec import GenerationSpec, LipSyncSpec, Mode, OutputFormat
from pixforge.values import TTS_MAX_CHARS

LIMITS = SourceLimits(30)

# The TTS voice's timing (the preview voice follows it, and sizes and prices are set from it).
TTS_CHARS_PER_S = 14.0
TTS_PAUSES_S: Mapping[str, float] = {",": 0.25, ";": 0.25, ":": 0.25, ".": 0.4, "!": 0.4, "?": 0.4}


def tts_char_seconds(char: str) -> float:
    """How long the voice spends on one character, its pause included."""
    return 1 / TTS_CHARS_PER_S + TTS_PAUSES_S.get(char, 0.0)


def tts_seconds(text: str) -> float:
    """How long the synthesised voice speaks `text`: ~14 characters a second, plus pauses."""
    pauses = sum(TTS_PAUSES_S.get(char, 0.0) for char in text)
    return round(max(0.5, len(text.strip()) / TTS_CHARS_PER_S + pauses), 3)


def validate(spec: GenerationSpec, _ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, LipSyncSpec)
    check_one_source(payload.source)
    tts = bool(payload.speaker_id or payload.tts_content)
    if payload.audio_media_id is not None and tts:
        raise InvalidParameterError(
            "audio_media_id, lip_sync_tts_speaker_id: send uploaded audio or TTS, not both"
        )
    if payload.audio_media_id is not None:
        check_id("audio_media_id", payload.audio_media_id)
        return
    if not tts:
        raise InvalidParameterError(
            "audio_media_id or lip_sync_tts_speaker_id with lip_sync_tts_content must be provided"
        )
    if not payload.speaker_id:
        raise MissingParameterError("lip_sync_tts_speaker_id is required with TTS content")
    if not payload.tts_content.strip():
        raise MissingParameterError("lip_sync_tts_content is required with a TTS speaker")
    if len(payload.tts_content) > TTS_MAX_CHARS:
        raise InvalidParameterError(
            f"lip_sync_tts_content: TTS text must be within {TTS_MAX_CHARS} characters"
        )
    check_speaker(payload.speaker_id)


def needs(spec: GenerationSpec) -> Needs:
    payload = payload_of(spec, LipSyncSpec)
    return Needs(video=payload.source, video_limits=LIMITS, audio_media_id=payload.audio_media_id)


def speech_seconds(spec: GenerationSpec, manifest: JobManifest) -> float:
    """The uploaded audio's length, or how long the TTS voice speaks the text."""
    if manifest.audio is not None:
        return manifest.audio.duration_s
    return tts_seconds(payload_of(spec, LipSyncSpec).tts_content)


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, manifest: JobManifest, _ctx: RuleContext
) -> Planned:
    output = keeps_source_picture(video_of(manifest), speech_seconds(spec, manifest))
    return Planned(labelled(spec, output), output)


def price(spec: GenerationSpec, _o: OutputFormat, manifest: JobManifest, table: PriceTable) -> int:
    if manifest.audio is not None:
        return table.lip_sync_per_s * started_seconds(manifest.audio.duration_s)
    text_bytes = len(payload_of(spec, LipSyncSpec).tts_content.encode("utf-8"))
    return table.lip_sync_per_s * max(1, math.ceil(text_bytes / table.lip_sync_tts_bytes))


def texts(spec: GenerationSpec) -> tuple[str, ...]:
    return (payload_of(spec, LipSyncSpec).tts_content,)


FEATURE = Feature(Mode.LIP_SYNC, validate, needs, plan, price, texts)
