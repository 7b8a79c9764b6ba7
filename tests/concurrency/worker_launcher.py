"""``remit worker`` (or the ``remit`` command given as arguments, e.g. ``serve --port …``) with one
test job, for the subprocess tests in ``test_worker.py`` and ``test_scale_out.py``.

Test-only: remit has no hook for loading jobs from elsewhere, so this module adds its job the way a
domain does — in the runtime's wiring step — and then runs the real command (``remit.cli.main``).
The job records each run (process, start, end) in ``worker_test_runs``, rows tagged with
``TEST_WORKER_RUN``; it sleeps ``TEST_JOB_SLEEP`` seconds between its start and end rows and runs
every ``TEST_JOB_INTERVAL`` seconds.
"""

from __future__ import annotations

import os
import time
import uuid

from sqlalchemy import Column, Float, MetaData, String, Table, insert, update

from remit import runtime as runtime_module
from remit.worker import Job

JOB_NAME = "test.record_runs"

metadata = MetaData()
runs = Table(
    "worker_test_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("run", String(32), nullable=False),  # the test that started the process
    Column("holder", String(64), nullable=False),  # which process (or runner)
    Column("started", Float, nullable=False),  # time.time(): one clock for every process on the machine
    Column("ended", Float),
)


def recorder(run: str, holder: str, sleep: float):
    """A job that writes a start row, sleeps, and writes its end: runs that overlap show as overlapping rows."""

    def record(runtime) -> int:
        row = uuid.uuid4().hex
        with runtime.db.transaction() as session:
            session.execute(insert(runs).values(id=row, run=run, holder=holder, started=time.time()))
        time.sleep(sleep)
        with runtime.db.transaction() as session:
            session.execute(update(runs).where(runs.c.id == row).values(ended=time.time()))
        return 1

    return record


def main() -> None:
    job = Job(
        JOB_NAME,
        float(os.environ["TEST_JOB_INTERVAL"]),
        recorder(os.environ["TEST_WORKER_RUN"], f"pid {os.getpid()}", float(os.environ["TEST_JOB_SLEEP"])),
    )
    wire = runtime_module.Runtime._wire

    def wire_with_test_job(self) -> None:
        wire(self)
        self.jobs.register(job)

    runtime_module.Runtime._wire = wire_with_test_job

    import sys

    from remit.cli.main import main as remit

    remit(sys.argv[1:] or ["worker"])


if __name__ == "__main__":
    main()
