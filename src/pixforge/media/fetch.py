"""Safe outbound HTTP: public hosts only (unless allowed), connected to the checked address.

A host is resolved once, every address it resolves to is checked, and the connection is made to
one of those checked addresses (never to a second resolution, which a rebinding DNS server could
answer differently). The URL itself is left alone, so the Host header, TLS SNI and certificate
verification still use the host name. Each hop of a redirect is resolved, checked and pinned anew.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses (as text) a TCP connection to them could go to.
Resolver = Callable[[str, int], Sequence[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Larger writes are split so that each slice gets what is left of the deadline.
_WRITE_SLICE_BYTES = 64 * 1024


class FetchRefusedError(Exception):
    """The URL is malformed or points at an address we do not connect to."""

    def __init__(self, message: str, address: Address | None = None) -> None:
        super().__init__(message)
        self.address = address


class FetchFailedError(Exception):
    """The URL was allowed but could not be resolved or downloaded within the limits."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int
    timeout_s: float
    max_redirects: int
    allowed_networks: Sequence[Network]


@dataclass(frozen=True, slots=True)
class Fetched:
    data: bytes
    content_type: str
    final_url: str


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    """A URL whose host resolved only to allowed addresses; connections go to those alone."""

    url: httpx.URL
    host: str  # as the connection layer sees it: lower-case ASCII (IDNA), IPv6 without brackets
    port: int
    addresses: tuple[Address, ...]


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver: every address getaddrinfo offers for a TCP connection."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: Address) -> bool:
    # is_global also excludes shared address space (100.64.0.0/10), where some clouds keep
    # their metadata service.
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _normalised(address: Address) -> Address:
    """IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address as far as routing goes."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_url(
    url: str | httpx.URL,
    allowed_networks: Sequence[Network],
    resolve: Resolver = resolve_host,
) -> CheckedUrl:
    """Refuse non-http(s) URLs and hosts that resolve to any non-public, non-allowed address."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise FetchRefusedError(f"{str(url)!r} is not a valid URL: {error}") from error
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.raw_host:
        raise FetchRefusedError(f"only http(s) URLs with a host are accepted, got {str(url)!r}")
    if parsed.userinfo:
        raise FetchRefusedError("URLs with credentials are not accepted")
    host = parsed.raw_host.decode("ascii").lower()
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        answers = [str(literal)]
    else:
        try:
            answers = list(resolve(host, port))
        except (OSError, UnicodeError, ValueError) as error:
            raise FetchFailedError(f"cannot resolve host {host!r}: {error}") from error
    if not answers:
        raise FetchFailedError(f"cannot resolve host {host!r}: no addresses")
    addresses: list[Address] = []
    for answer in answers:
        try:
            address = _normalised(ipaddress.ip_address(answer))
        except ValueError as error:
            raise FetchFailedError(f"host {host!r} resolved to {answer!r}: {error}") from error
        if not is_public(address) and not any(address in net for net in allowed_networks):
            raise FetchRefusedError(
                f"host {host!r} resolves to {address}, a non-public address", address
            )
        if address not in addresses:
            addresses.append(address)
    return CheckedUrl(url=parsed, host=host, port=port, addresses=tuple(addresses))


# -- connecting to the checked address only, within one deadline


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and handshake ends by one monotonic deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def _budget(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise error("the total time allowed for this request ran out")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), _WRITE_SLICE_BYTES):
            piece = buffer[start : start + _WRITE_SLICE_BYTES]
            self._stream.write(piece, self._budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        budget = self._budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, budget), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens TCP connections to the checked addresses of one host, and to nothing else."""

    def __init__(self, target: CheckedUrl, deadline: float) -> None:
        self._target = target
        self._deadline = deadline
        self._system = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host.lower() != self._target.host or port != self._target.port:
            raise httpcore.ConnectError(
                f"{host}:{port} is not the checked {self._target.host}:{self._target.port}"
            )
        failure: httpcore.ConnectError | None = None
        for address in self._target.addresses:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                break
            budget = remaining if timeout is None else min(timeout, remaining)
            try:
                stream = self._system.connect_tcp(
                    str(address), port, budget, local_address, socket_options
                )
            except httpcore.ConnectError as error:  # try the host's next checked address
                failure = error
                continue
            return _DeadlineStream(stream, self._deadline)
        if failure is not None:
            raise failure
        raise httpcore.ConnectTimeout("the total time allowed for this request ran out")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never connected to")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


_HTTPCORE_TO_HTTPX: dict[type[Exception], type[httpx.HTTPError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


def _as_httpx_error(error: Exception) -> Exception:
    """httpx's own exception for an httpcore one (the most specific class that matches)."""
    for cls in type(error).__mro__:
        if cls in _HTTPCORE_TO_HTTPX:
            return _HTTPCORE_TO_HTTPX[cls](str(error))
    return error


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as error:
            mapped = _as_httpx_error(error)
            if mapped is error:
                raise
            raise mapped from error

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that connects only to a CheckedUrl's addresses, within a deadline."""

    def __init__(self, target: CheckedUrl, deadline: float, ssl_context: ssl.SSLContext) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            http1=True,
            http2=False,
            network_backend=_PinnedBackend(target, deadline),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            core_response = self._pool.handle_request(core_request)
        except Exception as error:
            mapped = _as_httpx_error(error)
            if mapped is error:
                raise
            raise mapped from error
        assert isinstance(core_response.stream, Iterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """Certificate verification against the system's CA bundle (certifi), built once."""
    return httpx.create_ssl_context()


def pinned_client(
    target: CheckedUrl,
    *,
    deadline: float,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Client:
    """A client for one request to `target`, finished (connect to last byte) by `deadline`.

    `deadline` is a time.monotonic() value. Proxies from the environment are ignored: a proxy
    would connect wherever it resolves the host, undoing the check.
    """
    remaining_s = max(deadline - time.monotonic(), 0.001)
    return httpx.Client(
        transport=PinnedTransport(target, deadline, ssl_context or default_ssl_context()),
        follow_redirects=False,
        timeout=remaining_s,
        trust_env=False,
    )


def fetch(
    url: str,
    limits: FetchLimits,
    *,
    resolve: Resolver = resolve_host,
    ssl_context: ssl.SSLContext | None = None,
) -> Fetched:
    """Download a URL within a total time limit and a byte limit; each redirect is re-checked."""
    deadline = time.monotonic() + limits.timeout_s
    current: str = url
    for _ in range(limits.max_redirects + 1):
        target = check_url(current, limits.allowed_networks, resolve)
        try:
            with (
                pinned_client(target, deadline=deadline, ssl_context=ssl_context) as client,
                client.stream("GET", target.url) as response,
            ):
                if response.is_redirect and "location" in response.headers:
                    current = str(target.url.join(response.headers["location"]))
                    continue
                return _read_body(current, response, limits)
        except httpx.TimeoutException as error:
            raise FetchFailedError(
                f"{current} took longer than {limits.timeout_s} s ({error})"
            ) from error
        except httpx.HTTPError as error:
            raise FetchFailedError(f"could not download {current}: {error}") from error
    raise FetchFailedError(f"{url} redirected more than {limits.max_redirects} times")


def _read_body(url: str, response: httpx.Response, limits: FetchLimits) -> Fetched:
    if response.status_code != 200:
        raise FetchFailedError(f"{url} answered HTTP {response.status_code}")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchFailedError(f"{url} is {declared} bytes, over the limit of {limits.max_bytes}")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limits.max_bytes:
            raise FetchFailedError(f"{url} is over the limit of {limits.max_bytes} bytes")
        chunks.append(chunk)
    return Fetched(
        data=b"".join(chunks),
        content_type=response.headers.get("content-type", ""),
        final_url=url,
    )
