"""BlobStore: where uploaded media and generated outputs live, addressed by opaque keys.

Nothing outside a store sees where a blob really is: callers put, read (whole or a byte range),
check and delete by key, and ask for a local file only where a library needs a path
(`materialize`, e.g. an engine decoding a video).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

CHUNK_BYTES = 256 * 1024


class BlobNotFoundError(LookupError):
    """No blob is stored under the key."""


class BlobStore(Protocol):
    """Stores immutable blobs; keys are chosen by pixforge, never by clients."""

    def put_file(self, key: str, source: Path) -> int:
        """Store the file at `source` under `key` (the file may be moved); return its size."""
        ...

    def put_bytes(self, key: str, data: bytes) -> int:
        """Store `data` under `key`; return its size in bytes."""
        ...

    def size(self, key: str) -> int | None:
        """The blob's size in bytes, or None when nothing is stored under `key`."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes [start, end) in chunks (to the end when `end` is None); raises
        BlobNotFoundError when the key is absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""
        ...

    def materialize(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the blob for the duration of the `with` block."""
        ...

    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        """(key, last-modified Unix time) of every blob whose key starts with `prefix`."""
        ...


@runtime_checkable
class SignsUrls(Protocol):
    """A store whose blobs clients can fetch directly (S3: a presigned GET)."""

    def presigned_url(self, key: str, filename: str, content_type: str) -> str: ...


def exists(store: BlobStore, key: str) -> bool:
    return store.size(key) is not None


def read_all(store: BlobStore, key: str) -> bytes:
    return b"".join(store.read(key))
