"""Bounded image inspection: formats by content, limits before decoding, bombs refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from pixforge.media.images import ImageLimits, ImageRejectedError, inspect_image
from tests.support.media import image_bytes

LIMITS = ImageLimits(max_bytes=2_000_000, max_side_px=4000, min_side_px=16, max_pixels=4_000_000)


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "PNG"), ("JPEG", "JPEG"), ("WEBP", "WEBP")])
def test_accepted_formats(fmt: str, name: str) -> None:
    info = inspect_image(image_bytes(64, 48, fmt), LIMITS)
    assert (info.format, info.width, info.height) == (name, 64, 48)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(image_bytes(64, 48, fmt), LIMITS)
    assert caught.value.kind == "format"


def test_non_images_are_refused_by_content_not_name() -> None:
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(b"%PDF-1.4 not an image at all", LIMITS)
    assert caught.value.kind == "format"


def test_truncated_image_is_unreadable() -> None:
    data = image_bytes(256, 256, "JPEG")
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(data[: len(data) // 3], LIMITS)
    assert caught.value.kind == "unreadable"


def test_empty_file() -> None:
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(b"", LIMITS)
    assert caught.value.kind == "unreadable"


def test_too_many_bytes() -> None:
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(b"\x89PNG" + b"\0" * 2_000_000, LIMITS)
    assert caught.value.kind == "too_large"


def test_side_over_limit() -> None:
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(image_bytes(4001, 16, "PNG", colour=(1, 2, 3)), LIMITS)
    assert caught.value.kind == "too_large"


def test_too_small() -> None:
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(image_bytes(15, 300, "PNG"), LIMITS)
    assert caught.value.kind == "dimension"


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions: a decompression bomb's header."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(3000, 3000), (60000, 60000)])
def test_decompression_bombs_are_refused_before_decoding(width: int, height: int) -> None:
    data = _png_header_only(width, height)
    assert len(data) < 2000
    with pytest.raises(ImageRejectedError) as caught:
        inspect_image(data, LIMITS)
    assert caught.value.kind == "too_large"


def test_exif_rotation_is_applied_to_reported_size() -> None:
    image = Image.new("RGB", (80, 40), (10, 20, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    info = inspect_image(buffer.getvalue(), LIMITS)
    assert (info.width, info.height) == (40, 80)
