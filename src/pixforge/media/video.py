"""Read input videos and audio with PyAV: frames resampled to a target size and rate, single
frames by index, and audio tracks decoded to mono float samples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cv2 as _cv2
import numpy as np
from numpy.typing import NDArray

cv2: Any = _cv2  # OpenCV's stubs type arrays as dtype unions; results are re-typed here

Frame = NDArray[np.uint8]


def _fit(frame: Frame, width: int, height: int) -> Frame:
    """Scale to cover width x height and centre-crop (video frames: area filter, fast)."""
    source_h, source_w = frame.shape[:2]
    if source_w == width and source_h == height:
        return frame
    scale = max(width / source_w, height / source_h)
    scaled_w, scaled_h = max(width, round(source_w * scale)), max(height, round(source_h * scale))
    filtering = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(frame, (scaled_w, scaled_h), interpolation=filtering)
    left, top = (scaled_w - width) // 2, (scaled_h - height) // 2
    return np.ascontiguousarray(scaled[top : top + height, left : left + width])


def source_frames(path: Path, width: int, height: int) -> Iterator[tuple[float, Frame]]:
    """Every decoded frame with its timestamp in seconds, covered to width x height."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            if frame.pts is not None and frame.time_base is not None:
                seconds = float(frame.pts * frame.time_base)
            else:
                rate = float(stream.average_rate or 24)
                seconds = index / rate
            pixels = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
            yield seconds, _fit(pixels, width, height)


def frames_at_rate(
    path: Path, width: int, height: int, fps: int, count: int, *, bounce: bool = False
) -> Iterator[Frame]:
    """`count` frames at `fps`, each the source frame showing at that moment. Past the source's
    end the last frame holds, or with `bounce` the clip plays backwards and forwards again."""
    if bounce:
        # Bouncing needs random access; short inputs (<= 30 s) fit in memory at output size.
        clip = [frame for _, frame in source_frames(path, width, height)]
        if not clip:
            raise ValueError(f"{path.name}: no video frames")
        native = _native_rate(path)
        cycle = max(1, 2 * len(clip) - 2)
        for index in range(count):
            position = int(index * native / fps) % cycle
            yield clip[position if position < len(clip) else cycle - position]
        return
    frames = source_frames(path, width, height)
    current: tuple[float, Frame] | None = None
    upcoming = next(frames, None)
    if upcoming is None:
        raise ValueError(f"{path.name}: no video frames")
    start = upcoming[0]
    for index in range(count):
        moment = start + index / fps
        while upcoming is not None and upcoming[0] <= moment + 1e-6:
            current = upcoming
            upcoming = next(frames, None)
        assert current is not None
        yield current[1]


def _native_rate(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.streams.video[0].average_rate or 24)


def frame_at(path: Path, index: int) -> Frame:
    """The 0-based `index`-th frame at its own size (the last one if the video is shorter)."""
    last: Frame | None = None
    with av.open(str(path)) as container:
        for position, frame in enumerate(container.decode(video=0)):
            last = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
            if position == index:
                break
    if last is None:
        raise ValueError(f"{path.name}: no video frames")
    return last


def last_frame(path: Path) -> Frame:
    return frame_at(path, 1 << 40)


def decode_audio(path: Path, rate_hz: int) -> NDArray[np.float32] | None:
    """The first audio track as mono float samples at `rate_hz`, or None without one."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_hz)
        chunks: list[NDArray[np.float32]] = []
        for frame in container.decode(audio=0):
            for converted in resampler.resample(frame):
                chunks.append(converted.to_ndarray().reshape(-1).astype(np.float32))
        for converted in resampler.resample(None):
            chunks.append(converted.to_ndarray().reshape(-1).astype(np.float32))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def fit_length(samples: NDArray[np.float32], count: int) -> NDArray[np.float32]:
    """Cut or pad (with silence) to exactly `count` samples."""
    if len(samples) >= count:
        return samples[:count]
    return np.concatenate([samples, np.zeros(count - len(samples), np.float32)])
