"""A broken environment — a full disk, a read-only data folder, a drain lock FlowDesk may not write, a data
home without permission, a log folder that cannot be written, an error nobody foresaw — is one line naming
the folder and the fix, exit 1, nothing half-written, never a traceback on the terminal (issue 16).

A full disk is SQLite's own SQLITE_FULL (``PRAGMA max_page_count`` at the file's size) where a write needs
new pages, and the same error made at the sqlite boundary where it does not (an UPDATE fits its page);
a read-only folder and a forbidden one are the errors the OS gives (``EROFS``, ``EACCES``) raised where
FlowDesk opens the file: the suite runs as root, whom ``chmod`` does not stop."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest

from flowdesk.paths import AppPaths
from flowdesk.store import db as store_db
from tests.badinput.conftest import db_rows, disk, run_process
from tests.commands.test_queue import OUTLOOK
from tests.conftest import posix_only, wine_limit

FULL = (13, "database or disk is full")
READ_ONLY = (8, "attempt to write a readonly database")


class FailingWrites:
    """A connection whose writes fail with one SQLite error (reads and the schema work)."""

    def __init__(self, conn: sqlite3.Connection, code: int, message: str) -> None:
        self._conn, self._code, self._message = conn, code, message

    def execute(self, sql: str, *args):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE")):
            exc = sqlite3.OperationalError(self._message)
            exc.sqlite_errorcode = self._code  # type: ignore[attr-defined]
            raise exc
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args):
        self.execute(sql, *args[:0])
        return self._conn.executemany(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def fail_writes(monkeypatch, error: tuple[int, str]) -> None:
    real_open = store_db.Database._open
    monkeypatch.setattr(store_db.Database, "_open", lambda self: FailingWrites(real_open(self), *error))


def database() -> Path:
    return AppPaths.from_env().database_file


def test_a_full_disk_in_push_is_one_line_and_queues_nothing(connected, cli, tmp_path, monkeypatch, flowdesk_home):
    assert cli("queue", "list").code == 0  # the database exists, at its size
    real_open = store_db.Database._open

    def full_at_this_size(self):
        conn = real_open(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL for the next new page
        return conn

    monkeypatch.setattr(store_db.Database, "_open", full_at_this_size)
    edited = tmp_path / "note.txt"
    edited.write_text("A long note. " * 7_000, encoding="utf-8")  # needs pages the file may not grow by
    before = db_rows(flowdesk_home)
    done = cli("push", str(OUTLOOK), "--text-file", str(edited))
    done.one_line(1, f"The disk holding {database()} is full: free some space and try again. Nothing was changed.")
    assert done.out == "" and db_rows(flowdesk_home) == before


@pytest.mark.parametrize(("action", "error", "words"), [
    ("cancel", FULL, "is full: free some space"),
    ("retry", FULL, "is full: free some space"),
    ("cancel", READ_ONLY, "is on a read-only disk or folder"),
    ("retry", READ_ONLY, "is on a read-only disk or folder"),
])  # fmt: skip
def test_queue_actions_on_a_full_or_read_only_disk(connected, cli, monkeypatch, flowdesk_home, action, error, words):
    assert cli("push", str(OUTLOOK)).code == 0
    before = db_rows(flowdesk_home)
    fail_writes(monkeypatch, error)
    done = cli("queue", action, "1")
    line = done.one_line(1, str(database()), words, "Nothing was changed.")
    assert "Traceback" not in line and db_rows(flowdesk_home) == before


def test_a_full_disk_in_import_keeps_the_cache_as_it_was(cli, monkeypatch, flowdesk_home):
    assert cli("sessions", "list").code == 0
    before = db_rows(flowdesk_home)
    fail_writes(monkeypatch, FULL)
    cli("import", str(OUTLOOK)).one_line(1, "is full")
    assert db_rows(flowdesk_home) == before


@pytest.mark.parametrize(("error", "words"), [
    (PermissionError(errno.EACCES, "Permission denied"), "FlowDesk may not write to {lock} (permission denied)"),
    (OSError(errno.EROFS, "Read-only file system"), "{lock} is on a read-only disk or folder"),
])  # fmt: skip
def test_a_drain_lock_that_cannot_be_written_is_one_line(connected, cli, monkeypatch, flowdesk_home, error, words):
    assert cli("push", str(OUTLOOK)).code == 0
    before = db_rows(flowdesk_home)
    lock = AppPaths.from_env().drain_lock_file
    real_open = os.open

    def refused(path, *args, **kwargs):
        if Path(path) == lock:
            raise type(error)(error.errno, error.strerror, str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("flowdesk.push.lock.os.open", refused)
    line = cli("queue", "drain").one_line(1, words.format(lock=lock))
    assert "set FLOWDESK_HOME to a folder you own" in line
    assert db_rows(flowdesk_home) == before


@pytest.mark.parametrize("command", [("sessions", "list"), ("queue", "list"), ("import", str(OUTLOOK))])
def test_a_data_home_without_permission_is_one_line(cli, monkeypatch, flowdesk_home, command):
    real_mkdir = Path.mkdir

    def forbidden(self, *args, **kwargs):
        if self == flowdesk_home or flowdesk_home in self.parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", forbidden)
    data = AppPaths.from_env().data_dir
    line = cli(*command).one_line(1, f"FlowDesk may not write to {data} (permission denied)")
    assert line.endswith("give your user write access to it, or set FLOWDESK_HOME to a folder you own. Nothing was changed.")
    assert not flowdesk_home.exists()  # nothing made, nothing half-written


def test_a_data_home_under_a_file_is_one_line_in_a_real_process(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    done = run_process("sessions", "list", home=blocker / "flowdesk")
    done.one_line(1, "FlowDesk cannot use", "check the folder and the disk")
    assert blocker.read_text(encoding="utf-8") == "a file where the folder should be"


def test_a_log_that_cannot_be_written_is_said_once_after_the_output(cli, flowdesk_home):
    flowdesk_home.mkdir()
    (flowdesk_home / "logs").write_text("a file where the log folder should be", encoding="utf-8")
    done = cli("render", str(OUTLOOK))
    assert done.code == 0 and done.out.startswith("═══ FlowPilot ")
    done.one_line(0, "warning: cannot write the log", "logging to the console only")


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log_masked(cli, monkeypatch, flowdesk_home):
    def boom(*args, **kwargs):
        raise RuntimeError("render broke; password=Hunter2-very-secret")

    monkeypatch.setattr("flowdesk.commands.notes.render_note", boom)
    log = AppPaths.from_env().cli_log_file
    line = cli("render", str(OUTLOOK)).one_line(1, "Unexpected error (RuntimeError)", f"the details are in {log}")
    assert "Hunter2" not in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: render broke" in text
    assert "Hunter2-very-secret" not in text


def test_an_unexpected_error_without_a_log_still_is_one_line(cli, monkeypatch, flowdesk_home):
    flowdesk_home.mkdir()
    (flowdesk_home / "logs").write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr("flowdesk.commands.notes.render_note", lambda *a, **k: 1 / 0)
    cli("render", str(OUTLOOK)).one_line(1, "Unexpected error (ZeroDivisionError); no log could be written")


def test_input_too_deep_for_python_says_to_check_the_file_not_to_report_a_bug(cli, monkeypatch, flowdesk_home):
    """It said "Unexpected error (the input is nested too deeply to handle); … Please report it.": FlowDesk handled
    it as it should; the engineer has a file to check, no bug to report."""
    def deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("flowdesk.commands.notes.render_note", deep)
    log = AppPaths.from_env().cli_log_file
    line = cli("render", str(OUTLOOK)).one_line(1, "The input is nested too deeply for FlowDesk to handle: check the file you gave it")
    assert line.endswith(f"; the details are in {log}.") and "Unexpected" not in line and "report" not in line


# -- settings.json: one warning line, the command goes on with the defaults -----------------------------------
def settings_file() -> Path:
    return AppPaths.from_env().settings_file


def test_settings_nested_200000_deep_on_every_command(flowdesk_home):
    path = settings_file()
    path.parent.mkdir(parents=True)
    deep = '{"redaction": ' + "[" * 200_000 + "]" * 200_000 + "}"
    # render reads the settings; the lists never need them (nothing to say, nothing moved)
    for argv, reads in ((("render", str(OUTLOOK)), True), (["render", "--no-redact"] + [str(OUTLOOK)], True), (("sessions", "list"), False), (("queue", "list"), False)):
        path.write_text(deep, encoding="utf-8")
        done = run_process(*argv, home=flowdesk_home)
        asides = list(path.parent.glob("settings.json.corrupt-*"))
        if not reads:
            assert (done.code, done.err, asides) == (0, "", []), done
            continue
        line = done.one_line(0, f"settings: {path} was unreadable (nested more than 100 levels deep")
        assert "kept it as settings.json.corrupt-" in line
        assert [a.read_text(encoding="utf-8") for a in asides] == [deep]  # kept aside, byte for byte
        asides[0].unlink()


@pytest.mark.parametrize("kind", [
    pytest.param("fifo", marks=posix_only("Windows has no FIFOs in the file system (its named pipes are not files)")),
    "huge",
    "folder",
    pytest.param("loop", marks=wine_limit("CreateSymbolicLinkW reports success and creates nothing (Wine 8)")),
])
def test_a_settings_file_that_is_not_one_is_left_alone(flowdesk_home, kind):
    path = settings_file()
    path.parent.mkdir(parents=True)
    words = {
        "fifo": "not a regular file (a pipe)",
        "huge": "file is 2 MB; the limit is 1 MB",
        "folder": "is a folder, not a file",
        "loop": "is a symbolic link that loops",
    }[kind]
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with path.open("wb") as fh:
            fh.truncate(2 * 1024 * 1024)
    elif kind == "folder":
        path.mkdir()
    else:
        os.symlink(path, path)
    before = sorted(p.name for p in path.parent.iterdir())
    done = run_process("render", str(OUTLOOK), home=flowdesk_home, timeout=30)
    line = done.one_line(0, f"settings: {path}: {words}; using defaults")
    assert line.startswith("flowdesk: warning: ") and done.out.startswith("═══ FlowPilot ")
    assert sorted(p.name for p in path.parent.iterdir()) == before


def test_the_database_and_settings_are_not_touched_by_a_refused_file(cli, flowdesk_home, tmp_path):
    assert cli("import", str(OUTLOOK)).code == 0
    before = disk(flowdesk_home)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "psa_ticket_id": -5}), encoding="utf-8")
    cli("render", str(bad)).one_line(2, "psa_ticket_id: -5 is not a ConnectWise ticket number")
    assert disk(flowdesk_home) == before


def test_a_full_disk_in_drain_sends_nothing_and_is_one_line(connected, cli, sandbox_admin, monkeypatch, flowdesk_home):
    assert cli("push", str(OUTLOOK)).code == 0
    before = db_rows(flowdesk_home)
    fail_writes(monkeypatch, FULL)
    cli("queue", "drain").one_line(1, f"The disk holding {database()} is full")
    assert db_rows(flowdesk_home) == before
    assert not [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"]  # not marked sending: not sent


def damage_page_of(path: Path, index: str) -> None:
    """Overwrite the root page of one of the database's indexes: the file opens, a read through it fails."""
    conn = sqlite3.connect(path)
    try:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    with path.open("r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write(b"\xff" * size)


def test_a_page_found_damaged_mid_command_names_the_file_and_the_fix(cli, flowdesk_home):
    """It said "FlowDesk cannot use FlowDesk's database (database disk image is malformed): check the folder
    and the disk", naming neither the file nor moving it aside, as a damage found on opening it does."""
    assert cli("import", str(OUTLOOK.parent)).code == 0
    damage_page_of(database(), "sessions_newest")
    before = database().read_bytes()
    cli("sessions", "list", "--limit", "2").one_line(
        1, f"FlowDesk's database {database()} is damaged or is not a database (database disk image is malformed)",
        "move the file aside (for example rename it to flowdesk.sqlite3.broken)",
    )  # fmt: skip
    assert database().read_bytes() == before


def test_a_database_another_program_locks_is_one_line_saying_so(cli, flowdesk_home, monkeypatch):
    assert cli("import", str(OUTLOOK)).code == 0
    monkeypatch.setitem(store_db.Database.__init__.__kwdefaults__, "busy_timeout_ms", 50)
    other = sqlite3.connect(database(), isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        before = db_rows(flowdesk_home)
        cli("queue", "pause").one_line(1, f"FlowDesk's database {database()} is locked by another program", "try again")
        assert db_rows(flowdesk_home) == before
    finally:
        other.close()


def test_a_settings_file_that_is_a_folder_says_to_move_it_when_saving(cli, sandbox, flowdesk_home):
    """connect said "could not be written (Is a directory): run the same command again", which failed the same
    way; signin said "cannot write the settings (Is a directory)", naming no file."""
    path = settings_file()
    path.mkdir(parents=True)
    cw, rf = sandbox.info.connectwise, sandbox.info.resolutionflow
    done = cli(
        "connect", "--site", cw.site, "--company", cw.company, "--public-key", cw.public_key, "--private-key-stdin",
        "--client-id", cw.client_id, stdin=cw.private_key,
    )  # fmt: skip
    moved = f"the settings file {path} could not be written: it is a folder, not a file; move it aside"
    assert done.code == 1 and done.err.count("\n") == 2 and "Traceback" not in done.err  # the warning on reading it, then this
    assert done.err.splitlines()[-1] == f"flowdesk: the keys are in the OS keyring, but {moved}. Then run the same command again."
    done = cli("signin", "--url", rf.url, "--email", rf.email, "--password-stdin", stdin=rf.password)
    assert done.code == 1 and done.err.splitlines()[-1] == f"flowdesk: {moved}. Nothing was saved: sign in again then."
    assert path.is_dir() and list(path.iterdir()) == []
