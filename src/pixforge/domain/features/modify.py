"""Modify (POST /openapi/v2/video/modify/generate): a prompt edit of an existing video — a
swap, an addition, a removal, a free-form change (lighting, season, weather, colour) — limited to
mask regions named @selection0.. (from mask selections of the same video and keyframe) and
using reference images named @img0..; priced per started second of the source.

Sources: docs/spec-notes.md, "Modify".
"""

from __future__ import annotations

import re

from pixforge.domain import pricing, rules
from pixforge.domain.errors import InvalidParameterError, MissingParameterError, PromptTooLongError
from pixforge.domain.features.base import (
    Feature,
    MaskNeed,
    Needs,
    RuleContext,
    SourceLimits,
    check_common,
    check_one_source,
    payload_of,
    plan_at_source_shape,
    video_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.spec import GenerationSpec, Mode, ModifySpec, OutputFormat
from pixforge.values import (
    MODIFY_MAX_IMAGES,
    MODIFY_MAX_MASKS,
    MODIFY_PROMPT_MAX_CHARS,
    MODIFY_QUALITIES,
)

LIMITS = SourceLimits(30)
SELECTION = re.compile(r"@selection(\d+)")
IMAGE = re.compile(r"@img(\d+)")


def validate(spec: GenerationSpec, _ctx: RuleContext) -> None:
    check_common(spec)
    payload = payload_of(spec, ModifySpec)
    check_one_source(payload.source)
    if not spec.prompt.strip():
        raise MissingParameterError("prompt is required and must not be empty")
    if len(spec.prompt) > MODIFY_PROMPT_MAX_CHARS:
        raise PromptTooLongError(
            f"prompt: {len(spec.prompt)} characters; modify allows at most "
            f"{MODIFY_PROMPT_MAX_CHARS}"
        )
    if not spec.quality:
        raise MissingParameterError("quality is required")
    if spec.quality not in MODIFY_QUALITIES:
        raise InvalidParameterError(
            f"quality: {spec.quality!r} is not allowed for modify; allowed: "
            f"{', '.join(MODIFY_QUALITIES)}"
        )
    if len(payload.mask_ids) > MODIFY_MAX_MASKS:
        raise InvalidParameterError(f"mask_ids: at most {MODIFY_MAX_MASKS} masks")
    if len(payload.images) > MODIFY_MAX_IMAGES:
        raise InvalidParameterError(f"img_ids: at most {MODIFY_MAX_IMAGES} images")
    for index, mask_id in enumerate(payload.mask_ids):
        if not mask_id:
            raise MissingParameterError(f"mask_ids.{index}: a mask id must not be empty")
    if len(set(payload.mask_ids)) != len(payload.mask_ids):
        raise InvalidParameterError("mask_ids: a mask may be named only once")
    for image in payload.images:
        rules.check_id(image.field, image.image_id, "image id")
    if payload.keyframe is not None:
        rules.check_id("keyframe_id", payload.keyframe, "keyframe")
    _check_references(spec.prompt, "@selection", SELECTION, len(payload.mask_ids), "mask_ids")
    _check_references(spec.prompt, "@img", IMAGE, len(payload.images), "img_ids")


def _check_references(
    prompt: str, tag: str, pattern: re.Pattern[str], count: int, field: str
) -> None:
    """Every @selectionN / @imgN in the prompt names one of the sent masks / images."""
    for match in pattern.finditer(prompt):
        index = int(match.group(1))
        if index >= count:
            raise InvalidParameterError(
                f"prompt: {tag}{index} names a {field} entry that was not sent "
                f"({count} sent; they are {tag}0 to {tag}{max(count - 1, 0)})"
            )


def needs(spec: GenerationSpec) -> Needs:
    payload = payload_of(spec, ModifySpec)
    # Masks come from a selection at a keyframe (1 when none is named, as for swap).
    keyframe = payload.keyframe or 1
    return Needs(
        images=payload.images,
        video=payload.source,
        video_limits=LIMITS,
        masks=tuple(MaskNeed(mask_id, keyframe) for mask_id in payload.mask_ids),
    )


def price(spec: GenerationSpec, _o: OutputFormat, manifest: JobManifest, table: PriceTable) -> int:
    return pricing.modify_credits(spec.quality, video_of(manifest).duration_s, table)


def texts(spec: GenerationSpec) -> tuple[str, ...]:
    return (spec.prompt,)


FEATURE = Feature(Mode.MODIFY, validate, needs, plan_at_source_shape, price, texts)
