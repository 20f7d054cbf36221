"""Routes: stored media downloads by unguessable token (Range supported), health and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pixforge.api.deps import StateDep
from pixforge.api.v2.schemas.common import ErrorEnvelope
from pixforge.domain.errors import UnknownEndpointError

router = APIRouter(tags=["files and health"])

_DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file (video/mp4, image/jpeg, …); HTTP Range requests are answered 206",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    404: {"model": ErrorEnvelope, "description": "No such file"},
}


async def _download(state: StateDep, token: str, name: str) -> FileResponse:
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


# GET and HEAD are two routes so that each has its own OpenAPI operation id.
router.add_api_route(
    "/files/{token}/{name}",
    _download,
    methods=["GET"],
    name="download",
    summary="Download a stored file (uploads, results, covers)",
    response_class=FileResponse,
    responses=_DOWNLOAD_RESPONSES,
)
router.add_api_route(
    "/files/{token}/{name}",
    _download,
    methods=["HEAD"],
    name="download_head",
    summary="Size and type of a stored file",
    response_class=FileResponse,
    responses=_DOWNLOAD_RESPONSES,
)


@router.get("/healthz", summary="Liveness and queue depth")
def healthz(state: StateDep) -> dict[str, Any]:
    queued, running = state.generations.queue_depth()
    return {"status": "ok", "queued": queued, "running": running}


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def metrics(state: StateDep) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
