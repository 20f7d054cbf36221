"""Draw the restyle list's cover images with the preview engine into the package's assets.

Run after changing a restyle look or the preview scene: `python scripts/restyle_covers.py`
(then bump COVER_VERSION in services/catalogue.py so running servers store the new ones).
"""

from __future__ import annotations

from pathlib import Path

from pixforge.domain.catalogue import RESTYLES
from pixforge.engines.preview.edits import restyle_cover
from pixforge.media.segment import jpeg

FOLDER = Path(__file__).resolve().parents[1] / "src" / "pixforge" / "assets" / "restyle_covers"


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for restyle in RESTYLES:
        target = FOLDER / f"{restyle.restyle_id}.jpg"
        target.write_bytes(jpeg(restyle_cover(restyle)))
        print(target)


if __name__ == "__main__":
    main()
