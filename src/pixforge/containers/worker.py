"""WorkerContainer: what a worker needs — engines (loaded once per worker), moderation and the
runner factory — built once from Settings, beside or without an API."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from pixforge.config import Settings
from pixforge.containers.common import Core, load_moderation
from pixforge.domain.moderation import ModerationPolicy
from pixforge.domain.rules import Template
from pixforge.engines.base import EngineConfig
from pixforge.engines.registry import build_engine
from pixforge.media.encode import EncoderSettings
from pixforge.worker.runner import Runner, RunnerConfig, new_owner_id


def engine_config(settings: Settings, templates: Mapping[int, Template]) -> EngineConfig:
    """What every engine of this process is built with."""
    options: dict[str, object] = {}
    if settings.engine == "diffusers":
        options = {
            "registry_file": settings.diffusers_models_file,
            "device": settings.diffusers_device,
            "dtype": settings.diffusers_dtype,
            "memory_budget_gb": settings.diffusers_memory_budget_gb,
            "cpu_offload": settings.diffusers_cpu_offload,
            "vae_tiling": settings.diffusers_vae_tiling,
            "compile": settings.diffusers_compile,
        }
    return EngineConfig(
        encoder=EncoderSettings(
            preset=settings.encoder_preset,
            crf=settings.encoder_crf,
            threads=settings.encoder_threads,
        ),
        templates=templates,
        caption=settings.preview_caption,
        draft=settings.preview_draft,
        tts_engine=settings.tts_engine,
        options=options,
        fallback="preview" if settings.diffusers_unmapped == "preview" else "",
    )


@dataclass
class WorkerContainer:
    core: Core
    moderation: ModerationPolicy
    config: EngineConfig
    # Lease owners of this process's workers start with it (host:pid:random).
    owner_prefix: str
    runners: list[Runner] = field(default_factory=list)

    @classmethod
    def build(cls, core: Core) -> WorkerContainer:
        settings = core.settings
        if settings.tts_engine == "espeak":
            from pixforge.engines.preview.voice import espeak_available

            if not espeak_available():
                raise ValueError("PIXFORGE_TTS_ENGINE=espeak needs the espeak-ng program on PATH")
        config = engine_config(settings, core.templates)
        return cls(core, load_moderation(settings), config, new_owner_id(settings.resolved_node_id))

    def runner(self, index: int, stopping: threading.Event | None = None) -> Runner:
        """A runner with its own engine instance (pipelines are not thread-safe)."""
        core = self.core
        runner = Runner(
            core.lifecycle,
            core.blobs,
            build_engine(core.settings.engine, self.config),
            self.moderation,
            core.metrics,
            RunnerConfig(
                owner=f"{self.owner_prefix}:{index}",
                lease_s=core.settings.lease_s,
                scratch_dir=core.settings.scratch_dir,
                render_timeout_s=core.settings.render_timeout_s,
            ),
            stopping,
        )
        self.runners.append(runner)
        return runner

    def loaded_models(self) -> dict[str, int]:
        """Model loads per model name, summed over this process's engines."""
        totals: dict[str, int] = {}
        for runner in self.runners:
            for name, count in runner.engine.loaded_models().items():
                totals[name] = totals.get(name, 0) + count
        return totals

    def release_all(self) -> int:
        return self.core.lifecycle.release_all(self.owner_prefix + ":")
