"""What the window's push worker needs from a drainer: :class:`PushDrainer`.

The Qt layer holds one on its push worker thread and calls nothing else; :class:`~flowdesk.push.runtime.
WindowDrainer` is the real one (the drainer with the saved account's client and the drain lock). Every
method is called on the push worker thread except :meth:`PushDrainer.interrupt`, which the GUI thread calls
at quit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flowdesk.push.report import DrainReport
    from flowdesk.store.jobs import PushJob


class PushDrainer(Protocol):
    def run_due(self, *, stop: threading.Event | None = None, first: Collection[int] = ()) -> DrainReport:
        """Send what is due now (recovering a crash's jobs first, the first time); ``stop`` ends the run
        early: nothing new is sent and requests still out after a short grace are left to the next check.
        ``first``: pushes a Retry asked for, taken before the others due."""
        ...

    def recover(self) -> int:
        """Turn the jobs a crash left ``sending`` into ``unknown``; how many there were."""
        ...

    def next_due_at(self) -> datetime | None:
        """When to drain next (hold-offs included); None when nothing will be due."""
        ...

    def clear_hold_off(self) -> None:
        """Forget the sites left alone after a failure (the network came back, a manual retry)."""
        ...

    def reset_client(self) -> None:
        """The ConnectWise account changed: the next drain builds a new client."""
        ...

    def interrupt(self) -> None:
        """Quitting (any thread): cut the requests in flight short; their jobs are checked next time."""
        ...

    def close(self) -> None:
        """Close the clients and release the drain lock (at quit)."""
        ...


# How the push worker gets its drainer: called once, on the worker thread, with the ``on_change`` listener.
DrainerFactory = Callable[[Callable[["PushJob"], None]], PushDrainer]

__all__ = ["DrainerFactory", "PushDrainer"]
