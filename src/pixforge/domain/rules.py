"""Allowed values and limits of generate requests, as data tables, and the one validate().

Sources for every table are in docs/spec-notes.md (spec §3.1–§3.3, §4.1, §4.2).
"""

from __future__ import annotations

from collections.abc import Mapping
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
from pixforge.domain.spec import GenerationSpec, Mode, OutputFormat

FPS = 24
SEED_MAX = 2_147_483_647
ID_MAX = 2**53 - 1

QUALITY_SHORT_SIDE_PX: Mapping[str, int] = {"360p": 360, "540p": 540, "720p": 720, "1080p": 1080}

CLASSIC_ASPECT_RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16")
WIDE_ASPECT_RATIOS = (*CLASSIC_ASPECT_RATIOS, "2:3", "3:2", "21:9")

STYLES = ("anime", "3d_animation", "clay", "comic", "cyberpunk")

# "default" (MCP enum) and "" mean "no camera movement" and are accepted on every model.
NO_CAMERA_MOVEMENT = ("", "default")
CAMERA_MOVEMENTS = (
    "horizontal_left",
    "horizontal_right",
    "vertical_up",
    "vertical_down",
    "zoom_in",
    "zoom_out",
    "crane_up",
    "quickly_zoom_in",
    "quickly_zoom_out",
    "smooth_zoom_in",
    "camera_rotation",
    "robo_arm",
    "super_dolly_out",
    "whip_pan",
    "hitchcock",
    "left_follow",
    "right_follow",
    "pan_left",
    "pan_right",
    "fix_bg",
    "auto_camera",
)

MOTION_MODES = ("normal", "fast")
SOUND_CONTENT_MAX_CHARS = 2048
LIP_SYNC_TTS_MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class ModelRules:
    """What one model accepts."""

    durations_s: frozenset[int]
    durations_1080p_s: frozenset[int]
    aspect_ratios: tuple[str, ...]
    fast_motion: bool
    camera_movement: bool
    prompt_max_chars: int


_CLASSIC_FAST = ModelRules(
    durations_s=frozenset({5, 8}),
    durations_1080p_s=frozenset({5}),
    aspect_ratios=CLASSIC_ASPECT_RATIOS,
    fast_motion=True,
    camera_movement=False,
    prompt_max_chars=2048,
)
_CLASSIC_CAMERA = ModelRules(
    durations_s=frozenset({5, 8}),
    durations_1080p_s=frozenset({5}),
    aspect_ratios=CLASSIC_ASPECT_RATIOS,
    fast_motion=True,
    camera_movement=True,
    prompt_max_chars=2048,
)
_V5 = ModelRules(
    durations_s=frozenset({5, 8}),
    durations_1080p_s=frozenset({5, 8}),
    aspect_ratios=CLASSIC_ASPECT_RATIOS,
    fast_motion=False,
    camera_movement=False,
    prompt_max_chars=2048,
)
_V55 = ModelRules(
    durations_s=frozenset({5, 8, 10}),
    durations_1080p_s=frozenset({5, 8}),
    aspect_ratios=CLASSIC_ASPECT_RATIOS,
    fast_motion=False,
    camera_movement=False,
    prompt_max_chars=5000,
)
_V6 = ModelRules(
    durations_s=frozenset(range(1, 16)),
    durations_1080p_s=frozenset(range(1, 16)),
    aspect_ratios=WIDE_ASPECT_RATIOS,
    fast_motion=False,
    camera_movement=False,
    prompt_max_chars=5000,
)

MODELS: Mapping[str, ModelRules] = {
    "v3.5": _CLASSIC_FAST,
    "v4": _CLASSIC_CAMERA,
    "v4.5": _CLASSIC_CAMERA,
    "v5": _V5,
    "v5.5": _V55,
    "v5.6": _V55,
    "v6": _V6,
    "c1": _V6,
}


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


def validate(
    spec: GenerationSpec,
    models: Mapping[str, ModelRules] = MODELS,
    templates: Mapping[int, Template] | None = None,
) -> ModelRules:
    """Raise the first broken rule as a domain error naming the field; return the model's rules."""
    catalogue = (
        templates if templates is not None else {t.template_id: t for t in DEFAULT_TEMPLATES}
    )
    template = _check_template(spec, catalogue)
    if not spec.model:
        raise MissingParameterError("model is required")
    rules = models.get(spec.model)
    if rules is None:
        raise InvalidParameterError(
            f"model: unsupported value {spec.model!r}; allowed: {', '.join(models)}"
        )
    _check_prompts(spec, rules, template)
    _check_quality_duration(spec, rules, template)
    _check_aspect_ratio(spec, rules)
    _check_motion(spec, rules)
    check_seed(spec)
    _check_style_camera(spec, rules)
    _check_extras(spec)
    return rules


def _check_template(spec: GenerationSpec, catalogue: Mapping[int, Template]) -> Template | None:
    if spec.template_id is None:
        return None
    template = catalogue.get(spec.template_id)
    if template is None:
        raise InvalidParameterError(f"template_id: template {spec.template_id} does not exist")
    if template.kind == "image":
        raise InvalidParameterError(
            f"template_id: template {spec.template_id} is an image template; use "
            "POST /openapi/v2/image/template/generate"
        )
    if spec.quality in QUALITY_SHORT_SIDE_PX and spec.quality not in template.qualities:
        raise TemplateQualityError(
            f"quality: template {template.template_id} ({template.name}) does not support "
            f"{spec.quality}; allowed: {', '.join(template.qualities)}"
        )
    if spec.camera_movement not in NO_CAMERA_MOVEMENT:
        raise InvalidParameterError("camera_movement cannot be combined with template_id")
    return template


def _check_prompts(spec: GenerationSpec, rules: ModelRules, template: Template | None) -> None:
    # A template supplies its own prompt, so only template requests may leave it empty;
    # multi-transition prompts are per keyframe and optional.
    if template is None and spec.mode is not Mode.MULTI_TRANSITION and not spec.prompt.strip():
        raise MissingParameterError("prompt is required and must not be empty")
    if len(spec.prompt) > rules.prompt_max_chars:
        raise PromptTooLongError(
            f"prompt: {len(spec.prompt)} characters; model {spec.model} allows at most "
            f"{rules.prompt_max_chars}"
        )
    if len(spec.negative_prompt) > rules.prompt_max_chars:
        raise NegativePromptTooLongError(
            f"negative_prompt: {len(spec.negative_prompt)} characters; model {spec.model} "
            f"allows at most {rules.prompt_max_chars}"
        )


def _check_quality_duration(
    spec: GenerationSpec, rules: ModelRules, template: Template | None
) -> None:
    if not spec.quality:
        raise MissingParameterError("quality is required")
    if spec.quality not in QUALITY_SHORT_SIDE_PX:
        raise InvalidParameterError(
            f"quality: unsupported value {spec.quality!r}; allowed: "
            f"{', '.join(QUALITY_SHORT_SIDE_PX)}"
        )
    if template is not None or spec.mode is Mode.MULTI_TRANSITION:
        return  # a template dictates the length; multi-transition segments are checked apart
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


def _check_aspect_ratio(spec: GenerationSpec, rules: ModelRules) -> None:
    if spec.mode not in (Mode.TEXT, Mode.FUSION):
        return  # image- and video-based modes follow their input; a sent value is ignored
    if not spec.aspect_ratio:
        raise MissingParameterError("aspect_ratio is required")
    if spec.aspect_ratio not in rules.aspect_ratios:
        raise InvalidParameterError(
            f"aspect_ratio: unsupported value {spec.aspect_ratio!r} for model {spec.model}; "
            f"allowed: {', '.join(rules.aspect_ratios)}"
        )


def _check_motion(spec: GenerationSpec, rules: ModelRules) -> None:
    if spec.motion_mode not in MOTION_MODES:
        raise InvalidParameterError(
            f"motion_mode: unsupported value {spec.motion_mode!r}; allowed: normal, fast"
        )
    if spec.motion_mode != "fast":
        return
    if not rules.fast_motion:
        raise InvalidParameterError(f"motion_mode: fast is not supported on model {spec.model}")
    fixed_length = spec.template_id is not None or spec.mode is Mode.MULTI_TRANSITION
    if spec.duration_s != 5 and not fixed_length:
        raise InvalidParameterError("motion_mode: fast requires duration 5")
    if spec.quality == "1080p":
        raise InvalidParameterError("motion_mode: fast is not supported with 1080p")


def check_seed(spec: GenerationSpec) -> None:
    if spec.seed is not None and not 0 <= spec.seed <= SEED_MAX:
        raise InvalidParameterError(f"seed: {spec.seed} is outside 0..{SEED_MAX}")


def _check_style_camera(spec: GenerationSpec, rules: ModelRules) -> None:
    if spec.style and spec.style not in STYLES:
        raise InvalidParameterError(
            f"style: unsupported value {spec.style!r}; allowed: {', '.join(STYLES)}"
        )
    if spec.camera_movement in NO_CAMERA_MOVEMENT:
        return
    if spec.camera_movement not in CAMERA_MOVEMENTS:
        raise InvalidParameterError(
            f"camera_movement: unsupported value {spec.camera_movement!r}; allowed: "
            f"{', '.join(CAMERA_MOVEMENTS)}"
        )
    if spec.mode in (Mode.TRANSITION, Mode.MULTI_TRANSITION):
        raise InvalidParameterError("camera_movement is not supported for transitions")
    if not rules.camera_movement:
        supported = ", ".join(name for name, r in MODELS.items() if r.camera_movement)
        raise InvalidParameterError(
            f"camera_movement is not supported on model {spec.model}; supported on: {supported}"
        )


def _check_extras(spec: GenerationSpec) -> None:
    if len(spec.sound_effect_content) > SOUND_CONTENT_MAX_CHARS:
        raise InvalidParameterError(
            f"sound_effect_content: at most {SOUND_CONTENT_MAX_CHARS} characters"
        )
    if spec.lip_sync_switch:
        if not spec.lip_sync_tts_content.strip():
            raise MissingParameterError(
                "lip_sync_tts_content is required when lip_sync_switch is true"
            )
        if len(spec.lip_sync_tts_content) > LIP_SYNC_TTS_MAX_CHARS:
            raise InvalidParameterError(
                f"lip_sync_tts_content: TTS text must be within {LIP_SYNC_TTS_MAX_CHARS} characters"
            )
        if spec.lip_sync_tts_speaker_id:
            check_speaker(spec.lip_sync_tts_speaker_id)
    for image_id in spec.image_ids:
        if not 0 < image_id <= ID_MAX:
            raise InvalidParameterError(f"img_id: {image_id} is not a valid image id")


def effective_duration_s(spec: GenerationSpec, templates: Mapping[int, Template]) -> int:
    """The clip length actually rendered: the template's own length when one is used."""
    if spec.template_id is not None and spec.template_id in templates:
        return templates[spec.template_id].duration_s
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


def output_format(
    spec: GenerationSpec,
    rules: ModelRules,
    duration_s: int,
    first_image_size: tuple[int, int] | None,
) -> OutputFormat:
    """The exact width, height and frame count of the video for a validated spec."""
    if spec.mode is Mode.TEXT:
        assert spec.aspect_ratio is not None
        ratio = _aspect_fraction(spec.aspect_ratio)
    else:
        assert first_image_size is not None
        ratio = image_ratio(*first_image_size, rules)
    width, height = frame_size(spec.quality, ratio)
    return OutputFormat(width=width, height=height, fps=FPS, frame_count=duration_s * FPS)
