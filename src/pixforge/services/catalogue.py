"""Catalogue use cases: the TTS speaker list and the effect-template list, paged."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from pixforge.assets import restyle_cover
from pixforge.domain.catalogue import (
    RESTYLES,
    TEMPLATE_PAGE_SIZES,
    TTS_SPEAKERS,
    Page,
    Restyle,
    Speaker,
    page_of,
    parse_positive,
)
from pixforge.domain.errors import InvalidParameterError
from pixforge.domain.ids import file_url
from pixforge.domain.rules import Template
from pixforge.storage.base import BlobStore, exists
from pixforge.store import uploads as upload_repo
from pixforge.store.db import Database
from pixforge.store.uploads import FileRow

ItemT = TypeVar("ItemT")
# Bump when the covers' look changes so servers re-render them.
COVER_VERSION = 2


def _cover_token(restyle: Restyle) -> str:
    return f"restyle-cover-{restyle.restyle_id}-v{COVER_VERSION}"


@dataclass(frozen=True, slots=True)
class RestyleEntry:
    restyle: Restyle
    cover_url: str


class CatalogueService:
    def __init__(
        self,
        templates: Mapping[int, Template],
        db: Database,
        blobs: BlobStore,
        public_url: str,
    ) -> None:
        self.templates = templates
        self.db = db
        self.blobs = blobs
        self.public_url = public_url

    def install_restyle_covers(self) -> None:
        """Store each restyle's cover once (public files with fixed tokens) from the package's
        assets, when it is missing."""
        for restyle in RESTYLES:
            token = _cover_token(restyle)
            key = f"catalogue/{token}.jpg"
            with self.db.read() as conn:
                known = upload_repo.get_file(conn, token) is not None
            if known and exists(self.blobs, key):
                continue
            size = self.blobs.put_bytes(key, restyle_cover(restyle.restyle_id))
            with self.db.write() as conn:
                if upload_repo.get_file(conn, token) is None:
                    upload_repo.insert_file(
                        conn, FileRow(token, key, "image/jpeg", size, time.time())
                    )

    def restyles(self, page_num: str | None, page_size: str | None) -> Page[RestyleEntry]:
        page = parse_positive("page_num", page_num, default=1)
        size = parse_positive("page_size", page_size, default=30)
        if size > 100:
            raise InvalidParameterError("page_size: at most 100")
        entries = [
            RestyleEntry(r, file_url(self.public_url, _cover_token(r), "cover.jpg"))
            for r in RESTYLES
        ]
        return Page(page_of(entries, page, size), len(entries), page, size)

    def speakers(self, page_num: str | None, page_size: str | None) -> Page[Speaker]:
        # Marked required in PixVerse's export, yet clients omit them: defaults 1 and 30 (§3.6).
        page = parse_positive("page_num", page_num, default=1)
        size = parse_positive("page_size", page_size, default=30)
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
        wanted = {"": ("video", "image"), "1": ("video",), "2": ("image",)}[kind]
        items = sorted(
            (t for t in self.templates.values() if t.kind in wanted), key=lambda t: t.template_id
        )
        return Page(page_of(items, number, size), len(items), number, size)
