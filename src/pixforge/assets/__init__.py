"""Static files shipped with the package (restyle list covers), read with importlib.resources."""

from __future__ import annotations

from importlib import resources


def restyle_cover(restyle_id: int) -> bytes:
    """The cover JPEG of a restyle look (drawn by scripts/restyle_covers.py)."""
    folder = resources.files(__package__) / "restyle_covers"
    return (folder / f"{restyle_id}.jpg").read_bytes()
