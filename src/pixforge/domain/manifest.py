"""The job manifest: a generation's inputs resolved once at submit — blob keys plus the facts
probed from them — stored with the row, so the worker only reads it."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from pydantic import TypeAdapter


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What probing a stored video or audio file found (kept with the file)."""

    duration_s: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    frame_count: int = 0
    codec: str = ""


_FACTS = TypeAdapter(MediaFacts)


def facts_to_json(facts: MediaFacts) -> str:
    return json.dumps(dataclasses.asdict(facts), sort_keys=True)


def facts_from_json(text: str) -> MediaFacts:
    return _FACTS.validate_json(text)


@dataclass(frozen=True, slots=True)
class StoredImage:
    """An uploaded image: where its bytes are and its pixel size."""

    image_id: int
    key: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class StoredVideo:
    """An input video (a finished generation or an upload) with its probed facts."""

    key: str
    width: int
    height: int
    duration_s: float
    fps: float
    frame_count: int
    has_audio: bool
    codec: str
    size_bytes: int
    # The prompt that made it, when it is a generation (sound effects default to it).
    prompt: str = ""


@dataclass(frozen=True, slots=True)
class StoredAudio:
    key: str
    duration_s: float
    size_bytes: int


@dataclass(frozen=True, slots=True)
class JobManifest:
    """Every input of one generation; empty for text-to-video."""

    images: tuple[StoredImage, ...] = ()
    video: StoredVideo | None = None
    audio: StoredAudio | None = None
    mask_key: str | None = None
    # Modify: the masks after the first, in @selection order.
    more_mask_keys: tuple[str, ...] = ()
    # Fusion omni mode: the reference videos, in video_references order.
    videos: tuple[StoredVideo, ...] = ()

    @property
    def first_image_size(self) -> tuple[int, int] | None:
        for image in self.images:
            if image.width and image.height:
                return image.width, image.height
        return None

    def keys(self) -> tuple[str, ...]:
        """Every blob key the generation reads."""
        keys = [image.key for image in self.images]
        keys += [item.key for item in (self.video, self.audio) if item is not None]
        if self.mask_key:
            keys.append(self.mask_key)
        keys += self.more_mask_keys
        keys += [video.key for video in self.videos]
        return tuple(keys)


_ADAPTER = TypeAdapter(JobManifest)


def manifest_to_json(manifest: JobManifest) -> str:
    return json.dumps(dataclasses.asdict(manifest), sort_keys=True)


def manifest_from_json(text: str) -> JobManifest:
    return _ADAPTER.validate_json(text)
