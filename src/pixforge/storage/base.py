"""BlobStore: where uploaded media and generated videos live, addressed by opaque keys."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    """Stores immutable blobs; keys are chosen by pixforge, never by clients."""

    def put_file(self, key: str, source: Path) -> int:
        """Move or copy `source` under `key`; return its size in bytes."""
        ...

    def put_bytes(self, key: str, data: bytes) -> int:
        """Store `data` under `key`; return its size in bytes."""
        ...

    def path(self, key: str) -> Path:
        """A local file holding the blob (engines and the file route read it)."""
        ...

    def delete(self, key: str) -> None: ...

    def scratch_dir(self) -> Path:
        """A directory for work files that are later moved in with put_file."""
        ...
