"""Approvals' process-wide caches, held by the runtime (``remit.runtime.Runtime.policies``).

Parsed triggers and scripts are keyed by (policy id, ``updated_at``): every policy write sets
``updated_at``, so a changed policy is parsed again and the old entry ages out. Each entity's
active policies are kept with a fingerprint of its policies (how many are active, the latest
change), which one aggregate query checks before the list is reused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from remit.approvals import script as lang
from remit.core.cache import LRU

CACHE_SIZE = 4096


@dataclass(frozen=True)
class Candidate:
    """An active policy, as matching needs it."""

    policy_id: uuid.UUID
    version: datetime
    priority: int
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(eq=False)
class PolicyCache:
    triggers: LRU[tuple[uuid.UUID, datetime], lang.Trigger] = field(default_factory=lambda: LRU(CACHE_SIZE))
    scripts: LRU[tuple[uuid.UUID, datetime], lang.Script] = field(default_factory=lambda: LRU(CACHE_SIZE))
    # entity id → (fingerprint, its active policies, best priority first)
    candidates: LRU[uuid.UUID, tuple[tuple[Any, ...], list[Candidate]]] = field(
        default_factory=lambda: LRU(CACHE_SIZE)
    )
