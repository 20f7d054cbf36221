"""In-memory BlobStore: the complete twin of the others, for tests and throw-away servers."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pixforge.storage.base import CHUNK_BYTES, BlobNotFoundError


class MemoryBlobStore:
    """Blobs in a dict; `materialize` writes a temporary file that is removed afterwards."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._times: dict[str, float] = {}
        self._lock = threading.Lock()

    def put_file(self, key: str, source: Path) -> int:
        data = source.read_bytes()
        source.unlink(missing_ok=True)
        return self.put_bytes(key, data)

    def put_bytes(self, key: str, data: bytes) -> int:
        with self._lock:
            self._blobs[key] = bytes(data)
            self._times[key] = time.time()
        return len(data)

    def size(self, key: str) -> int | None:
        with self._lock:
            data = self._blobs.get(key)
        return None if data is None else len(data)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with self._lock:
            data = self._blobs.get(key)
        if data is None:
            raise BlobNotFoundError(key)
        view = memoryview(data)[start:end]
        return (bytes(view[i : i + CHUNK_BYTES]) for i in range(0, len(view), CHUNK_BYTES))

    def delete(self, key: str) -> None:
        with self._lock:
            self._blobs.pop(key, None)
            self._times.pop(key, None)

    @contextmanager
    def materialize(self, key: str) -> Iterator[Path]:
        with self._lock:
            data = self._blobs.get(key)
        if data is None:
            raise BlobNotFoundError(key)
        suffix = Path(key).suffix
        with tempfile.TemporaryDirectory(prefix="pixforge-blob-") as folder:
            path = Path(folder) / f"blob{suffix}"
            path.write_bytes(data)
            yield path

    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        with self._lock:
            found = [(k, self._times[k]) for k in sorted(self._blobs) if k.startswith(prefix)]
        return iter(found)

    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._blobs)
