"""Catalogue use cases: the TTS speaker list and the effect-template list, paged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from pixforge.domain.catalogue import (
    TEMPLATE_PAGE_SIZES,
    TTS_SPEAKERS,
    Speaker,
    page_of,
    parse_positive,
)
from pixforge.domain.errors import InvalidParameterError
from pixforge.domain.rules import Template

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    page_size: int


class CatalogueService:
    def __init__(self, templates: Mapping[int, Template]) -> None:
        self.templates = templates

    def speakers(self, page_num: str | None, page_size: str | None) -> Page[Speaker]:
        page = parse_positive("page_num", page_num)
        size = parse_positive("page_size", page_size)
        if size > 100:
            raise InvalidParameterError("page_size: at most 100")
        return Page(page_of(TTS_SPEAKERS, page, size), len(TTS_SPEAKERS), page, size)

    def templates_page(
        self, template_type: str | None, page: str | None, page_size: str | None
    ) -> Page[Template]:
        number = parse_positive("page", page, default=1)
        size = parse_positive("pageSize", page_size, default=50)
        if size not in TEMPLATE_PAGE_SIZES:
            raise InvalidParameterError(
                f"pageSize: {size} is not allowed; allowed: "
                f"{', '.join(map(str, TEMPLATE_PAGE_SIZES))}"
            )
        kind = (template_type or "").strip()
        if kind not in ("", "1", "2"):
            raise InvalidParameterError("type: allowed values are 1 (video) and 2 (image)")
        # Every template in the catalogue is a video template; image templates come later.
        items = sorted(self.templates.values(), key=lambda t: t.template_id) if kind != "2" else []
        return Page(page_of(items, number, size), len(items), number, size)
