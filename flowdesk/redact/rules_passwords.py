"""Passwords written with a label: ``password=X``, ``Password: X``, ``the password is X``, ``-Password X``,
``wifi pass X``, ``the PSK is X``, ``creds admin / X``. The label stays; only the value is replaced.

Decisions (tests/redact/corpus/ holds an example of each):

* A quoted value is replaced inside the quotes. An unquoted value is one whitespace-free token;
  trailing ``.,;:`` and unbalanced closing brackets are sentence punctuation and stay. In a URL query
  (``?user=a&password=X&next=1``) the value stops at ``&``/``#``. A passphrase is the rest of the line.
* Placeholders are not values (``Password: (not recorded)``, ``N/A``, ``see vault``, ``********``); a
  bracketed phrase is a placeholder only if it holds no digit.
* Words without a value are left alone ("Password reset completed", "Password policy: 14 characters").
* In prose ("the password is X", "reset the password to X", "wifi pass X") the value must hold a digit
  or a symbol, or be quoted: Windows complexity makes every real AD password qualify, while "the
  password is expired" does not.
* PowerShell variables and expressions are not values (``-Password $secure``, ``= Read-Host ...``).
"""

from __future__ import annotations

import re

from flowdesk.redact.checks import (
    HAS_DIGIT_RE,
    PROSE_LIKE_RE,
    UNIT_WORDS,
    not_placeholder,
    prose_like,
    quoted_or_password_like,
    strong_word,
)
from flowdesk.redact.model import Category, Found, Rule, rx

PW = Category.PASSWORD

# -- labels ------------------------------------------------------------------------------------------
# Any prefix may stand before a long label ("DB_PASSWORD", "adminPassword"); a short one must start a
# word or a camelCase part ("db_pwd", "userPin"), so "Spin: 1200" and "bypass=true" are not labels.
_LABEL = r"p(?:ass(?:word|wd|phrase|[ _\-]phrase|code)?|wd|w|sk(?:secret)?|in|re-?shared[ _\-]?key)"
_WIFI_LABEL = r"(?:w(?:pa[23]?|i-?fi|lan|ireless)[ _\-]?(?:key|psk)|network[ _\-]?(?:key|psk))"
_LONG_LABEL_RE = re.compile(r"pass(?:word|wd|phrase|[ _\-]phrase)")
_PASSPHRASE = r"pass[ _\-]?phrase"
_KEYWORDS = ("pass", "pw", "psk", "pin", "key")  # every label holds one

# key=value / key: value / key - value, optionally "for NAME" and a "(note)" between
_SEP = (
    r"(?=[ \t:=\"'\-\u2013\u2014])(?![a-z0-9])"
    r"(?:[ \t]+for[ \t]+[^\s:=]{1,64}+)?"
    r"(?:[ \t]*\([^()\r\n]{0,40}+\))?"
    r"[\"']?(?>[ \t]*(?P<sep>:=|=>|[:=])|[ \t]+(?P<dash>[-\u2013\u2014])(?=[ \t]))[ \t]*"
)
_KV = rf"(?P<key>{_LABEL}|{_WIFI_LABEL}){_SEP}"
_BRACKETED = r"[(\[{][^()\[\]{}\r\n]{0,80}+[)\]}]"
_RAW = r"[^\s\"'<>][^\s\"<>]{0,255}+"
_PROSE_WORDS = r"(?P<key>password|passwd|passphrase|pwd|pw)(?![a-z0-9])"
# "is X", "was set to X", "will be X"; then the value, quoted or not, not followed by a unit
_PROSE_TAIL = (
    r"[ \t]+(?:(?:is|was|has[ \t]+been|will[ \t]+be)[ \t]+(?:set|changed|reset|updated)[ \t]+to"
    r"|(?:set|changed|reset|updated)[ \t]+to|is|was|will[ \t]+be)[ \t]*:?"
)
_PROSE_VALUE = (
    r"[ \t]+(?:(?:now|currently|still|temporarily|temp)[ \t]+)?"
    r"(?P<secret>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\"'][^\s]{0,255}+)"
    rf"(?![ \t]+{UNIT_WORDS}\b)"
)
_QUOTED_OR_RAW = r"(?P<secret>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\"'][^\s]{0,255}+)"
_USER_SLASH_RE = re.compile(r"user(?:name)?[ \t]*/[ \t]*\Z")
_PS_VARIABLE_RE = re.compile(r"\$[A-Za-z0-9_:]*\Z")
_CMDLET_RE = re.compile(r"[A-Za-z]+-[A-Za-z]+")


# -- checks ------------------------------------------------------------------------------------------
def _label_stands_alone(f: Found) -> bool:
    """A short label starts a word or a camelCase part; 'pass' takes only '='."""
    key = f.match.group("key")
    ks = f.match.start("key")
    if key == "pass" and f.match.group("sep") != "=":
        return False  # "Test pass: all green"
    if key[0] != "p" or _LONG_LABEL_RE.fullmatch(key):
        return True
    before = f.text[ks - 1] if ks else ""
    camel = f.text[ks] == "P" and (before.islower() or before.isdigit())
    return not (before.isalnum() and before.isascii() and not camel)


def _not_the_user_name(f: Found) -> bool:
    """Not the user half of 'username/password: jsmith / X'."""
    ks = f.match.start("key")
    return _USER_SLASH_RE.search(f.low, max(0, ks - 20), ks) is None


def _pin_has_digit(f: Found) -> bool:
    """A PIN holds a digit."""
    return f.match.group("key") != "pin" or HAS_DIGIT_RE.search(f.value) is not None


def _dash_needs_password_like(f: Found) -> bool:
    """After a dash ('Password - jsmith forgot it') the value must hold a digit or a symbol."""
    return f.match.group("dash") is None or PROSE_LIKE_RE.search(f.value) is not None


def _not_powershell(f: Found) -> bool:
    """Not a PowerShell expression ('$password = Read-Host', '= $env:X'), not a lone bracket."""
    ks = f.match.start("key")
    if not f.value.strip("([{"):
        return False
    if _PS_VARIABLE_RE.search(f.text, max(0, ks - 40), ks) is None:
        return True
    return not (f.value[0] in "$([" or _CMDLET_RE.fullmatch(f.value.rstrip(";")))


def _wordy(inner: str) -> bool:
    """Words only, no digit: '(not recorded)', '[see IT Glue]'."""
    return not HAS_DIGIT_RE.search(inner) and all(ch.isalpha() or ch in " .,'/-_:&" for ch in inner)


def _not_wordy(f: Found) -> bool:
    """The bracketed value holds a digit or a symbol ('(not recorded)' is a placeholder)."""
    return not _wordy(f.value)


def _after_a_placeholder_note(f: Found) -> bool:
    """'Password: (temp) X1!': the bracket is a note, the word after it a password."""
    note = f.group("note") or "()"
    return _wordy(note[1:-1]) and PROSE_LIKE_RE.search(f.value) is not None


def _user_has_a_letter(f: Found) -> bool:
    """The user name holds a letter."""
    return re.search(r"[A-Za-z]", f.group("user") or "") is not None


_KV_CHECKS = (_label_stands_alone, _not_the_user_name, _pin_has_digit, _dash_needs_password_like)

RULES: tuple[Rule, ...] = (
    Rule(
        "password-quoted", PW, _KEYWORDS,
        rx(_KV + r"(?:\"(?P<dq>(?:[^\"\\\r\n]|\\.){1,256}+)\"|'(?P<sq>[^'\r\n]{1,256}+)')"),
        "A quoted value after a password label and '=', ':' or ' - ' (password, passwd, pwd, pw, "
        "passcode, PIN, PSK, pre-shared key, Wi-Fi/WPA/network key).",
        '"password": "Fake-Pass-42"',
        secret=("dq", "sq"), checks=(*_KV_CHECKS, not_placeholder), overlap=True,
    ),
    Rule(
        "password-bracketed", PW, _KEYWORDS,
        rx(_KV + r"[(\[{](?P<secret>[^()\[\]{}\r\n]{0,80}+)[)\]}]"),
        "A bracketed value after a password label, when it holds a digit or a symbol.",
        "PW: [Fake#42]",
        checks=(*_KV_CHECKS, _not_wordy), overlap=True,
    ),
    Rule(
        "password-after-note", PW, _KEYWORDS,
        rx(_KV + rf"(?P<note>{_BRACKETED})[ \t]+(?P<secret>[^\s\"'<>][^\s\"<>]{{0,255}}+)"),
        "The word after a bracketed note that follows a password label ('Password: (temp) X').",
        "Password (temp): (changed) Fake!Temp42",
        trim=".,;:)]}", checks=(*_KV_CHECKS, _after_a_placeholder_note, not_placeholder), overlap=True,
    ),
    Rule(
        "passphrase", PW, ("pass",),
        rx(rf"(?P<key>{_PASSPHRASE}){_SEP}(?P<secret>[^\s\"'<>](?:[^\r\n\"<>]*[^ \t\r\n\"<>])?)"),
        "A passphrase after its label: the rest of the line (passphrases hold spaces).",
        "Passphrase: fake horse battery 42",
        trim=".,;:)]}'", checks=(*_KV_CHECKS, _not_powershell, not_placeholder), overlap=True,
    ),
    Rule(
        "password-value", PW, _KEYWORDS,
        rx(rf"(?<![?&])(?!{_PASSPHRASE}){_KV}(?!{_BRACKETED})(?P<secret>{_RAW})"),
        "A value after a password label and '=', ':' or ' - ': one token; sentence punctuation stays.",
        "Temp password: Fake-Pass-42 (must change at next logon)",
        trim=".,;:)]}'", checks=(*_KV_CHECKS, _not_powershell, not_placeholder), overlap=True,
    ),
    Rule(
        "password-url-parameter", PW, _KEYWORDS,
        rx(rf"(?<=[?&])(?!{_PASSPHRASE}){_KV}(?!{_BRACKETED})(?P<secret>[^\s\"'<>&#][^\s\"<>&#]{{0,255}}+)"),
        "A password parameter in a URL query, up to the next '&' or '#'.",
        "https://nas01/login?user=admin&password=Fake-Pass-42&next=/",
        trim=".,;:)]}'", checks=(*_KV_CHECKS, _not_powershell, not_placeholder), overlap=True,
    ),
    Rule(
        "password-prose", PW, ("pass", "pw"),
        rx(rf"(?<![^\W_]){_PROSE_WORDS}{_PROSE_TAIL}{_PROSE_VALUE}"),
        "A password in a sentence: 'the password is X', 'password was set to X'.",
        "The new password is Fake-Pass-42 and it is in the vault",
        trim=".,;:)]}", unquote=True, checks=(quoted_or_password_like, not_placeholder),
    ),
    Rule(
        "password-set-to", PW, ("pass",),
        rx(
            r"(?<![a-z0-9])(?:set|reset|changed?|updated?|typed|entered|used?|using)[ \t]+"
            r"(?:[\w'\u2019\-]{1,40}+[ \t]+){0,2}(?P<key>password|passphrase)(?![a-z0-9])"
            r"[ \t]+(?:for[ \t]+[^\s]{1,64}+[ \t]+)?(?:to|as)" + _PROSE_VALUE
        ),
        "A password after 'reset/set/changed/typed ... password to/as'.",
        "Reset jsmith's password to Fake#2026 per manager approval",
        trim=".,;:)]}", unquote=True, checks=(quoted_or_password_like, not_placeholder),
    ),
    Rule(
        "password-word", PW, ("pass", "pw"),
        rx(rf"(?<![^\W_]){_PROSE_WORDS}[ \t]+(?P<secret>[^\s\"'<>(\[{{$][^\s\"<>]{{5,255}}+)(?![ \t]+{UNIT_WORDS}\b)"),
        "A password-looking word right after 'password'/'pw' (6+ characters, letters with a digit or "
        "symbol, or all digits).",
        "gave the user password Fake!2026 over the phone",
        trim=".,;:)]}", checks=(strong_word,),
    ),
    Rule(
        "password-quoted-word", PW, ("pass", "pw"),
        rx(r"(?<![a-z0-9])(?P<key>password|passwd|passphrase|pass[ _\-]phrase|pwd|pw)[ \t]+"
           r"(?P<secret>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+')"),
        "A quoted value right after a password label, spaces allowed ('passphrase \"a b c\"').",
        "passphrase 'fake horse battery staple'",
        unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "password-parameter", PW, ("pass", "pwd"),
        rx(
            r"(?<![\w-])--?[a-z]{0,30}(?P<key>password|passwd|passphrase|pwd)(?![\w-])(?::|[ \t]+)"
            r"(?P<secret>\"(?:[^\"\\\r\n]|\\.){1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\"'$(\[\-][^\s\"]{0,255}+)"
        ),
        "A command-line parameter: -Password X, -AccountPassword 'X', --password X (not $variables).",
        "New-LocalUser svc_scan -Password 'Fake-Pass-42'",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "wifi-password", PW, ("pass", "pw", "key", "psk"),
        rx(
            r"(?<![a-z0-9])(?:guest[ _\-]?)?(?:wi-?fi|wlan|wireless|wpa[23]?|ssid)[ _\-]?"
            r"(?P<key>pass(?:word|phrase)?|pwd|pw|key|psk)(?![a-z0-9])"
            rf"(?:[ \t]*[:=][ \t]*|{_PROSE_TAIL}[ \t]+|[ \t]+)" + _QUOTED_OR_RAW
        ),
        "A Wi-Fi password, key or PSK written in words ('wifi pass X', 'WPA key is X'): quoted, or "
        "holding a digit or a symbol.",
        "guest wifi pass Fake!Wifi42 for the lobby",
        trim=".,;:)]}", unquote=True, checks=(quoted_or_password_like, not_placeholder),
    ),
    Rule(
        "psk-prose", PW, ("psk", "key", "secret"),
        rx(
            r"(?<![a-z0-9])(?:(?:radius|tacacs\+?|vpn|ipsec|ike|nps)[ \t]+)?"
            r"(?:psk|pre-?shared[ _\-]?key|shared[ _\-]?(?:secret|key)|(?:radius|tacacs\+?)[ \t]+secret)"
            r"(?![a-z0-9])" + _PROSE_TAIL + _PROSE_VALUE
        ),
        "A pre-shared key or shared secret in a sentence: 'the PSK is X', 'radius shared secret is X'.",
        "radius shared secret is Fake!Rad1us on both NPS servers",
        trim=".,;:)]}", unquote=True, checks=(quoted_or_password_like, not_placeholder),
    ),
    Rule(
        "creds-user-slash", PW, ("cred",),
        rx(r"(?<![a-z0-9])cred(?:s|entials)?[ \t]+(?P<user>[^\s:/\"']{1,128}+)[ \t]*/[ \t]*"
           r"(?P<secret>[^\s\"'/][^\s]{0,255}+)"),
        "'creds admin / X': a user and a password after 'creds' (the password must hold a digit or a "
        "symbol).",
        "creds admin / Fake!Pass42 for the NAS",
        trim=".,;:)]}", checks=(_user_has_a_letter, prose_like, not_placeholder),
    ),
)  # fmt: skip
