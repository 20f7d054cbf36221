"""Style filters for the `style` field: each a distinct, cheap look built from LUTs and edges."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, u8

Frame = NDArray[np.uint8]
Filter = Callable[[Frame], Frame]


def _lut(function: Callable[[NDArray[np.float64]], NDArray[np.float64]]) -> NDArray[np.uint8]:
    values = np.arange(256, dtype=np.float64)
    return np.clip(function(values), 0, 255).astype(np.uint8)


def _edges(frame: Frame, low: int, high: int) -> NDArray[np.uint8]:
    """Edge mask from a half-size copy (cheap, and ignores fine noise)."""
    height, width = frame.shape[:2]
    small = cv2.resize(
        frame, (max(8, width // 2), max(8, height // 2)), interpolation=cv2.INTER_AREA
    )
    edges = cv2.Canny(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), low, high)
    edges = cv2.dilate(edges, np.ones((2, 2), np.uint8))
    return u8(cv2.resize(edges, (width, height), interpolation=cv2.INTER_NEAREST))


def _smooth(frame: Frame, factor: int) -> Frame:
    height, width = frame.shape[:2]
    small = cv2.resize(
        frame, (max(8, width // factor), max(8, height // factor)), interpolation=cv2.INTER_AREA
    )
    return u8(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))


_POSTER_6 = _lut(lambda v: np.round(v / 255 * 5) / 5 * 255)
_POSTER_4 = _lut(lambda v: np.round(v / 255 * 3) / 3 * 255)


def anime(frame: Frame) -> Frame:
    """Flat cel shading: smoothed, posterised to 6 levels, bright, with dark ink lines."""
    flat = cv2.LUT(_smooth(frame, 3), _POSTER_6)
    hsv = cv2.cvtColor(flat, cv2.COLOR_RGB2HSV)
    hsv[..., 1] = cv2.LUT(hsv[..., 1], _lut(lambda v: v * 1.35))
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    out[_edges(frame, 60, 140) > 0] = (25, 20, 35)
    return u8(out)


def comic(frame: Frame) -> Frame:
    """Comic print: 4 ink levels, halftone dots in the shadows, heavy black outlines."""
    out = cv2.LUT(frame, _POSTER_4)
    height, width = frame.shape[:2]
    step = max(4, min(width, height) // 90)
    ys, xs = np.ogrid[:height, :width]
    dots = ((xs % step - step / 2) ** 2 + (ys % step - step / 2) ** 2) < (step * 0.3) ** 2
    luma = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    out[dots & (luma < 110)] = (20, 20, 20)
    out[_edges(frame, 50, 120) > 0] = (0, 0, 0)
    return u8(out)


def animation_3d(frame: Frame) -> Frame:
    """Glossy CG look: smooth shading, lifted saturation and a soft bloom."""
    smooth = _smooth(frame, 2)
    hsv = cv2.cvtColor(smooth, cv2.COLOR_RGB2HSV)
    hsv[..., 1] = cv2.LUT(hsv[..., 1], _lut(lambda v: v * 1.5 + 10))
    vivid = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    bloom = _smooth(cv2.LUT(vivid, _lut(lambda v: np.maximum(0, v - 150) * 2.5)), 8)
    return u8(cv2.add(vivid, bloom))


_CLAY_EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float32)
_WARM = np.array([1.08, 0.95, 0.78], dtype=np.float32)


def clay(frame: Frame) -> Frame:
    """Plasticine: few soft tones, a warm matte tint and embossed relief."""
    base = cv2.LUT(_smooth(frame, 4), _POSTER_6)
    tinted = np.clip(base.astype(np.float32) * _WARM + 12, 0, 255).astype(np.uint8)
    gray = cv2.cvtColor(tinted, cv2.COLOR_RGB2GRAY)
    relief = cv2.filter2D(gray, cv2.CV_16S, _CLAY_EMBOSS)
    shade = np.clip(relief.astype(np.float32) * 0.35, -60, 60)
    return u8(np.clip(tinted.astype(np.float32) + shade[..., None], 0, 255).astype(np.uint8))


_NEON_R = _lut(lambda v: 255 * (v / 255) ** 0.8 * 0.95 + 25)
_NEON_G = _lut(lambda v: 255 * (v / 255) ** 1.6 * 0.7)
_NEON_B = _lut(lambda v: 255 * (v / 255) ** 0.6 * 0.9 + 40)


def cyberpunk(frame: Frame) -> Frame:
    """Neon grade: magenta/cyan split toning, crushed greens, glowing edges."""
    graded = cv2.merge(
        (
            cv2.LUT(frame[..., 0], _NEON_R),
            cv2.LUT(frame[..., 1], _NEON_G),
            cv2.LUT(frame[..., 2], _NEON_B),
        )
    )
    glow = np.zeros_like(frame)
    glow[_edges(frame, 40, 100) > 0] = (0, 255, 255)
    return u8(cv2.add(graded, _smooth(glow, 4)))


STYLES: dict[str, Filter] = {
    "anime": anime,
    "3d_animation": animation_3d,
    "clay": clay,
    "comic": comic,
    "cyberpunk": cyberpunk,
}
