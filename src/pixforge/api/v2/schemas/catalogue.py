"""Wire models of the catalogue endpoints (TTS speakers, restyle looks, effect templates)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from pixforge.domain.catalogue import Page, Speaker
from pixforge.domain.rules import Template


class SpeakerItem(BaseModel):
    speaker_id: str
    name: str


class SpeakerListResponse(BaseModel):
    total: int
    data: list[SpeakerItem]

    @classmethod
    def from_page(cls, page: Page[Speaker]) -> SpeakerListResponse:
        items = [SpeakerItem(speaker_id=s.speaker_id, name=s.name) for s in page.items]
        return cls(total=page.total, data=items)


class TemplateItem(BaseModel):
    template_id: int
    display_name: str
    display_prompt: str
    template_type: int = Field(description="1 video template, 2 image template")
    qualities: list[str]
    duration: int
    # How many images the template takes (img_ids); 1 for most.
    image_count: int


class TemplateListResponse(BaseModel):
    effect_items: list[TemplateItem]
    total: int
    page: int
    pageSize: int  # noqa: N815 - PixVerse's wire name

    @classmethod
    def from_page(cls, page: Page[Template]) -> TemplateListResponse:
        items = [
            TemplateItem(
                template_id=t.template_id,
                display_name=t.name,
                display_prompt=t.prompt,
                template_type=2 if t.kind == "image" else 1,
                qualities=list(t.qualities),
                duration=t.duration_s,
                image_count=t.images,
            )
            for t in page.items
        ]
        return cls(effect_items=items, total=page.total, page=page.page, pageSize=page.page_size)


class RestyleItem(BaseModel):
    restyle_id: int
    restyle_name: str
    restyle_prompt: str
    cover_url: str


class RestyleListResponse(BaseModel):
    total: int
    data: list[RestyleItem]
