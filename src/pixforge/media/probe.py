"""Probe media files with PyAV: container, streams, sizes and durations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av


class ProbeError(Exception):
    """The file is not a media file FFmpeg can read."""


@dataclass(frozen=True, slots=True)
class VideoStreamInfo:
    codec: str
    width: int
    height: int
    fps: float
    frame_count: int
    pix_fmt: str


@dataclass(frozen=True, slots=True)
class AudioStreamInfo:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class MediaInfo:
    format_name: str
    duration_s: float
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None


def probe(path: Path) -> MediaInfo:
    """Describe the first video and audio streams of a file."""
    try:
        with av.open(str(path), mode="r") as container:
            duration_s = (container.duration or 0) / 1_000_000
            video = None
            audio = None
            if container.streams.video:
                vs = container.streams.video[0]
                frames = vs.frames
                fps = float(vs.average_rate) if vs.average_rate else 0.0
                if vs.duration is not None and vs.time_base is not None:
                    duration_s = max(duration_s, float(vs.duration * vs.time_base))
                video = VideoStreamInfo(
                    codec=vs.codec_context.name,
                    width=vs.codec_context.width,
                    height=vs.codec_context.height,
                    fps=fps,
                    frame_count=int(frames),
                    pix_fmt=str(vs.codec_context.pix_fmt),
                )
            if container.streams.audio:
                a = container.streams.audio[0]
                audio = AudioStreamInfo(
                    codec=a.codec_context.name,
                    sample_rate=int(a.codec_context.sample_rate or 0),
                    channels=int(a.codec_context.channels or 0),
                )
            return MediaInfo(
                format_name=str(container.format.name),
                duration_s=duration_s,
                video=video,
                audio=audio,
            )
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise ProbeError(str(error)) from error
