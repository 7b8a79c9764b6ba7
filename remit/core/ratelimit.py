"""Rate limiting with the `limits` library (docs/auth-entities.md, "Rate limits").

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
from limits.storage import MemoryStorage


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


class InlineMemoryStorage(MemoryStorage):
    """``limits``' in-process storage without its expiry thread.

    ``MemoryStorage`` starts a ``threading.Timer`` every 10 ms while it is in use; under load that
    thread start was over a tenth of the server's GIL time. Counters already expire lazily when
    read; this sweeps the rest inline, at most once a second.
    """

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook, by its mangled name
        now = time.time()
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            # mypy does not model name mangling: this is the base class's private __expire_events.
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class RateLimiter:
    def __init__(self, rate: str, storage_uri: str = "memory://"):
        self.item = parse(rate)
        backend = InlineMemoryStorage() if storage_uri.startswith("memory://") else storage.storage_from_string(storage_uri)
        self.limiter = strategies.FixedWindowRateLimiter(backend)

    def hit(self, key: str) -> Verdict:
        # Keys are hashed so a shared store never holds bearer tokens.
        key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        allowed = self.limiter.hit(self.item, key)
        stats = self.limiter.get_window_stats(self.item, key)
        reset_in = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, self.item.amount, max(0, stats.remaining), reset_in)
