"""Repository for swap mask selections (one row per mask found on a keyframe)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from pixforge.store.tables import mask_selections


@dataclass(frozen=True, slots=True)
class MaskRow:
    mask_id: str
    account_id: int
    source_video_id: int | None
    source_media_id: int | None
    keyframe: int
    name: str
    file_token: str
    created_at: float


def insert_mask(conn: Connection, row: MaskRow) -> None:
    conn.execute(insert(mask_selections).values(**{n: getattr(row, n) for n in MaskRow.__slots__}))


def get_mask(conn: Connection, mask_id: str) -> MaskRow | None:
    row = (
        conn.execute(select(mask_selections).where(mask_selections.c.mask_id == mask_id))
        .mappings()
        .first()
    )
    return MaskRow(**row) if row else None
