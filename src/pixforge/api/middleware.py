"""Outermost request layer: trace id for logs, body size cap, metrics, access log, last resort;
and the hot-route layer just inside it, which answers the status poll before FastAPI's stack."""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pixforge.api.envelope import error_response
from pixforge.domain.errors import InternalError, InvalidParameterError, PixforgeError
from pixforge.logs import access_log, trace_id_var
from pixforge.metrics import Metrics

log = logging.getLogger("pixforge.access")

# Recorded for a client that went away before its answer (nginx's "client closed request").
CLIENT_CLOSED_STATUS = 499
# Longest Ai-trace-id echoed back (a UUID has 36 characters).
MAX_ECHOED_TRACE_ID = 64


class BodyTooLargeError(InvalidParameterError):
    http_status = 413


class RequestMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        # prometheus_client's labels() takes a lock and builds a key on every call: the
        # children are looked up once per (route, method, ErrCode) and kept.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_trace_id, declared = _trace_id_and_length(scope["headers"])
        token = trace_id_var.set(sent_trace_id[:MAX_ECHOED_TRACE_ID])
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "started": False}
        scope.setdefault("state", {})

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                # Echo the trace id (the one sent, or the one generated when it is optional).
                echoed = sent_trace_id or scope["state"].get("trace_id", "")
                if echoed and len(echoed) <= MAX_ECHOED_TRACE_ID:
                    message = {
                        **message,
                        "headers": [
                            *message.get("headers", []),
                            (b"ai-trace-id", echoed.encode("latin-1")),
                        ],
                    }
            await send(message)

        try:
            if declared.isascii() and declared.isdigit() and int(declared) > self.max_body_bytes:
                await self._reply(scope, send_wrapper, self._too_large(int(declared)))
            else:
                await self.app(scope, self._bounded(receive), send_wrapper)
        except ClientDisconnect:
            # The client hung up while sending its body: nothing to answer, and not our fault.
            state["status"] = CLIENT_CLOSED_STATUS
            scope["state"]["err_code"] = CLIENT_CLOSED_STATUS
        except Exception as error:
            log.error("unhandled error", exc_info=error, extra={"path": scope.get("path")})
            if not state["started"]:
                await self._reply(
                    scope, send_wrapper, InternalError("internal error; it has been logged")
                )
        finally:
            self._record(scope, state["status"], time.perf_counter() - started)
            trace_id_var.reset(token)

    def _too_large(self, size: int) -> PixforgeError:
        return BodyTooLargeError(
            f"request body: {size} bytes exceeds the limit of {self.max_body_bytes} bytes"
        )

    def _bounded(self, receive: Receive) -> Receive:
        received = 0

        async def wrapped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise self._too_large(received)
            return message

        return wrapped

    async def _reply(self, scope: Scope, send: Send, error: PixforgeError) -> None:
        scope["state"]["err_code"] = error.err_code
        response = error_response(error)

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)

    def _record(self, scope: Scope, status: int, elapsed_s: float) -> None:
        route = scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        err_code = int(scope["state"].get("err_code", 0 if status < 400 else status))
        children = self._children.get((path, method, err_code))
        if children is None:
            children = (
                self.metrics.requests.labels(path, method, str(err_code)),
                self.metrics.request_duration_s.labels(path, method),
            )
            self._children[(path, method, err_code)] = children
        children[0].inc()
        children[1].observe(elapsed_s)
        access_log.request(
            {
                "method": method,
                "path": scope.get("path"),
                "status": status,
                "err_code": err_code,
                "duration_ms": round(elapsed_s * 1000, 1),
                "trace_id": trace_id_var.get() or scope["state"].get("trace_id", ""),
            }
        )


def _trace_id_and_length(headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
    """The Ai-trace-id (stripped) and Content-Length headers as sent (the last of each)."""
    trace_id = length = ""
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"ai-trace-id":
            trace_id = value.decode("latin-1")
        elif lowered == b"content-length":
            length = value.decode("latin-1")
    return trace_id.strip(), length


def _route_path(scope: Scope) -> str:
    """The path the app's routes match: without the ASGI root_path it is mounted under (as
    Starlette's router sees it)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    rest = path[len(root_path) :]
    if root_path and path.startswith(root_path) and rest.startswith("/"):
        return rest
    return path


class HotRoute(Protocol):
    """A route HotRoutes answers: GET `path` (a template with one `{param}` at its end)."""

    path: str

    async def __call__(self, scope: Scope, param: str, send: Send, /) -> bool:
        """Answer the request (True), or leave it to the app (False: a sandbox account's
        request, which the journal and the sandbox controls must see). A PixforgeError it
        raises is answered as FastAPI's handler would answer it."""
        ...


class HotRoutes:
    """Answers a few hot GET routes (the status poll every client sends every few seconds)
    before the sandbox layers and FastAPI's stack (middleware, exception handlers, router,
    request and response objects), which cost several times the route itself. Every other
    request, any other method on these paths, and what a hot route leaves goes on to the app
    unchanged."""

    def __init__(self, app: ASGIApp, routes: list[HotRoute]) -> None:
        self.app = app
        # (prefix, route): the path up to its parameter.
        self.routes = [(route.path.split("{", 1)[0], route) for route in routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = _route_path(scope)
            for prefix, route in self.routes:
                # The parameter is one non-empty path segment, as Starlette's `{param}`.
                if path.startswith(prefix) and "/" not in (param := path[len(prefix) :]) and param:
                    scope["route"] = route  # names the route in metrics
                    if await self._answer(route, scope, param, receive, send):
                        return
                    break
        await self.app(scope, receive, send)

    async def _answer(
        self, route: HotRoute, scope: Scope, param: str, receive: Receive, send: Send
    ) -> bool:
        try:
            return await route(scope, param, send)
        except PixforgeError as error:
            scope["state"]["err_code"] = error.err_code
            await error_response(error)(scope, receive, send)
            return True
