"""Local-directory BlobStore; every key is resolved inside the root, so no path traversal."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class UnsafeKeyError(ValueError):
    """A key that would resolve outside the store's root."""


class LocalBlobStore:
    """Blobs as files under one root directory, written atomically (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not key or key.startswith("/") or "\\" in key or "\x00" in key:
            raise UnsafeKeyError(f"unsafe blob key: {key!r}")
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise UnsafeKeyError(f"unsafe blob key: {key!r}")
        return target

    def put_file(self, key: str, source: Path) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(os.fspath(source), os.fspath(target))
        return target.stat().st_size

    def put_bytes(self, key: str, data: bytes) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
        return len(data)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def scratch_dir(self) -> Path:
        """A directory on the same filesystem, so finished renders move in by rename."""
        scratch = self.root / ".scratch"
        scratch.mkdir(exist_ok=True)
        return scratch
