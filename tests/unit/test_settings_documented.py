"""Every setting is documented: the README's settings table (or docs/gpu.md for the diffusers
switches, docs/deploy.md for scale-out) names each field of `Settings` as its environment
variable."""

from __future__ import annotations

import re
from pathlib import Path

from pixforge.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("README.md", "docs/gpu.md", "docs/deploy.md")


def documented_names() -> set[str]:
    """Environment variables named in the first cell of the documents' table rows. A row may
    name several that share a prefix: `PIXFORGE_RATE_LIMIT_PER_S` / `_BURST` stands for
    PIXFORGE_RATE_LIMIT_PER_S and PIXFORGE_RATE_LIMIT_BURST."""
    names: set[str] = set()
    for document in DOCUMENTS:
        for line in (ROOT / document).read_text().splitlines():
            if not line.startswith("| `"):
                continue
            first_cell = line.split("|")[1]
            tokens = re.findall(r"`(PIXFORGE_[A-Z0-9_]+|_[A-Z0-9_]+)`", first_cell)
            full = [token for token in tokens if token.startswith("PIXFORGE_")]
            names.update(full)
            for suffix in (token for token in tokens if token.startswith("_")):
                for name in full:
                    parts = name.split("_")
                    # Replace the last k segments of the full name with the suffix, for each k.
                    for keep in range(1, len(parts)):
                        names.add("_".join(parts[:keep]) + suffix)
    return names


def test_every_setting_is_documented() -> None:
    documented = documented_names()
    missing = [
        f"PIXFORGE_{field.upper()}"
        for field in Settings.model_fields
        if f"PIXFORGE_{field.upper()}" not in documented
    ]
    assert not missing, f"settings missing from README's table (or docs/gpu.md): {missing}"


def test_documented_names_are_settings() -> None:
    """A row that names a full variable names a real setting (no stale rows)."""
    fields = {f"PIXFORGE_{field.upper()}" for field in Settings.model_fields}
    stale = []
    for document in DOCUMENTS:
        for line in (ROOT / document).read_text().splitlines():
            if line.startswith("| `PIXFORGE_"):
                stale += [
                    name
                    for name in re.findall(r"`(PIXFORGE_[A-Z0-9_]+)`", line.split("|")[1])
                    if name not in fields
                ]
    assert not stale, f"table rows naming no setting: {stale}"
