"""Subject silhouettes for the preview scene: animals, people, vehicles, buildings and plants.

Each figure is a list of flat-coloured polygons in figure units (x forward, y up, feet at y = 0,
about 1 tall), posed for a time `t` in seconds (legs swing, wings flap, wheels turn, flags wave),
then painted with anti-aliased, sub-pixel edges and a darker outline, so it reads at a glance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2

RGB = tuple[int, int, int]
Poly = NDArray[np.float64]
Part = tuple[RGB, Poly]
Frame = NDArray[np.uint8]
SUBPIXEL_BITS = 4  # fillPoly's fixed-point precision: positions move in 1/16 px steps


def shade(colour: RGB, factor: float) -> RGB:
    return (
        min(255, int(colour[0] * factor)),
        min(255, int(colour[1] * factor)),
        min(255, int(colour[2] * factor)),
    )


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def luma(colour: RGB) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


_ANGLES = {n: np.linspace(0.0, 2 * math.pi, n, endpoint=False) for n in (10, 16, 24, 36)}


def ellipse(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, n: int = 24) -> Poly:
    theta = _ANGLES[n]
    x, y = rx * np.cos(theta), ry * np.sin(theta)
    if angle:
        c, s = math.cos(angle), math.sin(angle)
        x, y = c * x - s * y, s * x + c * y
    return np.stack([x + cx, y + cy], axis=1)


def limb(x0: float, y0: float, x1: float, y1: float, w0: float, w1: float) -> Poly:
    """A tapered capsule from (x0, y0) (width w0) to (x1, y1) (width w1)."""
    heading = math.atan2(y1 - y0, x1 - x0)
    end = heading + np.linspace(-math.pi / 2, math.pi / 2, 7)
    start = heading + np.linspace(math.pi / 2, 3 * math.pi / 2, 7)
    xs = np.concatenate([x1 + w1 / 2 * np.cos(end), x0 + w0 / 2 * np.cos(start)])
    ys = np.concatenate([y1 + w1 / 2 * np.sin(end), y0 + w0 / 2 * np.sin(start)])
    return np.stack([xs, ys], axis=1)


def poly(*points: tuple[float, float]) -> Poly:
    return np.array(points, dtype=np.float64)


def rect(x0: float, y0: float, x1: float, y1: float) -> Poly:
    return poly((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def swing_end(x: float, y: float, length: float, angle: float) -> tuple[float, float]:
    """The end of a limb hanging from (x, y), turned forward by `angle` radians."""
    return x + length * math.sin(angle), y - length * math.cos(angle)


@dataclass(frozen=True, slots=True)
class Look:
    main: RGB
    second: RGB
    accent: RGB


Draw = Callable[[float, Look], list[Part]]


@dataclass(frozen=True, slots=True)
class Kind:
    """How a subject kind is drawn and where it belongs in the frame."""

    draw: Draw
    place: str  # ground, water, sky, space, structure (stands on the horizon line)
    height: float  # drawn height as a fraction of the frame height
    looks: tuple[Look, ...]  # the seed picks one unless the prompt names colours
    motion: str = "walk"  # walk, hop, fly, drive, sail, swim, rise, float, still
    static: bool = False  # nothing in it moves: drawn once into the background
    period_s: float = 1.0  # its pose repeats after this long (walk cycle, wing beat, flag)


# Four-legged animals share one rig; a Build gives the proportions (in body lengths).
@dataclass(frozen=True, slots=True)
class Build:
    length: float = 1.0
    depth: float = 0.36
    leg: float = 0.4
    leg_w: float = 0.1
    neck: tuple[float, float] = (0.12, 0.16)
    head: float = 0.24
    snout: float = 0.14
    ears: str = "pointy"  # pointy, floppy, round, long, none
    tail: str = "thin"  # bushy, thin, short, tuft, flow
    tail_len: float = 0.45
    extra: str = ""  # antlers, mane, stripes, trunk, horns, spots, wool, chest, bigears
    gait: float = 0.38  # leg swing, radians
    muzzle_drop: float = 0.0  # how far the snout points down (long-faced grazers)


def quadruped(build: Build) -> Draw:
    def draw(t: float, look: Look) -> list[Part]:
        b = build
        parts: list[Part] = []
        dark = shade(look.main, 0.7)
        hop = b.ears == "long"
        phase = 2 * math.pi * t * (1.6 if hop else 1.2)
        lift = abs(math.sin(phase)) * 0.18 if hop else 0.015 * math.sin(2 * phase)
        body_y = b.leg + b.depth * 0.42 + lift
        top = body_y + b.depth / 2
        half = b.length / 2
        hip_y = body_y - b.depth * 0.15
        legs = ((half * 0.62, 0.0), (-half * 0.62, math.pi))
        leg_len = hip_y - lift

        def leg(x: float, angle: float, colour: RGB) -> Part:
            fx, fy = swing_end(x, hip_y, leg_len, angle)
            return colour, limb(x, hip_y, fx, max(fy, lift * 0.2), b.leg_w * 1.15, b.leg_w * 0.75)

        swing = 0.0 if hop else b.gait
        for x, offset in legs:  # far legs, darker, behind the body
            parts.append(leg(x + 0.03, swing * math.sin(phase + offset + math.pi), dark))
        # Tail behind the body.
        tail_sway = 0.12 * math.sin(phase)
        tx, ty = -half * 0.92, body_y + b.depth * 0.2
        if b.tail == "bushy":
            angle = -0.35 + tail_sway
            cx = tx - b.tail_len * 0.45 * math.cos(angle)
            cy = ty + b.tail_len * 0.45 * math.sin(angle)
            parts.append((look.main, ellipse(cx, cy, b.tail_len * 0.52, b.depth * 0.28, -angle)))
            tip_x = tx - b.tail_len * 0.88 * math.cos(angle)
            tip_y = ty + b.tail_len * 0.88 * math.sin(angle)
            parts.append((look.second, ellipse(tip_x, tip_y, b.tail_len * 0.14, b.depth * 0.16)))
        elif b.tail in ("thin", "tuft"):
            x0, y0 = tx, ty
            heading = 2.3 + tail_sway
            seg = b.tail_len / 3
            for _ in range(3):
                heading -= 0.35
                x1, y1 = x0 + seg * math.cos(heading), y0 + seg * math.sin(heading)
                parts.append((look.main, limb(x0, y0, x1, y1, b.leg_w * 0.55, b.leg_w * 0.45)))
                x0, y0 = x1, y1
            if b.tail == "tuft":
                parts.append((look.accent, ellipse(x0, y0, b.leg_w * 0.6, b.leg_w * 0.9)))
        elif b.tail == "flow":
            parts.append(
                (
                    look.accent,
                    poly(
                        (tx + 0.04, ty + 0.06),
                        (tx - 0.22, ty - 0.1 + tail_sway * 0.3),
                        (tx - 0.2 + tail_sway * 0.2, ty - 0.55),
                        (tx - 0.05, ty - 0.25),
                    ),
                )
            )
        else:  # short
            parts.append(
                (look.second, ellipse(tx - 0.02, ty + 0.02, b.depth * 0.16, b.depth * 0.14))
            )
        # Body.
        parts.append((look.main, ellipse(0.0, body_y, half, b.depth / 2)))
        if b.extra == "stripes":
            for i in range(5):
                x = -half * 0.6 + i * half * 0.3
                parts.append(
                    (
                        look.accent,
                        ellipse(x, body_y + b.depth * 0.12, b.length * 0.025, b.depth * 0.33, 0.25),
                    )
                )
        elif b.extra == "spots":
            for x, y, r in ((-0.2, 0.1, 0.11), (0.15, -0.05, 0.09), (0.3, 0.12, 0.07)):
                parts.append((look.accent, ellipse(x * b.length, body_y + y * b.depth, r, r * 0.8)))
        elif b.extra == "wool":
            for i in range(7):
                angle = math.pi * i / 6
                parts.append(
                    (
                        look.second,
                        ellipse(
                            half * 0.75 * math.cos(angle),
                            body_y + b.depth * 0.32 * math.sin(angle),
                            b.depth * 0.3,
                            b.depth * 0.28,
                            n=16,
                        ),
                    )
                )
            parts.append((look.second, ellipse(0.0, body_y, half * 0.95, b.depth * 0.5)))
        # Neck and head.
        nx, ny = half * 0.72, body_y + b.depth * 0.18
        bob = 0.02 * math.sin(phase * 2)
        hx, hy = half + b.neck[0], top + b.neck[1] + bob
        if b.extra == "mane":
            parts.append(
                (
                    look.accent,
                    ellipse(
                        hx - b.head * 0.2, hy - b.head * 0.05, b.head * 0.85, b.head * 0.8, n=16
                    ),
                )
            )
        parts.append((look.main, limb(nx, ny, hx, hy, b.depth * 0.55, b.head * 0.6)))
        if b.extra == "horsemane":
            parts.append(
                (
                    look.accent,
                    limb(
                        nx - 0.04,
                        ny + b.depth * 0.25,
                        hx - b.head * 0.25,
                        hy + b.head * 0.3,
                        b.depth * 0.22,
                        b.head * 0.2,
                    ),
                )
            )
        if b.extra == "chest":
            parts.append(
                (
                    look.second,
                    ellipse(
                        half * 0.82, body_y - b.depth * 0.05, b.depth * 0.22, b.depth * 0.3, 0.4
                    ),
                )
            )
        if b.ears in ("pointy", "long"):
            height = b.head * (1.35 if b.ears == "long" else 0.62)
            width = b.head * (0.26 if b.ears == "long" else 0.3)
            for dx, colour in ((-0.1, dark), (0.06, look.main)):
                ex = hx + dx * b.head * 2
                parts.append(
                    (
                        colour,
                        poly(
                            (ex - width, hy + b.head * 0.22),
                            (ex + width * 0.5, hy + b.head * 0.25),
                            (ex - width * 0.35, hy + b.head * 0.22 + height),
                        ),
                    )
                )
        elif b.ears == "round":
            parts.append(
                (
                    dark,
                    ellipse(
                        hx - b.head * 0.25, hy + b.head * 0.42, b.head * 0.2, b.head * 0.2, n=16
                    ),
                )
            )
        if b.extra == "bigears":
            parts.append(
                (
                    dark,
                    ellipse(
                        hx - b.head * 0.35, hy - b.head * 0.1, b.head * 0.5, b.head * 0.7, n=24
                    ),
                )
            )
        parts.append((look.main, ellipse(hx, hy, b.head * 0.55, b.head * 0.45)))
        if b.extra == "trunk":
            parts.append(
                (
                    look.main,
                    limb(
                        hx + b.head * 0.4,
                        hy - b.head * 0.1,
                        hx + b.head * 0.75,
                        hy - b.head * 1.6 + 0.05 * math.sin(phase),
                        b.head * 0.35,
                        b.head * 0.18,
                    ),
                )
            )
        elif b.snout > 0:
            sx = hx + b.head * 0.35
            drop = b.muzzle_drop
            parts.append(
                (
                    look.main,
                    poly(
                        (sx - 0.02, hy + b.head * 0.2),
                        (sx + b.snout, hy - b.head * (0.12 + drop)),
                        (sx + b.snout * 0.85, hy - b.head * (0.3 + drop)),
                        (sx - 0.02, hy - b.head * 0.35),
                    ),
                )
            )
            if b.extra == "chest":
                parts.append(
                    (
                        look.second,
                        poly(
                            (sx - 0.01, hy - b.head * 0.1),
                            (sx + b.snout * 0.9, hy - b.head * 0.2),
                            (sx - 0.01, hy - b.head * 0.34),
                        ),
                    )
                )
            parts.append(
                (
                    (25, 20, 22),
                    ellipse(
                        sx + b.snout * 0.95,
                        hy - b.head * (0.16 + b.muzzle_drop),
                        b.head * 0.08,
                        b.head * 0.07,
                        n=10,
                    ),
                )
            )
        if b.ears == "floppy":
            parts.append(
                (
                    dark,
                    ellipse(
                        hx - b.head * 0.3,
                        hy - b.head * 0.05,
                        b.head * 0.16,
                        b.head * 0.36,
                        -0.3,
                        n=16,
                    ),
                )
            )
        if b.extra == "horns":
            parts.append(
                (
                    look.second,
                    limb(
                        hx - b.head * 0.1,
                        hy + b.head * 0.35,
                        hx + b.head * 0.1,
                        hy + b.head * 0.75,
                        b.head * 0.14,
                        b.head * 0.06,
                    ),
                )
            )
        if b.extra == "antlers":
            base_x, base_y = hx - b.head * 0.1, hy + b.head * 0.35
            antler = shade(look.second, 0.8)
            for tip_dx, tip_dy in ((-0.18, 0.42), (0.02, 0.5)):
                tx2, ty2 = base_x + tip_dx, base_y + tip_dy
                parts.append((antler, limb(base_x, base_y, tx2, ty2, 0.03, 0.02)))
                parts.append(
                    (
                        antler,
                        limb(
                            base_x + tip_dx * 0.5,
                            base_y + tip_dy * 0.5,
                            base_x + tip_dx * 0.5 + 0.1,
                            base_y + tip_dy * 0.5 + 0.12,
                            0.025,
                            0.015,
                        ),
                    )
                )
        parts.append(
            (
                (20, 18, 20),
                ellipse(hx + b.head * 0.12, hy + b.head * 0.1, b.head * 0.08, b.head * 0.09, n=10),
            )
        )
        for x, offset in legs:  # near legs in front of the body
            parts.append(leg(x, swing * math.sin(phase + offset), look.main))
        if b.extra == "chest" or b.extra == "wool":
            for x, offset in legs:
                angle = swing * math.sin(phase + offset)
                fx, fy = swing_end(x, hip_y, leg_len, angle)
                parts.append(
                    (
                        look.accent,
                        ellipse(
                            fx, max(fy, 0.0) + b.leg_w * 0.3, b.leg_w * 0.55, b.leg_w * 0.45, n=10
                        ),
                    )
                )
        return _normalised(parts, b.leg + b.depth + b.neck[1] + b.head * 0.9)

    return draw


def _normalised(parts: list[Part], height: float) -> list[Part]:
    """Scale figure units so the figure is about 1 tall."""
    return [(colour, points / height) for colour, points in parts]


def person(kind: str) -> Draw:
    """A walking person (side view); astronauts float in a suit, robots are boxy."""

    def draw(t: float, look: Look) -> list[Part]:
        parts: list[Part] = []
        floating = kind == "astronaut"
        phase = 2 * math.pi * t * (0.3 if floating else 1.1)
        swing = 0.12 if floating else 0.42
        skin = look.accent
        shirt, trousers = look.main, look.second
        if kind == "astronaut":
            skin, shirt, trousers = (235, 235, 240), (235, 235, 240), (210, 212, 220)
        hip = (0.0, 0.47)
        shoulder = (0.02, 0.8)
        bob = 0.012 * abs(math.sin(phase))
        hip = (hip[0], hip[1] + bob)
        shoulder = (shoulder[0], shoulder[1] + bob)
        boxy = kind == "robot"

        def leg(angle: float, colour: RGB) -> Part:
            knee = swing_end(hip[0], hip[1], 0.24, angle)
            foot = swing_end(knee[0], knee[1], 0.23, angle * 0.4 - 0.05)
            return colour, np.concatenate(
                [
                    limb(hip[0], hip[1], knee[0], knee[1], 0.11, 0.09),
                    limb(knee[0], knee[1], foot[0], foot[1], 0.09, 0.08),
                ]
            )

        def arm(angle: float, colour: RGB) -> Part:
            elbow = swing_end(shoulder[0], shoulder[1] - 0.02, 0.17, angle)
            hand = swing_end(elbow[0], elbow[1], 0.16, angle + 0.35)
            return colour, np.concatenate(
                [
                    limb(shoulder[0], shoulder[1] - 0.02, elbow[0], elbow[1], 0.08, 0.07),
                    limb(elbow[0], elbow[1], hand[0], hand[1], 0.07, 0.065),
                ]
            )

        far_shade = 0.72
        leg_far = leg(swing * math.sin(phase + math.pi), shade(trousers, far_shade))
        parts.append((leg_far[0], _hull(leg_far[1])))
        arm_far = arm(-swing * 0.8 * math.sin(phase + math.pi), shade(shirt, far_shade))
        parts.append((arm_far[0], _hull(arm_far[1])))
        if kind == "astronaut":
            parts.append(((200, 200, 210), rect(-0.16, 0.5, -0.05, 0.82)))
        if boxy:
            parts.append((shirt, rect(-0.1, 0.45, 0.12, 0.82)))
            parts.append((look.accent, rect(-0.03, 0.6, 0.06, 0.7)))
        else:
            parts.append((shirt, limb(hip[0], hip[1] + 0.02, shoulder[0], shoulder[1], 0.2, 0.2)))
        leg_near = leg(swing * math.sin(phase), trousers)
        parts.append((leg_near[0], _hull(leg_near[1])))
        head_x, head_y = shoulder[0] + 0.03, shoulder[1] + 0.13
        if kind == "astronaut":
            parts.append(((240, 240, 245), ellipse(head_x, head_y, 0.12, 0.12)))
            parts.append(((40, 60, 110), ellipse(head_x + 0.04, head_y, 0.075, 0.07)))
            parts.append(
                ((150, 180, 230), ellipse(head_x + 0.06, head_y + 0.03, 0.02, 0.015, n=10))
            )
        elif boxy:
            parts.append(
                ((170, 175, 185), rect(head_x - 0.09, head_y - 0.08, head_x + 0.09, head_y + 0.08))
            )
            parts.append(
                (look.accent, rect(head_x + 0.02, head_y - 0.01, head_x + 0.08, head_y + 0.03))
            )
            parts.append(
                ((120, 125, 135), rect(head_x - 0.01, head_y + 0.08, head_x + 0.01, head_y + 0.15))
            )
            parts.append(((240, 60, 60), ellipse(head_x, head_y + 0.16, 0.02, 0.02, n=10)))
        else:
            parts.append((skin, limb(shoulder[0], shoulder[1], head_x, head_y - 0.06, 0.06, 0.06)))
            parts.append((skin, ellipse(head_x, head_y, 0.085, 0.095)))
            hair = shade(look.second, 0.6) if luma(look.second) > 60 else (40, 30, 25)
            parts.append((hair, ellipse(head_x - 0.02, head_y + 0.04, 0.085, 0.06, -0.3)))
            parts.append(((25, 20, 20), ellipse(head_x + 0.045, head_y + 0.01, 0.012, 0.014, n=10)))
        arm_near = arm(-swing * 0.8 * math.sin(phase), shirt if not boxy else shade(shirt, 0.9))
        parts.append((arm_near[0], _hull(arm_near[1])))
        parts.append((skin, ellipse(*_hand(arm_near[1]), 0.035, 0.035, n=10)))
        return parts

    return draw


def _hull(points: Poly) -> Poly:
    """Convex hull of two joined capsules: one fillable outline for a bent limb."""
    hull = cv2.convexHull(points.astype(np.float32))
    return np.asarray(hull, np.float64).reshape(-1, 2)


def _hand(arm_points: Poly) -> tuple[float, float]:
    # The far end of the forearm capsule is the middle of its first half-circle (index 7 + 3).
    x, y = arm_points[14 + 3]
    return float(x), float(y)


def bird(t: float, look: Look) -> list[Part]:
    flap = math.sin(2 * math.pi * t * 2.2)
    parts: list[Part] = [
        (
            shade(look.main, 0.75),
            poly((-0.05, 0.5), (0.12, 0.52), (-0.05 - 0.1 * flap, 0.5 - 0.45 * flap)),
        ),
        (look.main, poly((-0.42, 0.52), (-0.26, 0.56), (-0.26, 0.44))),
        (look.main, ellipse(0.0, 0.5, 0.3, 0.11)),
        (look.main, ellipse(0.28, 0.56, 0.1, 0.09)),
        (look.accent, poly((0.36, 0.59), (0.48, 0.55), (0.36, 0.53))),
        ((20, 20, 20), ellipse(0.31, 0.58, 0.018, 0.018, n=10)),
        (look.second, poly((-0.08, 0.52), (0.14, 0.54), (-0.02 - 0.15 * flap, 0.52 + 0.45 * flap))),
    ]
    return parts


def fish(t: float, look: Look) -> list[Part]:
    wag = 0.1 * math.sin(2 * math.pi * t * 1.8)
    return [
        (shade(look.main, 0.8), poly((-0.35, 0.5), (-0.62, 0.7 + wag), (-0.62, 0.3 + wag))),
        (look.main, ellipse(0.0, 0.5, 0.4, 0.2)),
        (look.second, poly((-0.05, 0.66), (0.15, 0.68), (-0.18, 0.84))),
        ((250, 250, 250), ellipse(0.24, 0.55, 0.06, 0.06, n=10)),
        ((20, 20, 20), ellipse(0.26, 0.55, 0.03, 0.03, n=10)),
    ]


def whale(t: float, look: Look) -> list[Part]:
    """A whale surfacing: its back above the waterline (y = 0), the tail flukes, a spout."""
    rise = 0.06 * math.sin(2 * math.pi * t / 4.0)
    spout = max(0.0, math.sin(2 * math.pi * t / 2.0)) * 0.3
    arc = np.linspace(0.0, math.pi, 19)
    back = np.stack([0.9 * np.cos(arc), (0.22 + rise) * np.sin(arc)], axis=1)
    parts: list[Part] = [
        (
            look.main,
            poly(
                (-1.0, 0.0), (-1.12, 0.22 - rise), (-1.32, 0.34 - rise), (-1.18, 0.18), (-1.05, 0.0)
            ),
        ),
        (look.main, poly((-1.06, 0.08), (-1.0, 0.3 - rise), (-0.9, 0.38 - rise), (-0.98, 0.1))),
        (look.main, back),
        (
            look.second,
            np.stack([0.62 * np.cos(arc[4:15]) + 0.1, 0.05 * np.sin(arc[4:15]) + 0.02], axis=1),
        ),
        ((20, 20, 25), ellipse(0.62, 0.07 + rise * 0.5, 0.03, 0.03, n=10)),
        ((235, 245, 255), ellipse(0.0, 0.0, 1.0, 0.035)),
    ]
    if spout > 0.03:
        for dx, size in ((0.0, 0.05), (-0.07, 0.04), (0.07, 0.04)):
            parts.append(
                (
                    (235, 245, 255),
                    ellipse(0.4 + dx, 0.25 + rise + spout + size * 2, size, size * 1.4, n=10),
                )
            )
    return _normalised(parts, 0.7)


def dolphin(t: float, look: Look) -> list[Part]:
    arc = (t * 0.4) % 1.0
    jump = math.sin(math.pi * arc)
    tilt = (0.5 - arc) * 1.6
    cx, cy = (arc - 0.5) * 0.8, 0.6 * jump - 0.1
    body = ellipse(0.0, 0.0, 0.4, 0.1)
    fin = poly((-0.05, 0.08), (0.08, 0.08), (-0.1, 0.22))
    tail = poly((-0.35, 0.0), (-0.52, 0.12), (-0.48, 0.0), (-0.52, -0.12))
    snout = poly((0.34, 0.03), (0.5, -0.01), (0.34, -0.04))
    belly = ellipse(0.05, -0.04, 0.28, 0.04)
    c, s = math.cos(tilt), math.sin(tilt)
    turn = np.array([[c, s], [-s, c]])
    out = [(look.main, p @ turn + (cx, cy)) for p in (tail, fin, body, snout)]
    out.append((look.second, belly @ turn + (cx, cy)))
    return out


def car(variant: str) -> Draw:
    def draw(t: float, look: Look) -> list[Part]:
        turn = -2 * math.pi * t * 1.5
        long = {"bus": 1.55, "truck": 1.35}.get(variant, 1.0)
        tall = {"bus": 0.55, "truck": 0.5}.get(variant, 0.32)
        half = 0.55 * long
        parts: list[Part] = []
        glass = (150, 200, 230)
        if variant == "bus":
            parts.append(
                (
                    look.main,
                    poly(
                        (-half, 0.12),
                        (half, 0.12),
                        (half, tall + 0.12),
                        (-half + 0.05, tall + 0.12),
                        (-half, tall + 0.05),
                    ),
                )
            )
            for i in range(6):
                x = -half + 0.12 + i * 0.27
                parts.append((glass, rect(x, 0.38, x + 0.2, 0.58)))
        elif variant == "truck":
            parts.append((look.second, rect(-half, 0.12, half * 0.35, tall + 0.2)))
            parts.append(
                (
                    look.main,
                    poly(
                        (half * 0.38, 0.12),
                        (half, 0.12),
                        (half, 0.38),
                        (half * 0.8, 0.52),
                        (half * 0.38, 0.52),
                    ),
                )
            )
            parts.append(
                (
                    glass,
                    poly(
                        (half * 0.55, 0.38),
                        (half * 0.92, 0.38),
                        (half * 0.78, 0.48),
                        (half * 0.55, 0.48),
                    ),
                )
            )
        else:
            parts.append(
                (
                    look.main,
                    poly(
                        (-half, 0.12),
                        (half, 0.12),
                        (half + 0.02, 0.26),
                        (half * 0.55, 0.3),
                        (half * 0.3, 0.46),
                        (-half * 0.45, 0.46),
                        (-half * 0.75, 0.3),
                        (-half, 0.28),
                    ),
                )
            )
            parts.append(
                (
                    glass,
                    poly(
                        (half * 0.22, 0.31),
                        (half * 0.44, 0.3),
                        (half * 0.27, 0.43),
                        (half * 0.05, 0.43),
                    ),
                )
            )
            parts.append(
                (
                    glass,
                    poly(
                        (-half * 0.02, 0.31),
                        (-half * 0.02, 0.43),
                        (-half * 0.4, 0.43),
                        (-half * 0.6, 0.31),
                    ),
                )
            )
            if variant == "taxi":
                parts.append(((250, 250, 240), rect(-half * 0.15, 0.46, half * 0.1, 0.52)))
        parts.append(((250, 230, 140), rect(half - 0.04, 0.2, half + 0.01, 0.25)))
        parts.append(((200, 30, 30), rect(-half - 0.01, 0.2, -half + 0.04, 0.25)))
        for x in (-half * 0.62, half * 0.62):
            parts.append(((25, 25, 28), ellipse(x, 0.12, 0.12, 0.12)))
            parts.append(((180, 180, 190), ellipse(x, 0.12, 0.06, 0.06, n=16)))
            for k in range(2):
                angle = turn + k * math.pi / 2
                dx, dy = 0.055 * math.cos(angle), 0.055 * math.sin(angle)
                parts.append(
                    ((90, 90, 100), limb(x - dx, 0.12 - dy, x + dx, 0.12 + dy, 0.015, 0.015))
                )
        return _normalised(parts, 0.6 if variant in ("bus", "truck") else 0.48)

    return draw


def boat(variant: str) -> Draw:
    def draw(t: float, look: Look) -> list[Part]:
        parts: list[Part] = []
        flutter = 0.04 * math.sin(2 * math.pi * t * 2.0)
        if variant == "ship":
            parts.append(
                (look.second, poly((-0.7, 0.05), (0.7, 0.05), (0.85, 0.28), (-0.75, 0.28)))
            )
            parts.append(
                (look.main, poly((-0.75, 0.28), (0.85, 0.28), (0.88, 0.34), (-0.76, 0.34)))
            )
            parts.append(((240, 240, 240), rect(-0.45, 0.34, 0.3, 0.52)))
            parts.append(((240, 240, 240), rect(-0.3, 0.52, 0.15, 0.64)))
            for i in range(6):
                parts.append(((60, 80, 110), ellipse(-0.38 + i * 0.12, 0.43, 0.025, 0.025, n=10)))
            parts.append((look.accent, rect(-0.1, 0.64, 0.04, 0.82)))
            parts.append(((30, 30, 30), rect(-0.1, 0.78, 0.04, 0.82)))
            return _normalised(parts, 0.85)
        parts.append((look.main, poly((-0.55, 0.1), (0.45, 0.1), (0.65, 0.3), (-0.6, 0.3))))
        parts.append((look.accent, poly((-0.6, 0.24), (0.6, 0.24), (0.62, 0.27), (-0.6, 0.27))))
        if variant == "sailboat":
            parts.append(((110, 80, 50), rect(-0.02, 0.3, 0.02, 1.25)))
            parts.append((look.second, poly((-0.04, 0.38), (-0.04, 1.2), (-0.5 + flutter, 0.38))))
            parts.append(
                (shade(look.second, 0.9), poly((0.04, 0.38), (0.04, 1.12), (0.5 + flutter, 0.38)))
            )
            parts.append((look.accent, poly((0.02, 1.25), (0.02, 1.17), (0.16 + flutter, 1.21))))
            return _normalised(parts, 1.25)
        parts.append(((240, 240, 235), rect(-0.2, 0.3, 0.15, 0.46)))
        parts.append(((90, 130, 170), rect(-0.12, 0.36, 0.0, 0.42)))
        return _normalised(parts, 0.5)

    return draw


def house(t: float, look: Look) -> list[Part]:
    window = look.accent
    return [
        ((120, 70, 50), rect(0.2, 0.55, 0.3, 0.95)),
        (look.main, rect(-0.5, 0.0, 0.5, 0.55)),
        (look.second, poly((-0.62, 0.52), (0.62, 0.52), (0.0, 0.95))),
        ((90, 55, 35), rect(-0.1, 0.0, 0.1, 0.3)),
        (window, rect(-0.4, 0.22, -0.2, 0.42)),
        (window, rect(0.2, 0.22, 0.4, 0.42)),
        (shade(look.main, 0.6), rect(-0.31, 0.22, -0.29, 0.42)),
        (shade(look.main, 0.6), rect(0.29, 0.22, 0.31, 0.42)),
    ]


def castle(t: float, look: Look) -> list[Part]:
    parts: list[Part] = []
    wall = look.main
    wave = 0.03 * math.sin(2 * math.pi * t * 1.5)
    top = 0.45
    points: list[tuple[float, float]] = [(-0.5, 0.0), (0.5, 0.0), (0.5, top)]
    for i in range(6, -1, -1):
        x = -0.5 + i * (1.0 / 7)
        points += [
            (x + 1.0 / 7, top + 0.06),
            (x + 0.5 / 7, top + 0.06),
            (x + 0.5 / 7, top),
            (x, top),
        ]
    parts.append((wall, np.array(points, dtype=np.float64)))
    for x, height in ((-0.5, 0.78), (0.5, 0.78), (0.0, 0.95)):
        parts.append((shade(wall, 0.92), rect(x - 0.1, 0.0, x + 0.1, height)))
        parts.append(
            (look.second, poly((x - 0.13, height), (x + 0.13, height), (x, height + 0.25)))
        )
        parts.append(((110, 80, 60), rect(x - 0.005, height + 0.25, x + 0.005, height + 0.36)))
        parts.append(
            (
                look.accent,
                poly(
                    (x + 0.005, height + 0.36),
                    (x + 0.005, height + 0.3),
                    (x + 0.1, height + 0.33 + wave),
                ),
            )
        )
        parts.append(((40, 35, 45), rect(x - 0.025, height - 0.2, x + 0.025, height - 0.1)))
    parts.append(
        ((45, 35, 40), poly((-0.1, 0.0), (0.1, 0.0), (0.1, 0.18), (0.0, 0.26), (-0.1, 0.18)))
    )
    return _normalised(parts, 1.2)


def lighthouse(t: float, look: Look) -> list[Part]:
    parts: list[Part] = [
        ((235, 235, 230), poly((-0.16, 0.0), (0.16, 0.0), (0.1, 0.75), (-0.1, 0.75)))
    ]
    for y0 in (0.12, 0.42):
        w0, w1 = 0.16 - y0 * 0.08, 0.16 - (y0 + 0.15) * 0.08
        parts.append((look.main, poly((-w0, y0), (w0, y0), (w1, y0 + 0.15), (-w1, y0 + 0.15))))
    parts += [
        ((50, 50, 55), rect(-0.14, 0.75, 0.14, 0.78)),
        (look.accent, rect(-0.08, 0.78, 0.08, 0.88)),
        ((50, 50, 55), poly((-0.1, 0.88), (0.1, 0.88), (0.0, 0.98))),
    ]
    return parts


def tower(t: float, look: Look) -> list[Part]:
    parts: list[Part] = [
        (look.main, rect(-0.16, 0.0, 0.16, 1.0)),
        (shade(look.main, 0.8), rect(0.08, 0.0, 0.16, 1.0)),
    ]
    for row in range(12):
        y = 0.06 + row * 0.075
        for col in range(3):
            x = -0.12 + col * 0.075
            parts.append((look.accent, rect(x, y, x + 0.045, y + 0.045)))
    parts.append(((120, 120, 130), rect(-0.01, 1.0, 0.01, 1.12)))
    return _normalised(parts, 1.12)


def windmill(t: float, look: Look) -> list[Part]:
    parts: list[Part] = [
        (look.main, poly((-0.17, 0.0), (0.17, 0.0), (0.1, 0.62), (-0.1, 0.62))),
        (look.second, poly((-0.13, 0.62), (0.13, 0.62), (0.0, 0.74))),
        ((80, 55, 40), rect(-0.05, 0.0, 0.05, 0.15)),
    ]
    hub_x, hub_y = 0.0, 0.62
    turn = 2 * math.pi * t * 0.25
    for k in range(4):
        angle = turn + k * math.pi / 2
        c, s = math.cos(angle), math.sin(angle)
        blade = np.array([[0.03, -0.02], [0.45, -0.06], [0.45, 0.06], [0.03, 0.02]])
        points = blade @ np.array([[c, s], [-s, c]]) + (hub_x, hub_y)
        parts.append(((235, 230, 215), points))
    parts.append(((60, 50, 45), ellipse(hub_x, hub_y, 0.03, 0.03, n=10)))
    return _normalised(parts, 1.08)


def pyramid(t: float, look: Look) -> list[Part]:
    return [
        (look.main, poly((-0.8, 0.0), (0.8, 0.0), (0.0, 0.9))),
        (shade(look.main, 0.72), poly((0.15, 0.0), (0.8, 0.0), (0.0, 0.9))),
    ]


def tree(t: float, look: Look) -> list[Part]:
    sway = 0.015 * math.sin(2 * math.pi * t * 0.3)
    leaves, dark = look.main, shade(look.main, 0.75)
    return [
        (look.second, poly((-0.06, 0.0), (0.06, 0.0), (0.04, 0.5), (-0.04, 0.5))),
        (dark, ellipse(-0.18 + sway, 0.58, 0.22, 0.2)),
        (dark, ellipse(0.2 + sway, 0.6, 0.22, 0.2)),
        (leaves, ellipse(sway, 0.78, 0.3, 0.24)),
        (leaves, ellipse(-0.12 + sway, 0.62, 0.2, 0.16)),
        (shade(leaves, 1.15), ellipse(0.08 + sway, 0.85, 0.13, 0.1)),
    ]


def pine(t: float, look: Look) -> list[Part]:
    parts: list[Part] = [(look.second, rect(-0.05, 0.0, 0.05, 0.2))]
    for i, (y, w) in enumerate(((0.12, 0.36), (0.38, 0.29), (0.6, 0.21))):
        colour = look.main if i % 2 else shade(look.main, 0.88)
        parts.append((colour, poly((-w, y), (w, y), (0.0, y + 0.4))))
    return parts


def palm(t: float, look: Look) -> list[Part]:
    sway = 0.05 * math.sin(2 * math.pi * t * 0.35)
    parts: list[Part] = []
    trunk = [(0.0, 0.0)]
    for i in range(1, 6):
        trunk.append((0.06 * i * i / 5 + sway * i / 5, i * 0.17))
    for (x0, y0), (x1, y1) in itertools.pairwise(trunk):
        parts.append((look.second, limb(x0, y0, x1, y1, 0.07, 0.06)))
    tx, ty = trunk[-1]
    for k in range(6):
        angle = math.pi * (0.05 + k * 0.18) + sway
        ex, ey = (
            tx + 0.42 * math.cos(angle),
            ty + 0.18 * math.sin(angle) - 0.12 * abs(math.cos(angle)),
        )
        mx, my = tx + 0.22 * math.cos(angle), ty + 0.16
        parts.append(
            (
                look.main if k % 2 else shade(look.main, 0.8),
                poly((tx, ty), (mx, my), (ex, ey), (mx, my - 0.06)),
            )
        )
    return _normalised(parts, 1.05)


def flowers(t: float, look: Look) -> list[Part]:
    parts: list[Part] = []
    for i, (x, height) in enumerate(((-0.6, 0.55), (-0.2, 0.75), (0.2, 0.6), (0.6, 0.8))):
        sway = 0.03 * math.sin(2 * math.pi * t * 0.5 + i)
        top_x = x + sway
        parts.append(((60, 130, 50), limb(x, 0.0, top_x, height, 0.04, 0.03)))
        parts.append(((70, 150, 60), ellipse(x + 0.08, height * 0.4, 0.09, 0.035, 0.5, n=10)))
        colour = look.main if i % 2 == 0 else look.second
        for k in range(6):
            angle = k * math.pi / 3
            parts.append(
                (
                    colour,
                    ellipse(
                        top_x + 0.09 * math.cos(angle),
                        height + 0.09 * math.sin(angle),
                        0.07,
                        0.07,
                        n=10,
                    ),
                )
            )
        parts.append((look.accent, ellipse(top_x, height, 0.06, 0.06, n=10)))
    return _normalised(parts, 0.95)


def cactus(t: float, look: Look) -> list[Part]:
    return [
        (look.main, limb(0.0, 0.0, 0.0, 0.85, 0.22, 0.2)),
        (look.main, limb(0.0, 0.35, 0.25, 0.4, 0.1, 0.1)),
        (look.main, limb(0.25, 0.4, 0.25, 0.65, 0.1, 0.09)),
        (look.main, limb(0.0, 0.5, -0.22, 0.52, 0.1, 0.1)),
        (look.main, limb(-0.22, 0.52, -0.22, 0.72, 0.1, 0.09)),
        (shade(look.main, 1.2), limb(0.03, 0.1, 0.03, 0.8, 0.03, 0.03)),
    ]


def balloon(t: float, look: Look) -> list[Part]:
    sway = 0.02 * math.sin(2 * math.pi * t * 0.3)
    envelope = np.concatenate(
        [
            ellipse(sway, 0.68, 0.3, 0.3, n=36)[:19],
            poly((-0.3 + sway, 0.66), (-0.1 + sway, 0.3), (0.1 + sway, 0.3), (0.3 + sway, 0.66)),
        ]
    )
    stripe = np.concatenate(
        [
            ellipse(sway, 0.68, 0.1, 0.3, n=36)[:19],
            poly(
                (-0.1 + sway, 0.66), (-0.035 + sway, 0.3), (0.035 + sway, 0.3), (0.1 + sway, 0.66)
            ),
        ]
    )
    return [
        (look.main, envelope),
        (look.second, stripe),
        ((90, 70, 50), limb(-0.08 + sway, 0.3, -0.05, 0.12, 0.01, 0.01)),
        ((90, 70, 50), limb(0.08 + sway, 0.3, 0.05, 0.12, 0.01, 0.01)),
        ((140, 95, 55), rect(-0.07, 0.02, 0.07, 0.12)),
    ]


def plane(t: float, look: Look) -> list[Part]:
    return [
        (shade(look.main, 0.8), poly((0.05, 0.5), (-0.15, 0.5), (-0.3, 0.3), (-0.2, 0.3))),
        (look.main, poly((-0.6, 0.5), (-0.7, 0.75), (-0.6, 0.75), (-0.45, 0.55))),
        (look.main, limb(-0.65, 0.52, 0.55, 0.52, 0.16, 0.14)),
        (look.second, poly((0.05, 0.52), (-0.12, 0.52), (-0.35, 0.78), (-0.25, 0.78))),
        ((60, 80, 110), poly((0.5, 0.56), (0.6, 0.53), (0.5, 0.53))),
        *[((60, 80, 110), ellipse(-0.4 + i * 0.12, 0.55, 0.02, 0.02, n=10)) for i in range(7)],
    ]


def rocket(t: float, look: Look) -> list[Part]:
    flicker = 0.5 + 0.5 * math.sin(2 * math.pi * t * 6.0)
    return [
        ((255, 150, 40), poly((-0.07, 0.18), (0.07, 0.18), (0.0, -0.12 - 0.1 * flicker))),
        ((255, 230, 120), poly((-0.04, 0.18), (0.04, 0.18), (0.0, 0.0 - 0.05 * flicker))),
        (look.second, poly((-0.12, 0.2), (-0.24, 0.08), (-0.24, 0.28), (-0.12, 0.42))),
        (look.second, poly((0.12, 0.2), (0.24, 0.08), (0.24, 0.28), (0.12, 0.42))),
        (look.main, poly((-0.12, 0.2), (0.12, 0.2), (0.13, 0.75), (-0.13, 0.75))),
        (look.second, poly((-0.13, 0.75), (0.13, 0.75), (0.0, 1.05))),
        ((70, 110, 160), ellipse(0.0, 0.58, 0.06, 0.06, n=16)),
        ((200, 225, 245), ellipse(-0.015, 0.595, 0.02, 0.02, n=10)),
    ]


def ufo(t: float, look: Look) -> list[Part]:
    blink = int(t * 4) % 3
    parts: list[Part] = [
        ((170, 220, 230), ellipse(0.0, 0.62, 0.22, 0.2)),
        (look.main, ellipse(0.0, 0.5, 0.6, 0.13, n=36)),
        (shade(look.main, 0.7), ellipse(0.0, 0.45, 0.35, 0.06)),
    ]
    for i in range(5):
        colour = look.accent if i % 3 == blink else shade(look.accent, 0.4)
        parts.append((colour, ellipse(-0.4 + i * 0.2, 0.5, 0.04, 0.03, n=10)))
    return parts


def shapes(t: float, look: Look) -> list[Part]:
    """The fallback for prompts nothing was recognised in: a crisp still life of solids."""
    bob = 0.04 * math.sin(2 * math.pi * t * 0.4)
    return [
        (look.second, poly((-0.85, 0.0), (-0.35, 0.0), (-0.6, 0.7 + bob))),
        (shade(look.second, 0.7), poly((-0.6, 0.0), (-0.35, 0.0), (-0.6, 0.7 + bob))),
        (look.main, ellipse(0.1, 0.42 - bob, 0.36, 0.36, n=36)),
        (shade(look.main, 1.25), ellipse(0.0, 0.55 - bob, 0.1, 0.08)),
        (look.accent, poly((0.5, 0.0), (0.85, 0.0), (0.85, 0.35), (0.5, 0.35))),
        (shade(look.accent, 0.75), poly((0.85, 0.0), (0.95, 0.08), (0.95, 0.43), (0.85, 0.35))),
        (shade(look.accent, 1.2), poly((0.5, 0.35), (0.85, 0.35), (0.95, 0.43), (0.6, 0.43))),
    ]


def _looks(*triples: tuple[RGB, RGB, RGB]) -> tuple[Look, ...]:
    return tuple(Look(*triple) for triple in triples)


WHITE: RGB = (245, 242, 235)
SKIN = ((230, 185, 150), (190, 130, 90), (120, 80, 55))
KINDS: dict[str, Kind] = {
    "fox": Kind(
        quadruped(
            Build(
                depth=0.32,
                leg=0.34,
                head=0.26,
                snout=0.2,
                tail="bushy",
                tail_len=0.75,
                extra="chest",
                leg_w=0.09,
            )
        ),
        "ground",
        0.3,
        _looks(((215, 95, 35), WHITE, (50, 35, 30))),
    ),
    "wolf": Kind(
        quadruped(
            Build(
                length=1.1,
                depth=0.36,
                leg=0.46,
                head=0.26,
                snout=0.2,
                tail="bushy",
                tail_len=0.55,
                extra="chest",
            )
        ),
        "ground",
        0.34,
        _looks(
            ((125, 128, 138), (215, 215, 220), (60, 60, 66)),
            ((90, 85, 85), (190, 185, 180), (40, 38, 40)),
        ),
    ),
    "dog": Kind(
        quadruped(
            Build(
                depth=0.36,
                leg=0.4,
                head=0.27,
                snout=0.15,
                ears="floppy",
                tail="thin",
                tail_len=0.35,
            )
        ),
        "ground",
        0.3,
        _looks(
            ((170, 115, 60), WHITE, (70, 45, 30)),
            ((225, 185, 120), WHITE, (120, 80, 50)),
            ((40, 36, 36), WHITE, (20, 20, 20)),
        ),
    ),
    "cat": Kind(
        quadruped(
            Build(
                length=0.85,
                depth=0.3,
                leg=0.3,
                leg_w=0.08,
                head=0.28,
                snout=0.06,
                tail="thin",
                tail_len=0.6,
                gait=0.32,
            )
        ),
        "ground",
        0.24,
        _looks(
            ((120, 120, 126), WHITE, (60, 60, 66)),
            ((225, 140, 60), WHITE, (150, 85, 35)),
            ((35, 33, 38), WHITE, (20, 20, 24)),
        ),
    ),
    "horse": Kind(
        quadruped(
            Build(
                length=1.2,
                depth=0.42,
                leg=0.72,
                leg_w=0.1,
                neck=(0.22, 0.4),
                head=0.3,
                snout=0.3,
                ears="pointy",
                tail="flow",
                extra="horsemane",
                muzzle_drop=0.45,
            )
        ),
        "ground",
        0.42,
        _looks(
            ((130, 80, 45), WHITE, (45, 30, 25)),
            ((235, 232, 225), WHITE, (150, 150, 150)),
            ((40, 32, 30), WHITE, (20, 18, 18)),
        ),
    ),
    "zebra": Kind(
        quadruped(
            Build(
                length=1.15,
                depth=0.42,
                leg=0.66,
                neck=(0.22, 0.38),
                head=0.3,
                snout=0.28,
                tail="tuft",
                extra="stripes",
                muzzle_drop=0.4,
            )
        ),
        "ground",
        0.4,
        _looks(((240, 240, 236), WHITE, (25, 25, 28))),
    ),
    "deer": Kind(
        quadruped(
            Build(
                length=1.05,
                depth=0.38,
                leg=0.7,
                leg_w=0.08,
                neck=(0.18, 0.38),
                head=0.26,
                snout=0.18,
                tail="short",
                extra="antlers",
            )
        ),
        "ground",
        0.42,
        _looks(((170, 115, 70), (235, 225, 205), (90, 60, 40))),
    ),
    "bear": Kind(
        quadruped(
            Build(
                length=1.15,
                depth=0.55,
                leg=0.36,
                leg_w=0.16,
                neck=(0.08, 0.02),
                head=0.34,
                snout=0.12,
                ears="round",
                tail="short",
                gait=0.28,
            )
        ),
        "ground",
        0.36,
        _looks(
            ((95, 62, 40), (150, 110, 80), (45, 30, 22)),
            ((240, 238, 230), WHITE, (180, 175, 165)),
            ((35, 30, 30), (90, 80, 70), (20, 18, 18)),
        ),
    ),
    "rabbit": Kind(
        quadruped(
            Build(
                length=0.6,
                depth=0.4,
                leg=0.12,
                leg_w=0.1,
                neck=(0.02, 0.02),
                head=0.3,
                snout=0.05,
                ears="long",
                tail="short",
                gait=0.0,
            )
        ),
        "ground",
        0.2,
        _looks(((200, 195, 190), WHITE, (120, 110, 105)), ((160, 120, 85), WHITE, (90, 65, 45))),
        motion="hop",
    ),
    "cow": Kind(
        quadruped(
            Build(
                length=1.2,
                depth=0.5,
                leg=0.45,
                leg_w=0.12,
                neck=(0.12, 0.05),
                head=0.3,
                snout=0.12,
                ears="none",
                tail="tuft",
                extra="spots",
                gait=0.25,
            )
        ),
        "ground",
        0.36,
        _looks(
            ((240, 238, 232), (210, 200, 190), (35, 30, 30)),
            ((150, 90, 55), (230, 220, 210), (240, 235, 225)),
        ),
    ),
    "sheep": Kind(
        quadruped(
            Build(
                length=0.95,
                depth=0.45,
                leg=0.32,
                leg_w=0.08,
                neck=(0.1, 0.05),
                head=0.24,
                snout=0.1,
                ears="none",
                tail="short",
                extra="wool",
                gait=0.25,
            )
        ),
        "ground",
        0.26,
        _looks(((50, 45, 45), (245, 242, 232), (40, 36, 36))),
    ),
    "lion": Kind(
        quadruped(
            Build(
                length=1.15,
                depth=0.42,
                leg=0.46,
                leg_w=0.12,
                neck=(0.12, 0.12),
                head=0.3,
                snout=0.12,
                ears="round",
                tail="tuft",
                tail_len=0.6,
                extra="mane",
            )
        ),
        "ground",
        0.36,
        _looks(((210, 155, 75), (235, 205, 150), (140, 75, 30))),
    ),
    "tiger": Kind(
        quadruped(
            Build(
                length=1.2,
                depth=0.4,
                leg=0.44,
                leg_w=0.12,
                neck=(0.12, 0.1),
                head=0.3,
                snout=0.12,
                ears="round",
                tail="thin",
                tail_len=0.6,
                extra="stripes",
            )
        ),
        "ground",
        0.34,
        _looks(((235, 130, 40), WHITE, (30, 25, 25))),
    ),
    "elephant": Kind(
        quadruped(
            Build(
                length=1.3,
                depth=0.7,
                leg=0.55,
                leg_w=0.2,
                neck=(0.05, -0.05),
                head=0.42,
                snout=0.0,
                ears="none",
                tail="thin",
                tail_len=0.3,
                extra="trunk",
                gait=0.22,
            )
        ),
        "ground",
        0.46,
        _looks(((140, 140, 150), (200, 200, 205), (100, 100, 110))),
    ),
    "person": Kind(
        person("person"),
        "ground",
        0.42,
        _looks(
            ((200, 60, 60), (50, 60, 90), SKIN[0]),
            ((60, 110, 200), (60, 55, 50), SKIN[1]),
            ((240, 200, 60), (40, 45, 60), SKIN[2]),
            ((60, 160, 110), (70, 60, 55), SKIN[0]),
        ),
    ),
    "child": Kind(
        person("person"),
        "ground",
        0.28,
        _looks(((240, 120, 60), (60, 80, 150), SKIN[0]), ((120, 80, 200), (50, 60, 90), SKIN[1])),
    ),
    "astronaut": Kind(
        person("astronaut"),
        "space",
        0.4,
        _looks(((235, 235, 240), (210, 212, 220), (235, 235, 240))),
        motion="float",
    ),
    "robot": Kind(
        person("robot"),
        "ground",
        0.42,
        _looks(((150, 160, 175), (110, 115, 125), (80, 220, 255))),
        motion="walk",
    ),
    "bird": Kind(
        bird,
        "sky",
        0.13,
        _looks(
            ((60, 60, 70), (90, 90, 100), (240, 180, 40)),
            ((240, 240, 240), (200, 200, 205), (240, 170, 40)),
            ((200, 50, 40), (230, 190, 40), (240, 200, 60)),
        ),
        motion="fly",
    ),
    "fish": Kind(
        fish,
        "water",
        0.14,
        _looks(((250, 130, 30), (250, 200, 60), WHITE), ((80, 150, 220), (240, 220, 60), WHITE)),
        motion="swim",
    ),
    "whale": Kind(
        whale, "water", 0.26, _looks(((70, 90, 120), (170, 185, 200), WHITE)), motion="swim"
    ),
    "dolphin": Kind(
        dolphin, "water", 0.3, _looks(((110, 130, 150), (210, 220, 230), WHITE)), motion="still"
    ),
    "car": Kind(
        car("car"),
        "ground",
        0.2,
        _looks(
            ((200, 40, 40), WHITE, WHITE),
            ((40, 90, 200), WHITE, WHITE),
            ((240, 240, 240), WHITE, WHITE),
            ((40, 40, 45), WHITE, WHITE),
        ),
        motion="drive",
    ),
    "taxi": Kind(
        car("taxi"), "ground", 0.2, _looks(((245, 200, 30), WHITE, WHITE)), motion="drive"
    ),
    "bus": Kind(
        car("bus"),
        "ground",
        0.26,
        _looks(((220, 50, 40), WHITE, WHITE), ((245, 190, 30), WHITE, WHITE)),
        motion="drive",
    ),
    "truck": Kind(
        car("truck"),
        "ground",
        0.26,
        _looks(((40, 90, 200), (235, 235, 235), WHITE), ((200, 40, 40), (235, 235, 235), WHITE)),
        motion="drive",
    ),
    "boat": Kind(
        boat("boat"),
        "water",
        0.16,
        _looks(((240, 240, 235), WHITE, (200, 40, 40)), ((200, 60, 40), WHITE, WHITE)),
        motion="sail",
    ),
    "sailboat": Kind(
        boat("sailboat"),
        "water",
        0.42,
        _looks(
            ((240, 240, 235), (250, 250, 245), (200, 40, 40)),
            ((40, 70, 140), (250, 250, 245), (240, 200, 40)),
        ),
        motion="sail",
    ),
    "ship": Kind(
        boat("ship"),
        "water",
        0.3,
        _looks(((30, 40, 60), (170, 40, 40), (220, 120, 30))),
        motion="sail",
    ),
    "house": Kind(
        house,
        "structure",
        0.34,
        _looks(
            ((235, 220, 190), (170, 60, 50), (140, 190, 225)),
            ((200, 150, 110), (80, 60, 50), (140, 190, 225)),
            ((190, 60, 50), (70, 60, 60), (140, 190, 225)),
        ),
        static=True,
    ),
    "castle": Kind(
        castle,
        "structure",
        0.5,
        _looks(((185, 180, 170), (70, 80, 140), (220, 40, 40))),
        motion="still",
    ),
    "lighthouse": Kind(
        lighthouse, "structure", 0.62, _looks(((210, 40, 40), WHITE, (255, 230, 130))), static=True
    ),
    "tower": Kind(
        tower,
        "structure",
        0.6,
        _looks(((90, 110, 140), WHITE, (170, 210, 235)), ((150, 140, 130), WHITE, (200, 220, 235))),
        static=True,
    ),
    "windmill": Kind(
        windmill, "structure", 0.55, _looks(((200, 180, 150), (150, 60, 40), WHITE)), motion="still"
    ),
    "pyramid": Kind(
        pyramid, "structure", 0.45, _looks(((225, 190, 120), WHITE, WHITE)), static=True
    ),
    "tree": Kind(
        tree,
        "ground",
        0.55,
        _looks(((60, 140, 60), (110, 75, 45), WHITE), ((220, 120, 40), (100, 70, 45), WHITE)),
        static=True,
    ),
    "pine": Kind(pine, "ground", 0.55, _looks(((35, 100, 60), (100, 70, 45), WHITE)), static=True),
    "palm": Kind(
        palm, "ground", 0.6, _looks(((50, 150, 60), (150, 110, 70), WHITE)), motion="still"
    ),
    "flowers": Kind(
        flowers,
        "ground",
        0.24,
        _looks(
            ((230, 60, 90), (250, 200, 40), (250, 240, 120)),
            ((180, 90, 220), (250, 250, 250), (250, 210, 60)),
        ),
        motion="still",
    ),
    "cactus": Kind(cactus, "ground", 0.34, _looks(((70, 140, 70), WHITE, WHITE)), static=True),
    "balloon": Kind(
        balloon,
        "sky",
        0.34,
        _looks(((230, 60, 50), (250, 210, 60), WHITE), ((60, 120, 220), (250, 250, 250), WHITE)),
        motion="rise",
    ),
    "plane": Kind(
        plane, "sky", 0.16, _looks(((240, 240, 245), (200, 40, 40), WHITE)), motion="fly"
    ),
    "rocket": Kind(
        rocket, "space", 0.45, _looks(((235, 235, 240), (210, 40, 40), WHITE)), motion="rise"
    ),
    "ufo": Kind(
        ufo, "sky", 0.18, _looks(((170, 175, 190), WHITE, (120, 255, 140))), motion="float"
    ),
    "shapes": Kind(
        shapes,
        "ground",
        0.32,
        _looks(((200, 60, 60), (60, 120, 200), (240, 200, 60))),
        motion="still",
    ),
}


_PERIODS = {
    "rabbit": 1 / 1.6,
    "person": 1 / 1.1,
    "child": 1 / 1.1,
    "robot": 1 / 1.1,
    "astronaut": 1 / 0.3,
    "bird": 1 / 2.2,
    "fish": 1 / 1.8,
    "whale": 4.0,
    "dolphin": 2.5,
    "car": 1 / 1.5,
    "taxi": 1 / 1.5,
    "bus": 1 / 1.5,
    "truck": 1 / 1.5,
    "boat": 4.0,
    "sailboat": 4.0,
    "ship": 4.0,
    "castle": 1 / 1.5,
    "windmill": 1.0,
    "palm": 1 / 0.35,
    "flowers": 2.0,
    "balloon": 1 / 0.3,
    "rocket": 1 / 6,
    "ufo": 0.75,
    "shapes": 2.5,
}
_WALKERS = ("fox", "wolf", "dog", "cat", "horse", "zebra", "deer", "bear", "cow", "sheep", "lion")
_PERIODS.update(dict.fromkeys((*_WALKERS, "tiger", "elephant"), 1 / 1.2))
KINDS.update(
    {name: replace(kind, period_s=_PERIODS.get(name, 1.0)) for name, kind in KINDS.items()}
)


def named_look(base: Look, colours: tuple[RGB, ...]) -> Look:
    """The kind's look with the prompt's colours: the first on the body, a second on markings."""
    if not colours:
        return base
    look = replace(base, main=colours[0])
    if len(colours) > 1:
        look = replace(look, second=colours[1])
    return look


@dataclass(frozen=True, slots=True)
class Sprite:
    """A posed figure ready to composite: colour drawn over black (so edges are premultiplied by
    their coverage), 255 - coverage for the background, and where its anchor point sits."""

    colour: Frame
    keep: Frame  # 255 - alpha, three channels, to scale what is behind
    left: int  # sprite column of the anchor (feet) point, negated: x0 = anchor_x + left
    top: int


def sprite(
    parts: list[Part],
    size: float,
    facing: int,
    tilt: float = 0.0,
    light: Callable[[RGB], RGB] | None = None,
    outline: bool = True,
) -> Sprite:
    """Render a pose once; `blit` then places it for the cost of one blend of its box."""
    c, s = math.cos(tilt), math.sin(tilt)
    placed = []
    for colour, points in parts:
        px, py = points[:, 0] * facing, points[:, 1]
        if tilt:
            px, py = c * px - s * py, s * px + c * py
        placed.append((colour, np.stack([px * size, -py * size], axis=1)))
    everything = np.concatenate([points for _, points in placed])
    margin = max(1, round(size / 90)) + 2
    x0 = math.floor(float(everything[:, 0].min())) - margin
    y0 = math.floor(float(everything[:, 1].min())) - margin
    x1 = math.ceil(float(everything[:, 0].max())) + margin
    y1 = math.ceil(float(everything[:, 1].max())) + margin
    canvas = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
    cover = np.zeros((y1 - y0, x1 - x0), np.uint8)
    outline_px = max(1, round(size / 90))
    scale = float(1 << SUBPIXEL_BITS)
    for colour, points in placed:
        pts = np.round((points - (x0, y0)) * scale).astype(np.int32)
        lit = light(colour) if light is not None else colour
        cv2.fillPoly(canvas, [pts], lit, cv2.LINE_AA, SUBPIXEL_BITS)
        cv2.fillPoly(cover, [pts], 255, cv2.LINE_AA, SUBPIXEL_BITS)
        if outline:
            edge = shade(lit, 0.55) if luma(lit) > 45 else mix(lit, (120, 120, 130), 0.5)
            cv2.polylines(canvas, [pts], True, edge, outline_px, cv2.LINE_AA, SUBPIXEL_BITS)
            cv2.polylines(cover, [pts], True, 255, outline_px, cv2.LINE_AA, SUBPIXEL_BITS)
    keep = np.repeat((255 - cover)[..., None], 3, axis=2)
    return Sprite(canvas, keep, x0, y0)


def blit(
    frame: Frame, figure: Sprite, x: float, y: float, where: NDArray[np.bool_] | None = None
) -> None:
    """Composite a sprite with its anchor at (x, y); `where` limits it to part of the frame."""
    height, width = frame.shape[:2]
    left, top = round(x) + figure.left, round(y) + figure.top
    box_h, box_w = figure.colour.shape[:2]
    fx0, fy0 = max(0, left), max(0, top)
    fx1, fy1 = min(width, left + box_w), min(height, top + box_h)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    sx0, sy0 = fx0 - left, fy0 - top
    sx1, sy1 = sx0 + (fx1 - fx0), sy0 + (fy1 - fy0)
    region = frame[fy0:fy1, fx0:fx1]
    colour = figure.colour[sy0:sy1, sx0:sx1]
    keep = figure.keep[sy0:sy1, sx0:sx1]
    if where is not None:
        mask = where[fy0:fy1, fx0:fx1, None]
        colour = np.where(mask, colour, 0).astype(np.uint8)
        keep = np.where(mask, keep, 255).astype(np.uint8)
    region[:] = cv2.add(cv2.multiply(region, keep, scale=1.0 / 255.0), colour)
