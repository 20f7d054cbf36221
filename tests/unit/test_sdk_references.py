"""How the SDK reads user-typed image and video references."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixforge.sdk import image_reference, video_reference


def test_video_references(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    assert video_reference(42) == {"video_id": 42}
    assert video_reference(" 4503599627370497 ") == {"video_id": 4503599627370497}
    assert video_reference("media:17") == {"media_id": 17}
    assert video_reference("https://example.com/a.mp4") == "https://example.com/a.mp4"
    assert video_reference(str(clip)) == clip
    with pytest.raises(FileNotFoundError):
        video_reference("media:x")
    with pytest.raises(FileNotFoundError):
        video_reference(str(tmp_path / "missing.mp4"))


def test_image_references(tmp_path: Path) -> None:
    photo = tmp_path / "a.png"
    photo.write_bytes(b"x")
    assert image_reference("12") == 12
    assert image_reference("http://host/a.png") == "http://host/a.png"
    assert image_reference(str(photo)) == photo
    with pytest.raises(FileNotFoundError):
        image_reference("nope.png")
