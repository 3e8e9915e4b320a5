"""``flowdesk connect`` and ``flowdesk whoami`` against the sandbox on a real loopback socket.

In-process runs (the autouse in-memory keyring) cover exit codes and messages; subprocess runs use the
private Secret Service (``real_keyring``) and check that the private key is nowhere it should not be.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowdesk.cli import main
from flowdesk.core.settings import load_settings
from flowdesk.credentials import NO_KEYRING, CredentialStore, connectwise_profile_key, service_name
from flowdesk.paths import AppPaths
from flowdesk.sandbox import Sandbox
from tests.plugins.keyring import REAL_BACKEND

PRIVATE = "Pr1vAteKeyZZZZ99xq"  # a key for the cases that never reach a server


@pytest.fixture
def site(sandbox: Sandbox) -> str:
    return sandbox.info.connectwise.site


@pytest.fixture
def keys(sandbox: Sandbox) -> tuple[str, str, str]:
    """``(company, public key, private key)`` of the sandbox."""
    cw = sandbox.info.connectwise
    return cw.company, cw.public_key, cw.private_key


def run(argv: list[str], stdin: str = "", monkeypatch=None) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def connect_args(site: str, *extra: str, company: str = "acme", public: str = "PuBl1cKeyAAAA111") -> list[str]:
    return ["connect", "--site", site, "--company", company, "--public-key", public, "--private-key-stdin", *extra]


def sandbox_args(site: str, keys: tuple[str, str, str], *extra: str, company: str | None = None) -> list[str]:
    return connect_args(site, *extra, company=company or keys[0], public=keys[1])


def settings_file() -> Path:
    return AppPaths.from_env().settings_file


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ---------------------------------------------------------------- in-process


def test_connect_saves_profile_and_keys(site, keys, sandbox, monkeypatch, capsys, memory_keyring):
    company, public, private = keys
    client_id = sandbox.info.connectwise.client_id
    code = run(sandbox_args(site, keys, "--client-id", client_id), private + "\n", monkeypatch)
    out, err = capsys.readouterr()
    assert code == 0, err
    host = site.removeprefix("http://")
    assert out.splitlines() == [
        f"Signed in as Dana Whitfield (dwhitfield) on {host} — can add notes and time",
        f"Saved the ConnectWise account {company} on {host}; keys are in the OS keyring (tests.plugins.keyring.MemoryKeyring).",
    ]
    profile = load_settings(settings_file()).settings.connectwise
    assert (profile.site, profile.company, profile.api_host, profile.codebase) == (site, company, host, "v2025_1/")
    assert (profile.member_identifier, profile.member_name, profile.client_id, profile.ca_file) == (
        "dwhitfield",
        "Dana Whitfield",
        client_id,
        None,
    )
    stored = CredentialStore().load_connectwise_keys(connectwise_profile_key(site, company))
    assert (stored.public_key, stored.private_key) == (public, private)
    assert private not in settings_file().read_text()

    assert run(["whoami"], "", monkeypatch) == 0
    assert capsys.readouterr().out == f"Signed in as Dana Whitfield (dwhitfield) on {host} — can add notes and time\n"
    assert run(["whoami", "--json"], "", monkeypatch) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["member"]["identifier"] == "dwhitfield" and doc["member"]["time_zone"] == "Eastern Standard Time"
    assert doc["site"]["api_base"] == f"{site}/v2025_1/apis/3.0" and doc["site"]["company"] == company
    assert doc["permissions"] == {"can_add_notes": True, "can_add_time": True, "can_read_tickets": True, "missing": []}


def test_connect_with_missing_rights_still_saves_and_says_what_is_missing(site, keys, sandbox_admin, monkeypatch, capsys):
    sandbox_admin.config(member={"can_add_time": False})
    assert run(sandbox_args(site, keys), keys[2], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "can add notes, but not time (missing Time & Expense › Time Entry: Add)" in out


def test_wrong_key_exits_1_with_one_line_and_saves_nothing(site, keys, monkeypatch, capsys, memory_keyring):
    code = run(sandbox_args(site, keys), "wrongwrongwrong1", monkeypatch)
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"flowdesk: ConnectWise rejected your API keys (HTTP 401) for company '{keys[0]}'.")
    # at `flowdesk connect`, the command to run again (it said: enter them in Settings > ConnectWise account (or
    # with `flowdesk connect`)); then what became of it, and ConnectWise's request id last, as its own sentence
    assert "Check the company ID and both keys; if the keys were deleted or changed, create new ones in ConnectWise " \
           "under My Account → API Keys and run `flowdesk connect` again with them. Nothing was saved. Request id: " in err
    assert "Settings" not in err
    assert not settings_file().exists()
    assert memory_keyring.entries == {}


def test_unknown_company_exits_1(site, keys, sandbox_admin, monkeypatch, capsys):
    assert run(sandbox_args(site, keys, company="acmee"), keys[2], monkeypatch) == 1
    host = site.removeprefix("http://")
    rid = sandbox_admin.ledger()["requests"][-1]["request_id"]
    assert capsys.readouterr().err == (
        f"flowdesk: ConnectWise has no company 'acmee' on {host} — check the company ID you sign in with. "
        f"Nothing was saved. Request id: {rid}\n"
    )


def test_unreachable_site_exits_1(monkeypatch, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert run(connect_args(f"http://127.0.0.1:{port}"), PRIVATE, monkeypatch) == 1
    assert "the connection was refused" in capsys.readouterr().err
    assert not settings_file().exists()


def test_no_keyring_exits_1_and_saves_nothing(site, keys, monkeypatch, capsys):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    assert run(sandbox_args(site, keys), keys[2], monkeypatch) == 1
    err = capsys.readouterr().err
    assert err == f"flowdesk: {NO_KEYRING} Nothing was saved.\n"  # this platform's words
    if sys.platform.startswith("linux"):
        assert NO_KEYRING == (
            "No OS keyring is available: install and start GNOME Keyring or KWallet (Secret Service), then try "
            "again. FlowDesk never stores keys in a plain file."
        )
    assert not settings_file().exists()


@pytest.mark.parametrize(
    ("argv", "stdin", "words"),
    [
        (["connect", "--site", "x.example.com", "--company", "acme", "--public-key", "p"], PRIVATE, "--private-key-stdin"),
        (connect_args("http://127.0.0.1:1"), "", "the private key on stdin is empty"),
        (connect_args("http://127.0.0.1:1"), "   \n", "the private key on stdin is empty"),
        (connect_args("http://127.0.0.1:1"), "two words", "one line without spaces"),
        (connect_args("http://cw.example.com"), PRIVATE, "https://"),
        (connect_args(""), PRIVATE, "Enter your ConnectWise address"),
        (connect_args("na.myconnectwise.net", company=" "), PRIVATE, "company ID"),
        (connect_args("na.myconnectwise.net", public=" "), PRIVATE, "--public-key is empty"),
        (connect_args("na.myconnectwise.net", "--ca-file", "/nonexistent/ca.pem"), PRIVATE, "no such file"),
    ],
)
def test_bad_input_exits_2(argv, stdin, words, monkeypatch, capsys):
    assert run(argv, stdin, monkeypatch) == 2
    err = capsys.readouterr().err
    assert words in err and PRIVATE not in err
    assert not settings_file().exists()


def test_missing_required_option_is_a_usage_error(monkeypatch, capsys):
    with pytest.raises(SystemExit) as info:
        run(["connect", "--site", "na.myconnectwise.net"], PRIVATE, monkeypatch)
    assert info.value.code == 2


def test_reconnecting_to_another_account_removes_the_old_keys(site, keys, monkeypatch, capsys, memory_keyring):
    assert run(sandbox_args(site, keys), keys[2], monkeypatch) == 0
    old = connectwise_profile_key(site, keys[0])
    assert (service_name(old), old) in memory_keyring.entries
    with Sandbox(seed=False, company="globex") as other:
        cw = other.info.connectwise
        assert run(connect_args(cw.site, company="globex", public=cw.public_key), cw.private_key, monkeypatch) == 0
        new = connectwise_profile_key(cw.site, "globex")
        assert (service_name(new), new) in memory_keyring.entries
    assert (service_name(old), old) not in memory_keyring.entries
    assert load_settings(settings_file()).settings.connectwise.company == "globex"


def test_whoami_without_an_account(monkeypatch, capsys):
    assert run(["whoami"], "", monkeypatch) == 1
    assert capsys.readouterr().err == "flowdesk: No ConnectWise account yet: run `flowdesk connect …` or open Settings\n"


def test_whoami_without_keys_or_with_revoked_keys(site, keys, sandbox_admin, monkeypatch, capsys, memory_keyring):
    assert run(sandbox_args(site, keys), keys[2], monkeypatch) == 0
    capsys.readouterr()
    sandbox_admin.add_fault(path="*/apis/3.0/*", status=401, times=None)  # the keys were revoked in ConnectWise
    assert run(["whoami"], "", monkeypatch) == 1
    assert "create new ones under My Account → API Keys and enter them in Settings" in capsys.readouterr().err
    memory_keyring.entries.clear()
    assert run(["whoami"], "", monkeypatch) == 1
    host = site.removeprefix("http://")
    assert capsys.readouterr().err == (
        f"flowdesk: No ConnectWise keys in the OS keyring for {keys[0]} on {host}: run `flowdesk connect …` or open Settings\n"
    )


# ---------------------------------------------------------------- subprocesses on the real Secret Service


@pytest.mark.real_keyring
def test_connect_and_whoami_as_subprocesses_never_expose_the_private_key(site, keys, secret_service, flowdesk_home, real_keyring):
    COMPANY, PUBLIC, PRIVATE = keys  # noqa: N806 - the names the checks below read best with
    env = dict(secret_service.env, FLOWDESK_HOME=str(flowdesk_home), PYTHONIOENCODING="utf-8")
    argv = [sys.executable, "-m", "flowdesk", "connect", "-v", "--site", site, "--company", COMPANY, "--public-key", PUBLIC, "--private-key-stdin"]
    assert not any(PRIVATE in a for a in argv)
    done = subprocess.run(argv, input=PRIVATE + "\n", env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Signed in as Dana Whitfield (dwhitfield)" in done.stdout
    assert REAL_BACKEND in done.stdout
    assert PRIVATE not in done.stdout and PRIVATE not in done.stderr

    who = subprocess.run([sys.executable, "-m", "flowdesk", "whoami", "-v", "--json"], env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["member"]["identifier"] == "dwhitfield"
    assert PRIVATE not in who.stdout and PRIVATE not in who.stderr

    log = next(flowdesk_home.rglob("flowdesk-cli.log")).read_text()
    assert "/apis/3.0/system/myMembers/info -> 200" in log  # DEBUG request lines were written
    files = files_under(flowdesk_home)
    assert any(p.name == "settings.json" for p in files) and any(p.suffix == ".log" for p in files)
    for path in files:
        assert PRIVATE.encode() not in path.read_bytes(), path
    # it is in the keyring, where it belongs
    stored = CredentialStore(real_keyring).load_connectwise_keys(connectwise_profile_key(site, COMPANY))
    assert stored is not None and stored.private_key == PRIVATE
    CredentialStore(real_keyring).delete_connectwise_keys(connectwise_profile_key(site, COMPANY))


def test_settings_held_open_keeps_the_saved_keys_and_says_to_try_again(site, keys, monkeypatch, capsys, memory_keyring):
    import flowdesk.core.settings as mod

    def replace(src, dst):
        raise PermissionError(13, "Access is denied")  # Windows: Defender or the indexer holds settings.json

    monkeypatch.setattr(mod.os, "replace", replace)
    monkeypatch.setattr(mod, "_sleep", lambda s: None)
    company, public, private = keys
    code = run(sandbox_args(site, keys), private, monkeypatch)
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert str(settings_file()) in err and "run the same command again" in err and "in use by another program" in err
    assert not settings_file().exists()
    stored = CredentialStore().load_connectwise_keys(connectwise_profile_key(site, company))  # not rolled back
    assert (stored.public_key, stored.private_key) == (public, private)
    assert private not in err


def _outbox_paused(reason: str, kind: str) -> None:
    from flowdesk.store import Database, Outbox

    db = Database(AppPaths.from_env().ensure().database_file)
    try:
        Outbox(db).pause(reason, kind=kind)  # type: ignore[arg-type]
    finally:
        db.close()


def _paused() -> tuple[str | None, str | None]:
    from flowdesk.store import Database, Outbox

    db = Database(AppPaths.from_env().database_file)
    try:
        outbox = Outbox(db)
        return outbox.paused_kind(), outbox.paused_reason()
    finally:
        db.close()


def test_connect_with_keys_connectwise_accepts_lifts_the_pause_for_refused_keys(site, keys, monkeypatch, capsys, memory_keyring):
    """The pause after a 401 said to enter the keys again, "then resume sending"; `flowdesk connect` saved new
    keys but left sending paused until `flowdesk queue resume`. Now, as Settings in the window, it lifts that
    pause once ConnectWise accepts the keys, and says so."""
    from flowdesk.core import policy_words

    _outbox_paused(policy_words.keys_refused(401, None), "account")
    assert run(sandbox_args(site, keys), keys[2], monkeypatch) == 0
    out = capsys.readouterr().out.splitlines()
    assert _paused() == (None, None)
    assert out[-1] == ("Sending resumed: the pushes that waited for ConnectWise to accept your account are due again; "
                       "`flowdesk queue drain` (or the window) sends them.")


def test_connect_leaves_the_engineers_own_pause(site, keys, monkeypatch, capsys, memory_keyring):
    _outbox_paused("Sending paused by you.", "user")
    assert run(sandbox_args(site, keys), keys[2], monkeypatch) == 0
    assert "Sending resumed" not in capsys.readouterr().out
    assert _paused() == ("user", "Sending paused by you.")


def test_refused_keys_still_pause_after_a_wrong_key(site, keys, monkeypatch, capsys, memory_keyring):
    from flowdesk.core import policy_words

    reason = policy_words.keys_refused(401, None)
    _outbox_paused(reason, "account")
    assert run(sandbox_args(site, keys), "wrongwrongwrong1", monkeypatch) == 1
    assert _paused() == ("account", reason)
