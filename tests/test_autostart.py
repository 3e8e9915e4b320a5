"""Start at sign-in (``flowdesk.autostart``): the entry each OS reads when the engineer signs in, written,
read back, switched off and rewritten for a FlowDesk that moved. Linux's and macOS's are files under a
temporary home here; Windows' is the registry (under Wine in CI, in a key of the test's own, never the real
``Run`` key of the machine running the tests)."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flowdesk import autostart
from flowdesk.autostart import (
    TRAY_ARG,
    AutostartError,
    LinuxAutostart,
    MacAutostart,
    WindowsAutostart,
    for_app,
    for_platform,
    launch_command,
    refresh,
)
from flowdesk.cli import build_parser
from tests.conftest import IN_CI, WINDOWS

COMMAND = ["/opt/Flow Desk/FlowDesk", "--tray"]
MOVED = ["/home/dana/Apps/FlowDesk 2/FlowDesk", "--tray"]


def test_the_command_starts_this_flowdesk_in_the_tray() -> None:
    assert launch_command(frozen=True, executable="/opt/FlowDesk/FlowDesk") == ["/opt/FlowDesk/FlowDesk", TRAY_ARG]
    assert launch_command(frozen=False, executable="/venv/bin/python") == ["/venv/bin/python", "-m", "flowdesk", TRAY_ARG]
    assert build_parser(commands=False).parse_args([TRAY_ARG]).tray is True


def test_linux_entry_is_an_xdg_autostart_file(tmp_path: Path) -> None:
    entry = LinuxAutostart(tmp_path / "config")
    assert not entry.enabled() and entry.registered() is None
    entry.enable([*COMMAND, "50%"])
    text = entry.path.read_text(encoding="utf-8")
    assert entry.path == tmp_path / "config" / "autostart" / "com.flowdesk.FlowDesk.desktop"
    assert 'Exec="/opt/Flow Desk/FlowDesk" --tray 50%%\n' in text and "X-GNOME-Autostart-enabled=true" in text
    assert entry.registered() == entry.spelled([*COMMAND, "50%"])
    validate = shutil.which("desktop-file-validate")
    if validate is None:  # a Linux tool: CI's Linux run must have it
        assert not (IN_CI and sys.platform.startswith("linux")), "desktop-file-validate is missing (.ci/run installs desktop-file-utils)"
    else:
        done = subprocess.run([validate, str(entry.path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    entry.disable()
    assert not entry.path.exists() and entry.registered() is None
    entry.disable()  # already off: nothing to do, no error


@pytest.mark.parametrize("off", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_linux_entry_switched_off_by_the_desktop_counts_as_off(tmp_path: Path, off: str) -> None:
    entry = LinuxAutostart(tmp_path)
    entry.enable(COMMAND)
    entry.path.write_text(entry.path.read_text(encoding="utf-8").replace("X-GNOME-Autostart-enabled=true", off), encoding="utf-8")
    assert not entry.enabled()


def test_macos_entry_is_a_launch_agent(tmp_path: Path) -> None:
    entry = MacAutostart(tmp_path)
    entry.enable(COMMAND)
    agent = plistlib.loads(entry.path.read_bytes())
    assert entry.path == tmp_path / "Library" / "LaunchAgents" / "com.flowdesk.FlowDesk.plist"
    assert agent["Label"] == "com.flowdesk.FlowDesk" and agent["ProgramArguments"] == COMMAND and agent["RunAtLoad"] is True
    assert entry.registered() == entry.spelled(COMMAND)
    entry.path.write_bytes(plistlib.dumps({**agent, "Disabled": True}))
    assert not entry.enabled()
    entry.disable()
    assert not entry.path.exists()


def test_each_os_gets_its_own_entry(tmp_path: Path) -> None:
    linux = for_platform("linux", environ={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, home=tmp_path)
    assert isinstance(linux, LinuxAutostart) and linux.path.parent == tmp_path / "xdg" / "autostart"
    relative = for_platform("linux", environ={"XDG_CONFIG_HOME": "xdg"}, home=tmp_path)  # not absolute: ignored (the spec)
    assert isinstance(relative, LinuxAutostart) and relative.path.parent == tmp_path / ".config" / "autostart"
    assert isinstance(for_platform("darwin", home=tmp_path), MacAutostart)
    assert isinstance(for_platform("win32"), WindowsAutostart)


def test_not_offered_with_flowdesk_home() -> None:
    """A portable copy, the demo or the tests: started at sign-in without FLOWDESK_HOME, it would open other folders."""
    assert for_app({"FLOWDESK_HOME": "/somewhere"}) is None
    assert for_app({}) is not None


def test_a_flowdesk_that_moved_rewrites_its_entry(tmp_path: Path) -> None:
    entry = LinuxAutostart(tmp_path)
    assert not refresh(entry, MOVED)  # off: stays off
    assert not entry.path.exists()
    entry.enable(COMMAND)
    assert not refresh(entry, COMMAND)  # the same FlowDesk: untouched
    assert refresh(entry, MOVED)
    assert entry.registered() == entry.spelled(MOVED)


def test_an_entry_that_cannot_be_written_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "autostart").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(AutostartError) as caught:
        LinuxAutostart(tmp_path).enable(COMMAND)
    message = str(caught.value)
    assert message.startswith("Could not add FlowDesk to the programs your desktop starts when you sign in: ")
    assert "\n" not in message and caught.value.__cause__ is None


@pytest.mark.skipif(not WINDOWS, reason="Windows: the registry's Run key (CI runs it under Wine)")
def test_windows_entry_is_a_run_value() -> None:
    key = r"Software\FlowDeskTests\Run"  # the test's own key: never the machine's real Run key
    entry = WindowsAutostart(key=key)
    assert entry.registered() is None
    command = [r"C:\Program Files\FlowDesk\FlowDesk.exe", TRAY_ARG]
    entry.enable(command)
    assert entry.registered() == r'"C:\Program Files\FlowDesk\FlowDesk.exe" --tray'
    assert refresh(entry, [r"C:\Users\Dana\AppData\Local\FlowDesk\FlowDesk.exe", TRAY_ARG])
    assert entry.registered() == r"C:\Users\Dana\AppData\Local\FlowDesk\FlowDesk.exe --tray"
    entry.disable()
    assert entry.registered() is None
    entry.disable()
    assert autostart.RUN_KEY == r"Software\Microsoft\Windows\CurrentVersion\Run"
    assert sys.platform == "win32"
