"""Scale-out composition: an API process that publishes to Celery (no engines, a reaper), and
the `pixforge worker` side — the `pixforge.render` task, each pool child's runner built after
the fork (`worker_process_init`, so CUDA is initialised in the child), dead local leases
recovered at once."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery import Celery, signals

from pixforge.config import Settings
from pixforge.containers.api import ApiContainer
from pixforge.containers.common import Core
from pixforge.lifecycle import Clock
from pixforge.queue.celery import TASK_NAME, CeleryDispatcher, CeleryOptions, make_celery
from pixforge.store import generations as generation_repo

if TYPE_CHECKING:
    from pixforge.worker.runner import Runner

log = logging.getLogger(__name__)


def celery_options(settings: Settings) -> CeleryOptions:
    return CeleryOptions(
        broker_url=settings.broker_url,
        queue_prefix=settings.queue_prefix,
        visibility_timeout_s=settings.celery_visibility_timeout_s,
        time_limit_s=settings.render_timeout_s + settings.lease_s,
    )


def build_celery_api(settings: Settings, clock: Clock | None = None) -> ApiContainer:
    """An API replica: publishes each generation to its route's queue, reaps lost messages,
    renders nothing itself."""
    core = Core.build(settings, clock)
    db, lifecycle = core.db, core.lifecycle
    limit = 500

    def take_due() -> list[tuple[int, str]]:
        with db.write() as conn:
            return generation_repo.take_for_redispatch(
                conn, lifecycle.clock(), settings.redispatch_after_s, limit
            )

    def take_unleased() -> list[tuple[int, str]]:
        with db.write() as conn:
            return generation_repo.take_unleased(conn, lifecycle.clock(), limit)

    dispatcher = CeleryDispatcher(
        make_celery(celery_options(settings)),
        settings.queue_prefix,
        take_due=take_due,
        take_unleased=take_unleased,
        interval_s=settings.reaper_interval_s,
    )
    from pixforge.containers.server import dispatch_routes, served_models

    routes = dispatch_routes(settings)
    api = ApiContainer.build(core, dispatcher, served=served_models(settings), routes=routes)
    api.on_start.append(api.generations.backfill_manifests)
    return api


# -- the worker side (`pixforge worker`)


@dataclass
class _Child:
    """What one pool child holds: its runner (with a warm engine) and its database."""

    runner: Runner
    # Expires leases of dead processes of this node; returns how many.
    recover: Callable[[], int]
    close: Callable[[], None]
    duplicates: int = 0


_CHILD: list[_Child] = []


def worker_app(settings: Settings) -> Celery:
    """The Celery app a `pixforge worker` runs: the render task and the child set-up."""
    app = make_celery(celery_options(settings))

    def init_child(**_: object) -> None:
        _CHILD.clear()
        _CHILD.append(_build_child(settings))

    def close_child(**_: object) -> None:
        while _CHILD:
            _CHILD.pop().close()

    def render(generation_id: int) -> str:
        return run_delivered(int(generation_id))

    signals.worker_process_init.connect(init_child, weak=False)
    signals.worker_process_shutdown.connect(close_child, weak=False)
    app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, ignore_result=True)(render)
    return app


def run_delivered(generation_id: int) -> str:
    """The task body: claim this generation and render it. A refused claim (finished already,
    or a live worker holds it) is a duplicate delivery: acknowledged and dropped — unless the
    holder is a dead process of this node, whose lease is then expired and taken at once."""
    from pixforge.worker.runner import Outcome

    if not _CHILD:  # a solo pool or a thread pool runs no worker_process_init
        raise RuntimeError("pixforge worker child was not initialised")
    child = _CHILD[0]
    runner = child.runner
    loads_before = dict(runner.engine.loaded_models())
    outcome = runner.run(generation_id)
    if outcome is Outcome.NOT_CLAIMED and child.recover():
        outcome = runner.run(generation_id)
    for model, count in runner.engine.loaded_models().items():
        if count > loads_before.get(model, 0):
            runner.metrics.model_loads_total.labels(model).inc(count - loads_before.get(model, 0))
    if outcome is Outcome.NOT_CLAIMED:
        child.duplicates += 1
        runner.metrics.duplicate_deliveries.inc()
        log.info("delivery dropped: not claimable", extra={"video_id": generation_id})
    return str(outcome.value)


def _build_child(settings: Settings) -> _Child:
    """Runs in each pool child after the fork: its own connections, engine and runner."""
    from pixforge.containers.worker import WorkerContainer
    from pixforge.worker.recovery import expire_dead_local_leases

    started = time.monotonic()
    core = Core.build(settings.model_copy(update={"auto_migrate": False}))
    worker = WorkerContainer.build(core)
    runner = worker.runner(0)

    def recover() -> int:
        return expire_dead_local_leases(core.db, core.lifecycle, settings.resolved_node_id)

    def close() -> None:
        runner.engine.close()
        core.db.dispose()

    recover()
    log.info(
        "worker child ready",
        extra={"pid": os.getpid(), "owner": runner.owner, "s": time.monotonic() - started},
    )
    return _Child(runner, recover, close)
