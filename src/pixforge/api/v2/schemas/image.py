"""Wire models of image templates: POST image/template/generate and GET image/result/{id}."""

from __future__ import annotations

from pydantic import BaseModel

from pixforge.api.v2.schemas.common import SpecRequest, WireId
from pixforge.api.v2.schemas.video import TextId, iso_time
from pixforge.domain.spec import GenerationSpec, ImageInput, ImageTemplateSpec, Mode
from pixforge.services.generations import GenerationView


class ImageTemplateRequest(SpecRequest):
    template_id: WireId | None = None
    # Integers; one third-party client sends digit strings, which are accepted too.
    img_ids: list[WireId] | None = None
    water_mark: bool | None = None
    webhook_id: TextId = None

    def to_spec(self) -> GenerationSpec:
        images = tuple(ImageInput(i, f"img_ids.{n}") for n, i in enumerate(self.img_ids or ()))
        return GenerationSpec(
            mode=Mode.IMAGE_TEMPLATE,
            model="",
            prompt="",
            quality="",
            duration_s=0,
            feature=ImageTemplateSpec(self.template_id or None, images),
            water_mark=bool(self.water_mark),
            webhook_id=(self.webhook_id or "").strip(),
        )


class ImageIdResponse(BaseModel):
    image_id: int
    # The image-template guide writes `credit`; other PixVerse answers say `credits`.
    credit: int
    credits: int


class ImageResultResponse(BaseModel):
    image_id: int
    status: int
    url: str
    prompt: str
    seed: int
    template_id: int
    outputWidth: int  # noqa: N815 - PixVerse's wire name
    outputHeight: int  # noqa: N815 - PixVerse's wire name
    size: int
    credits: int
    create_time: str
    modify_time: str

    @classmethod
    def from_view(cls, view: GenerationView) -> ImageResultResponse:
        return cls(
            image_id=view.id,
            status=view.status,
            url=view.url,
            prompt=view.prompt,
            seed=view.seed,
            template_id=view.template_id or 0,
            outputWidth=view.width,
            outputHeight=view.height,
            size=view.size_bytes,
            credits=view.credits,
            create_time=iso_time(view.created_at),
            modify_time=iso_time(view.modified_at),
        )
