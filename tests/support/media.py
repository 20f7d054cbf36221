"""Test media: real encoded images and videos, and probing helpers built on PyAV."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image


def image_bytes(
    width: int = 640,
    height: int = 480,
    fmt: str = "PNG",
    colour: tuple[int, int, int] | None = None,
) -> bytes:
    """A real encoded image with a gradient (or a flat colour) so frames can be compared."""
    if colour is None:
        xs = np.linspace(0, 255, width, dtype=np.float32)[None, :]
        ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
        pixels = np.stack(
            [
                np.broadcast_to(xs, (height, width)),
                np.broadcast_to(ys, (height, width)),
                np.full((height, width), 128, np.float32),
            ],
            axis=-1,
        ).astype(np.uint8)
        image = Image.fromarray(pixels)
    else:
        image = Image.new("RGB", (width, height), colour)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def decode_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def make_video(path: Path, width: int, height: int, seconds: float, fps: int = 24) -> Path:
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(int(seconds * fps)):
            frame = np.full((height, width, 3), index % 256, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def make_audio(path: Path, seconds: float, fmt: str = "wav", codec: str = "pcm_s16le") -> Path:
    rate = 16000
    with av.open(str(path), mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        samples = (np.sin(np.arange(int(seconds * rate)) / 10.0) * 3000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def noise_png(width: int, height: int, seed: int = 0) -> bytes:
    """A PNG of random pixels: does not compress, so its byte size is predictable."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


# Encoded scene clips by (container suffix, size, length, fps, codec, audio): the clip is the same
# bytes every time, so each kind is encoded once per test process and copied after that.
_SCENE_CLIPS: dict[tuple[str, int, int, float, int, str, bool], bytes] = {}


def make_scene_video(
    path: Path,
    width: int,
    height: int,
    seconds: float,
    *,
    fps: int = 24,
    codec: str = "libx264",
    with_audio: bool = False,
) -> Path:
    """A real clip with texture and motion (a gradient, a moving disc, coloured bars), so
    styles, masks and frame matches have something to work on; optionally a sine AAC track."""
    key = (path.suffix, width, height, seconds, fps, codec, with_audio)
    if key not in _SCENE_CLIPS:
        _encode_scene_video(path, width, height, seconds, fps, codec, with_audio)
        _SCENE_CLIPS[key] = path.read_bytes()
    else:
        path.write_bytes(_SCENE_CLIPS[key])
    return path


def _encode_scene_video(
    path: Path,
    width: int,
    height: int,
    seconds: float,
    fps: int,
    codec: str,
    with_audio: bool,
) -> None:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([60 + 150 * x / width, 90 + 120 * y / height, np.full_like(x, 150)], axis=-1)
    base[(y > height * 0.75)] = (70, 140, 60)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps)
        pix_fmt = "rgb24" if codec == "png" else "yuv420p"
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        audio = None
        if with_audio:
            audio = container.add_stream("aac", rate=48000)
            audio.layout = "mono"
        count = int(seconds * fps)
        for index in range(count):
            frame = base.copy()
            cx = width * (0.3 + 0.4 * index / max(1, count - 1))
            frame[(x - cx) ** 2 + (y - height * 0.45) ** 2 < (height * 0.18) ** 2] = (220, 60, 50)
            pixels = np.clip(frame, 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if audio is not None:
            total = int(seconds * 48000)
            samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(total) / 48000)).astype(np.float32)
            for start in range(0, total, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    samples[None, start : start + 1024], format="fltp", layout="mono"
                )
                chunk.sample_rate = 48000
                chunk.pts = start
                for packet in audio.encode(chunk):
                    container.mux(packet)
            for packet in audio.encode(None):
                container.mux(packet)
