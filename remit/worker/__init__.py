"""Background work: the one place remit runs periodic jobs.

- ``jobs`` — ``Job`` (a name such as ``receivables.mark_overdue``, an interval, and
  ``run(runtime) -> int``) and ``Jobs``, the registry on the runtime (``runtime.jobs``) that each
  domain fills in ``remit.runtime``'s wiring step;
  ``Loop`` is work that runs all the time in every process (webhook deliveries), registered the
  same way (``jobs.register_loop``);
- ``locks`` — one job run at a time across processes: a PostgreSQL advisory lock, or a file lock
  beside the SQLite database (docs/decisions.md says why);
- ``runner`` — ``Runner``: every job at start-up and then every interval, one thread per job, with
  failures logged and retried, ``wake(name)``, a bounded ``stop()`` and each job's ``JobState``.

``remit serve`` starts a runner in each of its processes (``REMIT_INLINE_WORKER``); ``remit worker``
runs one on its own. See docs/background-work.md.
"""

from remit.worker.jobs import Job, Jobs, Loop
from remit.worker.locks import AdvisoryLocks, FileLocks, JobLocks, LocalLocks, locks_for
from remit.worker.runner import JobState, Runner

__all__ = ["AdvisoryLocks", "FileLocks", "Job", "JobLocks", "JobState", "Jobs", "LocalLocks", "Loop", "Runner", "locks_for"]
