"""GenerationSpec: a generate request normalised into plain Python, shared by every layer."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import StrEnum


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
    IMAGE_TEMPLATE = "image_template"  # a picture, not a video (image/template/generate)


# Modes that take an existing video (a finished generation or an uploaded video) as input.
VIDEO_INPUT_MODES = frozenset(
    {Mode.EXTEND, Mode.LIP_SYNC, Mode.SOUND_EFFECT, Mode.RESTYLE, Mode.SWAP, Mode.MIMIC}
)


def output_file(mode: Mode) -> tuple[str, str]:
    """(extension, content type) of what a generation of `mode` produces."""
    if mode is Mode.IMAGE_TEMPLATE:
        return "jpg", "image/jpeg"
    return "mp4", "video/mp4"


def output_name(generation_id: int, mode: Mode) -> str:
    """The file name a generation's output is served under (`<id>.mp4` or `<id>.jpg`)."""
    return f"{generation_id}.{output_file(mode)[0]}"


@dataclass(frozen=True, slots=True)
class GenerationSpec:
    """What the caller asked for, before validation; field names are ours, not the wire's."""

    mode: Mode
    model: str
    prompt: str
    quality: str
    duration_s: int
    negative_prompt: str = ""
    aspect_ratio: str | None = None
    motion_mode: str = "normal"
    seed: int | None = None
    style: str = ""
    camera_movement: str = ""
    template_id: int | None = None
    water_mark: bool = False
    sound_effect_switch: bool = False
    sound_effect_content: str = ""
    lip_sync_switch: bool = False
    lip_sync_tts_speaker_id: str = ""
    lip_sync_tts_content: str = ""
    image_ids: tuple[int, ...] = field(default_factory=tuple)
    # The wire field each image id came from, so errors can name it (e.g. "last_frame_img").
    image_fields: tuple[str, ...] = field(default_factory=tuple)
    # Video-input modes: exactly one of a finished generation or an uploaded video.
    source_video_id: int | None = None
    source_media_id: int | None = None
    audio_media_id: int | None = None
    original_sound: bool = False
    restyle_id: int | None = None
    restyle_prompt: str = ""
    # Multi-transition: one duration and prompt per keyframe (the last duration is 0).
    segment_durations_s: tuple[int, ...] = field(default_factory=tuple)
    segment_prompts: tuple[str, ...] = field(default_factory=tuple)
    # Fusion: one name and kind ("subject" or "background") per reference image.
    ref_names: tuple[str, ...] = field(default_factory=tuple)
    ref_kinds: tuple[str, ...] = field(default_factory=tuple)
    # Swap: the keyframe (1-based) and mask chosen from a mask selection.
    keyframe: int | None = None
    mask_id: str = ""
    webhook_id: str = ""


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
    """An input video as validation and the engine see it (a stored file)."""

    path: str
    width: int
    height: int
    duration_s: float
    has_audio: bool
    codec: str = ""
    size_bytes: int = 0
    frame_count: int = 0
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


def spec_to_json(spec: GenerationSpec) -> str:
    return json.dumps(dataclasses.asdict(spec), sort_keys=True)


def spec_from_json(text: str) -> GenerationSpec:
    data = json.loads(text)
    data["mode"] = Mode(data["mode"])
    data["image_ids"] = tuple(data["image_ids"])
    for name in _TUPLE_FIELDS:
        data[name] = tuple(data.get(name, ()))
    return GenerationSpec(**data)


_TUPLE_FIELDS = (
    "image_ids",
    "image_fields",
    "segment_durations_s",
    "segment_prompts",
    "ref_names",
    "ref_kinds",
)
