"""Fusion / reference-to-video (POST /openapi/v2/video/fusion/generate): subjects and an
optional background, each named @name in the prompt."""

from __future__ import annotations

from collections.abc import Mapping

from pixforge.domain import pricing, rules
from pixforge.domain.errors import InvalidParameterError
from pixforge.domain.features.base import (
    REF_NAME,
    Feature,
    Needs,
    Planned,
    RuleContext,
    check_common,
    check_model_in,
    launch_texts,
    payload_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import LaunchCheck, ModelRules
from pixforge.domain.spec import FusionSpec, GenerationSpec, Mode, OutputFormat
from pixforge.values import FUSION_MODELS, FUSION_REFERENCE_KINDS

# v4.5 and v5 take up to 3 references; newer models up to 7 (spec §10, CN mirror).
MAX_REFS: Mapping[str, int] = {"v4.5": 3, "v5": 3}
MAX_REFS_DEFAULT = 7


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    payload = payload_of(spec, FusionSpec)
    check_model_in(spec, FUSION_MODELS)
    check = LaunchCheck(aspect_ratio=payload.aspect_ratio, takes_aspect_ratio=True)
    model_rules = rules.validate(spec, ctx.models, ctx.templates, check)
    rules.check_image_ids(ref.image for ref in payload.references)
    _check_references(spec, payload)
    return model_rules


def _check_references(spec: GenerationSpec, payload: FusionSpec) -> None:
    count = len(payload.references)
    most = MAX_REFS.get(spec.model, MAX_REFS_DEFAULT)
    if not 1 <= count <= most:
        raise InvalidParameterError(
            f"image_references: {count} given; model {spec.model} takes 1 to {most}"
        )
    seen: set[str] = set()
    for index, ref in enumerate(payload.references):
        field = f"image_references.{index}"
        if ref.kind not in FUSION_REFERENCE_KINDS:
            raise InvalidParameterError(
                f"{field}.type: {ref.kind!r} is not one of subject, background"
            )
        if not REF_NAME.fullmatch(ref.name):
            raise InvalidParameterError(
                f"{field}.ref_name: {ref.name[:40]!r} must be 1-30 letters, digits, _ or spaces"
            )
        if ref.name in seen:
            raise InvalidParameterError(f"{field}.ref_name: {ref.name!r} is used twice")
        seen.add(ref.name)
        if f"@{ref.name}" not in spec.prompt:
            raise InvalidParameterError(
                f"prompt: must reference @{ref.name} (from {field}.ref_name)"
            )
    if sum(ref.kind == "background" for ref in payload.references) > 1:
        raise InvalidParameterError("image_references: at most one background reference")


def needs(spec: GenerationSpec) -> Needs:
    images = tuple(ref.image for ref in payload_of(spec, FusionSpec).references)
    return Needs(images=images, image_required=True)


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, _manifest: JobManifest, ctx: RuleContext
) -> Planned:
    aspect_ratio = payload_of(spec, FusionSpec).aspect_ratio
    assert aspect_ratio is not None
    length_s = rules.effective_duration_s(spec, ctx.templates)
    return Planned(spec, rules.aspect_format(spec.quality, aspect_ratio, length_s))


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    return pricing.video_credits(spec, round(output.duration_s), table)


FEATURE = Feature(Mode.FUSION, validate, needs, plan, price, launch_texts)
