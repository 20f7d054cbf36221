"""Prompt moderation: a term list, matched on whole words, case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# A deliberately small default: operators extend it with PIXFORGE_MODERATION_TERMS_FILE.
DEFAULT_TERMS: tuple[str, ...] = (
    "child sexual abuse",
    "csam",
    "beheading",
    "gore",
    "nude",
    "nudity",
    "porn",
    "pornographic",
    "terrorist attack",
)


@dataclass(frozen=True, slots=True)
class ModerationPolicy:
    """Blocks texts that contain any listed term as whole words."""

    pattern: re.Pattern[str] | None

    @classmethod
    def from_terms(cls, terms: Iterable[str]) -> ModerationPolicy:
        cleaned = sorted({t.strip().casefold() for t in terms if t.strip()}, key=len, reverse=True)
        if not cleaned:
            return cls(pattern=None)
        alternatives = "|".join(r"\s+".join(map(re.escape, term.split())) for term in cleaned)
        return cls(pattern=re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE))

    def blocked_term(self, *texts: str) -> str | None:
        """The first listed term found in the texts, or None when they pass."""
        if self.pattern is None:
            return None
        for text in texts:
            match = self.pattern.search(text)
            if match:
                return match.group(0).casefold()
        return None


def parse_terms_file(text: str) -> list[str]:
    """One term per line; blank lines and lines starting with # are ignored."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
