"""``receivables.render_documents``: the runner renders each new revision of a document shortly
after the change that made it (create, update, issue, payment), so that the first download or mail
finds its PDF ready — without the request that changed the document waiting for a render.

Each run looks at documents changed in the last day that have no PDF stored since their change,
renders their current revision in the counterpart's and the entity's language, and stores it.
A revision that needs no new PDF (a change the document does not show, such as a tag) is
remembered for the process's life so it is not looked at again. The job's cross-process lock makes
one process do this at a time; should two render the same revision anyway, the unique revision key
keeps one file.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from remit.core import clock
from remit.receivables.documents import service
from remit.receivables.models import Receivable, ReceivableDocument
from remit.worker.jobs import Job

if TYPE_CHECKING:
    from remit.runtime import Runtime

log = logging.getLogger("remit.documents")
NAME = "receivables.render_documents"
INTERVAL_SECONDS = 2.0
WINDOW = timedelta(days=1)
BATCH = 50


class Prerenderer:
    def __init__(self) -> None:
        self._seen: dict[uuid.UUID, datetime] = {}

    def run(self, runtime: Runtime) -> int:
        if not runtime.settings.prerender_documents:
            return 0
        since = clock.now() - WINDOW
        self._seen = {key: stamp for key, stamp in self._seen.items() if stamp >= since}
        rendered = 0
        with runtime.transaction(write=False) as session:
            stored_since_change = exists().where(ReceivableDocument.receivable_id == Receivable.id,
                                                 ReceivableDocument.created_at >= Receivable.updated_at)
            rows = session.execute(
                select(Receivable.id, Receivable.updated_at)
                .where(Receivable.updated_at >= since, Receivable.status != "deleted", ~stored_since_change)
                .order_by(Receivable.updated_at).limit(BATCH + len(self._seen))).all()
        for receivable_id, updated_at in rows:
            if self._seen.get(receivable_id) == updated_at:
                continue
            rendered += self._render(runtime, receivable_id)
            self._seen[receivable_id] = updated_at
        return rendered

    @staticmethod
    def _render(runtime: Runtime, receivable_id: uuid.UUID) -> int:
        made: list[service.Rendered] = []
        with runtime.transaction(write=False) as session:
            receivable = session.get(Receivable, receivable_id)
            if receivable is None:
                return 0
            for language in dict.fromkeys((receivable.file_language or "en", receivable.original_file_language or "en")):
                found = service.lookup(session, receivable, language)
                if isinstance(found, service.Rendered):
                    made.append(found)
        if made:
            with runtime.transaction() as session:
                for rendered in made:
                    service.keep(session, rendered)
        return len(made)


def register(runtime: Runtime) -> None:
    runtime.jobs.register(Job(NAME, INTERVAL_SECONDS, Prerenderer().run))
