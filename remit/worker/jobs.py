"""A background job and the registry of a process's jobs."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from remit.runtime import Runtime

# "<domain>.<what it does>": the name keys the job's cross-process lock (and, on SQLite, names its
# lock file), so it is kept to characters that are safe everywhere.
_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


@dataclass(frozen=True, eq=False)
class Job:
    """A periodic piece of background work.

    ``run(runtime)`` does one pass and returns how many objects it moved (0 when there was nothing
    to do). It opens its own transactions (``runtime.db.transaction()``), short ones, in batches:
    on SQLite a write transaction holds up the process's requests while it lasts. A run may be
    repeated, or overlap a run in another process that lost its lock connection, so it must be
    idempotent and change rows only through conditional updates (a status transition applies only
    from the status it expects).
    """

    name: str  # "<domain>.<action>", e.g. "receivables.mark_overdue"
    interval: float  # seconds from the end of one run to the start of the next
    run: Callable[[Runtime], int]

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"job name {self.name!r} is not '<domain>.<action>' in lower-case letters, digits and _")
        if not self.interval > 0:
            raise ValueError(f"job {self.name}: the interval must be a positive number of seconds")


@dataclass(frozen=True, eq=False)
class Loop:
    """Background work that runs all the time rather than at intervals (the webhook deliveries).

    ``run(runtime, stopping)`` runs in a thread of its own from the runner's start and returns
    once ``stopping`` is set; ``interrupt()`` is called right after it is set, to cut a wait short.
    Unlike a job, a loop runs in every process at once and takes no cross-process lock: it shares
    its work with the other processes through the database (claims), so it must be safe to run
    beside copies of itself. If ``run`` raises or returns early, the runner logs it and starts it
    again after a pause.
    """

    name: str
    run: Callable[[Runtime, threading.Event], None]
    interrupt: Callable[[], None] = lambda: None

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"loop name {self.name!r} is not '<domain>.<action>' in lower-case letters, digits and _")


class Jobs:
    """The jobs (and loops) of one process, registered once by the runtime's wiring (``remit.runtime``)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._loops: dict[str, Loop] = {}

    def register_loop(self, loop: Loop) -> None:
        """Add ``loop`` (again: no-op); another loop under a taken name is an error."""
        known = self._loops.get(loop.name)
        if known is not None and known is not loop:
            raise ValueError(f"a background loop named {loop.name} is already registered")
        self._loops[loop.name] = loop

    @property
    def loops(self) -> list[Loop]:
        return list(self._loops.values())

    def register(self, job: Job) -> None:
        """Add ``job`` (again: no-op); another job under a taken name is an error."""
        known = self._jobs.get(job.name)
        if known is not None and known is not job:
            raise ValueError(f"a background job named {job.name} is already registered")
        self._jobs[job.name] = job

    def get(self, name: str) -> Job | None:
        return self._jobs.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __len__(self) -> int:
        return len(self._jobs)
