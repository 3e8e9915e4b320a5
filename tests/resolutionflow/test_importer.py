"""import_paths: session files, list files, {items} files and folders of them; every bad file reported, and
nothing from a bad file stored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flowdesk.core.models import parse_session
from flowdesk.core.userfile import SAVE_AS_UTF8
from flowdesk.resolutionflow import importer
from flowdesk.resolutionflow.importer import import_paths
from flowdesk.store import SessionCache
from flowdesk.store.sessions import session_version
from tests.conftest import sample_files, wine_limit

from .conftest import generated


def snapshot(cache: SessionCache) -> dict[str, tuple]:
    """Every cached session: its listing row (minus cached_at) and its stored JSON text."""
    out = {}
    for row in cache.rows():
        fields = {k: v for k, v in row._asdict().items() if k != "cached_at"}
        out[row.id] = (tuple(sorted(fields.items(), key=lambda kv: kv[0])), cache.raw_text(row.id))
    return out


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def samples() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sample_files()]


def test_a_mixed_folder_imports_the_good_files_and_reports_each_bad_one_exactly(
    tmp_path: Path, cache: SessionCache, samples: list[dict]
) -> None:
    # already cached: sample 1 (the bad list file below carries a newer copy of it, which must not land)
    cache.upsert([(samples[0], importer.parse_session(samples[0]))], source="api")
    before = snapshot(cache)

    folder = tmp_path / "exports"
    folder.mkdir()
    write(folder / "a-single.json", samples[4])
    write(folder / "b-list.json", generated(2))
    write(folder / "c-items.json", {"items": generated(2, start=10), "total": 2, "page": 1, "page_size": 20})
    write(folder / "d-malformed.json", {**samples[5], "steps": "not a list"})
    (folder / "e-truncated.json").write_text(json.dumps(samples[6])[:300], encoding="utf-8")
    (folder / "f-latin1.json").write_bytes('{"id": "x", "client_name": "Caf\u00e9 Ren\u00e9"}'.encode("latin-1"))
    (folder / "g-empty.json").write_bytes(b"")
    newer_first = {**samples[0], "updated_at": "2030-01-01T00:00:00Z", "client_name": "must not land"}
    write(folder / "h-list-one-bad.json", [newer_first, generated(1, start=20)[0], {"id": "bad", "psa_ticket_id": "see notes"}])
    # not session files: ignored
    (folder / "notes.txt").write_text("not json")
    write(folder / ".hidden.json", samples[7])
    (folder / "sub.json").mkdir()
    write(folder / "sub.json" / "inside.json", samples[8])

    report = import_paths([folder], cache)
    lines = [f.line() for f in report.files]
    f = folder
    assert lines == [
        f"{f / 'a-single.json'}: 1 session (1 new, 0 updated, 0 unchanged)",
        f"{f / 'b-list.json'}: 2 sessions (2 new, 0 updated, 0 unchanged)",
        f"{f / 'c-items.json'}: 2 sessions (2 new, 0 updated, 0 unchanged)",
        f"{f / 'd-malformed.json'}: steps: Input should be a valid list",
        f"{f / 'e-truncated.json'}: not valid JSON: a string that starts at line 1, column 167 never ends; the file may have been cut short: export or copy it again",
        f"{f / 'f-latin1.json'}: not UTF-8 text (bad byte at offset 31): {SAVE_AS_UTF8}",
        f"{f / 'g-empty.json'}: file is empty",
        f"{f / 'h-list-one-bad.json'}: [2].psa_ticket_id: not a ConnectWise ticket number: 'see notes'",
    ]
    assert [x.ok for x in report.files] == [True] * 3 + [False] * 5
    assert report.summary() == "Imported 5 sessions from 3 files (5 new, 0 updated); 5 files could not be imported."

    after = snapshot(cache)
    good_ids = {samples[4]["id"], *(s["id"] for s in generated(2)), *(s["id"] for s in generated(2, start=10))}
    assert set(after) == set(before) | good_ids  # nothing from the bad files, not even their good sessions
    assert {k: v for k, v in after.items() if k in before} == before  # the cached copy of sample 1 is untouched
    assert cache.get(samples[0]["id"]).client_name != "must not land"
    assert cache.rows(limit=1)  # the rows list without parsing
    assert {r.source for r in cache.rows() if r.id in good_ids} == {
        f"file:{folder.resolve() / n}" for n in ("a-single.json", "b-list.json", "c-items.json")
    }


def test_the_report_as_json(tmp_path: Path, cache: SessionCache, samples) -> None:
    good = write(tmp_path / "good.json", samples[0])
    (tmp_path / "bad.json").write_text("{")
    doc = import_paths([good, tmp_path / "bad.json"], cache).as_dict()
    assert doc["good_files"] == 1 and doc["bad_files"] == 1 and doc["sessions"] == 1 and doc["inserted"] == 1
    assert doc["files"][0] == {"path": str(good), "ok": True, "sessions": 1, "inserted": 1, "updated": 0,
                               "unchanged": 0, "older": 0, "synced": 0, "error": None}  # fmt: skip
    assert doc["files"][1]["error"] == f"{tmp_path / 'bad.json'}: not valid JSON: the file ends before its JSON does (line 1, column 2); the file may have been cut short: export or copy it again"


def test_importing_again_reports_unchanged_and_older_copies_lose(tmp_path: Path, cache: SessionCache, samples) -> None:
    path = write(tmp_path / "s.json", samples[:3])
    assert import_paths([path], cache).files[0].inserted == 3
    again = import_paths([path], cache).files[0]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    older = write(tmp_path / "older.json", {**samples[0], "updated_at": "2020-01-01T00:00:00Z", "client_name": "old"})
    result = import_paths([older], cache).files[0]
    assert result.ok and result.older == 1 and "1 older than the cached copy" in result.line()
    assert cache.get(samples[0]["id"]).client_name == samples[0]["client_name"]
    newer = write(tmp_path / "newer.json", {**samples[0], "updated_at": "2031-01-01T00:00:00Z", "client_name": "new"})
    assert import_paths([newer], cache).files[0].updated == 1
    assert cache.get(samples[0]["id"]).client_name == "new"


def test_a_file_never_replaces_a_session_synced_from_resolutionflow(tmp_path: Path, cache: SessionCache, samples) -> None:
    cache.upsert([(samples[0], parse_session(samples[0]))], source="api")
    future = {**samples[0], "updated_at": "9999-12-31T00:00:00Z", "psa_ticket_id": 999}
    path = write(tmp_path / "export.json", [future, samples[1]])
    result = import_paths([path], cache).files[0]
    assert (result.ok, result.inserted, result.updated, result.synced) == (True, 1, 0, 1)
    assert result.line() == (
        f"{path}: 2 sessions (1 new, 0 updated, 0 unchanged); 1 session already synced from ResolutionFlow; not replaced"
    )
    assert cache.get(samples[0]["id"]).psa_ticket_id == samples[0]["psa_ticket_id"]
    assert cache.versions(source="api") == {samples[0]["id"]: session_version(parse_session(samples[0]))}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("42", "expected a session (a JSON object) or a list of sessions, found a number"),
        ('"text"', "expected a session (a JSON object) or a list of sessions, found a string"),
        ('{"items": {"id": "a"}}', "items: expected a list of sessions"),
        ('{"items": [{"id": "a"}, 7]}', "items[1]: expected one session (a JSON object), found int"),
        ('{"sessions": [{"id": "a"}, 7], "total": 2}', "sessions[1]: expected one session (a JSON object), found int"),
        ('{"data": {"id": "a"}}', "id: missing: a session needs an id to be cached"),  # no list: not a page
        ('[{"id": "a"}, {"status": "resolved"}]', "[1].id: missing: a session needs an id to be cached"),
        ('{"status": "resolved"}', "id: missing: a session needs an id to be cached"),
        ('{"id": "a", "steps": [{"step_order": "x"}]}', "steps[0].step_order: Input should be a valid integer, unable to parse string as an integer"),
        ("\ufeff  \n ", "file is empty"),
    ],
)
def test_wrong_shapes_are_reported_with_their_field(tmp_path: Path, cache: SessionCache, content: str, problem: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    (result,) = import_paths([path], cache).files
    assert not result.ok and result.error == f"{path}: {problem}"
    assert cache.count() == 0


@pytest.mark.parametrize("key", ["sessions", "results", "data"])
def test_a_saved_page_imports_under_every_key_the_client_reads_a_page_under(
    tmp_path: Path, cache: SessionCache, key: str
) -> None:
    """Seen in the window (December 4): a saved listing page, ``{"sessions": [...]}``, which the client reads, was
    refused on import as "id: missing: a session needs an id to be cached"."""
    path = write(tmp_path / "page.json", {key: generated(2, start=30), "total": 2, "page": 1})
    (result,) = import_paths([path], cache).files
    assert (result.ok, result.inserted) == (True, 2)
    assert cache.count() == 2


def test_an_empty_list_is_a_good_file_with_no_sessions(tmp_path: Path, cache: SessionCache) -> None:
    (result,) = import_paths([write(tmp_path / "none.json", [])], cache).files
    assert result.ok and result.line() == f"{tmp_path / 'none.json'}: 0 sessions (0 new, 0 updated, 0 unchanged)"


def test_paths_that_cannot_be_read(tmp_path: Path, cache: SessionCache) -> None:
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    paths = [tmp_path / "missing.json", empty]
    expected = [f"{tmp_path / 'missing.json'}: no such file or folder", f"{empty}: no *.json files in this folder"]
    if hasattr(os, "mkfifo"):  # POSIX: a named pipe in the file system (Windows' live in \\.\pipe\ only)
        fifo = tmp_path / "pipe.json"
        os.mkfifo(fifo)
        paths.append(fifo)
        expected.append(f"{fifo}: not a regular file (a pipe)")  # never read: reading a pipe would block
    report = import_paths(paths, cache)
    assert [f.error for f in report.files] == expected


@wine_limit("CreateSymbolicLinkW reports success and creates nothing (Wine 8)")
def test_links_out_of_a_folder_are_not_followed(tmp_path: Path, cache: SessionCache, samples) -> None:
    outside = write(tmp_path / "outside.json", samples[0])
    folder = tmp_path / "folder"
    folder.mkdir()
    real = write(folder / "real.json", samples[1])
    (folder / "escape.json").symlink_to(outside)
    (folder / "same.json").symlink_to(real)  # inside the folder: read once, as real.json
    (folder / "broken.json").symlink_to(tmp_path / "gone.json")
    report = import_paths([folder], cache)
    assert [(Path(f.path).name, f.ok, f.error) for f in report.files] == [
        ("broken.json", False, f"{folder / 'broken.json'}: a broken link"),
        ("escape.json", False, f"{folder / 'escape.json'}: a link to {outside}, outside the folder; not followed"),
        ("real.json", True, None),
    ]
    assert {r.id for r in cache.rows()} == {samples[1]["id"]}
    # named explicitly, a link is the engineer's choice and is read
    assert import_paths([folder / "escape.json"], cache).files[0].ok


def test_files_over_the_size_limit_are_refused_unread(tmp_path: Path, cache: SessionCache, monkeypatch) -> None:
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 1024 * 1024)
    big = write(tmp_path / "big.json", generated(1, problem_summary="x" * (2 * 1024 * 1024)))
    (result,) = import_paths([big], cache).files
    assert result.error == f"{big}: file is 2 MB; the limit is 1 MB"


def test_the_same_file_given_twice_is_imported_once(tmp_path: Path, cache: SessionCache, samples) -> None:
    path = write(tmp_path / "s.json", samples[0])
    report = import_paths([path, tmp_path, tmp_path / "." / "s.json"], cache)
    assert len(report.files) == 1 and report.files[0].inserted == 1


def test_a_file_without_the_json_suffix_is_read_when_named(tmp_path: Path, cache: SessionCache, samples) -> None:
    path = write(tmp_path / "export.txt", samples[0])
    assert import_paths([path], cache).files[0].ok


def test_ten_thousand_sessions_from_one_file_list_back_in_order(tmp_path: Path, cache: SessionCache) -> None:
    many = generated(10_000)
    path = write(tmp_path / "many.json", many)
    (result,) = import_paths([path], cache).files
    assert (result.ok, result.sessions, result.inserted) == (True, 10_000, 10_000)
    rows = cache.rows()
    expected = sorted(many, key=lambda s: (s["updated_at"], s["id"]), reverse=True)
    assert [r.id for r in rows] == [s["id"] for s in expected]
