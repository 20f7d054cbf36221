"""Preview text-to-video scenes: prompts read for meaning, drawn crisp, told apart at a glance."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from pixforge.engines.preview.scene import SceneParams, scene_frames
from pixforge.engines.preview.vocabulary import COLOUR_WORDS, read_prompt

FOX = "a red fox in the snow"
NEON = "a neon city street at night"
SAILBOAT = "a sailboat on a calm blue sea at sunset"
PROMPTS = [
    FOX,
    NEON,
    SAILBOAT,
    "a quiet valley",
    "an astronaut floating in space",
    "heavy rain in the forest",
    "a cat sleeping in a cozy room",
    "a car driving through the desert",
]


def frames(prompt: str, seed: int = 7, count: int = 24, negative: str = "") -> list[np.ndarray]:
    return list(scene_frames(prompt, negative, seed, SceneParams(320, 240, count, 1.0)))


def still(prompt: str, seed: int = 7, negative: str = "") -> np.ndarray:
    return frames(prompt, seed, 1, negative)[0]


def red_regions(frame: np.ndarray) -> list[int]:
    """Areas of the connected regions of clearly red pixels, largest first."""
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    red = ((r > 150) & (g < 90) & (b < 90)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(red, connectivity=8)
    return sorted((int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, count)), reverse=True)


def long_edge_share(frame: np.ndarray) -> float:
    """Share of the frame on sharp outlines at least 25 px long (blurry blobs have none; the
    specks of particles are too short to count)."""
    edges = cv2.Canny(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), 60, 150)
    count, _, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    areas = stats[1:count, cv2.CC_STAT_AREA]
    return float(areas[areas >= 25].sum() / edges.size)


def test_prompt_words_become_a_plan() -> None:
    fox = read_prompt(FOX, "", 7)
    assert fox.ground == "snow"
    assert [(s.kind, s.colours) for s in fox.subjects] == [("fox", (COLOUR_WORDS["red"],))]
    city = read_prompt(NEON, "", 7)
    assert (city.backdrop, city.ground, city.time, city.neon) == ("city", "street", "night", True)
    boat = read_prompt(SAILBOAT, "", 7)
    assert (boat.backdrop, boat.ground, boat.time) == ("horizon", "water", "sunset")
    assert boat.colours["water"] == COLOUR_WORDS["blue"]
    assert [s.kind for s in boat.subjects] == ["sailboat"]
    # Colours belong to the noun they precede; counts and plurals give several subjects.
    herd = read_prompt("two white horses and a black cat by a lake in the fog", "", 1)
    assert [(s.kind, s.colours, s.count) for s in herd.subjects] == [
        ("horse", (COLOUR_WORDS["white"],), 2),
        ("cat", (COLOUR_WORDS["black"],), 1),
    ]
    assert (herd.shore, herd.weather) == ("lake", "fog")
    assert read_prompt("three birds over snowy mountains", "", 1).subjects[0].count == 3
    # Compound names, colours a word implies, subjects a setting implies; walkers stay on land.
    palms = read_prompt("an island with palm trees", "", 1)
    assert [(s.kind, s.count) for s in palms.subjects] == [("palm", 3)]
    assert read_prompt("a polar bear", "", 1).subjects[0].colours == ((240, 240, 236),)
    assert {s.kind for s in read_prompt("a busy harbour", "", 1).subjects} >= {"boat"}
    beach = read_prompt("a dog by the sea", "", 1)
    assert (beach.ground, beach.shore) == ("sand", "sea")
    assert read_prompt("fireworks over a city", "", 1).fireworks
    # A colour with no noun tints the whole scene; nothing known at all is said so.
    assert read_prompt("a red red world", "", 1).tint == COLOUR_WORDS["red"]
    assert not read_prompt("xyzzy plorp", "", 1).understood
    # Fusion's @references are not words of the scene (their pictures are the subjects).
    fusion = read_prompt("@fox walks in @bg", "", 1)
    assert fusion.understood and fusion.subjects == ()


def test_negative_prompt_removes_what_it_names() -> None:
    plain = read_prompt("a dog and a red car in the snow at night", "", 3)
    assert {s.kind for s in plain.subjects} == {"dog", "car"} and plain.ground == "snow"
    without = read_prompt("a dog and a red car in the snow at night", "dogs, snow, clouds, red", 3)
    assert [s.kind for s in without.subjects] == ["car"]
    assert without.subjects[0].colours == ()
    assert without.ground != "snow" and not without.clouds
    assert read_prompt("a cat at the beach", "animals", 3).subjects == ()
    # And in pixels: no snow means no white ground, no fox means no red fox.
    assert (still(FOX, negative="snow").min(axis=2) > 200).mean() < 0.1
    assert max(red_regions(still(FOX, negative="fox")), default=0) < 100
    # What is left stays where it was.
    both = "a red fox and a dog in the snow"
    assert red_box(still(both, 4)) == red_box(still(both, 4, negative="dogs, clouds"))


def red_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """The box (x, y, width, height) of the largest clearly red region."""
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    red = ((r > 150) & (g < 90) & (b < 90)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(red, connectivity=8)
    assert count > 1, "nothing red"
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[largest, :4])
    return x, y, w, h


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_a_red_fox_in_the_snow_is_red_on_white(seed: int) -> None:
    frame = still(FOX, seed)
    assert (frame.min(axis=2) > 200).mean() > 0.25, "no snow"
    regions = red_regions(frame)
    assert regions and regions[0] > 0.012 * frame.shape[0] * frame.shape[1], "no red fox"


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_a_neon_city_street_at_night_is_dark_with_saturated_lights(seed: int) -> None:
    frame = still(NEON, seed)
    assert cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).mean() < 75, "not night"
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    assert ((hsv[..., 1] > 150) & (hsv[..., 2] > 200)).mean() > 0.008, "no neon"


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_a_sailboat_at_sunset_has_a_warm_sky_a_sea_and_a_sail(seed: int) -> None:
    frame = still(SAILBOAT, seed).astype(int)
    sky, sea = frame[:80].reshape(-1, 3).mean(axis=0), frame[180:].reshape(-1, 3).mean(axis=0)
    assert sky[0] > sky[2] + 60, f"the sky is not warm: {sky}"
    assert sea[2] >= sea[0] and sea.sum() < sky.sum() - 100, f"no sea: {sea}"
    sail = ((frame[..., 0] > 150) & (frame[..., 1] > 110) & (frame[..., 2] > 110)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(sail, connectivity=8)
    assert count > 1 and stats[1:, cv2.CC_STAT_AREA].max() > 0.005 * sail.size, "no sail"


def test_different_prompts_tell_apart_at_a_glance() -> None:
    stills = {prompt: frames(prompt, count=13)[12] for prompt in PROMPTS}

    def histogram(frame: np.ndarray) -> np.ndarray:
        hist = cv2.calcHist([frame], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3)
        return cv2.normalize(hist, hist).flatten()

    for (a, fa), (b, fb) in itertools.combinations(stills.items(), 2):
        mean_gap = np.linalg.norm(fa.reshape(-1, 3).mean(0) - fb.reshape(-1, 3).mean(0))
        hist_gap = cv2.compareHist(histogram(fa), histogram(fb), cv2.HISTCMP_BHATTACHARYYA)
        assert mean_gap > 25 or hist_gap > 0.6, f"{a!r} and {b!r} look alike"
        assert hist_gap > 0.4, f"{a!r} and {b!r} have the same colours"
    fox, city = stills[FOX].astype(float), stills[NEON].astype(float)
    assert np.linalg.norm(fox.reshape(-1, 3).mean(0) - city.reshape(-1, 3).mean(0)) > 150


@pytest.mark.parametrize("prompt", [*PROMPTS, "xyzzy plorp"])
def test_scenes_are_drawn_crisp(prompt: str) -> None:
    assert long_edge_share(frames(prompt, count=13)[12]) > 0.008


def test_unknown_words_still_make_a_crisp_scene_that_the_seed_changes() -> None:
    a, b = still("xyzzy plorp", 1), still("xyzzy plorp", 2)
    assert long_edge_share(a) > 0.008 and long_edge_share(b) > 0.008
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 10


def test_same_prompt_and_seed_give_identical_frames() -> None:
    for prompt in (FOX, SAILBOAT, "heavy rain in the forest", "xyzzy plorp"):
        first, second = frames(prompt, seed=5), frames(prompt, seed=5)
        assert all(np.array_equal(x, y) for x, y in zip(first, second, strict=True))
    assert not np.array_equal(still(FOX, 5), still(FOX, 6))


@pytest.mark.parametrize(
    "prompt", [FOX, SAILBOAT, "heavy rain in the forest", "snow falling on a cabin", NEON]
)
def test_the_scene_moves(prompt: str) -> None:
    clip = frames(prompt, count=48)
    steps = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in itertools.pairwise(clip)]
    assert min(steps) > 0.0, "a frame repeats the previous one"
    assert np.abs(clip[0].astype(int) - clip[-1].astype(int)).mean() > 0.5


def test_the_subject_itself_moves() -> None:
    clip = frames(FOX, count=48)
    assert red_box(clip[0]) != red_box(clip[-1]), "the fox stands frozen"


def test_sizes_and_aspect_ratios() -> None:
    for width, height in ((640, 360), (240, 426), (360, 360), (840, 360)):
        clip = list(scene_frames(FOX, "", 3, SceneParams(width, height, 3, 2.0)))
        assert all(f.shape == (height, width, 3) and f.dtype == np.uint8 for f in clip)
        assert (clip[0].min(axis=2) > 200).mean() > 0.2
