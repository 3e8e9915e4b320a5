"""One FlowDesk per data folder, decided by an OS lock: on Windows two ``QLocalServer`` can listen on one pipe
name, so two launches close together would both start if the server alone decided."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from flowdesk.push.lock import FileLock
from flowdesk.ui import single_instance
from flowdesk.ui.single_instance import (
    ASFW_ANY,
    AlreadyRunning,
    ask_running_instance_to_raise,
    claim_instance,
    server_name,
)
from tests.conftest import wine_limit

pytestmark = pytest.mark.usefixtures("qapp")


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    return data, data / "instance.lock"


@wine_limit("a named pipe's data is lost when the client closes before the server reads (QLocalSocket)")
def test_a_second_launch_hands_over_to_the_first_and_starts_after_it_quits(qtbot, tmp_path):
    data, lock_file = _folders(tmp_path)
    first = claim_instance(data, lock_file)
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=5000), pytest.raises(AlreadyRunning) as info:
            claim_instance(data, lock_file)
        assert str(info.value) == "FlowDesk is already running: its window was brought forward."
    finally:
        first.close()
    again = claim_instance(data, lock_file)  # the lock went with the first: start normally
    again.close()


def test_a_launch_while_the_first_is_still_starting_does_not_start_a_second(tmp_path):
    """The race: the first holds the lock but is not listening yet. Here (as on Windows) listen() would
    succeed for the second; the lock refuses it all the same."""
    data, lock_file = _folders(tmp_path)
    first = FileLock(lock_file)
    assert first.acquire()
    try:
        with pytest.raises(AlreadyRunning) as info:
            claim_instance(data, lock_file)
        assert str(info.value) == (
            f"FlowDesk is already running (pid {os.getpid()}) but did not answer; it may still be starting: "
            "look for its window or tray icon."
        )
        assert not ask_running_instance_to_raise(server_name(str(data)), timeout_ms=200)  # nobody listened
    finally:
        first.release()


def test_a_launch_while_a_command_looks_for_a_window_starts(monkeypatch, tmp_path):
    """`flowdesk push` takes the instance lock for a moment to see whether a window runs; a window launched in
    that moment finds the lock taken and nobody answering. By the time nobody has answered, the command has let
    go: the launch takes the lock then and starts, rather than saying FlowDesk "is already running"."""
    data, lock_file = _folders(tmp_path)
    command = FileLock(lock_file)
    assert command.acquire()
    asked: list[str] = []

    def nobody_answers(name, *args):
        asked.append(name)
        command.release()  # the command's probe is done meanwhile
        return False

    monkeypatch.setattr(single_instance, "ask_running_instance_to_raise", nobody_answers)
    window = claim_instance(data, lock_file, listen=False)
    try:
        assert asked == [server_name(str(data))]
        assert not FileLock(lock_file).acquire()  # the window holds the lock now
    finally:
        window.close()


def test_server_name_ignores_the_case_windows_ignores(monkeypatch):
    monkeypatch.setattr(single_instance.os.path, "normcase", lambda p: p.lower())  # ntpath.normcase, roughly
    assert server_name("/Users/Dana/AppData/Local/FlowDesk") == server_name("/users/dana/appdata/local/flowdesk")


def test_on_windows_the_second_launch_lets_the_first_take_the_foreground(monkeypatch, tmp_path):
    data, lock_file = _folders(tmp_path)
    calls: list[tuple[str, object]] = []

    class User32:
        def AllowSetForegroundWindow(self, who):  # noqa: N802 - the Win32 name
            calls.append(("allow", who))
            return 1

    class WinDLL:
        user32 = User32()

    monkeypatch.setattr(single_instance.sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", WinDLL(), raising=False)
    monkeypatch.setattr(single_instance, "ask_running_instance_to_raise", lambda name, *a: calls.append(("ask", name)))
    first = FileLock(lock_file)
    assert first.acquire()
    try:
        with pytest.raises(AlreadyRunning):
            claim_instance(data, lock_file)
    finally:
        first.release()
    assert calls == [("allow", ASFW_ANY), ("ask", server_name(str(data)))]  # allowed before asking


def test_elsewhere_nothing_windows_only_is_called(monkeypatch):
    monkeypatch.setattr(single_instance.sys, "platform", "linux")
    monkeypatch.delattr(ctypes, "windll", raising=False)
    single_instance.allow_foreground()  # no AttributeError: the call is guarded by the platform


@wine_limit("a named pipe's data is lost when the client closes before the server reads (QLocalSocket)")
def test_the_window_holds_the_lock_from_the_start_and_answers_once_it_listens(qtbot, tmp_path):
    """The window claims the folder before it is built and listens from the end of its first paint: a launch
    in between is refused (it says the first may still be starting), a launch after is handed over."""
    data, lock_file = _folders(tmp_path)
    first = claim_instance(data, lock_file, listen=False)
    try:
        with pytest.raises(AlreadyRunning, match="may still be starting"):
            claim_instance(data, lock_file)
        assert first.listen()
        with qtbot.waitSignal(first.raise_requested, timeout=5000), pytest.raises(AlreadyRunning, match="brought forward"):
            claim_instance(data, lock_file)
    finally:
        first.close()


@wine_limit("a named pipe's data is lost when the client closes before the server reads (QLocalSocket)")
def test_a_command_that_changed_the_queue_tells_the_running_window(qtbot, tmp_path):
    """`flowdesk push` while the window runs: the window holds the drain lock, so the command cannot send; it
    tells the window, which shows and sends the push (without a window it tells nobody, and loads no Qt)."""
    from flowdesk.ui.single_instance import tell_window_queue_changed

    data, lock_file = _folders(tmp_path)
    assert tell_window_queue_changed(data, lock_file) is False  # no window
    first = claim_instance(data, lock_file)
    try:
        with qtbot.waitSignal(first.queue_changed, timeout=5000):
            assert tell_window_queue_changed(data, lock_file) is True
    finally:
        first.close()
