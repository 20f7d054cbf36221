"""The still part of a preview scene, painted once per clip at full size: sky, backdrop, ground.

Skies are smooth vertical gradients (with a soft glow around a low sun); everything standing in
them (mountains, skylines, forests, dunes, the sun and moon) is a crisp anti-aliased polygon.
Colours come from the time of day and weather, tinted by the colours the prompt names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2, u8
from pixforge.engines.preview.figures import RGB, mix, shade
from pixforge.engines.preview.vocabulary import ScenePlan

Frame = NDArray[np.uint8]
AA = cv2.LINE_AA

# (top, middle, horizon) of the sky, the sun (or moon) colour, and the light on the land.
SKIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "day": ((58, 118, 212), (108, 162, 228), (188, 216, 240)),
    "golden": ((78, 122, 198), (175, 172, 190), (250, 204, 140)),
    "sunset": ((42, 42, 108), (196, 88, 102), (255, 168, 78)),
    "dawn": ((78, 98, 168), (198, 148, 178), (255, 198, 160)),
    "dusk": ((18, 26, 72), (68, 58, 118), (196, 118, 110)),
    "night": ((5, 8, 26), (12, 20, 52), (32, 42, 82)),
}
SUN: dict[str, RGB] = {
    "day": (255, 247, 215),
    "golden": (255, 222, 140),
    "sunset": (255, 138, 58),
    "dawn": (255, 196, 150),
    "dusk": (240, 236, 220),
    "night": (236, 236, 222),
}
AMBIENT: dict[str, tuple[float, float, float]] = {
    "day": (1.0, 1.0, 1.0),
    "golden": (1.0, 0.92, 0.78),
    "sunset": (0.78, 0.56, 0.56),
    "dawn": (0.92, 0.8, 0.8),
    "dusk": (0.48, 0.46, 0.62),
    "night": (0.3, 0.34, 0.52),
}
WEATHER_SKY: dict[str, tuple[RGB, float, float]] = {  # sky mixed toward, how far; light factor
    "clear": ((0, 0, 0), 0.0, 1.0),
    "cloudy": ((150, 158, 172), 0.45, 0.85),
    "rain": ((98, 106, 120), 0.62, 0.7),
    "storm": ((56, 60, 76), 0.72, 0.56),
    "fog": ((204, 208, 212), 0.7, 0.88),
    "snow": ((196, 202, 212), 0.42, 0.92),
}
GROUND: dict[str, tuple[RGB, RGB]] = {  # far, near
    "grass": ((122, 178, 82), (62, 128, 48)),
    "snow": ((240, 244, 250), (228, 236, 248)),
    "sand": ((238, 210, 156), (218, 180, 120)),
    "rock": ((150, 140, 128), (112, 102, 92)),
    "water": ((70, 130, 185), (22, 72, 132)),
    "street": ((92, 94, 100), (62, 64, 70)),
    "floor": ((176, 128, 84), (138, 94, 58)),
}
NEON: tuple[RGB, ...] = (
    (255, 40, 200),
    (40, 230, 255),
    (255, 230, 60),
    (120, 255, 90),
    (255, 70, 70),
)


@dataclass(slots=True)
class Palette:
    """Every colour the scene uses, already lit for its time of day and weather."""

    sky: tuple[RGB, RGB, RGB]
    sun: RGB
    ambient: tuple[float, float, float]
    haze: RGB  # what far things fade toward
    ground: tuple[RGB, RGB]
    water: tuple[RGB, RGB]
    cloud: tuple[RGB, RGB]  # lit, shaded
    night: bool
    tint: RGB | None

    def lit(self, colour: RGB, floor: float = 0.0) -> RGB:
        """A surface colour under this light (never darker than `floor` of itself)."""
        r, g, b = self.ambient
        out = (
            colour[0] * max(r, floor),
            colour[1] * max(g, floor),
            colour[2] * max(b, floor),
        )
        return (min(255, int(out[0])), min(255, int(out[1])), min(255, int(out[2])))

    def far(self, colour: RGB, distance: float) -> RGB:
        """A lit colour faded into the haze by `distance` (0 near, 1 lost in it)."""
        return mix(self.lit(colour), self.haze, distance)


def palette(plan: ScenePlan) -> Palette:
    top, middle, low = SKIES[plan.time]
    named_sky = plan.colours.get("sky")
    if named_sky is not None:
        top, middle, low = shade(named_sky, 0.62), named_sky, mix(named_sky, (255, 255, 255), 0.4)
    toward, amount, light = WEATHER_SKY[plan.weather]
    night = plan.time in ("night", "dusk")
    if plan.weather == "fog" and night:
        toward = (64, 70, 84)
    sky = (mix(top, toward, amount), mix(middle, toward, amount), mix(low, toward, amount * 0.9))
    ambient = tuple(a * light for a in AMBIENT[plan.time])
    far, near = GROUND.get(plan.ground, GROUND["grass"])
    named_ground = plan.colours.get("ground")
    if named_ground is not None:
        if plan.ground == "snow":  # blue snow is still snow: a pale tint of white
            far, near = mix(far, named_ground, 0.3), mix(near, named_ground, 0.4)
        else:
            far, near = mix(named_ground, (255, 255, 255), 0.2), named_ground
    water = GROUND["water"]
    named_water = plan.colours.get("water")
    if named_water is not None:
        water = (mix(named_water, low, 0.3), shade(named_water, 0.75))
    tint = plan.tint
    if tint is not None:
        sky = (mix(sky[0], tint, 0.5), mix(sky[1], tint, 0.5), mix(sky[2], tint, 0.45))
        far, near = mix(far, tint, 0.45), mix(near, tint, 0.45)
        water = (mix(water[0], tint, 0.4), mix(water[1], tint, 0.4))
    cloud_lit, cloud_shade = {
        "day": ((250, 252, 255), (206, 216, 234)),
        "golden": ((255, 242, 222), (214, 190, 178)),
        "sunset": ((255, 178, 140), (150, 92, 122)),
        "dawn": ((255, 214, 204), (186, 152, 184)),
        "dusk": ((118, 106, 146), (72, 66, 104)),
        "night": ((52, 60, 88), (34, 40, 64)),
    }[plan.time]
    if plan.weather in ("cloudy", "rain", "storm", "snow"):
        grey = {"cloudy": 0.4, "rain": 0.62, "storm": 0.75, "snow": 0.35}[plan.weather]
        cloud_lit = mix(cloud_lit, shade(sky[1], 0.95), grey)
        cloud_shade = mix(cloud_shade, shade(sky[1], 0.7), grey)
    named_cloud = plan.colours.get("cloud")
    if named_cloud is not None:
        cloud_lit, cloud_shade = named_cloud, shade(named_cloud, 0.8)
    sun = plan.colours.get("sun" if not night else "moon", SUN[plan.time])
    a = (float(ambient[0]), float(ambient[1]), float(ambient[2]))
    result = Palette(sky, sun, a, sky[2], (far, near), water, (cloud_lit, cloud_shade), night, tint)
    result.ground = (
        result.lit(far, 0.3 if plan.ground == "snow" else 0.0),
        result.lit(near, 0.3 if plan.ground == "snow" else 0.0),
    )
    result.water = (mix(result.lit(water[0]), sky[2], 0.35), result.lit(water[1]))
    return result


@dataclass(slots=True)
class Background:
    """The painted still frame and what the animation needs to know about it."""

    image: Frame
    sky: Frame  # the sky alone (gradient, sun, stars): clouds are drawn into it
    sky_visible: NDArray[np.bool_]  # where the sky is not hidden by the backdrop
    occluders: NDArray[np.uint8]  # 255 where it is (a mask for cv2.copyTo)
    occluded_from: int  # first row with anything in front of the sky
    horizon: int
    palette: Palette
    sun: tuple[int, int, int] | None = None  # x, y, radius
    water: tuple[int, int] | None = None  # rows of open water (top, bottom)
    lake: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 of a lake
    shore: int | None = None  # row where the sea meets the beach
    windows: list[tuple[int, int, int, int]] = field(default_factory=list)
    signs: list[tuple[NDArray[np.int32], RGB]] = field(default_factory=list)
    letters: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    stars: NDArray[np.float64] | None = None  # (n, 3): x, y, brightness
    ground_top: int = 0  # where figures may stand, from here down
    floor_top: int = 0


def paint(plan: ScenePlan, rng: np.random.Generator, width: int, height: int) -> Background:
    colours = palette(plan)
    unit = height / 360.0
    horizon = int(
        height
        * {"space": 1.0, "room": 0.66, "city": 0.64, "horizon": 0.55}.get(plan.backdrop, 0.58)
    )
    horizon += int(rng.uniform(-0.04, 0.04) * height) if plan.backdrop not in ("space",) else 0
    if plan.backdrop == "room":
        horizon = int(height * 0.66)
    sun = (
        _sun_place(plan, colours, rng, width, height, horizon) if plan.backdrop != "room" else None
    )
    glows: list[Glow] = []
    if sun is not None:
        x, y, radius = sun
        low = plan.time in ("sunset", "dawn")
        strength = {"day": 0.35, "golden": 0.6, "sunset": 0.8, "dawn": 0.7}.get(plan.time, 0.35)
        glows.append(
            (
                x,
                y,
                radius * (5.0 if low else 3.2 if not colours.night else 2.2),
                colours.sun,
                strength,
            )
        )
    sky = _sky(width, height, horizon, colours, glows)
    no_mask = np.zeros((height, width), np.uint8)
    background = Background(sky, sky, no_mask == 0, no_mask, height, horizon, colours)
    if sun is not None:
        _sun_or_moon(background, sun, unit)
    if plan.backdrop == "space" or (
        colours.night and plan.stars and plan.weather in ("clear", "cloudy")
    ):
        _stars(background, rng, width, height, unit, plan.backdrop == "space")
    background.image = background.sky.copy()
    painters = {
        "hills": _hills,
        "mountains": _mountains,
        "forest": _forest,
        "city": _city,
        "dunes": _dunes,
        "horizon": _sea_horizon,
        "space": _space,
        "room": _room,
    }
    painters[plan.backdrop](background, plan, rng, width, height, unit)
    # What stands in front of the sky: wherever the painted frame no longer matches it (a
    # difference of a level or two is only rounding).
    change = cv2.cvtColor(cv2.absdiff(background.image, background.sky), cv2.COLOR_RGB2GRAY)
    background.occluders = u8(cv2.threshold(change, 2, 255, cv2.THRESH_BINARY)[1])
    background.sky_visible = background.occluders == 0
    rows = np.flatnonzero(cv2.reduce(background.occluders, 1, cv2.REDUCE_MAX)[:, 0])
    background.occluded_from = int(rows[0]) if len(rows) else height
    return background


def _gradient(height: int, stops: list[tuple[float, RGB]]) -> NDArray[np.float32]:
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)
    positions = np.array([p for p, _ in stops], np.float32)
    return np.stack(
        [
            np.interp(ys, positions, np.array([c[i] for _, c in stops], np.float32))
            for i in range(3)
        ],
        axis=-1,
    ).astype(np.float32)


def _sky(
    width: int, height: int, horizon: int, colours: Palette, glows: list[Glow] | None = None
) -> Frame:
    """The sky's gradient and any glows around the sun, made at a quarter size and enlarged:
    both are smooth, so the enlargement only saves time."""
    top, middle, low = colours.sky
    extent = max(1, horizon) / height
    small_w, small_h = max(8, width // 4), max(8, height // 4)
    column = _gradient(small_h, [(0.0, top), (extent * 0.55, middle), (extent, low), (1.0, low)])
    small = np.repeat(column[:, None, :], small_w, axis=1)
    ys, xs = np.ogrid[:small_h, :small_w]
    for x, y, radius, colour, strength in glows or []:
        px, py = (xs + 0.5) * width / small_w, (ys + 0.5) * height / small_h
        weight = np.exp(-((px - x) ** 2 + (py - y) ** 2) / (2 * radius * radius)) * strength
        small += weight[..., None].astype(np.float32) * (np.asarray(colour, np.float32) - small)
    small_u8 = np.clip(small + 0.5, 0, 255).astype(np.uint8)
    return u8(cv2.resize(small_u8, (width, height), interpolation=cv2.INTER_LINEAR))


Glow = tuple[float, float, float, RGB, float]  # x, y, radius (px), colour, strength


def _glow(image: Frame, x: float, y: float, radius: float, colour: RGB, strength: float) -> None:
    """Add a soft round glow in place, within 3 radii of (x, y), computed at a quarter size (it
    is smooth, so nothing is lost) and blended back."""
    height, width = image.shape[:2]
    x0, x1 = max(0, int(x - 3 * radius)), min(width, int(x + 3 * radius) + 1)
    y0, y1 = max(0, int(y - 3 * radius)), min(height, int(y + 3 * radius) + 1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return
    box = image[y0:y1, x0:x1]
    small_w, small_h = max(4, (x1 - x0) // 4), max(4, (y1 - y0) // 4)
    small = cv2.resize(box, (small_w, small_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    ys, xs = np.ogrid[:small_h, :small_w]
    px = x0 + (xs + 0.5) * (x1 - x0) / small_w
    py = y0 + (ys + 0.5) * (y1 - y0) / small_h
    weight = (np.exp(-((px - x) ** 2 + (py - y) ** 2) / (2 * radius * radius)) * strength)[
        ..., None
    ]
    glowing = small + weight.astype(np.float32) * (np.asarray(colour, np.float32) - small)
    # Only the change is upscaled and added, so detail already in the box is kept.
    change = cv2.resize(glowing - small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    box[:] = np.clip(box + change, 0, 255).astype(np.uint8)


def _sun_place(
    plan: ScenePlan,
    colours: Palette,
    rng: np.random.Generator,
    width: int,
    height: int,
    horizon: int,
) -> tuple[float, float, float] | None:
    """Where the sun (or at night the moon) stands, and its radius; None if none shows."""
    if plan.weather in ("rain", "storm", "fog") and plan.backdrop != "space":
        return None
    x = width * rng.uniform(0.18, 0.82)
    unit = height / 360.0
    if colours.night:
        y = height * rng.uniform(0.12, 0.22)
        return (x, y, 22 * unit) if plan.moon else None
    if not plan.sun:
        return None
    low = plan.time in ("sunset", "dawn")
    y = horizon - (0.06 * height if low else (0.32 if plan.time == "golden" else 0.62) * horizon)
    return x, y, (34 if low else 24) * unit


def _sun_or_moon(background: Background, sun: tuple[float, float, float], unit: float) -> None:
    colours = background.palette
    x, y, radius = sun
    disc = colours.sun if colours.night else mix(colours.sun, (255, 255, 255), 0.25)
    cv2.circle(background.sky, (int(x * 16), int(y * 16)), int(radius * 16), disc, -1, AA, 4)
    if colours.night:
        crater = shade(colours.sun, 0.88)
        for dx, dy, r in ((-0.3, -0.2, 0.22), (0.25, 0.3, 0.16), (0.35, -0.35, 0.1)):
            centre = (int((x + dx * radius) * 16), int((y + dy * radius) * 16))
            cv2.circle(background.sky, centre, int(r * radius * 16), crater, -1, AA, 4)
    background.sun = (int(x), int(y), int(radius))


def _stars(
    background: Background,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
    everywhere: bool,
) -> None:
    bottom = height if everywhere else int(background.horizon * 0.9)
    count = int(140 * math.sqrt(width * height / (640 * 360)) * (2.0 if everywhere else 1.0))
    stars = np.stack(
        [rng.uniform(0, width, count), rng.uniform(0, bottom, count), rng.uniform(0.3, 1.0, count)],
        axis=1,
    )
    for x, y, bright in stars:
        value = int(120 + 135 * bright)
        colour = (value, value, min(255, value + 20))
        radius = 1 if bright < 0.85 or unit < 1.5 else 2
        cv2.circle(background.sky, (int(x), int(y)), radius, colour, -1, AA)
    background.stars = stars[stars[:, 2] > 0.6]


def _ridge(rng: np.random.Generator, count: int, roughness: float) -> NDArray[np.float64]:
    """A mountain ridge by midpoint displacement: `count + 1` heights in [0, 1]."""
    size = 1
    heights = np.array([rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.6)])
    amplitude = 0.5
    while size < count:
        mids = (heights[:-1] + heights[1:]) / 2 + rng.uniform(
            -amplitude, amplitude, len(heights) - 1
        )
        merged = np.empty(len(heights) * 2 - 1)
        merged[0::2], merged[1::2] = heights, mids
        heights, size, amplitude = merged, size * 2, amplitude * roughness
    heights = np.asarray(heights[: count + 1], np.float64)
    low, spread = float(heights.min()), max(1e-6, float(np.ptp(heights)))
    return np.asarray((heights - low) / spread, np.float64)


def _fill(image: Frame, points: NDArray[np.float64], colour: RGB) -> None:
    cv2.fillPoly(image, [np.round(points * 16).astype(np.int32)], colour, AA, 4)


def _ground(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
    top: int,
) -> None:
    """The land from row `top` down: a gradient, then what lies on it (tufts, ripples, drifts)."""
    image, colours = background.image, background.palette
    far, near = colours.ground
    span = max(1, height - top)
    band = _gradient(span, [(0.0, far), (1.0, near)])
    image[top:] = np.clip(band + 0.5, 0, 255).astype(np.uint8)[:, None, :]
    background.ground_top = top
    if plan.ground == "grass":
        tuft = shade(near, 0.78)
        for _ in range(int(70 * width / 640)):
            x, y = rng.uniform(0, width), rng.uniform(top + span * 0.35, height)
            size = (3 + 6 * (y - top) / span) * unit
            for lean in (-0.5, 0.0, 0.5):
                end = (int((x + lean * size) * 16), int((y - size) * 16))
                cv2.line(image, (int(x * 16), int(y * 16)), end, tuft, max(1, int(unit)), AA, 4)
    elif plan.ground == "snow":
        shadow = mix(near, (150, 175, 225), 0.22)
        for _ in range(5):
            cx, cy = rng.uniform(0, width), rng.uniform(top + span * 0.2, height)
            axes = (int(rng.uniform(0.15, 0.35) * width), int(rng.uniform(0.02, 0.05) * height))
            cv2.ellipse(
                image, (int(cx), int(cy)), axes, 0, 180, 360, shadow, max(1, int(2 * unit)), AA
            )
    elif plan.ground == "sand":
        ripple = shade(near, 0.9)
        for _ in range(int(18 * width / 640)):
            cx, cy = rng.uniform(0, width), rng.uniform(top + span * 0.1, height)
            axes = (
                int(rng.uniform(0.05, 0.12) * width),
                int(rng.uniform(0.006, 0.02) * height) + 1,
            )
            cv2.ellipse(image, (int(cx), int(cy)), axes, 0, 200, 340, ripple, max(1, int(unit)), AA)
    elif plan.ground == "rock":
        crack = shade(near, 0.7)
        for _ in range(int(14 * width / 640)):
            x, y = rng.uniform(0, width), rng.uniform(top, height)
            pts = np.array([[x + i * 8 * unit, y + rng.uniform(-4, 4) * unit] for i in range(4)])
            cv2.polylines(
                image, [np.round(pts * 16).astype(np.int32)], False, crack, max(1, int(unit)), AA, 4
            )


def _water(
    background: Background, top: int, bottom: int, x0: int = 0, x1: int | None = None
) -> None:
    """Open water between rows top and bottom: darker toward the viewer, the sun reflected."""
    image, colours = background.image, background.palette
    x1 = image.shape[1] if x1 is None else x1
    far, near = colours.water
    band = _gradient(
        max(1, bottom - top), [(0.0, mix(far, colours.sky[2], 0.4)), (0.35, far), (1.0, near)]
    )
    image[top:bottom, x0:x1] = np.clip(band + 0.5, 0, 255).astype(np.uint8)[:, None, :]
    if background.sun is not None and x0 == 0:
        sx, _, radius = background.sun
        reflection = mix(colours.sun, far, 0.35)
        half = max(2, int(radius * 1.1))
        ys = np.arange(top, bottom)
        widths = (half * (0.4 + 1.4 * (ys - top) / max(1, bottom - top))).astype(int)
        for y, w in zip(ys[::3], widths[::3], strict=True):
            strength = 0.55 * (1.0 - 0.6 * (y - top) / max(1, bottom - top))
            lo, hi = max(0, sx - w), min(x1, sx + w)
            if hi > lo:
                row = image[y : y + 2, lo:hi].astype(np.float32)
                image[y : y + 2, lo:hi] = np.clip(
                    row + strength * (np.asarray(reflection, np.float32) - row), 0, 255
                ).astype(np.uint8)
    background.water = (top, bottom)


def _hills(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours, horizon = background.image, background.palette, background.horizon
    xs = np.linspace(0, width, 64)
    base_colour = GROUND.get(plan.ground, GROUND["grass"])[0]
    if plan.ground == "water" or plan.colours.get("ground") is not None:
        base_colour = GROUND["grass"][0] if plan.ground != "snow" else GROUND["snow"][0]
    if plan.tint is not None:
        base_colour = mix(base_colour, plan.tint, 0.45)
    for layer, distance in enumerate((0.62, 0.38)):
        amplitude = height * (0.12 - 0.03 * layer)
        phase, freq = rng.uniform(0, 2 * math.pi, 2), rng.uniform(0.6, 1.6, 2)
        ys = (
            horizon
            + height * 0.02 * layer
            - amplitude
            * (
                0.6
                + 0.3 * np.sin(freq[0] * 2 * math.pi * xs / width + phase[0])
                + 0.25 * np.sin(freq[1] * 5 * xs / width + phase[1])
            )
        )
        points = np.concatenate([np.stack([xs, ys], 1), [[width, height], [0, height]]])
        _fill(image, points, colours.far(shade(base_colour, 0.9 - 0.1 * layer), distance))
        if layer == 1:
            for _ in range(int(rng.integers(0, 5))):
                i = int(rng.integers(4, 60))
                tx, ty = xs[i], ys[i] + 2 * unit
                size = rng.uniform(10, 18) * unit
                trunk = colours.far((100, 70, 45), distance)
                cv2.rectangle(
                    image,
                    (int(tx - size * 0.08), int(ty - size * 0.5)),
                    (int(tx + size * 0.08), int(ty)),
                    trunk,
                    -1,
                )
                cv2.circle(
                    image,
                    (int(tx * 16), int((ty - size * 0.75) * 16)),
                    int(size * 0.45 * 16),
                    colours.far((60, 130, 55), distance),
                    -1,
                    AA,
                    4,
                )
    _ground(background, plan, rng, width, height, unit, horizon + int(height * 0.04))
    _land_water(background, plan, rng, width, height)


def _land_water(
    background: Background, plan: ScenePlan, rng: np.random.Generator, width: int, height: int
) -> None:
    """A lake in the middle distance, or a band of sea between the backdrop and the land."""
    top = background.ground_top
    if plan.shore == "sea":
        bottom = top + int(height * rng.uniform(0.08, 0.12))
        land = background.image[bottom:].copy()
        _water(background, top, bottom)
        background.image[bottom:] = land
        background.shore, background.ground_top = bottom, bottom
    elif plan.shore == "lake":
        top += int(height * 0.02)
        bottom = top + int(height * rng.uniform(0.1, 0.14))
        x0, x1 = int(width * rng.uniform(-0.1, 0.2)), int(width * rng.uniform(0.8, 1.1))
        mask = np.zeros(background.image.shape[:2], np.uint8)
        centre, axes = ((x0 + x1) // 2, (top + bottom) // 2), ((x1 - x0) // 2, (bottom - top) // 2)
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1, AA)
        # Water painted over a band taller than the lake (so its gradient reads as distance),
        # then kept only inside the lake's outline.
        band = slice(max(0, 2 * top - bottom), min(height, 2 * bottom - top))
        land = background.image[band].copy()
        _water(background, band.start, band.stop)
        alpha = (mask[band].astype(np.float32) / 255.0)[..., None]
        background.image[band] = (land * (1 - alpha) + background.image[band] * alpha).astype(
            np.uint8
        )
        background.water = None
        background.lake = (max(0, x0), top, min(width, x1), bottom)


def _mountains(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours, horizon = background.image, background.palette, background.horizon
    rock = (108, 112, 134) if plan.ground != "sand" else (170, 120, 90)
    snowy = plan.ground == "snow" or (
        plan.time in ("day", "golden", "dawn") and rng.uniform() < 0.6
    )
    for layer, (distance, peak) in enumerate(((0.55, 0.36), (0.22, 0.24))):
        count = 64
        ridge = _ridge(rng, count, 0.55)
        xs = np.linspace(-0.05 * width, 1.05 * width, count + 1)
        ys = horizon + height * 0.03 - (0.25 + 0.75 * ridge) * peak * height
        colour = colours.far(shade(rock, 1.0 - 0.12 * layer), distance)
        points = np.concatenate(
            [np.stack([xs, ys], 1), [[1.05 * width, height], [-0.05 * width, height]]]
        )
        _fill(image, points, colour)
        shadow = shade(colour, 0.8)
        maxima = [
            i for i in range(1, count) if ridge[i] >= ridge[i - 1] and ridge[i] > ridge[i + 1]
        ]
        for m in maxima:
            n = m + 1
            while n < count and ridge[n + 1] < ridge[n]:
                n += 1
            # The face turned from the light: from the peak down its right flank, closed by a
            # spur running back down-left, so each peak reads as a lit and a shaded facet.
            drop = max(float(ys[n] - ys[m]), 0.0)
            foot = (xs[m] + (xs[n] - xs[m]) * 0.2, ys[n] + drop * 0.9 + height * 0.02)
            face = np.concatenate([np.stack([xs[m : n + 1], ys[m : n + 1]], 1), [foot]])
            _fill(image, face, shadow)
        if snowy:
            snow_line = ys.min() + peak * height * 0.35
            cap = colours.far((242, 246, 252), distance * 0.6)
            mask = np.zeros(image.shape[:2], np.uint8)
            cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 255, AA, 4)
            rows = int(min(height, snow_line + 6 * unit))
            wave = (snow_line + 5 * unit * np.sin(np.arange(width) / (9 * unit)))[None, :]
            keep = (np.arange(rows)[:, None] < wave) & (mask[:rows] > 0)
            alpha = (mask[:rows].astype(np.float32) / 255.0)[..., None] * keep[..., None]
            region = image[:rows].astype(np.float32)
            image[:rows] = (region + alpha * (np.asarray(cap, np.float32) - region)).astype(
                np.uint8
            )
    _ground(background, plan, rng, width, height, unit, horizon + int(height * 0.03))
    _land_water(background, plan, rng, width, height)


def pine_points(x: float, y: float, size: float) -> list[NDArray[np.float64]]:
    tiers = []
    for base, half in ((0.15, 0.34), (0.42, 0.26), (0.66, 0.18)):
        tiers.append(
            np.array(
                [
                    [x - half * size, y - base * size],
                    [x + half * size, y - base * size],
                    [x, y - (base + 0.42) * size],
                ]
            )
        )
    return tiers


def _forest(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours, horizon = background.image, background.palette, background.horizon
    green = (38, 96, 58)
    if plan.tint is not None:
        green = mix(green, plan.tint, 0.4)
    snowy = plan.ground == "snow"
    for row, distance in enumerate((0.6, 0.4, 0.2)):
        y_base = horizon + height * 0.025 * row
        size = height * (0.16 + 0.07 * row)
        x = -rng.uniform(0, size * 0.5)
        colour = colours.far(shade(green, 1.0 - 0.12 * row), distance)
        while x < width + size:
            tree_size = size * rng.uniform(0.75, 1.2)
            trunk = colours.far((80, 55, 40), distance)
            cv2.rectangle(
                image,
                (int(x - tree_size * 0.04), int(y_base - tree_size * 0.16)),
                (int(x + tree_size * 0.04), int(y_base + 2)),
                trunk,
                -1,
            )
            for tier in pine_points(x, y_base, tree_size):
                _fill(image, tier, colour)
                if snowy:
                    tip = tier.copy()
                    tip[:2] = tier[2] + (tier[:2] - tier[2]) * 0.35
                    _fill(image, tip, colours.far((240, 244, 250), distance * 0.7))
            x += tree_size * rng.uniform(0.3, 0.55)
        if row == 0:
            cv2.rectangle(image, (0, int(y_base)), (width, height), colour, -1)
    _ground(background, plan, rng, width, height, unit, horizon + int(height * 0.07))
    _land_water(background, plan, rng, width, height)


def _city(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours, horizon = background.image, background.palette, background.horizon
    night = colours.night
    base = plan.colours.get("city", (96, 108, 132) if not night else (34, 36, 52))
    if plan.neon and "city" in plan.colours:
        base = (34, 32, 50)
    glow = np.zeros((height, width, 3), np.uint8)
    for layer, distance in enumerate((0.55, 0.18)):
        x = -rng.uniform(0, 30) * unit
        while x < width:
            w = rng.uniform(0.06, 0.13) * width
            top = horizon - rng.uniform(0.12, 0.36 if layer == 0 else 0.45) * height
            tone = rng.uniform(0.8, 1.15)
            colour = (
                colours.far(shade(base, tone), distance)
                if not night
                else mix(shade(base, tone * (1.2 - 0.4 * layer)), colours.haze, distance * 0.5)
            )
            x0, x1, y0 = int(x), int(x + w), int(top)
            cv2.rectangle(image, (x0, y0), (x1, horizon + 2), colour, -1)
            if rng.uniform() < 0.3:
                cv2.rectangle(
                    image,
                    (int(x + w * 0.45), int(top - 0.04 * height)),
                    (int(x + w * 0.5), y0),
                    colour,
                    -1,
                )
            if layer == 1:
                _windows(background, rng, x0, y0, x1, horizon, unit, night, colour)
                chance = 0.95 if plan.neon else 0.25 if night else 0.0
                for _ in range(2 if plan.neon else 1):
                    if rng.uniform() < chance:
                        _sign(background, glow, plan, rng, x0, y0, x1, horizon)
                if plan.neon and rng.uniform() < 0.5:
                    # A neon tube along the roof line.
                    tube = NEON[int(rng.integers(0, len(NEON)))]
                    thickness = max(1, int(2 * unit))
                    cv2.line(
                        glow, (x0 + 2, y0 + thickness), (x1 - 2, y0 + thickness), tube, thickness
                    )
            x += w * rng.uniform(0.85, 1.05)
    # The street: a road narrowing to the horizon, pavements either side.
    top = horizon
    _ground(background, plan, rng, width, height, unit, top)
    pave = shade(colours.ground[0], 1.25) if plan.ground == "street" else colours.ground[0]
    vanish = width * 0.5
    left = np.array(
        [
            [vanish - width * 0.04, top],
            [vanish - width * 0.02, top],
            [width * 0.05, height],
            [-width * 0.4, height],
        ]
    )
    right = np.array(
        [
            [vanish + width * 0.02, top],
            [vanish + width * 0.04, top],
            [width * 1.4, height],
            [width * 0.95, height],
        ]
    )
    _fill(image, left, pave)
    _fill(image, right, pave)
    if plan.ground == "street":
        dash = mix(colours.lit((235, 225, 160)), colours.ground[1], 0.2)
        for i in range(7):
            a, b = (i / 7) ** 1.8, ((i + 0.5) / 7) ** 1.8
            ya, yb = top + (height - top) * a, top + (height - top) * b
            wa, wb = 1 + 5 * a * unit, 1 + 5 * b * unit
            _fill(
                image,
                np.array(
                    [[vanish - wa, ya], [vanish + wa, ya], [vanish + wb, yb], [vanish - wb, yb]]
                ),
                dash,
            )
    if night:
        for side in (-1, 1):
            for i in range(3):
                depth = (i + 1) / 3.5
                lx = vanish + side * (width * 0.03 + depth * width * 0.5)
                ly = top + (height - top) * depth * 0.9
                pole_h = height * 0.08 + depth * height * 0.3
                cv2.line(
                    image,
                    (int(lx), int(ly)),
                    (int(lx), int(ly - pole_h)),
                    (30, 30, 36),
                    max(1, int(2 * unit * depth + 1)),
                    AA,
                )
                cv2.circle(
                    glow,
                    (int(lx), int(ly - pole_h)),
                    int(4 * unit + 6 * depth * unit),
                    (255, 214, 140),
                    -1,
                    AA,
                )
    if glow.any():
        # Neon and lamps: the shapes sharp, a soft halo around them, and their smear on wet tar.
        small = cv2.resize(
            glow, (max(8, width // 6), max(8, height // 6)), interpolation=cv2.INTER_AREA
        )
        halo = cv2.resize(
            cv2.GaussianBlur(small, (0, 0), 2.5), (width, height), interpolation=cv2.INTER_LINEAR
        )
        image[:] = cv2.add(image, (halo.astype(np.float32) * 0.9).astype(np.uint8))
        flipped = halo[max(0, 2 * horizon - height) : horizon][::-1]
        rows = min(height - horizon, flipped.shape[0])
        fade = np.linspace(0.55, 0.1, rows, dtype=np.float32)[:, None, None]
        smear = cv2.resize(flipped[:rows], (width, rows), interpolation=cv2.INTER_LINEAR).astype(
            np.float32
        )
        image[horizon : horizon + rows] = cv2.add(
            image[horizon : horizon + rows], (smear * fade).astype(np.uint8)
        )
        mask = np.any(glow > 0, axis=2)
        image[mask] = glow[mask]
        for a, b in background.letters:
            cv2.rectangle(image, a, b, (40, 20, 50), -1)


def _sign(
    background: Background,
    glow: Frame,
    plan: ScenePlan,
    rng: np.random.Generator,
    x0: int,
    y0: int,
    x1: int,
    bottom: int,
) -> None:
    """A lit sign on a building front (tall or wide), with dark strokes for its lettering."""
    colour = NEON[int(rng.integers(0, len(NEON)))]
    if "light" in plan.colours:
        colour = plan.colours["light"]
    w, h = x1 - x0, bottom - y0
    if rng.uniform() < 0.5:
        sx0 = int(x0 + w * rng.uniform(0.08, 0.6))
        sy0 = int(y0 + h * rng.uniform(0.1, 0.4))
        sx1, sy1 = sx0 + max(3, int(w * 0.22)), sy0 + int(h * 0.42)
    else:
        sx0 = int(x0 + w * 0.1)
        sy0 = int(y0 + h * rng.uniform(0.1, 0.6))
        sx1, sy1 = int(x1 - w * 0.1), sy0 + max(3, int(h * 0.1))
    corners = np.array([[sx0, sy0], [sx1, sy0], [sx1, sy1], [sx0, sy1]], np.int32)
    background.signs.append((corners, colour))
    cv2.fillPoly(glow, [corners], colour)
    # Lettering: short dark bars across the sign's long side.
    tall = (sy1 - sy0) > (sx1 - sx0)
    count = int(rng.integers(3, 6))
    for k in range(count):
        t0, t1 = (k + 0.25) / count, (k + 0.75) / count
        if tall:
            a = (sx0 + (sx1 - sx0) // 4, int(sy0 + (sy1 - sy0) * t0))
            b = (sx1 - (sx1 - sx0) // 4, int(sy0 + (sy1 - sy0) * t1))
        else:
            a = (int(sx0 + (sx1 - sx0) * t0), sy0 + (sy1 - sy0) // 4)
            b = (int(sx0 + (sx1 - sx0) * t1), sy1 - (sy1 - sy0) // 4)
        background.letters.append((a, b))


def _windows(
    background: Background,
    rng: np.random.Generator,
    x0: int,
    y0: int,
    x1: int,
    bottom: int,
    unit: float,
    night: bool,
    wall: RGB,
) -> None:
    image = background.image
    step_x, step_y = max(4, int(9 * unit)), max(5, int(11 * unit))
    size_x, size_y = max(2, int(4 * unit)), max(2, int(5 * unit))
    dark, lit = shade(wall, 0.7), (255, 214, 130)
    day_glass = mix(background.palette.sky[1], wall, 0.35)
    for y in range(y0 + step_y // 2, bottom - step_y, step_y):
        for x in range(x0 + step_x // 2, x1 - size_x - 1, step_x):
            if night:
                on = rng.uniform() < 0.45
                colour = mix(lit, (255, 240, 200), rng.uniform(0, 0.5)) if on else dark
                if on and rng.uniform() < 0.08:
                    background.windows.append((x, y, x + size_x, y + size_y))
            else:
                colour = day_glass
            image[y : y + size_y, x : x + size_x] = colour


def _dunes(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours, horizon = background.image, background.palette, background.horizon
    sand = plan.colours.get("ground", GROUND["sand"][0])
    xs = np.linspace(0, width, 80)
    for layer, distance in enumerate((0.5, 0.3, 0.1)):
        crest = rng.uniform(0.2, 0.8) * width
        heightpx = height * (0.14 - 0.025 * layer)
        base = horizon + height * 0.035 * layer
        shape = np.where(
            xs < crest,
            ((xs + width * 0.3) / (crest + width * 0.3)) ** 2,
            np.exp(-(((xs - crest) / (0.35 * width)) ** 2)),
        )
        ys = base - heightpx * shape
        points = np.concatenate([np.stack([xs, ys], 1), [[width, height], [0, height]]])
        lit = colours.far(shade(sand, 1.02 - 0.06 * layer), distance)
        _fill(image, points, lit)
        right = xs >= crest
        shadow = np.concatenate(
            [np.stack([xs[right], ys[right]], 1), [[width, height], [crest + width * 0.05, height]]]
        )
        _fill(image, shadow, shade(lit, 0.84))
    _ground(background, plan, rng, width, height, unit, horizon + int(height * 0.11))


def _sea_horizon(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours, horizon = background.image, background.palette, background.horizon
    if rng.uniform() < 0.5:
        x = rng.uniform(0.0, 0.7) * width
        w = rng.uniform(0.15, 0.3) * width
        xs = np.linspace(x, x + w, 24)
        ys = horizon - height * 0.035 * np.sin(np.linspace(0, math.pi, 24)) ** 0.7
        _fill(
            image,
            np.concatenate([np.stack([xs, ys], 1), [[x + w, horizon + 1], [x, horizon + 1]]]),
            colours.far((70, 100, 80), 0.6),
        )
    if plan.ground != "water":
        shore = horizon + int(height * rng.uniform(0.14, 0.2))
        _water(background, horizon, shore)
        _ground(background, plan, rng, width, height, unit, shore)
        background.shore = shore
        background.ground_top = shore
    else:
        _water(background, horizon, height)
        background.ground_top = horizon


def _space(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image = background.image
    small_w, small_h = max(8, width // 12), max(8, height // 12)
    cloud = np.zeros((small_h, small_w), np.float32)
    ys, xs = np.mgrid[:small_h, :small_w].astype(np.float32)
    for _ in range(5):
        cx, cy, r = (
            rng.uniform(0, small_w),
            rng.uniform(0, small_h),
            rng.uniform(0.15, 0.4) * small_w,
        )
        cloud += np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r)).astype(np.float32)
    hue = plan.tint or [(120, 40, 160), (30, 120, 170), (170, 50, 90)][int(rng.integers(0, 3))]
    nebula = cv2.resize(np.clip(cloud * 0.45, 0, 1), (width, height), interpolation=cv2.INTER_CUBIC)
    image[:] = np.clip(
        image + nebula[..., None] * np.asarray(hue, np.float32) * 0.6, 0, 255
    ).astype(np.uint8)
    background.sky[:] = image
    if not any(s.kind == "planet" for s in plan.subjects):
        x, y = rng.uniform(0.15, 0.85) * width, rng.uniform(0.2, 0.8) * height
        planet(
            image,
            x,
            y,
            height * rng.uniform(0.08, 0.14),
            plan.colours.get("planet", (200, 150, 100)),
            rng,
        )
    background.ground_top = int(height * 0.55)


def planet(
    image: Frame, x: float, y: float, radius: float, colour: RGB, rng: np.random.Generator
) -> None:
    """A banded, lit planet with a ring: crisp edges, shading across the disc."""
    ring = shade(colour, 1.15)
    tilt = rng.uniform(-20, 20)
    centre = (int(x * 16), int(y * 16))
    axes = (int(radius * 1.8 * 16), int(radius * 0.45 * 16))
    cv2.ellipse(image, centre, axes, tilt, 180, 360, ring, max(2, int(radius * 0.12)), AA, 4)
    x0, x1 = int(max(0, x - radius - 2)), int(min(image.shape[1], x + radius + 2))
    y0, y1 = int(max(0, y - radius - 2)), int(min(image.shape[0], y + radius + 2))
    if x1 <= x0 or y1 <= y0:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = (xs + 0.5 - x) / radius, (ys + 0.5 - y) / radius
    inside = np.clip((1.0 - np.sqrt(dx * dx + dy * dy)) * radius + 0.5, 0, 1)[..., None]
    bands = 0.85 + 0.15 * np.sign(np.sin(dy * 9.0 + 1.3))
    light = np.clip(0.35 + 0.75 * (0.6 - 0.5 * dx - 0.4 * dy), 0.25, 1.1)
    surface = np.asarray(colour, np.float32) * (bands * light)[..., None]
    region = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = np.clip(region + inside * (surface - region), 0, 255).astype(np.uint8)
    cv2.ellipse(image, centre, axes, tilt, 0, 180, ring, max(2, int(radius * 0.12)), AA, 4)


def _room(
    background: Background,
    plan: ScenePlan,
    rng: np.random.Generator,
    width: int,
    height: int,
    unit: float,
) -> None:
    image, colours = background.image, background.palette
    floor_top = background.horizon
    wall = (
        plan.colours.get("ground")
        or [(222, 206, 180), (190, 210, 200), (214, 190, 200), (200, 205, 222)][
            int(rng.integers(0, 4))
        ]
    )
    if plan.tint is not None:
        wall = mix(wall, plan.tint, 0.5)
    warm = colours.night or plan.time in ("sunset", "dusk")
    wall_lit = shade(wall, 0.72) if warm else wall
    image[:floor_top] = np.clip(
        _gradient(floor_top, [(0.0, shade(wall_lit, 0.85)), (1.0, wall_lit)]) + 0.5, 0, 255
    ).astype(np.uint8)[:, None, :]
    # A window onto the time of day.
    wx0, wy0 = int(width * rng.uniform(0.1, 0.55)), int(height * 0.12)
    wx1, wy1 = wx0 + int(width * 0.3), int(height * 0.5)
    outside = _sky(wx1 - wx0, wy1 - wy0, wy1 - wy0, colours)
    image[wy0:wy1, wx0:wx1] = outside
    if colours.night:
        cv2.circle(
            image,
            (int(wx0 + (wx1 - wx0) * 0.7), int(wy0 + (wy1 - wy0) * 0.3)),
            int(10 * unit),
            colours.sun,
            -1,
            AA,
        )
    frame_colour = (245, 242, 235) if not warm else (200, 190, 180)
    thickness = max(2, int(5 * unit))
    cv2.rectangle(image, (wx0, wy0), (wx1, wy1), frame_colour, thickness)
    cv2.line(image, ((wx0 + wx1) // 2, wy0), ((wx0 + wx1) // 2, wy1), frame_colour, thickness)
    cv2.line(image, (wx0, (wy0 + wy1) // 2), (wx1, (wy0 + wy1) // 2), frame_colour, thickness)
    # Floor boards converging on the middle of the far wall.
    floor = colours.ground
    image[floor_top:] = np.clip(
        _gradient(height - floor_top, [(0.0, floor[0]), (1.0, floor[1])]) + 0.5, 0, 255
    ).astype(np.uint8)[:, None, :]
    seam = shade(floor[1], 0.75)
    for i in range(-8, 9):
        cv2.line(
            image,
            (int(width / 2 + i * width * 0.06), floor_top),
            (int(width / 2 + i * width * 0.25), height),
            seam,
            max(1, int(unit)),
            AA,
        )
    cv2.rectangle(
        image, (0, floor_top - int(6 * unit)), (width, floor_top), shade(wall_lit, 0.7), -1
    )
    # A lamp: at night it lights the room around it.
    lx = int(width * (0.85 if wx0 < width * 0.4 else 0.12))
    cv2.line(
        image,
        (lx, floor_top + int(30 * unit)),
        (lx, int(height * 0.4)),
        (60, 55, 50),
        max(2, int(3 * unit)),
        AA,
    )
    shade_pts = np.array(
        [
            [lx - 18 * unit, height * 0.4],
            [lx + 18 * unit, height * 0.4],
            [lx + 11 * unit, height * 0.3],
            [lx - 11 * unit, height * 0.3],
        ]
    )
    _fill(image, shade_pts, (250, 226, 170) if warm else (230, 215, 190))
    if warm:
        _glow(image, lx, height * 0.38, height * 0.18, (255, 220, 150), 0.5)
    background.ground_top = floor_top
    background.sky = image.copy()
