"""Feature renders against a plain transcode of the same source, measured in the same run.

The baseline decodes the source video and encodes its frames again at the same size and rate
(what any video-to-video feature must at least do); each feature's ratio is what its own work
adds on top: a style, a mouth and a voice, a sound track, a camera move, a mask composite.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from pixforge.domain.spec import (
    GenerationSpec,
    ImageRef,
    Mode,
    OutputFormat,
    RenderJob,
    SourceVideo,
    spec_from_flat,
)
from pixforge.engines.base import EngineConfig
from pixforge.engines.preview.engine import PreviewEngine
from pixforge.media.encode import EncoderSettings, VideoEncoder, prefetched
from pixforge.media.probe import probe
from pixforge.media.segment import mask_png, segment
from pixforge.media.video import frame_at, frames_at_rate

WIDTH, HEIGHT, FPS, SECONDS, REPEATS = 960, 540, 24, 5, 3
FRAMES = SECONDS * FPS


def spec(mode: Mode, **fields: object) -> GenerationSpec:
    base: dict[str, object] = {
        "model": "v4.5",
        "prompt": "a red fox in blue snow",
        "quality": "540p",
        "duration_s": SECONDS,
        "aspect_ratio": "16:9",
        "source_media_id": 1,
    }
    base.update(fields)
    return spec_from_flat({"mode": mode, **base})


def timed(action: object) -> float:
    assert callable(action)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    settings = EncoderSettings()
    engine = PreviewEngine(EngineConfig(encoder=settings))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source_path = folder / "source.mp4"
        output = OutputFormat(WIDTH, HEIGHT, FPS, FRAMES)
        engine.render(RenderJob(1, spec(Mode.TEXT), 3, output), source_path, lambda _: None)
        info = probe(source_path)
        source = SourceVideo(str(source_path), WIDTH, HEIGHT, info.duration_s, False, "h264")
        mask = folder / "mask.png"
        mask.write_bytes(mask_png(segment(frame_at(source_path, 0))[0]))
        swap = spec(Mode.SWAP, image_ids=(1,), mask_id="m", keyframe=1)
        replacement = ImageRef(str(folder / "hat.png"), 64, 64)
        Image.new("RGB", (64, 64), (250, 220, 0)).save(replacement.path)

        def transcode() -> None:
            with VideoEncoder(folder / "t.mp4", WIDTH, HEIGHT, FPS, settings) as encoder:
                frames = frames_at_rate(source_path, WIDTH, HEIGHT, FPS, FRAMES)
                for frame in prefetched(frames, depth=4):  # as the engine does
                    encoder.write(frame)

        baseline = statistics.median(timed(transcode) for _ in range(REPEATS))
        text = "Hello there, this is a benchmark of the preview voice, spoken at speed."
        jobs = {
            "restyle": RenderJob(1, spec(Mode.RESTYLE, restyle_id=23002), 3, output, video=source),
            "lip sync (TTS)": RenderJob(
                1,
                spec(Mode.LIP_SYNC, lip_sync_tts_speaker_id="1", lip_sync_tts_content=text),
                3,
                output,
                video=source,
            ),
            "sound effect": RenderJob(
                1, spec(Mode.SOUND_EFFECT, sound_effect_content="rain"), 3, output, video=source
            ),
            "extend": RenderJob(1, spec(Mode.EXTEND), 3, output, video=source),
            "swap": RenderJob(
                1, swap, 3, output, (replacement,), video=source, mask_path=str(mask)
            ),
        }
        print(
            f"feature render vs transcode of the same {WIDTH}x{HEIGHT} {SECONDS} s source "
            f"(median of {REPEATS}); transcode {baseline * 1000:.0f} ms"
        )
        print(f"  {'feature':16} {'ms':>8} {'ratio':>7}")
        for name, job in jobs.items():
            elapsed = statistics.median(
                timed(lambda job=job: engine.render(job, folder / "f.mp4", lambda _: None))
                for _ in range(REPEATS)
            )
            print(f"  {name:16} {elapsed * 1000:8.0f} {elapsed / baseline:6.2f}x")


if __name__ == "__main__":
    main()
