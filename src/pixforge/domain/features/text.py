"""Text-to-video (POST /openapi/v2/video/text/generate): a scene drawn from the prompt."""

from __future__ import annotations

from pixforge.domain import pricing, rules
from pixforge.domain.features.base import (
    Feature,
    Needs,
    Planned,
    RuleContext,
    check_common,
    launch_texts,
    payload_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import LaunchCheck, ModelRules
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, TextSpec


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    aspect_ratio = payload_of(spec, TextSpec).aspect_ratio
    check = LaunchCheck(aspect_ratio=aspect_ratio, takes_aspect_ratio=True)
    return rules.validate(spec, ctx.models, ctx.templates, check)


def needs(_spec: GenerationSpec) -> Needs:
    return Needs()


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, _manifest: JobManifest, ctx: RuleContext
) -> Planned:
    aspect_ratio = payload_of(spec, TextSpec).aspect_ratio
    assert aspect_ratio is not None
    length_s = rules.effective_duration_s(spec, ctx.templates)
    return Planned(spec, rules.aspect_format(spec.quality, aspect_ratio, length_s))


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    return pricing.video_credits(spec, round(output.duration_s), table)


FEATURE = Feature(Mode.TEXT, validate, needs, plan, price, launch_texts)
