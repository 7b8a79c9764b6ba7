"""What the conventions middleware does once a request is answered: its metrics and its log line.

``observer`` builds one function for the settings in force, or None when there is nothing to do,
so a request pays only for what is switched on (docs/performance.md has the cost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from remit.operations.logs import ACCESS_LOGGER

# (scope, status, seconds, request id, entity id header)
Observer = Callable[[MutableMapping[str, Any], int, float, bytes, "bytes | None"], None]

UNMATCHED = "unmatched"  # no route: one label for every unknown path, so scanners cannot grow the series


def route_template(scope: MutableMapping[str, Any]) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def observer(*, metrics: bool, access_log: bool) -> Observer | None:
    if not (metrics or access_log):
        return None
    log = logging.getLogger(ACCESS_LOGGER)
    duration = None
    if metrics:
        from remit.operations.metrics import REQUEST_DURATION

        duration = REQUEST_DURATION

    def observe(scope: MutableMapping[str, Any], status: int, seconds: float, request_id: bytes, entity_id: bytes | None) -> None:
        route = route_template(scope)
        method: str = scope["method"]
        if duration is not None:
            duration.labels(method, route, str(status)).observe(seconds)
        if access_log and log.isEnabledFor(logging.INFO):
            milliseconds = round(seconds * 1000, 2)
            log.info(
                "%s %s %d %.2fms", method, route, status, milliseconds,
                extra={
                    "request_id": request_id.decode("latin-1"),
                    "entity_id": entity_id[:64].decode("latin-1") if entity_id is not None else None,
                    "method": method, "route": route, "status": status, "duration_ms": milliseconds,
                },
            )

    return observe
