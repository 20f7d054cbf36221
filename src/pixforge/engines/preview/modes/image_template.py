"""Preview render entry of image templates: one picture, the images side by side (a panel
each) in the template's style, with its effect at its midpoint as a still would show it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from pixforge.engines.preview.finish import finished
from pixforge.engines.preview.modes.common import Frame, Renderer, Samples, Scene, no_audio
from pixforge.engines.preview.overlay import Patch, watermark
from pixforge.media.images import cover, load_rgb


def picture(scene: Scene) -> Frame:
    job, out, template = scene.job, scene.job.output, scene.template
    assert template is not None, "an image template was rendered without its template"
    count = len(job.images)
    edges = [round(i * out.width / count) for i in range(count + 1)]
    panels = [
        cover(load_rgb(Path(image.path)), edges[i + 1] - edges[i], out.height)
        for i, image in enumerate(job.images)
    ]
    still = np.concatenate(panels, axis=1)
    patches: list[Patch] = []
    if job.spec.water_mark:
        patches.append(watermark(out.width, out.height))
    frames = finished(iter([still, still, still]), template.style, template.effect, patches, 3)
    next(frames)
    return next(frames)


def frames(_scene: Scene, _sound: Samples | None) -> Iterator[Frame]:
    raise TypeError("an image template is a picture, not a video")


RENDERER = Renderer(frames, no_audio, picture)
