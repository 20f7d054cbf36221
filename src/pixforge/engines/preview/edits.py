"""Preview renderings of the feature modes: restyle grades, swap compositing, fusion subjects
over a background, and chained multi-keyframe transitions."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.catalogue import Restyle
from pixforge.engines._cv import cv2, u8
from pixforge.engines.preview.scene import SceneParams, scene_frames
from pixforge.engines.preview.styles import STYLES
from pixforge.engines.preview.transition import transition_frames
from pixforge.media.segment import segment

Frame = NDArray[np.uint8]


def grade(frame: Frame, name: str) -> Frame:
    """A colour grade: noir (hard black and white), sepia, warm or cool."""
    if name == "noir":
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        grey = cv2.convertScaleAbs(grey, alpha=1.45, beta=-50)
        return u8(cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB))
    if name == "sepia":
        matrix = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
        return u8(np.clip(frame.astype(np.float32) @ matrix.T.astype(np.float32), 0, 255))
    if name in ("warm", "cool"):
        shift = np.array([28, 8, -24] if name == "warm" else [-20, 4, 30], np.int16)
        return u8(np.clip(frame.astype(np.int16) + shift, 0, 255))
    return frame


def restyled(frames: Iterator[Frame], restyle: Restyle) -> Iterator[Frame]:
    style = STYLES.get(restyle.style)
    for frame in frames:
        out = style(frame) if style is not None else frame
        yield grade(out, restyle.grade)


def feathered(mask: NDArray[np.bool_], width: int, height: int) -> NDArray[np.float32]:
    """A mask resized to the output and softened at its edge (weights 0..1, shape h x w x 1)."""
    resized = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    blur = max(3, (min(width, height) // 90) | 1)
    return np.asarray(cv2.GaussianBlur(resized, (blur, blur), 0), np.float32)[..., None]


def swapped(
    frames: Iterator[Frame],
    mask: NDArray[np.bool_],
    replacement: Frame,
    shifts: Sequence[tuple[float, float]] = (),
) -> Iterator[Frame]:
    """Paint `replacement` (covered to the mask's bounding box) wherever the mask is set,
    moved by `shifts[i]` pixels in frame i (see track_region) so it follows its object.
    Only the region's bounding box is blended, so the cost follows the region's size."""
    layer: _Layer | None = None
    for index, frame in enumerate(frames):
        if layer is None:
            height, width = frame.shape[:2]
            weights = feathered(mask, width, height)
            patch = _fill_box(replacement, weights[..., 0] > 0.5, width, height)
            layer = _Layer.cropped(weights, patch)
        dx, dy = shifts[index] if index < len(shifts) else (0.0, 0.0)
        yield layer.paint(frame, round(dx), round(dy))


def mimicked(
    image: Frame, subject: NDArray[np.bool_], shifts: Sequence[tuple[float, float]]
) -> Iterator[Frame]:
    """The image's subject lifted off a repaired background and moved by `shifts[i]` in
    frame i (the reference video's subject motion, scaled to this frame)."""
    height, width = image.shape[:2]
    weights = feathered(subject, width, height)
    hole = cv2.dilate(subject.astype(np.uint8) * 255, np.ones((9, 9), np.uint8))
    plate = u8(cv2.inpaint(image, hole, 5, cv2.INPAINT_TELEA))
    layer = _Layer.cropped(weights, image.astype(np.float32))
    for dx, dy in shifts:
        yield layer.paint(plate, round(dx), round(dy))


class _Layer:
    """Pixels painted through soft weights (h x w x 1), placed with their top-left corner at
    (x0, y0); paint() blends only that box into a frame."""

    def __init__(
        self, weights: NDArray[np.float32], patch: NDArray[np.float32], x0: int = 0, y0: int = 0
    ) -> None:
        self.weights, self.patch, self.x0, self.y0 = weights, patch, x0, y0
        self.empty = weights.size == 0

    @classmethod
    def cropped(cls, weights: NDArray[np.float32], patch: NDArray[np.float32]) -> _Layer:
        """A frame-sized layer cut down to the box where its weights are not ~0."""
        ys, xs = np.nonzero(weights[..., 0] > 0.004)
        if len(xs) == 0:
            return cls(weights[:0, :0], patch[:0, :0])
        x0, y0 = int(xs.min()), int(ys.min())
        x1, y1 = int(xs.max()) + 1, int(ys.max()) + 1
        return cls(weights[y0:y1, x0:x1], patch[y0:y1, x0:x1], x0, y0)

    def paint(self, frame: Frame, dx: int, dy: int) -> Frame:
        if self.empty:
            return frame
        height, width = frame.shape[:2]
        box_h, box_w = self.weights.shape[:2]
        x0, y0 = self.x0 + dx, self.y0 + dy
        # Clip the moved box to the frame.
        cx0, cy0 = max(0, x0), max(0, y0)
        cx1, cy1 = min(width, x0 + box_w), min(height, y0 + box_h)
        if cx0 >= cx1 or cy0 >= cy1:
            return frame
        weights = self.weights[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        patch = self.patch[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        out = np.array(frame, copy=True)
        region = out[cy0:cy1, cx0:cx1].astype(np.float32)
        out[cy0:cy1, cx0:cx1] = u8(region * (1 - weights) + patch * weights)
        return out


def motion_track(greys: Sequence[NDArray[np.uint8]]) -> list[tuple[float, float]]:
    """Where the moving subject of a clip is, relative to frame 0: the centroid of the pixels
    that differ from the clip's temporal median (its still background), frame by frame.
    A frame where nothing moves keeps the previous position."""
    if not greys:
        return []
    background = np.median(np.stack(greys), axis=0).astype(np.int16)
    kernel = np.ones((3, 3), np.uint8)
    minimum = 0.002 * greys[0].size
    centres: list[tuple[float, float] | None] = []
    for grey in greys:
        moving = (np.abs(grey.astype(np.int16) - background) > 25).astype(np.uint8)
        moving = cv2.morphologyEx(moving, cv2.MORPH_OPEN, kernel)
        ys, xs = np.nonzero(moving)
        centres.append((float(xs.mean()), float(ys.mean())) if len(xs) >= minimum else None)
    known = next((c for c in centres if c is not None), None)
    if known is None:
        return [(0.0, 0.0)] * len(greys)
    origin = centres[0] or known
    shifts: list[tuple[float, float]] = []
    last = origin
    for centre in centres:
        last = centre or last
        shifts.append((last[0] - origin[0], last[1] - origin[1]))
    return shifts


def track_region(
    greys: Sequence[NDArray[np.uint8]], start: int, inside: NDArray[np.bool_]
) -> list[tuple[float, float]]:
    """How far a region marked on frame `start` has moved in every frame, in the greys' pixels.

    Frame to frame (small steps that optical flow follows well), forwards and backwards from the
    start: the median DIS flow over the region where it is now, accumulated.
    """
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    height, width = inside.shape
    shifts = [(0.0, 0.0)] * len(greys)
    region = inside.astype(np.uint8)
    for step in (1, -1):
        x, y = 0.0, 0.0
        index = start
        while 0 <= index + step < len(greys):
            move = np.array([[1, 0, x], [0, 1, y]], np.float32)
            here = np.asarray(
                cv2.warpAffine(region, move, (width, height), flags=cv2.INTER_NEAREST), bool
            )
            if here.any():
                field = np.asarray(flow.calc(greys[index], greys[index + step], None), np.float32)
                x += float(np.median(field[..., 0][here]))
                y += float(np.median(field[..., 1][here]))
            index += step
            shifts[index] = (x, y)
    return shifts


def _fill_box(
    image: Frame, inside: NDArray[np.bool_], width: int, height: int
) -> NDArray[np.float32]:
    canvas = np.zeros((height, width, 3), np.float32)
    ys, xs = np.nonzero(inside)
    if len(xs) == 0:
        return canvas
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    box_w, box_h = x1 - x0, y1 - y0
    scale = max(box_w / image.shape[1], box_h / image.shape[0])
    resized = cv2.resize(
        image,
        (
            max(box_w, math.ceil(image.shape[1] * scale)),
            max(box_h, math.ceil(image.shape[0] * scale)),
        ),
        interpolation=cv2.INTER_AREA,
    )
    top = (resized.shape[0] - box_h) // 2
    left = (resized.shape[1] - box_w) // 2
    canvas[y0:y1, x0:x1] = resized[top : top + box_h, left : left + box_w]
    return canvas


def subject_cutout(image: Frame) -> tuple[Frame, NDArray[np.float32]]:
    """A reference image's main subject, cropped to it, and its soft alpha (GrabCut
    foreground; an oval over the whole image when nothing stands out)."""
    height, width = image.shape[:2]
    regions = [r for r in segment(image) if r.name != "background"]
    if not regions:
        ys, xs = np.ogrid[:height, :width]
        oval = ((xs - width / 2) / (width * 0.4)) ** 2 + ((ys - height / 2) / (height * 0.45)) ** 2
        return image, np.clip(1.3 - oval, 0, 1).astype(np.float32)
    alpha = feathered(regions[0].mask, width, height)[..., 0]
    ys, xs = np.nonzero(alpha > 0.05)
    margin = max(2, min(width, height) // 50)
    x0, x1 = max(0, int(xs.min()) - margin), min(width, int(xs.max()) + 1 + margin)
    y0, y1 = max(0, int(ys.min()) - margin), min(height, int(ys.max()) + 1 + margin)
    return image[y0:y1, x0:x1], alpha[y0:y1, x0:x1]


def fused(
    background: Iterator[Frame],
    subjects: Sequence[tuple[Frame, NDArray[np.float32]]],
    frame_count: int,
) -> Iterator[Frame]:
    """Subjects stand side by side in the lower part of the scene and drift gently."""
    layers: list[_Layer] = []
    for index, frame in enumerate(background):
        height, width = frame.shape[:2]
        if not layers:
            target_h = int(height * 0.55)
            for image, alpha in subjects:
                size = (max(2, int(image.shape[1] * target_h / image.shape[0])), target_h)
                patch = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32)
                weights = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)[..., None]
                layers.append(_Layer(np.asarray(weights, np.float32), patch))
        t = index / max(1, frame_count - 1)
        for slot, layer in enumerate(layers):
            centre = (slot + 1) / (len(layers) + 1)
            drift = 0.04 * math.sin(2 * math.pi * (t + slot * 0.3))
            layer_h, layer_w = layer.weights.shape[:2]
            left = int((centre + drift) * width) - layer_w // 2
            frame = layer.paint(frame, left, int(height * 0.96) - layer_h)
        yield frame


def chained_transitions(keyframes: Sequence[Frame], frame_counts: Sequence[int]) -> Iterator[Frame]:
    """Morph keyframe i into i+1 over frame_counts[i] frames: keyframe i opens segment i and the
    last keyframe is the final frame, so the total is exactly sum(frame_counts)."""
    last_segment = len(frame_counts) - 1
    for index, count in enumerate(frame_counts):
        first, last = keyframes[index], keyframes[index + 1]
        if index == last_segment:
            yield from transition_frames(first, last, count)
        else:
            frames = transition_frames(first, last, count + 1)
            for _ in range(count):
                yield next(frames)
            del frames


def restyle_cover(restyle: Restyle, width: int = 320, height: int = 180) -> Frame:
    """A catalogue cover: the same procedural landscape under each restyle's look."""
    params = SceneParams(width, height, 1, 1.0)
    frame = next(scene_frames("a river valley with mountains at sunset", "", 7, params))
    return next(restyled(iter([frame]), restyle))
