"""The runner: every job at start-up, then every interval, one thread per job.

Each job has a thread of its own, so a long run of one job never delays another. A tick takes
the job's cross-process lock (``locks``) without waiting: if another process holds it, that
process is doing the work and this tick is skipped. A run that raises is logged with its
traceback and tried again at the next tick; nothing a job does stops its thread. ``stop()`` lets
running jobs finish, for at most a timeout, and starts no new run.

Threads rather than asyncio tasks: jobs do blocking database work, the runner is the same in
``remit worker`` (no event loop) and inside the server, and a job's thread never competes with
requests for the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from remit.core import clock
from remit.operations.metrics import SCHEDULER_RUNS
from remit.worker.jobs import Job, Loop
from remit.worker.locks import JobLocks, locks_for

if TYPE_CHECKING:
    from remit.runtime import Runtime

log = logging.getLogger("remit.worker")


@dataclass(frozen=True)
class JobState:
    """What this process's runner knows of a job (a snapshot). Times come from ``core.clock``."""

    name: str
    interval: float  # seconds from the end of one run to the start of the next
    running: bool = False
    runs: int = 0  # runs started by this runner, failed ones included
    skips: int = 0  # ticks skipped because another holder (usually another process) was running it
    consecutive_failures: int = 0  # failed runs since the last success (0: the last run succeeded)
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_success_at: datetime | None = None
    last_moved: int | None = None  # what the last successful run returned
    last_error: str | None = None  # the last failure, e.g. "ValueError: …"; kept after later successes
    last_error_at: datetime | None = None
    last_skipped_at: datetime | None = None


@dataclass(eq=False)
class _Slot:
    job: Job
    state: JobState
    wakeup: threading.Event = field(default_factory=threading.Event)  # set by wake() and stop()
    thread: threading.Thread | None = None


class Runner:
    """Runs ``runtime.jobs`` and its loops (or ``jobs`` and ``loops``) until stopped.

    ``REMIT_SCHEDULER_INTERVAL_SECONDS`` replaces every job's interval; ``stop_timeout`` (default
    ``REMIT_WORKER_STOP_TIMEOUT_SECONDS``) bounds ``stop()``; ``locks`` defaults to the ones for
    the runtime's database (``locks.locks_for``). A runner starts once.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        jobs: Iterable[Job] | None = None,
        loops: Iterable[Loop] | None = None,
        locks: JobLocks | None = None,
        stop_timeout: float | None = None,
    ):
        settings = runtime.settings
        self.runtime = runtime
        self.stop_timeout = settings.worker_stop_timeout_seconds if stop_timeout is None else stop_timeout
        self._locks = locks if locks is not None else locks_for(runtime.db)
        override = settings.scheduler_interval_seconds
        self._slots = {
            job.name: _Slot(job, JobState(job.name, override or job.interval))
            for job in (runtime.jobs if jobs is None else jobs)
        }
        if loops is None:  # the runtime's loops, unless the caller chose the jobs (then only the loops it names)
            loops = runtime.jobs.loops if jobs is None else ()
        self._loops = {loop.name: loop for loop in loops}
        self._loop_threads: dict[str, threading.Thread] = {}
        self.loop_restarts: dict[str, int] = dict.fromkeys(self._loops, 0)
        self._stopping = threading.Event()
        self._started = False
        self._guard = threading.Lock()  # orders state updates and start()

    # -- control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start one thread per job; each runs its job at once, then every interval."""
        with self._guard:
            if self._started:
                raise RuntimeError("a runner starts once")
            self._started = True
        if not self._slots and not self._loops:
            log.info("no background jobs registered")
            return
        # A process that writes only from here (``remit worker``) still checkpoints SQLite's WAL.
        self.runtime.db.start_checkpoints()
        for loop in self._loops.values():
            thread = threading.Thread(target=self._keep_running, args=(loop,), name=f"remit-loop {loop.name}", daemon=True)
            self._loop_threads[loop.name] = thread
            thread.start()
        if self._loops:
            log.info("background loops started: %s", ", ".join(self._loops))
        for slot in self._slots.values():
            slot.thread = threading.Thread(target=self._loop, args=(slot,), name=f"remit-job {slot.job.name}", daemon=True)
            slot.thread.start()
        log.info(
            "background jobs started: %s",
            ", ".join(f"{slot.job.name} (every {slot.state.interval:g} s)" for slot in self._slots.values()),
        )

    def wake(self, name: str) -> None:
        """Run job ``name`` now rather than at its next tick (right after the current run, if one
        is under way). Another process running it at that moment still makes this tick a skip."""
        self._slot(name).wakeup.set()

    def stop(self, timeout: float | None = None) -> bool:
        """Start no new run, let running jobs finish for at most ``timeout`` seconds (default
        ``stop_timeout``) and return whether they all did. A job still running is left to its
        daemon thread: the process may exit under it, and its open transaction rolls back."""
        timeout = self.stop_timeout if timeout is None else timeout
        self._stopping.set()
        for slot in self._slots.values():
            slot.wakeup.set()
        for loop in self._loops.values():
            try:
                loop.interrupt()
            except Exception:
                log.exception("background loop %s: interrupting it failed", loop.name)
        deadline = time.monotonic() + timeout
        for slot in self._slots.values():
            if slot.thread is not None:
                slot.thread.join(max(0.0, deadline - time.monotonic()))
        for thread in self._loop_threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        unfinished = [slot.job.name for slot in self._slots.values() if slot.thread is not None and slot.thread.is_alive()]
        unfinished += [name for name, thread in self._loop_threads.items() if thread.is_alive()]
        if unfinished:
            log.warning("background jobs still running after %g s, left behind: %s", timeout, ", ".join(unfinished))
            return False
        if self._started and (self._slots or self._loops):
            log.info("background jobs stopped")
        return True

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def alive(self) -> bool:
        """Started, not stopping, and every job's and loop's thread running (what ``/readyz`` asks)."""
        threads = [slot.thread for slot in self._slots.values()] + list(self._loop_threads.values())
        return self._started and not self._stopping.is_set() and all(t is not None and t.is_alive() for t in threads)

    def __enter__(self) -> Runner:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- state -----------------------------------------------------------------------------

    def states(self) -> dict[str, JobState]:
        """Every job's state, by name (what a readiness check reads)."""
        return {name: slot.state for name, slot in self._slots.items()}

    def state(self, name: str) -> JobState:
        return self._slot(name).state

    # -- running ---------------------------------------------------------------------------

    def run_job(self, name: str) -> bool:
        """One tick of job ``name`` in the calling thread: run it unless the runner is stopping or
        another holder has its lock; whether it ran (a run that raised counts: it is recorded)."""
        return self._tick(self._slot(name))

    def _slot(self, name: str) -> _Slot:
        try:
            return self._slots[name]
        except KeyError:
            raise KeyError(f"no background job named {name}") from None

    def _keep_running(self, loop: Loop) -> None:
        """Run ``loop`` until the runner stops; a loop that fails (or returns early) starts again
        after a pause that doubles up to 30 s, so a database outage is not a busy loop."""
        pause = 1.0
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                loop.run(self.runtime, self._stopping)
            except Exception:
                log.exception("background loop %s failed; starting it again in %g s", loop.name, pause)
            else:
                if self._stopping.is_set():
                    return
                log.warning("background loop %s returned before the runner stopped; starting it again", loop.name)
            with self._guard:
                self.loop_restarts[loop.name] += 1
            if time.monotonic() - started > 60:  # it ran a good while: this is a new failure, not a streak
                pause = 1.0
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, 30.0)

    def _loop(self, slot: _Slot) -> None:
        while True:
            # Cleared before the stop check: a stop() from here on sets it again, so the wait
            # below cannot miss it; a wake() during the run makes the next run start at once.
            slot.wakeup.clear()
            if self._stopping.is_set():
                return
            self._tick(slot)
            slot.wakeup.wait(slot.state.interval)

    def _tick(self, slot: _Slot) -> bool:
        if self._stopping.is_set():
            return False
        name = slot.job.name
        try:
            with self._locks.hold(name) as held:
                if not held:
                    SCHEDULER_RUNS.labels(name, "skipped").inc()
                    self._record(slot, lambda s: replace(s, skips=s.skips + 1, last_skipped_at=clock.now()))
                    log.debug("background job %s: running elsewhere, tick skipped", name)
                    return False
                self._run(slot)
                return True
        except Exception as exc:
            # Taking or letting go of the lock failed (the database is unreachable, say): the
            # next tick tries again.
            log.exception("background job %s: its lock failed; next try in %g s", name, slot.state.interval)
            self._record(slot, partial(self._failed, exc=exc, ran=False))
            return False

    def _run(self, slot: _Slot) -> None:
        name = slot.job.name
        self._record(slot, lambda s: replace(s, running=True, runs=s.runs + 1, last_started_at=clock.now()))
        try:
            moved = slot.job.run(self.runtime)
        except Exception as exc:
            SCHEDULER_RUNS.labels(name, "failed").inc()
            log.exception("background job %s failed; next try in %g s", name, slot.state.interval)
            self._record(slot, partial(self._failed, exc=exc, ran=True))
            return
        SCHEDULER_RUNS.labels(name, "ok").inc()
        finished = clock.now()
        self._record(slot, lambda s: replace(
            s, running=False, consecutive_failures=0, last_finished_at=finished, last_success_at=finished,
            last_moved=moved,
        ))
        if moved:
            log.info("background job %s moved %d", name, moved)

    @staticmethod
    def _failed(state: JobState, exc: BaseException, *, ran: bool) -> JobState:
        now = clock.now()
        return replace(
            state, running=False, consecutive_failures=state.consecutive_failures + 1,
            last_finished_at=now if ran else state.last_finished_at,
            last_error="".join(traceback.format_exception_only(exc)).strip(), last_error_at=now,
        )

    def _record(self, slot: _Slot, change: Callable[[JobState], JobState]) -> None:
        with self._guard:
            slot.state = change(slot.state)
