"""``flowdesk queue drain`` on Windows: no SIGTERM comes from outside there; Ctrl+Break (SIGBREAK) and closing
the console window (a console control event) must stop the drain as SIGTERM does, not kill it mid-request.
Simulated here: a stand-in SIGBREAK number and a fake ``kernel32.SetConsoleCtrlHandler``."""

from __future__ import annotations

import ctypes
import signal
import sys
import threading

import pytest

from flowdesk.commands import queue

# on Linux a signal nothing else here uses stands in; on Windows (CI: under Wine) the real SIGBREAK
FAKE_SIGBREAK = signal.SIGBREAK if sys.platform == "win32" else signal.SIGUSR1


def test_ctrl_break_stops_the_drain_like_sigterm(monkeypatch):
    monkeypatch.setattr(signal, "SIGBREAK", FAKE_SIGBREAK, raising=False)
    before = signal.getsignal(FAKE_SIGBREAK)
    stop = threading.Event()
    restore = queue._stop_on_signals(stop)
    try:
        handler = signal.getsignal(FAKE_SIGBREAK)
        assert callable(handler), "no SIGBREAK handler: Ctrl+Break would kill the drain mid-request"
        handler(FAKE_SIGBREAK, None)
        assert stop.is_set()
    finally:
        restore()
    assert signal.getsignal(FAKE_SIGBREAK) == before  # put back as it was


class Kernel32:
    def __init__(self) -> None:
        self.handlers: list = []
        self.calls: list[tuple[object, int]] = []

    def SetConsoleCtrlHandler(self, handler, add):  # noqa: N802 - the Win32 name
        self.calls.append((handler, add))
        if add:
            self.handlers.append(handler)
        else:
            self.handlers.remove(handler)
        return 1


@pytest.fixture
def kernel32(monkeypatch) -> Kernel32:
    k = Kernel32()

    class WinDLL:
        kernel32 = k

    monkeypatch.setattr(queue.sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", WinDLL(), raising=False)
    monkeypatch.setattr(ctypes, "WINFUNCTYPE", lambda *types: (lambda fn: fn), raising=False)
    return k


def test_closing_the_console_stops_the_drain_and_holds_the_process_until_it_has(kernel32):
    stop = threading.Event()
    restore = queue._stop_on_signals(stop)
    assert len(kernel32.handlers) == 1
    handler = kernel32.handlers[0]
    assert handler(0) == 0 and not stop.is_set()  # Ctrl+C: left to the SIGINT handler
    answer: list[int] = []
    windows_thread = threading.Thread(target=lambda: answer.append(handler(2)))  # CTRL_CLOSE_EVENT
    windows_thread.start()
    assert stop.wait(5)  # the drain is told to stop ...
    assert answer == []  # ... and the process is held while it does
    restore()  # the drain has stopped and closed the queue
    windows_thread.join(5)
    assert answer == [1]  # handled: Windows may end the process now
    assert kernel32.handlers == []  # unhooked


def test_logoff_and_shutdown_stop_it_too(kernel32):
    for event in (5, 6):  # CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT
        stop = threading.Event()
        restore = queue._stop_on_signals(stop)
        handler = kernel32.handlers[-1]
        restore()  # already finished: the handler does not wait
        assert handler(event) == 1 and stop.is_set()
