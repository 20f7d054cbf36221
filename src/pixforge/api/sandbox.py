"""Sandbox middleware: the request journal of sandbox accounts (headers without secrets,
bounded bodies) and the transport faults their tokens and scenario steps ask for (a reset
connection, a timeout, a gateway's HTML 502/504 page, a truncated body)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pixforge.domain.sandbox import Directive, Fault
from pixforge.services.sandbox import JournalEntry, SandboxService, fault_slot

log = logging.getLogger(__name__)

# Headers the journal never keeps.
SECRET_HEADERS = frozenset(
    {"api-key", "authorization", "cookie", "set-cookie", "proxy-authorization"}
)
RAW_SEND = "pixforge.raw_send"

GATEWAY_PAGES = {
    Fault.HTML_502: (502, "502 Bad Gateway"),
    Fault.HTML_504: (504, "504 Gateway Time-out"),
}


def gateway_page(title: str) -> bytes:
    """An nginx-style error page, as gateways in front of an API answer."""
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


async def abort_connection(scope: Scope) -> bool:
    """Reset the client's TCP connection (RST, no answer); False when the server gives no
    access to its transport (an in-process test client)."""
    raw_send = scope.get(RAW_SEND)
    cycle = getattr(raw_send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let the server see the connection is gone before the app returns.
    await asyncio.sleep(0.05)
    return True


class SandboxFaultMiddleware:
    """Applies the transport faults a sandbox request asked for to its answer. Requests that
    ask for none pass through unbuffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with fault_slot() as slot:
            scope.setdefault("state", {})["sandbox_faults"] = slot
            held: list[Message] = []

            async def faulting_send(message: Message) -> None:
                if not slot and not held:
                    await send(message)
                    return
                held.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    await self._fault(scope, send, slot[0], held)

            await self.app(scope, receive, faulting_send)

    async def _fault(self, scope: Scope, send: Send, fault: Directive, held: list[Message]) -> None:
        log.info("sandbox transport fault", extra={"fault": str(fault.fault)})
        if fault.fault is Fault.TIMEOUT:
            await asyncio.sleep(fault.fault_s)
            for message in held:
                await send(message)
            return
        if fault.fault in GATEWAY_PAGES:
            status, title = GATEWAY_PAGES[Fault(fault.fault)]
            page = gateway_page(title)
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"text/html"),
                        (b"content-length", str(len(page)).encode()),
                        (b"server", b"nginx"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": page})
            return
        if fault.fault is Fault.TRUNCATE:
            body = b"".join(m.get("body", b"") for m in held[1:])
            await send(held[0])
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        if not await abort_connection(scope):
            raise ConnectionResetError(f"sandbox fault {fault.fault}: connection reset")


class JournalMiddleware:
    """Keeps every request and answer of a sandbox account in its journal."""

    def __init__(self, app: ASGIApp, sandbox: SandboxService, body_bytes: int) -> None:
        self.app = app
        self.sandbox = sandbox
        self.body_bytes = body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        at = time.time()
        started = time.perf_counter()
        request: dict[str, Any] = {"chunks": [], "size": 0}
        response: dict[str, Any] = {"status": 0, "headers": [], "chunks": [], "size": 0}

        state = scope.setdefault("state", {})
        recorded = False

        async def record() -> None:
            nonlocal recorded
            account_id = state.get("sandbox_account")
            if recorded or account_id is None:
                return
            recorded = True
            entry = self._entry(scope, at, started, request, response)
            try:
                await run_in_threadpool(self.sandbox.record, int(account_id), entry)
            except Exception:  # the journal must never break a request
                log.exception("could not write the sandbox journal")

        # Bodies are kept only once the caller is known to be a sandbox account (the key is
        # checked before any route reads its body): other requests pay no copies.
        async def journal_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and "sandbox_account" in state:
                self._keep(request, message.get("body", b""))
            return message

        async def journal_send(message: Message) -> None:
            if "sandbox_account" in state:
                if message["type"] == "http.response.start":
                    response["status"] = message["status"]
                    response["headers"] = list(message.get("headers", []))
                elif message["type"] == "http.response.body":
                    self._keep(response, message.get("body", b""))
                    # Written before the answer's last bytes leave: a client that has its
                    # answer finds the request in the journal (and in the order it was made).
                    if not message.get("more_body"):
                        await record()
            await send(message)

        try:
            await self.app(scope, journal_receive, journal_send)
        finally:
            await record()  # answers that never finished: a reset, a failure

    def _keep(self, into: dict[str, Any], chunk: bytes) -> None:
        into["size"] += len(chunk)
        kept = sum(len(c) for c in into["chunks"])
        if kept < self.body_bytes:
            into["chunks"].append(chunk[: self.body_bytes - kept])

    def _entry(
        self,
        scope: Scope,
        at: float,
        started: float,
        request: dict[str, Any],
        response: dict[str, Any],
    ) -> JournalEntry:
        request_headers = _headers(scope.get("headers", []))
        response_headers = _headers(response["headers"])
        response_body = b"".join(response["chunks"])
        state = scope.get("state", {})
        err_code = int(state.get("err_code", 0))
        content_type = dict(response_headers).get("content-type", "")
        if "json" in content_type and len(response_body) == response["size"]:
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                err_code = int(json.loads(response_body).get("ErrCode", err_code))
        faults = [str(f.fault) for f in state.get("sandbox_faults", [])]
        headers = dict(request_headers)
        return JournalEntry(
            id=0,
            at=at,
            method=scope.get("method", ""),
            path=scope.get("path", ""),
            query=scope.get("query_string", b"").decode("latin-1"),
            status=0 if Fault.RESET.value in faults else int(response["status"]),
            err_code=err_code,
            trace_id=headers.get("ai-trace-id", "") or str(state.get("trace_id", "")),
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            request=_body(request_headers, b"".join(request["chunks"]), request["size"]),
            response=_body(response_headers, response_body, response["size"]) | {"faults": faults},
        )


def _headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    out = []
    for name, value in raw:
        key = name.decode("latin-1").lower()
        out.append((key, "[redacted]" if key in SECRET_HEADERS else value.decode("latin-1")))
    return out


def _body(headers: list[tuple[str, str]], body: bytes, size: int) -> dict[str, Any]:
    content_type = dict(headers).get("content-type", "")
    textual = any(t in content_type for t in ("json", "text", "x-www-form-urlencoded", "xml"))
    if not body:
        text = ""
    elif textual:
        text = body.decode("utf-8", errors="replace")
    else:
        text = f"[{size} bytes of {content_type or 'binary data'}]"
    return {
        "headers": [list(h) for h in headers],
        "content_type": content_type,
        "size": size,
        "body": text,
        "truncated": len(body) < size and textual,
    }
