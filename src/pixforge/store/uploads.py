"""Repository for stored files (by unguessable token) and the uploads that own them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from pixforge.store.tables import files, uploads


@dataclass(frozen=True, slots=True)
class FileRow:
    token: str
    storage_key: str
    content_type: str
    size_bytes: int
    created_at: float
    # Probed facts of a video or audio file (services/inputs.py), so inputs need no download.
    media_json: str | None = None


@dataclass(frozen=True, slots=True)
class UploadRow:
    id: int
    account_id: int
    kind: str
    file_token: str
    format: str
    width: int | None
    height: int | None
    duration_s: float | None
    created_at: float


def insert_file(conn: Connection, row: FileRow) -> None:
    conn.execute(
        insert(files).values(
            token=row.token,
            storage_key=row.storage_key,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            created_at=row.created_at,
            media_json=row.media_json,
        )
    )


def delete_file(conn: Connection, token: str) -> None:
    conn.execute(delete(files).where(files.c.token == token))


def get_file(conn: Connection, token: str) -> FileRow | None:
    row = conn.execute(select(files).where(files.c.token == token)).mappings().first()
    return FileRow(**row) if row else None


def insert_upload(conn: Connection, row: UploadRow) -> None:
    conn.execute(
        insert(uploads).values(
            id=row.id,
            account_id=row.account_id,
            kind=row.kind,
            file_token=row.file_token,
            format=row.format,
            width=row.width,
            height=row.height,
            duration_s=row.duration_s,
            created_at=row.created_at,
        )
    )


def get_upload(conn: Connection, upload_id: int) -> UploadRow | None:
    row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    return UploadRow(**row) if row else None


def known_keys(conn: Connection, keys: list[str]) -> set[str]:
    """The storage keys among `keys` that a stored file names."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        rows = conn.execute(select(files.c.storage_key).where(files.c.storage_key.in_(batch)))
        found.update(str(r[0]) for r in rows)
    return found
