"""Multi-transition (POST /openapi/v2/video/multi_transition/generate): 2-7 keyframes chained by
transitions, each segment with its own length; priced per second of the whole clip."""

from __future__ import annotations

import math

from pixforge.domain import pricing, rules
from pixforge.domain.errors import InvalidParameterError
from pixforge.domain.features.base import (
    Feature,
    Needs,
    Planned,
    RuleContext,
    check_common,
    check_model_in,
    image_size_of,
    payload_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import FPS, LaunchCheck, ModelRules
from pixforge.domain.spec import GenerationSpec, Mode, MultiTransitionSpec, OutputFormat
from pixforge.values import MULTI_TRANSITION_MODELS

FRAMES = (2, 7)
TOTAL_S = 30
PROMPT_MAX_CHARS = 2048


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    payload = payload_of(spec, MultiTransitionSpec)
    check_model_in(spec, MULTI_TRANSITION_MODELS)
    _check_segments(spec, payload)
    check = LaunchCheck(camera_allowed=False, segmented=True)
    model_rules = rules.validate(spec, ctx.models, ctx.templates, check)
    rules.check_image_ids(frame.image for frame in payload.keyframes)
    return model_rules


def _check_segments(spec: GenerationSpec, payload: MultiTransitionSpec) -> None:
    count = len(payload.keyframes)
    low, high = FRAMES
    if not low <= count <= high:
        raise InvalidParameterError(
            f"multi_transition: {count} keyframes given; send {low} to {high}"
        )
    durations = [frame.duration_s for frame in payload.keyframes]
    longest = 5 if count >= 3 else 8
    for index, seconds in enumerate(durations[:-1]):
        if not 1 <= seconds <= longest:
            raise InvalidParameterError(
                f"multi_transition.{index}.duration: {seconds} s; each segment must be 1-"
                f"{longest} s with {count} keyframes"
            )
        if spec.options.motion_mode == "fast" and seconds > 5:
            raise InvalidParameterError(
                f"multi_transition.{index}.duration: fast motion allows segments of at most 5 s"
            )
    if durations[-1] != 0:
        raise InvalidParameterError(
            f"multi_transition.{count - 1}.duration: the last keyframe takes no duration "
            "(0 or absent)"
        )
    total = sum(durations)
    if total > TOTAL_S:
        raise InvalidParameterError(
            f"multi_transition: the segments add up to {total} s; at most {TOTAL_S} s in all"
        )
    for index, frame in enumerate(payload.keyframes):
        if len(frame.prompt) > PROMPT_MAX_CHARS:
            raise InvalidParameterError(
                f"multi_transition.{index}.prompt: at most {PROMPT_MAX_CHARS} characters"
            )


def needs(spec: GenerationSpec) -> Needs:
    images = tuple(frame.image for frame in payload_of(spec, MultiTransitionSpec).keyframes)
    return Needs(images=images, image_required=True)


def plan(
    spec: GenerationSpec, model_rules: ModelRules | None, manifest: JobManifest, _c: RuleContext
) -> Planned:
    """The first keyframe's shape; the segments' durations add up to the length."""
    assert model_rules is not None
    payload = payload_of(spec, MultiTransitionSpec)
    ratio = rules.image_ratio(*image_size_of(manifest), model_rules)
    width, height = rules.frame_size(spec.quality, ratio)
    seconds = sum(frame.duration_s for frame in payload.keyframes)
    return Planned(spec, OutputFormat(width, height, FPS, seconds * FPS))


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    credits = pricing.per_second_credits(spec.quality, round(output.duration_s), table)
    fast = table.fast_multiplier if spec.options.motion_mode == "fast" else 1
    return math.ceil(credits * fast)


def texts(spec: GenerationSpec) -> tuple[str, ...]:
    return (
        spec.prompt,
        *(frame.prompt for frame in payload_of(spec, MultiTransitionSpec).keyframes),
    )


FEATURE = Feature(Mode.MULTI_TRANSITION, validate, needs, plan, price, texts)
