"""Finishing touches applied on top of every mode's frames: the style filter, the template's
effect, overlays (watermark, caption), and multi-clip shots (generate_multi_clip_switch)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, u8
from pixforge.engines.preview.overlay import Patch
from pixforge.engines.preview.styles import STYLES

Frame = NDArray[np.uint8]


def finished(
    frames: Iterator[Frame], style: str, effect: str, patches: list[Patch], frame_count: int
) -> Iterator[Frame]:
    style_filter = STYLES.get(style)
    vignette = _vignette(frames) if effect == "vignette" else None
    total = max(1, frame_count - 1)
    for index, frame in enumerate(frames if vignette is None else vignette[1]):
        if style_filter is not None:
            frame = style_filter(frame)
        if effect:
            frame = _effect(frame, effect, index / total, vignette[0] if vignette else None)
        if patches:
            frame = np.ascontiguousarray(frame).copy()
            for patch in patches:
                patch.apply(frame)
        yield frame


# Multi-clip: the clip cut into shots, each framed differently — (zoom, x, y) of the crop's
# centre as fractions of the frame. The first shot is the wide one.
SHOT_FRAMINGS = ((1.0, 0.5, 0.5), (1.6, 0.38, 0.45), (1.35, 0.62, 0.55))


def multi_clip(frames: Iterator[Frame], frame_count: int) -> Iterator[Frame]:
    """Hard cuts into up to three shots (one per started 2 s, at least two), each a different
    framing of the picture: the preview of generate_multi_clip_switch's camera changes."""
    shots = max(2, min(len(SHOT_FRAMINGS), math.ceil(frame_count / 48)))
    for index, frame in enumerate(frames):
        zoom, cx, cy = SHOT_FRAMINGS[min(shots - 1, index * shots // max(1, frame_count))]
        yield frame if zoom == 1.0 else _punch_in(frame, zoom, cx, cy)


def _punch_in(frame: Frame, zoom: float, cx: float, cy: float) -> Frame:
    height, width = frame.shape[:2]
    crop_w, crop_h = max(2, round(width / zoom)), max(2, round(height / zoom))
    x0 = min(max(0, round(cx * width - crop_w / 2)), width - crop_w)
    y0 = min(max(0, round(cy * height - crop_h / 2)), height - crop_h)
    crop = frame[y0 : y0 + crop_h, x0 : x0 + crop_w]
    return u8(cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR))


def _vignette(frames: Iterator[Frame]) -> tuple[NDArray[np.float32], Iterator[Frame]]:
    first = next(frames)
    height, width = first.shape[:2]
    ys, xs = np.ogrid[:height, :width]
    r2 = ((xs - width / 2) / (width / 2)) ** 2 + ((ys - height / 2) / (height / 2)) ** 2
    mask = np.clip(1.0 - 0.45 * r2, 0.35, 1.0).astype(np.float32)[..., None]

    def chained() -> Iterator[Frame]:
        yield first
        yield from frames

    return mask, chained()


def _effect(frame: Frame, effect: str, t: float, mask: NDArray[np.float32] | None) -> Frame:
    if effect == "vignette" and mask is not None:
        return (frame.astype(np.float32) * mask).astype(np.uint8)
    if effect == "pulse":
        gain = 1.0 + 0.18 * math.sin(2 * math.pi * 2.0 * t) ** 2
        return u8(cv2.convertScaleAbs(frame, alpha=gain, beta=0))
    if effect == "flash":
        flash = max(0.0, 1.0 - abs(t - 0.3) / 0.08)
        return u8(
            cv2.addWeighted(frame, 1.0 - 0.6 * flash, np.full_like(frame, 255), 0.6 * flash, 0)
        )
    if effect == "shake":
        height, width = frame.shape[:2]
        amplitude = 0.012 * min(width, height) * (1.0 - t)
        dx = amplitude * math.sin(2 * math.pi * 7 * t)
        dy = amplitude * math.cos(2 * math.pi * 5 * t)
        matrix = np.array([[1.03, 0, dx - width * 0.015], [0, 1.03, dy - height * 0.015]])
        return u8(cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REFLECT_101))
    return frame
