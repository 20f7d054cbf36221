"""Restyle (POST /openapi/v2/video/restyle/generate): a video (≤ 16 s) in a look from the restyle
list or one picked by a free-form prompt; priced per started second at the source's quality."""

from __future__ import annotations

from pixforge.domain import pricing
from pixforge.domain.catalogue import RESTYLES_BY_ID
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
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, RestyleSpec

LIMITS = SourceLimits(16)
PROMPT_MAX_CHARS = 2048


def validate(spec: GenerationSpec, _ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, RestyleSpec)
    check_one_source(payload.source)
    if payload.restyle_id is None and not payload.restyle_prompt.strip():
        raise InvalidParameterError("Either restyle_id or restyle_prompt must be provided")
    if payload.restyle_id is not None and payload.restyle_id not in RESTYLES_BY_ID:
        raise InvalidParameterError(
            f"restyle_id: {payload.restyle_id} is not in the restyle list "
            "(GET /openapi/v2/video/restyle/list)"
        )
    if len(payload.restyle_prompt) > PROMPT_MAX_CHARS:
        raise InvalidParameterError(f"restyle_prompt: at most {PROMPT_MAX_CHARS} characters")


def needs(spec: GenerationSpec) -> Needs:
    return Needs(video=payload_of(spec, RestyleSpec).source, video_limits=LIMITS)


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, manifest: JobManifest, _ctx: RuleContext
) -> Planned:
    video = video_of(manifest)
    output = keeps_source_picture(video, video.duration_s)
    return Planned(labelled(spec, output), output)


def price(spec: GenerationSpec, _o: OutputFormat, manifest: JobManifest, table: PriceTable) -> int:
    return pricing.per_second_credits(spec.quality, video_of(manifest).duration_s, table)


def texts(spec: GenerationSpec) -> tuple[str, ...]:
    return (payload_of(spec, RestyleSpec).restyle_prompt,)


FEATURE = Feature(Mode.RESTYLE, validate, needs, plan, price, texts)
