"""The allowed values of the PixVerse API, as plain data: the one source for the server's rules,
the SDK, the CLI help and the MCP tool schemas.

This module imports nothing (the SDK uses it and must load no server dependency). Sources for
every value are in docs/spec-notes.md (contract §3, §4.1, §10).
"""

from __future__ import annotations

from dataclasses import dataclass

QUALITIES = ("360p", "540p", "720p", "1080p")
QUALITY_SHORT_SIDE_PX = {"360p": 360, "540p": 540, "720p": 720, "1080p": 1080}

CLASSIC_ASPECT_RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16")
WIDE_ASPECT_RATIOS = (*CLASSIC_ASPECT_RATIOS, "2:3", "3:2", "21:9")

# "realistic": sent by ComfyUI's V6 nodes and listed by PixVerse's MCP (docs/spec-notes.md).
STYLES = ("anime", "3d_animation", "clay", "comic", "cyberpunk", "realistic")
MOTION_MODES = ("normal", "fast")

# "default" (PixVerse's MCP enum) and "" mean "no camera movement"; accepted on every model.
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

SEED_MAX = 2_147_483_647
# Public ids stay within JavaScript's safe integers (some clients parse JSON numbers as doubles).
ID_MAX = 2**53 - 1


@dataclass(frozen=True, slots=True)
class ModelRules:
    """What one model accepts (the capability matrix, one row)."""

    durations_s: frozenset[int]
    durations_1080p_s: frozenset[int]
    aspect_ratios: tuple[str, ...]
    fast_motion: bool
    camera_movement: bool
    prompt_max_chars: int
    qualities: tuple[str, ...] = QUALITIES
    # generate_audio_switch: native sound (music, effects) generated with the picture.
    audio: bool = False
    # generate_multi_clip_switch: several shots with camera changes in one clip.
    multi_clip: bool = False
    # thinking_type "enabled": the model rewrites the prompt before rendering.
    thinking: bool = False


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
    audio=True,
    multi_clip=True,
)
_V6 = ModelRules(
    durations_s=frozenset(range(1, 16)),
    durations_1080p_s=frozenset(range(1, 16)),
    aspect_ratios=WIDE_ASPECT_RATIOS,
    fast_motion=False,
    camera_movement=False,
    prompt_max_chars=5000,
    audio=True,
    multi_clip=True,
    thinking=True,
)
_C1 = ModelRules(
    durations_s=frozenset(range(1, 16)),
    durations_1080p_s=frozenset(range(1, 16)),
    aspect_ratios=WIDE_ASPECT_RATIOS,
    fast_motion=False,
    camera_movement=False,
    prompt_max_chars=5000,
    audio=True,
)

MODEL_RULES: dict[str, ModelRules] = {
    "v3.5": _CLASSIC_FAST,
    "v4": _CLASSIC_CAMERA,
    "v4.5": _CLASSIC_CAMERA,
    "v5": _V5,
    "v5.5": _V55,
    "v5.6": _V55,
    "v6": _V6,
    "c1": _C1,
}
MODELS = tuple(MODEL_RULES)

# Feature-specific value lists (per feature endpoint).
FUSION_MODELS = ("v4.5", "v5", "v5.5", "v5.6", "v6", "c1")
MULTI_TRANSITION_MODELS = ("v3.5", "v4", "v4.5", "v5")
SWAP_QUALITIES = ("360p", "540p", "720p")
MIMIC_QUALITIES = SWAP_QUALITIES
FUSION_REFERENCE_KINDS = ("subject", "background")
# Fusion "omni" mode (video_references; docs/spec-notes.md): V6 only, at most 2 reference
# videos of at most 15 s together, up to 10 reference images (7 without a video); the output
# is as long as the longest reference video and aspect_ratio may be "auto" (the first video's).
FUSION_OMNI_MODELS = ("v6",)
FUSION_REFERENCE_MODES = ("omni",)
FUSION_AUTO_ASPECT_RATIO = "auto"
FUSION_MAX_VIDEOS = 2
FUSION_MAX_VIDEO_TOTAL_S = 15
FUSION_MAX_IMAGES_OMNI = 10
TTS_MAX_CHARS = 200
# thinking_type: "enabled" only on models with `thinking`; "disabled" and "auto" everywhere.
THINKING_TYPES = ("enabled", "disabled", "auto")
# Modify (video/modify/generate): no model field, 1080p not offered, up to 3 masks and 3 images.
MODIFY_QUALITIES = SWAP_QUALITIES
MODIFY_MAX_MASKS = 3
MODIFY_MAX_IMAGES = 3
MODIFY_PROMPT_MAX_CHARS = 5000
# The model-less feature endpoints, by the name an API plan lists them under.
FEATURE_NAMES = (
    "text",
    "image",
    "transition",
    "extend",
    "lip_sync",
    "sound_effect",
    "fusion",
    "restyle",
    "multi_transition",
    "swap",
    "mimic",
    "modify",
    "image_template",
)


def capability_matrix() -> list[dict[str, object]]:
    """The matrix as rows (docs, `pixforge models`): one per model, every switch spelled out."""
    return [
        {
            "model": name,
            "durations_s": sorted(rules.durations_s),
            "durations_1080p_s": sorted(rules.durations_1080p_s),
            "qualities": list(rules.qualities),
            "aspect_ratios": list(rules.aspect_ratios),
            "fast_motion": rules.fast_motion,
            "camera_movement": rules.camera_movement,
            "prompt_max_chars": rules.prompt_max_chars,
            "generate_audio_switch": rules.audio,
            "generate_multi_clip_switch": rules.multi_clip,
            "thinking_type_enabled": rules.thinking,
            "fusion": name in FUSION_MODELS,
            "multi_transition": name in MULTI_TRANSITION_MODELS,
        }
        for name, rules in MODEL_RULES.items()
    ]


def models_with(rule: str) -> tuple[str, ...]:
    """The model names whose rules have `rule` (a boolean field name) set."""
    return tuple(name for name, rules in MODEL_RULES.items() if getattr(rules, rule))


def durations_help() -> str:
    """Durations per model, for help texts: "5, 8 (v3.5, v4, ...); 1-15 (v6, c1)"."""
    groups: dict[str, list[str]] = {}
    for name, rules in MODEL_RULES.items():
        values = sorted(rules.durations_s)
        contiguous = values == list(range(values[0], values[-1] + 1)) and len(values) > 3
        text = f"{values[0]}-{values[-1]}" if contiguous else ", ".join(map(str, values))
        groups.setdefault(text, []).append(name)
    return "; ".join(f"{text} ({', '.join(names)})" for text, names in groups.items())


def aspect_ratios_help() -> str:
    """The aspect ratios, for help texts: "16:9, ... (+2:3, 3:2, 21:9 on v6, c1)"."""
    wide_only = [a for a in WIDE_ASPECT_RATIOS if a not in CLASSIC_ASPECT_RATIOS]
    wide_models = [n for n, r in MODEL_RULES.items() if r.aspect_ratios == WIDE_ASPECT_RATIOS]
    return (
        f"{', '.join(CLASSIC_ASPECT_RATIOS)} (+{', '.join(wide_only)} on {', '.join(wide_models)})"
    )
