"""Camera paths for image-to-video: each move is a distinct, eased path of zoom, shift and turn.

Frame 0 is always the input image covering the output exactly. The source is an extended canvas:
the sharp image in the middle and a blurred mirror of it around, so moves that pull back or swing
wide never show black borders; moves that stay inside the image zoom in just enough to do so.
Every move scales the picture uniformly (the same in x and y), so round things stay round. The
two moves that treat the subject apart from its background (hitchcock, fix_bg) find it with
subject.find_subject and move each layer by its own uniform transform.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, f32, u8
from pixforge.engines.preview.subject import Subject, Tracker, find_subject

Frame = NDArray[np.uint8]
Ease = Callable[[float], float]


def smoothstep(t: float) -> float:
    return t * t * (3.0 - 2.0 * t)


def smootherstep(t: float) -> float:
    return t * t * t * (t * (6.0 * t - 15.0) + 10.0)


def quick(t: float) -> float:
    """Most of the move in the first 40 %, then a slow settle."""
    return 1.0 - (1.0 - min(1.0, t / 0.4)) ** 3


def whip(t: float) -> float:
    """Still, a sudden swing in the middle, still again."""
    return 1.0 / (1.0 + math.exp(-(t - 0.5) * 18.0))


def swing(t: float) -> float:
    """Out and back: zero at both ends."""
    return math.sin(math.pi * t)


@dataclass(frozen=True, slots=True)
class CameraPath:
    """Targets reached at the end of the clip (scaled by motion speed), and how to get there.

    zoom: relative zoom (0.25 = 25 % closer, -0.2 = pull back 20 %); dx, dy: shift of the view as a
    fraction of the frame (positive = right / down); turn_deg: roll; inside: keep the view inside
    the sharp image by zooming in as needed; warp: a move that treats the subject apart from its
    background ("dolly_zoom": the subject keeps its size while the background grows around it;
    "breathe": the background holds still while the subject sways).
    """

    zoom: float = 0.0
    dx: float = 0.0
    dy: float = 0.0
    turn_deg: float = 0.0
    ease: Ease = smoothstep
    inside: bool = True
    warp: str = ""


CAMERA_PATHS: dict[str, CameraPath] = {
    "": CameraPath(zoom=0.04, dx=0.015, dy=-0.01, ease=swing),
    "zoom_in": CameraPath(zoom=0.25),
    "zoom_out": CameraPath(zoom=-0.2, inside=False),
    "smooth_zoom_in": CameraPath(zoom=0.15, ease=smootherstep),
    "quickly_zoom_in": CameraPath(zoom=0.45, ease=quick),
    "quickly_zoom_out": CameraPath(zoom=-0.3, ease=quick, inside=False),
    "super_dolly_out": CameraPath(zoom=-0.38, dy=-0.03, ease=smootherstep, inside=False),
    "pan_left": CameraPath(zoom=0.05, dx=-0.12, turn_deg=0.0),
    "pan_right": CameraPath(zoom=0.05, dx=0.12),
    "horizontal_left": CameraPath(zoom=0.12, dx=-0.09, ease=lambda t: t),
    "horizontal_right": CameraPath(zoom=0.12, dx=0.09, ease=lambda t: t),
    "vertical_up": CameraPath(zoom=0.08, dy=-0.1),
    "vertical_down": CameraPath(zoom=0.08, dy=0.1),
    "crane_up": CameraPath(zoom=-0.12, dy=-0.12, ease=smootherstep, inside=False),
    "camera_rotation": CameraPath(zoom=0.02, turn_deg=14.0),
    "robo_arm": CameraPath(zoom=0.18, dx=0.07, dy=-0.05, turn_deg=-7.0, ease=smootherstep),
    "whip_pan": CameraPath(zoom=0.08, dx=0.16, ease=whip),
    "hitchcock": CameraPath(zoom=0.3, warp="dolly_zoom"),
    "left_follow": CameraPath(zoom=0.14, dx=-0.08, turn_deg=3.0, ease=smootherstep),
    "right_follow": CameraPath(zoom=0.14, dx=0.08, turn_deg=-3.0, ease=smootherstep),
    "fix_bg": CameraPath(warp="breathe"),
}
CAMERA_PATHS["default"] = CAMERA_PATHS[""]


def path_for(name: str, seed: int) -> CameraPath:
    """The path of a camera_movement value; auto_camera picks one from the seed."""
    if name == "auto_camera":
        choices = sorted(k for k in CAMERA_PATHS if k not in ("", "default"))
        return CAMERA_PATHS[choices[seed % len(choices)]]
    return CAMERA_PATHS[name]


def extended_canvas(image: Frame) -> tuple[Frame, int, int]:
    """The image framed by a blurred, dimmed mirror of itself; returns (canvas, pad_x, pad_y)."""
    height, width = image.shape[:2]
    pad_x, pad_y = width // 2, height // 2
    mirrored = cv2.copyMakeBorder(image, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_REFLECT_101)
    small = cv2.resize(mirrored, (max(8, mirrored.shape[1] // 8), max(8, mirrored.shape[0] // 8)))
    blurred = cv2.resize(cv2.GaussianBlur(small, (0, 0), 3), (mirrored.shape[1], mirrored.shape[0]))
    canvas = (blurred.astype(np.float32) * 0.8).astype(np.uint8)
    canvas[pad_y : pad_y + height, pad_x : pad_x + width] = image
    return canvas, pad_x, pad_y


def _affine(
    width: int, height: int, pad_x: int, pad_y: int, scale: float, dx: float, dy: float, turn: float
) -> NDArray[np.float64]:
    """Output pixel -> canvas pixel, for a view zoomed by `scale`, shifted and rolled."""
    cos, sin = math.cos(turn), math.sin(turn)
    centre_x = pad_x + width / 2 + dx * width
    centre_y = pad_y + height / 2 + dy * height
    a, b = cos / scale, -sin / scale
    c, d = sin / scale, cos / scale
    # canvas = centre + R/scale * (out - out_centre); sample at pixel centres.
    ox, oy = (width - 1) / 2, (height - 1) / 2
    cx, cy = centre_x - 0.5, centre_y - 0.5
    return np.array([[a, b, cx - a * ox - b * oy], [c, d, cy - c * ox - d * oy]], dtype=np.float64)


def _inside_scale(width: int, height: int, dx: float, dy: float, turn: float) -> float:
    """Smallest zoom at which the shifted, rolled view stays inside the sharp image."""
    cos, sin = abs(math.cos(turn)), abs(math.sin(turn))
    half_w = (width * cos + height * sin) / 2
    half_h = (width * sin + height * cos) / 2
    room_x = width / 2 - abs(dx) * width
    room_y = height / 2 - abs(dy) * height
    return max(1.0, half_w / max(1e-6, room_x), half_h / max(1e-6, room_y))


class Camera:
    """Applies one path over a clip: `view(canvas, index)` renders frame `index` of the move."""

    def __init__(
        self,
        path: CameraPath,
        speed: float,
        width: int,
        height: int,
        frame_count: int,
        subject: Subject | None = None,
    ) -> None:
        self.path = path
        self.speed = speed
        self.width = width
        self.height = height
        self.total = max(1, frame_count - 1)
        self.subject = subject

    def view(self, canvas: Frame, index: int, pad_x: int = 0, pad_y: int = 0) -> Frame:
        path, width, height = self.path, self.width, self.height
        progress = path.ease(index / self.total) * self.speed
        if path.warp:
            frame = canvas[pad_y : pad_y + height, pad_x : pad_x + width]
            if path.warp == "dolly_zoom":
                return dolly_zoom(frame, self.subject, 1.0 + path.zoom * progress)
            return swayed(frame, self.subject, index / self.total, self.speed)
        zoom = 1.0 + path.zoom * progress
        dx, dy = path.dx * progress, path.dy * progress
        turn = math.radians(path.turn_deg * progress)
        scale = max(zoom, _inside_scale(width, height, dx, dy, turn)) if path.inside else zoom
        matrix = _affine(width, height, pad_x, pad_y, max(0.4, scale), dx, dy, turn)
        return u8(
            cv2.warpAffine(
                canvas,
                matrix,
                (width, height),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REFLECT_101,
            )
        )


def camera_frames(
    image: Frame, frame_count: int, path: CameraPath, speed: float
) -> Iterator[Frame]:
    """The camera move over `image` (already covering the output size), frame by frame."""
    height, width = image.shape[:2]
    canvas, pad_x, pad_y = extended_canvas(image)
    subject = find_subject(image) if path.warp else None
    camera = Camera(path, speed, width, height, frame_count, subject)
    yield image
    for index in range(1, frame_count):
        yield camera.view(canvas, index, pad_x, pad_y)


def moving_camera(
    frames: Iterator[Frame], frame_count: int, path: CameraPath, speed: float
) -> Iterator[Frame]:
    """A camera move over frames that change themselves (procedural scenes).

    fix_bg leaves them as they are: the background already holds still and the scene moves its
    own subjects. For hitchcock the subject found in the first frame is followed as it moves.
    """
    camera: Camera | None = None
    tracker: Tracker | None = None
    for index, frame in enumerate(frames):
        if camera is None:
            subject = find_subject(frame) if path.warp == "dolly_zoom" else None
            tracker = Tracker(frame, subject) if subject is not None else None
            camera = Camera(path, speed, frame.shape[1], frame.shape[0], frame_count, subject)
        if index == 0 or path.warp == "breathe":
            yield frame
            continue
        if tracker is not None:
            camera.subject = tracker.follow(frame)
        yield camera.view(frame, index)


def _clipped(
    subject: Subject, width: int, height: int
) -> tuple[slice, slice, NDArray[np.float32]] | None:
    """The subject's rows and columns inside the frame, and its weights there."""
    x0, y0, x1, y1 = subject.box
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    weights = subject.weights[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
    return slice(cy0, cy1), slice(cx0, cx1), weights


def without_subject(frame: Frame, subject: Subject) -> Frame:
    """A copy of the frame with the subject painted out: each row of the hole is filled by
    blending the pixels just left and right of it, so horizons and sky gradients run through."""
    height, width = frame.shape[:2]
    plate = frame.copy()
    inside = _clipped(subject, width, height)
    if inside is None:
        return plate
    rows, cols, weights = inside
    x0, x1 = max(0, cols.start - 2), min(width, cols.stop + 2)
    region = frame[rows, x0:x1].astype(np.float32)
    hole = np.zeros(region.shape[:2], np.float32)
    hole[:, cols.start - x0 : cols.stop - x0] = weights
    # Painted out a little beyond its feather, so no faint copy of its edge is left behind.
    grow = max(3, (cols.stop - cols.start) // 24) | 1
    hole = f32(cv2.dilate(np.minimum(hole * 2.0, 1.0), np.ones((grow, grow), np.uint8)))
    known = hole < 0.02
    span = region.shape[1]
    index = np.arange(span)[None, :]
    left = np.maximum.accumulate(np.where(known, index, -1), axis=1)
    right = np.minimum.accumulate(np.where(known, index, span)[:, ::-1], axis=1)[:, ::-1]
    left_ok, right_ok = left >= 0, right < span
    left_c, right_c = np.clip(left, 0, span - 1), np.clip(right, 0, span - 1)
    row_index = np.arange(region.shape[0])[:, None]
    left_colour, right_colour = region[row_index, left_c], region[row_index, right_c]
    t = np.where(left_ok & right_ok, (index - left) / np.maximum(1, right - left), 0.0)
    t = np.where(~left_ok, 1.0, t)[..., None].astype(np.float32)
    fill = left_colour * (1 - t) + right_colour * t
    # Rows with no known pixel at all (the subject spans the frame) keep their own colours.
    fill = np.where((left_ok | right_ok)[..., None], fill, region)
    fill = cv2.blur(f32(fill), (1, 5))  # soften row-to-row streaks
    alpha = hole[..., None]
    plate[rows, x0:x1] = np.clip(region * (1 - alpha) + fill * alpha, 0, 255).astype(np.uint8)
    return plate


def matted(frame: Frame, plate: Frame, subject: Subject) -> Subject:
    """The subject's weights kept only where the frame differs from the painted-out plate: gaps
    inside its outline (sky between a mast and a sail) then show the moving background."""
    inside = _clipped(subject, frame.shape[1], frame.shape[0])
    if inside is None:
        return subject
    rows, cols, weights = inside
    difference = cv2.absdiff(frame[rows, cols], plate[rows, cols]).max(axis=2).astype(np.float32)
    matte = cv2.GaussianBlur(np.clip((difference - 10.0) / 22.0, 0.0, 1.0), (3, 3), 0)
    box = (cols.start, rows.start, cols.stop, rows.stop)
    return Subject(f32(weights * matte), box, subject.centre)


def _over(base: Frame, frame: Frame, subject: Subject) -> Frame:
    """`base` with the subject (from `frame`, through its soft weights) laid over it."""
    inside = _clipped(subject, base.shape[1], base.shape[0])
    if inside is None:
        return base
    rows, cols, weights = inside
    base[rows, cols] = u8(
        cv2.blendLinear(frame[rows, cols], base[rows, cols], weights, 1.0 - weights)
    )
    return base


def _scaled_about(frame: Frame, zoom: float, cx: float, cy: float) -> Frame:
    """The frame enlarged by `zoom` (the same in x and y) about (cx, cy)."""
    height, width = frame.shape[:2]
    # Inverse map, pixel centres: source = c + (out - c) / zoom.
    ox, oy = cx - 0.5, cy - 0.5
    matrix = np.array(
        [[1.0 / zoom, 0.0, ox - ox / zoom], [0.0, 1.0 / zoom, oy - oy / zoom]], dtype=np.float64
    )
    return u8(
        cv2.warpAffine(
            frame,
            matrix,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT_101,
        )
    )


def dolly_zoom(frame: Frame, subject: Subject | None, zoom: float) -> Frame:
    """Hitchcock's vertigo shot on one picture: the subject keeps its size while the background,
    painted in behind it, grows uniformly about it. Without a subject, a uniform zoom."""
    height, width = frame.shape[:2]
    if subject is None:
        return _scaled_about(frame, zoom, width / 2, height / 2)
    plate = without_subject(frame, subject)
    background = _scaled_about(plate, zoom, *subject.centre)
    return _over(background, frame, matted(frame, plate, subject))


def swayed(frame: Frame, subject: Subject | None, t: float, speed: float) -> Frame:
    """fix_bg on a picture: the background holds still while the subject sways over it (the
    place it left painted in). Without a subject, the whole picture breathes, uniformly."""
    height, width = frame.shape[:2]
    if subject is None:
        return _scaled_about(
            frame, 1.0 + 0.04 * speed * math.sin(math.pi * t), width / 2, height / 2
        )
    dx = 0.035 * width * speed * math.sin(math.pi * t)
    dy = -0.02 * height * speed * math.sin(2 * math.pi * t)
    shift_x, shift_y = math.floor(dx), math.floor(dy)
    # Whole pixels by moving the box, the remainder by resampling the subject's patch.
    fraction = np.array([[1.0, 0.0, dx - shift_x], [0.0, 1.0, dy - shift_y]], dtype=np.float64)
    x0, y0, x1, y1 = subject.box
    patch = cv2.warpAffine(
        frame[max(0, y0) : y1, max(0, x0) : x1],
        fraction,
        (x1 - max(0, x0), y1 - max(0, y0)),
        borderMode=cv2.BORDER_REPLICATE,
    )
    weights = cv2.warpAffine(
        subject.weights[max(0, y0) - y0 :, max(0, x0) - x0 :],
        fraction,
        (x1 - max(0, x0), y1 - max(0, y0)),
    )
    moved_frame = frame.copy()
    moved_box = (max(0, x0) + shift_x, max(0, y0) + shift_y, x1 + shift_x, y1 + shift_y)
    moved = Subject(f32(weights), moved_box, subject.centre)
    inside = _clipped(moved, width, height)
    if inside is None:
        return without_subject(frame, subject)
    rows, cols, _ = inside
    bx, by = cols.start - moved_box[0], rows.start - moved_box[1]
    moved_frame[rows, cols] = u8(patch)[
        by : by + rows.stop - rows.start, bx : bx + cols.stop - cols.start
    ]
    return _over(without_subject(frame, subject), moved_frame, moved)
