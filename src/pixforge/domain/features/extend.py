"""Extend (POST /openapi/v2/video/extend/generate): a new clip that starts on a video's last
frame, with the model rules of text-to-video."""

from __future__ import annotations

from pixforge.domain import pricing, rules
from pixforge.domain.features.base import (
    Feature,
    Needs,
    Planned,
    RuleContext,
    SourceLimits,
    check_common,
    check_one_source,
    launch_texts,
    payload_of,
    video_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import LaunchCheck, ModelRules
from pixforge.domain.spec import ExtendSpec, GenerationSpec, Mode, OutputFormat

LIMITS = SourceLimits(30)


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    check_one_source(payload_of(spec, ExtendSpec).source)
    return rules.validate(spec, ctx.models, ctx.templates, LaunchCheck())


def needs(spec: GenerationSpec) -> Needs:
    return Needs(video=payload_of(spec, ExtendSpec).source, video_limits=LIMITS)


def plan(
    spec: GenerationSpec, model_rules: ModelRules | None, manifest: JobManifest, ctx: RuleContext
) -> Planned:
    """The source's shape (clamped to the model's ratios) at the requested quality; the length
    is the request's, or the template's own."""
    assert model_rules is not None
    video = video_of(manifest)
    length_s = rules.effective_duration_s(spec, ctx.templates)
    size = (video.width, video.height)
    return Planned(spec, rules.image_format(spec.quality, model_rules, size, length_s))


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    return pricing.video_credits(spec, round(output.duration_s), table)


FEATURE = Feature(Mode.EXTEND, validate, needs, plan, price, launch_texts)
