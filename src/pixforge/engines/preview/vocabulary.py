"""Reads a prompt for the preview scene: setting, time of day, weather, colours and subjects.

Deterministic word matching, not language understanding: known words (and their plurals) are
looked up in small tables; a colour word belongs to the next noun it precedes ("a red fox in blue
snow" paints the fox red and the snow blue); colours with no noun tint the whole scene. What the
prompt leaves open (time of day, layout, the setting of an unknown prompt) comes from the seed.
The negative prompt removes what it names: subjects, weather, clouds, sun, moon, stars, colours.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pixforge.engines.preview.figures import KINDS

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
    "teal": (20, 140, 140),
    "cyan": (40, 210, 230),
    "turquoise": (60, 210, 190),
    "blue": (40, 90, 220),
    "navy": (20, 30, 90),
    "indigo": (75, 40, 150),
    "purple": (130, 50, 170),
    "violet": (150, 80, 210),
    "lavender": (180, 160, 230),
    "magenta": (220, 40, 180),
    "pink": (245, 140, 190),
    "white": (240, 240, 240),
    "silver": (190, 195, 205),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "black": (28, 28, 34),
    "brown": (120, 75, 40),
    "beige": (225, 205, 170),
    "neon": (255, 40, 200),
}
# Backdrop (what stands on the horizon) and ground (what fills the lower frame) of a setting word.
SETTING_WORDS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            "sea",
            "ocean",
            "wave",
            "harbour",
            "harbor",
            "port",
            "marina",
            "bay",
            "lagoon",
            "seascape",
        ),
        ("horizon", "water"),
    ),
    **dict.fromkeys(
        ("beach", "shore", "coast", "coastline", "island", "seaside", "surf", "tropical"),
        ("horizon", "sand"),
    ),
    **dict.fromkeys(("lake", "river", "pond", "stream", "waterfall"), ("mountains", "grass")),
    **dict.fromkeys(
        ("forest", "wood", "woods", "woodland", "jungle", "grove", "rainforest"),
        ("forest", "grass"),
    ),
    **dict.fromkeys(
        (
            "city",
            "street",
            "town",
            "downtown",
            "skyline",
            "alley",
            "avenue",
            "metropolis",
            "urban",
            "cyberpunk",
            "road",
        ),
        ("city", "street"),
    ),
    **dict.fromkeys(("desert", "dune", "sahara", "canyon", "oasis"), ("dunes", "sand")),
    **dict.fromkeys(
        ("mountain", "peak", "alps", "cliff", "summit", "volcano", "ridge"),
        ("mountains", "grass"),
    ),
    **dict.fromkeys(
        (
            "hill",
            "valley",
            "meadow",
            "field",
            "farm",
            "countryside",
            "garden",
            "park",
            "prairie",
            "landscape",
            "grassland",
            "village",
            "orchard",
        ),
        ("hills", "grass"),
    ),
    **dict.fromkeys(
        ("space", "galaxy", "nebula", "cosmos", "universe", "orbit", "outer"), ("space", "none")
    ),
    **dict.fromkeys(
        (
            "room",
            "kitchen",
            "bedroom",
            "indoors",
            "indoor",
            "inside",
            "interior",
            "office",
            "studio",
            "library",
            "cafe",
            "livingroom",
        ),
        ("room", "floor"),
    ),
}
# Water beside the land: the sea behind a beach, or a lake in the middle distance.
SHORE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("beach", "shore", "coast", "coastline", "island", "seaside", "surf", "tropical"), "sea"
    ),
    **dict.fromkeys(("lake", "river", "pond", "stream", "waterfall"), "lake"),
}
GROUND_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("snow", "snowy", "winter", "arctic", "frozen", "ice", "icy", "glacier", "tundra"), "snow"
    ),
    **dict.fromkeys(("sand", "sandy"), "sand"),
    **dict.fromkeys(("grass", "grassy", "lawn"), "grass"),
    **dict.fromkeys(("water",), "water"),
    **dict.fromkeys(("rock", "rocky", "stone", "stony"), "rock"),
}
TIME_WORDS: dict[str, str] = {
    **dict.fromkeys(("night", "midnight", "moonlight", "moonlit", "nighttime", "dark"), "night"),
    **dict.fromkeys(("dusk", "twilight", "evening"), "dusk"),
    **dict.fromkeys(("sunset", "sundown"), "sunset"),
    **dict.fromkeys(("sunrise", "dawn", "daybreak"), "dawn"),
    **dict.fromkeys(("day", "daytime", "noon", "midday", "morning", "afternoon", "sunny"), "day"),
}
WEATHER_WORDS: dict[str, str] = {
    **dict.fromkeys(("fog", "foggy", "mist", "misty", "haze", "hazy", "smoke", "smoky"), "fog"),
    **dict.fromkeys(("rain", "rainy", "raining", "drizzle", "rainfall", "wet", "shower"), "rain"),
    **dict.fromkeys(("storm", "stormy", "thunder", "thunderstorm", "lightning"), "storm"),
    **dict.fromkeys(("snowing", "snowfall", "snowflake", "blizzard", "snowstorm"), "snow"),
    **dict.fromkeys(("cloudy", "overcast", "gloomy"), "cloudy"),
    **dict.fromkeys(("clear",), "clear"),
}
# Subject words -> figure kind (see figures.KINDS).
SUBJECT_WORDS: dict[str, str] = {
    "fox": "fox",
    "wolf": "wolf",
    "dog": "dog",
    "puppy": "dog",
    "retriever": "dog",
    "hound": "dog",
    "cat": "cat",
    "kitten": "cat",
    "kitty": "cat",
    "horse": "horse",
    "pony": "horse",
    "stallion": "horse",
    "zebra": "zebra",
    "deer": "deer",
    "stag": "deer",
    "elk": "deer",
    "reindeer": "deer",
    "moose": "deer",
    "bear": "bear",
    "rabbit": "rabbit",
    "bunny": "rabbit",
    "hare": "rabbit",
    "cow": "cow",
    "cattle": "cow",
    "bull": "cow",
    "sheep": "sheep",
    "lamb": "sheep",
    "lion": "lion",
    "tiger": "tiger",
    "elephant": "elephant",
    "person": "person",
    "man": "person",
    "woman": "person",
    "girl": "person",
    "boy": "person",
    "lady": "person",
    "guy": "person",
    "people": "person",
    "human": "person",
    "hiker": "person",
    "traveler": "person",
    "traveller": "person",
    "walker": "person",
    "runner": "person",
    "dancer": "person",
    "knight": "person",
    "samurai": "person",
    "warrior": "person",
    "wizard": "person",
    "child": "child",
    "children": "child",
    "kid": "child",
    "astronaut": "astronaut",
    "cosmonaut": "astronaut",
    "robot": "robot",
    "android": "robot",
    "cyborg": "robot",
    "bird": "bird",
    "eagle": "bird",
    "hawk": "bird",
    "gull": "bird",
    "seagull": "bird",
    "crow": "bird",
    "raven": "bird",
    "parrot": "bird",
    "dove": "bird",
    "owl": "bird",
    "fish": "fish",
    "goldfish": "fish",
    "shark": "fish",
    "whale": "whale",
    "dolphin": "dolphin",
    "car": "car",
    "taxi": "taxi",
    "cab": "taxi",
    "bus": "bus",
    "truck": "truck",
    "lorry": "truck",
    "van": "truck",
    "jeep": "car",
    "boat": "boat",
    "canoe": "boat",
    "kayak": "boat",
    "sailboat": "sailboat",
    "yacht": "sailboat",
    "sail": "sailboat",
    "ship": "ship",
    "ferry": "ship",
    "steamship": "ship",
    "house": "house",
    "home": "house",
    "cottage": "house",
    "cabin": "house",
    "hut": "house",
    "barn": "house",
    "castle": "castle",
    "palace": "castle",
    "fortress": "castle",
    "lighthouse": "lighthouse",
    "tower": "tower",
    "skyscraper": "tower",
    "building": "tower",
    "windmill": "windmill",
    "pyramid": "pyramid",
    "tree": "tree",
    "oak": "tree",
    "pine": "pine",
    "fir": "pine",
    "spruce": "pine",
    "palm": "palm",
    "flower": "flowers",
    "rose": "flowers",
    "tulip": "flowers",
    "sunflower": "flowers",
    "daisy": "flowers",
    "cactus": "cactus",
    "cacti": "cactus",
    "balloon": "balloon",
    "plane": "plane",
    "airplane": "plane",
    "aeroplane": "plane",
    "jet": "plane",
    "aircraft": "plane",
    "rocket": "rocket",
    "spaceship": "rocket",
    "spacecraft": "rocket",
    "ufo": "ufo",
    "saucer": "ufo",
    "planet": "planet",
    "saturn": "planet",
    "jupiter": "planet",
}
# Two words naming one subject ("palm tree"): the second word's plural counts.
COMPOUNDS: dict[tuple[str, str], str] = {
    ("palm", "tree"): "palm",
    ("pine", "tree"): "pine",
    ("fir", "tree"): "pine",
    ("christmas", "tree"): "pine",
    ("oak", "tree"): "tree",
    ("sail", "boat"): "sailboat",
    ("fishing", "boat"): "boat",
    ("polar", "bear"): "bear",
    ("space", "ship"): "rocket",
    ("air", "balloon"): "balloon",
    ("sports", "car"): "car",
    ("race", "car"): "car",
    ("police", "car"): "car",
    ("fire", "truck"): "truck",
}
# Words whose subject has a colour of its own unless the prompt names one.
IMPLIED_COLOURS: dict[str, RGB] = {
    "polar": (240, 240, 236),
    "sunflower": (250, 200, 40),
    "rose": (200, 30, 50),
    "tulip": (235, 70, 110),
    "daisy": (250, 250, 250),
    "goldfish": (250, 140, 30),
    "crow": (30, 30, 36),
    "raven": (30, 30, 36),
    "gull": (240, 240, 240),
    "seagull": (240, 240, 240),
    "dove": (240, 240, 240),
    "shark": (120, 130, 145),
    "fire": (210, 30, 30),
    "taxi": (245, 200, 30),
}
# Settings that come with their own subjects.
SETTING_SUBJECTS: dict[str, tuple[tuple[str, int], ...]] = {
    **dict.fromkeys(("harbour", "harbor", "port", "marina"), (("boat", 2), ("sailboat", 1))),
    "village": (("house", 3),),
    "farm": (("house", 1), ("cow", 2)),
    "orchard": (("tree", 4),),
    "garden": (("flowers", 3),),
}
EFFECT_WORDS = {"firework": "fireworks", "fireworks": "fireworks"}
# Nouns that take a colour but are parts of the scene, not subjects.
SCENE_NOUNS = {"sky", "cloud", "sun", "moon", "light", "water", "neon", "sign", "star"}
# Words that only name groups, for the negative prompt ("no animals", "no people").
GROUPS: dict[str, frozenset[str]] = {
    "animal": frozenset(
        (
            "fox",
            "wolf",
            "dog",
            "cat",
            "horse",
            "zebra",
            "deer",
            "bear",
            "rabbit",
            "cow",
            "sheep",
            "lion",
            "tiger",
            "elephant",
            "bird",
            "fish",
            "whale",
            "dolphin",
        )
    ),
    "people": frozenset(("person", "child", "astronaut")),
    "vehicle": frozenset(("car", "taxi", "bus", "truck", "boat", "sailboat", "ship", "plane")),
    "building": frozenset(("house", "castle", "lighthouse", "tower", "windmill", "pyramid")),
    "plant": frozenset(("tree", "pine", "palm", "flowers", "cactus")),
}
GROUPS["tree"] = frozenset(("tree", "pine", "palm"))
GROUPS["boat"] = frozenset(("boat", "sailboat", "ship"))
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "lone": 1,
    "two": 2,
    "pair": 2,
    "couple": 2,
    "both": 2,
    "three": 3,
    "few": 3,
    "several": 4,
    "four": 4,
    "five": 5,
    "many": 5,
    "flock": 5,
    "herd": 4,
    "pack": 3,
    "group": 3,
    "crowd": 5,
    "school": 4,
    "fleet": 3,
}
# A colour waiting for its noun is given up at a preposition: it then tints the whole scene.
BREAKS = {"in", "on", "at", "under", "over", "through", "with", "by", "near", "across", "into"}
# How many of a kind a plural asks for, by kind; more would only clutter the frame.
MAX_COUNT = {"bird": 7, "flowers": 6, "pine": 6, "tree": 5, "tower": 5, "fish": 5}
_WORD = re.compile(r"[a-z0-9]+")
_MENTION = re.compile(r"@\w+")
_PLURALS = {
    "wolves": "wolf",
    "people": "people",
    "men": "man",
    "women": "woman",
    "children": "children",
    "geese": "bird",
    "mice": "cat",
    "cacti": "cacti",
    "skies": "sky",
    "leaves": "tree",
    "knives": "knife",
}


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    colours: tuple[RGB, ...] = ()  # named colours, main first; empty means the kind's own
    count: int = 1


@dataclass(frozen=True, slots=True)
class ScenePlan:
    """What the prompt asks for, resolved with the seed where it is silent."""

    backdrop: str  # hills, mountains, forest, city, dunes, horizon, space, room
    ground: str  # grass, snow, sand, water, street, floor, rock, none
    shore: str  # "", "sea" (a sea band before the land) or "lake" (a lake on the land)
    time: str  # day, golden, sunset, dawn, dusk, night
    weather: str  # clear, cloudy, fog, rain, storm, snow
    subjects: tuple[Subject, ...] = ()
    colours: dict[str, RGB] = field(default_factory=dict)  # sky, ground, water, cloud, sun...
    tint: RGB | None = None  # colours with no noun: the mood of the whole frame
    neon: bool = False
    clouds: bool = True
    sun: bool = True
    moon: bool = True
    stars: bool = True
    understood: bool = True  # False: nothing in the prompt was recognised
    removed: frozenset[str] = frozenset()  # colour names the negative prompt rules out
    fireworks: bool = False


def words(text: str) -> list[str]:
    """Lower-case words with plurals reduced to the singular this vocabulary knows."""
    out = []
    for word in _WORD.findall(text.lower()):
        out.append(singular(word))
    return out


def singular(word: str) -> str:
    if word in _PLURALS:
        return _PLURALS[word]
    known = (SUBJECT_WORDS, SETTING_WORDS, GROUND_WORDS, WEATHER_WORDS, TIME_WORDS, NUMBERS)
    if any(word in table for table in known) or word in SCENE_NOUNS or word in COLOUR_WORDS:
        return word
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)] + replacement
            if any(stem in table for table in known) or stem in SCENE_NOUNS or stem in GROUPS:
                return stem
    return word


def read_prompt(prompt: str, negative: str, seed: int) -> ScenePlan:
    """The scene a prompt describes; the same (prompt, negative, seed) gives the same plan.

    @names (fusion's references: "@hero walks in @bg") are not read: the references bring their
    own pictures, so a prompt of references and unknown words gets a plain seeded landscape.
    """
    mentions = _MENTION.findall(prompt)
    raw_words = _WORD.findall(_MENTION.sub(" ", prompt).lower())
    tokens = [singular(w) for w in raw_words]
    banned = set(words(negative))
    banned_kinds = {kind for word in banned for kind in GROUPS.get(word, ())}
    banned_kinds |= {SUBJECT_WORDS[w] for w in banned if w in SUBJECT_WORDS}
    removed = frozenset(w for w in banned if w in COLOUR_WORDS)
    choice = _chooser(prompt, seed)

    backdrop = ground = time = weather = shore = ""
    setting_ground = ""
    subjects: list[Subject] = []
    colours: dict[str, RGB] = {}
    tint: list[RGB] = []
    pending: list[RGB] = []
    count = 0
    neon = fireworks = recognised = False
    implied: list[tuple[str, int]] = []
    skip = False
    for index, (raw, word) in enumerate(zip(raw_words, tokens, strict=True)):
        if skip:
            skip = False
            continue
        nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
        if word == "golden" and nxt == "hour":
            time, recognised = time or "golden", True
            continue
        compound = COMPOUNDS.get((word, nxt))
        if compound is not None:
            # The compound is read as its second word: plural and all.
            raw, word, skip = raw_words[index + 1], nxt, True
        if word == "neon":
            neon = recognised = True
        if word in COLOUR_WORDS and word not in removed and compound is None:
            # "golden retriever" and "red fox": colour words are adjectives of what follows.
            pending.append(COLOUR_WORDS[word])
            recognised = True
            continue
        if word in NUMBERS:
            count = max(count, NUMBERS[word])
            continue
        if word in BREAKS and pending:
            tint.extend(pending)
            pending = []
        if word in EFFECT_WORDS and word not in banned:
            fireworks = recognised = True
        if word in TIME_WORDS and word not in banned:
            time, recognised = time or TIME_WORDS[word], True
            if word in ("night", "dark") and pending:
                colours.setdefault("sky", pending[0])
                pending = []
        if word in WEATHER_WORDS and word not in banned:
            weather, recognised = weather or WEATHER_WORDS[word], True
        if word in SETTING_WORDS:
            recognised = True
            shore = shore or SHORE_WORDS.get(word, "")
            implied.extend(SETTING_SUBJECTS.get(word, ()))
            if not backdrop:
                backdrop, setting_ground = SETTING_WORDS[word]
            elif SETTING_WORDS[word][1] == "water":
                shore = shore or "sea"
            if pending:
                watery = SETTING_WORDS[word][1] == "water" or word in SHORE_WORDS
                key = "water" if watery else "ground"
                if SETTING_WORDS[word][0] == "city":
                    key = "city"
                colours.setdefault(key, pending[0])
                pending = []
            count = 0
        if word in GROUND_WORDS and word not in banned:
            recognised = True
            ground = ground or GROUND_WORDS[word]
            if pending:
                colours.setdefault("water" if ground == "water" else "ground", pending[0])
                pending = []
            count = 0
        if word in SCENE_NOUNS and word != "neon":
            recognised = True
            if pending:
                colours.setdefault(word, pending[0])
                pending = []
            count = 0
        kind = compound or SUBJECT_WORDS.get(word)
        if kind is not None:
            recognised = True
            if kind in banned_kinds:
                pending, count = [], 0
                continue
            plural = raw != word or raw in ("people", "children", "cattle")
            number = min(count or (3 if plural else 1), MAX_COUNT.get(kind, 4))
            own = IMPLIED_COLOURS.get(tokens[index]) or IMPLIED_COLOURS.get(word)
            named = tuple(pending) or ((own,) if own is not None else ())
            subjects.append(Subject(kind, named, max(1, number)))
            pending, count = [], 0
    tint.extend(pending)
    present = {s.kind for s in subjects}
    for kind, number in implied:
        if kind not in present and kind not in banned_kinds:
            subjects.append(Subject(kind, (), number))
            present.add(kind)

    # Subjects that only make sense in one place pull the setting there when nothing else does.
    kinds = {s.kind for s in subjects}
    walkers = any(KINDS[kind].place == "ground" and KINDS[kind].motion != "still" for kind in kinds)
    if not backdrop:
        if kinds & {"astronaut", "rocket", "planet", "ufo"}:
            backdrop, setting_ground = "space", "none"
        elif kinds & {"boat", "sailboat", "ship", "whale", "dolphin", "fish"}:
            backdrop, setting_ground = "horizon", "water"
        elif kinds & {"car", "taxi", "bus", "truck", "tower"}:
            backdrop, setting_ground = "city", "street"
        elif kinds & {"camel", "cactus", "pyramid"}:
            backdrop, setting_ground = "dunes", "sand"
        elif ground == "snow":
            backdrop = choice("backdrop", ("mountains", "forest", "hills"))
            setting_ground = "snow"
        elif ground == "sand":
            backdrop, setting_ground = "dunes", "sand"
        elif walkers or not recognised or mentions:
            backdrop = choice("backdrop", ("hills", "mountains", "forest", "hills", "dunes"))
            setting_ground = "sand" if backdrop == "dunes" else "grass"
        else:
            backdrop = choice("backdrop", ("hills", "mountains", "forest", "hills", "horizon"))
            setting_ground = "water" if backdrop == "horizon" else "grass"
    if not ground or (ground == "snow" and setting_ground in ("none", "floor")):
        ground = setting_ground
    if setting_ground == "water" and ground != "water":
        shore = "sea"  # "snow by the sea": snowy land before open water
    if ground == "water" and walkers:
        ground, shore = "sand", "sea"  # "a dog by the sea": on the beach, not on the water
    if ground == "water":
        shore = ""
    if backdrop == "space":
        ground = "none"
    if "snow" in banned and ground == "snow":
        ground = "grass"

    if not time:
        time = choice("time", ("day", "day", "day", "golden")) if backdrop != "space" else "night"
        if "moon" in tokens or "star" in tokens or fireworks:
            time = "night"
    if not weather:
        weather = "clear"
        if ground == "snow" and "snow" not in banned:
            weather = choice("snowfall", ("snow", "clear"))
        elif backdrop not in ("space", "room"):
            weather = choice("weather", ("clear", "clear", "cloudy", "clear"))
    if weather in banned or (weather == "storm" and "rain" in banned):
        weather = "clear"
    if backdrop in ("space", "room"):
        weather = "clear"
    return ScenePlan(
        backdrop=backdrop,
        ground=ground,
        shore=shore if backdrop not in ("space", "room", "city") else "",
        time=time,
        weather=weather,
        subjects=tuple(subjects),
        colours=colours,
        tint=_mean(tint) if tint else None,
        neon=neon or (backdrop == "city" and "cyberpunk" in tokens),
        clouds="cloud" not in banned,
        sun="sun" not in banned,
        moon="moon" not in banned,
        stars="star" not in banned,
        understood=recognised or bool(mentions),
        removed=removed,
        fireworks=fireworks,
    )


def _mean(colours: list[RGB]) -> RGB:
    count = len(colours)
    return (
        sum(c[0] for c in colours) // count,
        sum(c[1] for c in colours) // count,
        sum(c[2] for c in colours) // count,
    )


def _chooser(prompt: str, seed: int) -> Callable[[str, tuple[str, ...]], str]:
    """Seeded choices, each decided by its own name so adding one never reshuffles another."""

    def choose(name: str, options: tuple[str, ...]) -> str:
        digest = hashlib.sha256(f"{prompt}\x00{seed}\x00{name}".encode()).digest()
        return options[int.from_bytes(digest[:4], "little") % len(options)]

    return choose
