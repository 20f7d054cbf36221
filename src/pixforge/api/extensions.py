"""Routes: pixforge's extensions beyond PixVerse, under /pixforge/v1 (so PixVerse's paths stay
exact): list an account's generations, cancel one, and a Server-Sent Events stream of a
generation's progress and end. The same API-KEY header as the PixVerse routes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from pixforge.api.deps import CallerDep, StateDep
from pixforge.api.envelope import success
from pixforge.api.v2.schemas.common import path_id
from pixforge.api.v2.schemas.video import VideoResultResponse
from pixforge.domain.errors import InvalidParameterError
from pixforge.domain.status import VideoStatus
from pixforge.services.generations import GenerationFilter, GenerationView

router = APIRouter(prefix="/pixforge/v1", tags=["pixforge extensions"])
# How often the event stream looks at the generation.
EVENT_POLL_S = 0.25
# An idle stream says it is alive this often (proxies drop silent connections).
KEEPALIVE_S = 15.0


def item(view: GenerationView) -> dict[str, Any]:
    """A generation as listings and events show it: the result fields plus pixforge's own."""
    return VideoResultResponse.answer(view) | {
        "mode": view.mode,
        "model": view.model,
        "quality": view.quality,
        "duration": view.duration_s,
        "credits": view.credits,
        "error": view.error,
    }


def _ints(field: str, text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidParameterError(f"{field}: comma-separated numbers (like 1,8)") from None


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


@router.get("/videos", summary="The account's generations, newest first, one page")
def list_videos(
    state: StateDep,
    caller: CallerDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    status: Annotated[str | None, Query(description="comma-separated: 1,5,6,7,8")] = None,
    mode: Annotated[str | None, Query(description="comma-separated modes: text,image,...")] = None,
    model: Annotated[str | None, Query(description="comma-separated models")] = None,
    created_from: Annotated[float | None, Query(description="UNIX seconds")] = None,
    created_to: Annotated[float | None, Query(description="UNIX seconds")] = None,
) -> dict[str, Any]:
    where = GenerationFilter(
        statuses=_ints("status", status),
        modes=_words(mode),
        models=_words(model),
        created_from=created_from,
        created_to=created_to,
    )
    found = state.generations.list_generations(caller, where, page, page_size)
    return success(
        {
            "items": [item(view) for view in found.items],
            "total": found.total,
            "page": found.page,
            "page_size": found.page_size,
        }
    )


@router.post("/videos/{video_id}/cancel", summary="Cancel a generation still in 5 (refunded)")
def cancel_video(state: StateDep, caller: CallerDep, video_id: str) -> dict[str, Any]:
    view = state.generations.cancel(caller, path_id("video_id", video_id))
    return success(item(view))


@router.get("/videos/{video_id}/events", summary="Server-Sent Events: progress, then the end")
async def video_events(state: StateDep, caller: CallerDep, video_id: str) -> StreamingResponse:
    generation_id = path_id("video_id", video_id)

    def read() -> GenerationView:
        row = state.generations.hot.generation(generation_id)
        return state.generations.result_of(caller, generation_id, row)

    first = await run_in_threadpool(read)  # not found: the usual error envelope

    async def events() -> AsyncIterator[bytes]:
        view, last, quiet_s = first, None, 0.0
        while True:
            seen = (view.status, view.progress_percent)
            if seen != last:
                last, quiet_s = seen, 0.0
                kind = "progress" if view.status == VideoStatus.GENERATING else "end"
                yield _event(kind, item(view))
                if kind == "end":
                    return
            elif quiet_s >= KEEPALIVE_S:
                quiet_s = 0.0
                yield b": keep-alive\n\n"
            await asyncio.sleep(EVENT_POLL_S)
            quiet_s += EVENT_POLL_S
            view = await run_in_threadpool(read)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
