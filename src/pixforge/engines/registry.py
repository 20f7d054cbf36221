"""Engine registry: engine names mapped to their builders (imported only when built, so a
process loads just the engine it runs). The only place engines are constructed."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

from pixforge.engines.base import Engine, EngineConfig
from pixforge.engines.routing import RoutingEngine

Builder = Callable[[EngineConfig], Engine]


class UnknownEngineError(ValueError):
    """The configured engine name is not registered, or its extra is not installed."""


# config.EngineName lists the same names (a test keeps them equal).
ENGINES: Mapping[str, str] = {
    "preview": "pixforge.engines.preview.engine:build",
    "diffusers": "pixforge.engines.diffusers.engine:build",
}
# What to install when an engine's imports fail.
EXTRAS: Mapping[str, str] = {"diffusers": "pip install 'pixforge[diffusers]'"}


def _builder(name: str) -> Builder:
    target = ENGINES.get(name)
    if target is None:
        raise UnknownEngineError(f"unknown engine {name!r}; available: {', '.join(ENGINES)}")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        hint = EXTRAS.get(name, "")
        raise UnknownEngineError(f"the {name} engine cannot be loaded ({error}); {hint}") from error
    builder: Builder = getattr(module, attribute)
    return builder


def build_engine(name: str, config: EngineConfig) -> Engine:
    """The named engine; one serving only some requests is paired with `config.fallback`."""
    engine = _builder(name)(config)
    if not config.fallback or engine.capabilities().served is None:
        return engine
    return RoutingEngine([engine, _builder(config.fallback)(config)])
