"""Image-to-video (POST /openapi/v2/video/img/generate): the camera moves over an uploaded image;
also effect templates (`template_id`, several images for multi-image templates)."""

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
from pixforge.domain.spec import GenerationSpec, ImageSpec, Mode, OutputFormat


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    model_rules = rules.validate(spec, ctx.models, ctx.templates, LaunchCheck())
    rules.check_image_ids(payload_of(spec, ImageSpec).images)
    return model_rules


def needs(spec: GenerationSpec) -> Needs:
    return Needs(images=payload_of(spec, ImageSpec).images, image_required=True)


def plan(
    spec: GenerationSpec, model_rules: ModelRules | None, manifest: JobManifest, ctx: RuleContext
) -> Planned:
    assert model_rules is not None
    length_s = rules.effective_duration_s(spec, ctx.templates)
    output = rules.image_format(spec.quality, model_rules, image_size_of(manifest), length_s)
    return Planned(spec, output)


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    return pricing.video_credits(spec, round(output.duration_s), table)


FEATURE = Feature(Mode.IMAGE, validate, needs, plan, price, launch_texts)
