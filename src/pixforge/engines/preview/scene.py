"""Procedural text-to-video scenes: a palette from the prompt's colour words, layered motion.

Smooth layers are drawn at a quarter of the output size and upscaled (they have no fine detail),
so a frame costs a few milliseconds even at 1080p; particles are drawn sharp at full size.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2

Frame = NDArray[np.uint8]
RGB = tuple[int, int, int]

COLOUR_WORDS: dict[str, RGB] = {
    "red": (214, 40, 40),
    "crimson": (180, 20, 50),
    "scarlet": (230, 36, 20),
    "maroon": (110, 20, 30),
    "orange": (245, 130, 30),
    "amber": (255, 176, 0),
    "coral": (255, 120, 90),
    "yellow": (245, 220, 50),
    "gold": (220, 175, 45),
    "golden": (220, 175, 45),
    "green": (50, 170, 70),
    "emerald": (20, 150, 100),
    "olive": (120, 130, 40),
    "forest": (30, 90, 40),
    "teal": (20, 140, 140),
    "cyan": (40, 210, 230),
    "turquoise": (60, 210, 190),
    "blue": (40, 90, 220),
    "navy": (20, 30, 90),
    "ocean": (20, 90, 160),
    "sky": (120, 180, 240),
    "indigo": (75, 40, 150),
    "purple": (130, 50, 170),
    "violet": (150, 80, 210),
    "lavender": (180, 160, 230),
    "magenta": (220, 40, 180),
    "pink": (245, 140, 190),
    "white": (240, 240, 240),
    "snow": (235, 240, 250),
    "silver": (190, 195, 205),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "black": (15, 15, 20),
    "night": (15, 20, 50),
    "brown": (120, 75, 40),
    "beige": (225, 205, 170),
    "fire": (240, 90, 20),
    "sunset": (250, 110, 60),
}
_WORD = re.compile(r"[a-z]+")


def palette_for(prompt: str, seed: int, size: int = 4) -> list[RGB]:
    """Colours named in the prompt (in order, up to `size`), the rest derived from a hash."""
    named: list[RGB] = []
    for word in _WORD.findall(prompt.lower()):
        colour = COLOUR_WORDS.get(word)
        if colour is not None and colour not in named:
            named.append(colour)
    digest = hashlib.sha256(f"{prompt}\x00{seed}".encode()).digest()
    derived: list[RGB] = []
    for index in range(size):
        hue = digest[index] / 255.0 * 179
        sat = 120 + digest[index + 8] % 120
        val = 90 + digest[index + 16] % 150
        hsv = np.array([[[hue, sat, val]]], dtype=np.uint8)
        r, g, b = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
        derived.append((int(r), int(g), int(b)))
    # With named colours, derived ones are pulled toward them so the scene keeps their mood.
    if named:
        derived = [
            tuple(int(0.7 * n + 0.3 * d) for n, d in zip(named[i % len(named)], c, strict=True))  # type: ignore[misc]
            for i, c in enumerate(derived)
        ]
    return (named + derived)[:size]


@dataclass(frozen=True, slots=True)
class SceneParams:
    width: int
    height: int
    frame_count: int
    speed: float  # 1.0 normal, 2.0 for motion_mode "fast"


def _rng(prompt: str, negative: str, seed: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{prompt}\x00{negative}\x00{seed}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def scene_frames(prompt: str, negative: str, seed: int, params: SceneParams) -> Iterator[Frame]:
    """Frames of the procedural scene for (prompt, seed), one at a time."""
    rng = _rng(prompt, negative, seed)
    colours = np.array(palette_for(prompt, seed), dtype=np.float32)
    low_w = max(32, params.width // 4)
    low_h = max(32, params.height // 4)
    # A smooth colour field twice as wide as the frame, so it can drift sideways seamlessly.
    ys = np.linspace(0.0, 1.0, low_h, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 2.0, low_w * 2, dtype=np.float32)[None, :]
    field = np.zeros((low_h, low_w * 2), np.float32)
    for _ in range(4):
        fx, fy = rng.uniform(0.5, 3.0, 2)
        phase = rng.uniform(0, 2 * math.pi)
        field += np.sin(2 * math.pi * (fx * xs + fy * ys) + phase)
    field = (field - field.min()) / max(1e-6, float(np.ptp(field)))
    # Map the field through the palette (piecewise linear between its colours).
    stops = np.linspace(0.0, 1.0, len(colours), dtype=np.float32)
    background = np.stack(
        [np.interp(field, stops, colours[:, c]) for c in range(3)], axis=-1
    ).astype(np.float32)
    background *= (0.75 + 0.25 * (1.0 - ys))[..., None]  # light from above
    background_u8 = np.clip(background, 0, 255).astype(np.uint8)

    blobs = rng.uniform(0.0, 1.0, (5, 6)).astype(np.float32)
    blob_colours = np.clip(colours[rng.integers(0, len(colours), 5)] * 1.25 + 20, 0, 255)
    particles = rng.uniform(0.0, 1.0, (40, 4)).astype(np.float32)
    particle_colour = tuple(int(v) for v in np.clip(colours.max(axis=0) + 40, 0, 255))
    radius_low = max(3, int(min(low_w, low_h) * 0.18))
    particle_r = max(1, round(min(params.width, params.height) / 180))
    # Stack blur costs the same whatever the radius (a Gaussian of this size costs 10x more).
    blur_px = 2 * max(1, radius_low // 2) + 1
    total = max(1, params.frame_count - 1)

    for index in range(params.frame_count):
        t = index / total
        drift = params.speed * t
        shift = int((drift * 0.5 % 1.0) * low_w)
        layer = background_u8[:, shift : shift + low_w].copy()
        overlay = layer.copy()
        for blob, colour in zip(blobs, blob_colours, strict=True):
            angle = 2 * math.pi * (blob[4] + drift * (0.35 + blob[5] * 0.3))
            cx = (blob[0] + 0.25 * blob[2] * math.sin(angle)) % 1.0
            cy = (blob[1] + 0.2 * blob[3] * math.cos(angle * 1.3)) % 1.0
            cv2.circle(
                overlay,
                (int(cx * low_w), int(cy * low_h)),
                radius_low,
                tuple(int(c) for c in colour),
                -1,
                cv2.LINE_AA,
            )
        layer = cv2.addWeighted(overlay, 0.55, layer, 0.45, 0)
        layer = cv2.stackBlur(layer, (blur_px, blur_px))
        frame = cv2.resize(layer, (params.width, params.height), interpolation=cv2.INTER_LINEAR)
        for px, py, vx, vy in particles:
            x = (px + (vx - 0.5) * 0.6 * drift) % 1.0
            y = (py - (0.2 + vy * 0.5) * drift) % 1.0
            cv2.circle(
                frame,
                (int(x * params.width), int(y * params.height)),
                particle_r,
                particle_colour,
                -1,
                cv2.LINE_AA,
            )
        yield frame
