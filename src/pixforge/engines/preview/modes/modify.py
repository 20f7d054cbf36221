"""Preview render entry of modify: the prompt's edit applied to the mask regions (or, without
masks, to the whole clip), deterministically, keeping the source's own sound.

What the prompt asks for is read from plain words: a reference image (@imgN) replaces the
region of @selectionN (or, without masks, is added into the lower right); "remove" fills the
region from its surroundings; a colour tints it; snow, rain and fog add weather; night, sunset
and bright change the lighting. A prompt that names none of these shifts the region's hues by
an amount derived from the prompt, so every edit is visible and the same prompt gives the same
picture.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pixforge.domain.spec import ModifySpec
from pixforge.engines._cv import cv2, u8
from pixforge.engines.preview.edits import feathered, swapped
from pixforge.engines.preview.modes.common import (
    Frame,
    Renderer,
    Samples,
    Scene,
    input_image,
    region_shifts,
    source_frames,
    source_sound,
)
from pixforge.media.images import load_rgb
from pixforge.media.segment import read_mask
from pixforge.media.video import fit_length

Weights = NDArray[np.float32]

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (225, 35, 35),
    "orange": (245, 140, 25),
    "yellow": (245, 215, 40),
    "gold": (215, 175, 55),
    "green": (40, 185, 70),
    "blue": (35, 90, 235),
    "purple": (145, 60, 205),
    "pink": (245, 115, 185),
    "white": (245, 245, 245),
    "black": (25, 25, 25),
}
WEATHER = {"snow": "snow", "snowy": "snow", "winter": "snow", "rain": "rain", "rainy": "rain"}
WEATHER |= {"fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog"}
LIGHTING = {"night": "night", "dark": "night", "midnight": "night", "sunset": "sunset"}
LIGHTING |= {"dusk": "sunset", "golden": "sunset", "autumn": "sunset", "bright": "bright"}
LIGHTING |= {"sunny": "bright", "daylight": "bright", "noon": "bright", "summer": "bright"}
REMOVAL = frozenset({"remove", "removed", "erase", "erased", "delete", "deleted", "without"})
WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Edit:
    """What a prompt asks for, read from its words (see the module docstring)."""

    remove: bool = False
    colour: tuple[int, int, int] | None = None
    weather: str = ""
    lighting: str = ""
    hue_shift: int = 0


def edit_for(prompt: str) -> Edit:
    words = WORD.findall(prompt.casefold())
    colour = next((COLOURS[w] for w in words if w in COLOURS), None)
    weather = next((WEATHER[w] for w in words if w in WEATHER), "")
    lighting = next((LIGHTING[w] for w in words if w in LIGHTING), "")
    remove = any(w in REMOVAL for w in words)
    if remove or colour or weather or lighting:
        return Edit(remove, colour, weather, lighting)
    digest = hashlib.sha256(prompt.strip().casefold().encode()).digest()
    return Edit(hue_shift=40 + digest[0] % 100)  # 40..139 of OpenCV's 180 hue steps


def _payload(scene: Scene) -> ModifySpec:
    payload = scene.job.spec.feature
    assert isinstance(payload, ModifySpec)
    return payload


def audio(scene: Scene) -> Samples | None:
    kept = source_sound(scene)
    return fit_length(kept, scene.samples_total) if kept is not None else None


def frames(scene: Scene, _sound: Samples | None) -> Iterator[Frame]:
    job = scene.job
    out = job.output
    masks = [read_mask(Path(p).read_bytes()) for p in _mask_paths(scene)]
    edit = edit_for(job.spec.prompt)
    images = [np.asarray(load_rgb(Path(i.path)), np.uint8) for i in job.images]
    stream = source_frames(scene)
    keyframe = _payload(scene).keyframe or 1
    # Every region follows its object from the keyframe it was drawn on. Regions with their
    # own reference image are replaced by it; the others get the prompt's edit.
    shifts = [region_shifts(scene, mask, keyframe) for mask in masks]
    replaced = min(len(masks), len(images))
    for index in range(replaced):
        stream = swapped(stream, masks[index], images[index], shifts[index])
    if not masks and images:
        return _added(stream, scene)
    if not masks:
        whole: Weights = np.ones((out.height, out.width, 1), np.float32)
        return _edited(stream, lambda _index: whole, edit, job.seed)
    edited = [
        (feathered(mask, out.width, out.height), shifts[i])
        for i, mask in enumerate(masks)
        if i >= replaced
    ]
    if not edited:
        return stream
    return _edited(stream, lambda index: _moved(edited, index), edit, job.seed)


def _moved(regions: list[tuple[Weights, list[tuple[float, float]]]], index: int) -> Weights:
    """The edited regions' weights in frame `index`, each moved with its object."""
    total = np.zeros_like(regions[0][0])
    for weights, shifts in regions:
        dx, dy = shifts[index] if index < len(shifts) else (0.0, 0.0)
        matrix = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
        height, width = weights.shape[:2]
        total[..., 0] += cv2.warpAffine(weights[..., 0], matrix, (width, height))
    return np.clip(total, 0, 1)


def _mask_paths(scene: Scene) -> list[str]:
    job = scene.job
    return ([job.mask_path] if job.mask_path else []) + list(job.more_mask_paths)


def _added(stream: Iterator[Frame], scene: Scene) -> Iterator[Frame]:
    """Smart add without a region: the first reference image placed in the lower right."""
    out = scene.job.output
    width, height = max(2, out.width // 3), max(2, out.height // 3)
    picture = input_image(scene, 0)
    small = cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)
    x0, y0 = out.width - width - out.width // 20, out.height - height - out.height // 20
    for frame in stream:
        framed = np.array(frame, copy=True)
        framed[y0 : y0 + height, x0 : x0 + width] = small
        yield framed


def _edited(
    stream: Iterator[Frame], weights_at: Callable[[int], Weights], edit: Edit, seed: int
) -> Iterator[Frame]:
    rng = np.random.default_rng(seed)
    flakes = rng.random((260, 3)).astype(np.float32)
    for index, frame in enumerate(stream):
        weights = weights_at(index)
        source = _filled(frame, weights) if edit.remove else frame
        changed = (
            _apply(source, replace(edit, remove=False), index, flakes)
            if edit.remove
            else (_apply(frame, edit, index, flakes))
        )
        yield u8(frame.astype(np.float32) * (1 - weights) + changed * weights)


def _filled(frame: Frame, weights: Weights) -> Frame:
    """The region painted over from its surroundings (a blur that ignores the region's own
    pixels), so what was there disappears; the whole frame is blurred when nothing is left."""
    height, width = frame.shape[:2]
    inside = np.asarray(weights[..., 0] > 0.05, np.uint8)
    grow = max(3, min(height, width) // 40) | 1
    keep = 1.0 - cv2.dilate(inside, np.ones((grow, grow), np.uint8)).astype(np.float32)
    if keep.max() == 0:
        blur = max(31, (min(height, width) // 4) | 1)
        return u8(cv2.GaussianBlur(frame, (blur, blur), 0))
    size = max(31, (min(height, width) // 3) | 1)
    total = cv2.GaussianBlur(frame.astype(np.float32) * keep[..., None], (size, size), 0)
    weight = cv2.GaussianBlur(keep, (size, size), 0)[..., None]
    return u8(total / np.maximum(weight, 1e-3))


def _apply(
    frame: Frame, edit: Edit, index: int, flakes: NDArray[np.float32]
) -> NDArray[np.float32]:
    pixels = frame.astype(np.float32)
    if edit.hue_shift:
        hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = (hsv[..., 0].astype(np.int16) + edit.hue_shift) % 180
        hsv[..., 1] = np.maximum(hsv[..., 1], 90)
        pixels = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    if edit.colour is not None:
        luminance = pixels.mean(axis=2, keepdims=True) / 255.0
        tint = np.array(edit.colour, np.float32) * (0.35 + 0.9 * luminance)
        pixels = pixels * 0.25 + tint * 0.75
    if edit.lighting == "night":
        pixels = pixels * np.array([0.3, 0.35, 0.55], np.float32) + np.float32(8)
    elif edit.lighting == "sunset":
        pixels = pixels * np.array([1.18, 0.86, 0.58], np.float32) + np.float32(12)
    elif edit.lighting == "bright":
        pixels = pixels * 1.2 + np.float32(28)
    if edit.weather == "fog":
        pixels = pixels * 0.45 + np.float32(0.55 * 205)
    elif edit.weather == "snow":
        grey = pixels.mean(axis=2, keepdims=True)
        pixels = (pixels * 0.5 + grey * 0.5) * 0.8 + np.float32(60)
        _flakes(pixels, flakes, index, fall=0.012, radius=0.006, colour=255.0)
    elif edit.weather == "rain":
        pixels = pixels * np.array([0.72, 0.78, 0.9], np.float32)
        _streaks(pixels, flakes, index)
    return np.clip(pixels, 0, 255)


def _flakes(
    pixels: NDArray[np.float32],
    flakes: NDArray[np.float32],
    index: int,
    fall: float,
    radius: float,
    colour: float,
) -> None:
    height, width = pixels.shape[:2]
    size = max(1, round(min(width, height) * radius))
    for x, y, speed in flakes:
        cy = int(((y + index * fall * (0.6 + speed)) % 1.0) * height)
        cx = int(((x + 0.02 * np.sin(index * 0.2 + speed * 6)) % 1.0) * width)
        cv2.circle(pixels, (cx, cy), size, (colour, colour, colour), -1)


def _streaks(pixels: NDArray[np.float32], drops: NDArray[np.float32], index: int) -> None:
    height, width = pixels.shape[:2]
    length = max(4, height // 18)
    for x, y, speed in drops:
        cy = int(((y + index * 0.05 * (0.7 + speed)) % 1.0) * height)
        cx = int(x * width)
        cv2.line(pixels, (cx, cy), (cx - length // 4, cy + length), (200.0, 210.0, 230.0), 1)


RENDERER = Renderer(frames, audio)
