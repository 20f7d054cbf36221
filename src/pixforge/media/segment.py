"""Split a keyframe into selectable regions for swap: foreground objects found by GrabCut
(seeded with the centre of the frame) and split into connected regions, plus the background."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2 as _cv2
import numpy as np
from numpy.typing import NDArray

cv2: Any = _cv2

WORK_SIDE_PX = 320
MIN_REGION_SHARE = 0.02
MAX_OBJECTS = 2


@dataclass(frozen=True, slots=True)
class Region:
    name: str  # "person", "object" or "background", as PixVerse names mask kinds
    mask: NDArray[np.bool_]

    @property
    def share(self) -> float:
        return float(self.mask.mean())


def find_face(frame: NDArray[np.uint8]) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the largest face-shaped patch of skin tones, or None.

    OpenCV 5 no longer ships face cascades and its DNN detector needs downloaded weights, so
    this is a colour heuristic (skin in YCrCb space, roughly face-proportioned): good enough
    to place a mouth or to name a region "person", not a face detector.
    """
    height, width = frame.shape[:2]
    ycrcb = cv2.cvtColor(frame, cv2.COLOR_RGB2YCrCb)
    skin = cv2.inRange(ycrcb, (40, 138, 80), (245, 175, 128))
    skin = cv2.morphologyEx(skin, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(skin, connectivity=8)
    best: tuple[int, int, int, int] | None = None
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if area < 0.01 * width * height or not 0.5 <= w / max(h, 1) <= 1.6:
            continue
        if area / max(w * h, 1) < 0.45:
            continue
        if best is None or w * h > best[2] * best[3]:
            best = (x, y, w, h)
    return best


def segment(frame: NDArray[np.uint8]) -> list[Region]:
    """Up to two foreground regions (largest first) and the background; same frame, same masks."""
    height, width = frame.shape[:2]
    scale = min(1.0, WORK_SIDE_PX / max(width, height))
    small = cv2.resize(frame, (max(8, round(width * scale)), max(8, round(height * scale))))
    sh, sw = small.shape[:2]
    mask = np.zeros((sh, sw), np.uint8)
    rect = (round(sw * 0.12), round(sh * 0.12), round(sw * 0.76), round(sh * 0.76))
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(
        cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
        mask,
        rect,
        background_model,
        foreground_model,
        4,
        cv2.GC_INIT_WITH_RECT,
    )
    foreground = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    foreground = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(foreground, connectivity=8)
    order = sorted(range(1, count), key=lambda label: -int(stats[label, cv2.CC_STAT_AREA]))
    face = find_face(frame)
    regions: list[Region] = []
    taken = np.zeros((height, width), bool)
    background_colour = _mean_colour(small, foreground == 0)
    for label in order[:MAX_OBJECTS]:
        if stats[label, cv2.CC_STAT_AREA] < MIN_REGION_SHARE * sh * sw:
            break
        # A "region" the colour of its surroundings is GrabCut's guess on a plain frame.
        colour = _mean_colour(small, labels == label)
        if (
            colour is not None
            and background_colour is not None
            and np.linalg.norm(colour - background_colour) < 12
        ):
            continue
        full = cv2.resize(
            (labels == label).astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST
        ).astype(bool)
        is_person = face is not None and bool(full[face[1] + face[3] // 2, face[0] + face[2] // 2])
        regions.append(Region("person" if is_person else "object", full))
        taken |= full
    regions.append(Region("background", ~taken))
    return regions


def _mean_colour(frame: NDArray[np.uint8], where: NDArray[np.bool_]) -> NDArray[np.float64] | None:
    if not where.any():
        return None
    return np.asarray(frame[where].mean(axis=0), np.float64)


def has_subject(frame: NDArray[np.uint8]) -> bool:
    """Whether anything stands out from the background (mimic's subject checks)."""
    return any(region.name != "background" for region in segment(frame))


def mask_png(region: Region) -> bytes:
    """The mask as a black-and-white PNG (white = selected)."""
    ok, encoded = cv2.imencode(".png", region.mask.astype(np.uint8) * 255)
    if not ok:
        raise ValueError("could not encode the mask")
    return bytes(encoded.tobytes())


def read_mask(data: bytes) -> NDArray[np.bool_]:
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if decoded is None:
        raise ValueError("unreadable mask")
    return np.asarray(decoded) > 127


def jpeg(frame: NDArray[np.uint8], quality: int = 90) -> bytes:
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise ValueError("could not encode the frame")
    return bytes(encoded.tobytes())
