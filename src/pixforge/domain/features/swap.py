"""Swap step 2 (POST /openapi/v2/video/swap/generate): a region chosen in a mask selection
(step 1, services/masks.py) replaced by an image throughout the video; priced per second."""

from __future__ import annotations

from pixforge.domain import pricing
from pixforge.domain.errors import MissingParameterError
from pixforge.domain.features.base import (
    Feature,
    MaskNeed,
    Needs,
    RuleContext,
    SourceLimits,
    check_common,
    check_image_and_quality,
    check_one_source,
    payload_of,
    plan_at_source_shape,
    video_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, SwapSpec
from pixforge.values import SWAP_QUALITIES

CODECS = ("h264", "hevc")
LIMITS = SourceLimits(30, codecs=CODECS)


def validate(spec: GenerationSpec, _ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, SwapSpec)
    check_one_source(payload.source)
    if payload.keyframe is None:
        raise MissingParameterError("keyframe_id is required")
    if not payload.mask_id:
        raise MissingParameterError("mask_id is required")
    check_image_and_quality(spec, payload.image, SWAP_QUALITIES)


def needs(spec: GenerationSpec) -> Needs:
    payload = payload_of(spec, SwapSpec)
    return Needs(
        images=(payload.image,) if payload.image else (),
        image_required=True,
        video=payload.source,
        video_limits=LIMITS,
        mask=MaskNeed(payload.mask_id, payload.keyframe),
    )


def price(spec: GenerationSpec, _o: OutputFormat, manifest: JobManifest, table: PriceTable) -> int:
    return pricing.per_second_credits(spec.quality, video_of(manifest).duration_s, table)


def texts(_spec: GenerationSpec) -> tuple[str, ...]:
    return ()


FEATURE = Feature(Mode.SWAP, validate, needs, plan_at_source_shape, price, texts)
