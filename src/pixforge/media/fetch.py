"""Safe URL fetches: http(s) only, no private/loopback/link-local hosts unless allowed, bounded."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefusedError(Exception):
    """The URL is malformed or points at an address we do not fetch from."""


class FetchFailedError(Exception):
    """The URL was allowed but could not be downloaded within the limits."""


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


def _is_public(address: Address) -> bool:
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url(url: str, allowed_networks: Sequence[Network]) -> None:
    """Refuse non-http(s) URLs and hosts that resolve to non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefusedError(f"only http(s) URLs with a host are accepted, got {url!r}")
    if parts.username or parts.password:
        raise FetchRefusedError("URLs with credentials are not accepted")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, ValueError, UnicodeError) as error:
        raise FetchFailedError(f"cannot resolve host {parts.hostname!r}: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if _is_public(address):
            continue
        if any(address in network for network in allowed_networks):
            continue
        raise FetchRefusedError(
            f"host {parts.hostname!r} resolves to {address}, a non-public address"
        )


def fetch(url: str, limits: FetchLimits) -> Fetched:
    """Download a URL with a total time limit and a byte limit; redirects are re-checked."""
    deadline = time.monotonic() + limits.timeout_s
    current = url
    with httpx.Client(follow_redirects=False, timeout=limits.timeout_s) as client:
        for _ in range(limits.max_redirects + 1):
            check_url(current, limits.allowed_networks)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise FetchFailedError(f"{current} answered HTTP {response.status_code}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                        raise FetchFailedError(
                            f"{current} is {declared} bytes, over the limit of {limits.max_bytes}"
                        )
                    chunks: list[bytes] = []
                    total = 0
                    for chunk in response.iter_bytes():
                        total += len(chunk)
                        if total > limits.max_bytes:
                            raise FetchFailedError(
                                f"{current} is over the limit of {limits.max_bytes} bytes"
                            )
                        if time.monotonic() > deadline:
                            raise FetchFailedError(
                                f"{current} took longer than {limits.timeout_s} s"
                            )
                        chunks.append(chunk)
                    return Fetched(
                        data=b"".join(chunks),
                        content_type=response.headers.get("content-type", ""),
                        final_url=current,
                    )
            except httpx.HTTPError as error:
                raise FetchFailedError(f"could not download {current}: {error}") from error
    raise FetchFailedError(f"{url} redirected more than {limits.max_redirects} times")
