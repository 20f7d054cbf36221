"""Fusion / reference-to-video (POST /openapi/v2/video/fusion/generate): subjects, an optional
background and, in omni mode, reference videos, each named @name in the prompt."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from pixforge.domain import pricing, rules
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.features.base import (
    REF_NAME,
    Feature,
    Needs,
    Planned,
    RuleContext,
    SourceLimits,
    check_common,
    check_model_in,
    frames_for,
    launch_texts,
    payload_of,
)
from pixforge.domain.manifest import JobManifest
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import FPS, LaunchCheck, ModelRules
from pixforge.domain.spec import FusionSpec, GenerationSpec, Mode, OutputFormat
from pixforge.values import (
    FUSION_AUTO_ASPECT_RATIO,
    FUSION_MAX_IMAGES_OMNI,
    FUSION_MAX_VIDEO_TOTAL_S,
    FUSION_MAX_VIDEOS,
    FUSION_MODELS,
    FUSION_OMNI_MODELS,
    FUSION_REFERENCE_KINDS,
    FUSION_REFERENCE_MODES,
)

# v4.5 and v5 take up to 3 references; newer models up to 7 (spec §10, CN mirror).
MAX_REFS: Mapping[str, int] = {"v4.5": 3, "v5": 3}
MAX_REFS_DEFAULT = 7


# Each reference video: its own limits (the total is checked once all are probed, in plan).
VIDEO_LIMITS = SourceLimits(FUSION_MAX_VIDEO_TOTAL_S)
# An @ that starts a word in the prompt: it must name a reference.
_TAG = re.compile(r"(?<!\S)@")


def validate(spec: GenerationSpec, ctx: RuleContext) -> ModelRules:
    check_common(spec)
    payload = payload_of(spec, FusionSpec)
    check_model_in(spec, FUSION_MODELS)
    auto = payload.aspect_ratio == FUSION_AUTO_ASPECT_RATIO
    if payload.omni:
        _check_omni(spec, payload)
    elif auto:
        raise InvalidParameterError(
            "aspect_ratio: 'auto' needs at least one reference video (video_references)"
        )
    check = LaunchCheck(
        aspect_ratio=payload.aspect_ratio,
        takes_aspect_ratio=not auto,
        length_from_inputs=payload.omni,
    )
    model_rules = rules.validate(spec, ctx.models, ctx.templates, check)
    rules.check_image_ids(ref.image for ref in payload.references)
    _check_references(spec, payload)
    _check_videos(spec, payload)
    _check_tags(spec, payload)
    return model_rules


def _check_omni(spec: GenerationSpec, payload: FusionSpec) -> None:
    mode = payload.reference_mode
    if mode and mode not in FUSION_REFERENCE_MODES:
        raise InvalidParameterError(
            f"reference_mode: unsupported value {mode[:20]!r}; allowed: "
            f"{', '.join(FUSION_REFERENCE_MODES)} (or leave it out)"
        )
    if not payload.videos:
        raise MissingParameterError(
            f"video_references is required in omni mode (1 to {FUSION_MAX_VIDEOS} reference videos)"
        )
    if spec.model not in FUSION_OMNI_MODELS:
        raise InvalidParameterError(
            f"model: video_references (omni mode) is supported on "
            f"{', '.join(FUSION_OMNI_MODELS)} only, not {spec.model}"
        )
    if spec.options.template_id is not None:
        raise InvalidParameterError("template_id cannot be combined with video_references")
    if spec.duration_s != 0:
        raise InvalidParameterError(
            f"duration: must be 0 with video_references (omni mode: the output is as long as "
            f"the longest reference video), not {spec.duration_s}"
        )


def _check_references(spec: GenerationSpec, payload: FusionSpec) -> None:
    count = len(payload.references)
    if payload.omni:
        least, most = 0, FUSION_MAX_IMAGES_OMNI
    else:
        least, most = 1, MAX_REFS.get(spec.model, MAX_REFS_DEFAULT)
    if not least <= count <= most:
        mode = " in omni mode" if payload.omni else ""
        raise InvalidParameterError(
            f"image_references: {count} given; model {spec.model} takes {least} to {most}{mode}"
        )
    seen: set[str] = set()
    for index, ref in enumerate(payload.references):
        field = f"image_references.{index}"
        if ref.kind not in FUSION_REFERENCE_KINDS:
            raise InvalidParameterError(
                f"{field}.type: {ref.kind!r} is not one of subject, background"
            )
        _check_name(spec, field, ref.name, seen)
    if sum(ref.kind == "background" for ref in payload.references) > 1:
        raise InvalidParameterError("image_references: at most one background reference")


def _check_videos(spec: GenerationSpec, payload: FusionSpec) -> None:
    if len(payload.videos) > FUSION_MAX_VIDEOS:
        raise InvalidParameterError(
            f"video_references: {len(payload.videos)} given; at most {FUSION_MAX_VIDEOS}"
        )
    seen = {ref.name for ref in payload.references}
    for video in payload.videos:
        field = f"video_references.{video.index}"
        if video.kind not in ("", "video"):
            raise InvalidParameterError(f"{field}.type: {video.kind[:20]!r} is not video")
        media_id, video_id = video.source.media_id, video.source.video_id
        if media_id is not None and video_id is not None:
            raise InvalidParameterError(
                f"{field}: send one of video_media_id and source_video_id, not both"
            )
        if media_id is None and video_id is None:
            raise MissingParameterError(
                f"{field}.video_media_id (or {field}.source_video_id) is required"
            )
        for name, value in (("video_media_id", media_id), ("source_video_id", video_id)):
            if value is not None:
                rules.check_id(f"{field}.{name}", value)
        _check_name(spec, field, video.name, seen)


def _check_name(spec: GenerationSpec, field: str, name: str, seen: set[str]) -> None:
    if not REF_NAME.fullmatch(name):
        raise InvalidParameterError(
            f"{field}.ref_name: {name[:40]!r} must be 1-30 letters, digits, _ or spaces"
        )
    if name in seen:
        raise InvalidParameterError(f"{field}.ref_name: {name!r} is used twice")
    seen.add(name)
    if f"@{name}" not in spec.prompt:
        raise InvalidParameterError(f"prompt: must reference @{name} (from {field}.ref_name)")


def _check_tags(spec: GenerationSpec, payload: FusionSpec) -> None:
    """Every @ that starts a word names a reference (the longest name that fits)."""
    names = [ref.name for ref in payload.references] + [video.name for video in payload.videos]
    for match in _TAG.finditer(spec.prompt):
        rest = spec.prompt[match.end() :]
        if not any(_names(rest, name) for name in names):
            tag = rest.split(maxsplit=1)[0] if rest.strip() else ""
            raise InvalidParameterError(
                f"prompt: @{tag[:30]} names no reference; references: "
                f"{', '.join('@' + name for name in names)}"
            )


def _names(rest: str, name: str) -> bool:
    """`rest` starts with `name` as a whole word (@video1 is not @video10)."""
    if not rest.startswith(name):
        return False
    after = rest[len(name) : len(name) + 1]
    return not after or not (after.isalnum() or after == "_")


def needs(spec: GenerationSpec) -> Needs:
    payload = payload_of(spec, FusionSpec)
    images = tuple(ref.image for ref in payload.references)
    videos = tuple((f"video_references.{v.index}.", v.source) for v in payload.videos)
    return Needs(
        images=images,
        image_required=not payload.omni,
        reference_videos=videos,
        reference_video_limits=VIDEO_LIMITS if videos else None,
    )


def plan(
    spec: GenerationSpec, model_rules: ModelRules | None, manifest: JobManifest, ctx: RuleContext
) -> Planned:
    payload = payload_of(spec, FusionSpec)
    aspect_ratio = payload.aspect_ratio
    assert aspect_ratio is not None
    if not payload.omni:
        length_s = rules.effective_duration_s(spec, ctx.templates)
        return Planned(spec, rules.aspect_format(spec.quality, aspect_ratio, length_s))
    videos = manifest.videos
    assert videos
    total = sum(video.duration_s for video in videos)
    if total > FUSION_MAX_VIDEO_TOTAL_S + 0.05:
        raise InvalidParameterError(
            f"video_references: the reference videos last {total:.1f} s together; at most "
            f"{FUSION_MAX_VIDEO_TOTAL_S} s"
        )
    longest = max(video.duration_s for video in videos)
    if aspect_ratio == FUSION_AUTO_ASPECT_RATIO:
        allowed = (model_rules or ctx.models[spec.model]).aspect_ratios
        first = videos[0]
        ratio = rules.clamp_ratio(Fraction(first.width, first.height), allowed)
    else:
        across, down = aspect_ratio.split(":")
        ratio = Fraction(int(across), int(down))
    width, height = rules.frame_size(spec.quality, ratio)
    output = OutputFormat(width, height, FPS, frames_for(longest))
    # The stored spec says how long the video is (the request said 0).
    return Planned(replace(spec, duration_s=omni_seconds(output)), output)


def omni_seconds(output: OutputFormat) -> int:
    """Omni mode is priced per started second of its output (PixVerse's per-second rules)."""
    return max(1, math.ceil(round(output.duration_s, 3)))


def price(spec: GenerationSpec, output: OutputFormat, _m: JobManifest, table: PriceTable) -> int:
    if payload_of(spec, FusionSpec).omni:
        return pricing.video_credits(spec, omni_seconds(output), table)
    return pricing.video_credits(spec, round(output.duration_s), table)


FEATURE = Feature(Mode.FUSION, validate, needs, plan, price, launch_texts)
