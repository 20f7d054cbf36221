"""Wire models of the feature endpoints (extend, lip sync, sound effect, fusion, restyle,
multi-transition, swap); requests convert themselves inward with to_spec()."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator

from pixforge.api.v2.schemas.common import SpecRequest, WireId, WireRequest
from pixforge.api.v2.schemas.video import TextId, _GenerateRequest, _text_id, aspect
from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.spec import (
    ExtendSpec,
    FeatureSpec,
    FusionReference,
    FusionSpec,
    FusionVideoReference,
    GenerationSpec,
    ImageInput,
    LaunchOptions,
    LipSyncSpec,
    MimicSpec,
    Mode,
    ModifySpec,
    MultiTransitionSpec,
    RestyleSpec,
    SoundEffectSpec,
    SwapSpec,
    VideoSource,
)
from pixforge.domain.spec import Keyframe as KeyframeSpec


class _SourceFields(SpecRequest):
    source_video_id: WireId | None = None
    video_media_id: WireId | None = None
    seed: int | None = None
    webhook_id: TextId = None

    def _source(self) -> VideoSource:
        # Clients send 0 for "not given".
        return VideoSource(self.source_video_id or None, self.video_media_id or None)

    def _edit_spec(
        self, mode: Mode, feature: FeatureSpec, quality: str = "", prompt: str = ""
    ) -> GenerationSpec:
        """A spec for an endpoint that edits a video (no model or duration of its own)."""
        return GenerationSpec(
            mode=mode,
            model="",
            prompt=prompt,
            quality=quality,
            duration_s=0,
            feature=feature,
            seed=self.seed,
            webhook_id=(self.webhook_id or "").strip(),
        )


def _image(img_id: int | None) -> ImageInput | None:
    return ImageInput(img_id, "img_id") if img_id else None


class ExtendRequest(_GenerateRequest):
    source_video_id: WireId | None = None
    video_media_id: WireId | None = None

    def to_spec(self) -> GenerationSpec:
        source = VideoSource(self.source_video_id or None, self.video_media_id or None)
        return self._spec(Mode.EXTEND, ExtendSpec(source, self._options()))


class LipSyncRequest(_SourceFields):
    audio_media_id: WireId | None = None
    lip_sync_tts_speaker_id: TextId = None
    lip_sync_tts_content: str | None = None

    def to_spec(self) -> GenerationSpec:
        payload = LipSyncSpec(
            self._source(),
            audio_media_id=self.audio_media_id or None,
            speaker_id=(self.lip_sync_tts_speaker_id or "").strip(),
            tts_content=self.lip_sync_tts_content or "",
        )
        return self._edit_spec(Mode.LIP_SYNC, payload)


class SoundEffectRequest(_SourceFields):
    sound_effect_content: str | None = None
    original_sound_switch: bool | None = None
    model: str | None = None  # "reserved for future use" in PixVerse's docs

    def to_spec(self) -> GenerationSpec:
        payload = SoundEffectSpec(
            self._source(),
            content=self.sound_effect_content or "",
            original_sound=bool(self.original_sound_switch),
        )
        return self._edit_spec(Mode.SOUND_EFFECT, payload)


class RestyleRequest(_SourceFields):
    # An integer in PixVerse's schema, a string in one guide: digit strings are accepted.
    restyle_id: WireId | None = None
    restyle_prompt: str | None = None

    def to_spec(self) -> GenerationSpec:
        prompt = self.restyle_prompt or ""
        payload = RestyleSpec(self._source(), self.restyle_id or None, prompt)
        # The result shows the restyle prompt as the generation's prompt.
        return self._edit_spec(Mode.RESTYLE, payload, prompt=prompt)


class SwapRequest(_SourceFields):
    keyframe_id: WireId | None = None
    mask_id: TextId = None
    img_id: WireId | None = None
    quality: str | None = None
    original_sound_switch: bool | None = None

    def to_spec(self) -> GenerationSpec:
        payload = SwapSpec(
            self._source(),
            keyframe=self.keyframe_id,
            mask_id=(self.mask_id or "").strip(),
            image=_image(self.img_id),
            original_sound=bool(self.original_sound_switch),
        )
        return self._edit_spec(Mode.SWAP, payload, (self.quality or "").strip())


class MimicRequest(_SourceFields):
    img_id: WireId | None = None
    quality: str | None = None

    def to_spec(self) -> GenerationSpec:
        payload = MimicSpec(self._source(), _image(self.img_id))
        return self._edit_spec(Mode.MIMIC, payload, (self.quality or "").strip())


MaskId = Annotated[str, BeforeValidator(_text_id)]


class ModifyRequest(_SourceFields):
    prompt: str | None = None
    quality: str | None = None
    img_ids: list[WireId] | None = None
    mask_ids: list[MaskId] | None = None
    # PixVerse's schema spells it keyframe_ids (one integer); swap's keyframe_id is accepted.
    keyframe_ids: WireId | None = None
    keyframe_id: WireId | None = None

    def to_spec(self) -> GenerationSpec:
        if self.keyframe_id and self.keyframe_ids and self.keyframe_id != self.keyframe_ids:
            raise InvalidParameterError("keyframe_id, keyframe_ids: send one keyframe, not two")
        images = tuple(ImageInput(i, f"img_ids.{n}") for n, i in enumerate(self.img_ids or ()))
        payload = ModifySpec(
            self._source(),
            keyframe=self.keyframe_ids or self.keyframe_id or None,
            mask_ids=tuple(mask.strip() for mask in self.mask_ids or ()),
            images=images,
        )
        return self._edit_spec(
            Mode.MODIFY, payload, (self.quality or "").strip(), prompt=self.prompt or ""
        )


class MaskSelectionRequest(WireRequest):
    source_video_id: WireId | None = None
    video_media_id: WireId | None = None
    keyframe_id: WireId | None = None


class ImageReference(WireRequest):
    type: str
    img_id: WireId
    ref_name: str


class VideoReference(WireRequest):
    """A fusion reference video (omni mode): an uploaded video (video_media_id) or a finished
    generation (source_video_id), named @ref_name in the prompt."""

    ref_name: str
    video_media_id: WireId | None = None
    source_video_id: WireId | None = None
    type: str | None = None


class FusionRequest(_GenerateRequest):
    image_references: list[ImageReference] | None = None
    video_references: list[VideoReference] | None = None
    reference_mode: str | None = None
    aspect_ratio: str | None = None

    def to_spec(self) -> GenerationSpec:
        refs = self.image_references or []
        clips = self.video_references or []
        if not refs and not clips:
            raise MissingParameterError(
                "image_references is required (1 or more references; or video_references)"
            )
        references = tuple(
            FusionReference(
                ImageInput(ref.img_id, f"image_references.{i}.img_id"),
                ref.ref_name.strip(),
                ref.type.strip().lower(),
            )
            for i, ref in enumerate(refs)
        )
        videos = tuple(
            FusionVideoReference(
                # Clients send 0 for "not given".
                VideoSource(clip.source_video_id or None, clip.video_media_id or None),
                clip.ref_name.strip(),
                i,
                (clip.type or "").strip().lower(),
            )
            for i, clip in enumerate(clips)
        )
        payload = FusionSpec(
            references,
            self._options(),
            aspect(self.aspect_ratio),
            videos,
            (self.reference_mode or "").strip().lower(),
        )
        return self._spec(Mode.FUSION, payload)


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
        keyframes = tuple(
            KeyframeSpec(
                ImageInput(frame.img_id, f"multi_transition.{i}.img_id"),
                frame.duration or 0,
                frame.prompt or "",
            )
            for i, frame in enumerate(frames)
        )
        options = LaunchOptions(motion_mode=(self.motion_mode or "normal").strip() or "normal")
        return GenerationSpec(
            mode=Mode.MULTI_TRANSITION,
            model=(self.model or "").strip(),
            prompt=" / ".join(f.prompt for f in frames if f.prompt),
            quality=(self.quality or "").strip(),
            duration_s=sum(frame.duration_s for frame in keyframes),
            feature=MultiTransitionSpec(keyframes, options),
            seed=self.seed,
            water_mark=bool(self.water_mark),
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
