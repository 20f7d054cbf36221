"""Read-only catalogues: TTS speakers (spec §10) and paging rules shared by list endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pixforge.domain.errors import BindingError, InvalidParameterError, MissingParameterError

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Speaker:
    speaker_id: str
    name: str


# PixVerse's documented catalogue (OpenAPI export, lip_sync/tts_list example), in its order.
TTS_SPEAKERS: tuple[Speaker, ...] = (
    *(
        Speaker(str(index), name)
        for index, name in enumerate(
            (
                "Emily",
                "James",
                "Isabella",
                "Liam",
                "Chloe",
                "Adrian",
                "Harper",
                "Ava",
                "Sophia",
                "Julia",
                "Mason",
                "Jack",
                "Oliver",
                "Ethan",
            ),
            start=1,
        )
    ),
    Speaker("Auto", "Auto"),
)

TEMPLATE_PAGE_SIZES = (10, 20, 50, 100)


def check_speaker(speaker_id: str) -> None:
    """Speaker ids of the TTS list, in any case (guides send "auto" for "Auto")."""
    known = {speaker.speaker_id.lower() for speaker in TTS_SPEAKERS}
    if speaker_id.lower() not in known:
        raise InvalidParameterError(
            f"lip_sync_tts_speaker_id: {speaker_id[:40]!r} is not a speaker of the TTS list "
            "(GET /openapi/v2/video/lip_sync/tts_list)"
        )


def parse_positive(field: str, raw: str | None, *, default: int | None = None) -> int:
    """A query parameter that must be a positive integer (digit strings, as clients send)."""
    if raw is None or raw.strip() == "":
        if default is None:
            raise MissingParameterError(f"{field} is required")
        return default
    text = raw.strip()
    # ASCII only: str.isdigit() also accepts "²" and other digits that int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BindingError(f"{field}: {raw[:20]!r} is not a positive integer")
    value = int(text)
    if value < 1:
        raise InvalidParameterError(f"{field}: must be at least 1")
    return value


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """One page of a listing: its items, how many there are in all, which page, its size."""

    items: list[ItemT]
    total: int
    page: int
    page_size: int


def page_of(items: Sequence[ItemT], page: int, size: int) -> list[ItemT]:
    start = (page - 1) * size
    return list(items[start : start + size])


@dataclass(frozen=True, slots=True)
class Restyle:
    """A restyle effect: a look (one of the style filters) and a colour grade."""

    restyle_id: int
    name: str
    prompt: str
    style: str  # one of rules.STYLES, or "" for a grade only
    grade: str  # one of RESTYLE_GRADES


RESTYLE_GRADES = ("", "noir", "sepia", "warm", "cool")

RESTYLES: tuple[Restyle, ...] = (
    Restyle(23001, "Anime", "turn the video into a bright cel-shaded anime", "anime", ""),
    Restyle(23002, "Comic book", "inked comic-book panels with halftone colour", "comic", ""),
    Restyle(23003, "3D cartoon", "a soft 3D animated film look", "3d_animation", ""),
    Restyle(23004, "Claymation", "everything made of modelling clay", "clay", ""),
    Restyle(23005, "Cyberpunk", "neon-lit cyberpunk night", "cyberpunk", "cool"),
    Restyle(23006, "Film noir", "black-and-white film noir with hard contrast", "", "noir"),
    Restyle(23007, "Old photograph", "a faded sepia photograph from long ago", "", "sepia"),
    Restyle(23008, "Golden hour", "warm golden-hour light", "", "warm"),
)

RESTYLES_BY_ID: dict[int, Restyle] = {restyle.restyle_id: restyle for restyle in RESTYLES}

# Words of a free-form restyle prompt that pick a catalogue look (first match wins).
RESTYLE_KEYWORDS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("anime", "manga", "cel"), 23001),
    (("comic", "cartoon", "ink"), 23002),
    (("3d", "pixar", "animated"), 23003),
    (("clay", "plasticine", "claymation"), 23004),
    (("cyberpunk", "neon", "futuristic"), 23005),
    (("noir", "black", "monochrome", "grayscale"), 23006),
    (("sepia", "vintage", "old", "retro"), 23007),
    (("golden", "warm", "sunset", "summer"), 23008),
)


def restyle_for_prompt(prompt: str) -> Restyle:
    """The catalogue look a free-form restyle prompt asks for (hashing when no word matches)."""
    words = set(prompt.lower().replace(",", " ").split())
    for keywords, restyle_id in RESTYLE_KEYWORDS:
        if words & set(keywords):
            return RESTYLES_BY_ID[restyle_id]
    return RESTYLES[sum(prompt.encode()) % len(RESTYLES)]
