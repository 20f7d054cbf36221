"""Routes: stored media downloads by unguessable token (Range supported), health and metrics."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse
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


async def _download(request: Request, state: StateDep, token: str, name: str) -> Response:
    # A NUL cannot be in a token, and PostgreSQL refuses it in a text comparison.
    row = None if "\x00" in token else await run_in_threadpool(state.uploads.stored_file, token)
    if row is not None and state.uploads.redirect_downloads:
        url = await run_in_threadpool(state.uploads.download_redirect, row, name)
        if url is not None:
            return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    size = await run_in_threadpool(state.blobs.size, row.storage_key) if row else None
    if row is None or size is None:
        raise UnknownEndpointError("file not found", 404)
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=86400",
        # Stored files never change, so the token and size identify the content.
        "ETag": f'"{token[:16]}-{size}"',
        "Content-Disposition": _disposition(name),
    }
    wanted = byte_range(request.headers.get("range"), size)
    if wanted is RANGE_NOT_SATISFIABLE:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    status, start, end = 200, 0, size
    if isinstance(wanted, tuple):
        status, (start, end) = 206, wanted
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=row.content_type)
    body = state.blobs.read(row.storage_key, start, end)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=row.content_type)


RANGE_NOT_SATISFIABLE = "unsatisfiable"


def byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """The [start, end) a Range header asks for; None for the whole file (no header, a
    malformed one, or several ranges — which the RFC lets a server ignore);
    RANGE_NOT_SATISFIABLE when it lies outside the file."""
    match = _SINGLE_RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        length = int(last)
        return (max(0, size - length), size) if length else RANGE_NOT_SATISFIABLE
    start = int(first)
    if start >= size:
        return RANGE_NOT_SATISFIABLE
    end = min(size, int(last) + 1) if last else size
    return (start, end) if end > start else None


_SINGLE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


def _disposition(name: str) -> str:
    quoted = quote(name)
    return f'inline; filename="{name}"' if quoted == name else f"inline; filename*=utf-8''{quoted}"


# GET and HEAD are two routes so that each has its own OpenAPI operation id.
router.add_api_route(
    "/files/{token}/{name}",
    _download,
    methods=["GET"],
    name="download",
    summary="Download a stored file (uploads, results, covers)",
    response_class=StreamingResponse,
    responses=_DOWNLOAD_RESPONSES,
)
router.add_api_route(
    "/files/{token}/{name}",
    _download,
    methods=["HEAD"],
    name="download_head",
    summary="Size and type of a stored file",
    response_class=StreamingResponse,
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
