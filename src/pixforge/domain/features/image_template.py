"""Image templates (POST /openapi/v2/image/template/generate): one styled picture from 1-2
uploaded images, polled at GET /openapi/v2/image/result/{id}; one price per picture."""

from __future__ import annotations

from fractions import Fraction

from pixforge.domain import rules
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.features.base import (
    Feature,
    Needs,
    Planned,
    RuleContext,
    check_common,
    image_size_of,
    labelled,
    payload_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import FPS, ModelRules
from pixforge.domain.spec import GenerationSpec, ImageTemplateSpec, Mode, OutputFormat


def validate(spec: GenerationSpec, ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, ImageTemplateSpec)
    if payload.template_id is None:
        raise MissingParameterError("template_id is required")
    template = ctx.templates.get(payload.template_id)
    if template is None:
        raise InvalidParameterError(f"template_id: template {payload.template_id} does not exist")
    if template.kind != "image":
        raise InvalidParameterError(
            f"template_id: template {payload.template_id} is a video template; use "
            "POST /openapi/v2/video/img/generate"
        )
    if not payload.images:
        raise MissingParameterError("img_ids is required")
    if len(payload.images) != template.images:
        raise InvalidParameterError(
            f"img_ids: template {template.template_id} ({template.name}) takes "
            f"{template.images} image(s), got {len(payload.images)}"
        )
    for image in payload.images:
        rules.check_id(image.field, image.image_id, "image id")


def needs(spec: GenerationSpec) -> Needs:
    return Needs(images=payload_of(spec, ImageTemplateSpec).images, image_required=True)


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, manifest: JobManifest, _ctx: RuleContext
) -> Planned:
    """One picture: 1080 px on its short side, the first image's shape (clamped)."""
    ratio = rules.clamp_ratio(Fraction(*image_size_of(manifest)), rules.WIDE_ASPECT_RATIOS)
    width, height = rules.frame_size("1080p", ratio)
    output = OutputFormat(width, height, FPS, 1)
    return Planned(labelled(spec, output), output)


def price(_s: GenerationSpec, _o: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    return table.image_template


def texts(_spec: GenerationSpec) -> tuple[str, ...]:
    return ()


FEATURE = Feature(Mode.IMAGE_TEMPLATE, validate, needs, plan, price, texts)
