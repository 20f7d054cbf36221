"""create_app(settings): the ASGI application with its routers, handlers and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from pixforge import __version__
from pixforge.api import admin, extensions, files, pages
from pixforge.api.envelope import JSONResponse, install_exception_handlers
from pixforge.api.middleware import HotRoutes, RequestMiddleware
from pixforge.api.openapi import API_DESCRIPTION, build_openapi
from pixforge.api.sandbox import RAW_SEND, JournalMiddleware, SandboxFaultMiddleware
from pixforge.api.v2.router import router as v2_router
from pixforge.api.v2.video import root_router as root_video_router
from pixforge.api.v2.video import served_routes as served_video_routes
from pixforge.config import Settings
from pixforge.containers.api import ApiContainer


class PixforgeAPI(FastAPI):
    """FastAPI with pixforge's OpenAPI document (api/openapi.py says what it adds), behind
    pixforge's own request layers.

    The layers wrap FastAPI instead of sitting in its middleware stack: the status poll every
    client sends every few seconds is answered by HotRoutes without passing FastAPI's own
    layers (server-error page, telemetry, body limit, exception handlers, router), which cost
    more than the answer. An unhandled error still answers in the envelope (the Exception
    handler, envelope.py) and is logged by RequestMiddleware."""

    def __init__(self, *, trace_id_required: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trace_id_required = trace_id_required
        # HTTP requests go through these layers, whose innermost is FastAPI (create_app).
        self.http_layers: ASGIApp = self.fastapi

    async def fastapi(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The server's own send, so a sandbox fault can reset the connection under it.
            scope[RAW_SEND] = send
            scope["app"] = self
            await self.http_layers(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = build_openapi(self, trace_id_required=self.trace_id_required)
        return self.openapi_schema


def create_app(settings: Settings, state: ApiContainer | None = None) -> FastAPI:
    """Build the app; the state (database, workers) starts with the lifespan and stops with it."""
    if state is None:
        from pixforge.containers.server import build_server

        state = build_server(settings)
    app_state = state

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        app_state.start()
        try:
            yield
        finally:
            app_state.stop()

    app = PixforgeAPI(
        trace_id_required=not settings.trace_id_optional,
        title="pixforge",
        version=__version__,
        summary="PixVerse-compatible video generation API",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # Operation ids are the route names (unique; FastAPI warns on a duplicate).
        generate_unique_id_function=lambda route: route.name,
        docs_url=None,
        redoc_url=None,
        # pixforge exports its own Prometheus metrics; FastAPI's OpenTelemetry hooks would only
        # cost every request a check.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        default_response_class=JSONResponse,
    )
    app.state.pixforge = app_state
    install_exception_handlers(app)
    # Outermost first: the request layer (trace id, metrics, access log, last resort); the
    # status poll, the hottest path, answered ahead of the rest for ordinary accounts (see
    # video.py and HotRoutes); the journal keeps what a sandbox client got; sandbox faults
    # change the answer; FastAPI.
    app.http_layers = RequestMiddleware(
        HotRoutes(
            JournalMiddleware(
                SandboxFaultMiddleware(app.fastapi),
                sandbox=app_state.sandbox,
                body_bytes=settings.sandbox_journal_body_bytes,
            ),
            routes=served_video_routes(app_state),
        ),
        metrics=app_state.metrics,
        max_body_bytes=settings.max_request_bytes,
    )
    app.include_router(v2_router)
    app.include_router(admin.router)
    app.include_router(extensions.router)
    app.include_router(root_video_router)
    app.include_router(files.router)
    pages.install(app, console=settings.console)
    if settings.console:
        from pixforge.console import routes as console
        from pixforge.console.session import load_secret

        console.install(app, load_secret(settings.console_secret, settings.data_dir))
    return app
