"""Read-only catalogues: TTS speakers (spec §10) and paging rules shared by list endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

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


def parse_positive(field: str, raw: str | None, *, default: int | None = None) -> int:
    """A query parameter that must be a positive integer (digit strings, as clients send)."""
    if raw is None or raw.strip() == "":
        if default is None:
            raise MissingParameterError(f"{field} is required")
        return default
    text = raw.strip()
    if not text.isdigit() or len(text) > 9:
        raise BindingError(f"{field}: {raw[:20]!r} is not a positive integer")
    value = int(text)
    if value < 1:
        raise InvalidParameterError(f"{field}: must be at least 1")
    return value


def page_of(items: Sequence[ItemT], page: int, size: int) -> list[ItemT]:
    start = (page - 1) * size
    return list(items[start : start + size])
