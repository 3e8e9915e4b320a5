"""The parts of a push, as the words name them and count them: a note, its time entry, a status change.

The engineer pushes one note; the queue holds it as up to three rows (the note, its time entry, the status
change after it), each sent, retried and cancelled on its own. A line about the whole queue (the status bar,
the tray, the outage banner and notification) names those parts — ``1 note, 1 time entry and 1 status change
waiting`` — rather than count the rows as "3 pushes", which reads as three things the engineer did.

Plain data in, text out (no Qt, no I/O): :mod:`flowdesk.core.present` and :mod:`flowdesk.core.held` use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

KindCounts = Mapping[str, Mapping[str, int]]  # state -> kind -> how many (``Outbox.kind_counts``)

_THINGS = {"note": ("note", "notes"), "status": ("status change", "status changes")}
_ORDER = {"note": 0, "time_entry": 1, "status": 2}


def thing(kind: str) -> str:  # ``note`` / ``time entry`` / ``status change``.
    return _THINGS.get(str(kind), ("time entry", ""))[0]


def things(kind: str, n: int) -> str:
    """``note`` / ``notes`` / ``time entry`` / ``time entries`` / ``status change(s)`` for ``n`` of them."""
    if n == 1:
        return thing(kind)
    return _THINGS.get(str(kind), ("", "time entries"))[1]


def and_(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (nothing: ``""``)."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def count_parts(kinds: KindCounts, states: Iterable[str], leave: Iterable[Any] = ()) -> dict[str, int]:
    """How many of each kind are in ``states``, but the jobs in ``leave`` (those a member pause holds: said
    apart); kinds with none are left out."""
    states = tuple(states)
    out: dict[str, int] = {}
    for state in states:
        for kind, n in kinds.get(state, {}).items():
            out[str(kind)] = out.get(str(kind), 0) + n
    for job in leave:
        if job.state in states and str(job.kind) in out:
            out[str(job.kind)] -= 1
    return {k: n for k, n in out.items() if n > 0}


def parts(counted: Mapping[str, int]) -> str:
    """``1 note, 1 time entry and 1 status change``; ``2 notes``; ``1 time entry`` (nothing: ``""``)."""
    kinds = sorted((k for k, n in counted.items() if n > 0), key=lambda k: _ORDER.get(k, 9))
    return and_([f"{counted[k]:,} {things(k, counted[k])}" for k in kinds])


def are(counted: Mapping[str, int]) -> str:
    """``is`` after one part, ``are`` after more (``1 note is waiting``, ``1 note and 1 time entry are``)."""
    return "is" if sum(counted.values()) == 1 else "are"
