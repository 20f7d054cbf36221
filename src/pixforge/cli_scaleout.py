"""The scale-out commands: `pixforge worker` (a Celery worker node), `pixforge routes` (the
queue names) and `pixforge storage gc` (orphaned blobs). Like cli.py, this module imports only
typer and rich at the top; Celery, boto3 and the server are imported inside the commands."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console(highlight=False)
storage_app = typer.Typer(no_args_is_help=True, help="Blob storage maintenance.")

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Database and media directory \\[env var: PIXFORGE_DATA_DIR]"),
]


def _settings(overrides: dict[str, Any]) -> Any:
    from pixforge.cli import settings_or_exit

    return settings_or_exit({k: v for k, v in overrides.items() if v is not None})


def queue_names(prefix: str, queues: str) -> list[str]:
    """`preview,wan-t2v` or full names: each as `<prefix>.<route>`."""
    names = []
    for item in (part.strip() for part in queues.split(",")):
        if item:
            names.append(item if item.startswith(prefix + ".") else f"{prefix}.{item}")
    return names


def worker(
    queues: Annotated[
        str, typer.Option(help="Routes or queue names to consume, comma-separated")
    ] = "preview",
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", help="Pool processes (one per GPU)", min=1)
    ] = 1,
    device: Annotated[
        str | None,
        typer.Option(help="cuda:K (sets CUDA_VISIBLE_DEVICES=K for the pool) or cpu"),
    ] = None,
    node_id: Annotated[
        str | None, typer.Option(help="Name in lease owners \\[env var: PIXFORGE_NODE_ID]")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run a Celery worker node: prefork children each claim, render and finish generations.
    SIGTERM drains: no new work is taken, running renders finish, then it exits."""
    overrides: dict[str, Any] = {"dispatcher": "celery", "node_id": node_id, "data_dir": data_dir}
    if device:
        if device.startswith("cuda:"):
            # Set before the pool forks; the parent never touches CUDA, each child sees one GPU.
            os.environ["CUDA_VISIBLE_DEVICES"] = device.removeprefix("cuda:")
            overrides["diffusers_device"] = "cuda"
        else:
            overrides["diffusers_device"] = device
    settings = _settings(overrides)
    if settings.worker_metrics_port:
        # prefork children each count in their own process: prometheus_client's multiprocess
        # mode (files in this folder) must be on before pixforge.metrics is imported.
        folder = Path(tempfile.mkdtemp(prefix="pixforge-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    from pixforge.containers.celery import worker_app
    from pixforge.logs import configure_logging
    from pixforge.store.db import Database

    configure_logging(settings.log_level, settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.auto_migrate:
        database = Database(settings.resolved_database_url)
        database.migrate()
        database.dispose()  # nothing open across the fork
    if settings.worker_metrics_port:
        _serve_worker_metrics(settings.host, settings.worker_metrics_port)
    names = queue_names(settings.queue_prefix, queues)
    app = worker_app(settings)
    console.print(
        f"pixforge worker {settings.resolved_node_id}: queues {', '.join(names)}, "
        f"{concurrency} process(es)",
        soft_wrap=True,
    )
    app.worker_main(
        [
            "worker",
            "--queues",
            ",".join(names),
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "-O",
            "fair",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{settings.resolved_node_id}.{os.getpid()}@%h",
            "--loglevel",
            settings.log_level,
        ]
    )


def _serve_worker_metrics(host: str, port: int) -> None:
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)


def routes() -> None:
    """List the queue names (one per route) and what each renders."""
    from pixforge.containers.server import dispatch_routes

    settings = _settings({})
    prefix = settings.queue_prefix
    console.print(f"{prefix}.preview\tthe preview engine and every feature mode", soft_wrap=True)
    by_route: dict[str, list[str]] = {}
    for (model, mode), route in sorted(dispatch_routes(settings).items()):
        by_route.setdefault(route, []).append(f"{model}/{mode.value}")
    for route, served in sorted(by_route.items()):
        console.print(f"{prefix}.{route}\t{', '.join(served)}", soft_wrap=True)


@storage_app.command("gc")
def storage_gc(
    older_than_h: Annotated[
        float, typer.Option(help="Only blobs older than this many hours", min=0)
    ] = 24.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List, do not delete")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Delete output blobs that no stored file names (left by renders that crashed after
    storing their video, before finishing)."""
    from pixforge.containers.common import open_blobs
    from pixforge.store import uploads as upload_repo
    from pixforge.store.db import Database

    settings = _settings({"data_dir": data_dir})
    db = Database(settings.resolved_database_url)
    if settings.auto_migrate:
        db.migrate()
    blobs = open_blobs(settings)
    cutoff = time.time() - older_than_h * 3600
    removed = 0
    for prefix in ("videos/", "pictures/"):
        candidates = [key for key, modified in blobs.list_keys(prefix) if modified < cutoff]
        with db.read() as conn:
            known = upload_repo.known_keys(conn, candidates)
        for key in candidates:
            if key in known:
                continue
            console.print(("would delete " if dry_run else "deleted ") + key, soft_wrap=True)
            if not dry_run:
                blobs.delete(key)
            removed += 1
    db.dispose()
    console.print(f"{removed} orphaned blob(s)" + (" found" if dry_run else " removed"))
