"""create_app(settings): the ASGI application with its routers, handlers and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pixforge import __version__
from pixforge.api import files
from pixforge.api.envelope import install_exception_handlers
from pixforge.api.middleware import RequestMiddleware
from pixforge.api.v2.router import router as v2_router
from pixforge.api.v2.video import root_router as root_video_router
from pixforge.config import Settings
from pixforge.state import AppState


def create_app(settings: Settings, state: AppState | None = None) -> FastAPI:
    """Build the app; the state (database, workers) starts with the lifespan and stops with it."""
    app_state = state or AppState.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        app_state.start()
        try:
            yield
        finally:
            app_state.stop()

    app = FastAPI(
        title="pixforge",
        version=__version__,
        summary="PixVerse-compatible video generation API",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.pixforge = app_state
    install_exception_handlers(app)
    app.add_middleware(
        RequestMiddleware, metrics=app_state.metrics, max_body_bytes=settings.max_request_bytes
    )
    app.include_router(v2_router)
    app.include_router(root_video_router)
    app.include_router(files.router)
    return app
