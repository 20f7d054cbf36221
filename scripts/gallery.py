"""Regenerate docs/gallery/: a contact sheet of every camera move, style and effect template.

Run with `make gallery`. Renders with the preview engine through the `pixforge render` code path.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from pixforge.domain.rules import CAMERA_MOVEMENTS, DEFAULT_TEMPLATES, STYLES

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
DAY = ROOT / "docs" / "examples" / "landscape.jpg"
NIGHT = ROOT / "docs" / "examples" / "landscape-night.jpg"
PIXFORGE = [sys.executable, "-m", "pixforge"]


def render(out: Path, name: str, *args: str) -> Path:
    command = [*PIXFORGE, "render", "--out", str(out), "--name", name, "--quality", "360p", *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out / f"{name}.mp4"


def sheet(video: Path, name: str) -> None:
    target = GALLERY / f"{name}.png"
    command = [
        *PIXFORGE,
        "contact-sheet",
        str(video),
        "--out",
        str(target),
        "--rows",
        "2",
        "--width",
        "180",
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(target.relative_to(ROOT))


def main() -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    image = ["--image", str(DAY), "--prompt", "hills under the sun", "--model", "v4.5"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for movement in ["", *CAMERA_MOVEMENTS]:
            label = movement or "none"
            sheet(render(out, label, *image, "--camera", movement), f"camera-{label}")
        for style in STYLES:
            sheet(
                render(
                    out, f"text-{style}", "--prompt", "a red fox in blue snow", "--style", style
                ),
                f"style-text-{style}",
            )
            sheet(render(out, f"image-{style}", *image, "--style", style), f"style-image-{style}")
        for template in DEFAULT_TEMPLATES:
            slug = template.name.lower().replace(" ", "-")
            sheet(
                render(out, slug, *image, "--template-id", str(template.template_id)),
                f"template-{slug}",
            )
        sheet(
            render(
                out,
                "transition",
                "--prompt",
                "day to night",
                "--image",
                str(DAY),
                "--image",
                str(NIGHT),
            ),
            "transition",
        )
        sheet(render(out, "text", "--prompt", "a red fox running through blue snow"), "text")
        sheet(
            render(out, "fast", *image, "--camera", "zoom_in", "--motion", "fast"),
            "camera-zoom_in-fast",
        )
        sheet(render(out, "watermark", *image, "--water-mark"), "watermark")


if __name__ == "__main__":
    main()
