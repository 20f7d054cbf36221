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
import gc
import logging
import os
import signal
import socket
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
            # Everything built so far (modules, the app, its services) lives as long as the
            # process: kept out of the collector's full passes, which would otherwise walk those
            # ~170,000 objects every few hundred requests (a quarter of a status poll's cost).
            gc.freeze()
            self._on_serving()


def guarded_protocol(limits: ReadLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol class with these read limits (one class per server: it keeps
    that server's open connections for the sweep)."""
    return type(
        "GuardedH11Protocol",
        (_GuardedH11Protocol,),
        {"limits": limits, "guarded": set(), "sweeper": None},
    )


class _GuardedH11Protocol(H11Protocol):
    """H11Protocol with a deadline on reading each request. A connection only notes when the
    phase it is in ("headers": a request has begun arriving or the connection opened; "body":
    the headers are complete) started; one sweep per server, a few times a second, closes the
    connections past their deadline. Nothing is scheduled per request: every status poll would
    pay for a timer it almost never needs."""

    limits: ClassVar[ReadLimits]
    guarded: ClassVar[set[_GuardedH11Protocol]]
    sweeper: ClassVar[asyncio.TimerHandle | None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = ""  # "", "headers" or "body"
        self._phase_started = 0.0
        self._body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._enter("headers")
        cls = type(self)
        cls.guarded.add(self)
        if cls.sweeper is None:
            cls.sweeper = self.loop.call_later(_sweep_interval_s(self.limits), cls.sweep)

    def data_received(self, data: bytes) -> None:
        if self._phase == "body":
            self._body_bytes += len(data)
        elif self._phase == "" and self.conn.their_state is h11.IDLE:
            # The next request on a kept-alive connection has begun.
            self._enter("headers")
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined request may already be (partly) buffered: its headers are on the clock.
        if self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
            self._enter("headers")
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._phase = ""
        type(self).guarded.discard(self)
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Move the phase along with h11's view of the request being read."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if self._phase != "body":
                self._enter("body")
                self._body_bytes = 0
        elif state is not h11.IDLE:
            self._phase = ""  # the request is read (or the connection is done)

    def _enter(self, phase: str) -> None:
        self._phase = phase
        self._phase_started = self.loop.time()

    @classmethod
    def sweep(cls) -> None:
        """Close the connections past their deadline; runs while any connection is open."""
        cls.sweeper = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        for connection in list(cls.guarded):
            connection._check(now)
        if cls.guarded:
            cls.sweeper = loop.call_later(_sweep_interval_s(cls.limits), cls.sweep)

    def _check(self, now: float) -> None:
        if self._phase == "" or self.transport.is_closing():
            return
        elapsed_s = now - self._phase_started
        if self._phase == "body":
            if self.flow.read_paused:
                # The app has not consumed what it got: the wait is ours, not the client's.
                return
            allowed_s = (
                self.limits.body_timeout_s + self._body_bytes / self.limits.body_min_bytes_per_s
            )
            if elapsed_s < allowed_s:
                return
            reason = f"request body too slow: {self._body_bytes} bytes in {elapsed_s:.1f} s"
        else:
            if elapsed_s < self.limits.headers_timeout_s:
                return
            reason = f"request headers not complete after {self.limits.headers_timeout_s:g} s"
            if self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]:
                self.transport.write(_REQUEST_TIMEOUT)
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.warning("closed the connection of %s: %s", client, reason)
        self._phase = ""
        self.transport.close()


def _sweep_interval_s(limits: ReadLimits) -> float:
    """How often deadlines are checked: a deadline is kept to within a quarter of a second
    (or a tenth of the shortest limit, when limits are that short)."""
    return min(0.25, limits.headers_timeout_s / 10, limits.body_timeout_s / 10)
