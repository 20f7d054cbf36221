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
class RenderJob:
    """Everything an engine needs: the validated spec, the seed actually used, the inputs."""

    generation_id: int
    spec: GenerationSpec
    seed: int
    output: OutputFormat
    images: tuple[ImageRef, ...] = ()


def spec_to_json(spec: GenerationSpec) -> str:
    return json.dumps(dataclasses.asdict(spec), sort_keys=True)


def spec_from_json(text: str) -> GenerationSpec:
    data = json.loads(text)
    data["mode"] = Mode(data["mode"])
    data["image_ids"] = tuple(data["image_ids"])
    data["image_fields"] = tuple(data["image_fields"])
    return GenerationSpec(**data)
