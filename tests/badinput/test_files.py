"""Bad session files, exports and text files: one line naming the file and what is wrong, exit 2, nothing
written (issue 16). The UTF-16 export Windows PowerShell 5.1 writes imports and renders."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest

from flowdesk.core.models import MAX_TICKET_ID
from flowdesk.core.userfile import MAX_JSON_DEPTH
from tests.badinput.conftest import db_rows, disk, run_process
from tests.conftest import SAMPLES, UNDER_WINE, WINDOWS, posix_only, wine_limit

OUTLOOK = SAMPLES / "01-outlook-credential-loop.json"
TOO_DEEP = f"nested more than {MAX_JSON_DEPTH} levels deep"
# A device in the file system: Windows' is a reserved name (NUL), which every folder holds
DEVICE = Path("NUL") if WINDOWS else Path("/dev/zero")
NO_SYMLINKS = "CreateSymbolicLinkW reports success and creates nothing (Wine 8)"


def deep_session(levels: int) -> str:
    return '{"id": "deep", "status": "resolved", "action_result": ' + "[" * levels + "]" * levels + "}"


def session_with(**fields: object) -> str:
    data = json.loads(OUTLOOK.read_text(encoding="utf-8"))
    data.update(fields)
    return json.dumps(data)


@pytest.fixture
def home(flowdesk_home: Path) -> Path:
    return flowdesk_home


def bad_file_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name → (path, words the one line must hold)."""
    cases: dict[str, tuple[Path, str]] = {}

    def file(name: str, text: str | bytes) -> Path:
        p = tmp_path / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return p

    cases["nested 3,000 deep"] = (file("deep.json", deep_session(3000)), TOO_DEEP)
    cases["nested 200,000 deep"] = (file("deeper.json", deep_session(200_000)), TOO_DEEP)
    long_number = '{"id": "long", "status": "resolved", "confidence_score": ' + "1" * 5000 + "}"
    cases["a 5,000-digit number"] = (file("long-number.json", long_number), "a number too long to read")
    cases["ticket 10^20"] = (file("big-ticket.json", session_with(psa_ticket_id=10**20)), f"1 to {MAX_TICKET_ID}")
    cases["ticket -5"] = (file("neg-ticket.json", session_with(psa_ticket_id=-5)), "-5 is not a ConnectWise ticket number")
    cases["ticket '99999999999999999999'"] = (
        file("str-ticket.json", session_with(psa_ticket_id="99999999999999999999")),
        "99999999999999999999 is not a ConnectWise ticket number",
    )
    if not UNDER_WINE:
        loop = tmp_path / "loop.json"
        os.symlink(loop, loop)
        cases["symlink loop"] = (loop, "symbolic link that loops")
    if hasattr(os, "mkfifo"):  # POSIX: Windows has no FIFOs in the file system
        fifo = tmp_path / "pipe.json"
        os.mkfifo(fifo)
        cases["FIFO"] = (fifo, "not a regular file (a pipe)")
    cases["device"] = (DEVICE, "not a regular file (a device)")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    cases["folder"] = (folder, "is a folder")
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:  # sparse: 65 MB on paper, nothing on the disk
        fh.truncate(65 * 1024 * 1024)
    cases["65 MB"] = (huge, "file is 65 MB; the limit is 64 MB")
    cases["UTF-16 cut in half"] = (file("odd.json", b"\xff\xfe{\x00}"), "not UTF-8 text, nor UTF-16")
    whole = session_with()
    cases["Latin-1"] = (
        file("latin1.json", '{"problem_summary": "Caf\u00e9"}'.encode("latin-1")),  # Notepad's "ANSI"
        "not UTF-8 text (bad byte at offset 24): save it as UTF-8 (in Notepad: Save as, Encoding UTF-8) and try again",
    )
    cases["UTF-16 without a byte-order mark"] = (
        file("u16.json", whole.encode("utf-16-le")), "UTF-16 text without a byte-order mark: save it as UTF-8",
    )
    cases["a NUL byte"] = (
        file("nul-byte.json", whole[:40] + "\x00" + whole[40:]),  # not "nul.json": NUL is a device on Windows
        "not valid JSON: a NUL byte at line 1, column 41, so the file is damaged (a copy or save cut short): export "
        "or copy it again",
    )
    cases["all NUL bytes"] = (file("zeros.json", b"\x00" * 4096), "not valid JSON: a NUL byte at line 1, column 1, so ")
    cases["NUL bytes after the JSON"] = (file("padded.json", whole.encode() + b"\x00" * 512), "a NUL byte at ")
    zipped = tmp_path / "export.json"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:  # a zipped export, renamed
        z.writestr("export.json", whole)
    binary = "not a text file (it holds binary data, such as a zip or a database): give FlowDesk the JSON or text file itself"
    cases["a zip"] = (zipped, binary)
    database = tmp_path / "cache.json"
    sqlite3.connect(database).execute("CREATE TABLE t (x)").connection.close()
    cases["a SQLite database"] = (database, binary)
    cases["cut short"] = (
        file("cut.json", whole[: whole.index('"steps"') + 9]),
        "not valid JSON: the file ends before its JSON does (line 1, column ",
    )
    cases["cut inside a string"] = (
        file("cut-string.json", whole[: whole.index('"steps"') + 4]),
        "; the file may have been cut short: export or copy it again",
    )
    cases["a comma too many"] = (
        file("comma.json", whole.replace('"status":', '"status":,', 1)),
        "not valid JSON: Expecting value (line 1, column ",
    )
    return cases


CASES = [
    "nested 3,000 deep",
    "nested 200,000 deep",
    "a 5,000-digit number",
    "ticket 10^20",
    "ticket -5",
    "ticket '99999999999999999999'",
    pytest.param("symlink loop", marks=wine_limit(NO_SYMLINKS)),
    pytest.param("FIFO", marks=posix_only("Windows has no FIFOs in the file system (its named pipes are not files)")),
    "device",
    "folder",
    "65 MB",
    "UTF-16 cut in half",
    "cut short",
    "cut inside a string",
    "a comma too many",
    "Latin-1",
    "UTF-16 without a byte-order mark",
    "a NUL byte",
    "all NUL bytes",
    "NUL bytes after the JSON",
    "a zip",
    "a SQLite database",
]


@pytest.mark.parametrize("case", CASES)
def test_render_refuses_a_bad_file_with_one_line(cli, home, tmp_path, case):
    path, words = bad_file_cases(tmp_path)[case]
    before = disk(home)
    done = cli("render", str(path))
    line = done.one_line(2, str(path), words)
    assert line.startswith("flowdesk: ") and done.out == ""
    assert disk(home) == before


@pytest.mark.parametrize("case", CASES)
def test_push_refuses_a_bad_file_and_queues_nothing(cli, home, tmp_path, case):
    path, words = bad_file_cases(tmp_path)[case]
    done = cli("push", str(path), "--ticket", "48211")
    done.one_line(2, str(path), words)
    assert db_rows(home) == []


IMPORT_WORDS = {"folder": "no *.json files in this folder"}  # a folder is what import reads files from


@pytest.mark.parametrize("case", [c for c in CASES if c != "65 MB"])  # import's own limit: test_importer
def test_import_reports_a_bad_file_and_imports_the_rest(cli, home, tmp_path, case):
    path, words = bad_file_cases(tmp_path)[case]
    words = IMPORT_WORDS.get(case, words)
    done = cli("import", str(path), str(OUTLOOK))
    assert done.code == 1, done.err  # some files could not be imported
    assert done.err == ""
    lines = done.out.splitlines()
    assert lines[0].startswith(str(path)) and words in lines[0], lines
    assert lines[1] == f"{OUTLOOK}: 1 session (1 new, 0 updated, 0 unchanged)"
    assert cli("sessions", "list", "--json").out.count('"id"') == 1


def test_the_real_process_never_hangs_nor_prints_a_traceback(home, tmp_path):
    cases = bad_file_cases(tmp_path)
    for case in ("nested 200,000 deep", "FIFO", "device", "symlink loop"):
        if case not in cases:  # FIFO: POSIX only; symlink loop: not under Wine
            continue
        path, words = cases[case]
        run_process("render", str(path), home=home, timeout=30).one_line(2, words)
    run_process("import", str(tmp_path), home=home, timeout=60)  # the whole folder: no hang, no traceback


def test_a_json_object_that_is_not_a_session_is_refused(cli, home, tmp_path):
    path = tmp_path / "foo.json"
    path.write_text('{"foo": 1}', encoding="utf-8")
    line = cli("render", str(path)).one_line(2, str(path), "not a FlowPilot session")
    assert "id, status, problem_summary, title, steps, conversation_messages" in line
    cli("push", str(path), "--ticket", "48211").one_line(2, "not a FlowPilot session")
    path.write_text("{}", encoding="utf-8")
    cli("render", str(path)).one_line(2, "not a FlowPilot session")


@pytest.mark.parametrize("calls", [("open",), ("stat",), ("lstat", "stat")], ids=["file", "link", "folder on the way"])
def test_a_file_you_may_not_read_says_what_to_do(cli, home, tmp_path, monkeypatch, calls):
    """It said only "permission denied"; import, for a file in a folder you may not open, said "no such file or
    folder", or for a link to one stopped with "FlowDesk may not write to …" and imported nothing else.
    Simulated: the suite runs as root, whom chmod does not stop."""
    path = tmp_path / "theirs.json"
    path.write_bytes(OUTLOOK.read_bytes())

    def refusing(real):
        def refuse(p, *args, **kwargs):
            if Path(p) == path:
                raise PermissionError(13, "Permission denied", str(p))
            return real(p, *args, **kwargs)

        return refuse

    for name in calls:
        monkeypatch.setattr(os, name, refusing(getattr(os, name)))
    words = "permission denied: your user may not read it; copy it to a folder of yours, or change its permissions"
    cli("render", str(path)).one_line(2, f"{path}: {words}")
    done = cli("import", str(path), str(OUTLOOK))
    assert done.code == 1 and f"{path}: {words}" in done.out + done.err


@pytest.mark.parametrize("ticket", ["99999999999999999999", "0", "-5", str(MAX_TICKET_ID + 1)])
def test_push_refuses_a_ticket_number_connectwise_cannot_have(cli, home, ticket):
    line = cli("push", str(OUTLOOK), "--ticket", ticket).one_line(2, f"--ticket {ticket} is not a ConnectWise ticket number")
    assert f"(1 to {MAX_TICKET_ID})" in line
    assert db_rows(home) == []


def test_a_bad_text_file_is_refused_with_one_line(cli, home, tmp_path):
    cli("push", str(OUTLOOK), "--text-file", str(DEVICE)).one_line(2, f"{DEVICE}: not a regular file (a device)")
    assert db_rows(home) == []


@wine_limit(NO_SYMLINKS)
def test_a_text_file_that_is_a_symlink_loop_is_refused_with_one_line(cli, home, tmp_path):
    loop = tmp_path / "note.txt"
    os.symlink(loop, loop)
    cli("push", str(OUTLOOK), "--text-file", str(loop)).one_line(2, "symbolic link that loops")
    assert db_rows(home) == []


def test_a_lone_surrogate_is_answered_and_the_rest_of_the_import_goes_on(cli, home, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a-surrogate.json").write_text(
        session_with(id="lone", problem_summary="Outlook \\ud800 loop").replace("\\\\ud800", "\\ud800"), encoding="utf-8"
    )
    assert "\\ud800" in (folder / "a-surrogate.json").read_text(encoding="utf-8")
    (folder / "b-good.json").write_text(session_with(id="good"), encoding="utf-8")
    done = cli("import", str(folder))
    assert (done.code, done.err) == (0, ""), done
    assert done.out.splitlines()[-1].startswith("Imported 2 sessions from 2 files")
    listed = json.loads(cli("sessions", "list", "--json").out)
    assert {r["id"]: r["summary"] for r in listed}["lone"] == "Outlook \ufffd loop"
    rendered = cli("render", str(folder / "a-surrogate.json"))
    assert rendered.code == 0 and "Outlook \ufffd loop" in rendered.out and rendered.err == ""


def powershell_export(session: dict) -> bytes:
    """What Windows PowerShell 5.1's ``$s | ConvertTo-Json -Depth 10 | Out-File s.json`` writes: UTF-16 LE with a
    byte-order mark, CRLF line ends, its own indentation, non-ASCII as \\u escapes."""
    text = json.dumps(session, indent=4, ensure_ascii=True).replace("\n", "\r\n").replace('": ', '":  ')
    return b"\xff\xfe" + (text + "\r\n").encode("utf-16-le")


def test_a_powershell_utf16_export_imports_and_renders(cli, home, tmp_path):
    session = json.loads(OUTLOOK.read_text(encoding="utf-8"))
    session["client_name"] = "Müller & Söhne GmbH"
    session["problem_summary"] = "Outlook fragt ständig nach dem Kennwort – “Anmeldung” ✓"
    exported = tmp_path / "session.json"
    exported.write_bytes(powershell_export(session))
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(session), encoding="utf-8")

    rendered = cli("render", str(exported))
    assert (rendered.code, rendered.err) == (0, "")
    assert rendered.out == cli("render", str(plain)).out  # the same note as from the UTF-8 file
    assert "Outlook fragt ständig nach dem Kennwort – “Anmeldung” ✓" in rendered.out

    done = cli("import", str(exported))
    assert (done.code, done.err) == (0, ""), done
    [row] = json.loads(cli("sessions", "list", "--json").out)
    assert row["client_name"] == "Müller & Söhne GmbH"

    big_endian = tmp_path / "be.json"
    big_endian.write_bytes(b"\xfe\xff" + json.dumps(session).encode("utf-16-be"))
    assert cli("render", str(big_endian)).out == rendered.out


def test_redact_refuses_endless_stdin_with_one_line(home):
    import subprocess
    import sys

    with open("/dev/zero", "rb") as zero:
        p = subprocess.run(
            [sys.executable, "-m", "flowdesk", "redact"], stdin=zero, capture_output=True, timeout=60,
            env=dict(os.environ, FLOWDESK_HOME=str(home)),
        )  # fmt: skip
    assert (p.returncode, p.stdout) == (2, b"")
    assert p.stderr == b"flowdesk: stdin: more than 64 MB; the limit is 64 MB\n"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_id_is_no_id(cli, home, tmp_path, blank):
    """An id of spaces was imported and queued: a session the list showed with no id, that another blank-id
    export would have replaced."""
    path = tmp_path / "blank.json"
    path.write_text(session_with(id=blank), encoding="utf-8")
    done = cli("import", str(path))
    assert done.code == 2 and f"{path}: id: missing: a session needs an id to be cached" in done.out + done.err
    cli("push", str(path), "--ticket", "48211").one_line(2, f"{path}: id: the session has no id")
    assert db_rows(home) == [] or not [r for r in db_rows(home) if r.startswith('INSERT INTO "sessions"')]
