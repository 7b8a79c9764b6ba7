"""16 threads draw invoice numbers for one entity at once: the numbers that commit are 1..N.

Unlike the other races here, this one needs no server: ``draw`` runs inside whatever transaction
its caller holds (the issuing of a document), so the threads open their own transactions on the
test database — its own ``Database`` with a connection per thread, so all 16 are in flight at
once — released together by a barrier. Every few transactions roll back after drawing, on
purpose: a rolled-back draw must leave no gap. Each transaction keeps its number a moment before
it ends, so the others queue on the counter while it is held.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from remit.core.db import Database
from remit.entities.document_numbers import draw
from remit.entities.document_numbers.models import DocumentCounter
from tests.fixtures.entities import new_partner

THREADS = 16
DRAWS = 200
ROLLBACK_EVERY = 4  # every 4th transaction rolls back after drawing
ISSUED_AT = datetime(2025, 1, 2, tzinfo=UTC)


class Rollback(Exception):
    pass


async def test_concurrent_draws_are_gap_free_and_unique(app, client, db, database_url):
    partner = await new_partner(client, db)
    entity_id = uuid.UUID((await partner.create_entity(email="numbers@race.example"))["id"])

    racing = Database(database_url, pool_size=THREADS // 2)  # pool + overflow: a connection per thread
    racing.runtime = db.runtime
    attempts = iter(range(DRAWS))
    attempts_lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def take() -> int | None:
        with attempts_lock:
            return next(attempts, None)

    def worker() -> tuple[list[str], list[str]]:
        committed: list[str] = []
        rolled_back: list[str] = []
        barrier.wait()
        while (attempt := take()) is not None:
            try:
                with racing.transaction() as session:
                    number = draw(session, entity_id, "invoice", ISSUED_AT)
                    time.sleep(0.001)  # hold the counter while the others queue for it
                    if attempt % ROLLBACK_EVERY == 0:
                        raise Rollback
            except Rollback:
                rolled_back.append(number)
            else:
                committed.append(number)
        return committed, rolled_back

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = [f.result() for f in [pool.submit(worker) for _ in range(THREADS)]]
    finally:
        racing.dispose()

    committed = [n for c, _ in results for n in c]
    rolled_back = [n for _, r in results for n in r]
    n = DRAWS - len(range(0, DRAWS, ROLLBACK_EVERY))
    assert len(rolled_back) == DRAWS - n
    duplicates = [number for number, count in Counter(committed).items() if count > 1]
    assert not duplicates
    assert sorted(committed) == [f"INV-{i:05d}" for i in range(1, n + 1)]
    # The threads really overlapped: more than one of them committed numbers.
    assert sum(1 for c, _ in results if c) > 1

    with db.transaction() as session:
        counter = session.get_one(DocumentCounter, (entity_id, "invoice"))
        assert (counter.next_number, counter.last_issued) == (n + 1, n)
    response = await client.get(f"/entities/{entity_id}/settings/next_document_numbers", headers=partner.auth)
    assert response.json()["invoice"] == n + 1
