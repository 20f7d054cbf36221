"""Routes: stored media downloads by unguessable token (Range supported), health and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pixforge.api.deps import StateDep
from pixforge.domain.errors import UnknownEndpointError

router = APIRouter()


@router.api_route("/files/{token}/{name}", methods=["GET", "HEAD"])
async def download(state: StateDep, token: str, name: str) -> FileResponse:
    # A NUL cannot be in a token, and PostgreSQL refuses it in a text comparison.
    found = None if "\x00" in token else await run_in_threadpool(state.uploads.stored_file, token)
    if found is None:
        raise UnknownEndpointError("file not found", 404)
    path, row = found
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=name,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/healthz")
def healthz(state: StateDep) -> dict[str, Any]:
    queued, running = state.generations.queue_depth()
    return {"status": "ok", "queued": queued, "running": running}


@router.get("/metrics")
def metrics(state: StateDep) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
