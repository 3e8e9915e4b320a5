"""``flowdesk import``, ``sessions list|refresh``, ``signin`` and ``signout``.

Subprocesses (the real command, a private Secret Service for the keyring) prove the user-visible
contract: exit codes, reports, the password only ever on stdin and nowhere under ``FLOWDESK_HOME`` or in
the logs. In-process runs (the autouse in-memory keyring) cover the error paths quickly.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flowdesk.cli import main
from flowdesk.core.settings import load_settings
from flowdesk.credentials import (
    CredentialStore,
    resolutionflow_access_key,
    resolutionflow_account_key,
    service_name,
)
from flowdesk.paths import AppPaths
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from tests.conftest import sample_files
from tests.plugins.keyring import REAL_BACKEND
from tests.resolutionflow.conftest import SEEDED, detail_gets, generated


def cli(args: list[str], *, home: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(env or os.environ, FLOWDESK_HOME=str(home), PYTHONIOENCODING="utf-8", TZ="UTC")
    return subprocess.run(
        [sys.executable, "-m", "flowdesk", *args], input=stdin, env=full_env, capture_output=True, encoding="utf-8", timeout=120
    )


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def settings():
    return load_settings(AppPaths.from_env().settings_file).settings.resolutionflow


def signin_args(sandbox: Sandbox, *extra: str) -> list[str]:
    info = sandbox.info.resolutionflow
    return ["signin", "--url", info.url, "--email", info.email, "--password-stdin", *extra]


def account(sandbox: Sandbox) -> str:
    info = sandbox.info.resolutionflow
    return resolutionflow_account_key(info.url, info.email)


# ---------------------------------------------------------------------------------------- import + list (subprocess)


def test_import_reports_every_file_and_exits_by_what_could_be_imported(tmp_path: Path, flowdesk_home: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for p in sample_files()[:3]:
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "zz-broken.json").write_text('{"id": "x", "steps": 5}')
    done = cli(["import", str(folder)], home=flowdesk_home)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == [f"{folder / p.name}: 1 session (1 new, 0 updated, 0 unchanged)" for p in sample_files()[:3]]
    assert lines[3:] == [
        f"{folder / 'zz-broken.json'}: steps: Input should be a valid list",
        "Imported 3 sessions from 3 files (3 new, 0 updated); 1 file could not be imported.",
    ]
    again = cli(["import", "--json", *map(str, sample_files())], home=flowdesk_home)
    assert again.returncode == 0, again.stderr
    doc = json.loads(again.stdout)
    assert (doc["good_files"], doc["bad_files"], doc["sessions"], doc["inserted"]) == (18, 0, 18, 15)
    nothing = cli(["import", str(folder / "zz-broken.json"), str(tmp_path / "missing")], home=flowdesk_home)
    assert nothing.returncode == 2
    assert nothing.stdout.splitlines()[-1] == "Nothing was imported: none of the 2 files could be read as a session export."


def test_sessions_list_reads_the_cache_without_any_network(
    flowdesk_home: Path, sandbox: Sandbox, sandbox_admin: SandboxAdmin
) -> None:
    empty = cli(["sessions", "list"], home=flowdesk_home)
    assert empty.returncode == 0 and empty.stdout == "No sessions cached yet: run `flowdesk sessions refresh` or `flowdesk import PATH`.\n"
    assert cli(["import", *map(str, sample_files())], home=flowdesk_home).returncode == 0
    # a configured (and reachable) ResolutionFlow account must not be contacted by `list`
    info = sandbox.info.resolutionflow
    (flowdesk_home / "config").mkdir(parents=True, exist_ok=True)
    (flowdesk_home / "config" / "settings.json").write_text(json.dumps({"resolutionflow": {"url": info.url, "email": info.email}}))

    listed = cli(["sessions", "list", "--json", "--limit", "0"], home=flowdesk_home)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == SEEDED
    order = [r["ended_at"] or r["updated_at"] or r["created_at"] for r in rows]
    dated = [o for o in order if o]
    assert dated == sorted(dated, reverse=True) and order[len(dated):] == [None] * (SEEDED - len(dated))
    posted = [r for r in rows if r["posted_by_resolutionflow"]]
    assert [r["id"] for r in posted] == ["eb53c334-2efd-4a23-b0b8-f8bd834185f6"]

    escalated = json.loads(cli(["sessions", "list", "--json", "--status", "escalated", "--status", "requesting_escalation"], home=flowdesk_home).stdout)
    assert {r["status"] for r in escalated} == {"escalated", "requesting_escalation"} and len(escalated) == 5

    text = cli(["sessions", "list", "--limit", "3"], home=flowdesk_home)
    lines = text.stdout.splitlines()
    assert len(lines) == 4 and lines[-1] == f"… {SEEDED - 3} more; use --limit 0 to list them all."
    assert lines[0].endswith(rows[0]["id"]) and lines[0].startswith(rows[0]["ended_at"][:10])
    assert "[posted by ResolutionFlow]" in cli(["sessions", "list", "--limit", "0"], home=flowdesk_home).stdout
    assert sandbox_admin.ledger()["requests"] == []  # not one request


def test_list_rejects_a_negative_limit(flowdesk_home: Path) -> None:
    done = cli(["sessions", "list", "--limit", "-1"], home=flowdesk_home)
    assert done.returncode == 2 and done.stderr == "flowdesk: --limit must be 0 (all) or more\n"


# ---------------------------------------------------------------------------------------- sign-in (subprocess, real keyring)


@pytest.fixture
def rf_keyring(real_keyring, sandbox: Sandbox):
    """The real keyring with no sign-in for the sandbox's account, before and after the test (it is shared
    by the whole test session, so a failing test must not leave a token behind for the next one)."""
    info = sandbox.info.resolutionflow
    store = CredentialStore(real_keyring)

    def clean() -> None:
        store.delete_refresh_token(resolutionflow_account_key(info.url, info.email))
        store.delete_access_token(resolutionflow_access_key(info.url, info.email))

    clean()
    yield real_keyring
    clean()



@pytest.mark.real_keyring
def test_signin_refresh_list_signout_as_subprocesses_never_expose_the_password(
    sandbox: Sandbox, sandbox_admin: SandboxAdmin, secret_service, rf_keyring, flowdesk_home: Path
) -> None:
    info = sandbox.info.resolutionflow
    env = dict(secret_service.env)
    store = CredentialStore(rf_keyring)
    key = account(sandbox)
    argv = ["signin", "-v", "--url", info.url, "--email", info.email, "--password-stdin"]
    assert not any(info.password in a for a in argv)

    done = cli(argv, home=flowdesk_home, stdin=info.password + "\n", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Signed in to ResolutionFlow at {info.url} as Dana Whitfield <{info.email}>.",
        f"The sign-in is kept in the OS keyring ({REAL_BACKEND}). "
        "Run `flowdesk sessions refresh` to fetch your sessions.",
    ]
    first_token = store.load_refresh_token(key)
    assert first_token
    saved = json.loads((flowdesk_home / "config" / "settings.json").read_text())["resolutionflow"]
    assert (saved["url"], saved["email"]) == (info.url, info.email)

    refreshed = cli(["sessions", "refresh", "-v"], home=flowdesk_home, env=env)
    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stdout == f"Refreshed from ResolutionFlow: {SEEDED} listed, {SEEDED} fetched ({SEEDED} new, 0 updated), 0 unchanged.\n"
    second_token = store.load_refresh_token(key)
    assert second_token and second_token != first_token  # rotated, and the new one kept

    # the stored (rotated) token works from a fresh process: nothing changed, no bodies transferred
    again = cli(["sessions", "refresh", "--json"], home=flowdesk_home, env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["fetched"] == 0 and detail_gets(sandbox_admin) == SEEDED
    listed = cli(["sessions", "list", "--json", "--limit", "0"], home=flowdesk_home, env=env)
    assert len(json.loads(listed.stdout)) == SEEDED

    out = cli(["signout"], home=flowdesk_home, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"Signed out of ResolutionFlow ({info.email}): the sign-in was revoked and removed from this computer.\n"
    assert store.load_refresh_token(key) is None
    assert sandbox_admin.ledger()["requests"][-1]["path"] == "/api/v1/auth/logout"
    after = cli(["sessions", "refresh"], home=flowdesk_home, env=env)
    assert after.returncode == 1 and after.stderr.startswith("flowdesk: Not signed in to ResolutionFlow")

    secrets = [info.password, first_token, second_token]
    log = next(flowdesk_home.rglob("flowdesk-cli.log")).read_text()
    assert "POST /api/v1/auth/refresh -> 200" in log and "GET /api/v1/ai-sessions -> 200" in log  # DEBUG lines written
    files = files_under(flowdesk_home)
    assert any(p.suffix == ".sqlite3" for p in files) and any(p.suffix == ".log" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path
    for proc in (done, refreshed, again, listed, out, after):
        for secret in secrets:
            assert secret not in proc.stdout + proc.stderr


@pytest.mark.real_keyring
def test_a_wrong_password_saves_nothing(sandbox: Sandbox, secret_service, rf_keyring, flowdesk_home: Path) -> None:
    info = sandbox.info.resolutionflow
    done = cli(signin_args(sandbox), home=flowdesk_home, stdin="not-" + info.password, env=dict(secret_service.env))
    assert done.returncode == 1
    assert done.stderr.startswith("flowdesk: ResolutionFlow did not accept that e-mail address and password.")
    # at `flowdesk signin`, that command again (it said "(Settings, or `flowdesk signin --token-stdin`)"); then
    # ResolutionFlow's request id, last
    assert "paste an access token instead with `flowdesk signin --token-stdin`. Nothing was saved. Request id: " in done.stderr
    assert "Settings" not in done.stderr and done.stderr.count("\n") == 1
    assert not (flowdesk_home / "config" / "settings.json").exists()
    assert CredentialStore(rf_keyring).load_refresh_token(account(sandbox)) is None
    for path in files_under(flowdesk_home):
        assert info.password.encode() not in path.read_bytes()


# ---------------------------------------------------------------------------------------- in-process error paths


def test_signin_stores_the_refresh_token_and_settings(sandbox: Sandbox, monkeypatch, capsys, memory_keyring) -> None:
    info = sandbox.info.resolutionflow
    assert run(signin_args(sandbox), monkeypatch, info.password) == 0
    assert (service_name(account(sandbox)), account(sandbox)) in memory_keyring.entries
    assert (settings().url, settings().email, settings().ca_file) == (info.url, info.email, None)
    assert info.password not in AppPaths.from_env().settings_file.read_text()


def test_a_password_with_spaces_is_kept_whole(monkeypatch) -> None:
    from flowdesk.commands.sessions import _read_secret

    monkeypatch.setattr(sys, "stdin", io.StringIO("  pass with spaces  \r\n"))
    assert _read_secret("password", one_word=False) == "  pass with spaces  "
    monkeypatch.setattr(sys, "stdin", io.StringIO("  Bearer-less.token.value \n"))
    assert _read_secret("access token", one_word=True) == "Bearer-less.token.value"


@pytest.mark.parametrize(
    ("argv", "stdin", "words"),
    [
        (["signin", "--password-stdin"], "pw", "give your ResolutionFlow e-mail address with --email"),
        (["signin", "--email", "a@example.com", "--password-stdin"], "", "the password on stdin is empty"),
        (["signin", "--email", "a@example.com", "--password-stdin"], "two\nlines", "must be one line"),
        (["signin", "--email", "nobody", "--password-stdin"], "pw", "is not an e-mail address"),
        (["signin", "--url", "http://rf.example.com", "--email", "a@example.com", "--password-stdin"], "pw", "https://"),
        (["signin", "--token-stdin"], "two words", "one line without spaces"),
        (["signin", "--email", "a@example.com", "--password-stdin", "--ca-file", "/nonexistent.pem"], "pw", "no such file"),
    ],
)
def test_bad_signin_input_exits_2(argv, stdin, words, monkeypatch, capsys, memory_keyring) -> None:
    assert run(argv, monkeypatch, stdin) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert memory_keyring.entries == {}
    assert not AppPaths.from_env().settings_file.exists()


def test_password_and_token_flags_are_exclusive_and_one_is_required(monkeypatch) -> None:
    for argv in (["signin", "--email", "a@example.com"], ["signin", "--password-stdin", "--token-stdin"]):
        with pytest.raises(SystemExit) as info:
            run(argv, monkeypatch)
        assert info.value.code == 2


def test_refresh_without_a_sign_in(monkeypatch, capsys) -> None:
    assert run(["sessions", "refresh"], monkeypatch) == 1
    assert capsys.readouterr().err.startswith("flowdesk: Not signed in to ResolutionFlow: run `flowdesk signin")


@pytest.mark.parametrize(
    ("config", "words", "token_kept"),
    [
        ({"refresh_error": "session_expired_idle"}, "Your ResolutionFlow sign-in expired because FlowDesk was not used", False),
        ({"refresh_error": "invalid_refresh_token"}, "ResolutionFlow no longer accepts FlowDesk's sign-in", False),
        ({"subscription_lapsed": True}, "Your ResolutionFlow subscription is not active (HTTP 402)", True),
        ({"role": "viewer"}, "Your ResolutionFlow role does not allow FlowDesk to list your sessions (HTTP 403)", True),
    ],
)
def test_refresh_failures_exit_1_with_what_to_do(
    sandbox: Sandbox, sandbox_admin: SandboxAdmin, monkeypatch, capsys, memory_keyring, config, words, token_kept
) -> None:
    assert run(signin_args(sandbox), monkeypatch, sandbox.info.resolutionflow.password) == 0
    capsys.readouterr()
    sandbox_admin.config(resolutionflow=config)
    assert run(["sessions", "refresh"], monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.startswith("flowdesk: " + words) and err.count("\n") == 1
    # a dead sign-in is removed (the next run says "not signed in"); a live one is kept
    assert ((service_name(account(sandbox)), account(sandbox)) in memory_keyring.entries) is token_kept


def test_a_pasted_access_token_signs_in_until_it_expires(
    sandbox: Sandbox, sandbox_admin: SandboxAdmin, monkeypatch, capsys, memory_keyring
) -> None:
    info = sandbox.info.resolutionflow
    with httpx.Client() as http:
        token = http.post(f"{info.url}/api/v1/auth/login", json={"email": info.email, "password": info.password}).json()["access_token"]
    assert run(["signin", "--url", info.url, "--token-stdin"], monkeypatch, token + "\n") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Signed in to ResolutionFlow at {info.url} as Dana Whitfield <{info.email}>.\nThe pasted access token works until ")
    entry = resolutionflow_access_key(info.url, info.email)
    assert memory_keyring.entries[(service_name(entry), entry)] == token and settings().email == info.email
    assert run(["sessions", "refresh"], monkeypatch) == 0
    assert f"{SEEDED} new" in capsys.readouterr().out
    sandbox_admin.config(resolutionflow={"expire_access_tokens": True})
    sandbox_admin.add_sessions(generated(1, updated="2030-01-01T00:00:00Z"))
    assert run(["sessions", "refresh"], monkeypatch) == 1
    assert capsys.readouterr().err.startswith("flowdesk: The ResolutionFlow access token you pasted has expired")
    assert (service_name(entry), entry) not in memory_keyring.entries


def test_a_pasted_token_that_does_not_work_saves_nothing(sandbox: Sandbox, monkeypatch, capsys, memory_keyring) -> None:
    assert run(["signin", "--url", sandbox.info.resolutionflow.url, "--token-stdin"], monkeypatch, "eyJnot.a.token") == 1
    err = capsys.readouterr().err
    assert "did not accept the access token you pasted" in err and "Settings" not in err
    assert "Copy it again and paste it with `flowdesk signin --token-stdin`" in err
    assert "Nothing was saved. Request id: " in err  # the request id last, as in every error line
    assert memory_keyring.entries == {} and not AppPaths.from_env().settings_file.exists()


def test_signing_in_as_another_account_removes_the_old_sign_in(sandbox: Sandbox, monkeypatch, capsys, memory_keyring) -> None:
    info = sandbox.info.resolutionflow
    assert run(signin_args(sandbox), monkeypatch, info.password) == 0
    other_url = info.url.replace("127.0.0.1", "localhost")  # the same server under another address: another account
    assert run(["signin", "--url", other_url, "--email", info.email, "--password-stdin"], monkeypatch, info.password) == 0
    assert [u for (_, u) in memory_keyring.entries] == [resolutionflow_account_key(other_url, info.email)]


def test_signout_when_resolutionflow_cannot_confirm_still_removes_the_sign_in(
    sandbox: Sandbox, sandbox_admin: SandboxAdmin, monkeypatch, capsys, memory_keyring
) -> None:
    assert run(signin_args(sandbox), monkeypatch, sandbox.info.resolutionflow.password) == 0
    capsys.readouterr()
    sandbox_admin.add_fault(method="POST", path="/api/v1/auth/logout", status=503)
    assert run(["signout"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "on this computer. ResolutionFlow could not confirm it (ResolutionFlow had a problem answering" in out
    assert memory_keyring.entries == {}
    assert run(["signout"], monkeypatch) == 0
    assert capsys.readouterr().out == f"Not signed in to ResolutionFlow as {sandbox.info.resolutionflow.email}.\n"


def test_signout_without_any_account(monkeypatch, capsys) -> None:
    assert run(["signout"], monkeypatch) == 0
    assert capsys.readouterr().out == "Not signed in to ResolutionFlow.\n"


def test_refresh_json_lists_skipped_records(sandbox: Sandbox, sandbox_admin: SandboxAdmin, monkeypatch, capsys) -> None:
    assert run(signin_args(sandbox), monkeypatch, sandbox.info.resolutionflow.password) == 0
    sandbox_admin.add_sessions([{"id": "bad-steps", "updated_at": "2030-03-01T00:00:00Z", "steps": "not a list"}])
    capsys.readouterr()
    assert run(["sessions", "refresh"], monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Refreshed from ResolutionFlow: {SEEDED + 1} listed, {SEEDED + 1} fetched ({SEEDED} new, 0 updated), 0 unchanged, 1 skipped.",
        "skipped bad-steps: steps: Input should be a valid list",
    ]


def test_list_reads_only_the_listing_rows_never_the_session_bodies(monkeypatch, capsys) -> None:
    assert run(["import", *map(str, sample_files())], monkeypatch) == 0
    import sqlite3

    with sqlite3.connect(AppPaths.from_env().database_file) as conn:
        conn.execute("UPDATE session_raw SET json = '{\"broken'")  # every body unreadable now
    capsys.readouterr()
    assert run(["sessions", "list", "--json", "--limit", "0"], monkeypatch) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == SEEDED and all(r["summary"] or r["id"] for r in rows)
