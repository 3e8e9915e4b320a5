from __future__ import annotations

import json
import os

import pytest

from flowdesk.core.settings import (
    SCHEMA_VERSION,
    FileInUse,
    Settings,
    TimeRounding,
    Visibility,
    load_settings,
    save_settings,
)
from flowdesk.paths import AppPaths
from flowdesk.redact import Category
from tests.conftest import posix_only


def test_defaults_are_the_seeds_except_auto_push():
    s = Settings()
    assert s.auto_push is False
    assert s.auto_time_entry is True
    assert s.time_rounding is TimeRounding.QUARTER_HOUR
    assert s.note_visibility is Visibility.INTERNAL
    assert s.include_diagnostic_steps is True
    assert s.schema_version == SCHEMA_VERSION
    assert all(s.redaction.internal.values()) and all(s.redaction.customer.values()) and s.redaction.allow == []


@pytest.mark.parametrize(("value", "expected"), [("internal", "internal"), ("both", "discussion"), ("discussion", "discussion"), ("resolution", "resolution"), ("BOTH", "discussion")])
def test_visibility_accepts_seed_and_flowdesk_values(value, expected):
    assert Settings.model_validate({"note_visibility": value}).note_visibility == expected


def test_missing_file_gives_defaults(tmp_path):
    r = load_settings(tmp_path / "settings.json")
    assert r.settings == Settings() and r.warnings == []


def test_round_trip_keeps_unknown_keys(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"schema_version": 1, "from_the_future": [1, 2], "connectwise": {"site": "na.myconnectwise.net", "later": True}}))
    r = load_settings(p)
    assert r.warnings == []
    r.settings.auto_push = True
    save_settings(r.settings, p)
    doc = json.loads(p.read_text())
    assert doc["from_the_future"] == [1, 2]
    assert doc["connectwise"]["later"] is True
    assert doc["auto_push"] is True and doc["schema_version"] == SCHEMA_VERSION


def test_seed_document_without_version_is_migrated(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"auto_push": True, "auto_time_entry": False, "time_rounding": "30min", "note_visibility": "both", "include_diagnostic_steps": False}))
    s = load_settings(p).settings
    assert (s.auto_push, s.auto_time_entry, s.time_rounding, s.note_visibility, s.include_diagnostic_steps) == (
        True, False, TimeRounding.HALF_HOUR, Visibility.DISCUSSION, False)
    assert s.schema_version == SCHEMA_VERSION


def test_bad_value_falls_back_with_a_warning(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"time_rounding": "20min", "auto_push": True, "connectwise": {"company": "acme", "client_id": 7}}))
    r = load_settings(p)
    assert r.settings.time_rounding is TimeRounding.QUARTER_HOUR
    assert r.settings.auto_push is True and r.settings.connectwise.company == "acme"
    assert any("time_rounding" in w for w in r.warnings)
    assert any("connectwise.client_id" in w for w in r.warnings)


def test_unreadable_file_is_kept_aside_not_overwritten(tmp_path):
    p = tmp_path / "settings.json"
    p.write_bytes(b"{not json")
    r = load_settings(p)
    assert r.settings == Settings()
    assert len(r.warnings) == 1 and "corrupt" in r.warnings[0]
    kept = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"{not json"


def test_newer_schema_is_kept(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 5}))
    r = load_settings(p)
    assert r.settings.schema_version == SCHEMA_VERSION + 5 and r.warnings


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    p = tmp_path / "settings.json"
    save_settings(Settings(), p)
    before = p.read_bytes()
    import flowdesk.core.settings as mod

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(mod.os, "replace", boom)
    s = Settings(auto_push=True)
    with pytest.raises(OSError):
        save_settings(s, p)
    assert p.read_bytes() == before
    assert [x.name for x in tmp_path.iterdir()] == ["settings.json"]


def test_settings_never_hold_secret_fields():
    doc = Settings().model_dump(mode="json")
    doc.pop("redaction")  # category names ("password", "token"), not values
    names = json.dumps(doc).lower()
    for word in ("private", "password", "secret", "token"):
        assert word not in names


def test_flowdesk_home_puts_everything_under_one_folder(tmp_path):
    paths = AppPaths.from_env({"FLOWDESK_HOME": str(tmp_path / "h")})
    for d in paths.all_dirs():
        assert d.is_relative_to(tmp_path / "h")
    assert paths.settings_file.parent == paths.config_dir
    assert paths.database_file.parent == paths.data_dir


def test_platformdirs_without_home():
    paths = AppPaths.from_env({})
    assert "FlowDesk" in str(paths.config_dir)
    assert len({paths.settings_file, paths.database_file, paths.log_file, paths.cli_log_file}) == 4


# -- redaction: per visibility, schema 2 -> 3 ------------------------------------------------------------


def test_redaction_defaults_redact_everything_for_both_visibilities():
    s = Settings()
    every = ("private_key", "connection_string", "access_key", "password", "token", "email", "unc_path", "ip")
    assert s.redaction_categories("internal") == every == s.redaction_categories("discussion")
    assert s.redaction_categories("resolution") == every == s.enabled_redactions


def test_redaction_per_visibility_and_secrets_always():
    s = Settings.model_validate({"redaction": {
        "internal": {"ip": False, "unc_path": False, "password": False},
        "customer": {"email": False},
    }})  # fmt: skip
    assert s.redaction_categories("internal") == ("private_key", "connection_string", "access_key", "password", "token", "email")
    assert s.redaction_categories("discussion") == s.redaction_categories("resolution")
    assert "email" not in s.redaction_categories("resolution") and "ip" in s.redaction_categories("resolution")
    assert s.redaction.internal["password"] is True  # a secret family cannot be switched off
    s.note_visibility = Visibility.DISCUSSION
    assert s.enabled_redactions == s.redaction_categories("discussion")


def test_one_redaction_map_is_migrated_to_both_visibilities(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"schema_version": 1, "redaction": {"ip": False, "unc_path": True, "ssn": True}}))
    r = load_settings(p)
    assert r.warnings == []
    assert r.settings.redaction.internal["ip"] is False and r.settings.redaction.customer["ip"] is False
    assert r.settings.redaction.internal["ssn"] is True  # a name this version does not know is kept
    assert r.settings.redaction.allow == []
    save_settings(r.settings, p)
    doc = json.loads(p.read_text())
    assert doc["schema_version"] == SCHEMA_VERSION == 3
    assert doc["redaction"]["internal"]["ip"] is False and doc["redaction"]["customer"]["ssn"] is True


def test_a_list_of_categories_is_migrated(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"schema_version": 1, "redaction": ["password", "token", "email"]}))
    s = load_settings(p).settings
    assert s.redaction_categories("internal") == ("private_key", "connection_string", "access_key", "password", "token", "email")


def test_secret_switched_off_in_an_old_file_is_on_with_one_warning(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"schema_version": 1, "redaction": {"password": False, "token": False, "ip": False}}))
    r = load_settings(p)
    assert len(r.warnings) == 1 and "password, token" in r.warnings[0] and "always" in r.warnings[0]
    assert "password" in r.settings.enabled_redactions and "ip" not in r.settings.enabled_redactions


def test_allow_list_is_validated_and_a_bad_entry_says_which(tmp_path):
    s = Settings.model_validate({"redaction": {"allow": [" fs01 ", "*.contoso.local", "10.20.0.0/16", "", "fd00::/8"]}})
    assert s.redaction.allow == ["fs01", "*.contoso.local", "10.20.0.0/16", "fd00::/8"]
    allow = s.redaction_allow
    assert allow.allows(Category.IP, "10.20.3.4") and not allow.allows(Category.IP, "10.21.0.1")
    assert allow.allows(Category.UNC_PATH, "\\\\fs01\\scans") and allow.allows(Category.UNC_PATH, "\\\\nas.contoso.local\\x")
    p = tmp_path / "settings.json"
    p.write_text(json.dumps({"redaction": {"internal": {"ip": False}, "allow": ["fs01", "10.0.0.0/33"]}}))
    r = load_settings(p)
    assert r.settings.redaction.allow == [] and r.settings.redaction.internal["ip"] is False
    assert len(r.warnings) == 1 and "redaction.allow" in r.warnings[0] and "10.0.0.0/33" in r.warnings[0]


def test_settings_name_the_categories_as_redaction_does():
    from flowdesk.core import settings as mod
    from flowdesk.redact import ALL_CATEGORIES, ALWAYS_REDACTED, categories_for
    from flowdesk.redact.policy import CUSTOMER_VISIBLE

    assert tuple(c.value for c in ALL_CATEGORIES) == mod.REDACTION_CATEGORIES
    assert frozenset(c.value for c in ALWAYS_REDACTED) == mod.ALWAYS_REDACTED_NAMES
    assert mod.CUSTOMER_VISIBLE == CUSTOMER_VISIBLE
    switches = {"ip": False, "password": False, "email": True}
    assert Settings.model_validate({"redaction": {"internal": switches}}).redaction_categories("internal") == tuple(
        c.value for c in categories_for(switches)
    )


# ------------------------------------------------ Windows: the file held open by antivirus / the indexer


def _held_open(monkeypatch, times: int | None) -> list[float]:
    """``os.replace`` refused as on Windows while another program holds the file (WinError 5/32 arrive as
    PermissionError) ``times`` times, or always; returns the waits between tries (counted, not slept)."""
    import flowdesk.core.settings as mod

    real = mod.os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if times is None or calls["n"] <= times:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real(src, dst)

    waits: list[float] = []
    monkeypatch.setattr(mod.os, "replace", replace)
    monkeypatch.setattr(mod, "_sleep", waits.append)
    return waits


def test_save_retries_while_another_program_holds_the_file(tmp_path, monkeypatch):
    p = tmp_path / "settings.json"
    save_settings(Settings(), p)
    waits = _held_open(monkeypatch, times=3)
    save_settings(Settings(auto_push=True), p)
    assert load_settings(p).settings.auto_push is True
    assert len(waits) == 3 and waits == sorted(waits)  # backs off
    assert [x.name for x in tmp_path.iterdir()] == ["settings.json"]


def test_save_gives_up_after_about_a_second_with_one_clear_error(tmp_path, monkeypatch):
    p = tmp_path / "settings.json"
    save_settings(Settings(), p)
    before = p.read_bytes()
    waits = _held_open(monkeypatch, times=None)
    with pytest.raises(PermissionError) as info:
        save_settings(Settings(auto_push=True), p)
    assert 0.5 <= sum(waits) <= 1.5
    assert info.value.filename == str(p) and str(p) in str(info.value)  # names the file
    assert "in use by another program" in info.value.strerror
    assert p.read_bytes() == before  # nothing half-written
    assert [x.name for x in tmp_path.iterdir()] == ["settings.json"]  # the temp file is gone


def test_a_file_in_use_is_named_with_single_backslashes():
    """On Windows OSError's str() would show C:\\\\Users\\\\…: the path is written as Explorer shows it."""
    path = r"C:\Users\Łukasz\AppData\Local\FlowDesk\settings.json"
    err = FileInUse(13, "in use by another program for 1 s (an antivirus or the search indexer?): Access is denied", path)
    assert isinstance(err, PermissionError) and err.filename == path
    assert str(err) == "in use by another program for 1 s (an antivirus or the search indexer?): Access is denied: " + path
    assert "\\\\" not in str(err) and "[Errno" not in str(err)


# ------------------------------------------------ macOS: fsync stops at the drive's cache


@posix_only("macOS simulated with the fcntl module, which Windows has not")
def test_macos_save_flushes_the_drive_cache_with_f_fullfsync(tmp_path, monkeypatch):
    import fcntl

    import flowdesk.core.settings as mod

    full = getattr(fcntl, "F_FULLFSYNC", 51)  # Linux's fcntl lacks the constant
    calls: list[int] = []
    fsyncs: list[int] = []
    monkeypatch.setattr(mod.sys, "platform", "darwin")
    monkeypatch.setattr(fcntl, "fcntl", lambda fd, op, *a: calls.append(op) or 0)
    real_fsync = os.fsync
    monkeypatch.setattr(mod.os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
    p = tmp_path / "settings.json"
    save_settings(Settings(auto_push=True), p)
    assert calls == [full]
    assert len(fsyncs) == 1  # only the folder's, which F_FULLFSYNC does not cover
    assert load_settings(p).settings.auto_push is True


@posix_only("macOS simulated with the fcntl module, which Windows has not")
def test_macos_falls_back_to_fsync_where_f_fullfsync_is_refused(tmp_path, monkeypatch):
    import fcntl

    import flowdesk.core.settings as mod

    def refuse(fd, op, *a):
        raise OSError(45, "Operation not supported")  # e.g. a network volume

    fsyncs: list[int] = []
    monkeypatch.setattr(mod.sys, "platform", "darwin")
    monkeypatch.setattr(fcntl, "fcntl", refuse)
    real_fsync = os.fsync
    monkeypatch.setattr(mod.os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
    p = tmp_path / "settings.json"
    save_settings(Settings(auto_push=True), p)
    assert len(fsyncs) == 2  # the file's, then the folder's
    assert load_settings(p).settings.auto_push is True


def test_a_bad_value_of_megabytes_is_a_warning_of_one_short_line(tmp_path):
    """An allow-list entry of 900,000 characters was quoted whole in the warning: a 900 KB "line" on the
    terminal and in the window's banner."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"redaction": {"allow": ["a" * 900_000]}}), encoding="utf-8")
    result = load_settings(path)
    [warning] = result.warnings
    assert warning.startswith("settings: redaction.allow: ") and warning.endswith("…; using the default instead")
    assert len(warning) < 400 and "\n" not in warning
    assert result.settings.redaction_allow == load_settings(tmp_path / "none.json").settings.redaction_allow


def test_a_file_just_over_the_limit_says_by_how_much(tmp_path):
    """1.4 MB read "file is 1 MB; the limit is 1 MB"."""
    path = tmp_path / "settings.json"
    path.write_bytes(b" " * (1024 * 1024 + 400 * 1024))
    [warning] = load_settings(path).warnings
    assert "file is 1,424 KB; the limit is 1,024 KB" in warning
