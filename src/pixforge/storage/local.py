"""Local-directory BlobStore; every key is resolved inside the root, so no path traversal."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pixforge.storage.base import CHUNK_BYTES, BlobNotFoundError


class UnsafeKeyError(ValueError):
    """A key that would resolve outside the store's root."""


class LocalBlobStore:
    """Blobs as files under one root directory, written atomically (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or "\\" in key or "\x00" in key:
            raise UnsafeKeyError(f"unsafe blob key: {key!r}")
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise UnsafeKeyError(f"unsafe blob key: {key!r}")
        return target

    def put_file(self, key: str, source: Path) -> int:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # A rename when on the same filesystem; otherwise copied to a temp file first, so a
        # reader never sees half a blob.
        try:
            os.replace(source, target)
        except OSError:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            os.close(fd)
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
            source.unlink(missing_ok=True)
        return target.stat().st_size

    def put_bytes(self, key: str, data: bytes) -> int:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(data)

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError as error:
            raise BlobNotFoundError(key) from error
        return _chunks(handle, start, end)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    @contextmanager
    def materialize(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFoundError(key)
        yield path

    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith(".tmp-"):
                continue
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                yield key, path.stat().st_mtime


def _chunks(stream: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    with stream:
        stream.seek(start)
        remaining = None if end is None else max(0, end - start)
        while remaining is None or remaining > 0:
            size = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
            chunk = stream.read(size)
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
