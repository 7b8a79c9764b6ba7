"""Background jobs with several holders on one database (SQLite file or PostgreSQL): never two runs
of a job at once, whether the runners share a process or not; and ``remit worker`` as an
operator runs it — starts, runs its jobs, stops on SIGTERM/SIGINT within a bound.

A recording job (``worker_launcher.recorder``) writes a row when a run starts and its end time
when it finishes; runs of one job must never overlap.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from remit.config import Settings
from remit.core.db import Database
from remit.core.db.engine import normalise_url
from remit.runtime import build
from remit.worker import Job, Runner
from tests.concurrency.worker_launcher import JOB_NAME, metadata, recorder, runs

ROOT = Path(__file__).resolve().parents[2]
STOP_BOUND_S = 10.0  # SIGTERM to exit, with the job's run (well under a second) finishing first


def eventually(predicate: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def worker_database(databases) -> Iterator[str]:
    """A fresh migrated database with the recording table (kept out of the shared, schema-checked one)."""
    url = databases.new_url()
    engine = create_engine(normalise_url(url))
    metadata.create_all(engine)
    engine.dispose()
    return url


def recorded(url: str, run: str) -> list[tuple[str, float, float | None]]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.holder, runs.c.started, runs.c.ended).where(runs.c.run == run).order_by(runs.c.started)
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


def assert_no_overlap(rows: list[tuple[str, float, float | None]]) -> None:
    finished = [row for row in rows if row[2] is not None]
    for earlier, later in zip(finished, finished[1:], strict=False):
        assert later[1] >= earlier[2], f"runs overlap: {earlier} and {later}"


# -- runners in one process ----------------------------------------------------------------------


def test_two_runners_on_one_database_never_run_a_job_at_once(worker_database):
    run = uuid.uuid4().hex
    settings = Settings(database_url=worker_database, secret_key="worker-test-key", inline_worker=False)
    runners = []
    for holder in ("runner a", "runner b"):
        # Each runner on a database object of its own, as in two processes: its own connections
        # (PostgreSQL sessions) and its own lock files open (SQLite).
        runtime = build(settings, database=Database(worker_database, pool_size=3))
        runtime.jobs.register(Job("test.two_runners", 0.01, recorder(run, holder, 0.05)))
        runners.append(Runner(runtime))
    try:
        for runner in runners:
            runner.start()
        eventually(lambda: sum(row[2] is not None for row in recorded(worker_database, run)) >= 12, what="12 runs")
    finally:
        for runner in runners:
            assert runner.stop(timeout=10)
            runner.runtime.db.dispose()
    rows = recorded(worker_database, run)
    assert all(row[2] is not None for row in rows)  # stop() let each run finish
    assert_no_overlap(rows)
    states = [runner.state("test.two_runners") for runner in runners]
    assert sum(state.skips for state in states) > 0  # the runners did contend for the job
    assert sum(state.runs for state in states) == len(rows)


# -- `remit worker` processes ----------------------------------------------------------------------


def start_worker(url: str, log: Path, *, run: str, interval: float, sleep: float, command: list[str] | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env.update(
        REMIT_DATABASE_URL=url,
        REMIT_SECRET_KEY="worker-test-signing-key-0123456789",
        REMIT_LOG_LEVEL="info",
        TEST_WORKER_RUN=run,
        TEST_JOB_INTERVAL=str(interval),
        TEST_JOB_SLEEP=str(sleep),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    command = command or [sys.executable, "-m", "tests.concurrency.worker_launcher"]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=log.parent, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> float:
    """Send ``sig`` and wait for the exit; the seconds it took."""
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=STOP_BOUND_S + 20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    return time.monotonic() - started


def assert_clean(log: Path) -> str:
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "ERROR" not in text, text
    return text


def test_remit_worker_runs_its_jobs_and_stops_gracefully_on_sigterm(worker_database, tmp_path):
    run, log = uuid.uuid4().hex, tmp_path / "worker.log"
    proc = start_worker(worker_database, log, run=run, interval=0.2, sleep=0.5)
    try:
        # It runs its job at start-up, then again after the interval.
        eventually(lambda: len(recorded(worker_database, run)) >= 2, what="two runs")
        # Stop it in the middle of a run: the run finishes, and the process exits within the bound.
        eventually(lambda: recorded(worker_database, run)[-1][2] is None, what="a run under way")
        took = stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text(errors="replace")
    assert took < STOP_BOUND_S
    rows = recorded(worker_database, run)
    assert rows and all(row[2] is not None for row in rows)  # the interrupted run finished
    assert_no_overlap(rows)
    text = assert_clean(log)
    started = next(line for line in text.splitlines() if "background jobs started:" in line)
    assert f"{JOB_NAME} (every 0.2 s)" in started
    assert "SIGTERM: stopping" in text and "background jobs stopped" in text and "remit worker stopped" in text


def test_two_worker_processes_never_run_a_job_at_once(worker_database, tmp_path):
    run = uuid.uuid4().hex
    procs = [
        start_worker(worker_database, tmp_path / f"worker-{i}.log", run=run, interval=0.02, sleep=0.15)
        for i in range(2)
    ]
    try:
        eventually(lambda: sum(row[2] is not None for row in recorded(worker_database, run)) >= 10, what="10 runs")
        for proc in procs:
            assert stop(proc) < STOP_BOUND_S
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert [proc.returncode for proc in procs] == [0, 0]
    for i in range(2):
        assert_clean(tmp_path / f"worker-{i}.log")
    rows = recorded(worker_database, run)
    assert all(row[2] is not None for row in rows)
    assert_no_overlap(rows)


def test_remit_worker_with_the_domains_jobs_starts_and_stops_on_sigint(worker_database, tmp_path):
    log = tmp_path / "worker.log"
    proc = start_worker(
        worker_database, log, run="-", interval=1, sleep=0, command=[sys.executable, "-m", "remit.cli.main", "worker"]
    )
    try:
        eventually(lambda: "remit worker running" in log.read_text(errors="replace"), what="the worker to start")
        assert stop(proc, signal.SIGINT) < STOP_BOUND_S
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    text = assert_clean(log)
    assert "receivables.mark_overdue" in text and "remit worker stopped" in text


def test_remit_worker_refuses_a_database_that_is_not_migrated(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env["REMIT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "remit.cli.main", "worker"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "the database schema is not current; run `remit migrate`" in result.stderr
