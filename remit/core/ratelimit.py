"""Rate limiting with the `limits` library (spec 00 §9).

Keys: the bearer token for authenticated calls, the client address for ``/auth/*`` and other
calls without a token. Storage is per process unless ``REMIT_RATE_LIMIT_STORAGE`` names a
shared one (``redis://…``).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import parse, storage, strategies


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_in: int  # seconds until the window resets

    def headers(self) -> list[tuple[bytes, bytes]]:
        limit = str(self.limit).encode()
        remaining = str(self.remaining).encode()
        return [
            (b"ratelimit-limit", limit),
            (b"ratelimit-remaining", remaining),
            (b"ratelimit-reset", str(self.reset_in).encode()),
            (b"x-ratelimit-limit-second", limit),
            (b"x-ratelimit-remaining-second", remaining),
        ]


class RateLimiter:
    def __init__(self, rate: str, storage_uri: str = "memory://"):
        self.item = parse(rate)
        self.limiter = strategies.FixedWindowRateLimiter(storage.storage_from_string(storage_uri))

    def hit(self, key: str) -> Verdict:
        key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        allowed = self.limiter.hit(self.item, key)
        stats = self.limiter.get_window_stats(self.item, key)
        reset_in = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, self.item.amount, max(0, stats.remaining), reset_in)
