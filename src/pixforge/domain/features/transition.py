"""First/last-frame transition (POST /openapi/v2/video/transition/generate)."""

from __future__ import annotations

from pixforge.domain import pricing, rules
from pixforge.domain.features.base import (
    Feature,
    Needs,
    Planned,
    RuleContext,
    check_common,
    image_size_of,
    launch_texts,
    payload_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import LaunchCheck, ModelRules
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, TransitionSpec


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    check = LaunchCheck(camera_allowed=False)
    model_rules = rules.validate(spec, ctx.models, ctx.templates, check)
    payload = payload_of(spec, TransitionSpec)
    rules.check_image_ids((payload.first, payload.last))
    return model_rules


def needs(spec: GenerationSpec) -> Needs:
    payload = payload_of(spec, TransitionSpec)
    return Needs(images=(payload.first, payload.last), image_required=True)


def plan(
    spec: GenerationSpec, model_rules: ModelRules | None, manifest: JobManifest, ctx: RuleContext
) -> Planned:
    assert model_rules is not None
    length_s = rules.effective_duration_s(spec, ctx.templates)
    output = rules.image_format(spec.quality, model_rules, image_size_of(manifest), length_s)
    return Planned(spec, output)


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    return pricing.video_credits(spec, round(output.duration_s), table)


FEATURE = Feature(Mode.TRANSITION, validate, needs, plan, price, launch_texts)
