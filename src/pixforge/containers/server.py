"""The process `pixforge serve` runs: an API with its workers embedded (threads, or inline for
tests). An API without workers, or workers without an API, are built from `ApiContainer` and
`WorkerContainer` directly."""

from __future__ import annotations

from pixforge.config import Settings
from pixforge.containers.api import ApiContainer
from pixforge.containers.common import Core
from pixforge.containers.worker import WorkerContainer
from pixforge.domain.spec import Mode
from pixforge.lifecycle import Clock
from pixforge.queue.base import Dispatcher


def served_models(settings: Settings) -> frozenset[tuple[str, Mode]] | None:
    """With the diffusers engine set to refuse what it does not serve: the registry's (model,
    mode) pairs (read from its file, without loading any engine)."""
    if settings.engine != "diffusers" or settings.diffusers_unmapped != "reject":
        return None
    if settings.diffusers_models_file is None:
        return frozenset()
    from pixforge.engines.diffusers.registry import load_registry

    return frozenset(load_registry(settings.diffusers_models_file))


def dispatch_routes(settings: Settings) -> dict[tuple[str, Mode], str]:
    """(model, mode) -> route for the diffusers registry's entries: the entry's "queue", else
    its checkpoint folder's name as a slug. Everything else is rendered on "preview"."""
    if settings.engine != "diffusers" or settings.diffusers_models_file is None:
        return {}
    from pixforge.engines.diffusers.registry import load_registry

    routes: dict[tuple[str, Mode], str] = {}
    for key, entry in load_registry(settings.diffusers_models_file).items():
        named = entry.extra.get("queue")
        routes[key] = str(named) if named else slug(entry.path.name)
    return routes


def slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in cleaned.split("-") if part) or "model"


def build_server(settings: Settings, clock: Clock | None = None) -> ApiContainer:
    """An API process with its workers embedded (`settings.dispatcher`), or, with Celery, an
    API replica whose work is rendered by `pixforge worker` processes."""
    if settings.dispatcher == "celery":
        from pixforge.containers.celery import build_celery_api

        return build_celery_api(settings, clock)
    from pixforge.worker.recovery import expire_dead_local_leases

    core = Core.build(settings, clock)
    worker = WorkerContainer.build(core)
    dispatcher: Dispatcher
    if settings.dispatcher == "inline":
        from pixforge.queue.inline import InlineDispatcher

        dispatcher = InlineDispatcher(worker.runner(0))
    else:
        from pixforge.queue.embedded import EmbeddedDispatcher

        dispatcher = EmbeddedDispatcher(
            worker.runner,
            settings.workers,
            settings.worker_poll_s,
            release_all=worker.release_all,
            stop_grace_s=settings.stop_grace_s,
        )

    api = ApiContainer.build(
        core, dispatcher, served=served_models(settings), model_loads=worker.loaded_models
    )
    api.on_start.append(
        lambda: expire_dead_local_leases(core.db, core.lifecycle, settings.resolved_node_id)
    )
    api.on_start.append(api.generations.backfill_manifests)
    api.on_abort.append(worker.release_all)
    return api
