"""``x-monite-version`` handling (docs/auth-entities.md, "Version header").

Every accepted date is served with the 2024-05-25 behaviour; the response echoes the newest
known Monite version that is not newer than the requested date.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date
from functools import lru_cache

IMPLEMENTED_VERSION = "2024-05-25"
KNOWN_VERSIONS = (
    "2022-11-16",
    "2023-02-07",
    "2023-03-01",
    "2023-03-14",
    "2023-04-12",
    "2023-06-04",
    "2023-09-01",
    "2024-01-31",
    "2024-05-25",
    "2025-06-23",
)
HEADER = "x-monite-version"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class MissingVersion(Exception):
    pass


class MalformedVersion(Exception):
    pass


class UnsupportedVersion(Exception):
    pass


@lru_cache(maxsize=256)
def match_version(raw: str) -> str:
    """Return the version to echo for a requested header value, or raise."""
    if not _DATE.fullmatch(raw):
        raise MalformedVersion(raw)
    try:
        requested = date.fromisoformat(raw)
    except ValueError:
        raise MalformedVersion(raw) from None
    index = bisect_right(KNOWN_VERSIONS, requested.isoformat())
    if index == 0:
        raise UnsupportedVersion(raw)
    return KNOWN_VERSIONS[index - 1]
