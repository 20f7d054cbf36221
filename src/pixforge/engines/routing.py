"""RoutingEngine: renders each job with the first engine that serves it (e.g. a diffusers
engine for the models it has weights for, the preview engine for everything else)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pixforge.domain.spec import Mode, RenderJob
from pixforge.engines.base import Capabilities, Engine, ProgressFn, RenderResult


class RoutingEngine:
    def __init__(self, engines: Sequence[Engine]) -> None:
        if not engines:
            raise ValueError("a routing engine needs at least one engine")
        self.engines = tuple(engines)
        self.name = self.engines[0].name

    def capabilities(self) -> Capabilities:
        served: set[tuple[str, Mode]] = set()
        for engine in self.engines:
            offered = engine.capabilities().served
            if offered is None:
                return Capabilities(None)
            served |= offered
        return Capabilities(frozenset(served))

    def engine_for(self, job: RenderJob) -> Engine:
        for engine in self.engines:
            if engine.capabilities().serves(job.spec.model, job.spec.mode):
                return engine
        raise LookupError(f"no engine serves {job.spec.model} for {job.spec.mode.value}")

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        return self.engine_for(job).render(job, out_path, progress)

    def close(self) -> None:
        for engine in self.engines:
            engine.close()

    def loaded_models(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for engine in self.engines:
            for name, count in engine.loaded_models().items():
                totals[name] = totals.get(name, 0) + count
        return totals
