"""Overlays drawn on finished frames: the watermark and the optional prompt caption.

Each overlay is rendered once as an RGBA patch and alpha-blended into its region per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

Frame = NDArray[np.uint8]
WATERMARK_TEXT = "pixforge preview"


@dataclass(frozen=True, slots=True)
class Patch:
    """A pre-rendered overlay: colour, alpha (0–1) and its top-left position in the frame."""

    rgb: NDArray[np.float32]
    alpha: NDArray[np.float32]
    x: int
    y: int

    def apply(self, frame: Frame) -> Frame:
        height, width = self.alpha.shape[:2]
        region = frame[self.y : self.y + height, self.x : self.x + width].astype(np.float32)
        blended = region + (self.rgb - region) * self.alpha
        frame[self.y : self.y + height, self.x : self.x + width] = blended.astype(np.uint8)
        return frame


def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size_px)


def _text_patch(
    text: str, size_px: int, box: bool
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    font = _font(size_px)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = (round(v) for v in probe.textbbox((0, 0), text, font=font))
    pad = max(2, size_px // 3)
    image = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if box:
        draw.rounded_rectangle(
            (0, 0, image.width - 1, image.height - 1), radius=pad, fill=(0, 0, 0, 120)
        )
    draw.text((pad - left + 1, pad - top + 1), text, font=font, fill=(0, 0, 0, 200))
    draw.text((pad - left, pad - top), text, font=font, fill=(255, 255, 255, 235))
    rgba = np.asarray(image, dtype=np.float32)
    return rgba[..., :3], rgba[..., 3:] / 255.0


def watermark(width: int, height: int) -> Patch:
    """A visible mark in the bottom-right corner, sized to the frame."""
    size = max(10, min(width, height) // 22)
    rgb, alpha = _text_patch(WATERMARK_TEXT, size, box=True)
    margin = max(4, min(width, height) // 40)
    patch_h, patch_w = alpha.shape[:2]
    patch_w, patch_h = min(patch_w, width - margin), min(patch_h, height - margin)
    return Patch(
        rgb[:patch_h, :patch_w],
        alpha[:patch_h, :patch_w],
        width - margin - patch_w,
        height - margin - patch_h,
    )


def caption(text: str, width: int, height: int) -> Patch:
    """The prompt along the bottom-left, shortened to fit."""
    size = max(10, min(width, height) // 26)
    max_chars = max(8, int(width / (size * 0.55)) - 6)
    shown = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
    rgb, alpha = _text_patch(shown, size, box=False)
    margin = max(4, min(width, height) // 40)
    patch_h, patch_w = alpha.shape[:2]
    patch_w, patch_h = min(patch_w, width - 2 * margin), min(patch_h, height - margin)
    return Patch(
        rgb[:patch_h, :patch_w], alpha[:patch_h, :patch_w], margin, height - margin - patch_h
    )
