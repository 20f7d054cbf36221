"""Preview-engine speed: render + encode versus encoding the same frames pre-made (same settings).

Both are measured in this run, on the same frames, so the ratio is the cost of rendering.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from pixforge.domain.spec import Mode, OutputFormat, RenderJob, spec_from_flat
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.engine import PreviewEngine
from pixforge.media.encode import EncoderSettings, VideoEncoder

SIZES = {"360p": (640, 360), "540p": (960, 540), "720p": (1280, 720), "1080p": (1920, 1080)}
FPS = 24
SECONDS = 5
REPEATS = 3


def job(quality: str) -> RenderJob:
    width, height = SIZES[quality]
    spec = spec_from_flat(
        dict(
            mode=Mode.TEXT,
            model="v4.5",
            prompt="a red fox running through blue snow at sunset",
            quality=quality,
            duration_s=SECONDS,
            aspect_ratio="16:9",
        )
    )
    return RenderJob(1, spec, 42, OutputFormat(width, height, FPS, SECONDS * FPS))


def encode_only(frames: list[np.ndarray], out: Path, settings: EncoderSettings) -> float:
    height, width = frames[0].shape[:2]
    started = time.perf_counter()
    with VideoEncoder(out, width, height, FPS, settings) as encoder:
        for frame in frames:
            encoder.write(frame)
    return time.perf_counter() - started


def render(engine: PreviewEngine, quality: str, out: Path) -> float:
    started = time.perf_counter()
    engine.render(job(quality), out, lambda _: None)
    return time.perf_counter() - started


def main() -> None:
    settings = EncoderSettings()
    engine = PreviewEngine(EngineConfig(encoder=settings))
    print(
        f"preview render+encode vs encode of pre-made frames ({SECONDS} s, {FPS} fps, "
        f"median of {REPEATS})"
    )
    print(f"  {'quality':8} {'encode ms':>10} {'render ms':>10} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for quality in SIZES:
            frames = [f.copy() for f in engine.frames(job(quality))]
            encode_s = statistics.median(
                encode_only(frames, out / "e.mp4", settings) for _ in range(REPEATS)
            )
            del frames
            render_s = statistics.median(
                render(engine, quality, out / "r.mp4") for _ in range(REPEATS)
            )
            print(
                f"  {quality:8} {encode_s * 1000:10.0f} {render_s * 1000:10.0f} "
                f"{render_s / encode_s:6.2f}x"
            )


if __name__ == "__main__":
    main()
