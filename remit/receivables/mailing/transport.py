"""Mail transports: how a composed message reaches its recipients.

* ``RecordingTransport`` (the default, ``REMIT_SMTP_URL`` unset): no network I/O at all; every
  recipient is recorded as delivered.
* ``SmtpTransport`` (``REMIT_SMTP_URL``): the standard library's ``smtplib``, run in the delivery
  loop's thread. ``smtp://`` upgrades with STARTTLS whenever the server offers it, ``smtps://``
  speaks TLS from the first byte, ``smtp+insecure://`` never encrypts (a local relay, tests).
  User and password in the URL log in (percent-encoded as URLs require).

A transport answers, for each recipient, ``None`` (accepted) or the error that refused it.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit


class Transport(Protocol):
    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict[str, str | None]: ...


class RecordingTransport:
    """Delivers nothing and records every recipient as reached."""

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict[str, str | None]:
        return dict.fromkeys(recipients)


class SmtpTransport:
    def __init__(self, url: str, *, timeout: float = 30.0):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+insecure") or not parts.hostname:
            raise ValueError("REMIT_SMTP_URL must be smtp://, smtps:// or smtp+insecure://[user:password@]host[:port]")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 587 if parts.username else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        client.ehlo()
        if self.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        return client

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict[str, str | None]:
        results: dict[str, str | None] = dict.fromkeys(recipients)
        try:
            with self._connect() as client:
                if self.username:
                    client.login(self.username, self.password or "")
                refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            return dict.fromkeys(recipients, error)
        for address, (code, reply) in refused.items():
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
            results[address] = f"{code} {text}"[:500]
        return results


def from_settings(smtp_url: str, timeout: float) -> Transport:
    return SmtpTransport(smtp_url, timeout=timeout) if smtp_url else RecordingTransport()
