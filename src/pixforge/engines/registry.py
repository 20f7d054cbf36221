"""Engine registry: engine names mapped to their builders — the built-in ones and any installed
package's `pixforge.engines` entry points. The only place engines are constructed."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points

from pixforge.engines.base import Engine, EngineConfig
from pixforge.engines.routing import RoutingEngine

Builder = Callable[[EngineConfig], Engine]


class UnknownEngineError(ValueError):
    """The configured engine name is not registered, or its extra is not installed."""


BUILT_IN: Mapping[str, str] = {
    "preview": "pixforge.engines.preview.engine:build",
    "diffusers": "pixforge.engines.diffusers.engine:build",
}
# What to install when a built-in engine's imports fail.
EXTRAS: Mapping[str, str] = {"diffusers": "pip install 'pixforge[diffusers]'"}


def engine_names() -> list[str]:
    """Every engine name this install knows (built-in first, then entry points)."""
    names = list(BUILT_IN)
    names += [ep.name for ep in entry_points(group="pixforge.engines") if ep.name not in BUILT_IN]
    return names


def _builder(name: str) -> Builder:
    target = BUILT_IN.get(name)
    if target is None:
        found = [ep for ep in entry_points(group="pixforge.engines") if ep.name == name]
        if not found:
            raise UnknownEngineError(
                f"unknown engine {name!r}; available: {', '.join(engine_names())}"
            )
        loaded: Builder = found[0].load()
        return loaded
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
