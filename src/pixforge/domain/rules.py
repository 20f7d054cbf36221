"""Allowed values and limits of generate requests, as data tables, and the one validate().

Sources for every table are in docs/spec-notes.md (spec §3.1–§3.3, §4.1, §4.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from pixforge.domain.catalogue import check_speaker
from pixforge.domain.errors import (
    InvalidParameterError,
    MissingParameterError,
    NegativePromptTooLongError,
    PromptTooLongError,
    TemplateQualityError,
)
from pixforge.domain.spec import GenerationSpec, ImageInput, OutputFormat
from pixforge.values import (
    CAMERA_MOVEMENTS,
    CLASSIC_ASPECT_RATIOS,
    ID_MAX,
    MODEL_RULES,
    MOTION_MODES,
    NO_CAMERA_MOVEMENT,
    QUALITY_SHORT_SIDE_PX,
    SEED_MAX,
    STYLES,
    THINKING_TYPES,
    WIDE_ASPECT_RATIOS,
    ModelRules,
)

__all__ = [
    "CAMERA_MOVEMENTS",
    "CLASSIC_ASPECT_RATIOS",
    "FPS",
    "ID_MAX",
    "MODELS",
    "NO_CAMERA_MOVEMENT",
    "QUALITY_SHORT_SIDE_PX",
    "SEED_MAX",
    "STYLES",
    "WIDE_ASPECT_RATIOS",
    "LaunchCheck",
    "ModelRules",
    "Template",
]

FPS = 24
MODELS: Mapping[str, ModelRules] = MODEL_RULES
SOUND_CONTENT_MAX_CHARS = 2048
LIP_SYNC_TTS_MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class Template:
    """An effect template: a preset (camera move, style, overlay) with its own length and
    allowed qualities. Image templates (kind "image") turn `images` uploads into one picture."""

    template_id: int
    name: str
    qualities: tuple[str, ...]
    duration_s: int = 5
    camera: str = ""
    style: str = ""
    effect: str = ""  # one of TEMPLATE_EFFECTS
    prompt: str = ""
    kind: str = "video"  # one of TEMPLATE_KINDS
    images: int = 1  # how many images an image template takes


TEMPLATE_EFFECTS = ("", "pulse", "vignette", "shake", "flash")
TEMPLATE_KINDS = ("video", "image")
ALL_QUALITIES = ("360p", "540p", "720p", "1080p")

DEFAULT_TEMPLATES: tuple[Template, ...] = (
    Template(
        302325299692608,
        "Zoom burst",
        ALL_QUALITIES,
        5,
        "quickly_zoom_in",
        "",
        "flash",
        "a sudden burst toward the subject",
    ),
    Template(
        302325299692609,
        "Slow dolly",
        ALL_QUALITIES,
        5,
        "super_dolly_out",
        "",
        "vignette",
        "a slow cinematic pull back",
    ),
    Template(
        315446315336768,
        "Neon pulse",
        ("360p", "540p"),
        5,
        "camera_rotation",
        "cyberpunk",
        "pulse",
        "neon lights pulsing to the beat",
    ),
    Template(
        315446315336769,
        "Comic pop",
        ("360p", "540p", "720p"),
        4,
        "zoom_in",
        "comic",
        "shake",
        "a comic-book panel that pops",
    ),
    Template(
        315446315336770,
        "Clay world",
        ALL_QUALITIES,
        5,
        "robo_arm",
        "clay",
        "",
        "everything turns to modelling clay",
    ),
    Template(
        315446315336771,
        "Anime dream",
        ("360p", "540p", "720p"),
        5,
        "smooth_zoom_in",
        "anime",
        "vignette",
        "a soft anime daydream",
    ),
    # Effects that ComfyUI's PixVerse nodes offer by id, under the names PixVerse gives them
    # (docs/spec-notes.md, "Effect templates clients send").
    Template(
        313358700761536,
        "Anything, Robot",
        ALL_QUALITIES,
        5,
        "robo_arm",
        "3d_animation",
        "flash",
        "the subject turns into a robot",
    ),
    Template(
        324641385496960,
        "Microwave",
        ALL_QUALITIES,
        5,
        "camera_rotation",
        "",
        "pulse",
        "the subject spins on a microwave turntable",
    ),
    Template(
        327828816843648,
        "Subject 3 Fever",
        ALL_QUALITIES,
        5,
        "whip_pan",
        "",
        "shake",
        "the subject dances the Subject 3 dance",
    ),
    Template(
        328545151283968,
        "Suit Swagger",
        ALL_QUALITIES,
        5,
        "smooth_zoom_in",
        "",
        "vignette",
        "the subject struts in a sharp suit",
    ),
    Template(
        384268229671680,
        "Comic portrait",
        ALL_QUALITIES,
        style="comic",
        effect="vignette",
        prompt="a portrait drawn as a comic-book cover",
        kind="image",
    ),
    Template(
        384268229671681,
        "Clay figure",
        ALL_QUALITIES,
        style="clay",
        prompt="the subject sculpted in modelling clay",
        kind="image",
    ),
    Template(
        384268229671682,
        "Anime duo",
        ALL_QUALITIES,
        style="anime",
        prompt="two friends side by side in an anime poster",
        kind="image",
        images=2,
    ),
)


def validate_template(template: Template) -> Template:
    """Check a catalogue entry (from config) against the value tables; raise ValueError."""
    if not 0 < template.template_id <= ID_MAX:
        raise ValueError(f"template {template.template_id}: id out of range")
    if not template.qualities or set(template.qualities) - set(QUALITY_SHORT_SIDE_PX):
        raise ValueError(f"template {template.template_id}: bad qualities {template.qualities}")
    if not 1 <= template.duration_s <= 15:
        raise ValueError(f"template {template.template_id}: duration must be 1..15 s")
    if template.camera not in (*NO_CAMERA_MOVEMENT, *CAMERA_MOVEMENTS):
        raise ValueError(f"template {template.template_id}: unknown camera {template.camera!r}")
    if template.style and template.style not in STYLES:
        raise ValueError(f"template {template.template_id}: unknown style {template.style!r}")
    if template.effect not in TEMPLATE_EFFECTS:
        raise ValueError(f"template {template.template_id}: unknown effect {template.effect!r}")
    if template.kind not in TEMPLATE_KINDS:
        raise ValueError(f"template {template.template_id}: kind must be video or image")
    if not 1 <= template.images <= 5:
        raise ValueError(f"template {template.template_id}: images must be 1..5")
    return template


def _join(values: tuple[str, ...] | frozenset[int]) -> str:
    return ", ".join(str(v) for v in sorted(values, key=_sort_key))


def _sort_key(value: object) -> tuple[int, str]:
    return (int(value), "") if isinstance(value, int) else (0, str(value))


@dataclass(frozen=True, slots=True)
class LaunchCheck:
    """How the shared model rules apply to one model-based feature."""

    # The aspect ratio sent, and whether this feature takes one (text, fusion) — the others
    # follow their input's shape and ignore a sent value.
    aspect_ratio: str | None = None
    takes_aspect_ratio: bool = False
    camera_allowed: bool = True
    # Multi-transition: the keyframes' durations set the length and a prompt is optional.
    segmented: bool = False
    # Fusion omni mode: the reference videos set the length (duration is 0).
    length_from_inputs: bool = False


def validate(
    spec: GenerationSpec,
    models: Mapping[str, ModelRules],
    templates: Mapping[int, Template],
    check: LaunchCheck,
) -> ModelRules:
    """Raise the first broken rule as a domain error naming the field; return the model's rules."""
    template = _check_template(spec, templates)
    if not spec.model:
        raise MissingParameterError("model is required")
    rules = models.get(spec.model)
    if rules is None:
        raise InvalidParameterError(
            f"model: unsupported value {spec.model!r}; allowed: {', '.join(models)}"
        )
    _check_prompts(spec, rules, template, check)
    _check_quality_duration(spec, rules, template, check)
    _check_aspect_ratio(spec, rules, check)
    _check_motion(spec, rules, check)
    check_seed(spec)
    _check_style_camera(spec, models, rules, check)
    _check_extras(spec)
    _check_switches(spec, models, rules)
    return rules


def _check_template(spec: GenerationSpec, catalogue: Mapping[int, Template]) -> Template | None:
    template_id = spec.options.template_id
    if template_id is None:
        return None
    template = catalogue.get(template_id)
    if template is None:
        raise InvalidParameterError(f"template_id: template {template_id} does not exist")
    if template.kind == "image":
        raise InvalidParameterError(
            f"template_id: template {template_id} is an image template; use "
            "POST /openapi/v2/image/template/generate"
        )
    if spec.quality in QUALITY_SHORT_SIDE_PX and spec.quality not in template.qualities:
        raise TemplateQualityError(
            f"quality: template {template.template_id} ({template.name}) does not support "
            f"{spec.quality}; allowed: {', '.join(template.qualities)}"
        )
    if spec.options.camera_movement not in NO_CAMERA_MOVEMENT:
        raise InvalidParameterError("camera_movement cannot be combined with template_id")
    return template


def _check_prompts(
    spec: GenerationSpec, rules: ModelRules, template: Template | None, check: LaunchCheck
) -> None:
    # A template supplies its own prompt, so only template requests may leave it empty;
    # multi-transition prompts are per keyframe and optional.
    if template is None and not check.segmented and not spec.prompt.strip():
        raise MissingParameterError("prompt is required and must not be empty")
    if len(spec.prompt) > rules.prompt_max_chars:
        raise PromptTooLongError(
            f"prompt: {len(spec.prompt)} characters; model {spec.model} allows at most "
            f"{rules.prompt_max_chars}"
        )
    negative = spec.options.negative_prompt
    if len(negative) > rules.prompt_max_chars:
        raise NegativePromptTooLongError(
            f"negative_prompt: {len(negative)} characters; model {spec.model} "
            f"allows at most {rules.prompt_max_chars}"
        )


def _check_quality_duration(
    spec: GenerationSpec, rules: ModelRules, template: Template | None, check: LaunchCheck
) -> None:
    if not spec.quality:
        raise MissingParameterError("quality is required")
    if spec.quality not in QUALITY_SHORT_SIDE_PX:
        raise InvalidParameterError(
            f"quality: unsupported value {spec.quality!r}; allowed: "
            f"{', '.join(QUALITY_SHORT_SIDE_PX)}"
        )
    if spec.quality not in rules.qualities:
        raise InvalidParameterError(
            f"quality: {spec.quality} is not offered on model {spec.model}; allowed: "
            f"{', '.join(rules.qualities)}"
        )
    if template is not None or check.segmented or check.length_from_inputs:
        return  # a template or the inputs dictate the length; segments are checked apart
    if spec.duration_s not in rules.durations_s:
        raise InvalidParameterError(
            f"duration: {spec.duration_s} is not allowed for model {spec.model}; "
            f"allowed: {_join(rules.durations_s)}"
        )
    if spec.quality == "1080p" and spec.duration_s not in rules.durations_1080p_s:
        raise InvalidParameterError(
            f"duration: 1080p on model {spec.model} allows only "
            f"{_join(rules.durations_1080p_s)} seconds, not {spec.duration_s}"
        )


def _check_aspect_ratio(spec: GenerationSpec, rules: ModelRules, check: LaunchCheck) -> None:
    if not check.takes_aspect_ratio:
        return  # image- and video-based modes follow their input; a sent value is ignored
    if not check.aspect_ratio:
        raise MissingParameterError("aspect_ratio is required")
    if check.aspect_ratio not in rules.aspect_ratios:
        raise InvalidParameterError(
            f"aspect_ratio: unsupported value {check.aspect_ratio!r} for model {spec.model}; "
            f"allowed: {', '.join(rules.aspect_ratios)}"
        )


def _check_motion(spec: GenerationSpec, rules: ModelRules, check: LaunchCheck) -> None:
    motion_mode = spec.options.motion_mode
    if motion_mode not in MOTION_MODES:
        raise InvalidParameterError(
            f"motion_mode: unsupported value {motion_mode!r}; allowed: normal, fast"
        )
    if motion_mode != "fast":
        return
    if not rules.fast_motion:
        raise InvalidParameterError(f"motion_mode: fast is not supported on model {spec.model}")
    fixed_length = spec.options.template_id is not None or check.segmented
    if spec.duration_s != 5 and not fixed_length:
        raise InvalidParameterError("motion_mode: fast requires duration 5")
    if spec.quality == "1080p":
        raise InvalidParameterError("motion_mode: fast is not supported with 1080p")


def check_seed(spec: GenerationSpec) -> None:
    if spec.seed is not None and not 0 <= spec.seed <= SEED_MAX:
        raise InvalidParameterError(f"seed: {spec.seed} is outside 0..{SEED_MAX}")


def check_id(field: str, value: int, what: str = "id") -> None:
    """Public ids are positive and below 2^53 (anything else cannot exist)."""
    if not 0 < value <= ID_MAX:
        raise InvalidParameterError(f"{field}: {value} is not a valid {what}")


def _check_style_camera(
    spec: GenerationSpec,
    models: Mapping[str, ModelRules],
    rules: ModelRules,
    check: LaunchCheck,
) -> None:
    style, camera = spec.options.style, spec.options.camera_movement
    if style and style not in STYLES:
        raise InvalidParameterError(
            f"style: unsupported value {style!r}; allowed: {', '.join(STYLES)}"
        )
    if camera in NO_CAMERA_MOVEMENT:
        return
    if camera not in CAMERA_MOVEMENTS:
        raise InvalidParameterError(
            f"camera_movement: unsupported value {camera!r}; allowed: {', '.join(CAMERA_MOVEMENTS)}"
        )
    if not check.camera_allowed:
        raise InvalidParameterError("camera_movement is not supported for transitions")
    if not rules.camera_movement:
        supported = ", ".join(name for name, r in models.items() if r.camera_movement)
        raise InvalidParameterError(
            f"camera_movement is not supported on model {spec.model}; supported on: {supported}"
        )


def _check_extras(spec: GenerationSpec) -> None:
    options = spec.options
    if len(options.sound_effect_content) > SOUND_CONTENT_MAX_CHARS:
        raise InvalidParameterError(
            f"sound_effect_content: at most {SOUND_CONTENT_MAX_CHARS} characters"
        )
    if options.lip_sync_switch:
        if not options.lip_sync_tts_content.strip():
            raise MissingParameterError(
                "lip_sync_tts_content is required when lip_sync_switch is true"
            )
        if len(options.lip_sync_tts_content) > LIP_SYNC_TTS_MAX_CHARS:
            raise InvalidParameterError(
                f"lip_sync_tts_content: TTS text must be within {LIP_SYNC_TTS_MAX_CHARS} characters"
            )
        if options.lip_sync_tts_speaker_id:
            check_speaker(options.lip_sync_tts_speaker_id)


def _check_switches(
    spec: GenerationSpec, models: Mapping[str, ModelRules], rules: ModelRules
) -> None:
    """The capability matrix's switches: each only on the models that have it (off is always
    accepted)."""
    options = spec.options
    thinking = options.thinking_type
    if thinking and thinking not in THINKING_TYPES:
        raise InvalidParameterError(
            f"thinking_type: unsupported value {thinking!r}; allowed: {', '.join(THINKING_TYPES)}"
        )
    wanted = (
        ("generate_audio_switch", options.generate_audio, "audio"),
        ("generate_multi_clip_switch", options.multi_clip, "multi_clip"),
        ("thinking_type", thinking == "enabled", "thinking"),
    )
    for field, on, capability in wanted:
        if on and not getattr(rules, capability):
            supported = ", ".join(n for n, r in models.items() if getattr(r, capability))
            raise InvalidParameterError(
                f"{field} is not supported on model {spec.model}; supported on: {supported}"
            )


def check_image_ids(images: Iterable[ImageInput]) -> None:
    """Every referenced image id is in the id range (named img_id, as PixVerse's checks do)."""
    for image in images:
        check_id("img_id", image.image_id, "image id")


def effective_duration_s(spec: GenerationSpec, templates: Mapping[int, Template]) -> int:
    """The clip length actually rendered: the template's own length when one is used."""
    template_id = spec.options.template_id
    if template_id is not None and template_id in templates:
        return templates[template_id].duration_s
    return spec.duration_s


def _aspect_fraction(aspect_ratio: str) -> Fraction:
    width, height = aspect_ratio.split(":")
    return Fraction(int(width), int(height))


def _even(value: float | Fraction) -> int:
    return max(2, 2 * round(value / 2))


def frame_size(quality: str, ratio: Fraction) -> tuple[int, int]:
    """Short side = the quality; long side follows the ratio, rounded to an even number."""
    short = QUALITY_SHORT_SIDE_PX[quality]
    if ratio >= 1:
        return _even(short * ratio), short
    return short, _even(short / ratio)


def clamp_ratio(ratio: Fraction, aspect_ratios: tuple[str, ...]) -> Fraction:
    """`ratio` clamped to the range spanned by `aspect_ratios` ("16:9", ...)."""
    ratios = [_aspect_fraction(a) for a in aspect_ratios]
    return min(max(ratio, min(ratios)), max(ratios))


def image_ratio(width: int, height: int, rules: ModelRules) -> Fraction:
    """An input image's aspect ratio clamped to the model's supported range."""
    return clamp_ratio(Fraction(width, height), rules.aspect_ratios)


def aspect_format(quality: str, aspect_ratio: str, duration_s: int) -> OutputFormat:
    """The output of a request that names its aspect ratio (text-to-video, fusion)."""
    width, height = frame_size(quality, _aspect_fraction(aspect_ratio))
    return OutputFormat(width=width, height=height, fps=FPS, frame_count=duration_s * FPS)


def image_format(
    quality: str, rules: ModelRules, image_size: tuple[int, int], duration_s: int
) -> OutputFormat:
    """The output of a request that follows its (first) image's shape, clamped to the model's
    aspect ratios."""
    width, height = frame_size(quality, image_ratio(*image_size, rules))
    return OutputFormat(width=width, height=height, fps=FPS, frame_count=duration_s * FPS)
