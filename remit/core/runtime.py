"""What core code needs of the process's runtime (``remit.runtime.Runtime``), found from a session.

Process-wide state lives in one runtime object that ``remit.runtime.build`` makes for a server
(``create_app``) or a worker alike; its database hands it to every session it opens
(``session.info["runtime"]``), so code running in a unit of work reaches it without module globals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from remit.core.hooks import Hooks

if TYPE_CHECKING:
    from remit.core.events import Outbox


class CoreRuntime(Protocol):
    @property
    def hooks(self) -> Hooks: ...

    @property
    def pagination_key(self) -> bytes: ...

    @property
    def outbox(self) -> Outbox: ...


def runtime_of(session: Session) -> CoreRuntime:
    """The runtime whose database opened ``session``.

    A session opened outside a runtime would skip what other domains do on a status change, or
    sign pagination tokens with no key, so that is an error rather than a silent default.
    """
    runtime: CoreRuntime | None = session.info.get("runtime")
    if runtime is None:
        raise RuntimeError("this session was not opened by a runtime's database (remit.runtime.build)")
    return runtime
