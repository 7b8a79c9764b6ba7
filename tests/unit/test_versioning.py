"""x-monite-version matching (docs/auth-entities.md, "Version header"): closest known version not
newer than the request."""

from __future__ import annotations

import pytest

from remit.core.versioning import (
    IMPLEMENTED_VERSION,
    KNOWN_VERSIONS,
    MalformedVersion,
    UnsupportedVersion,
    match_version,
)

MONITE_VERSIONS = [
    "2025-06-23",
    "2024-05-25",
    "2024-01-31",
    "2023-09-01",
    "2023-06-04",
    "2023-04-12",
    "2023-03-14",
    "2023-03-01",
    "2023-02-07",
    "2022-11-16",
]


def test_known_versions_are_monites_in_ascending_order():
    assert list(KNOWN_VERSIONS) == sorted(MONITE_VERSIONS)
    assert IMPLEMENTED_VERSION == "2024-05-25"


@pytest.mark.parametrize("version", MONITE_VERSIONS)
def test_exact_match_wins(version):
    assert match_version(version) == version


@pytest.mark.parametrize(
    ("requested", "matched"),
    [
        ("2024-06-01", "2024-05-25"),
        ("2024-05-24", "2024-01-31"),
        ("2025-06-22", "2024-05-25"),
        ("2025-06-24", "2025-06-23"),
        ("2030-01-01", "2025-06-23"),
        ("2022-11-17", "2022-11-16"),
        ("2023-12-31", "2023-09-01"),
        ("2024-02-29", "2024-01-31"),  # a leap day is a valid date
    ],
)
def test_closest_lower_version(requested, matched):
    assert match_version(requested) == matched


@pytest.mark.parametrize("requested", ["2022-11-15", "2022-01-01", "1999-12-31", "0001-01-01"])
def test_dates_before_the_oldest_version_are_unsupported(requested):
    with pytest.raises(UnsupportedVersion):
        match_version(requested)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "latest",
        "2024-5-25",
        "2024-05-5",
        "20240525",  # ISO basic format: date.fromisoformat accepts it, the header must not
        "2024-13-01",
        "2024-02-30",
        "2023-02-29",
        "2024-05-25T00:00:00",
        "2024-05-25 ",
        " 2024-05-25",
        "2024/05/25",
        "25-05-2024",
        "2024-W21-6",
    ],
)
def test_malformed_values(raw):
    with pytest.raises(MalformedVersion):
        match_version(raw)


def test_malformed_is_not_unsupported():
    # The middleware maps them to different status codes (422 vs 400).
    assert not issubclass(MalformedVersion, UnsupportedVersion)
    assert not issubclass(UnsupportedVersion, MalformedVersion)
