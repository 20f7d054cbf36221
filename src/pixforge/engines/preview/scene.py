"""Procedural text-to-video scenes: the prompt read for meaning, drawn crisp, and set in motion.

vocabulary.read_prompt turns (prompt, negative prompt, seed) into a plan (setting, time of day,
weather, colours, subjects); backdrops.paint paints its still part once at full size; each frame
then copies it and draws what moves on top: drifting clouds, the subjects (walking, flying,
sailing), water ripples, twinkling stars and windows, and falling snow or rain.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pixforge.engines._cv import cv2
from pixforge.engines.preview.backdrops import Background, paint, planet
from pixforge.engines.preview.figures import (
    KINDS,
    RGB,
    Look,
    Sprite,
    blit,
    mix,
    named_look,
    shade,
    sprite,
)
from pixforge.engines.preview.vocabulary import (
    COLOUR_WORDS,
    ScenePlan,
    Subject,
    read_prompt,
    words,
)

Frame = NDArray[np.uint8]
AA = cv2.LINE_AA


def palette_for(prompt: str, seed: int, size: int = 4) -> list[RGB]:
    """Colours named in the prompt (in order, up to `size`), the rest derived from a hash."""
    named: list[RGB] = []
    for word in words(prompt):
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
    if named:
        derived = [mix(c, named[i % len(named)], 0.7) for i, c in enumerate(derived)]
    return (named + derived)[:size]


@dataclass(frozen=True, slots=True)
class SceneParams:
    width: int
    height: int
    frame_count: int
    speed: float  # 1.0 normal, 2.0 for motion_mode "fast"
    fps: int = 24


@dataclass(slots=True)
class Actor:
    """One subject on stage: where it starts and how it moves."""

    kind: str
    look: Look
    x: float  # px, at t = 0
    y: float  # px: feet (or waterline) at t = 0
    size: float  # px tall
    facing: int
    motion: str
    speed_px_s: float
    phase: float
    light: Callable[[RGB], RGB]
    poses: dict[int, Sprite] = field(default_factory=dict)  # rendered once, reused every cycle


def _rng(prompt: str, seed: int, part: str) -> np.random.Generator:
    """The random stream of one part of the layout (backdrop, cast, clouds, ...): parts draw
    from their own streams, so leaving one out (a negative prompt) does not move the others."""
    digest = hashlib.sha256(f"{prompt}\x00{seed}\x00{part}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class Stage:
    """A planned scene at one size: `frame(t_s)` draws it at t_s seconds of animation."""

    def __init__(self, plan: ScenePlan, prompt: str, seed: int, params: SceneParams) -> None:
        self.plan = plan
        self.width, self.height = params.width, params.height
        self.duration_s = max(1.0, params.frame_count / params.fps) * params.speed
        # The layout draws from (prompt, seed) only, never from the negative prompt.
        self.unit = self.height / 360.0
        self.back: Background = paint(plan, _rng(prompt, seed, "backdrop"), self.width, self.height)
        colours = self.back.palette
        self.actors = self._cast(plan, prompt, seed)
        for actor in [a for a in self.actors if KINDS[a.kind].static]:
            self._draw_actor(self.back.image, actor, 0.0)
        self.movers = sorted(
            (a for a in self.actors if not KINDS[a.kind].static), key=lambda a: a.y
        )
        rng = _rng(prompt, seed, "clouds")
        self.clouds = self._clouds(plan, rng)
        self.cloud_sprites = self._cloud_sprites()
        # A fixed count at every size (flakes and drops grow with the frame instead): the cost
        # of a frame then grows with its pixels, not with the number of things drawn.
        count = {"snow": 110, "rain": 130, "storm": 150}.get(plan.weather, 0)
        rng = _rng(prompt, seed, "weather")
        self.particles = rng.uniform(0.0, 1.0, (count, 4))
        self.ripples = self._ripples(_rng(prompt, seed, "water"))
        self.flashes = (
            sorted(rng.uniform(0.15, 0.85, 2) * self.duration_s) if plan.weather == "storm" else []
        )
        self.fog = plan.weather == "fog"
        self.fog_bands = rng.uniform(0.0, 1.0, (3, 3))
        rng = _rng(prompt, seed, "birds")
        self.birds = (
            rng.uniform(0.0, 1.0, (int(rng.integers(3, 6)), 3))
            if self._distant_birds(plan, rng)
            else None
        )
        bursts = _rng(prompt, seed, "fireworks").uniform(0.0, 1.0, (5, 5))
        self.bursts = bursts if plan.fireworks else None
        self.snow_colour = colours.lit((250, 252, 255), 0.45)
        self.rain_colour = mix(colours.sky[1], (230, 235, 245), 0.55)

    # --- casting -----------------------------------------------------------------------------

    def _cast(self, plan: ScenePlan, prompt: str, seed: int) -> list[Actor]:
        rng = _rng(prompt, seed, "cast")
        subjects = list(plan.subjects)
        if not plan.understood:
            colours = palette_for(prompt, seed, 3)
            subjects = [Subject("shapes", tuple(colours))]
        actors: list[Actor] = []
        ground_slots = _slots(
            rng, sum(s.count for s in subjects if KINDS[s.kind].place in ("ground", "structure"))
        )
        if any(s.kind == "planet" for s in subjects):
            named = next(s.colours for s in subjects if s.kind == "planet")
            colour = named[0] if named else (210, 160, 110)
            x = self.width * rng.uniform(0.3, 0.7)
            planet(self.back.image, x, self.height * 0.5, self.height * 0.3, colour, rng)
            subjects = [s for s in subjects if s.kind != "planet"]
        for index, subject in enumerate(subjects):
            kind = KINDS[subject.kind]
            for copy in range(subject.count):
                hero = index == 0 and copy == 0
                # Each subject from its own stream: removing one leaves the others in place.
                own = _rng(prompt, seed, f"cast:{subject.kind}:{copy}")
                look = kind.looks[int(own.integers(0, len(kind.looks)))]
                look = named_look(look, subject.colours)
                actors.append(self._place(subject.kind, look, hero, ground_slots, own, copy))
        actors += self._props(plan, _rng(prompt, seed, "props"), {a.kind for a in actors})
        return actors

    def _place(
        self,
        name: str,
        look: Look,
        hero: bool,
        slots: list[float],
        rng: np.random.Generator,
        copy: int,
    ) -> Actor:
        kind = KINDS[name]
        width, height, back = self.width, self.height, self.back
        size = kind.height * height * (1.0 if hero else rng.uniform(0.6, 0.8))
        # Narrow (portrait) frames: the whole figure fits across, not only its height.
        size = min(size, width * (0.8 if hero else 0.5) / _figure_width(name))
        facing = 1 if rng.uniform() < 0.5 else -1
        top, horizon = back.ground_top, back.horizon
        x = width * rng.uniform(0.4, 0.6)
        place = kind.place
        if place in ("ground", "structure") and slots:
            x = width * slots.pop(0)
        if place == "water" and back.water is None and back.lake is None:
            place = "ground"
        if place == "space" and self.plan.backdrop != "space":
            place = "sky" if name in ("rocket",) else "ground"
        if place == "ground":
            front = height - size * 0.06 if hero else top + (height - top) * rng.uniform(0.55, 0.8)
            y = max(
                top + size * 0.25,
                min(height * 0.96, front if not hero else top + (height - top) * 0.8),
            )
            if self.plan.backdrop == "space":
                y = height * rng.uniform(0.55, 0.8)
        elif place == "structure":
            y = top + (height - top) * (0.2 if hero else rng.uniform(0.05, 0.15))
            if name == "lighthouse" and back.shore is not None:
                y = back.shore + (height - back.shore) * 0.15
        elif place == "water":
            if back.lake is not None:
                x0, y0, x1, y1 = back.lake
                x = rng.uniform(x0 + (x1 - x0) * 0.3, x0 + (x1 - x0) * 0.7)
                y = (y0 + y1) / 2
                size *= 0.6
            else:
                water_top, water_bottom = back.water or (horizon, height)
                depth = 0.55 if hero else rng.uniform(0.15, 0.4)
                y = water_top + (water_bottom - water_top) * depth
                size *= 0.55 + 0.6 * depth
            if name == "fish":
                y += size * 0.2
        elif place == "sky":
            y = height * rng.uniform(0.2, 0.38) + size
            if hero and name in ("balloon", "ufo", "rocket"):
                y = horizon * 0.75
        else:  # space
            y = height * 0.5 + size * 0.5
        if not hero and place == "sky":
            x = width * rng.uniform(0.1, 0.9)
        motion = kind.motion
        speed = {
            "walk": 0.02,
            "hop": 0.015,
            "drive": 0.03,
            "fly": 0.06,
            "sail": 0.006,
            "swim": 0.015,
        }.get(motion, 0.0) * width
        if hero:
            # The hero moves, but little: the camera's subject-holding moves stay on it.
            speed = min(speed, 0.07 * width / self.duration_s)
        colours = self.back.palette
        fog = 0.25 if self.plan.weather == "fog" else 0.0
        emissive = (
            {look.accent}
            if colours.night and name in ("house", "tower", "lighthouse", "ufo", "robot")
            else set()
        )
        if colours.night and name in ("house", "tower", "lighthouse"):
            look = Look(look.main, look.second, (255, 214, 130))
            emissive = {(255, 214, 130)}
        floor = 0.55 if colours.night else 0.0

        def light(
            colour: RGB, emissive: set[RGB] = emissive, floor: float = floor, fog: float = fog
        ) -> RGB:
            if colour in emissive:
                return colour
            lit = colours.lit(colour, floor)
            return mix(lit, colours.haze, fog) if fog else lit

        return Actor(name, look, x, y, size, facing, motion, speed, rng.uniform(0, 10), light)

    def _props(self, plan: ScenePlan, rng: np.random.Generator, present: set[str]) -> list[Actor]:
        """A few seeded extras that belong to the setting (palms on a beach, boats at sea)."""
        extras: list[str] = []
        if plan.backdrop == "horizon" and plan.ground == "water" and rng.uniform() < 0.6:
            extras.append("sailboat")
        if plan.shore == "sea" and plan.ground == "sand" and "palm" not in present:
            extras.append("palm")
        if plan.backdrop == "dunes" and rng.uniform() < 0.6:
            extras.append("cactus")
        if (
            plan.backdrop in ("hills", "mountains")
            and plan.ground in ("grass", "snow")
            and rng.uniform() < 0.7
        ):
            extras.append(
                "pine" if plan.ground == "snow" or plan.backdrop == "mountains" else "tree"
            )
        if plan.backdrop == "hills" and plan.ground == "grass" and rng.uniform() < 0.5:
            extras.append("flowers")
        props = []
        for name in extras:
            kind = KINDS[name]
            look = kind.looks[int(rng.integers(0, len(kind.looks)))]
            actor = self._place(name, look, False, [], rng, 0)
            # Props stand at the sides, out of the subject's way.
            side = rng.uniform(0.04, 0.16) if rng.uniform() < 0.5 else rng.uniform(0.84, 0.96)
            actor.x = self.width * side
            if name == "sailboat":
                actor.size *= 0.45
                actor.y = self.back.horizon + (self.height - self.back.horizon) * 0.12
                actor.x = self.width * rng.uniform(0.1, 0.9)
            if name in ("tree", "pine", "palm"):
                actor.y = self.back.ground_top + (self.height - self.back.ground_top) * rng.uniform(
                    0.45, 0.85
                )
                actor.size = KINDS[name].height * self.height * rng.uniform(0.7, 1.0)
            props.append(actor)
        return props

    def _distant_birds(self, plan: ScenePlan, rng: np.random.Generator) -> bool:
        if plan.backdrop in ("space", "room") or plan.weather in ("rain", "storm", "snow"):
            return False
        if any(KINDS[s.kind].place == "sky" for s in plan.subjects):
            return False
        return not self.back.palette.night and rng.uniform() < 0.5

    def _clouds(self, plan: ScenePlan, rng: np.random.Generator) -> NDArray[np.float64]:
        if not plan.clouds or plan.backdrop in ("space", "room"):
            return np.zeros((0, 5))
        count = {
            "clear": int(rng.integers(1, 4)),
            "cloudy": 6,
            "rain": 7,
            "storm": 8,
            "snow": 5,
            "fog": 3,
        }[plan.weather]
        # x (fraction), y (fraction of the horizon), size (fraction of the height), speed, puff seed
        clouds = np.stack(
            [
                rng.uniform(0, 1, count),
                rng.uniform(0.08, 0.55, count),
                rng.uniform(0.05, 0.1, count) * (1.5 if plan.weather in ("rain", "storm") else 1.0),
                rng.uniform(0.01, 0.025, count),
                rng.uniform(0, 1000, count),
            ],
            axis=1,
        )
        return clouds

    def _ripples(self, rng: np.random.Generator) -> NDArray[np.float64]:
        back = self.back
        if back.water is None and back.lake is None:
            return np.zeros((0, 4))
        count = 80
        if back.lake is not None:
            x0, y0, x1, y1 = back.lake
            xs = rng.uniform(x0 + (x1 - x0) * 0.15, x0 + (x1 - x0) * 0.85, count // 2)
            ys = rng.uniform(y0 + (y1 - y0) * 0.2, y0 + (y1 - y0) * 0.8, count // 2)
        else:
            top, bottom = back.water or (0, 0)
            depth = rng.uniform(0, 1, count) ** 1.6
            ys = top + 3 + (bottom - top - 3) * depth
            xs = rng.uniform(0, self.width, count)
        return np.stack(
            [xs, ys, rng.uniform(0, 2 * math.pi, len(xs)), rng.uniform(0.5, 1.0, len(xs))], axis=1
        )

    # --- drawing ------------------------------------------------------------------------------

    def frame(self, t_s: float) -> Frame:
        image = self.back.image.copy()
        self._draw_clouds(image, t_s)
        if self.bursts is not None:
            self._draw_fireworks(image, t_s)
        if self.birds is not None:
            self._draw_birds(image, t_s)
        self._draw_water(image, t_s)
        self._draw_lights(image, t_s)
        for actor in self.movers:
            self._draw_actor(image, actor, t_s)
        if self.fog:
            self._draw_fog(image, t_s)
        self._draw_weather(image, t_s)
        return image

    def _draw_actor(self, image: Frame, actor: Actor, t_s: float) -> None:
        t = t_s + actor.phase
        x, y = actor.x + actor.facing * actor.speed_px_s * t_s, actor.y
        if actor.motion in ("fly", "swim") and actor.speed_px_s > 0.0:
            span = self.width + 2 * actor.size
            x = (x + actor.size) % span - actor.size
            y += actor.size * 0.1 * math.sin(2 * math.pi * 0.4 * t)
        elif actor.motion == "sail":
            y += actor.size * 0.025 * math.sin(2 * math.pi * 0.25 * t)
        elif actor.motion == "rise":
            y -= self.height * 0.025 * t_s
        elif actor.motion == "float":
            y += actor.size * 0.05 * math.sin(2 * math.pi * 0.25 * t)
        blit(image, self._pose(actor, t), x, y)
        if actor.kind == "house":
            self._smoke(image, actor, t_s)

    def _pose(self, actor: Actor, t: float) -> Sprite:
        """The actor's sprite at animation time t, from a cache of poses over one period."""
        kind = KINDS[actor.kind]
        period = kind.period_s
        steps = min(32, max(8, round(period * 12)))
        key = int((t % period) / period * steps) % steps
        cached = actor.poses.get(key)
        if cached is None:
            pose_t = key / steps * period
            tilt = 0.0
            if actor.motion == "sail":
                tilt = 0.05 * math.sin(2 * math.pi * pose_t / period)
            elif actor.motion == "float":
                tilt = 0.08 * math.sin(2 * math.pi * pose_t / period)
            parts = kind.draw(pose_t, actor.look)
            cached = sprite(parts, actor.size, actor.facing, tilt, actor.light)
            actor.poses[key] = cached
        return cached

    def _smoke(self, image: Frame, actor: Actor, t_s: float) -> None:
        chimney_x = actor.x + actor.facing * 0.25 * actor.size
        chimney_y = actor.y - 0.95 * actor.size
        grey = self.back.palette.lit((200, 200, 205), 0.5)
        for k in range(4):
            age = (t_s * 0.35 + k / 4 + actor.phase) % 1.0
            px = chimney_x + actor.size * 0.15 * age + actor.size * 0.03 * math.sin(age * 7)
            py = chimney_y - actor.size * 0.5 * age
            radius = actor.size * (0.04 + 0.08 * age)
            colour = mix(grey, self.back.palette.sky[1], age * 0.8)
            cv2.circle(image, (int(px * 16), int(py * 16)), int(radius * 16), colour, -1, AA, 4)

    def _cloud_sprites(self) -> list[Sprite]:
        lit, shaded = self.back.palette.cloud
        sprites = []
        for _, _, size, _, puff in self.clouds:
            radius = size * self.height
            puffs = _puffs(puff, radius)
            # Shadowed undersides first, then the lit tops slightly above: a flat two-tone cloud.
            parts = [(shaded, _circle(dx, -(dy + r * 0.18), r)) for dx, dy, r in puffs]
            parts += [(lit, _circle(dx, -dy, r)) for dx, dy, r in puffs]
            sprites.append(_flat_sprite(parts))
        return sprites

    def _draw_clouds(self, image: Frame, t_s: float) -> None:
        width, horizon = self.width, self.back.horizon
        for (cx, cy, size, speed, _), cloud in zip(self.clouds, self.cloud_sprites, strict=True):
            span = 1.0 + 6 * size
            x = ((cx + speed * t_s) % span - 3 * size) * width
            y = cy * horizon
            blit(image, cloud, x, y)
            bottom = int(y) + cloud.top + cloud.colour.shape[0]
            if bottom > self.back.occluded_from:
                # Behind the backdrop: put back what stands in front of the sky.
                x0, x1 = (
                    max(0, int(x) + cloud.left),
                    min(width, int(x) + cloud.left + cloud.colour.shape[1]),
                )
                y0, y1 = max(0, self.back.occluded_from), min(self.height, bottom)
                if x1 > x0 and y1 > y0:
                    cv2.copyTo(
                        self.back.image[y0:y1, x0:x1],
                        self.back.occluders[y0:y1, x0:x1],
                        image[y0:y1, x0:x1],
                    )

    def _draw_fireworks(self, image: Frame, t_s: float) -> None:
        """Bursts of sparks that open, fall a little and fade into the sky, one after another."""
        assert self.bursts is not None
        sky = self.back.palette.sky[0]
        reach = 0.14 * self.height
        top, bottom = self.height, 0
        for index, (bx, by, period, offset, hue) in enumerate(self.bursts):
            cycle = 1.6 + 1.2 * period
            age = ((t_s + offset * cycle) % cycle) / cycle
            if age > 0.75:
                continue  # the dark pause before this one bursts again
            opened = age / 0.75
            radius = reach * (0.6 + 0.6 * period) * (1 - (1 - opened) ** 2)
            colour = mix(NEON_SPARKS[int(hue * len(NEON_SPARKS))], sky, opened**2)
            cx, cy = (0.12 + 0.76 * bx) * self.width, (0.1 + 0.32 * by) * self.back.horizon
            drop = reach * 0.35 * opened**2
            for k in range(16):
                angle = 2 * math.pi * (k + 0.3 * index) / 16
                inner, outer = radius * 0.7, radius
                a = (cx + inner * math.cos(angle), cy + inner * math.sin(angle) + drop * 0.7)
                b = (cx + outer * math.cos(angle), cy + outer * math.sin(angle) + drop)
                cv2.line(
                    image,
                    (int(a[0] * 16), int(a[1] * 16)),
                    (int(b[0] * 16), int(b[1] * 16)),
                    colour,
                    max(1, int(self.unit * 1.4)),
                    AA,
                    4,
                )
            top, bottom = min(top, int(cy - radius - 2)), max(bottom, int(cy + radius + drop + 2))
        # Behind the skyline: put back what stands in front of the sky.
        y0, y1 = max(top, self.back.occluded_from), min(self.height, bottom)
        if y1 > y0:
            cv2.copyTo(self.back.image[y0:y1], self.back.occluders[y0:y1], image[y0:y1])

    def _draw_birds(self, image: Frame, t_s: float) -> None:
        assert self.birds is not None
        colour = shade(self.back.palette.sky[0], 0.45)
        size = 6 * self.unit
        for bx, by, phase in self.birds:
            x = ((bx + 0.03 * t_s) % 1.2 - 0.1) * self.width
            y = (0.12 + 0.25 * by) * self.back.horizon + size * math.sin(t_s * 0.8 + phase * 6)
            flap = size * 0.6 * math.sin(2 * math.pi * (2.0 * t_s + phase))
            pts = np.array([[x - size, y - flap], [x, y], [x + size, y - flap]])
            cv2.polylines(
                image,
                [np.round(pts * 16).astype(np.int32)],
                False,
                colour,
                max(1, int(self.unit * 1.2)),
                AA,
                4,
            )

    def _draw_water(self, image: Frame, t_s: float) -> None:
        back = self.back
        if len(self.ripples):
            near = back.palette.water[1]
            light = mix(back.palette.sky[2], (255, 255, 255), 0.3)
            dark = shade(near, 0.8)
            if back.lake is not None:
                top, bottom = back.lake[1], back.lake[3]
            else:
                top, bottom = back.water or (0, 1)
            for x, y, phase, strength in self.ripples:
                depth = (y - top) / max(1.0, bottom - top)
                length = (4 + 26 * depth) * self.unit * strength
                dx = 6 * self.unit * math.sin(t_s * 1.3 + phase) * (0.3 + depth)
                shimmer = 0.5 + 0.5 * math.sin(t_s * 2.1 + phase * 3)
                colour = mix(dark, light, shimmer) if phase < math.pi else dark
                a = (int((x + dx - length / 2) * 16), int(y * 16))
                b = (int((x + dx + length / 2) * 16), int(y * 16))
                cv2.line(image, a, b, colour, max(1, int(self.unit * (0.6 + depth))), AA, 4)
        if back.sun is not None and back.water is not None:
            sx, _, radius = back.sun
            top, bottom = back.water
            glint = mix(back.palette.sun, (255, 255, 255), 0.4)
            for k in range(14):
                depth = ((k * 0.618) % 1.0) ** 1.3
                y = top + 2 + (bottom - top - 2) * depth
                if math.sin(t_s * 3.0 + k * 1.7) < 0.2:
                    continue
                half = radius * (0.3 + 1.2 * depth)
                x = sx + half * math.sin(k * 2.3 + t_s * 0.7)
                length = (3 + 10 * depth) * self.unit
                cv2.line(
                    image,
                    (int((x - length) * 16), int(y * 16)),
                    (int((x + length) * 16), int(y * 16)),
                    glint,
                    max(1, int(self.unit)),
                    AA,
                    4,
                )
        if back.shore is not None:
            xs = np.linspace(0, self.width, 48)
            surge = 0.5 + 0.5 * math.sin(2 * math.pi * t_s / 3.2)
            ys = (
                back.shore
                + (4 + 10 * surge) * self.unit
                + 3 * self.unit * np.sin(xs / (30 * self.unit) + t_s)
            )
            pts = np.round(np.stack([xs, ys], 1) * 16).astype(np.int32)
            foam = back.palette.lit((250, 252, 255), 0.5)
            cv2.polylines(image, [pts], False, foam, max(2, int(3 * self.unit)), AA, 4)

    def _draw_lights(self, image: Frame, t_s: float) -> None:
        back = self.back
        if back.stars is not None and len(back.stars):
            for index, (x, y, bright) in enumerate(back.stars[:40]):
                twinkle = 0.5 + 0.5 * math.sin(t_s * (1.5 + index % 5) + index)
                value = int(140 + 115 * twinkle * bright)
                if not back.sky_visible[int(y), int(x)]:
                    continue
                radius = 1 if twinkle < 0.8 else max(1, int(self.unit * 1.3))
                cv2.circle(
                    image, (int(x), int(y)), radius, (value, value, min(255, value + 15)), -1, AA
                )
        for index, (x0, y0, x1, y1) in enumerate(back.windows):
            if math.sin(t_s * 0.9 + index * 2.7) > 0.6:
                image[y0:y1, x0:x1] = (40, 40, 52)
        for index, (corners, colour) in enumerate(back.signs):
            if index % 4 == 1 and math.sin(t_s * 4.0 + index) < -0.7:
                # A flickering tube: the sign dims for a moment.
                cv2.fillPoly(image, [corners], mix((30, 30, 40), colour, 0.45))

    def _draw_fog(self, image: Frame, t_s: float) -> None:
        fog = self.back.palette.haze
        for band, (bx, by, bs) in enumerate(self.fog_bands):
            y = int(self.back.horizon + (by - 0.5) * self.height * 0.2)
            h = int(self.height * (0.05 + 0.04 * bs))
            y0, y1 = max(0, y - h), min(self.height, y + h)
            if y1 <= y0:
                continue
            region = image[y0:y1]
            xs = np.arange(self.width, dtype=np.float32)
            wave = 0.5 + 0.5 * np.sin(
                xs / (self.width * (0.12 + 0.1 * bs)) + t_s * (0.25 + 0.1 * band) + bx * 6
            )
            rows = np.linspace(-1, 1, y1 - y0, dtype=np.float32)[:, None]
            alpha = (0.45 * wave[None, :] * (1 - rows * rows))[..., None]
            region[:] = (region + alpha * (np.asarray(fog, np.float32) - region)).astype(np.uint8)

    def _draw_weather(self, image: Frame, t_s: float) -> None:
        weather = self.plan.weather
        width, height = self.width, self.height
        if weather == "snow":
            # All flakes at once: positions as arrays, then one round-capped dot per flake,
            # drawn in three size classes (one OpenCV call each).
            px, py, size, phase = self.particles.T
            ys = ((py + (0.06 + 0.1 * size) * t_s) % 1.05 - 0.025) * height
            xs = (px + 0.015 * np.sin(t_s * 1.2 + phase * 6)) * width
            dots = np.round(np.stack([xs, ys], axis=1) * 16).astype(np.int32)
            classes = np.minimum((size * 3).astype(int), 2)
            for level in range(3):
                chosen = dots[classes == level]
                thickness = max(1, round((1.6 + 2.0 * level) * self.unit))
                segments = list(np.repeat(chosen[:, None, :], 2, axis=1))
                cv2.polylines(image, segments, False, self.snow_colour, thickness, AA, 4)
        elif weather in ("rain", "storm"):
            slant, length = 0.18, 0.05 * height
            px, py, size, _ = self.particles.T
            fall = 0.9 + 0.6 * size
            ys = ((py + fall * t_s) % 1.1 - 0.05) * height
            xs = ((px + slant * fall * t_s * height / width) % 1.0) * width
            streak = length * (0.6 + size)
            ends = np.stack(
                [np.stack([xs, ys], 1), np.stack([xs - slant * streak, ys - streak], 1)], 1
            )
            segments = list(np.round(ends * 16).astype(np.int32))
            cv2.polylines(
                image, segments, False, self.rain_colour, 1 if self.unit < 1.6 else 2, AA, 4
            )
            for flash_s in self.flashes:
                since = t_s - flash_s
                if 0 <= since < 0.15:
                    self._lightning(image, flash_s, 1.0 - since / 0.15)

    def _lightning(self, image: Frame, flash_s: float, strength: float) -> None:
        rng = np.random.default_rng(int(flash_s * 1000))
        horizon = self.back.horizon
        sky = image[:horizon]
        sky[:] = cv2.addWeighted(
            sky, 1.0 - 0.35 * strength, np.full_like(sky, 235), 0.35 * strength, 0
        )
        x, y = rng.uniform(0.2, 0.8) * self.width, 0.0
        points = [(x, y)]
        while y < horizon * 0.95:
            y += horizon * rng.uniform(0.08, 0.16)
            x += self.width * rng.uniform(-0.04, 0.04)
            points.append((x, y))
        pts = np.round(np.array(points) * 16).astype(np.int32)
        cv2.polylines(image, [pts], False, (250, 250, 255), max(2, int(2 * self.unit)), AA, 4)


_WIDTHS: dict[str, float] = {}


NEON_SPARKS: tuple[RGB, ...] = (
    (255, 80, 200),
    (80, 230, 255),
    (255, 225, 90),
    (140, 255, 110),
    (255, 110, 80),
    (255, 250, 240),
)


def _figure_width(name: str) -> float:
    """How wide a kind is for its height (a fox is long, a person narrow)."""
    if name not in _WIDTHS:
        kind = KINDS[name]
        points = np.concatenate([p for _, p in kind.draw(0.0, kind.looks[0])])
        height = max(0.2, float(points[:, 1].max() - min(0.0, float(points[:, 1].min()))))
        _WIDTHS[name] = float(np.ptp(points[:, 0])) / height
    return _WIDTHS[name]


def _slots(rng: np.random.Generator, count: int) -> list[float]:
    """Horizontal places (fractions of the width) for `count` figures, the first near the middle."""
    if count <= 0:
        return []
    first = rng.uniform(0.4, 0.6)
    others = [
        first + (0.27 + 0.05 * rng.uniform()) * (k // 2 + 1) * (1 if k % 2 == 0 else -1)
        for k in range(count - 1)
    ]
    return [first] + [min(0.92, max(0.08, x)) for x in others]


def _circle(x: float, y: float, radius: float) -> NDArray[np.float64]:
    theta = np.linspace(0.0, 2 * math.pi, 36, endpoint=False)
    return np.stack([x + radius * np.cos(theta), y + radius * np.sin(theta)], axis=1)


def _flat_sprite(parts: list[tuple[RGB, NDArray[np.float64]]]) -> Sprite:
    """A sprite of plain shapes without outlines (clouds): same machinery, size 1 px per unit."""
    return sprite(parts, 1.0, 1, outline=False)


def _puffs(seed: float, radius: float) -> list[tuple[float, float, float]]:
    """A cloud as overlapping circles (x, y offsets and radii, px), the same every frame."""
    rng = np.random.default_rng(int(seed))
    count = int(rng.integers(4, 7))
    puffs = []
    for i in range(count):
        along = (i / (count - 1) - 0.5) * 2.6
        r = radius * (1.0 - 0.5 * abs(along) / 1.3) * rng.uniform(0.75, 1.05)
        puffs.append((along * radius * 0.75, -r * 0.4 + radius * 0.2, r))
    return puffs


def scene_frames(prompt: str, negative: str, seed: int, params: SceneParams) -> Iterator[Frame]:
    """Frames of the procedural scene for (prompt, negative prompt, seed), one at a time."""
    plan = read_prompt(prompt, negative, seed)
    stage = Stage(plan, prompt, seed, params)
    for index in range(params.frame_count):
        yield stage.frame(index / params.fps * params.speed)
