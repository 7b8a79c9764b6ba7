"""Where deliveries may go: the URL rules and the guard against requests to internal addresses.

A subscription URL is an absolute ``http``/``https`` URL (plain ``http`` only while
``REMIT_ALLOW_INSECURE_WEBHOOK_URLS`` is on). Unless ``REMIT_WEBHOOK_ALLOW_PRIVATE_URLS`` is on, a
host that is, or resolves to, an address outside the public internet (loopback, private, link-local
and cloud metadata, multicast, unspecified, reserved, shared, documentation …) is refused: when
the subscription is written (422) and again when a delivery connects, against the very address it
is about to connect to (``webhooks.transport``), since DNS may change in between.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, TypeAdapter, ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# How long a subscription request waits for DNS before it stops trying (the host is then taken: the
# delivery checks it again before every connection).
RESOLVE_TIMEOUT_SECONDS = 2.0
_resolver = ThreadPoolExecutor(max_workers=2, thread_name_prefix="remit-webhook-dns")
_URL = TypeAdapter(AnyHttpUrl)


class RefusedURL(ValueError):
    """The URL breaks a rule; the message says which."""


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` may not receive deliveries, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return blocked_reason(mapped)
        if address.teredo is not None:
            return "a Teredo address"
    checks = (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "the unspecified address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if not address.is_global:
        return "not a public address"
    return None


def check_address(address: IPAddress) -> None:
    reason = blocked_reason(address)
    if reason is not None:
        raise RefusedURL(f"{address} is {reason}")


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def addresses_of(infos: list[tuple[object, ...]]) -> list[IPAddress]:
    """The addresses in ``getaddrinfo``'s answer (an IPv6 one without its zone)."""
    found: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        found.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
    return found


def check_url(url: str, *, allow_insecure: bool, allow_private: bool) -> str:
    """``url`` if it may receive deliveries; ``RefusedURL`` otherwise (resolving its host if needed)."""
    try:
        parsed = _URL.validate_python(url)
    except ValidationError:
        raise RefusedURL("URL must be an absolute http or https URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RefusedURL("URL must be an absolute http or https URL")
    if parsed.scheme == "http" and not allow_insecure:
        raise RefusedURL("URL must use https")
    if allow_private:
        return url
    host = host_of(url)
    address = literal_address(host)
    if address is not None:
        check_address(address)
        return url
    if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        raise RefusedURL(f"{host} is a loopback address")
    future = _resolver.submit(socket.getaddrinfo, host, parsed.port or 443, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=RESOLVE_TIMEOUT_SECONDS)
    except (FutureTimeout, OSError, UnicodeError):
        return url  # unknown for now: checked again at every connection
    for resolved in addresses_of(list(infos)):
        check_address(resolved)
    return url
