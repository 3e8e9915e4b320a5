"""Ctrl+C in the terminal that started the window quits it as Quit does, with one line and no traceback
(found in review: the KeyboardInterrupt surfaced in a Qt slot as a full traceback and the window stayed)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import pytest

pytestmark = [
    pytest.mark.usefixtures("qapp"),
    pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from a terminal: a POSIX signal here (Windows: the console's own event)"),
]


def test_ctrl_c_quits_through_the_event_loop_once_and_says_so(qtbot: Any, capsys: Any) -> None:
    from flowdesk.ui.interrupt import INTERRUPTED, quit_on_interrupt

    quits: list[int] = []
    before = signal.getsignal(signal.SIGINT)
    handler = quit_on_interrupt(lambda: quits.append(1))
    assert handler is not None
    try:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)  # pressed twice: quit is asked once
        qtbot.waitUntil(lambda: quits == [1], timeout=5000)
        assert capsys.readouterr().err.splitlines() == [INTERRUPTED]
    finally:
        handler.close()
    assert signal.getsignal(signal.SIGINT) is before  # Python's own handling again


@pytest.mark.parametrize(("name", "words"), [
    ("SIGTERM", "flowdesk: asked to stop (SIGTERM): quitting; waiting pushes and drafts are kept."),
    ("SIGHUP", "flowdesk: the terminal closed (SIGHUP): quitting; waiting pushes and drafts are kept."),
])
def test_kill_and_a_closed_terminal_quit_through_the_event_loop_too(qtbot: Any, capsys: Any, name: str, words: str) -> None:
    """Found by stopping the demo with SIGTERM: the process just ended, its folder left behind (and the last
    keystrokes not yet written to the draft would have been lost)."""
    from flowdesk.ui.interrupt import quit_on_interrupt

    signum = getattr(signal, name)
    quits: list[int] = []
    # as a terminal starts it: a run under nohup (SIGHUP ignored) is left ignoring it (the test below)
    before = signal.signal(signum, signal.SIG_DFL)
    try:
        handler = quit_on_interrupt(lambda: quits.append(1))
        assert handler is not None
        try:
            signal.raise_signal(signum)
            qtbot.waitUntil(lambda: quits == [1], timeout=5000)
            assert capsys.readouterr().err.splitlines() == [words]
        finally:
            handler.close()
        assert signal.getsignal(signum) is signal.SIG_DFL  # as it found it
    finally:
        signal.signal(signum, before)


def test_a_terminal_hang_up_ignored_by_nohup_stays_ignored() -> None:
    from flowdesk.ui.interrupt import quit_on_interrupt

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        handler = quit_on_interrupt(lambda: None)
        assert handler is not None
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert callable(signal.getsignal(signal.SIGTERM))
        handler.close()
    finally:
        signal.signal(signal.SIGHUP, before)


def test_outside_the_main_thread_the_default_is_kept() -> None:
    from flowdesk.ui.interrupt import quit_on_interrupt

    got: list[Any] = []
    t = threading.Thread(target=lambda: got.append(quit_on_interrupt(lambda: None)))
    t.start()
    t.join()
    assert got == [None]


def test_an_interrupt_reaching_the_excepthook_is_one_line(capsys: Any, monkeypatch: Any) -> None:
    from flowdesk import logs

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # both restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    logs.install_excepthook()
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
    assert capsys.readouterr().err == "flowdesk: interrupted (Ctrl+C)\n"
