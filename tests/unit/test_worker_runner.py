"""The background runner (remit.worker) with fake jobs, on the test database (SQLite or PostgreSQL):
runs at start-up and every interval, failures logged and retried, wake, bounded stop, per-job
state, the interval override, the cross-process locks, and the app's inline runner."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine

from remit.app import create_app
from remit.core import clock
from remit.core.db import Database
from remit.runtime import Runtime, build
from remit.worker import AdvisoryLocks, FileLocks, Job, Jobs, LocalLocks, Runner, locks_for
from tests.fixtures.app import make_settings
from tests.fixtures.database import backend


def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def job_name() -> str:
    # Unique per test: a job a test leaves running never holds another test's lock.
    return f"test.job_{uuid.uuid4().hex[:10]}"


class Fake:
    """A job that counts its runs; it can fail its first runs, or be held inside a run until released."""

    def __init__(self, *, failures: int = 0, hold: bool = False, moved: int = 1):
        self.failures, self.moved = failures, moved
        self.calls = 0
        self.finished = 0
        self.entered = threading.Event()  # set when a run starts
        self.release = threading.Event()  # a held run waits for it
        if not hold:
            self.release.set()
        self.runtimes: list[Runtime] = []

    def __call__(self, runtime: Runtime) -> int:
        self.calls += 1
        self.runtimes.append(runtime)
        self.entered.set()
        self.release.wait(30)
        if self.calls <= self.failures:
            raise ValueError(f"boom {self.calls}")
        self.finished += 1
        return self.moved


@pytest.fixture(scope="module")
def worker_db(database_url: str) -> Iterator[Database]:
    """A database of its own: building a runtime on it does not touch the shared one's runtime."""
    db = Database(database_url, pool_size=4)
    yield db
    db.dispose()


@pytest.fixture
def make_runtime(worker_db: Database, database_url: str) -> Callable[..., Runtime]:
    def make(**settings) -> Runtime:
        return build(make_settings(database_url, **settings), database=worker_db)

    return make


@pytest.fixture
def runtime(make_runtime) -> Runtime:
    return make_runtime()


@contextmanager
def running(runtime: Runtime, *jobs: Job, **kwargs) -> Iterator[Runner]:
    for job in jobs:
        runtime.jobs.register(job)
    # Only the test's jobs: the domains' own jobs (receivables) would run against the database too.
    kwargs.setdefault("jobs", list(jobs))
    runner = Runner(runtime, **kwargs)
    runner.start()
    try:
        yield runner
    finally:
        runner.stop(timeout=5)


# -- jobs and their registry -------------------------------------------------------------------


def test_a_job_is_named_domain_dot_action_and_has_a_positive_interval():
    Job("receivables.mark_overdue", 60, Fake())
    for name in ("overdue", "Receivables.mark_overdue", "receivables.", "receivables.mark-overdue", "a/b.c", "../x.y"):
        with pytest.raises(ValueError, match="job name"):
            Job(name, 60, Fake())
    for interval in (0, -1):
        with pytest.raises(ValueError, match="interval"):
            Job("receivables.mark_overdue", interval, Fake())


def test_the_registry_keeps_one_job_per_name():
    jobs = Jobs()
    job = Job("receivables.mark_overdue", 60, Fake())
    jobs.register(job)
    jobs.register(job)  # wiring twice is harmless
    with pytest.raises(ValueError, match="already registered"):
        jobs.register(Job("receivables.mark_overdue", 30, Fake()))
    assert list(jobs) == [job] and len(jobs) == 1 and "receivables.mark_overdue" in jobs
    assert jobs.get("receivables.mark_overdue") is job and jobs.get("quotes.expire") is None


def test_every_runtime_has_its_own_registry(make_runtime):
    first, second = make_runtime(), make_runtime()
    assert isinstance(first.jobs, Jobs) and first.jobs is not second.jobs


# -- running -------------------------------------------------------------------------------------


def test_a_job_runs_at_start_up_then_every_interval(runtime):
    fake = Fake(moved=3)
    job = Job(job_name(), 0.05, fake)
    with running(runtime, job) as runner:
        eventually(lambda: fake.finished >= 3)
        state = runner.state(job.name)
    assert fake.runtimes[0] is runtime  # the job gets the runner's runtime
    assert state.runs >= 3 and state.last_moved == 3 and state.consecutive_failures == 0
    assert state.last_error is None and state.interval == 0.05


def test_a_job_waits_for_its_interval_unless_woken(runtime):
    fake = Fake()
    job = Job(job_name(), 3600, fake)
    with running(runtime, job) as runner:
        eventually(lambda: fake.finished == 1)  # at start-up
        time.sleep(0.3)
        assert fake.calls == 1
        runner.wake(job.name)
        eventually(lambda: fake.finished == 2)
        time.sleep(0.3)
        assert fake.calls == 2 and runner.state(job.name).runs == 2
        with pytest.raises(KeyError, match="no background job named test.unknown"):
            runner.wake("test.unknown")


def test_a_wake_during_a_run_runs_the_job_again_after_it(runtime):
    fake = Fake(hold=True)
    job = Job(job_name(), 3600, fake)
    with running(runtime, job) as runner:
        assert fake.entered.wait(10)
        runner.wake(job.name)
        fake.release.set()
        eventually(lambda: fake.finished == 2)


def test_a_failing_job_is_logged_with_its_traceback_and_retried_next_tick(runtime, caplog):
    failing, steady = Fake(failures=2), Fake()
    job, other = Job(job_name(), 0.05, failing), Job(job_name(), 0.05, steady)
    with caplog.at_level("ERROR", logger="remit.worker"), running(runtime, job, other) as runner:
        eventually(lambda: runner.state(job.name).consecutive_failures == 2)
        state = runner.state(job.name)
        assert state.last_error == "ValueError: boom 2" and state.last_success_at is None
        eventually(lambda: failing.finished >= 1)  # the third run succeeds
        eventually(lambda: runner.state(job.name).consecutive_failures == 0)
        assert steady.finished >= 1  # the other job ran regardless
    state = runner.state(job.name)
    assert state.last_error == "ValueError: boom 2"  # the last failure stays readable after a success
    assert state.last_error_at is not None and state.last_success_at > state.last_error_at
    failures = [r for r in caplog.records if r.name == "remit.worker" and job.name in r.getMessage()]
    assert len(failures) == 2 and all(r.exc_info and r.exc_info[0] is ValueError for r in failures)
    assert "Traceback" in caplog.text and "boom 1" in caplog.text


def test_a_lock_that_fails_is_recorded_and_tried_again(runtime, caplog):
    class Broken:
        def __init__(self):
            self.tries = 0

        @contextmanager
        def hold(self, name):
            self.tries += 1
            raise ConnectionError("database unreachable")
            yield True

    locks, fake = Broken(), Fake()
    job = Job(job_name(), 0.05, fake)
    with caplog.at_level("ERROR", logger="remit.worker"), running(runtime, job, locks=locks) as runner:
        eventually(lambda: locks.tries >= 2)
    state = runner.state(job.name)
    assert fake.calls == 0 and state.runs == 0 and state.last_started_at is None
    assert state.consecutive_failures >= 2 and state.last_error == "ConnectionError: database unreachable"
    assert "its lock failed" in caplog.text


def test_stop_lets_the_running_job_finish(runtime):
    fake = Fake(hold=True)
    job = Job(job_name(), 0.01, fake)
    runner = Runner(runtime, jobs=[job])
    runner.start()
    assert fake.entered.wait(10)
    threading.Timer(0.3, fake.release.set).start()
    started = time.monotonic()
    assert runner.stop(timeout=10) is True
    assert 0.2 < time.monotonic() - started < 5
    assert fake.finished == 1 and fake.calls == 1  # finished, and nothing started after it
    state = runner.state(job.name)
    assert not state.running and state.last_success_at is not None


def test_stop_gives_up_after_its_timeout(runtime, caplog):
    fake = Fake(hold=True)
    job = Job(job_name(), 3600, fake)
    runner = Runner(runtime, jobs=[job], stop_timeout=0.2)
    runner.start()
    assert fake.entered.wait(10)
    started = time.monotonic()
    with caplog.at_level("WARNING", logger="remit.worker"):
        assert runner.stop() is False
    assert time.monotonic() - started < 2
    assert runner.state(job.name).running and job.name in caplog.text
    fake.release.set()  # let the thread go
    eventually(lambda: not runner.state(job.name).running)


def test_a_stopped_runner_starts_nothing(runtime):
    fake = Fake()
    job = Job(job_name(), 3600, fake)
    runner = Runner(runtime, jobs=[job])
    runner.start()
    eventually(lambda: fake.finished == 1)
    assert runner.stop(timeout=5)
    runner.wake(job.name)
    assert runner.run_job(job.name) is False
    time.sleep(0.1)
    assert fake.calls == 1 and runner.stopping
    with pytest.raises(RuntimeError, match="starts once"):
        runner.start()


def test_a_runner_without_jobs_starts_and_stops(runtime):
    runner = Runner(runtime, jobs=[])
    runner.start()
    assert runner.states() == {} and runner.stop(timeout=1)


def test_run_times_come_from_the_clock(runtime):
    fake = Fake()
    job = Job(job_name(), 3600, fake)
    runner = Runner(runtime, jobs=[job])
    before = clock.now()
    clock.move(timedelta(days=30))
    try:
        assert runner.run_job(job.name) is True
    finally:
        clock.reset()
    state = runner.state(job.name)
    assert state.last_started_at >= before + timedelta(days=30)
    assert state.last_finished_at == state.last_success_at >= state.last_started_at
    assert state.runs == 1 and not state.running


def test_the_interval_setting_replaces_every_jobs_own(make_runtime):
    runtime = make_runtime(scheduler_interval_seconds=0.05)
    fake = Fake()
    job = Job(job_name(), 3600, fake)
    with running(runtime, job) as runner:
        eventually(lambda: fake.finished >= 3)
        assert runner.state(job.name).interval == 0.05


def test_the_settings_read_their_environment(monkeypatch):
    from remit.config import Settings

    assert Settings().inline_worker is True and Settings().scheduler_interval_seconds is None
    monkeypatch.setenv("REMIT_INLINE_WORKER", "false")
    monkeypatch.setenv("REMIT_SCHEDULER_INTERVAL_SECONDS", "2.5")
    monkeypatch.setenv("REMIT_WORKER_STOP_TIMEOUT_SECONDS", "3")
    settings = Settings()
    assert settings.inline_worker is False and settings.scheduler_interval_seconds == 2.5
    assert settings.worker_stop_timeout_seconds == 3


# -- one holder at a time ------------------------------------------------------------------------


def test_a_tick_is_skipped_while_another_holder_runs_the_job(runtime, worker_db, database_url):
    fake = Fake()
    job = Job(job_name(), 3600, fake)
    runner = Runner(runtime, jobs=[job])
    other = Database(database_url, pool_size=2)  # as another process would hold it
    try:
        with locks_for(other).hold(job.name) as held:
            assert held
            assert runner.run_job(job.name) is False
        state = runner.state(job.name)
        assert fake.calls == 0 and state.skips == 1 and state.last_skipped_at is not None and state.runs == 0
        assert runner.run_job(job.name) is True and fake.calls == 1
    finally:
        other.dispose()


def test_the_database_locks_exclude_each_other_and_are_let_go(worker_db, database_url):
    other = Database(database_url, pool_size=2)
    try:
        first, second = locks_for(worker_db), locks_for(other)
        expected = AdvisoryLocks if backend() == "postgresql" else FileLocks
        assert type(first) is expected and type(second) is expected
        name, unrelated = job_name(), job_name()
        with first.hold(name) as held:
            assert held
            with second.hold(name) as again, first.hold(name) as same_holder_again:
                assert not again and not same_holder_again  # within one process too
            with second.hold(unrelated) as free:
                assert free  # one lock per job
        with second.hold(name) as held:
            assert held
        # A job that raises inside its lock lets it go.
        with pytest.raises(ZeroDivisionError), first.hold(name):
            raise ZeroDivisionError
        with second.hold(name) as held:
            assert held
    finally:
        other.dispose()


def test_sqlite_lock_files_sit_beside_the_database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'remit.db'}", pool_size=1)
    try:
        locks = locks_for(db)
        assert isinstance(locks, FileLocks) and locks.directory == tmp_path / "remit.db-jobs"
        with locks.hold("receivables.mark_overdue") as held:
            assert held
        assert (tmp_path / "remit.db-jobs" / "receivables.mark_overdue.lock").exists()  # kept, see FileLocks
    finally:
        db.dispose()


def test_an_in_memory_database_keeps_jobs_apart_within_the_process():
    engine = create_engine("sqlite://")
    try:
        first, second = (locks_for(SimpleNamespace(engine=engine)) for _ in range(2))
        assert isinstance(first, LocalLocks)
        with first.hold("test.memory") as held, second.hold("test.memory") as again:
            assert held and not again
        with second.hold("test.memory") as held:
            assert held
    finally:
        engine.dispose()


# -- the app's inline runner ---------------------------------------------------------------------


async def test_the_app_runs_the_jobs_in_its_lifespan_only_when_asked(worker_db, database_url):
    # The test fixtures' settings say no inline worker: an app made from them starts none.
    quiet = create_app(make_settings(database_url), database=worker_db)
    quiet_fake = Fake()
    quiet.state.runtime.jobs.register(Job(job_name(), 0.01, quiet_fake))
    async with quiet.router.lifespan_context(quiet):
        time.sleep(0.2)
        assert quiet.state.runner is None
    assert quiet_fake.calls == 0

    for app in (
        create_app(make_settings(database_url), database=worker_db, worker=True),
        create_app(make_settings(database_url, inline_worker=True), database=worker_db),
    ):
        fake = Fake()
        job = Job(job_name(), 0.01, fake)
        app.state.runtime.jobs.register(job)
        async with app.router.lifespan_context(app):
            runner = app.state.runner
            assert isinstance(runner, Runner) and runner.runtime is app.state.runtime
            eventually(lambda fake=fake: fake.finished >= 2)
        assert app.state.runner is None and runner.stopping
        calls = fake.calls
        time.sleep(0.1)
        assert fake.calls == calls and not runner.state(job.name).running
