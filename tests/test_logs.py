from __future__ import annotations

import logging

import pytest

from flowdesk.logs import MASK, get_logger, mask_secrets, register_secret, setup_logging

PRIVATE = "k3yPr1vat3ZZ99aa"


@pytest.mark.parametrize(
    "line",
    [
        f"Authorization: Basic {PRIVATE}",
        f"headers={{'Authorization': 'Basic {PRIVATE}'}}",
        f"curl -H 'Authorization: Bearer {PRIVATE}' https://x",
        f'{{"private_key": "{PRIVATE}"}}',
        f"privateKey={PRIVATE}&x=1",
        f"refresh_token={PRIVATE}",
        f"password: {PRIVATE}",
        f"acme+pUbLiCkEy123:{PRIVATE}",
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ],
)
def test_patterns_mask(line):
    out = mask_secrets(line)
    assert PRIVATE not in out and "eyJzdWIi" not in out and MASK in out


def test_registered_secret_masked_anywhere():
    assert PRIVATE in mask_secrets(f"weird place {PRIVATE}")
    register_secret(PRIVATE)
    assert mask_secrets(f"weird place {PRIVATE}!") == f"weird place {MASK}!"


def test_records_masked_at_the_source_for_every_handler(caplog, tmp_path):
    register_secret(PRIVATE)
    setup_logging(tmp_path / "logs" / "f.log", verbose=False)
    log = get_logger("connectwise")
    with caplog.at_level(logging.DEBUG, logger="flowdesk"):
        log.info("posting with %s", PRIVATE)
        try:
            raise RuntimeError(f"boom {PRIVATE}")
        except RuntimeError:
            log.exception("failed")
    assert PRIVATE not in caplog.text
    for h in logging.getLogger("flowdesk").handlers:
        h.flush()
    text = (tmp_path / "logs" / "f.log").read_text()
    assert "posting with" in text and "boom" in text
    assert PRIVATE not in text
    setup_logging(None)


def test_ordinary_text_untouched():
    line = "Posted note 4411 to ticket 48211 (x-cw-request-id 7f3a), visibility internal"
    assert mask_secrets(line) == line


def test_the_log_rotates_as_logging_handlers_would(tmp_path):
    """flowdesk.log -> .1 -> .2 … -> .{backups}, the oldest dropped (RotatingFileHandler's scheme, without
    importing logging.handlers before the window's first paint)."""
    from flowdesk.log_rotation import SafeRotatingFileHandler

    path = tmp_path / "flowdesk.log"
    handler = SafeRotatingFileHandler(path, max_bytes=200, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    try:
        for i in range(40):
            handler.handle(logging.LogRecord("flowdesk.t", logging.INFO, __file__, 1, f"record {i:03d} " + "x" * 30, None, None))
    finally:
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["flowdesk.log", "flowdesk.log.1", "flowdesk.log.2"]
    assert all(p.stat().st_size < 200 for p in tmp_path.iterdir())
    newest, older = path.read_text(encoding="utf-8"), (tmp_path / "flowdesk.log.1").read_text(encoding="utf-8")
    assert "record 039" in newest and "record 000" not in newest + older  # the oldest went with .3
    assert int(older.split()[-2]) + 1 == int(newest.split()[1])  # .1 ends just where the current file begins
    assert handler.reported is None


def test_the_windows_log_is_plain_until_its_first_paint_then_rotates(tmp_path, monkeypatch):
    """``rotate=False`` (the window before its first paint): no rotation, whatever the size; rotate_log()
    (just after the paint) puts a rotating handler on the same file with the same level, format and masking."""
    from flowdesk import logs
    from flowdesk.log_rotation import SafeRotatingFileHandler
    from flowdesk.logs import rotate_log

    monkeypatch.setattr(logs, "MAX_BYTES", 300)
    path = tmp_path / "logs" / "flowdesk.log"
    register_secret(PRIVATE)
    root = logging.getLogger("flowdesk")
    log = get_logger("ui")
    try:
        setup_logging(path, rotate=False)
        [plain] = [h for h in root.handlers if isinstance(h, logging.FileHandler)]
        assert not isinstance(plain, SafeRotatingFileHandler)
        for i in range(10):
            log.info("before %02d %s", i, "x" * 40)
        assert path.stat().st_size > 300 and not path.with_name("flowdesk.log.1").exists()  # it never rotated

        rotate_log()
        [rotating] = [h for h in root.handlers if isinstance(h, logging.FileHandler)]
        assert isinstance(rotating, SafeRotatingFileHandler) and rotating.baseFilename == plain.baseFilename
        assert (rotating.level, rotating.formatter, rotating.filters) == (plain.level, plain.formatter, plain.filters)
        log.info("after %s", PRIVATE)
        log.debug("not at INFO")
        rotating.flush()
        assert "before 09" in path.with_name("flowdesk.log.1").read_text(encoding="utf-8")  # rotated at once
        text = path.read_text(encoding="utf-8")
        assert "INFO    flowdesk.ui [MainThread] after ********" in text and PRIVATE not in text and "not at INFO" not in text
        rotate_log()  # no plain handler left: nothing happens
        assert [h for h in root.handlers if isinstance(h, logging.FileHandler)] == [rotating]
    finally:
        setup_logging(None)


def test_a_window_that_fails_before_its_first_paint_leaves_its_traceback_in_its_log(flowdesk_home, monkeypatch, capsys):
    """The window's log is plain (not yet rotating) until the first paint: a failure before it is in the log all
    the same, masked, and the user gets one line naming the file."""
    from flowdesk import cli
    from flowdesk.paths import AppPaths

    def broken_window(ctx, *, demo=False, tray=False):
        raise RuntimeError(f"the window broke; password={PRIVATE}")

    monkeypatch.setattr(cli, "run_gui", broken_window)
    try:
        assert cli.main([]) == 1
        [handler] = [h for h in logging.getLogger("flowdesk").handlers if isinstance(h, logging.FileHandler)]
        handler.flush()
    finally:
        setup_logging(None)
    log = AppPaths.from_env().log_file
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: the window broke" in text and PRIVATE not in text
    assert capsys.readouterr().err == f"flowdesk: Unexpected error (RuntimeError); the details are in {log}. Please report it.\n"
