"""The HTTP client deliveries are sent with: httpx, with the address guard at connection time.

httpx (over httpcore) opens every connection through a network backend; ``GuardedBackend`` resolves
the host itself, refuses it if any address it resolves to is not public (``webhooks.urls``) and
connects to the address it checked, so a DNS answer that changes between the check and the
connection cannot slip through. TLS still verifies the certificate against the host name (httpcore
sends the URL's host as SNI). Environment proxies are ignored (a proxy would connect for us,
unchecked), and redirects are never followed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import anyio
import httpcore
import httpx

from remit.webhooks.urls import RefusedURL, addresses_of, check_address, literal_address


class RefusedConnection(httpcore.ConnectError):
    """The guard refused the host before any connection was made."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, allow_private: bool):
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if not self.allow_private:
            host = await self._checked_address(host, port)
        return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def _checked_address(self, host: str, port: int) -> str:
        try:
            literal = literal_address(host)
            if literal is not None:
                check_address(literal)
                return str(literal)
            try:
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
            addresses = addresses_of(list(infos))
            if not addresses:
                raise httpcore.ConnectError(f"{host} has no address")
            for address in addresses:
                check_address(address)
            return str(addresses[0])
        except RefusedURL as exc:
            raise RefusedConnection(f"refused: {exc}") from None

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedConnection("refused: deliveries go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool opening connections through the guard."""

    def __init__(self, *, allow_private: bool, limits: httpx.Limits):
        super().__init__(trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private=allow_private),
        )


def client(*, allow_private: bool, timeout: float, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=30)
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private=allow_private, limits=limits),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )
