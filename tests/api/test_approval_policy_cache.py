"""Policy matching from many threads at once: the runtime's caches stay consistent under evictions.

Units of work run on several threads; the parsed-policy and per-entity candidate caches are shared
by all of them. With caches far smaller than the working set, every lookup evicts another
thread's entry; the old unlocked ``OrderedDict`` caches raised ``KeyError`` from ``move_to_end``
after another thread's ``popitem`` here. Every thread must see every entity's own policy.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from remit.approvals import script as lang
from remit.approvals.processes import engine
from remit.approvals.processes.cache import PolicyCache
from remit.core.cache import LRU
from remit.core.context import RequestContext
from tests.fixtures.approvals import create_policy

THREADS = 8
ROUNDS = 60


@pytest.fixture
def tiny_caches(app):
    runtime = app.state.runtime
    saved = runtime.policies
    runtime.policies = PolicyCache(triggers=LRU(2), scripts=LRU(2), candidates=LRU(2))
    yield runtime.policies
    runtime.policies = saved


def test_the_lru_keeps_its_size_and_most_recent_entries():
    cache: LRU[int, str] = LRU(2)
    cache.put(1, "a")
    cache.put(2, "b")
    assert cache.get(1) == "a"  # 1 is now the most recent
    cache.put(3, "c")
    assert (cache.get(2), cache.get(1), cache.get(3), len(cache)) == (None, "a", "c", 2)
    assert cache.get_or_build(4, lambda: "d") == "d" and cache.get(4) == "d"


async def test_matching_from_many_threads(client, partner, db, tiny_caches):
    entities = []
    for index in range(5):
        entity = await partner.create_entity()
        on = partner.on(entity["id"])
        policy = await create_policy(
            client, on, name=f"p{index}", trigger=f"{{invoice.amount == {index}}}",
        )
        entities.append((uuid.UUID(entity["id"]), uuid.UUID(policy["id"]), index))

    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def hammer(offset: int) -> None:
        try:
            start.wait()
            for round_ in range(ROUNDS):
                entity_id, policy_id, amount = entities[(offset + round_) % len(entities)]
                ctx = RequestContext(principal=None, partner_id=uuid.uuid4(), entity_id=entity_id)
                env = lang.Environment(context={"event_name": "submitted_for_approval",
                                                "invoice": {"amount": amount}}, convert=lambda *a: 0)
                with db.transaction(write=False) as session:
                    match = engine.select_policy(session, ctx, env)
                assert match.policy_id == policy_id, (entity_id, match)
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's own error
            failures.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    assert len(tiny_caches.candidates) <= 2 and len(tiny_caches.triggers) <= 2
