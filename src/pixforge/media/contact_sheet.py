"""Contact sheets: a PNG grid of evenly spaced frames of a video, for people to look at."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image, ImageDraw


def contact_sheet(
    video: Path, out: Path, columns: int = 4, rows: int = 3, thumb_width: int = 240
) -> Path:
    """Write a grid of `columns x rows` frames (first and last included) to `out`."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        total = stream.frames or sum(1 for _ in container.decode(video=0))
    count = max(1, columns * rows)
    wanted = sorted({round(i * (total - 1) / max(1, count - 1)) for i in range(count)})
    thumbs: list[tuple[int, Image.Image]] = []
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                image = Image.fromarray(frame.to_ndarray(format="rgb24"))
                height = max(1, round(image.height * thumb_width / image.width))
                thumbs.append(
                    (index, image.resize((thumb_width, height), Image.Resampling.BILINEAR))
                )
    if not thumbs:
        raise ValueError(f"{video} has no video frames")
    thumb_h = thumbs[0][1].height
    gap = 4
    sheet = Image.new(
        "RGB",
        (columns * thumb_width + (columns + 1) * gap, rows * (thumb_h + gap) + gap),
        (24, 24, 28),
    )
    draw = ImageDraw.Draw(sheet)
    for position, (index, thumb) in enumerate(thumbs):
        x = gap + (position % columns) * (thumb_width + gap)
        y = gap + (position // columns) * (thumb_h + gap)
        sheet.paste(thumb, (x, y))
        draw.text((x + 4, y + 3), f"#{index}", fill=(255, 255, 255))
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    return out
