"""Wire models of the feature endpoints (extend, lip sync, sound effect, fusion, restyle,
multi-transition, swap); requests convert themselves inward with to_spec()."""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel

from pixforge.api.v2.schemas.common import SpecRequest, WireId, WireRequest
from pixforge.api.v2.schemas.video import TextId, _GenerateRequest
from pixforge.domain.errors import MissingParameterError
from pixforge.domain.spec import GenerationSpec, Mode


class _SourceFields(SpecRequest):
    source_video_id: WireId | None = None
    video_media_id: WireId | None = None
    seed: int | None = None
    webhook_id: TextId = None

    def _edit_spec(self, mode: Mode, quality: str = "", **fields: object) -> GenerationSpec:
        """A spec for an endpoint that edits a video (no model, prompt or duration of its own)."""
        return GenerationSpec(
            mode=mode,
            model="",
            prompt="",
            quality=quality,
            duration_s=0,
            # Clients send 0 for "not given".
            source_video_id=self.source_video_id or None,
            source_media_id=self.video_media_id or None,
            seed=self.seed,
            webhook_id=(self.webhook_id or "").strip(),
            **fields,  # type: ignore[arg-type]
        )


class ExtendRequest(_GenerateRequest):
    source_video_id: WireId | None = None
    video_media_id: WireId | None = None

    def to_spec(self) -> GenerationSpec:
        spec = self._spec(Mode.EXTEND, (), ())
        return _with(
            spec,
            source_video_id=self.source_video_id or None,
            source_media_id=self.video_media_id or None,
        )


class LipSyncRequest(_SourceFields):
    audio_media_id: WireId | None = None
    lip_sync_tts_speaker_id: TextId = None
    lip_sync_tts_content: str | None = None

    def to_spec(self) -> GenerationSpec:
        return self._edit_spec(
            Mode.LIP_SYNC,
            audio_media_id=self.audio_media_id or None,
            lip_sync_tts_speaker_id=(self.lip_sync_tts_speaker_id or "").strip(),
            lip_sync_tts_content=self.lip_sync_tts_content or "",
        )


class SoundEffectRequest(_SourceFields):
    sound_effect_content: str | None = None
    original_sound_switch: bool | None = None
    model: str | None = None  # "reserved for future use" in PixVerse's docs

    def to_spec(self) -> GenerationSpec:
        return self._edit_spec(
            Mode.SOUND_EFFECT,
            sound_effect_switch=True,
            sound_effect_content=self.sound_effect_content or "",
            original_sound=bool(self.original_sound_switch),
        )


class RestyleRequest(_SourceFields):
    # An integer in PixVerse's schema, a string in one guide: digit strings are accepted.
    restyle_id: WireId | None = None
    restyle_prompt: str | None = None

    def to_spec(self) -> GenerationSpec:
        return self._edit_spec(
            Mode.RESTYLE,
            restyle_id=self.restyle_id or None,
            restyle_prompt=self.restyle_prompt or "",
        )


class SwapRequest(_SourceFields):
    keyframe_id: WireId | None = None
    mask_id: TextId = None
    img_id: WireId | None = None
    quality: str | None = None
    original_sound_switch: bool | None = None

    def to_spec(self) -> GenerationSpec:
        return self._edit_spec(
            Mode.SWAP,
            (self.quality or "").strip(),
            keyframe=self.keyframe_id,
            mask_id=(self.mask_id or "").strip(),
            image_ids=(self.img_id,) if self.img_id else (),
            image_fields=("img_id",) if self.img_id else (),
            original_sound=bool(self.original_sound_switch),
        )


class MimicRequest(_SourceFields):
    img_id: WireId | None = None
    quality: str | None = None

    def to_spec(self) -> GenerationSpec:
        return self._edit_spec(
            Mode.MIMIC,
            (self.quality or "").strip(),
            image_ids=(self.img_id,) if self.img_id else (),
            image_fields=("img_id",) if self.img_id else (),
        )


class MaskSelectionRequest(WireRequest):
    source_video_id: WireId | None = None
    video_media_id: WireId | None = None
    keyframe_id: WireId | None = None


class ImageReference(WireRequest):
    type: str
    img_id: WireId
    ref_name: str


class FusionRequest(_GenerateRequest):
    image_references: list[ImageReference] | None = None
    aspect_ratio: str | None = None

    def to_spec(self) -> GenerationSpec:
        refs = self.image_references or []
        if not refs:
            raise MissingParameterError("image_references is required (1 or more references)")
        spec = self._spec(
            Mode.FUSION,
            tuple(ref.img_id for ref in refs),
            tuple(f"image_references.{i}.img_id" for i in range(len(refs))),
            self.aspect_ratio,
        )
        return _with(
            spec,
            ref_names=tuple(ref.ref_name.strip() for ref in refs),
            ref_kinds=tuple(ref.type.strip().lower() for ref in refs),
        )


class Keyframe(WireRequest):
    img_id: WireId
    duration: int | None = None
    prompt: str | None = None


class MultiTransitionRequest(SpecRequest):
    multi_transition: list[Keyframe] | None = None
    model: str | None = None
    quality: str | None = None
    motion_mode: str | None = None
    seed: int | None = None
    water_mark: bool | None = None
    webhook_id: TextId = None

    def to_spec(self) -> GenerationSpec:
        frames = self.multi_transition or []
        if not frames:
            raise MissingParameterError("multi_transition is required (2 to 7 keyframes)")
        for index, frame in enumerate(frames[:-1]):
            if frame.duration is None:
                raise MissingParameterError(f"multi_transition.{index}.duration is required")
        durations = tuple(frame.duration or 0 for frame in frames)
        return GenerationSpec(
            mode=Mode.MULTI_TRANSITION,
            model=(self.model or "").strip(),
            prompt=" / ".join(f.prompt for f in frames if f.prompt),
            quality=(self.quality or "").strip(),
            duration_s=sum(durations[:-1]) + durations[-1],
            motion_mode=(self.motion_mode or "normal").strip() or "normal",
            seed=self.seed,
            water_mark=bool(self.water_mark),
            image_ids=tuple(frame.img_id for frame in frames),
            image_fields=tuple(f"multi_transition.{i}.img_id" for i in range(len(frames))),
            segment_durations_s=durations,
            segment_prompts=tuple(frame.prompt or "" for frame in frames),
            webhook_id=(self.webhook_id or "").strip(),
        )


class VideoCreditsResponse(BaseModel):
    video_id: int
    credits: int
    # Some PixVerse guides spell it `credit`; both carry the same number.
    credit: int


class MaskInfo(BaseModel):
    mask_id: str
    mask_name: str
    mask_url: str


class MaskSelectionResponse(BaseModel):
    keyframe_id: int
    keyframe_url: str
    credits: int
    mask_info: list[MaskInfo]


def _with(spec: GenerationSpec, **changes: object) -> GenerationSpec:
    return replace(spec, **changes)  # type: ignore[arg-type]
