"""Logs: one JSON object per line, or plain text, for every process remit runs
(docs/operations.md, "Logs").

The standard library's ``logging`` with a formatter of our own (``orjson`` renders it) rather than
a logging library: remit's log records are few and their fields fixed (the request line below,
uvicorn's lines, failures), so a formatter of forty lines does the job, adds no dependency and is
the one place where redaction happens (docs/decisions.md).

``REMIT_LOG_FORMAT``: ``json``, ``text``, or ``auto`` (the default: text when standard error is a
terminal, JSON otherwise — what a log shipper reads). Every record, in both formats, passes through
``redact``: a bearer token, a JWT, an IBAN or a ``secret=…``/``"password": …`` value that found its
way into a message or a traceback is replaced by ``[redacted]``. Request bodies are never logged.

The request line (logger ``remit.access``, written by ``core.middleware``) carries ``request_id``,
``entity_id``, ``method``, ``route`` (the route template, so ids stay out of it), ``status`` and
``duration_ms`` as fields of their own.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

ACCESS_LOGGER = "remit.access"
FIELDS = ("request_id", "entity_id", "method", "route", "status", "duration_ms", "job")

_SECRETS = (
    (re.compile(r"(?i)\bbearer\s+[^\s\"',;]+"), "Bearer [redacted]"),
    (re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), "[redacted]"),  # a JWT, whatever surrounds it
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"), "[redacted]"),  # an IBAN
    (
        re.compile(r"(?i)((?:client_secret|secret|password|token|authorization|iban)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
        r"\1[redacted]",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.name == ACCESS_LOGGER and not record.exc_info else redact(text)


class JSONFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "pid", …the record's request fields, "exception"}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            # The request line is built from fixed fields (no value a client chose but its ids).
            "message": record.getMessage() if record.name == ACCESS_LOGGER else redact(record.getMessage()),
            "pid": record.process,
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def use_json(log_format: str) -> bool:
    if log_format == "auto":
        return not sys.stderr.isatty()
    return log_format == "json"


def python_level(level: str) -> int:
    level = level.upper()
    return logging.DEBUG if level == "TRACE" else logging.getLevelNamesMapping().get(level, logging.INFO)


def config(log_format: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for remit's loggers and uvicorn's (uvicorn's ``log_config``:
    each worker process applies it as it starts)."""
    formatter = "remit.operations.logs.JSONFormatter" if use_json(log_format) else "remit.operations.logs.TextFormatter"
    handler = {"handlers": ["remit"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"remit": {"()": formatter}},
        "handlers": {"remit": {"class": "logging.StreamHandler", "formatter": "remit", "stream": "ext://sys.stderr"}},
        "loggers": {
            "remit": {**handler, "level": python_level(level)},
            "uvicorn": {**handler, "level": python_level(level)},
            "uvicorn.error": {"level": python_level(level)},
            "uvicorn.access": {**handler, "level": python_level(level)},
        },
    }


def configure(log_format: str, level: str) -> None:
    """Apply ``config`` in this process (``remit worker``, ``remit check``)."""
    import logging.config

    logging.config.dictConfig(config(log_format, level))

