"""The engine protocol: turn a validated RenderJob into an MP4 file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pixforge.domain.rules import Template
from pixforge.domain.spec import RenderJob
from pixforge.media.encode import EncoderSettings

if TYPE_CHECKING:
    from pixforge.engines.diffusers.engine import DiffusersOptions

ProgressFn = Callable[[float], None]
"""Called with the fraction done (0.0–1.0); may raise to cancel the render."""


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """What every engine is built with (from Settings), once per worker."""

    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    templates: Mapping[int, Template] = field(default_factory=dict)
    caption: bool = False
    tts_engine: str = "synth"  # "synth" or "espeak" (see engines/preview/voice.py)
    diffusers: DiffusersOptions | None = None


@dataclass(frozen=True, slots=True)
class RenderResult:
    has_audio: bool


class Engine(Protocol):
    """Load once, render many; `render` must be safe to call from one thread at a time."""

    name: str

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        """Write the finished MP4 to `out_path`."""
        ...

    def close(self) -> None: ...
