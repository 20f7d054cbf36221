"""Wire models of the video endpoints; requests convert themselves inward with to_spec()."""

from __future__ import annotations

import functools
import time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from pixforge.api.v2.schemas.common import SpecRequest, WireId
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.spec import (
    FeatureSpec,
    GenerationSpec,
    ImageInput,
    ImageSpec,
    LaunchOptions,
    Mode,
    TextSpec,
    TransitionSpec,
)
from pixforge.services.generations import GenerationView


def _text_id(value: object) -> object:
    """String ids on the wire (webhook_id, mask_id, speaker ids); some clients send numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


TextId = Annotated[str | None, BeforeValidator(_text_id)]


class _GenerateRequest(SpecRequest):
    """Fields shared by every generate call; unknown fields are ignored as PixVerse does."""

    model: str
    prompt: str | None = None
    negative_prompt: str | None = None
    duration: int
    quality: str
    motion_mode: str | None = None
    seed: int | None = None
    style: str | None = None
    camera_movement: str | None = None
    template_id: WireId | None = None
    water_mark: bool | None = None
    sound_effect_switch: bool | None = None
    sound_effect_content: str | None = None
    lip_sync_switch: bool | None = None
    # Older guides spell the switch lip_sync_tts_switch; both are accepted.
    lip_sync_tts_switch: bool | None = None
    lip_sync_tts_speaker_id: TextId = None
    lip_sync_tts_content: str | None = None
    webhook_id: TextId = None
    # The capability matrix's switches (values.ModelRules).
    generate_audio_switch: bool | None = None
    generate_multi_clip_switch: bool | None = None
    thinking_type: str | None = None

    def _options(self) -> LaunchOptions:
        return LaunchOptions(
            negative_prompt=self.negative_prompt or "",
            motion_mode=(self.motion_mode or "normal").strip() or "normal",
            style=(self.style or "").strip(),
            camera_movement=(self.camera_movement or "").strip(),
            # Clients send 0 for "no template".
            template_id=self.template_id or None,
            sound_effect_switch=bool(self.sound_effect_switch),
            sound_effect_content=self.sound_effect_content or "",
            lip_sync_switch=bool(self.lip_sync_switch or self.lip_sync_tts_switch),
            lip_sync_tts_speaker_id=self.lip_sync_tts_speaker_id or "",
            lip_sync_tts_content=self.lip_sync_tts_content or "",
            generate_audio=bool(self.generate_audio_switch),
            multi_clip=bool(self.generate_multi_clip_switch),
            thinking_type=(self.thinking_type or "").strip(),
        )

    def _spec(self, mode: Mode, feature: FeatureSpec) -> GenerationSpec:
        return GenerationSpec(
            mode=mode,
            model=self.model.strip(),
            prompt=self.prompt or "",
            quality=self.quality.strip(),
            duration_s=self.duration,
            feature=feature,
            seed=self.seed,
            water_mark=bool(self.water_mark),
            webhook_id=(self.webhook_id or "").strip(),
        )


def aspect(value: str | None) -> str | None:
    return value.strip() if value else None


class TextToVideoRequest(_GenerateRequest):
    aspect_ratio: str | None = None

    def to_spec(self) -> GenerationSpec:
        return self._spec(Mode.TEXT, TextSpec(self._options(), aspect(self.aspect_ratio)))


class ImageToVideoRequest(_GenerateRequest):
    img_id: WireId | None = None
    img_ids: list[WireId] | None = None

    def to_spec(self) -> GenerationSpec:
        if self.img_id and self.img_ids:
            raise InvalidParameterError("img_id, img_ids: send one of them, not both")
        if self.img_id:
            images: tuple[ImageInput, ...] = (ImageInput(self.img_id, "img_id"),)
        elif self.img_ids:
            if not self.template_id:
                raise InvalidParameterError("img_ids: only multi-image templates take img_ids")
            images = tuple(ImageInput(i, f"img_ids.{n}") for n, i in enumerate(self.img_ids))
        else:
            raise MissingParameterError("img_id is required")
        return self._spec(Mode.IMAGE, ImageSpec(self._options(), images))


class TransitionRequest(_GenerateRequest):
    first_frame_img: WireId
    last_frame_img: WireId

    def to_spec(self) -> GenerationSpec:
        first = ImageInput(self.first_frame_img, "first_frame_img")
        last = ImageInput(self.last_frame_img, "last_frame_img")
        return self._spec(Mode.TRANSITION, TransitionSpec(first, last, self._options()))


class VideoIdResponse(BaseModel):
    video_id: int


def iso_time(epoch_s: float) -> str:
    return _iso_second(int(epoch_s // 1))  # the whole second gmtime would take


@functools.lru_cache(maxsize=4096)
def _iso_second(epoch_s: int) -> str:
    # Polls repeat the same few timestamps: each is formatted once.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


class VideoResultResponse(BaseModel):
    id: int
    status: int
    url: str
    prompt: str
    negative_prompt: str
    seed: int
    style: str
    resolution_ratio: int
    outputWidth: int  # noqa: N815 - PixVerse's wire name
    outputHeight: int  # noqa: N815 - PixVerse's wire name
    size: int
    create_time: str
    modify_time: str
    has_audio: bool
    # pixforge extension: render progress in percent (PixVerse clients ignore unknown fields).
    progress: int

    @staticmethod
    def answer(view: GenerationView) -> dict[str, Any]:
        """The `Resp` of a result poll: this model's fields, built as a plain dict (every client
        polls every few seconds; validating our own values through the model would cost as much
        as the read). tests/unit/test_result_answer.py checks it against the model."""
        return {
            "id": view.id,
            "status": view.status,
            "url": view.url,
            "prompt": view.prompt,
            "negative_prompt": view.negative_prompt,
            "seed": view.seed,
            "style": view.style,
            "resolution_ratio": view.resolution,
            "outputWidth": view.width,
            "outputHeight": view.height,
            "size": view.size_bytes,
            "create_time": iso_time(view.created_at),
            "modify_time": iso_time(view.modified_at),
            "has_audio": view.has_audio,
            "progress": view.progress_percent,
        }
