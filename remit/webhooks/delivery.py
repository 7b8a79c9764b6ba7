"""The delivery loop: one per process, on the background runner (``remit.worker.Loop``).

It runs an asyncio event loop in the runner's thread for it: the HTTP attempts are concurrent
(``REMIT_WEBHOOK_CONCURRENCY`` per process, httpx), and the database work of ``webhooks.outbox``
runs in threads. What starts a round:

- in this process, the commit of a transaction that wrote events (``core.db.after_commit`` →
  ``Outbox`` → ``wake``): no round trip, so the first attempt starts within milliseconds;
- on PostgreSQL, a notification on ``remit_events``, sent by a trigger on ``events`` when any
  process commits events (``LISTEN`` on a connection of the loop's own), so dedicated workers hear
  of every server's commits;
- the time the next retry (or an expired claim) falls due;
- at the latest every ``REMIT_WEBHOOK_POLL_SECONDS``, for a wake-up that was missed (a process
  killed between its commit and the wake-up, a notification lost while reconnecting, or dedicated
  workers on SQLite, which has no notifications).

Several processes run this loop at once; the claims in ``outbox`` keep them apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from remit import __version__
from remit.core import clock
from remit.operations.metrics import WEBHOOK_ATTEMPTS, webhook_outcome
from remit.webhooks import outbox, transport
from remit.webhooks.outbox import RESPONSE_MAX_BYTES, Claimed, Outcome
from remit.webhooks.secrets import SecretBox, signature_header

if TYPE_CHECKING:
    from remit.runtime import Runtime

log = logging.getLogger("remit.webhooks")

LOOP_NAME = "webhooks.deliver"
USER_AGENT = f"remit-webhooks/{__version__}"
CHANNEL = "remit_events"
# After a wake-up, wait this long so that the commits of a burst are taken in one round: under a
# steady stream of commits the loop makes at most 20 rounds a second (each a few reads), instead of
# one per commit, at the cost of 50 ms on the first attempt (docs/webhooks.md, "Running the delivery workers").
COALESCE_SECONDS = 0.05


class Webhooks:
    """The process's webhook state: the secret box, and the delivery loop with its wake-up."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.box = SecretBox(runtime.secret)
        self.worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._guard = threading.Lock()
        self._stopping: threading.Event | None = None
        self._claims: dict[asyncio.Task[None], Claimed] = {}  # attempts under way, with their claims

    # -- control (any thread) ------------------------------------------------------------------

    def wake(self) -> None:
        """Start a round now (cheap, from any thread; a no-op while no loop runs here)."""
        with self._guard:
            loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not wakeup.is_set():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wakeup.set)

    def interrupt(self) -> None:
        self.wake()

    # -- the loop (the runner's thread) --------------------------------------------------------

    def run(self, runtime: Runtime, stopping: threading.Event) -> None:
        asyncio.run(self._serve(stopping))

    async def _serve(self, stopping: threading.Event) -> None:
        settings = self.runtime.settings
        wakeup = asyncio.Event()
        with self._guard:
            self._loop, self._wakeup, self._stopping = asyncio.get_running_loop(), wakeup, stopping
        listener = asyncio.create_task(self._listen(stopping)) if not self.runtime.db.is_sqlite else None
        inflight: set[asyncio.Task[None]] = set()
        claims: dict[asyncio.Task[None], Claimed] = {}
        self._claims = claims
        self._results: asyncio.Queue[tuple[Claimed, Outcome]] = asyncio.Queue()
        recorder = asyncio.create_task(self._record_results())
        client = transport.client(
            allow_private=settings.webhook_allow_private_urls,
            timeout=settings.webhook_timeout_seconds,
            connections=settings.webhook_concurrency,
        )
        pause = 1.0
        try:
            while not stopping.is_set():
                wakeup.clear()
                try:
                    sleep = await self._round(client, inflight)
                    pause = 1.0
                except Exception:
                    log.exception("webhook delivery round failed; trying again in %g s", pause)
                    sleep, pause = pause, min(pause * 2, 30.0)
                if stopping.is_set():
                    break
                try:
                    await asyncio.wait_for(wakeup.wait(), timeout=sleep)
                    await asyncio.sleep(COALESCE_SECONDS)
                except TimeoutError:
                    pass
        finally:
            with self._guard:
                self._loop = self._wakeup = None
            if listener is not None:
                listener.cancel()
            if inflight:
                # Attempts under way finish (each within its timeout) and record what they got;
                # those still under way then are cut short and their claims let go, so another
                # process attempts them again at once rather than when the lease ends.
                _, unfinished = await asyncio.wait(set(inflight), timeout=settings.worker_stop_timeout_seconds)
                if unfinished:
                    cut = [claims[task] for task in unfinished if task in claims]
                    for task in unfinished:
                        task.cancel()
                    try:
                        released = await asyncio.to_thread(outbox.release, self.runtime, cut)
                        log.info("webhook deliveries: %d attempts cut short by shutdown, claims released", released)
                    except Exception:
                        log.exception("webhook deliveries: releasing %d claims failed (they expire)", len(cut))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._results.join(), timeout=settings.worker_stop_timeout_seconds)
            recorder.cancel()
            await client.aclose()

    async def _round(self, client: httpx.AsyncClient, inflight: set[asyncio.Task[None]]) -> float:
        """Queue pending events, start the due attempts there is room for; how long to sleep."""
        settings = self.runtime.settings
        while await asyncio.to_thread(outbox.dispatch, self.runtime) >= outbox.DISPATCH_BATCH:
            pass
        room = settings.webhook_concurrency - len(inflight)
        if room > 0:
            for claimed in await asyncio.to_thread(outbox.claim, self.runtime, limit=room, worker=self.worker_id):
                task = asyncio.create_task(self._attempt(client, claimed))
                inflight.add(task)
                self._claims[task] = claimed
                task.add_done_callback(self._finished(inflight))
            if len(inflight) >= settings.webhook_concurrency:
                return settings.webhook_poll_seconds  # a finishing attempt wakes the loop for more
        due_in = await asyncio.to_thread(outbox.next_due_in, self.runtime)
        return settings.webhook_poll_seconds if due_in is None else min(due_in, settings.webhook_poll_seconds)

    def _finished(self, inflight: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            inflight.discard(task)
            self._claims.pop(task, None)

        return done

    async def _attempt(self, client: httpx.AsyncClient, claimed: Claimed) -> None:
        self._results.put_nowait((claimed, await self.send(client, claimed)))

    async def _record_results(self) -> None:
        """Write finished attempts, as many as are waiting in one transaction."""
        while True:
            batch = [await self._results.get()]
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            try:
                await asyncio.to_thread(outbox.record_many, self.runtime, batch)
            except Exception:
                # The claims stay; they expire and the deliveries are attempted again.
                log.exception("webhook deliveries: recording %d attempts failed", len(batch))
            finally:
                for _ in batch:
                    self._results.task_done()
            wakeup = self._wakeup
            if wakeup is not None:
                wakeup.set()  # slots are free, and a retry may now be due sooner than the loop planned

    async def send(self, client: httpx.AsyncClient, claimed: Claimed) -> Outcome:
        """One attempt: POST the body, signed, within the timeout; nothing raised."""
        started, start = clock.now(), time.monotonic()
        status: int | None = None
        text: str | None = None
        error: str | None = None
        if claimed.secret is None:
            error = "the subscription's secret cannot be read with this server's secret key"
        else:
            headers = {
                "Content-Type": "application/json",
                "Monite-Signature": signature_header(claimed.secret, int(time.time()), claimed.body),
                "User-Agent": USER_AGENT,
            }
            try:
                async with asyncio.timeout(self.runtime.settings.webhook_timeout_seconds):
                    async with client.stream("POST", claimed.url, content=claimed.body, headers=headers) as response:
                        status = response.status_code
                        received = bytearray()
                        async for chunk in response.aiter_bytes():
                            received += chunk
                            if len(received) >= RESPONSE_MAX_BYTES:
                                break
                        text = bytes(received[:RESPONSE_MAX_BYTES]).decode("utf-8", "replace")
            except TimeoutError:
                error = f"no response within {self.runtime.settings.webhook_timeout_seconds:g} s"
            except (httpx.HTTPError, OSError, ValueError) as exc:
                # httpx re-raises httpcore's errors as its own, the original as the cause.
                refused = isinstance(exc.__cause__, transport.RefusedConnection)
                error = str(exc) if refused else f"{type(exc).__name__}: {exc}"[:255]
        WEBHOOK_ATTEMPTS.labels(webhook_outcome(status)).inc()
        return Outcome(started, int((time.monotonic() - start) * 1000), status, text, error)

    async def _listen(self, stopping: threading.Event) -> None:
        """PostgreSQL: wake on every commit of events, in any process (reconnecting as needed)."""
        import psycopg

        url = self.runtime.db.engine.url
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        pause = 1.0
        while not stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    pause = 1.0
                    self.wake()  # whatever was committed while nobody listened
                    async for _ in connection.notifies():
                        self.wake()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("webhook listener: %s; listening again in %g s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)


def register(runtime: Runtime) -> None:
    """Wire webhooks into the runtime: its wake-up on every commit of events, the delivery loop,
    and the retention job."""
    from remit.worker import Job, Loop

    webhooks = runtime.webhooks
    runtime.outbox.listen(webhooks.wake)
    runtime.jobs.register_loop(Loop(LOOP_NAME, webhooks.run, webhooks.interrupt))
    runtime.jobs.register(Job("webhooks.purge_expired", 3600, outbox.purge))
