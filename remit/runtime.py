"""The process's runtime: every piece of process-wide state, built the same way by every kind of process.

``build`` makes one for the API server (``remit.app.create_app``) and for the background worker
(``remit worker``) alike: the settings, the database, the server's signing secret, the hooks that
wire domains to each other's transitions, the background jobs and loops (``remit.worker``), the
outbox signal and webhook state (``remit.webhooks``), and the caches
that live as long as the process. The
database hands the runtime to every session it opens, so a unit of work reaches it from its
session (``core.runtime.runtime_of``) instead of through module globals.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from remit.config import Settings, get_settings
from remit.core import pagination
from remit.core.db import Database
from remit.core.events import Outbox
from remit.core.hooks import Hooks
from remit.worker.jobs import Jobs

if TYPE_CHECKING:
    from remit.approvals.processes.cache import PolicyCache
    from remit.webhooks.delivery import Webhooks


@dataclass(eq=False)
class Runtime:
    settings: Settings
    db: Database
    secret: str  # the server's signing secret (tokens, pagination tokens)
    hooks: Hooks = field(default_factory=Hooks)
    jobs: Jobs = field(default_factory=Jobs)  # run by remit.worker.Runner
    outbox: Outbox = field(default_factory=Outbox)  # told after every commit that wrote events
    mails: Outbox = field(default_factory=Outbox)  # told after every commit that recorded a mail to send
    policies: PolicyCache = field(init=False)
    webhooks: Webhooks = field(init=False)

    def __post_init__(self) -> None:
        from remit.approvals.processes.cache import PolicyCache

        self.policies = PolicyCache()

    @property
    def pagination_key(self) -> bytes:
        return self._pagination_key

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Session]:
        """A unit of work whose session carries this runtime (background work opens its own)."""
        return self.db.transaction(write=write, runtime=self)

    def _wire(self) -> None:
        """Subscribe every domain to the transitions of the others (dependencies stay one-way), and
        register every domain's background jobs (``self.jobs``: a domain's ``jobs.register(self.jobs)``)."""
        from remit.approvals import subscriptions
        from remit.receivables import jobs as receivable_jobs
        from remit.receivables.documents import jobs as receivable_documents
        from remit.receivables.mailing import delivery as receivable_mails
        from remit.receivables.rejection_reasons import service as rejection_reasons
        from remit.webhooks import delivery

        subscriptions.register(self.hooks)
        receivable_jobs.register(self.jobs)
        if self.settings.seed_rejection_reasons:
            self.hooks.on_created("entity", rejection_reasons.seed)
        self.webhooks = delivery.Webhooks(self)
        delivery.register(self)
        receivable_mails.register(self)
        receivable_documents.register(self)
        self._pagination_key = pagination.token_key(self.secret)


def build(settings: Settings | None = None, *, database: Database | None = None) -> Runtime:
    """The runtime of a process: ``database`` if given (tests share one), else one from the settings."""
    from remit.auth.service import signing_key

    settings = settings or get_settings()
    db = database or Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        checkpoint_interval=settings.sqlite_checkpoint_interval,
        threads=settings.db_threads,
    )
    # The signing secret is read once: from settings, or generated on first start and persisted.
    with db.transaction() as session:
        secret = signing_key(session, settings.secret_key)
    runtime = Runtime(settings, db, secret)
    runtime._wire()
    db.runtime = runtime
    return runtime


def runtime_of(session: Session) -> Runtime:
    """The full runtime of a session's process (domain code; core code uses ``core.runtime``)."""
    from remit.core.runtime import runtime_of as core_runtime_of

    runtime = core_runtime_of(session)
    assert isinstance(runtime, Runtime)
    return runtime
