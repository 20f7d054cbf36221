"""Style filters for the `style` field: each a distinct, cheap look built from LUTs and edges.

None of them bands a smooth gradient: tone snapping uses soft steps (anime, clay) or a halftone
screen (comic) instead of hard posterisation, which turned skies into stripes.
"""

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


def _saturated(frame: Frame, factor: float) -> Frame:
    """Colours pushed away from their grey by `factor`, in RGB: unlike a round trip through
    8-bit HSV (hue in 2-degree steps), a smooth gradient stays smooth."""
    grey = cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return u8(cv2.addWeighted(frame, factor, grey, 1.0 - factor, 0.0))


def _soft_steps(levels: int, softness: float) -> NDArray[np.uint8]:
    """A posterising curve without cliffs: flat shelves joined by smooth ramps (smoothstep over
    `softness` of each step). Flat areas still snap to a few tones, but a smooth gradient (a sky)
    becomes a gentle terrace instead of hard bands: no jump between neighbouring pixels exceeds
    about 1.5 / softness times the gradient's own."""
    x = np.arange(256, dtype=np.float64) / 255.0 * (levels - 1)
    step = np.minimum(np.floor(x), levels - 2)
    fraction = np.clip((x - step - (0.5 - softness / 2)) / softness, 0.0, 1.0)
    eased = fraction * fraction * (3.0 - 2.0 * fraction)
    return np.clip(np.round((step + eased) / (levels - 1) * 255.0), 0, 255).astype(np.uint8)


_CEL_6 = _soft_steps(6, 0.55)


def anime(frame: Frame) -> Frame:
    """Cel shading: smoothed, snapped to 6 soft tones, bright, with dark ink lines."""
    out = _saturated(cv2.LUT(_smooth(frame, 3), _CEL_6), 1.35)
    out[_edges(frame, 60, 140) > 0] = (25, 20, 35)
    return u8(out)


_INK_LEVELS = 4
_INK_STEP = 255 // (_INK_LEVELS - 1)
_INK_BASE = _lut(lambda v: np.minimum(np.floor(v / _INK_STEP), _INK_LEVELS - 2) * _INK_STEP)
_INK_FRACTION = _lut(
    lambda v: (
        (v - np.minimum(np.floor(v / _INK_STEP), _INK_LEVELS - 2) * _INK_STEP) / _INK_STEP * 255
    )
)
_SCREENS: dict[tuple[int, int, int], NDArray[np.uint8]] = {}


def _screen(height: int, width: int, cell: int) -> NDArray[np.uint8]:
    """A clustered-dot halftone threshold map (3 channels): in each cell, thresholds rise from
    the centre out, so a tone between two inks prints as dots whose size follows the tone."""
    key = (height, width, cell)
    screen = _SCREENS.get(key)
    if screen is None:
        ys, xs = np.mgrid[0:cell, 0:cell].astype(np.float64) + 0.5
        distance = np.hypot(xs - cell / 2, ys - cell / 2).ravel()
        rank = np.empty(cell * cell)
        rank[np.argsort(distance, kind="stable")] = np.arange(cell * cell)
        tile = ((rank + 0.5) / (cell * cell) * 255).reshape(cell, cell).astype(np.uint8)
        reps = (height // cell + 1, width // cell + 1)
        grid = np.tile(tile, reps)[:height, :width]
        screen = np.ascontiguousarray(np.repeat(grid[..., None], 3, axis=2))
        if len(_SCREENS) > 8:
            _SCREENS.clear()
        _SCREENS[key] = screen
    return screen


def comic(frame: Frame) -> Frame:
    """Comic print: 4 inks per channel, tones between two inks printed as halftone dots (so a sky
    shades through dot sizes, never in bands), heavy black outlines."""
    height, width = frame.shape[:2]
    cell = max(4, min(width, height) // 90)
    lower = cv2.LUT(frame, _INK_BASE)
    darker = cv2.compare(cv2.LUT(frame, _INK_FRACTION), _screen(height, width, cell), cv2.CMP_GT)
    out = cv2.add(lower, cv2.bitwise_and(darker, np.full_like(darker, _INK_STEP)))
    out[_edges(frame, 50, 120) > 0] = (0, 0, 0)
    return u8(out)


def animation_3d(frame: Frame) -> Frame:
    """Glossy CG look: smooth shading, lifted saturation and a soft bloom."""
    vivid = _saturated(_smooth(frame, 2), 1.55)
    bloom = _smooth(cv2.LUT(vivid, _lut(lambda v: np.maximum(0, v - 150) * 2.5)), 8)
    return u8(cv2.add(vivid, bloom))


_CLAY_EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float32)
_WARM = np.array([1.08, 0.95, 0.78], dtype=np.float32)


def clay(frame: Frame) -> Frame:
    """Plasticine: few soft tones, a warm matte tint and embossed relief (from the smoothed picture,
    before the tones are snapped, so the relief follows shapes and not the tone steps)."""
    smooth = _smooth(frame, 4)
    base = cv2.LUT(smooth, _CEL_6)
    tinted = np.clip(base.astype(np.float32) * _WARM + 12, 0, 255).astype(np.uint8)
    gray = cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY)
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


def _filmic_curve(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """A film-like S-curve: deeper shadows, brighter highlights, the ends kept at 0 and 255."""
    k = 6.0

    def sigmoid(x: NDArray[np.float64] | float) -> NDArray[np.float64]:
        return np.asarray(1.0 / (1.0 + np.exp(-k * (np.asarray(x) - 0.5))))

    low, high = sigmoid(0.0), sigmoid(1.0)
    return np.asarray(255.0 * (sigmoid(v / 255.0) - low) / (high - low))


_FILMIC = _lut(_filmic_curve)
_LENS: dict[tuple[int, int], tuple[NDArray[np.float32], NDArray[np.int16]]] = {}


def _lens(height: int, width: int) -> tuple[NDArray[np.float32], NDArray[np.int16]]:
    """Per frame size: a soft vignette (1 in the centre, 0.72 in the corners) and a fixed,
    seeded film grain (so renders stay deterministic)."""
    key = (height, width)
    lens = _LENS.get(key)
    if lens is None:
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        radius = np.hypot((xs - width / 2) / (width / 2), (ys - height / 2) / (height / 2))
        vignette = (1.0 - 0.28 * np.clip(radius / np.sqrt(2.0), 0.0, 1.0) ** 2)[..., None]
        grain = np.random.default_rng(height * 10_007 + width).normal(0.0, 5.0, (height, width))
        lens = (vignette.astype(np.float32), np.round(grain).astype(np.int16)[..., None])
        if len(_LENS) > 8:
            _LENS.clear()
        _LENS[key] = lens
    return lens


def realistic(frame: Frame) -> Frame:
    """Photographic grade: a filmic contrast curve, slightly muted colour, a lens vignette and
    fine film grain (PixVerse's `realistic` style asks for a photoreal look, not a drawing)."""
    height, width = frame.shape[:2]
    vignette, grain = _lens(height, width)
    graded = _saturated(cv2.LUT(frame, _FILMIC), 0.85).astype(np.float32) * vignette
    return u8(np.clip(graded + grain, 0, 255).astype(np.uint8))


STYLES: dict[str, Filter] = {
    "anime": anime,
    "3d_animation": animation_3d,
    "clay": clay,
    "comic": comic,
    "cyberpunk": cyberpunk,
    "realistic": realistic,
}
