"""The shared H.264 encoder: frames stream in, a faststart MP4 comes out, repeatable bytes."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from numpy.typing import NDArray

_DONE = object()


def prefetched(frames: Iterator[NDArray[np.uint8]], depth: int) -> Iterator[NDArray[np.uint8]]:
    """Produce frames on a helper thread while the caller encodes (NumPy, OpenCV and x264 release
    the GIL), holding at most `depth` frames in memory. Errors are re-raised in the caller."""
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in frames:
                if stop.is_set():
                    return
                slots.put(frame)
            slots.put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            slots.put(error)

    worker = threading.Thread(target=produce, name="frame-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


AUDIO_RATE_HZ = 48_000
AUDIO_CHUNK = 1024


@dataclass(frozen=True, slots=True)
class EncoderSettings:
    # "superfast", not "veryfast": with this build of x264, veryfast produced different bytes
    # for identical frames from run to run on high-contrast content (seen with the comic style);
    # superfast and ultrafast stayed bit-identical across runs, processes and thread counts.
    preset: str = "superfast"
    crf: int = 23
    threads: int = 2


class VideoEncoder:
    """Write RGB frames one by one; nothing is buffered beyond the encoder's own lookahead."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        settings: EncoderSettings,
        audio: NDArray[np.float32] | None = None,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"yuv420p needs even sides, got {width}x{height}")
        self.width = width
        self.height = height
        self.frames_written = 0
        # bitexact keeps library version strings and timestamps out of the file (repeatable bytes).
        self._container = av.open(
            str(path),
            mode="w",
            format="mp4",
            options={"movflags": "+faststart", "fflags": "+bitexact"},
        )
        stream = self._container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        # A fixed thread count: x264's output depends on it, so it must not follow the CPU count.
        stream.codec_context.thread_count = settings.threads
        stream.options = {
            "preset": settings.preset,
            "crf": str(settings.crf),
            "threads": str(settings.threads),
        }
        self._stream = stream
        if audio is not None:
            # Audio is short and small: encode it all first; the muxer interleaves by timestamp.
            self._write_audio(audio)

    def _write_audio(self, samples: NDArray[np.float32]) -> None:
        """Mono float samples in [-1, 1] at AUDIO_RATE_HZ, as an AAC track."""
        stream = self._container.add_stream("aac", rate=AUDIO_RATE_HZ)
        stream.layout = "mono"
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        clipped = np.clip(samples, -1.0, 1.0).astype(np.float32)
        for start in range(0, len(clipped), AUDIO_CHUNK):
            frame = av.AudioFrame.from_ndarray(
                clipped[None, start : start + AUDIO_CHUNK], format="fltp", layout="mono"
            )
            frame.sample_rate = AUDIO_RATE_HZ
            frame.pts = start
            for packet in stream.encode(frame):
                self._container.mux(packet)
        for packet in stream.encode(None):
            self._container.mux(packet)

    def write(self, frame: NDArray[np.uint8]) -> None:
        if frame.shape != (self.height, self.width, 3):
            raise ValueError(f"frame shape {frame.shape} != {(self.height, self.width, 3)}")
        video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        video_frame.pts = self.frames_written
        for packet in self._stream.encode(video_frame):
            self._container.mux(packet)
        self.frames_written += 1

    def write_flat(self, rgb: tuple[int, int, int]) -> None:
        """One frame of a single colour, converted to YUV here: no per-pixel colour conversion
        (draft pictures at 1080p cost a few milliseconds a frame instead of tens)."""
        red, green, blue = rgb
        # BT.601 limited range, as swscale converts rgb24 to yuv420p by default.
        luma = round(16 + (65.481 * red + 128.553 * green + 24.966 * blue) / 255)
        cb = round(128 + (-37.797 * red - 74.203 * green + 112.0 * blue) / 255)
        cr = round(128 + (112.0 * red - 93.786 * green - 18.214 * blue) / 255)
        height, width = self.height, self.width
        planes = np.empty((height * 3 // 2, width), np.uint8)
        planes[:height] = luma
        planes[height : height + height // 4] = cb
        planes[height + height // 4 :] = cr
        video_frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        video_frame.pts = self.frames_written
        for packet in self._stream.encode(video_frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> VideoEncoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:
            self._container.close()
