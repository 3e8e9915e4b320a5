"""Send all now is answered once: a push that a run already going fails after the click goes again once,
then waits for its next try like any other; a click never starts run after run while ConnectWise stays down
(found in review: one click in an outage set off 286 runs in 2 s). The real controller, push worker and
SQLite outbox; the drainer is a stand-in whose runs wait on events, so the interleaving is exact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flowdesk.push.report import DrainReport, JobResult
from flowdesk.store.jobs import NewJob


class OutageDrainer:
    """Each run takes every due push and fails it (ConnectWise is still down), reporting what it handled.
    Run ``i`` may wait at ``gates[i]``: it sets the first event once it has taken its pushes, then waits
    for the second before failing them."""

    def __init__(self, outbox: Any, on_change: Any, gates: dict[int, tuple[threading.Event, threading.Event]]) -> None:
        self.outbox, self.on_change, self.gates = outbox, on_change, gates
        self.runs = 0
        self.attempts: list[int] = []  # the run that failed the push, per attempt

    def run_due(self, *, stop: threading.Event | None = None, first=()) -> DrainReport:
        run = self.runs
        self.runs += 1
        gate = self.gates.get(run)
        if gate is not None and run > 0:  # a later run waits before it looks at what is due
            gate[0].set()
            assert gate[1].wait(10)
        now, taken = datetime.now(UTC), []
        for job in self.outbox.due(now, 10):
            taken.append(self.outbox.transition(job.id, expect=("pending", "retry_wait"), to="sending"))
            self.on_change(taken[-1])
        if gate is not None and run == 0:  # the first run's pushes are on the wire when it waits
            gate[0].set()
            assert gate[1].wait(10)
        results = []
        for job in taken:
            failed = self.outbox.transition(job.id, expect="sending", to="retry_wait",
                                            next_attempt_at=now + timedelta(minutes=15), last_error="503")  # fmt: skip
            self.on_change(failed)
            self.attempts.append(run)
            results.append(JobResult(failed.id, failed.kind, failed.ticket_id, job.state, failed.state, "503"))
        return DrainReport(started_at=now, stopped="server", next_due_at=self.outbox.next_due_at(), results=results)

    def clear_hold_off(self) -> None: ...
    def reset_client(self) -> None: ...
    def close(self) -> None: ...
    def interrupt(self) -> None: ...


@pytest.fixture
def outage(qtbot: Any) -> Iterator[tuple[Any, OutageDrainer, dict[int, tuple[threading.Event, threading.Event]]]]:
    from flowdesk.paths import AppPaths
    from flowdesk.services import Services
    from flowdesk.ui.controller import AppController

    services = Services.open(AppPaths.from_env())
    gates = {i: (threading.Event(), threading.Event()) for i in range(2)}
    made: list[OutageDrainer] = []

    def make(on_change: Any) -> OutageDrainer:
        made.append(OutageDrainer(services.outbox, on_change, gates))
        return made[0]

    services.outbox.enqueue([NewJob("session-1", 48211, "note", {"text": "Replaced the toner."}, "site")])
    ctrl = AppController(services, make_drainer=make)
    try:
        yield ctrl, _Lazy(made), gates  # type: ignore[misc]
    finally:
        for _started, go in gates.values():
            go.set()
        ctrl.shutdown()
        services.close()


class _Lazy:
    """The drainer, made on the worker's first run."""

    def __init__(self, made: list[OutageDrainer]) -> None:
        self._made = made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made[0], name)


def test_a_push_failed_by_the_run_going_at_the_click_goes_again_once_not_run_after_run(outage, qtbot):
    c, drainer, gates = outage
    finished: list[Any] = []
    c.drain_finished.connect(finished.append)
    c.start()  # run 0 takes the note and sends it...
    qtbot.waitUntil(gates[0][0].is_set, timeout=10000)
    [note] = c.services.outbox.jobs()
    assert note.state == "sending"
    c.retry_all(everything=True)  # ... the engineer clicks Send all now while its answer is coming...
    gates[0][1].set()  # ... and the answer is a 503
    qtbot.waitUntil(lambda: len(finished) == 1, timeout=10000)  # run 0 has ended, seen by the window
    assert gates[1][0].wait(10)  # the click's run had already started (the worker starts it at once)
    gates[1][1].set()  # it takes the note, which the window made due again, and fails it: still down
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=10000)  # and the run the window asked for then
    assert drainer.attempts == [0, 1]  # sent at the click and once again: the click is answered
    assert c.services.outbox.get(note.id).state == "retry_wait"  # waiting for its next try, like any other
    assert c._send_now == {}
    worker = c.push.worker
    qtbot.waitUntil(lambda: not worker._requested and drainer.runs == 3, timeout=10000)  # no run after run


def test_retry_asks_the_run_to_take_the_push_clicked_first_and_send_all_now_does_not(outage, monkeypatch):
    """Retry on one waiting push in an outage: the run took the pushes queued before it, met the outage and
    ended, and the push clicked stayed waiting (the drainer's side: tests/push/test_drainer.py)."""
    c, _drainer, _gates = outage
    asked: list[tuple[bool, list[int]]] = []
    monkeypatch.setattr(c.push, "request_drain", lambda fresh=False, first=(): asked.append((fresh, list(first))) or 1)
    [note] = c.services.outbox.jobs()
    c.retry(note.id)
    c.retry_all(everything=True)
    assert asked == [(True, [note.id]), (True, [])]
