"""Content moderation: a term list for texts, matched on whole words, case-insensitively, and
a list of blocked files (SHA-256 digests) for input images and videos."""

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
    # SHA-256 digests (lower-case hex) of input files that are refused.
    blocked_digests: frozenset[str] = frozenset()

    @classmethod
    def from_terms(
        cls, terms: Iterable[str], blocked_digests: Iterable[str] = ()
    ) -> ModerationPolicy:
        digests = frozenset(d.strip().lower() for d in blocked_digests if d.strip())
        cleaned = sorted({t.strip().casefold() for t in terms if t.strip()}, key=len, reverse=True)
        if not cleaned:
            return cls(pattern=None, blocked_digests=digests)
        alternatives = "|".join(r"\s+".join(map(re.escape, term.split())) for term in cleaned)
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return cls(pattern=pattern, blocked_digests=digests)

    def blocked_file(self, sha256_hex: str) -> bool:
        return sha256_hex.lower() in self.blocked_digests

    def blocked_term(self, *texts: str) -> str | None:
        """The first listed term found in the texts, or None when they pass."""
        if self.pattern is None:
            return None
        for text in texts:
            match = self.pattern.search(text)
            if match:
                return match.group(0).casefold()
        return None


def parse_digests_file(text: str) -> list[str]:
    """One SHA-256 hex digest per line (anything after it on the line is a comment)."""
    digests = []
    for line in parse_terms_file(text):
        digest = line.split()[0].lower()
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest[:80]!r}")
        digests.append(digest)
    return digests


def parse_terms_file(text: str) -> list[str]:
    """One term per line; blank lines and lines starting with # are ignored."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
