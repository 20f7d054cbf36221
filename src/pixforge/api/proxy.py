"""Record and replay: a proxy that forwards every request to an upstream PixVerse-compatible API
and records requests, answers and result files to a cassette, and a replay mode that serves a
cassette offline, answering the same requests with the same bytes.

Matching: a request is keyed by method, path, query and a hash of its body (a multipart body's
random boundary is taken out first); the Ai-trace-id and API-KEY headers are not part of the key
(clients send fresh trace ids). Answers to the same key are replayed in recorded order (polls of
one video: 5, 5, 1), the last one repeated after that. URLs of result files in answers are
rewritten to the proxy (`/pixforge/cassette/files/...`), and the files themselves are kept in the
cassette, so a replay needs no network. API keys are never written to the cassette.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# The proxy's own origin in recorded answers, put back at serving time.
PROXY_ORIGIN = "{{pixforge-proxy}}"
FILES_PATH = "/pixforge/cassette/files"
# Answer headers kept in the cassette (the rest are per connection or per request).
KEPT_HEADERS = frozenset({"content-type", "retry-after"})
_URL = re.compile(r"^https?://")
_BOUNDARY = re.compile(r"boundary=\"?([^\";]+)\"?")


@dataclass
class Recorded:
    """One answer: status, kept headers and the body with the proxy's origin as a placeholder."""

    status: int
    headers: dict[str, str]
    body: str  # base64


@dataclass
class Cassette:
    """Answers by request key, in recorded order, and result files by name."""

    answers: dict[str, list[Recorded]] = field(default_factory=dict)
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, base64)
    served: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, answer: Recorded) -> None:
        self.answers.setdefault(key, []).append(answer)

    def next(self, key: str) -> Recorded | None:
        found = self.answers.get(key)
        if not found:
            return None
        index = self.served.get(key, 0)
        self.served[key] = index + 1
        return found[min(index, len(found) - 1)]

    def save(self, path: Path) -> None:
        data = {
            "version": 1,
            "answers": {
                key: [answer.__dict__ for answer in answers]
                for key, answers in self.answers.items()
            },
            "files": {name: list(value) for name, value in self.files.items()},
        }
        path.write_text(json.dumps(data, indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> Cassette:
        data = json.loads(path.read_text())
        return cls(
            answers={
                key: [Recorded(**answer) for answer in answers]
                for key, answers in data["answers"].items()
            },
            files={name: (value[0], value[1]) for name, value in data["files"].items()},
        )


def request_key(method: str, path: str, query: str, content_type: str, body: bytes) -> str:
    """What identifies a request across a record and its replay."""
    boundary = _BOUNDARY.search(content_type)
    if boundary is not None:
        body = body.replace(boundary.group(1).encode(), b"BOUNDARY")
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f"{method} {path}?{query} {digest}"


class Proxy:
    """The ASGI app of both modes: `upstream` set records, None replays `cassette` offline."""

    def __init__(
        self,
        cassette: Cassette,
        *,
        upstream: str | None = None,
        upstream_key: str | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        self.cassette = cassette
        self.upstream = upstream.rstrip("/") if upstream else None
        self.upstream_key = upstream_key
        self.timeout_s = timeout_s
        self._lock = asyncio.Lock()
        self.app = Starlette(
            routes=[
                Route(FILES_PATH + "/{name}", self._file, methods=["GET"]),
                Route("/{path:path}", self._any, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def _file(self, request: Request) -> Response:
        found = self.cassette.files.get(request.path_params["name"])
        if found is None:
            return Response(b"not in the cassette\n", status_code=404)
        return Response(base64.b64decode(found[1]), media_type=found[0])

    async def _any(self, request: Request) -> Response:
        body = await request.body()
        key = request_key(
            request.method,
            request.url.path,
            request.url.query,
            request.headers.get("content-type", ""),
            body,
        )
        origin = str(request.base_url).rstrip("/")
        if self.upstream is None:
            async with self._lock:
                answer = self.cassette.next(key)
            if answer is None:
                return Response(
                    json.dumps(
                        {
                            "ErrCode": 400017,
                            "ErrMsg": f"replay: no recorded answer for {request.method} "
                            f"{request.url.path}",
                            "Resp": None,
                        }
                    ),
                    status_code=404,
                    media_type="application/json",
                )
        else:
            answer = await self._record(request, body, key)
        return self._send(answer, origin, request.headers.get("ai-trace-id"))

    def _send(self, answer: Recorded, origin: str, trace_id: str | None) -> Response:
        body = base64.b64decode(answer.body).replace(PROXY_ORIGIN.encode(), origin.encode())
        headers = dict(answer.headers)
        if trace_id:
            headers["ai-trace-id"] = trace_id
        return Response(body, status_code=answer.status, headers=headers)

    async def _record(self, request: Request, body: bytes, key: str) -> Recorded:
        assert self.upstream is not None
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in ("host", "content-length", "connection", "accept-encoding")
        }
        if self.upstream_key:
            headers["api-key"] = self.upstream_key
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            upstream = await client.request(
                request.method,
                self.upstream + request.url.path,
                params=request.url.query or None,
                content=body,
                headers=headers,
            )
            content = upstream.content
            if "json" in upstream.headers.get("content-type", ""):
                content = await self._keep_files(client, content)
        answer = Recorded(
            upstream.status_code,
            {k: v for k, v in upstream.headers.items() if k.lower() in KEPT_HEADERS},
            base64.b64encode(content).decode(),
        )
        async with self._lock:
            self.cassette.add(key, answer)
        return answer

    async def _keep_files(self, client: httpx.AsyncClient, content: bytes) -> bytes:
        """Fetch every result file an answer links to into the cassette and point the answer
        at the proxy's copy."""
        try:
            document = json.loads(content)
        except ValueError:
            return content
        urls: list[str] = []
        _collect(document, urls)
        if not urls:
            return content
        text = content.decode()
        for url in urls:
            fetched = await client.get(url)
            if fetched.status_code != 200:
                continue
            digest = hashlib.sha256(fetched.content).hexdigest()[:24]
            name = f"{digest}-{url.rsplit('/', 1)[-1].split('?')[0][:80]}"
            content_type = fetched.headers.get("content-type", "application/octet-stream")
            self.cassette.files[name] = (content_type, base64.b64encode(fetched.content).decode())
            for form in (url, url.replace("/", "\\/")):
                text = text.replace(form, f"{PROXY_ORIGIN}{FILES_PATH}/{name}")
        return text.encode()


def _collect(value: object, into: list[str]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _collect(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect(item, into)
    elif isinstance(value, str) and _URL.match(value) and value not in into:
        into.append(value)
