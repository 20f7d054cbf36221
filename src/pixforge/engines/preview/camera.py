"""Camera paths for image-to-video: each move is a distinct, eased path of zoom, shift and turn.

Frame 0 is always the input image covering the output exactly. The source is an extended canvas:
the sharp image in the middle and a blurred mirror of it around, so moves that pull back or swing
wide never show black borders; moves that stay inside the image zoom in just enough to do so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, u8

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
    the sharp image by zooming in as needed; warp: an extra local deformation by name.
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
    "hitchcock": CameraPath(zoom=0.22, warp="dolly_zoom"),
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
        self, path: CameraPath, speed: float, width: int, height: int, frame_count: int
    ) -> None:
        self.path = path
        self.speed = speed
        self.width = width
        self.height = height
        self.total = max(1, frame_count - 1)
        self.grid = _grid(width, height) if path.warp else None

    def view(self, canvas: Frame, index: int, pad_x: int = 0, pad_y: int = 0) -> Frame:
        path, width, height = self.path, self.width, self.height
        progress = path.ease(index / self.total) * self.speed
        zoom = 1.0 + path.zoom * progress
        dx, dy = path.dx * progress, path.dy * progress
        turn = math.radians(path.turn_deg * progress)
        scale = max(zoom, _inside_scale(width, height, dx, dy, turn)) if path.inside else zoom
        matrix = _affine(width, height, pad_x, pad_y, max(0.4, scale), dx, dy, turn)
        if self.grid is None:
            return u8(
                cv2.warpAffine(
                    canvas,
                    matrix,
                    (width, height),
                    flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                    borderMode=cv2.BORDER_REFLECT_101,
                )
            )
        return _warped(canvas, matrix, self.grid, path.warp, progress, width, height)


def camera_frames(
    image: Frame, frame_count: int, path: CameraPath, speed: float
) -> Iterator[Frame]:
    """The camera move over `image` (already covering the output size), frame by frame."""
    height, width = image.shape[:2]
    canvas, pad_x, pad_y = extended_canvas(image)
    camera = Camera(path, speed, width, height, frame_count)
    yield image
    for index in range(1, frame_count):
        yield camera.view(canvas, index, pad_x, pad_y)


def moving_camera(
    frames: Iterator[Frame], frame_count: int, path: CameraPath, speed: float
) -> Iterator[Frame]:
    """A camera move over frames that change themselves (procedural scenes)."""
    camera: Camera | None = None
    for index, frame in enumerate(frames):
        if camera is None:
            camera = Camera(path, speed, frame.shape[1], frame.shape[0], frame_count)
        yield frame if index == 0 else camera.view(frame, index)


def _grid(width: int, height: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return xs, ys


def _warped(
    canvas: Frame,
    matrix: NDArray[np.float64],
    grid: tuple[NDArray[np.float32], NDArray[np.float32]],
    kind: str,
    progress: float,
    width: int,
    height: int,
) -> Frame:
    xs, ys = grid
    nx = (xs - width / 2) / (width / 2)
    ny = (ys - height / 2) / (height / 2)
    r2 = nx * nx + ny * ny
    if kind == "dolly_zoom":
        # The centre grows with the zoom while the edges are pulled back (barrel term).
        k = -0.18 * progress
        factor = 1.0 + k * r2
        sx = width / 2 + nx * factor * width / 2
        sy = height / 2 + ny * factor * height / 2
    else:  # "breathe": the middle of the frame sways, the borders stay put
        weight = np.exp(-r2 * 2.5)
        sx = xs + weight * 0.035 * width * math.sin(math.pi * progress)
        sy = ys + weight * 0.02 * height * math.sin(2 * math.pi * progress)
    map_x = (matrix[0, 0] * sx + matrix[0, 1] * sy + matrix[0, 2]).astype(np.float32)
    map_y = (matrix[1, 0] * sx + matrix[1, 1] * sy + matrix[1, 2]).astype(np.float32)
    return u8(cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101))
