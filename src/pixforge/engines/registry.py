"""Engine registry: engine names mapped to builders; the only place engines are constructed."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pixforge.engines.base import Engine, EngineConfig


class UnknownEngineError(ValueError):
    """The configured engine name is not registered."""


def _build_preview(config: EngineConfig) -> Engine:
    from pixforge.engines.preview.engine import PreviewEngine

    return PreviewEngine(config)


def _build_diffusers(config: EngineConfig) -> Engine:
    try:
        from pixforge.engines.diffusers.engine import DiffusersEngine
    except ImportError as error:  # pragma: no cover - depends on the install
        raise UnknownEngineError(
            "the diffusers engine needs its extra: pip install 'pixforge[diffusers]'"
        ) from error
    if config.diffusers is None:
        raise UnknownEngineError("the diffusers engine needs diffusers options")
    return DiffusersEngine(config, config.diffusers)


ENGINES: Mapping[str, Callable[[EngineConfig], Engine]] = {
    "preview": _build_preview,
    "diffusers": _build_diffusers,
}


def build_engine(name: str, config: EngineConfig) -> Engine:
    try:
        builder = ENGINES[name]
    except KeyError as error:
        raise UnknownEngineError(
            f"unknown engine {name!r}; available: {', '.join(ENGINES)}"
        ) from error
    return builder(config)
