"""Rules of the feature endpoints (extend, lip sync, sound effect, fusion, restyle,
multi-transition, swap): value tables, source-media limits, one validate and one output format.

The launch modes (text, image, transition) keep their rules in rules.py; this module adds what
each feature needs on top. Sources for every number are in docs/spec-notes.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from pixforge.domain import rules
from pixforge.domain.catalogue import RESTYLES_BY_ID, check_speaker
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.rules import FPS, QUALITY_SHORT_SIDE_PX, ModelRules, Template
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat, SourceVideo

MB = 1024 * 1024

FUSION_MODELS = ("v4.5", "v5", "v5.5", "v5.6", "v6", "c1")
# v4.5 and v5 take up to 3 references; newer models up to 7 (spec §10, CN mirror).
FUSION_MAX_REFS: Mapping[str, int] = {"v4.5": 3, "v5": 3}
FUSION_MAX_REFS_DEFAULT = 7
REF_KINDS = ("subject", "background")
REF_NAME = re.compile(r"[A-Za-z0-9_ ]{1,30}")
WIDE = rules.WIDE_ASPECT_RATIOS

MULTI_TRANSITION_MODELS = ("v3.5", "v4", "v4.5", "v5")
MULTI_TRANSITION_FRAMES = (2, 7)
MULTI_TRANSITION_TOTAL_S = 30

SWAP_QUALITIES = ("360p", "540p", "720p")
MIMIC_QUALITIES = SWAP_QUALITIES
SWAP_CODECS = ("h264", "hevc")
TTS_MAX_CHARS = 200
RESTYLE_PROMPT_MAX_CHARS = 2048


@dataclass(frozen=True, slots=True)
class SourceLimits:
    """What an input video (or audio) may be for one feature, checked by probing the file."""

    max_duration_s: float
    max_bytes: int = 50 * MB
    max_side_px: int = 1920
    codecs: tuple[str, ...] = ()


SOURCE_LIMITS: Mapping[Mode, SourceLimits] = {
    Mode.EXTEND: SourceLimits(30),
    Mode.LIP_SYNC: SourceLimits(30),
    Mode.SOUND_EFFECT: SourceLimits(30),
    Mode.RESTYLE: SourceLimits(16),
    Mode.SWAP: SourceLimits(30, codecs=SWAP_CODECS),
    Mode.MIMIC: SourceLimits(30, max_bytes=100 * MB),
}
AUDIO_LIMITS = SourceLimits(30)


def check_source(mode: Mode, field: str, source: SourceVideo) -> None:
    """Raise if the probed input video breaks the feature's limits (names the field)."""
    limits = SOURCE_LIMITS[mode]
    _check_limits(field, source.duration_s, source.size_bytes, limits)
    if max(source.width, source.height) > limits.max_side_px:
        raise InvalidParameterError(
            f"{field}: {source.width}x{source.height} px exceeds {limits.max_side_px} px per side"
        )
    if limits.codecs and source.codec not in limits.codecs:
        raise InvalidParameterError(
            f"{field}: video codec {source.codec or 'unknown'} is not supported here; "
            "allowed: H.264, H.265"
        )


def check_audio(field: str, duration_s: float, size_bytes: int) -> None:
    _check_limits(field, duration_s, size_bytes, AUDIO_LIMITS)


def _check_limits(field: str, duration_s: float, size_bytes: int, limits: SourceLimits) -> None:
    if duration_s > limits.max_duration_s + 0.05:
        raise InvalidParameterError(
            f"{field}: {duration_s:.1f} s is longer than the {limits.max_duration_s:g} s allowed "
            "for this feature"
        )
    if size_bytes > limits.max_bytes:
        raise InvalidParameterError(
            f"{field}: {size_bytes} bytes exceeds {limits.max_bytes // MB} MB for this feature"
        )


def validate(
    spec: GenerationSpec,
    models: Mapping[str, ModelRules],
    templates: Mapping[int, Template],
) -> ModelRules | None:
    """Raise the first broken rule; return the model's rules for model-based modes."""
    rules.check_seed(spec)
    _check_webhook(spec)
    if spec.mode is Mode.IMAGE_TEMPLATE:
        _check_image_template(spec, templates)
        return None
    if spec.mode in (Mode.LIP_SYNC, Mode.SOUND_EFFECT, Mode.RESTYLE, Mode.SWAP, Mode.MIMIC):
        _check_one_source(spec)
        _check_edit(spec)
        return None
    if spec.mode is Mode.EXTEND:
        _check_one_source(spec)
    if spec.mode is Mode.FUSION:
        _check_model_in(spec, FUSION_MODELS)
    if spec.mode is Mode.MULTI_TRANSITION:
        _check_model_in(spec, MULTI_TRANSITION_MODELS)
        _check_segments(spec)
    model_rules = rules.validate(spec, models, templates)
    if spec.mode is Mode.FUSION:
        _check_references(spec)
    return model_rules


def _check_webhook(spec: GenerationSpec) -> None:
    if len(spec.webhook_id) > 64:
        raise InvalidParameterError("webhook_id: at most 64 characters")


def _check_image_template(spec: GenerationSpec, templates: Mapping[int, Template]) -> None:
    if spec.template_id is None:
        raise MissingParameterError("template_id is required")
    template = templates.get(spec.template_id)
    if template is None:
        raise InvalidParameterError(f"template_id: template {spec.template_id} does not exist")
    if template.kind != "image":
        raise InvalidParameterError(
            f"template_id: template {spec.template_id} is a video template; use "
            "POST /openapi/v2/video/img/generate"
        )
    if not spec.image_ids:
        raise MissingParameterError("img_ids is required")
    if len(spec.image_ids) != template.images:
        raise InvalidParameterError(
            f"img_ids: template {template.template_id} ({template.name}) takes "
            f"{template.images} image(s), got {len(spec.image_ids)}"
        )
    for field, image_id in zip(spec.image_fields, spec.image_ids, strict=True):
        if not 0 < image_id <= rules.ID_MAX:
            raise InvalidParameterError(f"{field}: {image_id} is not a valid image id")


def _check_one_source(spec: GenerationSpec) -> None:
    check_one_source(spec.source_video_id, spec.source_media_id)


def check_one_source(video_id: int | None, media_id: int | None) -> None:
    if video_id is not None and media_id is not None:
        raise InvalidParameterError(
            "source_video_id, video_media_id: send exactly one of them, not both"
        )
    if video_id is None and media_id is None:
        raise MissingParameterError("source_video_id or video_media_id is required")
    for field, value in (("source_video_id", video_id), ("video_media_id", media_id)):
        if value is not None and not 0 < value <= rules.ID_MAX:
            raise InvalidParameterError(f"{field}: {value} is not a valid id")


def _check_model_in(spec: GenerationSpec, allowed: tuple[str, ...]) -> None:
    if not spec.model:
        raise MissingParameterError("model is required")
    if spec.model not in allowed:
        raise InvalidParameterError(
            f"model: {spec.model!r} is not supported for {spec.mode.value.replace('_', '-')}; "
            f"allowed: {', '.join(allowed)}"
        )


def _check_edit(spec: GenerationSpec) -> None:
    if spec.mode is Mode.LIP_SYNC:
        _check_lip_sync(spec)
    elif spec.mode is Mode.SOUND_EFFECT:
        if len(spec.sound_effect_content) > rules.SOUND_CONTENT_MAX_CHARS:
            raise InvalidParameterError(
                f"sound_effect_content: at most {rules.SOUND_CONTENT_MAX_CHARS} characters"
            )
    elif spec.mode is Mode.RESTYLE:
        if spec.restyle_id is None and not spec.restyle_prompt.strip():
            raise InvalidParameterError("Either restyle_id or restyle_prompt must be provided")
        if spec.restyle_id is not None and spec.restyle_id not in RESTYLES_BY_ID:
            raise InvalidParameterError(
                f"restyle_id: {spec.restyle_id} is not in the restyle list "
                "(GET /openapi/v2/video/restyle/list)"
            )
        if len(spec.restyle_prompt) > RESTYLE_PROMPT_MAX_CHARS:
            raise InvalidParameterError(
                f"restyle_prompt: at most {RESTYLE_PROMPT_MAX_CHARS} characters"
            )
    elif spec.mode is Mode.SWAP:
        if spec.keyframe is None:
            raise MissingParameterError("keyframe_id is required")
        if not spec.mask_id:
            raise MissingParameterError("mask_id is required")
        _check_image_and_quality(spec, SWAP_QUALITIES)
    elif spec.mode is Mode.MIMIC:
        _check_image_and_quality(spec, MIMIC_QUALITIES)


def _check_image_and_quality(spec: GenerationSpec, qualities: tuple[str, ...]) -> None:
    if not spec.image_ids:
        raise MissingParameterError("img_id is required")
    if not spec.quality:
        raise MissingParameterError("quality is required")
    if spec.quality not in qualities:
        raise InvalidParameterError(
            f"quality: {spec.quality!r} is not allowed for {spec.mode.value}; allowed: "
            f"{', '.join(qualities)}"
        )


def _check_lip_sync(spec: GenerationSpec) -> None:
    tts = bool(spec.lip_sync_tts_speaker_id or spec.lip_sync_tts_content)
    if spec.audio_media_id is not None and tts:
        raise InvalidParameterError(
            "audio_media_id, lip_sync_tts_speaker_id: send uploaded audio or TTS, not both"
        )
    if spec.audio_media_id is not None:
        return
    if not tts:
        raise InvalidParameterError(
            "audio_media_id or lip_sync_tts_speaker_id with lip_sync_tts_content must be provided"
        )
    if not spec.lip_sync_tts_speaker_id:
        raise MissingParameterError("lip_sync_tts_speaker_id is required with TTS content")
    if not spec.lip_sync_tts_content.strip():
        raise MissingParameterError("lip_sync_tts_content is required with a TTS speaker")
    if len(spec.lip_sync_tts_content) > TTS_MAX_CHARS:
        raise InvalidParameterError(
            f"lip_sync_tts_content: TTS text must be within {TTS_MAX_CHARS} characters"
        )
    check_speaker(spec.lip_sync_tts_speaker_id)


def _check_segments(spec: GenerationSpec) -> None:
    count = len(spec.image_ids)
    low, high = MULTI_TRANSITION_FRAMES
    if not low <= count <= high:
        raise InvalidParameterError(
            f"multi_transition: {count} keyframes given; send {low} to {high}"
        )
    longest = 5 if count >= 3 else 8
    for index, seconds in enumerate(spec.segment_durations_s[:-1]):
        if not 1 <= seconds <= longest:
            raise InvalidParameterError(
                f"multi_transition.{index}.duration: {seconds} s; each segment must be 1-"
                f"{longest} s with {count} keyframes"
            )
        if spec.motion_mode == "fast" and seconds > 5:
            raise InvalidParameterError(
                f"multi_transition.{index}.duration: fast motion allows segments of at most 5 s"
            )
    if spec.segment_durations_s[-1] != 0:
        raise InvalidParameterError(
            f"multi_transition.{count - 1}.duration: the last keyframe takes no duration "
            "(0 or absent)"
        )
    total = sum(spec.segment_durations_s)
    if total > MULTI_TRANSITION_TOTAL_S:
        raise InvalidParameterError(
            f"multi_transition: the segments add up to {total} s; at most "
            f"{MULTI_TRANSITION_TOTAL_S} s in all"
        )
    for index, prompt in enumerate(spec.segment_prompts):
        if len(prompt) > 2048:
            raise InvalidParameterError(f"multi_transition.{index}.prompt: at most 2048 characters")


def _check_references(spec: GenerationSpec) -> None:
    count = len(spec.image_ids)
    most = FUSION_MAX_REFS.get(spec.model, FUSION_MAX_REFS_DEFAULT)
    if not 1 <= count <= most:
        raise InvalidParameterError(
            f"image_references: {count} given; model {spec.model} takes 1 to {most}"
        )
    seen: set[str] = set()
    for index, (name, kind) in enumerate(zip(spec.ref_names, spec.ref_kinds, strict=True)):
        field = f"image_references.{index}"
        if kind not in REF_KINDS:
            raise InvalidParameterError(f"{field}.type: {kind!r} is not one of subject, background")
        if not REF_NAME.fullmatch(name):
            raise InvalidParameterError(
                f"{field}.ref_name: {name[:40]!r} must be 1-30 letters, digits, _ or spaces"
            )
        if name in seen:
            raise InvalidParameterError(f"{field}.ref_name: {name!r} is used twice")
        seen.add(name)
        if f"@{name}" not in spec.prompt:
            raise InvalidParameterError(f"prompt: must reference @{name} (from {field}.ref_name)")
    if spec.ref_kinds.count("background") > 1:
        raise InvalidParameterError("image_references: at most one background reference")


def quality_for(width: int, height: int) -> str:
    """The largest quality label whose short side fits the video (for inputs of any size)."""
    short = min(width, height)
    fitting = [name for name, side in QUALITY_SHORT_SIDE_PX.items() if side <= short]
    return fitting[-1] if fitting else "360p"


def _even_down(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def frames_for(seconds: float) -> int:
    return max(1, round(seconds * FPS))


def output_format(
    spec: GenerationSpec,
    model_rules: ModelRules | None,
    length_s: int,
    source: SourceVideo | None,
    first_image_size: tuple[int, int] | None,
    audio_s: float | None,
) -> OutputFormat:
    """The exact video a validated feature request produces; `length_s` is the requested
    duration, or the template's own length when one is used (extend, fusion)."""
    if spec.mode is Mode.MULTI_TRANSITION:
        assert model_rules is not None and first_image_size is not None
        ratio = rules.image_ratio(*first_image_size, model_rules)
        width, height = rules.frame_size(spec.quality, ratio)
        return OutputFormat(width, height, FPS, sum(spec.segment_durations_s) * FPS)
    if spec.mode is Mode.IMAGE_TEMPLATE:
        # One picture: 1080 px on its short side, the first image's shape (clamped).
        assert first_image_size is not None
        width, height = rules.frame_size(
            "1080p", rules.clamp_ratio(Fraction(*first_image_size), WIDE)
        )
        return OutputFormat(width, height, FPS, 1)
    if spec.mode is Mode.FUSION:
        assert model_rules is not None
        return rules.output_format(replace(spec, mode=Mode.TEXT), model_rules, length_s, None)
    assert source is not None
    if spec.mode is Mode.EXTEND:
        assert model_rules is not None
        ratio = rules.image_ratio(source.width, source.height, model_rules)
        width, height = rules.frame_size(spec.quality, ratio)
        return OutputFormat(width, height, FPS, length_s * FPS)
    if spec.mode is Mode.SWAP:
        ratio = rules.clamp_ratio(Fraction(source.width, source.height), WIDE)
        width, height = rules.frame_size(spec.quality, ratio)
        return OutputFormat(width, height, FPS, frames_for(source.duration_s))
    if spec.mode is Mode.MIMIC:
        # The character image frames the video; the reference video sets its length.
        assert first_image_size is not None
        ratio = rules.clamp_ratio(Fraction(*first_image_size), WIDE)
        width, height = rules.frame_size(spec.quality, ratio)
        return OutputFormat(width, height, FPS, frames_for(source.duration_s))
    # Lip sync, sound effect and restyle keep the source's picture size.
    width, height = _even_down(source.width), _even_down(source.height)
    seconds = audio_s if spec.mode is Mode.LIP_SYNC and audio_s is not None else source.duration_s
    return OutputFormat(width, height, FPS, frames_for(seconds))


# The TTS voice's timing (the preview voice follows it, and sizes and prices are set from it).
TTS_CHARS_PER_S = 14.0
TTS_PAUSES_S: Mapping[str, float] = {",": 0.25, ";": 0.25, ":": 0.25, ".": 0.4, "!": 0.4, "?": 0.4}


def tts_char_seconds(char: str) -> float:
    """How long the voice spends on one character, its pause included."""
    return 1 / TTS_CHARS_PER_S + TTS_PAUSES_S.get(char, 0.0)


def tts_seconds(text: str) -> float:
    """How long the synthesised voice speaks `text`: ~14 characters a second, plus pauses."""
    pauses = sum(TTS_PAUSES_S.get(char, 0.0) for char in text)
    return round(max(0.5, len(text.strip()) / TTS_CHARS_PER_S + pauses), 3)
