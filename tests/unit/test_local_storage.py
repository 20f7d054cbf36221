"""LocalBlobStore keeps every key inside its root."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixforge.storage.local import LocalBlobStore, UnsafeKeyError


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../outside", "a/../../outside", "a\\b", "a\x00b", ".", "a/.."]
)
def test_unsafe_keys(tmp_path: Path, key: str) -> None:
    store = LocalBlobStore(tmp_path / "root")
    with pytest.raises(UnsafeKeyError):
        store.path(key)


def test_round_trip(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "root")
    assert store.put_bytes("images/ab/x.png", b"data") == 4
    assert store.path("images/ab/x.png").read_bytes() == b"data"
    source = tmp_path / "render.mp4"
    source.write_bytes(b"video")
    assert store.put_file("videos/v.mp4", source) == 5
    assert not source.exists()
    store.delete("videos/v.mp4")
    assert not store.path("videos/v.mp4").exists()
