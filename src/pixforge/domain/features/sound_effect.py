"""Sound effect (POST /openapi/v2/video/sound_effect/generate): a generated sound track added
to a video (or mixed with its own sound), priced per started 5 s of the video."""

from __future__ import annotations

import math

from pixforge.domain import rules
from pixforge.domain.errors import InvalidParameterError
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
    video_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import ModelRules
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, SoundEffectSpec

LIMITS = SourceLimits(30)


def validate(spec: GenerationSpec, _ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, SoundEffectSpec)
    check_one_source(payload.source)
    if len(payload.content) > rules.SOUND_CONTENT_MAX_CHARS:
        raise InvalidParameterError(
            f"sound_effect_content: at most {rules.SOUND_CONTENT_MAX_CHARS} characters"
        )


def needs(spec: GenerationSpec) -> Needs:
    return Needs(video=payload_of(spec, SoundEffectSpec).source, video_limits=LIMITS)


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, manifest: JobManifest, _ctx: RuleContext
) -> Planned:
    video = video_of(manifest)
    output = keeps_source_picture(video, video.duration_s)
    return Planned(labelled(spec, output), output)


def price(_s: GenerationSpec, _o: OutputFormat, manifest: JobManifest, table: PriceTable) -> int:
    seconds = round(video_of(manifest).duration_s, 3)
    return table.sound_effect_per_5s * max(1, math.ceil(seconds / 5))


def texts(spec: GenerationSpec) -> tuple[str, ...]:
    return (payload_of(spec, SoundEffectSpec).content,)


FEATURE = Feature(Mode.SOUND_EFFECT, validate, needs, plan, price, texts)
