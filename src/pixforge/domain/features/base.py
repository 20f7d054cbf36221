"""What a feature module provides (the Feature record) and the checks several features share.

A feature is one PixVerse generate endpoint's domain: its payload type (in domain/spec.py), its
rules, the inputs it refers to, its output format and its price. The service and the worker
iterate the registry (domain/features/__init__.py) instead of branching on the mode.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TypeVar

from pixforge.domain import rules
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.manifest import JobManifest, StoredVideo
from pixforge.domain.pricing import PriceTable
from pixforge.domain.rules import FPS, ModelRules, Template
from pixforge.domain.spec import GenerationSpec, ImageInput, Mode, OutputFormat, VideoSource
from pixforge.values import QUALITY_SHORT_SIDE_PX

MB = 1024 * 1024
PayloadT = TypeVar("PayloadT")


@dataclass(frozen=True, slots=True)
class RuleContext:
    """The tables a server validates against (models and templates may come from config)."""

    models: Mapping[str, ModelRules]
    templates: Mapping[int, Template]


@dataclass(frozen=True, slots=True)
class SourceLimits:
    """What an input video (or audio) may be for one feature, checked by probing the file."""

    max_duration_s: float
    max_bytes: int = 50 * MB
    max_side_px: int = 1920
    codecs: tuple[str, ...] = ()


AUDIO_LIMITS = SourceLimits(30)


@dataclass(frozen=True, slots=True)
class MaskNeed:
    """Swap: a mask from a selection of the same source video and keyframe."""

    mask_id: str
    keyframe: int | None


@dataclass(frozen=True, slots=True)
class Needs:
    """The stored inputs a request refers to; the service resolves them into a JobManifest."""

    images: tuple[ImageInput, ...] = ()
    # Refuse with 400032 when no usable image is among them.
    image_required: bool = False
    video: VideoSource | None = None
    video_limits: SourceLimits | None = None
    audio_media_id: int | None = None
    mask: MaskNeed | None = None
    # Modify: up to three masks of the source video (the first becomes the manifest's mask).
    masks: tuple[MaskNeed, ...] = ()
    # Mimic: a clear subject in the image (701002) and in the video's first frame (701003).
    subjects: bool = False
    # Fusion omni mode: (wire field prefix such as "video_references.0.", source) per video.
    reference_videos: tuple[tuple[str, VideoSource], ...] = ()
    reference_video_limits: SourceLimits | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    """A validated request with its inputs resolved: the spec to store and the exact output."""

    spec: GenerationSpec
    output: OutputFormat


@dataclass(frozen=True, slots=True)
class Feature:
    """One generate endpoint's domain, as functions (see each module under domain/features/)."""

    mode: Mode
    # Raise the first broken rule; return the model's rules for model-based features.
    validate: Callable[[GenerationSpec, RuleContext], ModelRules | None]
    needs: Callable[[GenerationSpec], Needs]
    # The output format (and, where the input decides it, the quality label) once resolved.
    plan: Callable[[GenerationSpec, ModelRules | None, JobManifest, RuleContext], Planned]
    price: Callable[[GenerationSpec, OutputFormat, JobManifest, PriceTable], int]
    # The texts content moderation reads.
    texts: Callable[[GenerationSpec], tuple[str, ...]]


# -- checks shared by several features


def check_common(spec: GenerationSpec) -> None:
    rules.check_seed(spec)
    if len(spec.webhook_id) > 64:
        raise InvalidParameterError("webhook_id: at most 64 characters")


def check_one_source(source: VideoSource) -> None:
    video_id, media_id = source.video_id, source.media_id
    if video_id is not None and media_id is not None:
        raise InvalidParameterError(
            "source_video_id, video_media_id: send exactly one of them, not both"
        )
    if video_id is None and media_id is None:
        raise MissingParameterError("source_video_id or video_media_id is required")
    for field, value in (("source_video_id", video_id), ("video_media_id", media_id)):
        if value is not None:
            rules.check_id(field, value)


def check_model_in(spec: GenerationSpec, allowed: tuple[str, ...]) -> None:
    if not spec.model:
        raise MissingParameterError("model is required")
    if spec.model not in allowed:
        raise InvalidParameterError(
            f"model: {spec.model!r} is not supported for {spec.mode.value.replace('_', '-')}; "
            f"allowed: {', '.join(allowed)}"
        )


def check_image_and_quality(
    spec: GenerationSpec, image: ImageInput | None, qualities: tuple[str, ...]
) -> None:
    if image is None:
        raise MissingParameterError("img_id is required")
    rules.check_id(image.field, image.image_id, "image id")
    if not spec.quality:
        raise MissingParameterError("quality is required")
    if spec.quality not in qualities:
        raise InvalidParameterError(
            f"quality: {spec.quality!r} is not allowed for {spec.mode.value}; allowed: "
            f"{', '.join(qualities)}"
        )


def check_source(field: str, video: StoredVideo, limits: SourceLimits) -> None:
    """Raise if a probed input video breaks a feature's limits (names the field)."""
    check_length_and_size(field, video.duration_s, video.size_bytes, limits)
    if max(video.width, video.height) > limits.max_side_px:
        raise InvalidParameterError(
            f"{field}: {video.width}x{video.height} px exceeds {limits.max_side_px} px per side"
        )
    if limits.codecs and video.codec not in limits.codecs:
        raise InvalidParameterError(
            f"{field}: video codec {video.codec or 'unknown'} is not supported here; "
            "allowed: H.264, H.265"
        )


def check_length_and_size(
    field: str, duration_s: float, size_bytes: int, limits: SourceLimits
) -> None:
    if duration_s > limits.max_duration_s + 0.05:
        raise InvalidParameterError(
            f"{field}: {duration_s:.1f} s is longer than the {limits.max_duration_s:g} s allowed "
            "for this feature"
        )
    if size_bytes > limits.max_bytes:
        raise InvalidParameterError(
            f"{field}: {size_bytes} bytes exceeds {limits.max_bytes // MB} MB for this feature"
        )


# -- output shapes shared by several features


def quality_for(width: int, height: int) -> str:
    """The largest quality label whose short side fits the video (for inputs of any size)."""
    short = min(width, height)
    fitting = [name for name, side in QUALITY_SHORT_SIDE_PX.items() if side <= short]
    return fitting[-1] if fitting else "360p"


def labelled(spec: GenerationSpec, output: OutputFormat) -> GenerationSpec:
    """The spec with the quality label of an output whose size its input decided."""
    return replace(spec, quality=quality_for(output.width, output.height))


def frames_for(seconds: float) -> int:
    return max(1, round(seconds * FPS))


def even_down(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def keeps_source_picture(video: StoredVideo, seconds: float) -> OutputFormat:
    """Lip sync, sound effect and restyle keep the source's picture size."""
    return OutputFormat(even_down(video.width), even_down(video.height), FPS, frames_for(seconds))


def wide_format(quality: str, size: tuple[int, int], seconds: float) -> OutputFormat:
    """An output shaped like `size` (clamped to the wide ratios) lasting `seconds`."""
    ratio = rules.clamp_ratio(Fraction(*size), rules.WIDE_ASPECT_RATIOS)
    width, height = rules.frame_size(quality, ratio)
    return OutputFormat(width, height, FPS, frames_for(seconds))


def started_seconds(seconds: float) -> int:
    """Seconds rounded up (after rounding away float noise), at least 1."""
    return max(1, math.ceil(round(seconds, 3)))


def video_of(manifest: JobManifest) -> StoredVideo:
    assert manifest.video is not None, "a video-input feature was planned without its video"
    return manifest.video


def plan_at_source_shape(
    spec: GenerationSpec, _rules: ModelRules | None, manifest: JobManifest, _ctx: RuleContext
) -> Planned:
    """The source's shape (clamped to the wide ratios) at the requested quality, its length:
    the plan of features that edit a source video in place (swap, modify)."""
    video = video_of(manifest)
    return Planned(spec, wide_format(spec.quality, (video.width, video.height), video.duration_s))


def image_size_of(manifest: JobManifest) -> tuple[int, int]:
    size = manifest.first_image_size
    assert size is not None, "an image feature was planned without an image"
    return size


def launch_texts(spec: GenerationSpec) -> tuple[str, ...]:
    options = spec.options
    return (
        spec.prompt,
        options.negative_prompt,
        options.lip_sync_tts_content,
        options.sound_effect_content,
    )


REF_NAME = re.compile(r"[A-Za-z0-9_ ]{1,30}")


def payload_of(spec: GenerationSpec, kind: type[PayloadT]) -> PayloadT:
    """The spec's feature payload, checked to be of the feature's own type."""
    payload = spec.feature
    if not isinstance(payload, kind):
        raise TypeError(f"{spec.mode.value}: payload {type(payload).__name__} is not {kind}")
    return payload
