"""GenerationSpec: a generate request normalised into plain Python — the fields every generation
has, plus its feature's own payload — and the render job an engine receives.

Field names are ours, not the wire's. Each feature module (domain/features/) owns one payload
type; the JSON codec at the end stores a spec with its generation row.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter


class Mode(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    TRANSITION = "transition"
    EXTEND = "extend"
    LIP_SYNC = "lip_sync"
    SOUND_EFFECT = "sound_effect"
    FUSION = "fusion"
    RESTYLE = "restyle"
    MULTI_TRANSITION = "multi_transition"
    SWAP = "swap"
    MIMIC = "mimic"
    MODIFY = "modify"
    IMAGE_TEMPLATE = "image_template"  # a picture, not a video (image/template/generate)


def output_file(mode: Mode) -> tuple[str, str]:
    """(extension, content type) of what a generation of `mode` produces."""
    if mode is Mode.IMAGE_TEMPLATE:
        return "jpg", "image/jpeg"
    return "mp4", "video/mp4"


def output_name(generation_id: int, mode: Mode) -> str:
    """The file name a generation's output is served under (`<id>.mp4` or `<id>.jpg`)."""
    return f"{generation_id}.{output_file(mode)[0]}"


# -- references to inputs (resolved at submit into a JobManifest)


@dataclass(frozen=True, slots=True)
class ImageInput:
    """An uploaded image a request names, with the wire field it came from (for errors)."""

    image_id: int
    field: str = "img_id"


@dataclass(frozen=True, slots=True)
class VideoSource:
    """The input video of a video-input feature: a finished generation or an uploaded video."""

    video_id: int | None = None
    media_id: int | None = None


# -- per-feature payloads


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    """Options of the model-based generate endpoints (text, image, transition, extend, fusion)."""

    negative_prompt: str = ""
    motion_mode: str = "normal"
    style: str = ""
    camera_movement: str = ""
    # Clients send 0 for "no template"; None here.
    template_id: int | None = None
    sound_effect_switch: bool = False
    sound_effect_content: str = ""
    lip_sync_switch: bool = False
    lip_sync_tts_speaker_id: str = ""
    lip_sync_tts_content: str = ""
    # The capability matrix's switches (values.ModelRules: audio, multi_clip, thinking).
    generate_audio: bool = False
    multi_clip: bool = False
    thinking_type: str = ""


@dataclass(frozen=True, slots=True)
class TextSpec:
    options: LaunchOptions = field(default_factory=LaunchOptions)
    aspect_ratio: str | None = None


@dataclass(frozen=True, slots=True)
class ImageSpec:
    """Image-to-video; several images only for multi-image effect templates."""

    options: LaunchOptions = field(default_factory=LaunchOptions)
    images: tuple[ImageInput, ...] = ()


@dataclass(frozen=True, slots=True)
class TransitionSpec:
    first: ImageInput
    last: ImageInput
    options: LaunchOptions = field(default_factory=LaunchOptions)


@dataclass(frozen=True, slots=True)
class ExtendSpec:
    source: VideoSource
    options: LaunchOptions = field(default_factory=LaunchOptions)


@dataclass(frozen=True, slots=True)
class FusionReference:
    """One fusion reference image, named @name in the prompt; kind "subject" or "background"."""

    image: ImageInput
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class FusionVideoReference:
    """One fusion reference video (omni mode), named @name in the prompt; `index` is its place
    in video_references (for errors)."""

    source: VideoSource
    name: str
    index: int = 0
    kind: str = ""


@dataclass(frozen=True, slots=True)
class FusionSpec:
    references: tuple[FusionReference, ...]
    options: LaunchOptions = field(default_factory=LaunchOptions)
    aspect_ratio: str | None = None
    # Omni mode: reference videos; the output is as long as the longest one.
    videos: tuple[FusionVideoReference, ...] = ()
    reference_mode: str = ""

    @property
    def omni(self) -> bool:
        return bool(self.videos) or bool(self.reference_mode)


@dataclass(frozen=True, slots=True)
class LipSyncSpec:
    """Uploaded audio (audio_media_id) or TTS (speaker and text)."""

    source: VideoSource
    audio_media_id: int | None = None
    speaker_id: str = ""
    tts_content: str = ""


@dataclass(frozen=True, slots=True)
class SoundEffectSpec:
    source: VideoSource
    content: str = ""
    original_sound: bool = False


@dataclass(frozen=True, slots=True)
class RestyleSpec:
    source: VideoSource
    restyle_id: int | None = None
    restyle_prompt: str = ""


@dataclass(frozen=True, slots=True)
class Keyframe:
    """One multi-transition keyframe: the seconds to the next one (0 on the last), a prompt."""

    image: ImageInput
    duration_s: int
    prompt: str = ""


@dataclass(frozen=True, slots=True)
class MultiTransitionSpec:
    """2-7 keyframes; of the launch options only motion_mode applies."""

    keyframes: tuple[Keyframe, ...]
    options: LaunchOptions = field(default_factory=LaunchOptions)


@dataclass(frozen=True, slots=True)
class SwapSpec:
    """Swap step 2: the keyframe (1-based) and mask chosen in a mask selection, an image."""

    source: VideoSource
    keyframe: int | None
    mask_id: str
    image: ImageInput | None
    original_sound: bool = False


@dataclass(frozen=True, slots=True)
class MimicSpec:
    source: VideoSource
    image: ImageInput | None


@dataclass(frozen=True, slots=True)
class ModifySpec:
    """Modify: a prompt edit of a video, optionally limited to mask regions (@selectionN, from
    mask selections of this video at `keyframe`) and using reference images (@imgN)."""

    source: VideoSource
    keyframe: int | None = None
    mask_ids: tuple[str, ...] = ()
    images: tuple[ImageInput, ...] = ()


@dataclass(frozen=True, slots=True)
class ImageTemplateSpec:
    template_id: int | None
    images: tuple[ImageInput, ...] = ()


FeatureSpec = (
    TextSpec
    | ImageSpec
    | TransitionSpec
    | ExtendSpec
    | FusionSpec
    | LipSyncSpec
    | SoundEffectSpec
    | RestyleSpec
    | MultiTransitionSpec
    | SwapSpec
    | MimicSpec
    | ModifySpec
    | ImageTemplateSpec
)

PAYLOAD_TYPES: dict[Mode, type[Any]] = {
    Mode.TEXT: TextSpec,
    Mode.IMAGE: ImageSpec,
    Mode.TRANSITION: TransitionSpec,
    Mode.EXTEND: ExtendSpec,
    Mode.FUSION: FusionSpec,
    Mode.LIP_SYNC: LipSyncSpec,
    Mode.SOUND_EFFECT: SoundEffectSpec,
    Mode.RESTYLE: RestyleSpec,
    Mode.MULTI_TRANSITION: MultiTransitionSpec,
    Mode.SWAP: SwapSpec,
    Mode.MIMIC: MimicSpec,
    Mode.MODIFY: ModifySpec,
    Mode.IMAGE_TEMPLATE: ImageTemplateSpec,
}

_NO_OPTIONS = LaunchOptions()


@dataclass(frozen=True, slots=True)
class GenerationSpec:
    """What the caller asked for, before validation: the common core and the feature payload.

    `model` is "" for features without one; `duration_s` 0 where the input sets the length.
    """

    mode: Mode
    model: str
    prompt: str
    quality: str
    duration_s: int
    feature: FeatureSpec
    seed: int | None = None
    water_mark: bool = False
    webhook_id: str = ""

    @property
    def options(self) -> LaunchOptions:
        """The launch options (all defaults for features without them)."""
        options = getattr(self.feature, "options", None)
        return options if isinstance(options, LaunchOptions) else _NO_OPTIONS

    @property
    def source(self) -> VideoSource | None:
        """The input video of a video-input feature."""
        source = getattr(self.feature, "source", None)
        return source if isinstance(source, VideoSource) else None

    @property
    def template_id(self) -> int | None:
        if isinstance(self.feature, ImageTemplateSpec):
            return self.feature.template_id
        return self.options.template_id


def launch_spec(
    mode: Mode,
    *,
    model: str,
    prompt: str,
    quality: str,
    duration_s: int,
    image_ids: tuple[int, ...] = (),
    aspect_ratio: str | None = None,
    options: LaunchOptions = _NO_OPTIONS,
    seed: int | None = None,
    water_mark: bool = False,
) -> GenerationSpec:
    """A text, image or transition spec from plain values (the CLI's offline render, tools)."""
    images = tuple(ImageInput(image_id) for image_id in image_ids)
    feature: FeatureSpec
    if mode is Mode.TEXT:
        feature = TextSpec(options, aspect_ratio)
    elif mode is Mode.IMAGE:
        feature = ImageSpec(options, images)
    elif mode is Mode.TRANSITION:
        feature = TransitionSpec(images[0], images[-1], options)
    else:
        raise ValueError(f"{mode.value} is not a launch mode")
    return GenerationSpec(
        mode, model, prompt, quality, duration_s, feature, seed=seed, water_mark=water_mark
    )


# -- what the engine gets


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """The exact video the engine must write."""

    width: int
    height: int
    fps: int
    frame_count: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An uploaded image as the engine sees it: a local file path and its pixel size."""

    path: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class SourceVideo:
    """An input video as the engine sees it (a local file) with its probed facts."""

    path: str
    width: int
    height: int
    duration_s: float
    has_audio: bool
    codec: str = ""
    size_bytes: int = 0
    frame_count: int = 0
    fps: float = 0.0
    # The prompt that made it, when it is a generation (sound effects default to it).
    prompt: str = ""


@dataclass(frozen=True, slots=True)
class RenderJob:
    """Everything an engine needs: the validated spec, the seed actually used, the inputs."""

    generation_id: int
    spec: GenerationSpec
    seed: int
    output: OutputFormat
    images: tuple[ImageRef, ...] = ()
    video: SourceVideo | None = None
    audio_path: str | None = None
    mask_path: str | None = None
    # Modify: the masks after the first (mask_path), in @selection order.
    more_mask_paths: tuple[str, ...] = ()
    # Fusion omni mode: the reference videos, in video_references order.
    reference_videos: tuple[SourceVideo, ...] = ()


# -- the codec of the stored spec


@functools.cache
def _payload_adapter(mode: Mode) -> TypeAdapter[Any]:
    return TypeAdapter(PAYLOAD_TYPES[mode])


def spec_to_json(spec: GenerationSpec) -> str:
    return json.dumps(dataclasses.asdict(spec), sort_keys=True)


def spec_from_json(text: str) -> GenerationSpec:
    """Decode a stored spec; rows written before the per-feature payloads (one flat object)
    are read too."""
    data = json.loads(text)
    if "feature" not in data:
        data = _from_flat(data)
    mode = Mode(data["mode"])
    payload = _payload_adapter(mode).validate_python(data["feature"])
    core = {k: v for k, v in data.items() if k not in ("feature", "mode")}
    return GenerationSpec(mode=mode, feature=payload, **core)


def spec_from_flat(data: dict[str, Any]) -> GenerationSpec:
    """A spec from the flat field layout of pixforge 0.1 (stored rows, tools, tests)."""
    return spec_from_json(json.dumps({"duration_s": 0, "quality": "", **data}))


def _from_flat(data: dict[str, Any]) -> dict[str, Any]:
    """The flat 37-field layout of pixforge 0.1 (before per-feature payloads), converted."""
    mode = Mode(data["mode"])
    fields = list(data.get("image_fields") or ())
    ids = list(data.get("image_ids") or ())
    images = [
        {"image_id": image_id, "field": fields[i] if i < len(fields) else "img_id"}
        for i, image_id in enumerate(ids)
    ]
    options = {
        "negative_prompt": data.get("negative_prompt", ""),
        "motion_mode": data.get("motion_mode", "normal"),
        "style": data.get("style", ""),
        "camera_movement": data.get("camera_movement", ""),
        "template_id": data.get("template_id"),
        "sound_effect_switch": data.get("sound_effect_switch", False),
        "sound_effect_content": data.get("sound_effect_content", ""),
        "lip_sync_switch": data.get("lip_sync_switch", False),
        "lip_sync_tts_speaker_id": data.get("lip_sync_tts_speaker_id", ""),
        "lip_sync_tts_content": data.get("lip_sync_tts_content", ""),
    }
    source = {"video_id": data.get("source_video_id"), "media_id": data.get("source_media_id")}
    first_image = images[0] if images else None
    payloads: dict[Mode, dict[str, Any]] = {
        Mode.TEXT: {"options": options, "aspect_ratio": data.get("aspect_ratio")},
        Mode.IMAGE: {"options": options, "images": images},
        Mode.TRANSITION: {"options": options, "first": images[0], "last": images[-1]}
        if images
        else {},
        Mode.EXTEND: {"options": options, "source": source},
        Mode.FUSION: {
            "options": options,
            "aspect_ratio": data.get("aspect_ratio"),
            "references": [
                {"image": image, "name": name, "kind": kind}
                for image, name, kind in zip(
                    images, data.get("ref_names", ()), data.get("ref_kinds", ()), strict=False
                )
            ],
        },
        Mode.LIP_SYNC: {
            "source": source,
            "audio_media_id": data.get("audio_media_id"),
            "speaker_id": data.get("lip_sync_tts_speaker_id", ""),
            "tts_content": data.get("lip_sync_tts_content", ""),
        },
        Mode.SOUND_EFFECT: {
            "source": source,
            "content": data.get("sound_effect_content", ""),
            "original_sound": data.get("original_sound", False),
        },
        Mode.RESTYLE: {
            "source": source,
            "restyle_id": data.get("restyle_id"),
            "restyle_prompt": data.get("restyle_prompt", ""),
        },
        Mode.MULTI_TRANSITION: {
            "options": {"motion_mode": data.get("motion_mode", "normal")},
            "keyframes": [
                {"image": image, "duration_s": seconds, "prompt": prompt}
                for image, seconds, prompt in zip(
                    images,
                    data.get("segment_durations_s") or [0] * len(images),
                    data.get("segment_prompts") or [""] * len(images),
                    strict=False,
                )
            ],
        },
        Mode.SWAP: {
            "source": source,
            "keyframe": data.get("keyframe"),
            "mask_id": data.get("mask_id", ""),
            "image": first_image,
            "original_sound": data.get("original_sound", False),
        },
        Mode.MIMIC: {"source": source, "image": first_image},
        Mode.MODIFY: {
            "source": source,
            "keyframe": data.get("keyframe"),
            "mask_ids": list(data.get("mask_ids") or ()),
            "images": images,
        },
        Mode.IMAGE_TEMPLATE: {"template_id": data.get("template_id"), "images": images},
    }
    return {
        "mode": mode.value,
        "model": data.get("model", ""),
        "prompt": data.get("prompt", ""),
        "quality": data.get("quality", ""),
        "duration_s": data.get("duration_s", 0),
        "seed": data.get("seed"),
        "water_mark": data.get("water_mark", False),
        "webhook_id": data.get("webhook_id", ""),
        "feature": payloads[mode],
    }
