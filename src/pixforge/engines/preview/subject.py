"""A cheap subject mask for camera moves that treat the subject apart from its background.

The subject is taken to be the largest region, away from the frame's edges, whose colours differ
from every colour found along those edges (skies, ground and backdrops run off the frame; a fox,
a boat or the sun does not). Computed on an 80 px wide copy in Lab space: a few milliseconds,
once per clip. Not segmentation (media.segment does that, in about a second): good enough to hold a
subject still while the background moves, and None when nothing stands out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, u8

WORK_WIDTH_PX = 80
TRACK_WIDTH_PX = 240
EDGE_SAMPLES = 64  # edge colours compared against (a gradient along an edge repeats itself)
MIN_SHARE = 0.004  # of the frame; smaller specks are noise
MAX_SHARE = 0.4  # larger regions are the background itself
CONTRAST_LAB = 22.0  # Lab distance from every edge colour that makes a pixel stand out


@dataclass(frozen=True, slots=True)
class Subject:
    """Where the subject is: its box in the frame, its weights inside that box (1 on it,
    feathered to 0 around it) and its centre (x, y), all in pixels."""

    weights: NDArray[np.float32]  # box-sized
    box: tuple[int, int, int, int]  # x0, y0, x1, y1
    centre: tuple[float, float]

    def moved(self, dx: int, dy: int) -> Subject:
        x0, y0, x1, y1 = self.box
        return Subject(
            self.weights,
            (x0 + dx, y0 + dy, x1 + dx, y1 + dy),
            (self.centre[0] + dx, self.centre[1] + dy),
        )


def find_subject(frame: NDArray[np.uint8]) -> Subject | None:
    """The frame's subject, or None when no region stands out from the frame's edges."""
    height, width = frame.shape[:2]
    small_w = min(WORK_WIDTH_PX, width)
    small_h = max(8, round(height * small_w / width))
    small = cv2.resize(frame, (small_w, small_h), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).astype(np.float32)
    edge = np.concatenate([lab[0], lab[-1], lab[1:-1, 0], lab[1:-1, -1]])
    edge = edge[:: max(1, len(edge) // EDGE_SAMPLES)]
    # Squared distance from each pixel to its nearest edge colour.
    gaps = ((lab.reshape(-1, 1, 3) - edge[None, :, :]) ** 2).sum(axis=2)
    nearest = gaps.min(axis=1)
    standout = (nearest.reshape(small_h, small_w) > CONTRAST_LAB**2).astype(np.uint8)
    standout = cv2.morphologyEx(standout, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(standout, connectivity=8)
    best, best_score = 0, 0.0
    total = small_w * small_h
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        share = area / total
        touches = x == 0 or y == 0 or x + w == small_w or y + h == small_h
        if touches or not MIN_SHARE <= share <= MAX_SHARE:
            continue
        cx, cy = centroids[label]
        off_centre = ((cx / small_w - 0.5) ** 2 + (cy / small_h - 0.5) ** 2) ** 0.5
        score = share * (1.2 - off_centre)
        if score > best_score:
            best, best_score = label, score
    if best == 0:
        return None
    region = (labels == best).astype(np.uint8) * 255
    # The region's convex hull and a margin: parts of the subject that look like its
    # surroundings (a white chest on snow, thin legs) sit inside it; feathered while small, so
    # enlarging spreads the feather over about one small pixel more.
    points = cv2.findNonZero(region)
    cv2.fillConvexPoly(region, cv2.convexHull(points), 255)
    region = cv2.dilate(region, np.ones((5, 5), np.uint8))
    region = cv2.GaussianBlur(region, (3, 3), 0)
    weights = cv2.resize(region, (width, height), interpolation=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(region)
    sx, sy = width / small_w, height / small_h
    x0, y0 = max(0, int((xs.min() - 1) * sx)), max(0, int((ys.min() - 1) * sy))
    x1 = min(width, int((xs.max() + 2) * sx) + 1)
    y1 = min(height, int((ys.max() + 2) * sy) + 1)
    soft = weights[y0:y1, x0:x1].astype(np.float32) / 255.0
    cx, cy = centroids[best]
    return Subject(np.ascontiguousarray(soft), (x0, y0, x1, y1), ((cx + 0.5) * sx, (cy + 0.5) * sy))


class Tracker:
    """Follows a subject found in one frame through the next ones (it may walk): template
    matching of its patch on quarter-size grey copies, near where it was last seen."""

    def __init__(self, frame: NDArray[np.uint8], subject: Subject) -> None:
        self.subject = subject
        width = frame.shape[1]
        self.scale = min(1.0, TRACK_WIDTH_PX / width)
        grey = self._grey(frame)
        x0, y0, x1, y1 = (round(v * self.scale) for v in subject.box)
        self.template = grey[y0:y1, x0:x1].copy()
        self.origin = (x0, y0)
        self.last = (x0, y0)

    def _grey(self, frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
        height, width = frame.shape[:2]
        size = (max(8, round(width * self.scale)), max(8, round(height * self.scale)))
        return u8(
            cv2.cvtColor(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
        )

    def follow(self, frame: NDArray[np.uint8]) -> Subject:
        grey = self._grey(frame)
        th, tw = self.template.shape[:2]
        gh, gw = grey.shape[:2]
        reach = max(4, gw // 8)
        lx, ly = self.last
        x0, y0 = max(0, lx - reach), max(0, ly - reach)
        x1, y1 = min(gw, lx + tw + reach), min(gh, ly + th + reach)
        if x1 - x0 < tw or y1 - y0 < th or tw < 2 or th < 2:
            return self.subject
        scores = cv2.matchTemplate(grey[y0:y1, x0:x1], self.template, cv2.TM_SQDIFF)
        _, _, best, _ = cv2.minMaxLoc(scores)
        self.last = (x0 + best[0], y0 + best[1])
        dx = round((self.last[0] - self.origin[0]) / self.scale)
        dy = round((self.last[1] - self.origin[1]) / self.scale)
        return self.subject.moved(dx, dy)
