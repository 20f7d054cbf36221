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
