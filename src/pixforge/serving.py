"""Runs the ASGI app under uvicorn: binds first, announces only once serving, drops slow clients.

uvicorn 0.54 bounds only the idle time between requests (keep-alive). A client that opens a
connection and then sends its headers or body a byte at a time holds that connection (and a
file descriptor) for as long as it likes. `ReadLimits` closes such connections: the request
line and headers must arrive within `headers_timeout_s`, and a body must keep an average of
`body_min_bytes_per_s` after a grace of `body_timeout_s`. This is done in the HTTP protocol
(a subclass of uvicorn's h11 protocol), where bytes arrive, not in the ASGI app, which only
sees a body when it asks for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("pixforge.serving")

# Answered when the headers are late: the client is told why before the connection closes.
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 29\r\n\r\nrequest headers arrived late\n"
)


class BindError(Exception):
    """The address cannot be listened on (in use, not ours, not resolvable)."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    headers_timeout_s: float
    body_timeout_s: float
    body_min_bytes_per_s: int


def bind(host: str, port: int) -> socket.socket:
    """A bound TCP socket for host:port (listening starts when uvicorn serves it)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise BindError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    sock = socket.socket(family, kind, proto)
    # As uvicorn does: a restart may reuse the port while old connections sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        reason = (error.strerror or str(error)).lower()
        raise BindError(f"cannot listen on {host}:{port}: {reason}") from error
    sock.set_inheritable(True)
    return sock


def bound_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):  # noqa: S104 - reporting, not binding
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run(
    app: Any,
    sock: socket.socket,
    limits: ReadLimits,
    on_serving: Callable[[], None],
    on_force_exit: Callable[[], None] = lambda: None,
) -> None:
    """Serve `app` on `sock` until SIGINT/SIGTERM; `on_serving` runs once connections are
    accepted (after the app's startup), so whatever it announces is true.

    The first Ctrl-C (or SIGTERM) shuts down gracefully: the app's shutdown hands running work
    back within seconds. A second Ctrl-C exits at once, after `on_force_exit` (which releases
    what the workers still hold)."""
    config = uvicorn.Config(
        app,
        http=guarded_protocol(limits),
        ws="none",  # pixforge has no WebSocket endpoints
        lifespan="on",
        log_config=None,
        access_log=False,
    )
    _AnnouncingServer(config, on_serving, on_force_exit).run(sockets=[sock])


class _AnnouncingServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        on_serving: Callable[[], None],
        on_force_exit: Callable[[], None],
    ) -> None:
        super().__init__(config)
        self._on_serving = on_serving
        self._on_force_exit = on_force_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            # Second Ctrl-C: uvicorn would stop waiting for connections but still run the
            # app's shutdown; the person asked to quit now.
            log.warning("second interrupt: exiting now")
            self._on_force_exit()
            logging.shutdown()
            os._exit(130)
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_serving()


def guarded_protocol(limits: ReadLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol class with these read limits."""
    return type("GuardedH11Protocol", (_GuardedH11Protocol,), {"limits": limits})


class _GuardedH11Protocol(H11Protocol):
    """H11Protocol with a deadline on reading each request. One timer per connection: armed
    for the headers when a request starts arriving (or the connection opens), re-armed for the
    body when the headers are complete, cancelled once the request is read."""

    limits: ClassVar[ReadLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._phase = ""  # "", "headers" or "body"
        self._body_started = 0.0
        self._body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("headers", self.limits.headers_timeout_s)

    def data_received(self, data: bytes) -> None:
        if self._phase == "body":
            self._body_bytes += len(data)
        elif self._phase == "" and self.conn.their_state is h11.IDLE:
            # The next request on a kept-alive connection has begun.
            self._arm("headers", self.limits.headers_timeout_s)
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined request may already be (partly) buffered: its headers are on the clock.
        if self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
            self._arm("headers", self.limits.headers_timeout_s)
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Move the timer along with h11's view of the request being read."""
        state = self.conn.their_state
        if state is h11.SEND_BODY and self._phase != "body":
            self._body_started = time.monotonic()
            self._body_bytes = 0
            self._arm("body", self.limits.body_timeout_s)
        elif state is not h11.IDLE and state is not h11.SEND_BODY:
            self._disarm()  # the request is read (or the connection is done)

    def _arm(self, phase: str, delay_s: float) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._phase = phase
        self._deadline = self.loop.call_later(delay_s, self._on_deadline)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._phase = ""

    def _on_deadline(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._phase == "body":
            if self.flow.read_paused:
                # The app has not consumed what it got: the wait is ours, not the client's.
                self._arm("body", self.limits.body_timeout_s)
                return
            allowed_s = (
                self.limits.body_timeout_s + self._body_bytes / self.limits.body_min_bytes_per_s
            )
            remaining_s = self._body_started + allowed_s - time.monotonic()
            if remaining_s > 0:
                self._arm("body", remaining_s)
                return
            reason = (
                f"request body too slow: {self._body_bytes} bytes in "
                f"{time.monotonic() - self._body_started:.1f} s"
            )
        else:
            reason = f"request headers not complete after {self.limits.headers_timeout_s:g} s"
            if self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
                self.transport.write(_REQUEST_TIMEOUT)
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.warning("closed the connection of %s: %s", client, reason)
        self._phase = ""
        self.transport.close()
