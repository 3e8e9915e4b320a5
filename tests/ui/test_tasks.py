from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QThread

from flowdesk.ui.tasks import TaskRunner


def test_work_runs_off_the_gui_thread_and_callbacks_on_it(qtbot):
    runner = TaskRunner()
    seen: dict[str, object] = {}
    gui = threading.get_ident()

    def work(x):
        seen["work_thread"] = threading.get_ident()
        return x * 2

    def done(result):
        seen["result"] = result
        seen["callback_on_gui"] = QThread.currentThread() is QCoreApplication.instance().thread()

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        runner.submit(work, 21, on_done=done)
    assert seen["result"] == 42 and seen["work_thread"] != gui and seen["callback_on_gui"] is True
    assert runner.wait_for_done(5000)


def test_errors_reach_on_error_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    got: list[tuple[BaseException, bool]] = []

    def boom():
        raise ValueError("nope")

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        runner.submit(boom, on_error=lambda e: got.append((e, QThread.currentThread() is QCoreApplication.instance().thread())))
    assert isinstance(got[0][0], ValueError) and got[0][1] is True
    assert runner.active == 0


def test_an_answer_for_a_widget_gone_meanwhile_is_dropped(qtbot):
    """A window closed while its work ran: the answer is not delivered to the deleted widget (which would
    raise "Internal C++ object already deleted" in the event loop)."""
    from PySide6.QtWidgets import QLabel
    from shiboken6 import delete

    runner = TaskRunner()
    label = QLabel()
    release = threading.Event()
    called: list[str] = []

    def work():
        release.wait(5)
        return "answer"

    runner.submit(work, on_done=lambda _r: (called.append("done"), label.setText("x")), owner=label)
    runner.submit(lambda: release.wait(5) and 1 / 0, on_error=lambda _e: called.append("error"), owner=label)
    delete(label)
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        release.set()
    assert called == [] and runner.active == 0


def test_answers_after_the_runner_closed_are_dropped(qtbot):
    """FlowDesk is quitting: the work finished while the store closed, and its answer (an import's reload of
    the session list, a refresh) must not run against the closed store."""
    runner = TaskRunner()
    release = threading.Event()
    called: list[str] = []
    runner.submit(lambda: release.wait(5), on_done=lambda _r: called.append("done"))
    runner.submit(lambda: release.wait(5) and 1 / 0, on_error=lambda _e: called.append("error"))
    runner.close()
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy is False):
        release.set()
    assert called == [] and runner.active == 0
