"""The push worker's mailbox: a drain's job changes wake the GUI thread once per batch, none is lost."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject

from flowdesk.ui.push_worker import PushThread, PushWorker


class Listener(QObject):
    """Lives on the GUI thread, as the controller does: the worker's signals reach it queued."""

    def __init__(self) -> None:
        super().__init__()
        self.told: list[int] = []
        self.finished = 0

    def on_changes(self) -> None:
        self.told.append(threading.get_ident())

    def on_finished(self, _report: object) -> None:
        self.finished += 1


class FakeDrainer:
    """Calls ``on_change`` with each job of ``runs[i]`` during its i-th run (on the worker thread)."""

    def __init__(self, on_change: Any, runs: list[list[str]], release: threading.Event) -> None:
        self.on_change = on_change
        self.runs = runs
        self.release = release
        self.thread: int | None = None

    def run_due(self, *, stop: threading.Event | None = None, first=()) -> str:
        self.thread = threading.get_ident()
        jobs = self.runs.pop(0)
        for job in jobs[:1]:
            self.on_change(job)
        assert self.release.wait(10)  # the GUI thread has seen the first change: the rest arrive in its mailbox
        for job in jobs[1:]:
            self.on_change(job)
        return "report"

    def clear_hold_off(self) -> None: ...
    def reset_client(self) -> None: ...
    def close(self) -> None: ...
    def interrupt(self) -> None: ...


def test_changes_wait_in_the_mailbox_and_the_gui_thread_is_told_once_per_batch(qtbot):
    release = threading.Event()
    made: list[FakeDrainer] = []

    def make(on_change: Any) -> FakeDrainer:
        made.append(FakeDrainer(on_change, [["a", "b", "c", "d"], ["e"]], release))
        return made[-1]

    worker = PushWorker(make)  # type: ignore[arg-type]
    thread = PushThread(worker)
    listener = Listener()
    worker.changes_waiting.connect(listener.on_changes)
    worker.drain_finished.connect(listener.on_finished)
    thread.start()
    try:
        thread.request_drain(False)
        qtbot.wait_until(lambda: len(listener.told) == 1)
        release.set()
        qtbot.wait_until(lambda: listener.finished == 1)
        assert listener.told == [threading.get_ident()] and made[0].thread != threading.get_ident()
        assert worker.take_changes() == ["a", "b", "c", "d"]  # "a" was told; "b", "c", "d" joined it
        assert worker.take_changes() == []
        thread.request_drain(False)
        qtbot.wait_until(lambda: listener.finished == 2)
        qtbot.wait_until(lambda: len(listener.told) == 2)  # an empty mailbox: the next change is told again
        assert worker.take_changes() == ["e"]
    finally:
        thread.stop()


class CountingDrainer(FakeDrainer):
    """Blocks its first run until released; counts runs and hold-off resets."""

    def __init__(self, on_change: Any, release: threading.Event) -> None:
        super().__init__(on_change, [], release)
        self.started = threading.Event()
        self.runs_done = 0
        self.fresh = 0
        self.first: list[list[int]] = []  # the pushes a Retry asked for, per run

    def run_due(self, *, stop: threading.Event | None = None, first=()) -> str:
        self.first.append(list(first))
        self.started.set()
        assert self.release.wait(10)
        self.runs_done += 1
        return "report"

    def clear_hold_off(self) -> None:
        self.fresh += 1


def test_requests_made_during_a_run_become_one_more_run_that_keeps_fresh(qtbot):
    release = threading.Event()
    made: list[CountingDrainer] = []

    def make(on_change: Any) -> CountingDrainer:
        made.append(CountingDrainer(on_change, release))
        return made[-1]

    worker = PushWorker(make)  # type: ignore[arg-type]
    thread = PushThread(worker)
    listener = Listener()
    worker.drain_finished.connect(listener.on_finished)
    thread.start()
    try:
        thread.request_drain(False)
        qtbot.wait_until(lambda: bool(made) and made[0].started.is_set())
        for fresh, first in ((False, ()), (True, [7]), (False, ())):  # a timer, a Retry, a push: while the first
            thread.request_drain(fresh, first)  # run is going
        release.set()
        qtbot.wait_until(lambda: listener.finished == 2)
        thread.request_drain(False)  # a later request is a run of its own
        qtbot.wait_until(lambda: listener.finished == 3)
        assert made[0].runs_done == 3 and made[0].fresh == 1  # not 5 runs; the click's fresh was kept
        assert made[0].first == [[], [7], []]  # the push the Retry asked for, taken first by the run it joined
    finally:
        thread.stop()


class FailingDrainer:
    """A run that raises ``error`` from ``run_due``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def run_due(self, *, stop: threading.Event | None = None, first=()) -> str:
        raise self.error

    def clear_hold_off(self) -> None: ...
    def reset_client(self) -> None: ...
    def close(self) -> None: ...
    def interrupt(self) -> None: ...


def test_a_run_that_fails_says_which_clicks_it_answered(qtbot):
    """Stopped before any job (the queue held by another FlowDesk, no client): it answered every request it
    took. Stopped partway by a bug: none, since pushes a click asked for may already have failed in it (the
    next run that ends answers them)."""
    from flowdesk.push.lock import DrainLockBusy

    for error, answered in ((DrainLockBusy(4242), True), (RuntimeError("a bug"), False)):
        worker = PushWorker(lambda _on_change, e=error: FailingDrainer(e))  # type: ignore[misc]
        failed: list[tuple[str, int]] = []
        worker.drain_failed.connect(lambda message, n, failed=failed: failed.append((message, n)))
        worker.want_drain(False)
        queue, generation = worker.want_drain(True)
        assert not queue and generation == 2  # the second request joined the first
        worker.run_requested()
        assert failed == [(str(error), generation if answered else 0)]
