"""Start FlowDesk when the engineer signs in: pushes waiting in the queue are sent only while FlowDesk runs.

One entry, for this user only (nothing that needs an administrator), where each OS looks at sign-in:

* Windows: the value ``FlowDesk`` under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`` (what
  Task Manager's *Startup apps* lists and can switch off);
* macOS: ``~/Library/LaunchAgents/com.flowdesk.FlowDesk.plist`` with ``RunAtLoad``, which launchd reads at
  sign-in (what *Login Items* lists);
* Linux: ``$XDG_CONFIG_HOME/autostart/com.flowdesk.FlowDesk.desktop`` (the XDG Autostart spec: GNOME, KDE,
  Xfce…); one a desktop switched off (``Hidden=true``, ``X-GNOME-Autostart-enabled=false``) counts as off.

The command is the running FlowDesk's own (the bundle's executable, or this Python with ``-m flowdesk``)
with ``--tray``: at sign-in it starts in the tray, the window closed. Settings shows what the OS has, not a
copy kept in settings.json, and a FlowDesk that was moved or updated rewrites its entry when it starts
(:func:`refresh`). Every failure is an :class:`AutostartError` with one line saying what could not be done.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flowdesk import APP_ID, APP_NAME

TRAY_ARG = "--tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class AutostartError(Exception):
    """The sign-in entry could not be read or written; the message says which and why, in one line."""


def launch_command(frozen: bool | None = None, executable: str | None = None) -> list[str]:
    """How this FlowDesk is started again, in the tray: the bundle's executable, or this Python with ``-m``."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    exe = executable or sys.executable
    if frozen:
        return [exe, TRAY_ARG]
    if sys.platform == "win32" and Path(exe).name.lower() == "python.exe":
        # no console window at sign-in: the windowed Python next to it, when there is one
        windowed = Path(exe).with_name("pythonw.exe")
        exe = str(windowed) if windowed.exists() else exe
    return [exe, "-m", "flowdesk", TRAY_ARG]


class Autostart:
    """The sign-in entry of one OS: ``registered()`` (the command as the OS holds it, None when off),
    ``enable(command)``, ``disable()``; ``spelled(command)`` is how the OS holds ``command``."""

    where = ""  # for the words: "the programs Windows starts when you sign in"

    def registered(self) -> str | None:
        raise NotImplementedError

    def spelled(self, command: Sequence[str]) -> str:
        raise NotImplementedError

    def write(self, command: Sequence[str]) -> None:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def enabled(self) -> bool:
        return self.registered() is not None

    def enable(self, command: Sequence[str]) -> None:
        try:
            self.write(command)
        except OSError as exc:
            raise AutostartError(f"Could not add {APP_NAME} to {self.where}: {_why(exc)}") from None

    def disable(self) -> None:
        try:
            self.remove()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AutostartError(f"Could not take {APP_NAME} out of {self.where}: {_why(exc)}") from None


class LinuxAutostart(Autostart):
    where = "the programs your desktop starts when you sign in"

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / "autostart" / f"{APP_ID}.desktop"

    def registered(self) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        entries = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
        entries = {k.strip(): v.strip() for k, v in entries.items()}
        if entries.get("Hidden", "").lower() == "true" or entries.get("X-GNOME-Autostart-enabled", "").lower() == "false":
            return None
        return entries.get("Exec")

    def spelled(self, command: Sequence[str]) -> str:
        return " ".join(_desktop_quote(arg) for arg in command)

    def write(self, command: Sequence[str]) -> None:
        from flowdesk.core.settings import atomic_write_bytes  # lazy: pydantic, only when Settings saves

        text = (
            "[Desktop Entry]\nType=Application\n"
            f"Name={APP_NAME}\nComment=Sends the notes waiting in the queue; started in the tray\n"
            f"Exec={self.spelled(command)}\nIcon={APP_ID}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
        )
        atomic_write_bytes(self.path, text.encode("utf-8"))

    def remove(self) -> None:
        self.path.unlink()


class MacAutostart(Autostart):
    where = "the programs macOS opens when you log in"

    def __init__(self, home: Path) -> None:
        self.path = home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"

    def registered(self) -> str | None:
        import plistlib

        try:
            agent = plistlib.loads(self.path.read_bytes())
        except (OSError, ValueError, plistlib.InvalidFileException):
            return None
        args = agent.get("ProgramArguments") if isinstance(agent, dict) else None
        if not isinstance(args, list) or not agent.get("RunAtLoad") or agent.get("Disabled"):
            return None
        return self.spelled([str(a) for a in args])

    def spelled(self, command: Sequence[str]) -> str:
        return _windows_command_line(command)

    def write(self, command: Sequence[str]) -> None:
        import plistlib

        from flowdesk.core.settings import atomic_write_bytes  # lazy: pydantic, only when Settings saves

        agent = {"Label": APP_ID, "ProgramArguments": list(command), "RunAtLoad": True, "ProcessType": "Interactive"}
        atomic_write_bytes(self.path, plistlib.dumps(agent))

    def remove(self) -> None:
        self.path.unlink()


class WindowsAutostart(Autostart):
    where = "the programs Windows starts when you sign in"

    def __init__(self, key: str = RUN_KEY, name: str = APP_NAME) -> None:
        self.key, self.name = key, name

    def registered(self) -> str | None:
        winreg = _winreg()

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key) as key:
                value, kind = winreg.QueryValueEx(key, self.name)
        except OSError:
            return None
        return value if isinstance(value, str) and kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) and value else None

    def spelled(self, command: Sequence[str]) -> str:
        return _windows_command_line(command)

    def write(self, command: Sequence[str]) -> None:
        winreg = _winreg()

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, self.key) as key:
            winreg.SetValueEx(key, self.name, 0, winreg.REG_SZ, self.spelled(command))

    def remove(self) -> None:
        winreg = _winreg()

        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key, 0, winreg.KEY_SET_VALUE) as key:
            winreg.DeleteValue(key, self.name)


def for_platform(platform: str = sys.platform, environ: Mapping[str, str] = os.environ, home: Path | None = None) -> Autostart:
    """This OS's sign-in entry (``environ`` and ``home`` for the tests: ``XDG_CONFIG_HOME``, ``~``)."""
    if platform == "win32":
        return WindowsAutostart()
    home = home if home is not None else Path.home()
    if platform == "darwin":
        return MacAutostart(home)
    config = environ.get("XDG_CONFIG_HOME", "")
    return LinuxAutostart(Path(config) if os.path.isabs(config) else home / ".config")


def for_app(environ: Mapping[str, str] = os.environ) -> Autostart | None:
    """The sign-in entry of an installed FlowDesk; None with ``FLOWDESK_HOME`` set (a portable copy, the
    demo, the tests): started at sign-in without that variable, it would open other folders than its own."""
    from flowdesk.paths import HOME_ENV

    return None if environ.get(HOME_ENV) else for_platform(environ=environ)


def refresh(entry: Autostart, command: Sequence[str]) -> bool:
    """A FlowDesk that was moved or updated: an entry that is on but starts another command is rewritten to
    start this one. Returns whether it was rewritten."""
    now = entry.registered()
    if now is None or now == entry.spelled(command):
        return False
    entry.enable(command)
    return True


def _winreg() -> Any:
    """The registry module (Windows only; typed loosely, so that the module checks on every OS)."""
    import importlib

    return importlib.import_module("winreg")


def _windows_command_line(command: Sequence[str]) -> str:
    """As Windows' C runtime splits it (``subprocess.list2cmdline``): the Run value, and the words for macOS's."""
    import subprocess

    return subprocess.list2cmdline(list(command))


def _desktop_quote(arg: str) -> str:
    """An ``Exec`` argument (the Desktop Entry spec): quoted when it holds a reserved character, ``%`` doubled."""
    arg = arg.replace("%", "%%")
    if not any(ch in arg for ch in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    return f'"{escaped}"'


def _why(exc: OSError) -> str:
    return f"{exc.strerror or type(exc).__name__}" + (f" ({exc.filename})" if exc.filename else "")


__all__ = ["TRAY_ARG", "Autostart", "AutostartError", "for_app", "for_platform", "launch_command", "refresh"]
