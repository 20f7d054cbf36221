"""Every BlobStore keeps the same contract (put, size, ranged reads, delete, materialize); the
local one keeps every key inside its root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pixforge.storage.base import BlobNotFoundError, BlobStore, exists, read_all
from pixforge.storage.local import LocalBlobStore, UnsafeKeyError
from pixforge.storage.memory import MemoryBlobStore

Factory = Callable[[Path], BlobStore]
STORES: dict[str, Factory] = {
    "local": lambda folder: LocalBlobStore(folder / "root"),
    "memory": lambda _folder: MemoryBlobStore(),
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return STORES[request.param](tmp_path)


def test_round_trip(store: BlobStore, tmp_path: Path) -> None:
    assert store.put_bytes("images/ab/x.png", b"data") == 4
    assert read_all(store, "images/ab/x.png") == b"data"
    assert store.size("images/ab/x.png") == 4
    source = tmp_path / "render.mp4"
    source.write_bytes(b"video")
    assert store.put_file("videos/v.mp4", source) == 5
    assert not source.exists()
    assert exists(store, "videos/v.mp4")
    store.delete("videos/v.mp4")
    store.delete("videos/v.mp4")  # deleting twice is fine
    assert store.size("videos/v.mp4") is None
    with pytest.raises(BlobNotFoundError):
        read_all(store, "videos/v.mp4")


def test_ranged_reads_cross_chunks(store: BlobStore) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB: several read chunks
    store.put_bytes("big.bin", data)
    assert b"".join(store.read("big.bin", 1000, 300_000)) == data[1000:300_000]
    assert b"".join(store.read("big.bin", len(data) - 10)) == data[-10:]
    assert b"".join(store.read("big.bin", 5, 5)) == b""


def test_materialize_gives_a_local_file(store: BlobStore) -> None:
    store.put_bytes("clips/a.mp4", b"not really a video")
    with store.materialize("clips/a.mp4") as path:
        assert path.read_bytes() == b"not really a video"
        assert path.suffix == ".mp4"
    with pytest.raises(BlobNotFoundError), store.materialize("clips/missing.mp4"):
        pass


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../outside", "a/../../outside", "a\\b", "a\x00b", ".", "a/.."]
)
def test_unsafe_keys(tmp_path: Path, key: str) -> None:
    store = LocalBlobStore(tmp_path / "root")
    with pytest.raises(UnsafeKeyError):
        store.put_bytes(key, b"x")
    with pytest.raises(UnsafeKeyError):
        store.size(key)
    assert not (tmp_path / "outside").exists()
