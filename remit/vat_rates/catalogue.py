"""The VAT rate catalogue: data shipped in the package (``data/vat_rates.json``, with its source
and date), loaded once. Ids are stable (UUID v5 of country, value and validity), so a
receivable's ``vat_rate_id`` keeps meaning the same rate across restarts and servers.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources

NAMESPACE = uuid.UUID("6f0b7a52-7d0e-4f5e-9a43-0d3c1b0f7a11")


@dataclass(frozen=True, slots=True)
class CatalogueRate:
    id: uuid.UUID
    country: str
    value: int
    valid_from: date | None
    valid_until: date | None
    created_at: datetime
    updated_at: datetime
    created_by: str = "monite"

    @property
    def components(self) -> list[dict]:
        return [{"name": "VAT", "value": self.value}]

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def status_on(self, day: date) -> str:
        return "active" if self.active_on(day) else "inactive"


@dataclass(frozen=True)
class Catalogue:
    source: str
    as_of: date
    by_country: dict[str, tuple[CatalogueRate, ...]]

    def rates(self, country: str) -> tuple[CatalogueRate, ...]:
        return self.by_country.get(country, ())

    def active(self, country: str, day: date) -> list[CatalogueRate]:
        return [r for r in self.rates(country) if r.active_on(day)]

    def find(self, rate_id: uuid.UUID) -> CatalogueRate | None:
        for rates in self.by_country.values():
            for rate in rates:
                if rate.id == rate_id:
                    return rate
        return None


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = json.loads(resources.files("remit.vat_rates").joinpath("data/vat_rates.json").read_text())
    as_of = date.fromisoformat(raw["as_of"])
    stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    by_country = {}
    for country, rates in raw["rates"].items():
        entries = []
        for rate in rates:
            valid_from = date.fromisoformat(rate["valid_from"]) if rate.get("valid_from") else None
            valid_until = date.fromisoformat(rate["valid_until"]) if rate.get("valid_until") else None
            key = f"{country}:{rate['value']}:{valid_from}:{valid_until}"
            entries.append(
                CatalogueRate(
                    id=uuid.uuid5(NAMESPACE, key),
                    country=country,
                    value=int(rate["value"]),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        by_country[country] = tuple(entries)
    return Catalogue(source=raw["source"], as_of=as_of, by_country=by_country)
