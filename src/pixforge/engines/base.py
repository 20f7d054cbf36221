"""The engine protocol: turn a validated RenderJob into a finished file (an MP4, or a JPEG for
picture modes). Engines know nothing of each other; engines/routing.py combines them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pixforge.domain.rules import Template
from pixforge.domain.spec import Mode, RenderJob
from pixforge.media.encode import EncoderSettings

ProgressFn = Callable[[float], None]
"""Called with the fraction done (0.0–1.0); may raise to stop the render (cancel, shutdown)."""


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """What every engine is built with (from Settings), once per worker."""

    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    templates: Mapping[int, Template] = field(default_factory=dict)
    caption: bool = False
    tts_engine: str = "synth"  # "synth" or "espeak" (see engines/preview/voice.py)
    # Draft pictures: flat colours instead of drawn scenes, at the same size and length and
    # with the same sound (CI runs where only the API's behaviour matters).
    draft: bool = False
    # Engine-specific settings by name (e.g. the diffusers engine's registry file and device),
    # read by that engine's builder.
    options: Mapping[str, object] = field(default_factory=dict)
    # The engine that renders what this one does not serve ("" = nothing else; such requests
    # are refused at submit).
    fallback: str = ""


@dataclass(frozen=True, slots=True)
class RenderResult:
    has_audio: bool


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an engine renders: every request (`served` None) or these (model, mode) pairs."""

    served: frozenset[tuple[str, Mode]] | None = None

    def serves(self, model: str, mode: Mode) -> bool:
        return self.served is None or (model, mode) in self.served


class Engine(Protocol):
    """Load once, render many; `render` is called from one thread at a time."""

    name: str

    def capabilities(self) -> Capabilities: ...

    def loaded_models(self) -> dict[str, int]:
        """How many times each model was loaded (engines without models: empty)."""
        ...

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        """Write the finished file to `out_path`."""
        ...

    def close(self) -> None: ...
