"""The shipped VAT rate catalogue (docs/master-data.md, "VAT rates"): every EU member state with its
standard rate, ids that never change, and rates that start and end on their dates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from remit.core.enums import AllowedCountries
from remit.vat_rates.catalogue import catalogue

# Standard rates in basis points on 2026-01-01 (European Commission, DG TAXUD; Greece is "GR" in ISO 3166).
EU_STANDARD_RATES = {
    "AT": 2000, "BE": 2100, "BG": 2000, "CY": 1900, "CZ": 2100, "DE": 1900, "DK": 2500, "EE": 2400, "ES": 2100,
    "FI": 2550, "FR": 2000, "GR": 2400, "HR": 2500, "HU": 2700, "IE": 2300, "IT": 2200, "LT": 2100, "LU": 1700,
    "LV": 2100, "MT": 1800, "NL": 2100, "PL": 2300, "PT": 2300, "RO": 2100, "SE": 2500, "SI": 2200, "SK": 2300,
}
DAY = date(2026, 1, 1)


def active_values(country: str, day: date) -> list[int]:
    return [r.value for r in catalogue().active(country, day)]


class TestCoverage:
    def test_every_member_state_is_present(self):
        assert len(EU_STANDARD_RATES) == 27
        missing = set(EU_STANDARD_RATES) - set(catalogue().by_country)
        assert not missing

    @pytest.mark.parametrize(("country", "standard"), sorted(EU_STANDARD_RATES.items()))
    def test_standard_rate(self, country, standard):
        values = active_values(country, DAY)
        assert max(values) == standard
        assert values[0] == standard  # the standard rate comes first
        assert 0 in values

    def test_germany(self):
        assert active_values("DE", DAY) == [1900, 700, 0]

    def test_country_without_catalogue(self):
        assert catalogue().rates("US") == ()
        assert catalogue().active("US", DAY) == []

    def test_entries_are_well_formed(self):
        for country, rates in catalogue().by_country.items():
            AllowedCountries(country)
            keys = set()
            for rate in rates:
                assert rate.country == country
                assert isinstance(rate.value, int) and 0 <= rate.value <= 10000
                assert rate.valid_from is None or rate.valid_until is None or rate.valid_from <= rate.valid_until
                assert rate.components == [{"name": "VAT", "value": rate.value}]
                assert rate.created_by == "monite"
                key = (rate.value, rate.valid_from, rate.valid_until)
                assert key not in keys, (country, key)
                keys.add(key)

    def test_source_and_date_are_recorded(self):
        assert "European Commission" in catalogue().source
        assert catalogue().as_of == date(2026, 1, 1)


class TestIds:
    def test_unique(self):
        ids = [r.id for rates in catalogue().by_country.values() for r in rates]
        assert len(ids) == len(set(ids))

    def test_stable_across_loads(self):
        before = {(r.country, r.value, r.valid_from, r.valid_until): r.id
                  for rates in catalogue().by_country.values() for r in rates}
        catalogue.cache_clear()
        try:
            after = {(r.country, r.value, r.valid_from, r.valid_until): r.id
                     for rates in catalogue().by_country.values() for r in rates}
        finally:
            catalogue.cache_clear()
        assert after == before

    def test_pinned(self):
        """Receivables store these ids: changing how they are made would orphan every stored rate."""
        german = {r.value: r.id for r in catalogue().rates("DE")}
        assert german[1900] == uuid.UUID("68feee20-e68f-5736-b992-ecc459b30898")
        assert german[1900].version == 5

    def test_find(self):
        for rate in catalogue().rates("FI"):
            assert catalogue().find(rate.id) == rate
        assert catalogue().find(uuid.uuid4()) is None


class TestValidity:
    @pytest.mark.parametrize(
        ("country", "day", "values"),
        [
            # Romania: 19 % → 21 %, reduced 9 % and 5 % → 11 % on 2025-08-01.
            ("RO", date(2025, 7, 31), [1900, 900, 500, 0]),
            ("RO", date(2025, 8, 1), [2100, 1100, 0]),
            # Slovakia: 20 % → 23 %, reduced 10 % → 19 % on 2025-01-01.
            ("SK", date(2024, 12, 31), [2000, 1000, 500, 0]),
            ("SK", date(2025, 1, 1), [2300, 1900, 500, 0]),
            # Estonia: 22 % → 24 % on 2025-07-01; 13 % exists from 2025-01-01.
            ("EE", date(2024, 12, 31), [2200, 900, 500, 0]),
            ("EE", date(2025, 1, 1), [2200, 1300, 900, 500, 0]),
            ("EE", date(2025, 6, 30), [2200, 1300, 900, 500, 0]),
            ("EE", date(2025, 7, 1), [2400, 1300, 900, 500, 0]),
            # Finland: 10 % → 13.5 % on 2026-01-01.
            ("FI", date(2025, 12, 31), [2550, 1400, 1000, 0]),
            ("FI", date(2026, 1, 1), [2550, 1400, 1350, 0]),
        ],
    )
    def test_active_on(self, country, day, values):
        assert active_values(country, day) == values

    def test_status_on_both_sides_of_a_boundary(self):
        by_value = {r.value: r for r in catalogue().rates("FI")}
        old, new = by_value[1000], by_value[1350]
        assert (old.valid_until, new.valid_from) == (date(2025, 12, 31), date(2026, 1, 1))
        assert (old.status_on(date(2025, 12, 31)), new.status_on(date(2025, 12, 31))) == ("active", "inactive")
        assert (old.status_on(date(2026, 1, 1)), new.status_on(date(2026, 1, 1))) == ("inactive", "active")
        unlimited = by_value[2550]
        assert unlimited.valid_from is None and unlimited.valid_until is None
        assert unlimited.status_on(date(1990, 1, 1)) == unlimited.status_on(date(2100, 1, 1)) == "active"

    @pytest.mark.parametrize("country", ["RO", "SK", "EE", "FI"])
    def test_boundaries_are_inclusive(self, country):
        """A rate is active on its first and on its last day, and not one day outside them."""
        for rate in catalogue().rates(country):
            if rate.valid_from:
                assert rate.active_on(rate.valid_from)
                assert not rate.active_on(rate.valid_from - timedelta(days=1))
            if rate.valid_until:
                assert rate.active_on(rate.valid_until)
                assert not rate.active_on(rate.valid_until + timedelta(days=1))
