"""SDK response models (PixVerse wire names kept; unknown fields are kept, not rejected)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SUCCEEDED, GENERATING, DELETED, MODERATION_FAILED, FAILED = 1, 5, 6, 7, 8


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Balance(_Model):
    account_id: int
    credit_monthly: int
    credit_package: int

    @property
    def total(self) -> int:
        return self.credit_monthly + self.credit_package


class UploadedImage(_Model):
    img_id: int
    img_url: str


class UploadedMedia(_Model):
    media_id: int
    media_type: str
    url: str


class VideoResult(_Model):
    """A generation as GET /openapi/v2/video/result/{id} reports it."""

    id: int
    status: int
    url: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 0
    style: str = ""
    resolution_ratio: int = 0
    output_width: int = Field(0, alias="outputWidth")
    output_height: int = Field(0, alias="outputHeight")
    size: int = 0
    create_time: str = ""
    modify_time: str = ""
    has_audio: bool = False
    progress: int | None = None  # pixforge extension; absent on PixVerse

    @property
    def is_finished(self) -> bool:
        return self.status != GENERATING

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED


class _GenerateRequest(_Model):
    model: str = "v5"
    prompt: str = ""
    duration: int = 5
    quality: str = "540p"
    negative_prompt: str | None = None
    seed: int | None = None
    style: str | None = None
    motion_mode: str | None = None
    camera_movement: str | None = None
    template_id: int | None = None
    water_mark: bool | None = None
    sound_effect_switch: bool | None = None
    sound_effect_content: str | None = None
    # The capability matrix's switches (pixforge.values.MODEL_RULES says which models).
    generate_audio_switch: bool | None = None
    generate_multi_clip_switch: bool | None = None
    thinking_type: str | None = None

    def body(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True, by_alias=True)


class TextToVideoRequest(_GenerateRequest):
    aspect_ratio: str = "16:9"


class ImageToVideoRequest(_GenerateRequest):
    img_id: int


class TransitionRequest(_GenerateRequest):
    first_frame_img: int
    last_frame_img: int


class _SourceRequest(_Model):
    """A request on an existing video: a PixVerse video id or an uploaded video's media id."""

    source_video_id: int | None = None
    video_media_id: int | None = None

    def body(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True, by_alias=True)


class ExtendRequest(_GenerateRequest):
    source_video_id: int | None = None
    video_media_id: int | None = None


class LipSyncRequest(_SourceRequest):
    audio_media_id: int | None = None
    lip_sync_tts_speaker_id: str | None = None
    lip_sync_tts_content: str | None = None


class SoundEffectRequest(_SourceRequest):
    sound_effect_content: str | None = None
    original_sound_switch: bool | None = None


class RestyleRequest(_SourceRequest):
    restyle_id: int | None = None
    restyle_prompt: str | None = None
    seed: int | None = None


class SwapRequest(_SourceRequest):
    keyframe_id: int
    mask_id: str
    img_id: int
    quality: str = "540p"
    original_sound_switch: bool | None = None


class MimicRequest(_SourceRequest):
    img_id: int
    quality: str = "540p"


class ModifyRequest(_SourceRequest):
    """Modify: `prompt` names masks as @selection0.. and images as @img0.. (up to 3 each)."""

    prompt: str
    quality: str = "540p"
    mask_ids: list[str] | None = None
    img_ids: list[int] | None = None
    keyframe_ids: int | None = None
    seed: int | None = None


class MaskSelectionRequest(_SourceRequest):
    keyframe_id: int | None = None


class ImageReference(_Model):
    """One fusion reference: `ref_name` must appear as @ref_name in the prompt."""

    type: str = "subject"  # "subject" or "background"
    img_id: int
    ref_name: str


class FusionVideoReference(_Model):
    """An omni-mode fusion reference video (v6): an uploaded video or a finished generation,
    named @ref_name in the prompt."""

    ref_name: str
    video_media_id: int | None = None
    source_video_id: int | None = None


class FusionRequest(_GenerateRequest):
    model: str = "v4.5"
    image_references: list[ImageReference]
    aspect_ratio: str = "16:9"
    # Omni mode (v6): reference videos set the length; send duration 0 and reference_mode "omni".
    video_references: list[FusionVideoReference] | None = None
    reference_mode: str | None = None


class Keyframe(_Model):
    """One multi-transition keyframe; every one but the last carries a duration (seconds)."""

    img_id: int
    duration: int | None = None
    prompt: str | None = None


class MultiTransitionRequest(_Model):
    multi_transition: list[Keyframe]
    model: str = "v5"
    quality: str = "540p"
    motion_mode: str | None = None
    seed: int | None = None
    water_mark: bool | None = None

    def body(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True, by_alias=True)


class Speaker(_Model):
    speaker_id: str
    name: str


class RestyleEffect(_Model):
    restyle_id: int
    restyle_name: str
    restyle_prompt: str = ""
    cover_url: str = ""


class Mask(_Model):
    mask_id: str
    mask_name: str
    mask_url: str


class MaskSelection(_Model):
    keyframe_id: int
    keyframe_url: str
    credits: int = 0
    mask_info: list[Mask]


class ImageResult(_Model):
    """An image-template generation as GET /openapi/v2/image/result/{id} reports it."""

    image_id: int
    status: int
    url: str = ""
    template_id: int = 0
    output_width: int = Field(0, alias="outputWidth")
    output_height: int = Field(0, alias="outputHeight")
    size: int = 0
    credits: int = 0
    create_time: str = ""
    modify_time: str = ""

    @property
    def is_finished(self) -> bool:
        return self.status != GENERATING

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED


class VideoPage(_Model):
    """A page of an account's generations (pixforge's listing extension)."""

    items: list[VideoResult]
    total: int
    page: int
    page_size: int
