"""Mimic / motion control (POST /openapi/v2/video/mimic/generate): an image's character moves
as the reference video's subject does; priced per started second of the reference."""

from __future__ import annotations

from pixforge.domain.features.base import (
    MB,
    Feature,
    Needs,
    Planned,
    RuleContext,
    SourceLimits,
    check_common,
    check_image_and_quality,
    check_one_source,
    image_size_of,
    payload_of,
    started_seconds,
    video_of,
    wide_format,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import ModelRules
from pixforge.domain.spec import GenerationSpec, MimicSpec, Mode, OutputFormat
from pixforge.values import MIMIC_QUALITIES

LIMITS = SourceLimits(30, max_bytes=100 * MB)


def validate(spec: GenerationSpec, _ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, MimicSpec)
    check_one_source(payload.source)
    check_image_and_quality(spec, payload.image, MIMIC_QUALITIES)


def needs(spec: GenerationSpec) -> Needs:
    payload = payload_of(spec, MimicSpec)
    return Needs(
        images=(payload.image,) if payload.image else (),
        image_required=True,
        video=payload.source,
        video_limits=LIMITS,
        subjects=True,
    )


def plan(
    spec: GenerationSpec, _rules: ModelRules | None, manifest: JobManifest, _ctx: RuleContext
) -> Planned:
    """The character image frames the video; the reference video sets its length."""
    seconds = video_of(manifest).duration_s
    return Planned(spec, wide_format(spec.quality, image_size_of(manifest), seconds))


def price(spec: GenerationSpec, _o: OutputFormat, manifest: JobManifest, table: PriceTable) -> int:
    return table.mimic_per_s[spec.quality] * started_seconds(video_of(manifest).duration_s)


def texts(_spec: GenerationSpec) -> tuple[str, ...]:
    return ()


FEATURE = Feature(Mode.MIMIC, validate, needs, plan, price, texts)
