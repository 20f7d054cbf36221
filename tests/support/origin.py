"""A real HTTP origin on a loopback port, for URL-fetch tests (image_url, file_url)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer

# serve_forever's default poll interval (0.5 s) is how long its shutdown() waits: a test would
# pay up to half a second per server just to stop it.
SHUTDOWN_POLL_S = 0.01


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        return


@contextmanager
def in_thread(httpd: BaseServer) -> Iterator[None]:
    """Serve `httpd` in a daemon thread; shut it down and close it on exit."""
    thread = threading.Thread(target=httpd.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 in a thread; yields the origin URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with in_thread(httpd):
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
