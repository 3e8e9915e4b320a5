"""Tests for flowdesk.redact: the corpus, the API, the decisions, failing closed.

The corpora in ``corpus/`` hold only fake secrets.  No test here
measures time: the adversarial inputs are run so that a catastrophic
backtracking regression would show up as a hanging test, not as a flaky one.
"""

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdesk.redact import (
    ALL_CATEGORIES,
    MARKERS,
    Category,
    RedactionError,
    RedactionResult,
    Span,
    engine,
    find_markers,
    redact,
)

CORPUS_DIR = Path(__file__).parent / "corpus"


def _load(name: str) -> list[dict]:
    with (CORPUS_DIR / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


SECRETS = _load("secrets.jsonl")
ORDINARY = _load("ordinary.jsonl")
SECRET_LINES = [e["line"] for e in SECRETS]
ORDINARY_LINES = [e["line"] for e in ORDINARY]
ALL_SECRETS = sorted({s for e in SECRETS for s in e["secrets"]})


def _short(text: str) -> str:
    return text[:60].replace("\n", "\\n")


def _check_spans(result: RedactionResult) -> None:
    spans = result.spans
    assert list(spans) == sorted(spans, key=lambda s: s.start)
    prev_end = 0
    for span in spans:
        assert 0 <= prev_end <= span.start < span.end <= len(result.text)
        assert result.text[span.start : span.end] == MARKERS[span.category]
        prev_end = span.end
    per_category = {cat.value: 0 for cat in Category}
    for span in spans:
        per_category[span.category.value] += 1
    assert per_category == result.counts
    assert result.total == len(spans)


# --------------------------------------------------------------------------
# Corpus files
# --------------------------------------------------------------------------


def test_corpus_sizes_and_shape() -> None:
    assert len(SECRETS) >= 60
    assert len(ORDINARY) >= 60
    # issue 16 grew the corpus by at least 20 secret lines (105 before) and some ordinary ones (126)
    assert len(SECRETS) >= 125 and len(ORDINARY) >= 140
    known = {c.value for c in Category}
    for entry in SECRETS:
        assert set(entry) == {"line", "categories", "secrets"}
        assert entry["categories"] and set(entry["categories"]) <= known
        assert entry["secrets"]
        for secret in entry["secrets"]:
            assert secret in entry["line"], secret
            assert all(secret not in marker for marker in MARKERS.values())
    for entry in ORDINARY:
        assert set(entry) == {"line"}


def test_every_category_is_covered_by_the_corpus() -> None:
    covered = {c for entry in SECRETS for c in entry["categories"]}
    assert covered == {c.value for c in Category}


# --------------------------------------------------------------------------
# Corpus behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("entry", SECRETS, ids=[_short(e["line"]) for e in SECRETS])
def test_secret_lines_are_redacted(entry: dict) -> None:
    result = redact(entry["line"])
    for secret in entry["secrets"]:
        assert secret not in result.text
    for category in entry["categories"]:
        assert result.counts[category] >= 1, category
        assert MARKERS[Category(category)] in result.text
    # nothing outside the listed categories fires on these lines
    for category, count in result.counts.items():
        if category not in entry["categories"]:
            assert count == 0, category
    _check_spans(result)


@pytest.mark.parametrize("line", ORDINARY_LINES, ids=[_short(x) for x in ORDINARY_LINES])
def test_ordinary_lines_are_unchanged(line: str) -> None:
    result = redact(line)
    assert result.text == line
    assert result.total == 0
    assert result.spans == ()
    assert set(result.counts) == {c.value for c in Category}


@pytest.mark.parametrize("line", SECRET_LINES + ORDINARY_LINES)
def test_idempotent_over_corpus(line: str) -> None:
    first = redact(line)
    second = redact(first.text)
    assert second.text == first.text
    assert second.total == 0
    assert second.spans == ()


def test_whole_corpus_as_one_note() -> None:
    # a BEGIN without END swallows the rest of the note (fail safe): put it last
    truncated = [x for x in SECRET_LINES if "BEGIN" in x and "END" not in x]
    complete = [x for x in SECRET_LINES if x not in truncated]
    note = "\n".join(x for pair in zip(ORDINARY_LINES, complete, strict=False) for x in pair)
    note += "\n" + "\n".join(ORDINARY_LINES[len(complete) :] + truncated)
    result = redact(note)
    assert result.text.endswith("[PRIVATE KEY REDACTED]")
    assert all(result.counts[c.value] > 0 for c in Category)
    for secret in ALL_SECRETS:
        assert secret not in result.text
    for line in ORDINARY_LINES:
        assert line in result.text
    _check_spans(result)
    assert redact(result.text).text == result.text


def test_find_markers_finds_what_redact_inserted() -> None:
    for line in SECRET_LINES:
        result = redact(line)
        assert find_markers(result.text) == list(result.spans)


# --------------------------------------------------------------------------
# API details
# --------------------------------------------------------------------------


def test_markers_and_order() -> None:
    assert MARKERS == {
        Category.IP: "[IP REDACTED]",
        Category.EMAIL: "[EMAIL REDACTED]",
        Category.TOKEN: "[TOKEN REDACTED]",
        Category.UNC_PATH: "[UNC PATH REDACTED]",
        Category.PASSWORD: "[PASSWORD REDACTED]",
        Category.CONNECTION_STRING: "[CONNECTION STRING REDACTED]",
        Category.PRIVATE_KEY: "[PRIVATE KEY REDACTED]",
        Category.ACCESS_KEY: "[ACCESS KEY REDACTED]",
    }
    assert ALL_CATEGORIES == (
        Category.PRIVATE_KEY,
        Category.CONNECTION_STRING,
        Category.ACCESS_KEY,
        Category.PASSWORD,
        Category.TOKEN,
        Category.EMAIL,
        Category.UNC_PATH,
        Category.IP,
    )
    assert Category.UNC_PATH == "unc_path"


def test_result_shape() -> None:
    result = redact("mail jsmith@contoso.com from 10.0.0.15")
    assert result.text == "mail [EMAIL REDACTED] from [IP REDACTED]"
    assert result.spans == (Span(5, 21, Category.EMAIL), Span(27, 40, Category.IP))
    assert result.counts == {c.value: 0 for c in Category} | {"email": 1, "ip": 1}
    assert result.total == 2
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


def test_empty_text() -> None:
    result = redact("")
    assert result.text == "" and result.spans == () and result.total == 0


def test_non_str_input_raises_type_error() -> None:
    for bad in (None, b"password=abc", 42, ["x"]):
        with pytest.raises(TypeError):
            redact(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        find_markers(None)  # type: ignore[arg-type]


def test_unknown_category_raises_value_error() -> None:
    with pytest.raises(ValueError):
        redact("x", ["ip", "ssn"])
    with pytest.raises(ValueError):
        redact("x", "ip")  # a bare string is an iterable of one-letter names
    with pytest.raises(ValueError):
        redact("x", [3])  # type: ignore[list-item]


def test_categories_accept_enum_and_str() -> None:
    line = "jsmith@contoso.com at 10.0.0.15"
    assert redact(line, [Category.IP]).text == "jsmith@contoso.com at [IP REDACTED]"
    assert redact(line, ["ip"]).text == "jsmith@contoso.com at [IP REDACTED]"
    assert redact(line, ("email", Category.IP)).text == "[EMAIL REDACTED] at [IP REDACTED]"
    assert redact(line, []).text == line
    assert redact(line, None).text == "[EMAIL REDACTED] at [IP REDACTED]"


@pytest.mark.parametrize("entry", SECRETS, ids=[_short(e["line"]) for e in SECRETS])
def test_disabled_categories_are_untouched(entry: dict) -> None:
    line = entry["line"]
    assert redact(line, []).text == line
    for category in Category:
        others = [c for c in ALL_CATEGORIES if c is not category]
        result = redact(line, others)
        assert result.counts[category.value] == 0
        assert MARKERS[category] not in result.text
        only = redact(line, [category])
        assert all(count == 0 for name, count in only.counts.items() if name != category.value)
        _check_spans(only)


def test_disabled_category_keeps_its_text() -> None:
    line = "Printer 10.0.5.23, user jsmith@contoso.com, share \\\\fs01\\scans"
    assert redact(line, ["email"]).text == "Printer 10.0.5.23, user [EMAIL REDACTED], share \\\\fs01\\scans"
    assert redact(line, ["ip", "unc_path"]).text == (
        "Printer [IP REDACTED], user jsmith@contoso.com, share [UNC PATH REDACTED]"
    )


def test_existing_markers_are_kept_and_not_counted() -> None:
    text = "password=[PASSWORD REDACTED] and [IP REDACTED]:3389, Bearer [TOKEN REDACTED]"
    result = redact(text)
    assert result.text == text
    assert result.total == 0
    assert [s.category for s in find_markers(text)] == [Category.PASSWORD, Category.IP, Category.TOKEN]


def test_markers_of_disabled_categories_are_protected_too() -> None:
    text = "[EMAIL REDACTED] at 10.0.0.1"
    assert redact(text, ["ip"]).text == "[EMAIL REDACTED] at [IP REDACTED]"


def test_find_markers_positions() -> None:
    text = "a [IP REDACTED] b [CONNECTION STRING REDACTED]"
    assert find_markers(text) == [Span(2, 15, Category.IP), Span(18, 46, Category.CONNECTION_STRING)]
    assert find_markers("no markers [ip redacted]") == []


# --------------------------------------------------------------------------
# Decisions for ambiguous cases
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # IPs vs versions
        ("10.0.0.15", "[IP REDACTED]"),
        ("Windows 10.0.19045.4170", "Windows 10.0.19045.4170"),
        ("build 16.0.17928.20114", "build 16.0.17928.20114"),
        ("OID 1.3.6.1.4.1", "OID 1.3.6.1.4.1"),
        ("1.2.3.4.5", "1.2.3.4.5"),
        ("Version=4.0.0.0", "Version=4.0.0.0"),
        ("agent v1.2.3.4", "agent v1.2.3.4"),
        ("10.0.0.256", "10.0.0.256"),
        ("mask 255.255.255.0 route 0.0.0.0/0", "mask 255.255.255.0 route 0.0.0.0/0"),
        ("loopback 127.0.0.1", "loopback [IP REDACTED]"),
        ("10.0.0.0/24 and 10.0.0.5:3389.", "[IP REDACTED] and [IP REDACTED]:3389."),
        # IPv6
        ("fe80::1ff:fe23:4567:890a%eth0", "[IP REDACTED]"),
        ("::1 ::ffff:192.0.2.1 2001:db8::8a2e:370:7334", "[IP REDACTED] [IP REDACTED] [IP REDACTED]"),
        ("http://[2001:db8::1]:8080/", "http://[[IP REDACTED]]:8080/"),
        ("MAC 00:1A:2B:3C:4D:5E at 10:15:00", "MAC 00:1A:2B:3C:4D:5E at 10:15:00"),
        ("[Convert]::FromBase64String($x); std::string; a::b; fe80::", None),
        # hashes and keys
        ("SHA256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", None),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "[TOKEN REDACTED]"),
        ("Thumbprint: 3B1EFD3A66EA28B16697394703A72CA340A05BD5", None),
        ("Session: 6f1c2b7e-4d1a-4c8e-9f3b-2a7d9e1c5b40", None),
        # passwords
        ("Password: (not recorded)", None),
        ("Password: N/A", None),
        ("Password reset completed for user jsmith", None),
        ("password=hunter2!", "password=[PASSWORD REDACTED]"),
        ('"password": "x1y2z3"', '"password": "[PASSWORD REDACTED]"'),
        ("Password: Summer2024!.", "Password: [PASSWORD REDACTED]."),
        ("the password is Summer2024!", "the password is [PASSWORD REDACTED]"),
        ("the password is expired", None),
        ("the password is 14 characters long", None),
        ("Passphrase: correct horse battery 9", "Passphrase: [PASSWORD REDACTED]"),
        ("-Password $secure", None),
        ("Enable password writeback", None),
        # tokens
        ("Basic troubleshooting", None),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [TOKEN REDACTED]"),
        # connection strings
        ("Server=a;Database=b;Integrated Security=SSPI;", None),
        ("Server=a;Database=b;User Id=c;Password=d;", "[CONNECTION STRING REDACTED]"),
        (
            "https://portal.azure.com/#blade and https://u:p4ss@example.com/x.",
            "https://portal.azure.com/#blade and [CONNECTION STRING REDACTED].",
        ),
        # UNC
        ("\\\\?\\C:\\Temp and \\\\.\\pipe\\x", None),
        ("open \\\\fs01\\Shared Drive\\HR Docs\\a.xlsx now", "open [UNC PATH REDACTED] now"),
    ],
)
def test_decisions(text: str, expected: str | None) -> None:
    _expect(text, expected)


def test_private_key_without_end_redacts_to_the_end() -> None:
    text = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAfake\nrest of note\nuser@x.com"
    assert redact(text).text == "before\n[PRIVATE KEY REDACTED]"


def test_private_key_block_is_one_marker() -> None:
    text = "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\nAAAA\n-----END OPENSSH PRIVATE KEY-----\nb"
    result = redact(text)
    assert result.text == "a\n[PRIVATE KEY REDACTED]\nb"
    assert result.counts["private_key"] == 1


def test_a_second_pass_runs_when_a_later_marker_exposes_a_match() -> None:
    # pass 1: the IP is redacted; only then does the config value end its line
    text = "line vty 0 4\n password 7 0822455D0A16 10.0.0.1\n login"
    _, passes = engine.run_passes(text, ALL_CATEGORIES, lambda category, value: False)
    assert passes == 2
    result = redact(text)
    assert result.text == "line vty 0 4\n password 7 [PASSWORD REDACTED] [IP REDACTED]\n login"
    assert redact(result.text).total == 0
    _check_spans(result)


def test_later_patterns_do_not_match_inside_markers() -> None:
    # the IP inside the connection string is gone with it, not counted as an IP
    result = redact("Server=10.0.0.5;Database=x;User Id=sa;Password=P4ss;")
    assert result.text == "[CONNECTION STRING REDACTED]"
    assert result.counts["ip"] == 0


# --------------------------------------------------------------------------
# Fail closed
# --------------------------------------------------------------------------


class _ExplodingPattern:
    """Stands in for a compiled pattern; every use raises, quoting the text."""

    def _boom(self, text: str = "", *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom on {text!r}")

    finditer = search = match = fullmatch = findall = sub = _boom


SENSITIVE = "private note: user jsmith@contoso.com password=Hunter2!Secret at 10.0.0.15 eyJhbGciOi.eyJzdWIi.x"


@pytest.mark.parametrize("rule_id", ["email-address", "pem-private-key", "ipv4-address", "password-value", "jwt"])
def test_fails_closed_when_a_pattern_raises(monkeypatch: pytest.MonkeyPatch, rule_id: str) -> None:
    category = next(r.category for r in engine.RULES if r.id == rule_id)
    rules = tuple(
        dataclasses.replace(r, pattern=_ExplodingPattern()) if r.id == rule_id else r  # type: ignore[arg-type]
        for r in engine.BY_CATEGORY[category]
    )
    monkeypatch.setitem(engine.BY_CATEGORY, category, rules)
    with pytest.raises(RedactionError) as info:
        redact(SENSITIVE)
    message = str(info.value) + repr(info.value.args)
    for fragment in ("jsmith", "contoso", "Hunter2", "Secret", "10.0.0.15", "password=", "private note"):
        assert fragment not in message
    # nothing chained that could leak the input through a traceback
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


def test_fails_closed_on_a_bad_span(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad_find(self: object, rule: object, stretches: object):  # overlapping spans across pieces
        yield 0, 2, False
        yield 1, 30, False

    monkeypatch.setattr(engine._Run, "_find_in", bad_find)
    with pytest.raises(RedactionError):
        redact("abcdef [IP REDACTED] abc@example.com")


def test_error_message_for_type_and_value_errors_has_no_input() -> None:
    with pytest.raises(TypeError) as info:
        redact(b"secret-bytes")  # type: ignore[arg-type]
    assert "secret-bytes" not in str(info.value)
    with pytest.raises(ValueError) as info2:
        redact("x", ["password=abc"])
    assert "password=abc" not in str(info2.value)


# --------------------------------------------------------------------------
# Adversarial inputs (timings are reported, never asserted)
# --------------------------------------------------------------------------

ADVERSARIAL = {
    "dotted": "a." * 100_000,
    "colons": ":" * 200_000,
    "hex-colons": "a:" * 100_000,
    "digit-dots": "1." * 100_000,
    "base64": ("AbCd0123+/xYz9" * 15_000)[:200_000],
    "hex": "0123456789abcdef" * 12_500,
    "base64url-words": ("Ab-Cd_01-" * 23_000)[:200_000],
    "backslashes": "\\" * 200_000,
    "unc-ish": "\\\\a\\" * 50_000,
    "key-equals": "a= " * 66_000,
    "pairs": "a=a;" * 50_000,
    "password-keys": "password=" * 22_000,
    "at-signs": "a@" * 100_000,
    "email-ish": "a@b." * 50_000,
    "dashes": "-" * 200_000,
    "pem-begins": "-----BEGIN RSA PRIVATE KEY-----\nabc\n" * 5_000,
    "jwt-ish": "eyJabcd." * 25_000,
    "words": "word " * 40_000,
    "digit-dash": "123456-" * 28_000,
    "schemes": "a://" * 50_000,
    "net-use": "net use \\\\a\\b " * 12_000,
    "newlines": "\n" * 200_000,
    # the rules of the leak hunts (a check or a pattern that reads to the end of a long line costs its square)
    "password-colons": "Password: " * 20_000,
    "password-answers": "What is the new password?\n \u2192 Response: Xy7#kLm2\n" * 4_000,
    "pin-words": "pin " * 50_000,
    "dash-u-dash-p": "-u a -p " * 25_000,
    "mysql-p": "mysql -p" * 25_000,
    "wifi-slash": "wifi a / " * 22_000,
    "door-codes": "door code 1234 " * 13_000,
    "secret-key": "secret key " * 18_000,
    "changed-it-to": "password changed it to " * 8_000,
    "dollar-pass": "$pass = " * 22_000,
    "email-slash": "a@b.co / " * 22_000,
    "question-marks": "password? " * 20_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_inputs_complete(name: str) -> None:
    text = ADVERSARIAL[name]
    result = redact(text)
    _check_spans(result)
    assert isinstance(result.text, str)


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

_PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_marker_text = st.sampled_from(list(MARKERS.values()))
_corpus_line = st.sampled_from(SECRET_LINES + ORDINARY_LINES)
_separator = st.sampled_from(["", " ", "\n", "\t", "; ", ": ", "=", "\r\n", "\\\\"])
_snippet = st.one_of(_corpus_line, st.text(max_size=30), _marker_text, st.sampled_from(ALL_SECRETS))
_mixed_text = st.lists(st.tuples(_snippet, _separator), max_size=8).map(
    lambda parts: "".join(a + b for a, b in parts)
)


def _check_properties(text: str) -> None:
    result = redact(text)
    _check_spans(result)
    again = redact(result.text)
    assert again.text == result.text
    assert again.total == 0
    for secret in ALL_SECRETS:
        assert result.text.count(secret) <= text.count(secret)


@_PROPERTY_SETTINGS
@given(st.text())
def test_property_arbitrary_text(text: str) -> None:
    _check_properties(text)


@_PROPERTY_SETTINGS
@given(_mixed_text)
def test_property_corpus_interleaved_with_random_text(text: str) -> None:
    _check_properties(text)


@_PROPERTY_SETTINGS
@given(_mixed_text, st.sets(st.sampled_from(list(Category))))
def test_property_subsets_of_categories(text: str, enabled: set[Category]) -> None:
    result = redact(text, enabled)
    _check_spans(result)
    for category in Category:
        if category not in enabled:
            assert result.counts[category.value] == 0
    assert redact(result.text, enabled).total == 0


# --------------------------------------------------------------------------------------------------
# The misses of issue 16 (secrets written for the test)
# --------------------------------------------------------------------------------------------------


def _expect(text: str, expected: str | None) -> None:
    """``text`` redacts to ``expected`` (None: unchanged), and redacting that again changes nothing."""
    result = redact(text)
    assert result.text == (text if expected is None else expected)
    assert redact(result.text).text == result.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ConnectWise … Private Key: Zx8Cv6Bn4Mq2Wr0T", "ConnectWise … Private Key: [TOKEN REDACTED]"),
        ("Public Key: Qm7Rt2Yw9Lp4Xc1V", "Public Key: [TOKEN REDACTED]"),
        ("API key: 7hG2kLmN9pQr4sTv", "API key: [TOKEN REDACTED]"),
        ("radius-server host 10.1.1.5 key R4d1usSh@red!", "radius-server host [IP REDACTED] key [PASSWORD REDACTED]"),
        ("tacacs-server key T4c4cs!Key", "tacacs-server key [PASSWORD REDACTED]"),
        ("radius shared secret is Sh4red!Rad1us", "radius shared secret is [PASSWORD REDACTED]"),
        ("creds admin / Adm1n!Pass2026", "creds admin / [PASSWORD REDACTED]"),
        ("creds: admin/Nas#2026pw", "creds: admin/[PASSWORD REDACTED]"),
        ("wifi pass Gu3st!Wifi2026", "wifi pass [PASSWORD REDACTED]"),
        ("    wpa-psk Wh4tTheW1f1", "    wpa-psk [PASSWORD REDACTED]"),
        ("PSK: Lobby-Wifi-2026!", "PSK: [PASSWORD REDACTED]"),
        ("crypto ikev2 keyring: pre-shared-key Vpn!Psk2026", "crypto ikev2 keyring: pre-shared-key [PASSWORD REDACTED]"),
        ("the psk is Tunnel!Key2026", "the psk is [PASSWORD REDACTED]"),
        ("snmp-server community Publ1cR3ad RO", "snmp-server community [PASSWORD REDACTED] RO"),
        ("passphrase 'correct horse battery staple'", "passphrase '[PASSWORD REDACTED]'"),
        ('passphrase "correct horse battery staple"', 'passphrase "[PASSWORD REDACTED]"'),
        # ordinary lines stay as they are
        ("the key was in the drawer", None),
        ("reset the Wi-Fi password policy", None),
        ("tacacs-server timeout 10", None),
        ("the RADIUS shared secret is mismatched between the WAP and NPS", None),
    ],
)
def test_issue_16_misses(text: str, expected: str | None) -> None:
    _expect(text, expected)


def test_an_ip_is_redacted_only_when_its_category_applies() -> None:
    assert redact("RADIUS server is 10.1.1.5").text == "RADIUS server is [IP REDACTED]"
    others = [c for c in ALL_CATEGORIES if c is not Category.IP]
    assert redact("RADIUS server is 10.1.1.5", others).text == "RADIUS server is 10.1.1.5"


def test_bitlocker_recovery_keys_need_the_checksum_or_a_label() -> None:
    valid = "000011-000022-000033-000044-000055-000066-000077-000088"  # every group divisible by 11
    invalid = "123456-234567-345678-456789-567890-678901-789012-890123"
    assert redact(f"unlocked with {valid}").text == "unlocked with [TOKEN REDACTED]"
    assert redact(f"recovery key {invalid}").text == "recovery key [TOKEN REDACTED]"
    assert redact(f"BitLocker: {invalid}").text == "BitLocker: [TOKEN REDACTED]"
    assert redact(f"order {invalid}").text == f"order {invalid}"


# --------------------------------------------------------------------------------------------------
# Labels in the note's language, and the label words around them (secrets written for the test)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a long label may end a compound word; a short one must start a word
        ("Adminkennwort: Wint3r#Adm", "Adminkennwort: [PASSWORD REDACTED]"),
        ("WLAN-Passwort: Gast!2026wl", "WLAN-Passwort: [PASSWORD REDACTED]"),
        ("autoclave: Xy7#kLm2", None),
        ("Ensenha: Xy7#kLm2", None),
        ("adminMdp: Xy7#kLm2", "adminMdp: [PASSWORD REDACTED]"),
        # a qualifier between the label and its separator
        ("Passwort alt: Alt#2025xy, Passwort neu: Neu#2026xy", "Passwort alt: [PASSWORD REDACTED], Passwort neu: [PASSWORD REDACTED]"),
        ("PW (neu): Neu#2026xy", "PW (neu): [PASSWORD REDACTED]"),
        # 'pass' with ':' or ' - ' takes a value that looks like a password
        ("Pass: Xy7#kLm2", "Pass: [PASSWORD REDACTED]"),
        ("pass - 48213377", "pass - [PASSWORD REDACTED]"),
        ("QA pass: ok", None),
        ("first pass: 12 files", None),
        # a label cut off by a marker is not a Cisco 'password X' line (the fixpoint saw 'password (new): ')
        ("password (new): Xy7#kLm2", "password (new): [PASSWORD REDACTED]"),
        ("password (temp): Xy7#kLm2", "password (temp): [PASSWORD REDACTED]"),
        # localized placeholders are not values
        ("Passwort: unverändert", None),
        ("mot de passe : aucun", None),
        ("wachtwoord: zie IT Glue", None),
    ],
)
def test_labels_in_other_languages(text: str, expected: str | None) -> None:
    _expect(text, expected)


# --------------------------------------------------------------------------------------------------
# What a leak hunt over ~2,100 lines of notes, commands and configs found (secrets written for the test)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an answer on the line after its question: FlowDesk's own note format, and a conversation
        (
            "3. [Question] What is the user's new password?\n → Response: Spr1ng#2026",
            "3. [Question] What is the user's new password?\n → Response: [PASSWORD REDACTED]",
        ),
        (
            "5. [Question] What is the new voicemail PIN?\n → Response: 2580 (she will change it)",
            "5. [Question] What is the new voicemail PIN?\n → Response: [PASSWORD REDACTED] (she will change it)",
        ),
        (
            "FlowPilot: What temporary password did you set?\nEngineer: \"Spr1ng#2026\"",
            "FlowPilot: What temporary password did you set?\nEngineer: \"[PASSWORD REDACTED]\"",
        ),
        ("Password:\nSpr1ng#2026", "Password:\n[PASSWORD REDACTED]"),
        ("Password:\r\nSpr1ng#2026\r\n", "Password:\r\n[PASSWORD REDACTED]\r\n"),  # Windows line ends
        (
            "3. [Question] What is the user's new password?\r\n → Response: Spr1ng#2026\r\n",
            "3. [Question] What is the user's new password?\r\n → Response: [PASSWORD REDACTED]\r\n",
        ),
        ("4. [Question] Was the password changed in the last 7 days?\n → Response: Yes", None),
        ("6. [Question] Does sign-in work with the same password?\n → Response: Yes, OWA works", None),
        ("7. [Action] Check the password expiry date\n → Response: 2026-03-01", None),
        ("Password:\n(not recorded)", None),
        # ... only when the line asks for the value, and the answer is not a code, a name or a version
        ("2. [Question] Which error code appears after the password prompt?\n → Response: 0x80070005", None),
        ("5. [Question] What version of the password manager is installed?\n → Response: v7.2.8-build1639", None),
        ("FlowPilot: Which account gets the password reset?\nEngineer: LAPTOP-8F2K1QX", None),
        ("FlowPilot: What is the new password?\nEngineer: jdoe@contoso.example", "FlowPilot: What is the new password?\nEngineer: [EMAIL REDACTED]"),
        ("Password reset for the following account:\nUser: svc_backup", None),
        ("To change the password:\nCtrl+Alt+Del", None),
        # a UNC path without quotes ends before the words of a sentence and before a switch
        (
            "Mapped \\\\fs01\\share for the user and granted CONTOSO\\jdoe modify",
            "Mapped [UNC PATH REDACTED] for the user and granted CONTOSO\\jdoe modify",
        ),
        ("New-PSDrive -Root \\\\fs01\\share -Credential contoso\\jdoe", "New-PSDrive -Root [UNC PATH REDACTED] -Credential contoso\\jdoe"),
        ("Mapped S: to \\\\fs01\\Shared Drive\\HR Docs\\payroll.xlsx", "Mapped S: to [UNC PATH REDACTED]"),
        # an e-mail address leaves its quotes
        ("$u = 'jdoe@contoso.example'", "$u = '[EMAIL REDACTED]'"),
        # a separator or a label cut off by a marker is not a value of its own
        ("password = Welc0me#42", "password = [PASSWORD REDACTED]"),
        ("password - Welc0me#42", "password - [PASSWORD REDACTED]"),
        ("set password as Welc0me#42", "set password as [PASSWORD REDACTED]"),
        # prose, not config lines
        ("password sync", None),
        ("secret santa", None),
        ("password cisco123", "password [PASSWORD REDACTED]"),
        ("set password for jsmith in ADUC", None),
        ("    set passwd Fake#42x", "    set passwd [PASSWORD REDACTED]"),
        # a port is not a password; mysql's -p with a space asks for one
        ("docker run -u 1000 -p 8080:80 nginx", None),
        # placeholders and the words around PINs
        ("the PIN is required", None),
        ("the wifi key is WPA2-Personal", None),
        ("Password: SSO", None),
    ],
)
def test_leak_hunt(text: str, expected: str | None) -> None:
    _expect(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bearer $TOKEN", None),
        ("DB_PASSWORD=${DB_PASSWORD}", None),
        ("set PASSWORD=%PASSWORD%", None),
        ("password=$WINTER2024", "password=[PASSWORD REDACTED]"),
        ("password=$ecureP4ss", "password=[PASSWORD REDACTED]"),
    ],
)
def test_a_variable_is_not_a_value_but_a_password_may_begin_with_a_dollar(text: str, expected: str | None) -> None:
    _expect(text, expected)
