"""Text from data on a terminal: control characters, ANSI escapes and bidi overrides are shown as escapes in
every text-output command; ``--json`` stays exact. A push queued for a ticket ConnectWise cannot have fails
visibly instead of tripping the drain (issue 16)."""

from __future__ import annotations

import io
import json
import sqlite3
import sys

import pytest

from flowdesk.cli import main
from flowdesk.core.terminal import printable
from flowdesk.paths import AppPaths
from tests.badinput.conftest import run_process
from tests.commands.test_queue import OUTLOOK
from tests.conftest import WINDOWS

# clear the screen, set the window title, ring the bell, reverse the rest of the line, a forged line
EVIL = "Printer \x1b[2J\x1b]0;pwned\x07 down \u202eTXT.exe\u202c\r\nSent 99 · failed 0\x9b"
RAW = ("\x1b", "\x07", "\u202e", "\u202c", "\r", "\x9b")


def test_printable_shows_every_control_as_an_escape():
    assert printable(EVIL) == (
        "Printer \\x1b[2J\\x1b]0;pwned\\x07 down \\u202eTXT.exe\\u202c\\x0d\\x0aSent 99 · failed 0\\x9b"
    )
    assert printable("line one\n\tline two\r\nthree\rover", lines=True) == "line one\n\tline two\r\nthree\\x0dover"
    assert printable("Müller – “ok” ✓ 日本") == "Müller – “ok” ✓ 日本"  # ordinary text is left alone
    assert printable("\ud800") == "\\ud800"


@pytest.mark.parametrize("char", [chr(c) for c in (*range(0, 9), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))]
    + ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))])
def test_no_control_survives(char):
    assert char not in printable(f"a{char}b") and char not in printable(f"a{char}b", lines=True)


def test_sessions_list_shows_escapes_and_json_stays_exact(cli, flowdesk_home, tmp_path):
    session = json.loads(OUTLOOK.read_text(encoding="utf-8"))
    session.update(problem_summary=EVIL, client_name="Contoso\x1b[31m Ltd\u202e")
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    assert cli("import", str(path)).code == 0

    listed = cli("sessions", "list")
    assert listed.code == 0 and listed.err == ""
    assert not any(c in listed.out for c in RAW), repr(listed.out)
    assert "Printer \\x1b[2J" in listed.out and "Contoso\\x1b[31m Ltd\\u202e" in listed.out
    assert listed.out.count("\n") == 1  # the forged line stays on the session's line

    [row] = json.loads(cli("sessions", "list", "--json").out)
    assert row["summary"] == EVIL.split("\r\n")[0].strip() and row["client_name"] == "Contoso\x1b[31m Ltd\u202e"


def test_queue_list_shows_a_server_message_with_escapes(connected, cli, flowdesk_home):
    assert cli("push", str(OUTLOOK)).code == 0
    conn = sqlite3.connect(AppPaths.from_env().database_file)
    conn.execute("UPDATE push_jobs SET state = 'failed', last_error = ? WHERE id = 1", (f"ConnectWise says: {EVIL}",))
    conn.commit()
    conn.close()
    listed = cli("queue", "list")
    assert listed.code == 0 and not any(c in listed.out for c in RAW), repr(listed.out)
    assert "\\x1b[2J" in listed.out
    exact = json.loads(cli("queue", "list", "--json").out)
    assert exact["jobs"][0]["last_error"] == f"ConnectWise says: {EVIL}"


def test_an_error_line_naming_a_file_stays_one_line(cli, tmp_path):
    path = tmp_path / "two\nlines\x1b[2J.json"
    # Windows refuses control characters in a name (ERROR_INVALID_NAME) instead of finding no such file
    line = cli("render", str(path)).one_line(2, "is not a usable file name" if WINDOWS else "no such file")
    assert "two\\x0alines\\x1b[2J.json" in line


def test_the_real_terminal_never_sees_the_escapes(flowdesk_home, tmp_path):
    session = json.loads(OUTLOOK.read_text(encoding="utf-8"))
    session.update(problem_summary=EVIL)
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    assert run_process("import", str(path), home=flowdesk_home).code == 0
    done = run_process("sessions", "list", home=flowdesk_home)
    assert done.code == 0 and not any(c in done.out for c in RAW)


def test_a_queued_push_for_an_impossible_ticket_fails_visibly(connected, cli, sandbox_admin, flowdesk_home):
    """An outbox from before ticket numbers were checked (or edited by hand): the drain sends nothing for it,
    marks it Failed with words, and does not stop or leave it Checking."""
    assert cli("push", str(OUTLOOK), "--no-time-entry").code == 0
    conn = sqlite3.connect(AppPaths.from_env().database_file)
    conn.execute("UPDATE push_jobs SET ticket_id = -5")
    conn.commit()
    conn.close()
    drained = cli("queue", "drain")
    assert drained.code == 1 and drained.err == "", drained
    assert "failed 1" in drained.out
    listed = cli("queue", "list", "--json")
    [job] = json.loads(listed.out)["jobs"]
    assert job["state"] == "failed" and "ticket #-5" in job["last_error"]
    assert not [r for r in sandbox_admin.ledger()["requests"] if r["method"] == "POST"]  # nothing was sent
    again = cli("queue", "drain")
    assert again.code == 0 and again.err == ""  # nothing due: the drain does not trip on it again


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_render_on_a_terminal_shows_escapes_and_a_pipe_gets_the_exact_note(cli, monkeypatch, tmp_path):
    session = json.loads(OUTLOOK.read_text(encoding="utf-8"))
    session.update(problem_summary="Printer \x1b[2J down \u202eexe.txt")
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    piped = cli("render", "--no-redact", str(path))
    assert "Printer \x1b[2J down \u202eexe.txt" in piped.out  # exact: a file or the clipboard gets the note
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert main(["render", "--no-redact", str(path)]) == 0
    shown = sys.stdout.getvalue()
    assert "Printer \\x1b[2J down \\u202eexe.txt" in shown and "\x1b" not in shown
    assert shown.replace("\\x1b[2J", "\x1b[2J").replace("\\u202e", "\u202e") == piped.out


def test_a_name_windows_refuses_is_one_line_saying_so(cli, monkeypatch, tmp_path):
    """Windows answers a name with a control character or ``<>:"|?*`` with ERROR_INVALID_NAME (EINVAL), not
    "no such file": simulated here, since Linux takes any byte but ``/`` and NUL."""
    import errno
    import os

    path = tmp_path / 'what?.json'

    real_stat = os.stat

    def invalid_name(p, *args, **kwargs):
        if str(p) == str(path):
            raise OSError(errno.EINVAL, "The filename, directory name, or volume label syntax is incorrect", str(p))
        return real_stat(p, *args, **kwargs)

    monkeypatch.setattr(os, "stat", invalid_name)
    cli("render", str(path)).one_line(2, f"{path}: is not a usable file name")
