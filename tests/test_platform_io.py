"""Windows' console, log and clock, simulated on Linux (and run for real under Wine by ``.ci/windows``).

* the windowed ``FlowDesk.exe`` has ``sys.stdout``/``sys.stderr`` = None (PyInstaller, console=False);
* a redirected or piped stream on Windows is the ANSI code page (cp1252) with ``errors=strict`` and turns
  ``\\n`` into ``\\r\\n`` (CPython's ``create_stdio`` on Windows); stdin is decoded with the code page and
  Windows PowerShell 5.1 pipes a byte-order mark;
* Windows cannot rename a file another process holds open, so log rotation fails (bpo-4749);
* Windows' C library converts no time before 1970 (``OSError: [Errno 22]``; cpython#80940).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowdesk import logs
from flowdesk.cli import main
from flowdesk.logs import get_logger, setup_logging
from flowdesk.paths import AppPaths
from tests.conftest import REPO, require_executable, sample_files

SAMPLE = sample_files()[0]


@pytest.fixture
def restore_logging():
    yield
    setup_logging(None)


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONIOENCODING", "PYTHONUTF8", "LC_", "LANG"))}
    env.update(FLOWDESK_HOME=str(home), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", **extra)
    return env


# ---------------------------------------------------------------- the windowed exe: no stdout, no stderr


@pytest.mark.usefixtures("qapp", "restore_logging")
def test_the_windowed_exe_has_no_console_and_nothing_crashes(monkeypatch, flowdesk_home):
    from flowdesk.commands.console import WINDOWED_COMMAND

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr("threading.excepthook", __import__("threading").excepthook)
    assert main(["--self-check"]) in (0, 1)  # the memory keyring of the tests is "not a real keyring"
    assert main(["render", str(SAMPLE)]) == 0
    assert main(["render", str(flowdesk_home / "missing.json")]) == 2
    with pytest.raises(SystemExit) as done:
        main(["connect", "--help"])
    assert done.value.code == 0
    sys.excepthook(RuntimeError, RuntimeError("boom in the window"), None)
    setup_logging(AppPaths.from_env().cli_log_file, verbose=True)  # -v: no console handler on a None stream
    get_logger("cli").warning("after -v")

    log = AppPaths.from_env().cli_log_file.read_text(encoding="utf-8")
    assert WINDOWED_COMMAND in log and "flowdesk-cli.exe" in log
    assert '(stdout) {"app": "FlowDesk"' in log  # the self-check's JSON went to the log
    assert "(stdout) ═══ FlowPilot Session Documentation ═══" in log
    assert "(stderr) flowdesk: " in log and "missing.json" in log
    assert "unhandled exception" in log and "boom in the window" in log and "after -v" in log
    assert not AppPaths.from_env().log_file.exists()  # the commands' log, not the window's


# ---------------------------------------------------------------- a cp1252 console, a Polish home


def test_a_cp1252_pipe_and_a_home_named_lodz(tmp_path):
    home = tmp_path / "Łódź"
    env = cli_env(home, PYTHONIOENCODING="cp1252", QT_QPA_PLATFORM="offscreen")
    check = subprocess.run(
        [sys.executable, "-m", "flowdesk", "--self-check"], env=env, capture_output=True, timeout=120, cwd=tmp_path
    )
    assert b"Traceback" not in check.stderr, check.stderr.decode("utf-8", "replace")
    report = json.loads(check.stdout.decode("utf-8"))
    assert report["paths"]["config"] == str(home / "config")
    assert check.returncode == (0 if report["ok"] else 1)

    helped = subprocess.run(
        [sys.executable, "-m", "flowdesk", "connect", "--help"], env=env, capture_output=True, timeout=60, cwd=tmp_path
    )
    assert helped.returncode == 0, helped.stderr.decode("utf-8", "replace")
    assert "My Account → API Keys" in helped.stdout.decode("utf-8")
    assert b"\r\n" not in helped.stdout

    bad = subprocess.run(
        [sys.executable, "-m", "flowdesk", "render", str(home / "żółw.json")],
        env=env, capture_output=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode("utf-8").count("\n") == 1 and "żółw.json" in bad.stderr.decode("utf-8")


# ---------------------------------------------------------------- \r\n consoles: redact and render


def crlf_console(monkeypatch, stdin: bytes = b"") -> io.TextIOWrapper:
    """A stdout as Windows opens a redirected one (cp1252, strict, \\n written as \\r\\n); stdin likewise."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="cp1252", errors="strict", newline="\r\n")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(io.BytesIO(), encoding="cp1252", newline="\r\n"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="cp1252", newline=None))
    return out


def written(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_redact_keeps_the_inputs_own_line_ends_on_a_crlf_console(monkeypatch):
    text = "Ran net use Z: \\\\fs01\\share /user:corp\\jo P@ssw0rd!\r\nCalled jo@contoso.com — done\r\nlast line\n"
    out = crlf_console(monkeypatch, text.encode("utf-8"))
    err = sys.stderr
    assert main(["redact"]) == 0
    data = written(out)
    assert b"\r\r\n" not in data
    assert data == (
        "Ran net use Z: [UNC PATH REDACTED] /user:corp\\jo [PASSWORD REDACTED]\r\n"
        "Called [EMAIL REDACTED] — done\r\nlast line\n"
    ).encode()
    assert json.loads(written(err).decode("utf-8"))["email"] == 1


@pytest.mark.usefixtures("restore_logging")
def test_render_prints_what_linux_prints_byte_for_byte_on_a_crlf_console(monkeypatch):
    linux = subprocess.run(
        [sys.executable, "-m", "flowdesk", "render", str(SAMPLE)], capture_output=True, timeout=60, check=True
    ).stdout
    assert b"\r" not in linux and "═══".encode() in linux
    out = crlf_console(monkeypatch)
    assert main(["render", str(SAMPLE)]) == 0
    assert written(out) == linux


# ---------------------------------------------------------------- stdin: bytes, UTF-8, a BOM


def piped(monkeypatch, data: bytes, encoding: str = "cp1252") -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding=encoding))


@pytest.mark.parametrize(
    "data",
    [
        "\ufeffPässw0rd\r\n".encode(),  # Windows PowerShell 5.1: UTF-8 with a byte-order mark
        "Pässw0rd\n".encode(),  # PowerShell 7, Git Bash, cmd with chcp 65001
        "Pässw0rd\r\n".encode("cp1252"),  # a legacy code page: the stream's own encoding
    ],
)
def test_a_piped_secret_arrives_as_typed(monkeypatch, data):
    from flowdesk.commands.connect import _read_private_key
    from flowdesk.commands.sessions import _read_secret

    piped(monkeypatch, data)
    assert _read_secret("password", one_word=False) == "Pässw0rd"
    piped(monkeypatch, data.replace("ä".encode(), b"a").replace("ä".encode("cp1252"), b"a"))
    assert _read_private_key() == "Passw0rd"


def test_a_secret_in_no_known_encoding_is_one_line_of_bad_input(monkeypatch):
    from flowdesk.commands.base import CommandError
    from flowdesk.commands.sessions import _read_secret

    piped(monkeypatch, b"\xff\xfe\x00P", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        _read_secret("password", one_word=False)
    assert (info.value.code, str(info.value)) == (2, "the password on stdin is not UTF-8 text")


def test_no_stdin_at_all(monkeypatch):
    from flowdesk.commands.base import CommandError
    from flowdesk.commands.connect import _read_private_key

    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(CommandError, match="no stdin to read the private key from"):
        _read_private_key()


# ---------------------------------------------------------------- the log: one file per kind, failures said once


@pytest.mark.usefixtures("restore_logging")
def test_the_window_and_the_commands_log_to_files_of_their_own(monkeypatch, flowdesk_home, capsys):
    import flowdesk.cli
    import flowdesk.selfcheck

    def fake(what: str):
        def run(ctx, demo=False, tray=False):
            get_logger("ui").info("%s ran", what)
            return 0

        return run

    monkeypatch.setattr(flowdesk.cli, "run_gui", fake("the window"))
    monkeypatch.setattr(flowdesk.selfcheck, "run_self_check", fake("a command"))
    assert main([]) == 0
    assert main(["--self-check"]) == 0
    paths = AppPaths.from_env()
    assert paths.log_file.name == "flowdesk.log" and paths.cli_log_file.name == "flowdesk-cli.log"
    window, commands = (f.read_text(encoding="utf-8") for f in (paths.log_file, paths.cli_log_file))
    assert "the window ran" in window and "a command ran" not in window
    assert "a command ran" in commands and "the window ran" not in commands


def emit(n: int) -> None:
    log = get_logger("store")
    for i in range(n):
        log.info("record %03d %s", i, "x" * 40)


@pytest.mark.usefixtures("restore_logging")
def test_a_log_another_process_holds_open_keeps_being_written_and_is_reported_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(logs, "MAX_BYTES", 500, raising=False)
    path = tmp_path / "logs" / "flowdesk-cli.log"
    setup_logging(path)
    emit(1)
    holder = open(path, "a", encoding="utf-8")  # noqa: SIM115 - another process's handle (Windows: no FILE_SHARE_DELETE)
    if sys.platform != "win32":  # what Windows does to a rename of a file open elsewhere (WinError 32)
        real_rename = os.rename

        def rename(src, dst, *args, **kwargs):
            if Path(src) == path:
                raise PermissionError(13, "The process cannot access the file because it is being used by another process")
            return real_rename(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "rename", rename)
    try:
        emit(60)
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"flowdesk: warning: cannot rotate the log {path}")
    text = path.read_text(encoding="utf-8")
    assert "record 059" in text and text.count("record ") == 61  # nothing lost, all in the one file
    monkeypatch.undo()
    emit(1)  # once the other process let go, rotation works again
    assert path.with_name("flowdesk-cli.log.1").exists()


class FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


@pytest.mark.usefixtures("restore_logging")
def test_a_full_disk_is_reported_once_not_per_record(tmp_path, monkeypatch, capsys):
    path = tmp_path / "logs" / "flowdesk.log"
    setup_logging(path)
    [handler] = [h for h in logging.getLogger("flowdesk").handlers if isinstance(h, logging.FileHandler)]
    monkeypatch.setattr(handler, "_open", lambda: FullDisk())
    emit(25)
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert err == f"flowdesk: warning: cannot write the log {path} (No space left on device); log lines are being lost\n"


@pytest.mark.usefixtures("restore_logging")
def test_a_log_folder_that_went_away_is_reported_once(tmp_path, capsys):
    path = tmp_path / "logs" / "flowdesk.log"
    setup_logging(path)
    (tmp_path / "logs").rmdir()
    (tmp_path / "logs").write_text("a file where the folder was", encoding="utf-8")
    emit(10)
    err = capsys.readouterr().err
    assert "Logging error" not in err and err.count("\n") == 1
    assert err.startswith(f"flowdesk: warning: cannot write the log {path} (")


# ---------------------------------------------------------------- dates before 1970 (Windows' C library)


class WindowsDatetime(datetime):
    """``datetime`` as Windows' C library makes it behave: no local time before 1970."""

    @classmethod
    def fromtimestamp(cls, t, tz=None):  # type: ignore[override]
        if t < 0:
            raise OSError(22, "Invalid argument")
        return super().fromtimestamp(t, tz)

    def astimezone(self, tz=None):  # type: ignore[override]
        if tz is None and self.timestamp() < 0:
            raise OSError(22, "Invalid argument")
        return super().astimezone(tz)


PLACEHOLDER = WindowsDatetime(1, 1, 1, tzinfo=UTC)  # ResolutionFlow's / ConnectWise's "no date"


def test_placeholder_dates_in_the_session_list_of_the_window(monkeypatch):
    import flowdesk.ui.models as models

    monkeypatch.setattr(models, "datetime", WindowsDatetime)
    assert models.local_time(PLACEHOLDER).startswith("0001-01-01 ")
    assert len(models.local_time(PLACEHOLDER, with_date=False)) == 5
    assert models.short_time(PLACEHOLDER, now=datetime(2026, 11, 18, tzinfo=UTC)) == "0001-01-01"
    assert models.local_time(WindowsDatetime(1969, 7, 20, 20, 17, tzinfo=UTC)).startswith("1969-07-2")


def test_placeholder_dates_in_sessions_list(monkeypatch):
    from flowdesk.commands.sessions import _when
    from flowdesk.core.localtime import to_local

    assert _when(PLACEHOLDER).startswith("0001-01-01 ")
    assert _when(WindowsDatetime(2026, 11, 18, 14, 40, tzinfo=UTC)) == to_local(
        datetime(2026, 11, 18, 14, 40, tzinfo=UTC)
    ).isoformat(" ", "minutes")[:16]


def test_rendering_a_folder_says_it_is_a_folder_as_windows_refuses_it(tmp_path, monkeypatch, capsys):
    """Windows opens a folder as a file with PermissionError (access denied), not IsADirectoryError."""
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        if self.is_dir():
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["render", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"flowdesk: {tmp_path}: is a folder, not a session file\n"
    setup_logging(None)


# ---------------------------------------------------------------- a Windows checkout keeps the exact bytes


@pytest.mark.skipif(sys.platform == "win32", reason="Wine: CI's Windows prefix has no git for Windows")
def test_golden_files_samples_and_the_corpus_keep_their_bytes_on_a_windows_checkout():
    git = require_executable("git")
    files = [
        *sorted((REPO / "tests" / "golden").glob("*.txt"))[:2],
        SAMPLE,
        *sorted((REPO / "tests" / "core" / "redaction_corpus").glob("*")),
        REPO / ".ci" / "windows",
    ]
    rel = [str(f.relative_to(REPO)) for f in files]
    out = subprocess.run(
        [git, "-c", "core.autocrlf=true", "check-attr", "text", "eol", "--", *rel],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    attrs: dict[str, dict[str, str]] = {}
    for line in out.splitlines():
        name, attr, value = line.rsplit(": ", 2)
        attrs.setdefault(name, {})[attr] = value
    for name in rel:
        assert attrs[name]["text"] == "unset" or attrs[name]["eol"] == "lf", (name, attrs[name])
