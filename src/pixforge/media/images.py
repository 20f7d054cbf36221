"""Bounded image decoding: sniff the format from content, check limits before decoding pixels."""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}

# What Pillow's decoders raise on damaged or truncated files besides OSError (its plugins parse
# headers with struct and slicing, so hostile bytes surface as any of these).
_DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)
_DECODE_OR_BOMB: tuple[type[Exception], ...] = (*_DECODE_ERRORS, Image.DecompressionBombError)


class ImageRejectedError(Exception):
    """Why an image was refused; `kind` is one of: too_large, unreadable, format, dimension."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int
    max_side_px: int
    min_side_px: int
    max_pixels: int


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str
    content_type: str
    extension: str
    width: int
    height: int


def inspect_image(data: bytes, limits: ImageLimits) -> ImageInfo:
    """Check an uploaded image fully (format, size, pixels, decodability) and describe it."""
    if len(data) > limits.max_bytes:
        raise ImageRejectedError(
            "too_large", f"image: {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes"
        )
    if not data:
        raise ImageRejectedError("unreadable", "image: the file is empty")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError as error:
            raise ImageRejectedError(
                "format", "image: unsupported format; allowed: png, jpeg, webp"
            ) from error
        except Image.DecompressionBombError as error:
            raise ImageRejectedError("too_large", f"image: {error}") from error
        except _DECODE_ERRORS as error:
            # A known format whose header is cut short (a JPEG or WebP signature without data).
            raise ImageRejectedError(
                "unreadable", f"image: could not read the file ({error})"
            ) from error
        with image:
            return _check_and_decode(image, limits)


def _check_and_decode(image: Image.Image, limits: ImageLimits) -> ImageInfo:
    fmt = image.format or ""
    if fmt not in ALLOWED_FORMATS:
        raise ImageRejectedError(
            "format", f"image: unsupported format {fmt or 'unknown'}; allowed: png, jpeg, webp"
        )
    width, height = image.size
    if max(width, height) > limits.max_side_px:
        raise ImageRejectedError(
            "too_large",
            f"image: {width}x{height} px exceeds {limits.max_side_px} px per side",
        )
    if width * height > limits.max_pixels:
        raise ImageRejectedError(
            "too_large", f"image: {width * height} pixels exceeds the limit of {limits.max_pixels}"
        )
    if min(width, height) < limits.min_side_px:
        raise ImageRejectedError(
            "dimension",
            f"image: {width}x{height} px is below the minimum of {limits.min_side_px} px per side",
        )
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except _DECODE_OR_BOMB as error:
        raise ImageRejectedError(
            "unreadable", f"image: could not decode the pixels ({error})"
        ) from error
    return ImageInfo(
        format=fmt,
        content_type=ALLOWED_FORMATS[fmt],
        extension=EXTENSIONS[fmt],
        width=upright.width,
        height=upright.height,
    )


def load_rgb(path: Path) -> Image.Image:
    """An uploaded image, upright, as RGB (alpha composited on black)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as raw:
            image = ImageOps.exif_transpose(raw)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                return Image.alpha_composite(background, rgba).convert("RGB")
            return image.convert("RGB")


def cover(image: Image.Image, width: int, height: int) -> NDArray[np.uint8]:
    """Scale to cover width x height and centre-crop: no borders, no distortion."""
    fitted = ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS)
    return np.asarray(fitted, dtype=np.uint8)
