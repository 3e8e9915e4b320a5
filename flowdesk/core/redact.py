"""Redaction of secrets and personal data from the final note text.

``redact`` runs on the FINAL note text right before anything is posted to
ConnectWise.  It must never leak a secret and must not mangle ordinary MSP
note text.  Only the standard library is used.

Categories and the order in which they are applied (``ALL_CATEGORIES``)
----------------------------------------------------------------------
1. ``PRIVATE_KEY``        PEM ``-----BEGIN ... PRIVATE KEY-----`` blocks (RSA, EC,
                          DSA, OPENSSH, ENCRYPTED, plain, PGP ``... PRIVATE KEY
                          BLOCK``) up to the matching END line.  A BEGIN without an
                          END redacts to the end of the text (fail safe).  PuTTY
                          ``.ppk`` bodies are treated the same way.
2. ``CONNECTION_STRING``  URIs with credentials in the authority
                          (``scheme://user:pass@host...``, ``redis://:pass@host``)
                          and ADO/ODBC ``Key=Value;Key=Value;`` strings with at
                          least two pairs, one of which is ``Password=``/``Pwd=``.
                          The whole string is replaced.  A connection string with
                          no credential in it (``Integrated Security=SSPI``) is not
                          a secret and is left alone.
3. ``ACCESS_KEY``         Well-known cloud key formats (AWS key ids and
                          ``aws_secret_access_key``/``-SecretKey`` values, Azure
                          ``AccountKey=``/``SharedAccessKey=``/SAS ``sig=`` and AAD
                          client secrets ``xxxNQ~...``, GCP ``AIza...``, GitHub,
                          Slack tokens and webhooks, Stripe secret/restricted keys,
                          Google OAuth ``ya29.``, SendGrid, OpenAI ``sk-``).
4. ``PASSWORD``           The value after a password-like key; the key is kept.
                          See "Password decisions" below.
5. ``TOKEN``              In this order: ``Authorization:`` header values,
                          ``Bearer``/``Basic`` credentials, JWTs, ``api_key=``/
                          ``client_secret=``/``token=``-style values, BitLocker
                          recovery keys, and finally long key-like strings.
6. ``EMAIL``              e-mail addresses (also UPNs, which look the same).
7. ``UNC_PATH``           ``\\\\server\\share\\path`` (also with doubled, i.e.
                          JSON-escaped, backslashes).
8. ``IP``                 IPv4 (optionally with ``/cidr``; a ``:port`` is kept) and
                          IPv6 (full, compressed, zone id, IPv4-mapped, ``/prefix``).

Mechanics and guarantees
------------------------
* The text is kept as a list of pieces: plain text and markers.  Every pattern
  runs on the plain-text pieces only, so no pattern ever matches inside a
  marker - markers already present in the input are protected the same way
  (``password=[PASSWORD REDACTED]`` stays as it is, whatever categories are
  enabled).  Within one category all rules look at the same piece and
  overlapping finds are merged into one marker.
* Idempotency: the categories are applied in order, one full pass, and the
  pass is repeated for as long as another pass would still change something.
  The output is thus a fixpoint: ``redact`` on its own output makes no
  replacement.  Every replacement consumes at least one plain-text character,
  so this ends.  Checking "would another pass change something" is cheap:
  apart from the two private-key finders every finder is line-local, and a
  line that was not cut by a new marker was already seen, unchanged, by every
  finder; so only the lines that touch a marker are re-checked (a property
  test compares this shortcut with a real second pass).
* Fails closed: anything unexpected inside ``redact`` becomes
  ``RedactionError`` whose message holds no input text (the original exception
  is not chained, so it cannot leak through a traceback either).  Non-``str``
  input raises ``TypeError``; unknown category names raise ``ValueError``.
* Performance: every pattern is precompiled at import.  CPython's ``re`` only
  skips quickly through text when a pattern starts with a literal, so patterns
  start with one (case-insensitive ones run on a lower-cased copy of the text)
  or run only on lines holding a cheap substring "needle".  Look-behinds keep a
  long run from being tried at each of its characters, and possessive or
  bounded quantifiers keep backtracking linear.

Decisions for ambiguous cases
-----------------------------
Passwords
  * ``password=X``, ``password: X``, ``"password": "X"``, ``DB_PASSWORD=X``,
    ``adminPassword=X``, ``pwd=X``, ``PW: X``, ``passwd``, ``-Password X``,
    ``--password X``, ``<Password>X</Password>``, ``<add key="SmtpPassword"
    value="X"/>``, ``ConvertTo-SecureString "X"``, ``net use ... X /user:``,
    ``net user NAME X``, ``cmdkey /pass:X``, ``psexec -u U -p X``,
    ``curl -u user:X``, ``openssl -passin pass:X``, Cisco/Fortinet config lines
    (``enable secret 5 X``, ``username U password 0 X``, ``password 7 X``,
    ``pre-shared-key X``, ``snmp-server community X RO``, ``set passwd ENC X``),
    ``PSK: X``, ``WPA2 key: X``, ``PIN: 1234`` (only with a digit),
    ``Password (temp): X``, ``login: user/X``, ``creds: user:X``,
    ``Local admin: .\\administrator / X`` (after "admin"/"account" the value
    must meet Windows complexity: 8+ characters, 3 of 4 character classes), ``pw X`` / ``password X`` when X looks like a
    password (6+ characters, letters plus a digit or symbol, or 6+ digits).
  * A quoted value is replaced inside the quotes (``password="[PASSWORD
    REDACTED]"``).  An unquoted value is one whitespace-free token; trailing
    ``.,;:`` and unbalanced closing brackets are treated as sentence
    punctuation and kept.  In a URL query (``?user=a&password=X&next=1``) the
    value stops at ``&``/``#``.  For ``passphrase``/``pass phrase`` the value
    is the rest of the line, because passphrases routinely contain spaces.
  * Placeholders are NOT values and are left alone: ``Password: (not
    recorded)``, ``Password: [see IT Glue]``, ``Password: ********``,
    ``Password: N/A``, ``Password: none``, ``Password: see vault``,
    ``CannotChangePassword : False`` and similar (see ``_PLACEHOLDER_WORDS``).
    A bracketed phrase is a placeholder only if it holds no digit.
  * Words without a value are untouched: "Password reset completed for user
    jsmith", "reset the password", "passwordless sign-in", "Password policy:
    14 characters", "PasswordLastSet : 3/1/2026".
  * Prose forms ("the password is X", "password is: X", "password was set to
    X", "reset the password to X", "typed the password as X") redact X only
    if it is quoted or contains a digit or a symbol.  Windows complexity rules require three of upper,
    lower, digit and symbol, so a real AD password always qualifies, while
    "the password is expired/correct/in the vault" is left alone, and so is
    "password is 14 characters" (a count followed by a unit word).
  * PowerShell variables and expressions are not values: ``-Password
    $secure``, ``$password = Read-Host -AsSecureString`` are left alone (the
    literal inside ``ConvertTo-SecureString "X"`` is redacted separately).
Tokens / long key-like strings
  * Bearer/Basic values are redacted after ``Authorization:``; a standalone
    ``Bearer X`` needs X to be 16+ characters with a digit, a standalone
    ``Basic X`` needs X to decode as base64 to ``user:pass`` (so "Basic
    troubleshooting" is left alone).
  * Hex runs of 32+ characters are redacted (API keys are often hex), EXCEPT
    a hash of exactly 32/40/56/64/96/128 hex digits that is labelled as a hash
    earlier on its line (``SHA256``, ``SHA-1``, ``MD5``, ``hash``,
    ``thumbprint``, ``checksum``, ``fingerprint``, ``digest``).  So a
    ``Get-FileHash`` result or a certificate thumbprint stays readable, an
    unlabelled 64-hex string is redacted as a token.
  * Other runs of 32+ base64/base64url characters are redacted only if they
    look random: a digit plus at least one letter case, and a high rate of
    character-class changes between neighbours (random keys change class at
    ~60% of positions, identifiers like ``Windows10_x64_Enterprise_22H2`` or
    ``/Microsoft_Azure_Billing/SubscriptionsBlade`` at ~10-25%).  UUIDs/GUIDs
    with dashes are never tokens (also inside Azure resource ids).  A GUID
    written without dashes is 32 hex digits and therefore redacted.
  * BitLocker recovery keys (8 groups of 6 digits) are redacted as tokens.
IP addresses
  * An IPv4 address is four dotted decimal octets 0-255 that are not part of
    a longer dotted run: ``10.0.0.15`` is an IP, ``10.0.19045.4170``,
    ``16.0.17928.20114``, ``1.3.6.1.4.1.9`` (OID) and ``1.2.3.4.5`` are not.
  * A dotted quad right after a version label (``Version=4.0.0.0``,
    ``version 2.1.0.3``, ``ver``, ``build``, ``firmware``, ``rev``,
    ``FileVersion``) or glued to a ``v`` (``v1.2.3.4``) is a version, not an
    IP.  ("fw" and "release" are not labels: "FW 10.0.0.1" is a firewall.)
  * Subnet masks (``255.255.255.0`` ... contiguous masks starting with 255)
    and the unspecified address ``0.0.0.0`` identify nothing and are kept;
    everything else, including ``127.0.0.1`` and ``::1``, is redacted.
  * ``/cidr`` is part of the redacted address; ``:port`` is kept.
  * IPv6 is validated structurally (at most 8 groups of 1-4 hex digits, at
    most one ``::``, optional trailing IPv4), so times (``10:15:00``), MAC
    addresses (``00:1A:2B:3C:4D:5E``), C++/PowerShell ``::`` (``[Convert]::
    ToBase64String``) are not IPs.  A bare ``::``, prefix-only forms with a
    single group (``fe80::``) and two short groups (``a::b``) are kept; an
    8-group EUI-64 written with colons is indistinguishable from IPv6 and is
    redacted.
Connection strings
  * ADO/ODBC values end at ``;``, so an unterminated last value runs to the
    end of the line or to a quote (a password may contain spaces); an
    unquoted ``;`` inside a password is invalid ADO syntax and ends the value.
  * ``http://host:8080/path/@user`` is a port and a path, not credentials.
Other
  * Hostnames/FQDNs and URLs without credentials are never redacted.
  * ``\\\\server`` alone (``psexec \\\\ws-042``) names a host, not a share,
    and is kept.  ``git@github.com`` looks like an e-mail and is redacted.
  * UNC paths: ``\\\\?\\`` and ``\\\\.\\`` device paths are not UNC paths.
    Unquoted path segments may contain spaces only when another ``\\``
    follows; inside quotes the path runs to the closing quote.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ALL_CATEGORIES",
    "MARKERS",
    "Category",
    "RedactionError",
    "RedactionResult",
    "Span",
    "find_markers",
    "redact",
]


class Category(StrEnum):
    IP = "ip"
    EMAIL = "email"
    TOKEN = "token"
    UNC_PATH = "unc_path"
    PASSWORD = "password"
    CONNECTION_STRING = "connection_string"
    PRIVATE_KEY = "private_key"
    ACCESS_KEY = "access_key"


MARKERS: dict[Category, str] = {
    Category.IP: "[IP REDACTED]",
    Category.EMAIL: "[EMAIL REDACTED]",
    Category.TOKEN: "[TOKEN REDACTED]",
    Category.UNC_PATH: "[UNC PATH REDACTED]",
    Category.PASSWORD: "[PASSWORD REDACTED]",
    Category.CONNECTION_STRING: "[CONNECTION STRING REDACTED]",
    Category.PRIVATE_KEY: "[PRIVATE KEY REDACTED]",
    Category.ACCESS_KEY: "[ACCESS KEY REDACTED]",
}

ALL_CATEGORIES: tuple[Category, ...] = (
    Category.PRIVATE_KEY,
    Category.CONNECTION_STRING,
    Category.ACCESS_KEY,
    Category.PASSWORD,
    Category.TOKEN,
    Category.EMAIL,
    Category.UNC_PATH,
    Category.IP,
)


@dataclass(frozen=True, slots=True)
class Span:
    """Position of one marker in the OUTPUT text."""

    start: int
    end: int
    category: Category


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    spans: tuple[Span, ...]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class RedactionError(Exception):
    """Redaction failed; the message never contains any part of the input."""


# --------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------

_MARKER_TO_CATEGORY: dict[str, Category] = {marker: cat for cat, marker in MARKERS.items()}
_MARKER_RE = re.compile("|".join(re.escape(m) for m in MARKERS.values()))

# --------------------------------------------------------------------------
# Helpers shared by the finders
# --------------------------------------------------------------------------
#
# A finder takes one plain-text piece and its lower-cased copy (same length,
# same indexes) and yields sorted, non-overlapping, non-empty (start, end)
# spans to replace.  Case-insensitive patterns run on the lower-cased copy and
# are written in lower case; values are always read back from the original.
#
# Speed: CPython's ``re`` only skips quickly through text when a pattern starts
# with a literal.  So every pattern here either starts with a literal, or is
# only run on the lines that contain a cheap "needle" (a substring that each
# of its matches necessarily contains).  Apart from the PEM/PuTTY key finders,
# every finder is LINE-LOCAL: what it finds on a line depends on that line
# only (no pattern can match a line break, look-behinds and look-backs stop
# at one).  The engine relies on this to re-check only the lines next to new
# markers after the first pass (see ``_redact_pieces``).

_Finder = Callable[[str, str], Iterator[tuple[int, int]]]
_Range = tuple[int, int]

_CLOSERS = {")": "(", "]": "[", "}": "{"}
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _lower(text: str) -> str:
    """Lower-cased copy of ``text`` whose indexes line up with ``text``."""
    low = text.lower()
    if len(low) == len(text):
        return low
    # some characters lower-case to two ("İ"); ASCII letters are all we need
    return text.translate(_ASCII_LOWER)


def _line_range(text: str, start: int, end: int) -> _Range:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    return ls, (len(text) if le < 0 else le)


def _needle_lines(text: str, hay: str, needles: tuple[str, ...]) -> list[_Range]:
    """Lines of ``text`` on which ``hay`` (``text`` or its lower-cased copy) holds a needle."""
    found: set[_Range] = set()
    for needle in needles:
        i = hay.find(needle)
        while i >= 0:
            ls, le = _line_range(text, i, i + len(needle))
            found.add((ls, le))
            i = hay.find(needle, le)
    return sorted(found)


def _regex_lines(text: str, gate: re.Pattern[str]) -> list[_Range]:
    """Lines of ``text`` holding a match of the (single-line, literal-led) ``gate``."""
    found: list[_Range] = []
    pos = 0
    while True:
        m = gate.search(text, pos)
        if m is None:
            return found
        start = m.start()
        if text[start] == "\n":  # a gate may anchor on the preceding line break
            start += 1
        ls, le = _line_range(text, start, max(start, m.end()))
        found.append((ls, le))
        pos = le  # the line break itself may start the next gate match


def _trim_end(text: str, start: int, end: int, punct: str = ".,;:") -> int:
    """Move ``end`` left over sentence punctuation and unbalanced closers."""
    while end > start:
        ch = text[end - 1]
        if ch in punct:
            end -= 1
        elif ch in _CLOSERS:
            body = text[start:end]
            if body.count(_CLOSERS[ch]) < body.count(ch):
                end -= 1
            else:
                break
        else:
            break
    return end


def _line_before(text: str, pos: int, limit: int = 80) -> str:
    lo = max(0, pos - limit)
    chunk = text[lo:pos]
    nl = chunk.rfind("\n")
    return chunk if nl < 0 else chunk[nl + 1 :]


def _union(found: list[_Range]) -> Iterator[_Range]:
    """Sorted union of spans: overlapping spans are merged into one."""
    cur_start = cur_end = -1
    for start, end in sorted(found):
        if end <= start:
            continue
        if start < cur_end:
            cur_end = max(cur_end, end)
            continue
        if cur_end > cur_start:
            yield cur_start, cur_end
        cur_start, cur_end = start, end
    if cur_end > cur_start:
        yield cur_start, cur_end


_PLACEHOLDER_WORDS = frozenset(
    """
    none n/a na n.a. null nil blank empty unknown unchanged same redacted hidden masked removed
    omitted see refer stored saved sent provided given emailed texted set reset changed updated
    expired expiring locked unlocked required correct incorrect wrong valid invalid ok okay working
    works verified confirmed true false $true $false yes no tbd tba pending not in on via from the a
    an is was user users vault keeper itglue it never enabled disabled complex strong weak rotated
    documented recorded attached below above managed handled known default prompt prompted asked
    entered typed synced cached remembered forgotten unset
    """.split()  # noqa: SIM905 - a word list is easier to read and extend
)
_HAS_DIGIT_RE = re.compile(r"\d")


def _is_placeholder(value: str) -> bool:
    v = value.strip().lower().rstrip(".,;:!")
    if not v:
        return True
    if v in _PLACEHOLDER_WORDS:
        return True
    # masked values: "********", "•••••", "xxxxxx"
    return len(set(v)) == 1 and v[0] in "*•●x#"


# --------------------------------------------------------------------------
# PRIVATE_KEY  (the only multi-line finders)
# --------------------------------------------------------------------------

_PEM_RE = re.compile(
    r"-(?<!--)-{2,}+[ \t]*begin[ \t]+(?:[a-z0-9]+[ \t]+){0,4}private[ \t]+key(?:[ \t]+block)?[ \t]*-{3,}+"
    r".*?"
    r"(?:-{3,}+[ \t]*end[ \t]+(?:[a-z0-9]+[ \t]+){0,4}private[ \t]+key(?:[ \t]+block)?[ \t]*-{3,}+|\Z)",
    re.DOTALL,
)
_PPK_RE = re.compile(
    r"PuTTY-User-Key-File-\d+[ \t]*:.*?(?:Private-MAC[ \t]*:[ \t]*[0-9A-Fa-f]++|\Z)",
    re.DOTALL,
)


def _find_pem(text: str, low: str) -> Iterator[_Range]:
    i = low.find("private")
    if i >= 0:
        # a PEM block spans lines: search from the first candidate line on
        for m in _PEM_RE.finditer(low, text.rfind("\n", 0, i) + 1):
            yield m.span()


def _find_ppk(text: str, low: str) -> Iterator[_Range]:
    for m in _PPK_RE.finditer(text):
        yield m.span()


# --------------------------------------------------------------------------
# CONNECTION_STRING
# --------------------------------------------------------------------------

_URI_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_URI_AFTER_SCHEME_RE = re.compile(r"[^\s/?#@:\"'<>]{0,256}+:(?P<pw>[^\s@\"'<>]{0,256}+)@[^\s\"'<>]*+")
_PORT_PATH_RE = re.compile(r"[0-9]{1,5}/")

_CS_VAL = r"""(?:\{[^}\r\n]{0,256}+\}|"[^"\r\n]{0,256}+"|'[^'\r\n]{0,256}+'|[^;\r\n"'<>{}]{0,256}+)"""
_CS_KEY_FIRST = (
    r"(?:data[ \t]+source|initial[ \t]+catalog|user[ \t]+id|integrated[ \t]+security"
    r"|persist[ \t]+security[ \t]+info|network[ \t]+address|trusted[ \t]+connection"
    r"|[a-z][a-z0-9_.]{0,40}+)"
)
_CS_KEY = r"(?:[a-z][a-z0-9_.]{0,40}+(?:[ \t][a-z][a-z0-9_.]{0,40}+){0,4}+)"
# runs on the lower-cased text
_CS_RE = re.compile(
    rf"(?<![\w.]){_CS_KEY_FIRST}[ \t]*=[ \t]*{_CS_VAL}[ \t]*;"
    rf"[ \t]*{_CS_KEY}[ \t]*=[ \t]*{_CS_VAL}"
    rf"(?:[ \t]*;[ \t]*{_CS_KEY}[ \t]*=[ \t]*{_CS_VAL})*+"
    r"(?:[ \t]*;)?"
)
_CS_CRED_KEY_RE = re.compile(r"(?:^|;)[ \t]*(?:password|pwd)[ \t]*=")


def _find_connection_strings(text: str, low: str) -> Iterator[_Range]:
    found: list[_Range] = []
    # URIs with credentials: scheme://user:password@host...
    i = text.find("://")
    while i >= 0:
        j = i
        while j > 0 and i - j <= 31 and text[j - 1] in _URI_SCHEME_CHARS:
            j -= 1
        if j < i and i - j <= 31 and text[j].isascii() and text[j].isalpha():
            m = _URI_AFTER_SCHEME_RE.match(text, i + 3)
            if m is not None and not _PORT_PATH_RE.match(m.group("pw")):
                # "http://host:8080/profile/@jsmith" is a port and a path, no password
                found.append((j, _trim_end(text, j, m.end(), ".,;:!?")))
        i = text.find("://", i + 3)
    # ADO / ODBC: Key=Value;Key=Value with a Password/Pwd key
    for ls, le in _needle_lines(text, low, ("password", "pwd")):
        if text.find(";", ls, le) < 0:
            continue
        for m in _CS_RE.finditer(low, ls, le):
            if _CS_CRED_KEY_RE.search(m.group()):
                start, end = m.span()
                while end > start and text[end - 1] in " \t":
                    end -= 1
                found.append((start, end))
    yield from _union(found)


# --------------------------------------------------------------------------
# ACCESS_KEY
# --------------------------------------------------------------------------

# (needle that must be in the text, literal-led pattern, how many characters
# the secret starts before the match).  Case-sensitive, on the original text.
_ACCESS_KEY_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    # AWS access key ids, GCP API keys
    (
        "A",
        re.compile(
            r"A(?<![A-Za-z0-9]A)(?:(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|BIA|CCA)[A-Z0-9]{16}(?![A-Za-z0-9])"
            r"|(?<![_-]A)Iza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-]))"
        ),
        0,
    ),
    # GitHub tokens
    ("gh", re.compile(r"gh(?<![A-Za-z0-9_]gh)[pousr]_[A-Za-z0-9]{36,255}+"), 0),
    ("github_pat_", re.compile(r"github_pat_(?<![A-Za-z0-9_]github_pat_)[A-Za-z0-9_]{22,255}+"), 0),
    # Slack tokens and incoming webhooks
    ("xox", re.compile(r"xox(?<![A-Za-z0-9_-]xox)[abposr]-[A-Za-z0-9-]{10,255}+"), 0),
    ("hooks.slack.com", re.compile(r"hooks\.slack\.com/services/[A-Za-z0-9_/]{8,}+"), 0),
    # Stripe secret / restricted keys
    (
        "k_",
        re.compile(
            r"k_(?:live|test)_(?<=[sr]k_live_|[sr]k_test_)"
            r"(?<![A-Za-z0-9_][sr]k_live_)(?<![A-Za-z0-9_][sr]k_test_)[A-Za-z0-9]{10,255}+"
        ),
        1,
    ),
    # Google OAuth access token
    ("ya29.", re.compile(r"ya29\.(?<![A-Za-z0-9_.-]ya29\.)[0-9A-Za-z_-]{20,}+"), 0),
    # SendGrid
    ("SG.", re.compile(r"SG\.(?<![A-Za-z0-9_.-]SG\.)[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{20,64}"), 0),
    # OpenAI style
    ("sk-", re.compile(r"sk-(?<![A-Za-z0-9_-]sk-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}+"), 0),
    # Azure AD (Entra) client secret: 3 chars, a digit, "Q~", 31-34 chars
    (
        "Q~",
        re.compile(
            r"Q~(?<=[A-Za-z0-9_~.-]{3}[0-9]Q~)(?<![A-Za-z0-9_~.-][A-Za-z0-9_~.-]{3}[0-9]Q~)"
            r"[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~-])"
        ),
        4,
    ),
)
# key=value forms where only the value is replaced (lower-cased text; the
# value itself is read from the original).
_ACCESS_KEY_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "secret",
        re.compile(
            r"secret(?:[_-]?access[_-]?key[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?"
            r"|(?<=-secret)key[ \t]+[\"']?)"
            r"(?P<v>[a-z0-9/+=%]{16,}+)"
        ),
    ),
    ("accountkey", re.compile(r"accountkey(?<![a-z0-9]accountkey)[ \t]*=[ \t]*(?P<v>[a-z0-9/+=%]{16,}+)")),
    (
        "sharedaccesskey",
        re.compile(r"sharedaccesskey(?<![a-z0-9]sharedaccesskey)[ \t]*=[ \t]*(?P<v>[a-z0-9/+=%]{16,}+)"),
    ),
    ("sig=", re.compile(r"sig=(?<![a-z0-9]sig=)(?P<v>[a-z0-9/+=%]{16,}+)")),
)


def _holds(hay: str, needle: str) -> bool:
    """``needle in hay``, quicker when the needle ends in a rare character.

    ``str.find`` of one character is many times faster than of several, so
    the first few places of a rare last character ("~", "=") are checked one
    by one before the plain search takes over.
    """
    back = len(needle) - 1
    last = needle[back]
    if last.isalnum() or last in "._-":  # common in notes
        return needle in hay
    i = hay.find(last, back)
    for _ in range(8):
        if i < 0:
            return False
        if hay.startswith(needle, i - back):
            return True
        i = hay.find(last, i + 1)
    return i >= 0 and hay.find(needle, i - back) >= 0


def _find_access_keys(text: str, low: str) -> Iterator[_Range]:
    found: list[_Range] = []
    for needle, regex, back in _ACCESS_KEY_PATTERNS:
        if _holds(text, needle):
            for m in regex.finditer(text):
                start = m.start() - back
                found.append((start, _trim_end(text, start, m.end(), ".")))
    for needle, regex in _ACCESS_KEY_VALUE_PATTERNS:
        if _holds(low, needle):
            for m in regex.finditer(low):
                found.append(m.span("v"))
    yield from _union(found)


# --------------------------------------------------------------------------
# PASSWORD
# --------------------------------------------------------------------------
# All password rules run on the same piece; their spans are merged.

# Keys.  Any prefix is allowed in front of the long keys ("DB_PASSWORD",
# "adminPassword", "CannotChangePassword"), so they are matched wherever they
# occur.  The short keys must start a word, follow a separator or a camelCase
# boundary ("db_pwd", "userPin"), so "Spin: 1200" or "bypass=true" are not keys.
_PW_KEY_RES: tuple[re.Pattern[str], ...] = (
    re.compile(r"p(?:ass(?:word|wd|phrase|[ _\-]phrase|code)?|wd|w|sk(?:secret)?|in|re-?shared[ _\-]?key)"),
    re.compile(r"w(?:pa[23]?|i-?fi|lan|ireless)[ _\-]?(?:key|psk)"),
    re.compile(r"network[ _\-]?(?:key|psk)"),
)
_PW_LONG_KEY_RE = re.compile(r"pass(?:word|wd|phrase|[ _\-]phrase)")
_PW_PROSE_KEYS = frozenset({"password", "passwd", "passphrase", "pwd", "pw"})
_PW_PARAM_KEYS = frozenset({"password", "passwd", "passphrase", "pwd"})
_PW_PASSPHRASE_RE = re.compile(r"pass[ _\-]?phrase")

_PW_VALUE = (
    r"(?:"
    r"(?P<br>[(\[{][^()\[\]{}\r\n]{0,80}+[)\]}])"
    r"|\"(?P<dq>(?:[^\"\\\r\n]|\\.){1,256}+)\""
    r"|'(?P<sq>[^'\r\n]{1,256}+)'"
    r"|(?P<raw>[^\s\"'<>][^\s\"<>]{0,255}+)"
    r")"
)
# key=value / key: value / key - value
_PW_KV_TAIL_RE = re.compile(
    r"(?![a-z0-9])"
    r"(?:[ \t]+for[ \t]+[^\s:=]{1,64}+)?"
    r"(?:[ \t]*\([^()\r\n]{0,40}+\))?"  # "Password (temp): X"
    r"[\"']?(?:[ \t]*(?P<sep>:=|=>|[:=])|[ \t]+(?P<dash>[-\u2013\u2014])(?=[ \t]))[ \t]*" + _PW_VALUE
)
# "password is X", "password was X", "password set to X"
_UNIT_WORDS = (
    r"(?:characters?|chars?|digits?|letters?|symbols?|days?|hours?|minutes?|weeks?|months?|years?"
    r"|long|old|attempts?|times?)"
)
_PW_PROSE_VALUE = (
    r"[ \t]+(?:(?:now|currently|still|temporarily|temp)[ \t]+)?"
    r"(?:\"(?P<dq>[^\"\r\n]{1,256}+)\"|'(?P<sq>[^'\r\n]{1,256}+)'|(?P<raw>[^\s\"'][^\s]{0,255}+))"
    rf"(?![ \t]+{_UNIT_WORDS}\b)"
)
_PW_PROSE_TAIL_RE = re.compile(
    r"(?![a-z0-9])[ \t]+(?:"
    r"(?:is|was|has[ \t]+been|will[ \t]+be)[ \t]+(?:set|changed|reset|updated)[ \t]+to"
    r"|(?:set|changed|reset|updated)[ \t]+to|is|was|will[ \t]+be)[ \t]*:?" + _PW_PROSE_VALUE
)
# "gave the user password Spring2026!": a password-like word right after the key
_PW_DIRECT_TAIL_RE = re.compile(
    r"(?![a-z0-9])[ \t]+(?P<raw>[^\s\"'<>(\[{$][^\s\"<>]{5,255}+)" rf"(?![ \t]+{_UNIT_WORDS}\b)"
)
_PW_MEASURE_RE = re.compile(rf"\d+\+?[-\u2010\u2011]?{_UNIT_WORDS}[.,;:]?")
_LETTER_RE = re.compile(r"[A-Za-z]")
# "reset the password to X", "set jsmith's password to X", "typed the password as X"
_PW_VERB_BEFORE_RE = re.compile(
    r"(?<![a-z0-9])(?:set|reset|changed?|updated?|typed|entered|used?|using)"
    r"[ \t]+(?:[\w'\u2019\-]{1,40}+[ \t]+){0,2}\Z"
)
_PW_VERB_TAIL_RE = re.compile(
    r"(?![a-z0-9])[ \t]+(?:for[ \t]+[^\s]{1,64}+[ \t]+)?(?:to|as)" + _PW_PROSE_VALUE
)
# PowerShell / CLI parameters: -Password X, -AccountPassword "X", --password X
_PW_PARAM_BEFORE_RE = re.compile(r"(?<![\w-])--?[a-z]{0,30}\Z")
_PW_PARAM_TAIL_RE = re.compile(
    r"(?![\w-])(?::|[ \t]+)"
    r"(?:\"(?P<dq>(?:[^\"\\\r\n]|\\.){1,256}+)\"|'(?P<sq>[^'\r\n]{1,256}+)'"
    r"|(?P<raw>[^\s\"'$(\[\-][^\s\"]{0,255}+))"
)
_PW_LINE_REST_RE = re.compile(r"[^\r\n\"<>]*")
_PW_NEXT_TOKEN_RE = re.compile(r"[ \t]+([^\s\"'<>][^\s\"<>]{0,255}+)")
_PS_VARIABLE_BEFORE_RE = re.compile(r"\$[A-Za-z0-9_:]*\Z")
_USER_SLASH_BEFORE_RE = re.compile(r"user(?:name)?[ \t]*/[ \t]*\Z")
_CMDLET_RE = re.compile(r"[A-Za-z]+-[A-Za-z]+")
_URL_PARAM_END_RE = re.compile(r"[&#]")
# a value in prose (or after a weak separator) must look like a password
_PW_PROSE_LIKE_RE = re.compile(r"[\d!@#$%^&*+=~|\\/?<>{}\[\]()_]")

# Literal-led patterns for the remaining forms (lower-cased text); the value
# is the last named group that matched.
_PW_COMBO_TAIL = (
    r"[ \t]*[:=][ \t]*(?=[^\s:/]{0,128}[a-z])[^\s:/\"']{1,128}+[ \t]*[:/][ \t]*"
    r"(?P<GROUP>[^\s\"'/][^\s]{0,255}+)"
)


def _combo(prefix: str, group: str) -> re.Pattern[str]:
    return re.compile(prefix + _PW_COMBO_TAIL.replace("GROUP", group))


# Each starts with a literal, so a scan of a whole note is cheap; all run on
# the lower-cased text; the value is the last named group that matched.  A
# pattern with a needle (a string every match holds) is only run if the text
# holds it: a search for one rare character or a long string is far quicker
# than the scan.
_PW_FORM_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # ConvertTo-SecureString "X" -AsPlainText / ConvertTo-SecureString -AsPlainText -String 'X'
    (
        "convertto-securestring",
        re.compile(
            r"convertto-securestring\b[^\r\n|;)\"']{0,80}+"
            r"(?:\"(?P<csdq>(?:[^\"\\`\r\n]|\\.|`.){1,256}+)\"|'(?P<cssq>[^'\r\n]{1,256}+)')"
        ),
    ),
    # cmdkey /pass:X, /password:X
    ("", re.compile(r"/pass(?<![\w/]/pass)(?:word)?:(?P<slash>\"[^\"\r\n]{1,256}+\"|[^\s\"]{1,256}+)")),
    # psexec -u user -p X, mysql -u root -pX, curl -u user:X, --user user:X, openssl -passin pass:X
    (
        "",
        re.compile(
            r"-(?<![\w-]-)(?:"
            r"u[ \t]+[^\s]{1,128}+[ \t]+-p(?:[ \t]+|(?=[^\s\-]))"
            r"(?P<dash_p>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\-\"'][^\s]{0,255}+)"
            r"|(?:u|-user)[ \t]+[\"']?[^\s:\"']{1,128}+:(?P<curl>[^\s\"']{1,256}+)"
            r"|pass(?:in|out)[ \t]+pass:(?P<openssl>[^\s\"']{1,256}+)"
            r")"
        ),
    ),
    # sshpass -p X
    (
        "sshpass",
        re.compile(
            r"sshpass[ \t]+-p[ \t]*(?P<sshpass>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\"'][^\s]{0,255}+)"
        ),
    ),
    # net use [Z:] \\srv\share X [/user:...];  net use ... /user:DOMAIN\user X;  net user NAME X [/add]
    (
        "",
        re.compile(
            r"net(?<![\w]net)[ \t]+(?:"
            r"use\b[^\r\n\\\"]{0,40}+(?:\"\\\\[^\"\r\n]{1,256}+\"|\\\\[^\s]{1,256}+)"
            r"[ \t]+(?P<netuse>[^\s/*\"][^\s]{0,255}+)(?=[ \t\r]*(?:/|$))"
            r"|use\b[^\r\n]{0,300}?/user:[^\s]{1,128}+[ \t]+(?P<netuse2>[^\s/*\"][^\s]{0,255}+)(?=[ \t\r]*(?:/|$))"
            r"|user[ \t]+(?:[^\s/\"]{1,128}+|\"[^\"\r\n]{1,128}+\")[ \t]+"
            r"(?P<netuser>[^\s/*\"][^\s]{0,255}+)(?=[ \t\r]*(?:/|$))"
            r")",
            re.MULTILINE,
        ),
    ),
    # "creds: user:X", "login: user/X", "username/password: user / X"
    ("", _combo(r"cred(?<![a-z0-9]cred)(?:s|entials)?", "combo")),
    ("", _combo(r"log(?<![a-z0-9]log)[io]n", "combo")),
    ("", _combo(r"user(?<![a-z0-9]user)(?:name)?[ \t]*/[ \t]*(?:password|pass|pwd|pw)", "combo")),
    # weaker words ("Local admin: .\administrator / X"): the value must look like a password
    ("", _combo(r"admin(?<![a-z0-9]admin)(?:istrator)?", "combo_weak")),
    ("", _combo(r"acc(?<![a-z0-9]acc)(?:oun)?t", "combo_weak")),
    # XML: <Password>X</Password> and <add key="SmtpPassword" value="X" />
    (
        "<",
        re.compile(
            r"<(?P<tag>[\w:.\-]{0,40}?(?:password|passwd|pwd|passphrase))[ \t]*>"
            r"(?P<elem>[^<\r\n]{1,256}+)</(?P=tag)[ \t]*>"
        ),
    ),
    (
        '"',
        re.compile(
            r"key(?<![\w]key)[ \t]*=[ \t]*\"[^\"\r\n]{0,60}?(?:password|passwd|pwd|passphrase)[^\"\r\n]{0,20}+\""
            r"[ \t]+value[ \t]*=[ \t]*\"(?P<attr>[^\"\r\n]{1,256}+)\""
        ),
    ),
)
_PW_FORM_KEEP_QUOTES = frozenset({"csdq", "cssq", "elem", "attr"})

# Network device configuration lines (Cisco IOS/ASA, FortiOS), on the
# original text.  Keywords are lower case as in real configs and the value
# must end the line, so prose such as "Enable password writeback in AAD
# Connect" is not a config line.  Anchored at the start of the line.
_PW_CONFIG_RE = re.compile(
    r"[ \t]*(?:"
    r"(?:enable[ \t]+)?(?:password|secret)[ \t]+(?:(?:level[ \t]+\d+|[0-9])[ \t]+)*"
    r"(?P<line>(?![0-9][ \t\r]*$)\S{1,256}+)[ \t\r]*$"
    r"|username[ \t]+\S{1,64}+(?:[ \t]+privilege[ \t]+\d+)?[ \t]+(?:password|secret)[ \t]+(?:[0-9][ \t]+)?"
    r"(?P<user>(?![0-9][ \t\r]*$)\S{1,256}+)(?:[ \t]+(?:encrypted|pbkdf2|nt-encrypted|privilege[ \t]+\d+))*+[ \t\r]*$"
    r"|(?:\S+[ \t]+){0,3}pre-shared-key[ \t]+(?:(?:local|remote|[0-9])[ \t]+)?"
    r"(?P<psk>(?!(?:local|remote|[0-9])[ \t\r]*$)\S{1,256}+)[ \t\r]*$"
    r"|crypto[ \t]+isakmp[ \t]+key[ \t]+(?:[0-9][ \t]+)?(?P<isakmp>\S{1,256}+)[ \t]+address\b"
    r"|snmp-server[ \t]+community[ \t]+(?P<snmp>\S{1,256}+)(?=[ \t]+(?:RO|RW|view)\b|[ \t\r]*$)"
    r"|set[ \t]+(?:passwd|password|psksecret|secret|passphrase|wpa-passphrase|sae-password)[ \t]+"
    r"(?:ENC[ \t]+)?(?P<forti>\S{1,1024}+)"
    r")",
    re.MULTILINE,
)
# a config line starts (after indentation) with one of these words
_PW_CONFIG_GATE = re.compile(r"\n[ \t]*(?:enable|password|secret|username|set|crypto|snmp-server)[ \t]")
_PW_CONFIG_FIRST_LINE_RE = re.compile(
    r"[ \t]*(?:enable|password|secret|username|set|crypto|snmp-server)[ \t]"
)


def _is_complex(value: str) -> bool:
    """Windows complexity: 8+ characters from 3 of upper, lower, digit, symbol."""
    if len(value) < 8:
        return False
    classes = (
        any(c.isupper() for c in value)
        + any(c.islower() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )
    return classes >= 3


def _is_wordy_bracket(value: str) -> bool:
    inner = value[1:-1]
    return not _HAS_DIGIT_RE.search(inner) and all(ch.isalpha() or ch in " .,'/-_:&" for ch in inner)


def _value_span(text: str, m: re.Match[str]) -> _Range | None:
    """Span of a dq/sq/raw value group, ``None`` for placeholders."""
    for name in ("dq", "sq"):
        if m.group(name) is not None:
            return None if _is_placeholder(text[m.start(name) : m.end(name)]) else m.span(name)
    start, end = m.span("raw")
    return start, _trim_end(text, start, end)


def _password_kv(text: str, low: str, key_start: int, key_end: int, wifi: bool) -> _Range | None:
    m = _PW_KV_TAIL_RE.match(low, key_end)
    if m is None:
        return None
    key_l = low[key_start:key_end]
    if not wifi and _PW_LONG_KEY_RE.fullmatch(key_l) is None:
        before = text[key_start - 1] if key_start else ""
        camel = text[key_start] == "P" and (before.islower() or before.isdigit())
        if before.isalnum() and before.isascii() and not camel:
            return None  # glued to a word; camelCase ("userPin", "dbPwd") is allowed
        if key_l == "pass" and m.group("sep") != "=":
            return None  # "pass:" is too common in prose ("Test pass: all green")
    if _USER_SLASH_BEFORE_RE.search(low, max(0, key_start - 20), key_start):
        return None  # "username/password: jsmith / X" - this value is the user name
    group = m.lastgroup or "raw"
    start, end = m.span(group)
    value = text[start:end]
    if key_l == "pin" and not _HAS_DIGIT_RE.search(value):
        return None
    if m.group("dash") is not None and not _PW_PROSE_LIKE_RE.search(value):
        return None  # "Password - jsmith forgot it": a dash is a weak separator
    if group == "br":
        if not _is_wordy_bracket(value):
            return start + 1, end - 1
        # "Password: (not recorded)" is a placeholder, "Password: (temp) X1!" is not
        nxt = _PW_NEXT_TOKEN_RE.match(text, end)
        if nxt is not None and _PW_PROSE_LIKE_RE.search(nxt.group(1)) and not _is_placeholder(nxt.group(1)):
            start, end = nxt.span(1)
            return start, _trim_end(text, start, end)
        return None
    if group in ("dq", "sq"):
        return None if _is_placeholder(value) else (start, end)
    if not value.strip("([{"):
        return None  # only an opening bracket, e.g. left next to a marker
    if _PS_VARIABLE_BEFORE_RE.search(text, max(0, key_start - 40), key_start) and (
        value[0] in "$([" or _CMDLET_RE.fullmatch(value.rstrip(";"))
    ):
        return None  # PowerShell "$password = $env:X" / "= Read-Host ..." - not a value
    if _PW_PASSPHRASE_RE.search(key_l):
        # passphrases routinely contain spaces: the value is the rest of the line
        rest = _PW_LINE_REST_RE.match(text, start)
        if rest is not None:
            end = rest.end()
        while end > start and text[end - 1] in " \t\r":
            end -= 1
        if _is_placeholder(text[start:end]):
            return None
    elif _is_placeholder(value):
        return None
    elif key_start > 0 and text[key_start - 1] in "?&":
        amp = _URL_PARAM_END_RE.search(value)  # URL query: stop at the next parameter
        if amp:
            end = start + amp.start()
    end = _trim_end(text, start, end)
    if end - start > 1 and text[end - 1] == "'":
        end -= 1  # closing quote of an enclosing 'password=X' string
    return (start, end) if end > start else None


def _password_prose(text: str, low: str, key_start: int, key_end: int, wifi: bool) -> _Range | None:
    key_l = low[key_start:key_end]
    if wifi or key_l not in _PW_PROSE_KEYS:
        return None
    m: re.Match[str] | None = None
    if key_start == 0 or not low[key_start - 1].isalnum():
        m = _PW_PROSE_TAIL_RE.match(low, key_end)
    if m is None and key_l in ("password", "passphrase") and _verb_before(low, key_start):
        m = _PW_VERB_TAIL_RE.match(low, key_end)
    if m is None:
        return _password_direct(text, low, key_start, key_end)
    span = _value_span(text, m)
    if span is None or m.group("raw") is None:
        return span
    value = text[span[0] : span[1]]
    if value.isdigit() and len(value) < 4:
        return None
    if value and _PW_PROSE_LIKE_RE.search(value) and not _is_placeholder(value):
        return span
    return None


def _verb_before(low: str, key_start: int) -> bool:
    """Is the key preceded by 'set/reset/changed/...' and at most two more words?"""
    if key_start == 0 or low[key_start - 1] not in " \t":
        return False
    lo = max(0, key_start - 100, low.rfind("\n", 0, key_start) + 1)
    # the regex is anchored at the end, so try it from the start of each of
    # the last three words only
    words = low[lo:key_start].split()[-3:]
    pos = key_start
    starts = []
    for word in reversed(words):
        pos = low.rfind(word, lo, pos)
        starts.append(pos)
    return any(_PW_VERB_BEFORE_RE.match(low, start, key_start) for start in starts)


def _password_direct(text: str, low: str, key_start: int, key_end: int) -> _Range | None:
    """'password Spring2026!' / 'pw Rdp#2026': a strong-looking word right after the key."""
    if key_start and low[key_start - 1].isalnum():
        return None
    m = _PW_DIRECT_TAIL_RE.match(low, key_end)
    if m is None:
        return None
    start, end = m.span("raw")
    end = _trim_end(text, start, end)
    value = text[start:end]
    if len(value) < 6 or _is_placeholder(value) or _PW_MEASURE_RE.fullmatch(value):
        return None
    if value.isdigit() or (_LETTER_RE.search(value) and _PW_PROSE_LIKE_RE.search(value)):
        return start, end
    return None


def _password_param(text: str, low: str, key_start: int, key_end: int, wifi: bool) -> _Range | None:
    if wifi or low[key_start:key_end] not in _PW_PARAM_KEYS:
        return None
    if not _PW_PARAM_BEFORE_RE.search(low, max(0, key_start - 33), key_start):
        return None
    m = _PW_PARAM_TAIL_RE.match(low, key_end)
    if m is None:
        return None
    span = _value_span(text, m)
    if span is None or _is_placeholder(text[span[0] : span[1]]):
        return None
    return span


# the character right after a key, for any of the key forms
_PW_AFTER_KEY = frozenset(" \t:=\"'-\u2013\u2014")


def _find_passwords(text: str, low: str) -> Iterator[_Range]:
    found: list[_Range] = []
    for index, key_re in enumerate(_PW_KEY_RES):
        for k in key_re.finditer(low):
            ks, ke = k.span()
            nxt = low[ke : ke + 1]
            if nxt not in _PW_AFTER_KEY:
                continue  # "passed", "ping", "pinned", "passwords", "pass."
            span = _password_kv(text, low, ks, ke, index > 0)
            if span is None and nxt in " \t":
                span = _password_prose(text, low, ks, ke, index > 0)
            if span is None and low.rfind("-", max(0, ks - 33), ks) >= 0:
                span = _password_param(text, low, ks, ke, index > 0)
            if span is not None:
                found.append(span)
    for needle, regex in _PW_FORM_PATTERNS:
        if needle and needle not in low:
            continue
        for m in regex.finditer(low):
            name = m.lastgroup
            if name is None or name == "tag":
                continue
            start, end = m.span(name)
            if name not in _PW_FORM_KEEP_QUOTES:
                if end - start >= 2 and text[start] in "\"'" and text[end - 1] == text[start]:
                    start, end = start + 1, end - 1
                else:
                    end = _trim_end(text, start, end)
            if name == "combo_weak" and not _is_complex(text[start:end]):
                continue
            if end > start and not _is_placeholder(text[start:end]):
                found.append((start, end))
    config_lines = _regex_lines(text, _PW_CONFIG_GATE) + _needle_lines(text, text, ("pre-shared-key",))
    if _PW_CONFIG_FIRST_LINE_RE.match(text):
        config_lines.append(_line_range(text, 0, 0))
    for ls, le in config_lines:
        line = _PW_CONFIG_RE.match(text, ls, le)
        if (
            line is not None
            and line.lastgroup is not None
            and not _is_placeholder(line.group(line.lastgroup))
        ):
            found.append(line.span(line.lastgroup))
    yield from _union(found)


# --------------------------------------------------------------------------
# TOKEN
# --------------------------------------------------------------------------
# (lower-cased text unless noted)

_AUTH_HEADER_RE = re.compile(
    r"authorization(?<![\w]authorization)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:(?P<scheme>bearer|basic|digest|negotiate|ntlm|token|sharedkey|ssws|apikey|hmac|aws4-hmac-sha256)[ \t]+)?"
    r"(?P<v>[^\s\"'<>]{4,4096}+)"
)
_BEARER_RE = re.compile(r"bearer(?<![\w-]bearer)[ \t]+(?P<v>[a-z0-9\-._~+/]{8,4096}+=*+)")
_BASIC_RE = re.compile(r"basic(?<![\w-]basic)[ \t]+(?P<v>[a-z0-9+/]{8,4096}+={0,2})(?![a-z0-9+/=])")
# on the original text
_JWT_RE = re.compile(
    r"eyJ(?<![A-Za-z0-9_\-]eyJ)[A-Za-z0-9_\-]{4,}+\.[A-Za-z0-9_\-]{4,}+(?:\.[A-Za-z0-9_\-]*+){1,3}"
)
# api_key=..., client_secret: ..., "access_token": "...", -ApiKey ...: anchored
# on the words "key", "token" and "secret", then the name before the anchor
# and the value after it are checked.
_TOKEN_NAME_BEFORE: dict[str, re.Pattern[str]] = {
    "key": re.compile(
        r"(?<![a-z0-9])(?:x-)?(?:api[_-]?|secret[_-]?|private[_-]?|subscription[_-]?|ocp-apim-subscription-)\Z"
    ),
    "token": re.compile(
        r"(?<![a-z0-9])(?:x-)?(?:api[_-]?|access[_-]?|refresh[_-]?|id[_-]?|auth[_-]?|sas[_-]?|session[_-]?)?\Z"
    ),
    "secret": re.compile(r"(?<![a-z0-9])(?:x-)?(?:api[_-]?|client[_-]?|app[_-]?)?\Z"),
}
_TOKEN_PARAM_BEFORE: dict[str, re.Pattern[str]] = {
    "key": re.compile(r"(?<![\w-])--?api-?\Z"),
    "token": re.compile(r"(?<![\w-])--?(?:access-?|auth-?)?\Z"),
    "secret": re.compile(r"(?<![\w-])--?(?:client-?|app-?)?\Z"),
}
_TOKEN_KV_TAIL_RE = re.compile(
    r"(?![a-z0-9])[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?(?P<v>[^\s\"'<>]{8,4096}+)"
)
_TOKEN_PARAM_TAIL_RE = re.compile(r"(?![\w-])(?::|[ \t]+)[\"']?(?P<v>[a-z0-9._~+/=\-]{8,4096}+)")
_BITLOCKER_RE = re.compile(r"(?<![\d-])\d{6}(?:-\d{6}){7}(?![\d-])")
_LONG_RUN_RE = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{32,}+={0,2}+(?![A-Za-z0-9+/_\-=])")
_UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_HEX_RE = re.compile(r"[0-9A-Fa-f]+")
_HASH_LABEL_RE = re.compile(
    r"(?:\b|_)(?:md5|sha-?(?:1|224|256|384|512)|sha|hash(?:es)?|thumbprint|checksum|fingerprint|digest|filehash)\b",
    re.IGNORECASE,
)
_HASH_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})


_ALNUM_RUN_RE = re.compile(r"[A-Za-z0-9]+")
_CLASS_CHANGE_RE = re.compile(r"[a-z](?=[A-Z0-9])|[A-Z](?=[a-z0-9])|[0-9](?=[A-Za-z])")
_UPPER_RE = re.compile(r"[A-Z]")
_LOWER_RE = re.compile(r"[a-z]")


def _looks_like_key(token: str) -> bool:
    """Heuristic: does a 32+ char base64/base64url/hex run look like a random key?"""
    core = token.rstrip("=")
    if len(core) < 32:
        return False
    if _HEX_RE.fullmatch(core):
        return True
    runs = _ALNUM_RUN_RE.findall(core)
    alnum = sum(map(len, runs))
    # neighbouring alphanumeric pairs, and those whose class (upper, lower,
    # digit) differs: ~60% for random base64, 5-25% for identifiers
    pairs = alnum - len(runs)
    if pairs < 24:
        return False
    ratio = len(_CLASS_CHANGE_RE.findall(core)) / pairs
    if ratio < 0.2:
        return False
    has_digit = _HAS_DIGIT_RE.search(core) is not None
    has_upper = _UPPER_RE.search(core) is not None
    has_lower = _LOWER_RE.search(core) is not None
    if not has_digit:
        # letters only: only a very "noisy" mix of cases is a key
        return has_upper and has_lower and ratio >= 0.45 and "-" not in core and "_" not in core
    # Identifiers are made of short words joined by separators
    # ("SW_DVD9_Win_Pro_10_22H2_64BIT"); random keys rarely contain one.
    # "+" never appears in identifiers, so it does not count.
    if "+" not in core and (len(core) - alnum) * 10 > len(core):
        return ratio >= 0.45
    if has_upper and has_lower:
        return ratio >= 0.3
    # one letter case + digits (base32/base36 keys such as Azure DevOps PATs)
    return ratio >= 0.2


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64_basic_credentials(value: str) -> bool:
    """True if ``value`` base64-decodes to printable 'user:password'."""
    core = value.rstrip("=")
    if len(core) % 4 == 1:
        return False
    bits = nbits = 0
    out = bytearray()
    for ch in core:
        idx = _B64_ALPHABET.find(ch)
        if idx < 0:
            return False
        bits = (bits << 6) | idx
        nbits += 6
        if nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
            bits &= (1 << nbits) - 1
    if not out or any(b < 0x20 or b > 0x7E for b in out):
        return False
    colon = out.find(b":")
    return 0 < colon < len(out) - 1


def _split_around_uuids(run: str) -> Iterator[_Range]:
    pos = 0
    for u in _UUID_RE.finditer(run):
        yield pos, u.start()
        pos = u.end()
    yield pos, len(run)


# ``bytes.translate`` table for the UTF-8 bytes of a text: the characters of
# a long key (``_LONG_RUN_RE``) and every byte of a non-ASCII character (a
# BitLocker key may be written with non-ASCII digits) to b"x", the rest to b" ".
_KEY_RUN_MASK = bytes(120 if b >= 128 or chr(b).isalnum() or chr(b) in "+/_-" else 32 for b in range(256))
_KEY_RUN_NEEDLE = b"x" * 32


def _key_runs(text: str) -> list[_Range]:
    """Where the runs of key characters (or non-ASCII ones) of 32+ UTF-8 bytes are, in order.

    A long key (32+ characters) and a BitLocker recovery key (55) each lie in
    one such run, and ``bytes.find`` skips to the runs far faster than any
    regex could.  A run starts and ends at a character boundary; its text is
    found in ``text`` after the previous run (an earlier occurrence would lie
    in an earlier run).
    """
    data = text.encode("utf-8", "surrogatepass")
    mask = data.translate(_KEY_RUN_MASK)
    runs: list[_Range] = []
    pos = 0
    start = mask.find(_KEY_RUN_NEEDLE)
    while start >= 0:  # the start of a run: the search began at a b" " (or at 0)
        end = mask.find(b" ", start)
        if end < 0:
            end = len(mask)
        run = data[start:end].decode("utf-8", "surrogatepass")
        pos = text.find(run, pos)
        runs.append((pos, pos + len(run)))
        pos += len(run)
        start = mask.find(_KEY_RUN_NEEDLE, end)
    return runs


def _long_runs(text: str, runs: list[_Range]) -> Iterator[re.Match[str]]:
    """The matches of ``_LONG_RUN_RE`` in ``text``, found in the ``_key_runs``."""
    for start, end in runs:
        # up to two "=" and the character after them complete a match
        yield from _LONG_RUN_RE.finditer(text, start, end + 3)


def _bitlocker_keys(text: str, runs: list[_Range]) -> Iterator[re.Match[str]]:
    """The matches of ``_BITLOCKER_RE`` in ``text``, found in the ``_key_runs``."""
    for start, end in runs:
        if end - start >= 55:
            yield from _BITLOCKER_RE.finditer(text, start, end)


def _long_keys(text: str, runs: list[_Range]) -> Iterator[_Range]:
    for m in _long_runs(text, runs):
        run = m.group()
        base = m.start()
        # UUIDs (also inside Azure resource ids) are never keys: the parts
        # between them are judged on their own.
        for ps, pe in _split_around_uuids(run):
            while ps < pe and run[ps] in "-_/":
                ps += 1
            while pe > ps and run[pe - 1] in "-_/":
                pe -= 1
            part = run[ps:pe]
            core = part.rstrip("=")
            if len(core) < 32:
                continue
            if (
                len(core) in _HASH_LENGTHS
                and _HEX_RE.fullmatch(core)
                and _HASH_LABEL_RE.search(_line_before(text, base + ps, 120))
            ):
                continue  # a labelled hash ("SHA256 ...", "Thumbprint ...")
            if _looks_like_key(part):
                yield base + ps, base + pe


def _find_tokens(text: str, low: str) -> Iterator[_Range]:
    found: list[_Range] = []
    if "authorization" in low:
        for m in _AUTH_HEADER_RE.finditer(low):
            start, end = m.span("v")
            end = _trim_end(text, start, end, ".,;")
            value = text[start:end]
            strong = m.group("scheme") is not None or (len(value) >= 16 and _HAS_DIGIT_RE.search(value))
            if strong and end > start and not _is_placeholder(value):
                found.append((start, end))
    if "bearer" in low:
        for m in _BEARER_RE.finditer(low):
            start, end = m.span("v")
            end = _trim_end(text, start, end, ".")
            if end - start >= 16 and _HAS_DIGIT_RE.search(text, start, end):
                found.append((start, end))
    if "basic" in low:
        for m in _BASIC_RE.finditer(low):
            start, end = m.span("v")
            if _b64_basic_credentials(text[start:end]):
                found.append((start, end))
    for m in _JWT_RE.finditer(text):
        start, end = m.span()
        found.append((start, _trim_end(text, start, end, ".")))
    for word, name_before in _TOKEN_NAME_BEFORE.items():
        i = low.find(word)
        while i >= 0:
            after = i + len(word)
            tail = _TOKEN_KV_TAIL_RE.match(low, after)
            if tail is None or not name_before.search(low, max(0, i - 40), i):
                tail = _TOKEN_PARAM_TAIL_RE.match(low, after)
                if tail is not None and not _TOKEN_PARAM_BEFORE[word].search(low, max(0, i - 12), i):
                    tail = None
            if tail is not None:
                start, end = tail.span("v")
                end = _trim_end(text, start, end, ".,;:")
                value = text[start:end]
                keylike = len(value) >= 8 and (_HAS_DIGIT_RE.search(value) or len(value) >= 16)
                if keylike and not _is_placeholder(value):
                    found.append((start, end))
            i = low.find(word, after)
    runs = _key_runs(text)
    found.extend(m.span() for m in _bitlocker_keys(text, runs))
    found.extend(_long_keys(text, runs))
    yield from _union(found)


# --------------------------------------------------------------------------
# EMAIL
# --------------------------------------------------------------------------

# One linear scan for "local@domain" candidates, then validation in Python
# (no regex backtracking over domain labels).
_EMAIL_CAND_RE = re.compile(
    r"(?<![A-Za-z0-9._%+'\-])[A-Za-z0-9._%+'\-]{1,64}+@[A-Za-z0-9][A-Za-z0-9.\-]{0,252}+"
)
_EMAIL_TLD_RE = re.compile(r"[A-Za-z]{2,63}")
_EMAIL_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?")


def _find_emails(text: str, low: str) -> Iterator[_Range]:
    for ls, le in _needle_lines(text, text, ("@",)):
        for m in _EMAIL_CAND_RE.finditer(text, ls, le):
            local, _, domain = m.group().partition("@")
            start = m.start()
            # leading/trailing dots belong to the sentence, not the address
            stripped = local.lstrip(".")
            start += len(local) - len(stripped)
            local = stripped
            if not local or local.endswith(".") or ".." in local:
                continue
            domain = domain.rstrip(".-")
            labels = domain.split(".")
            if len(labels) < 2 or not _EMAIL_TLD_RE.fullmatch(labels[-1]):
                continue
            if not all(_EMAIL_LABEL_RE.fullmatch(label) for label in labels):
                continue
            yield start, start + len(local) + 1 + len(domain)


# --------------------------------------------------------------------------
# UNC_PATH
# --------------------------------------------------------------------------

_UNC_SEG = r"[^\\/:*?\"<>|\r\n\s]{1,255}+"
_UNC_RE = re.compile(
    # quoted: runs to the closing quote, spaces allowed
    r"(?<=[\"'])\\{2,}+[A-Za-z0-9][A-Za-z0-9._$@%\-]{1,255}+\\++[^\"'\r\n]{1,1024}+(?=[\"'])"
    r"|"
    # unquoted: server, share, then segments; a segment may contain spaces only
    # when another backslash follows it
    rf"(?<![\\:A-Za-z0-9])\\{{2,}}+[A-Za-z0-9][A-Za-z0-9._$@%\-]{{1,255}}+"
    rf"(?:\\++(?:{_UNC_SEG}(?:[ ]{_UNC_SEG}){{1,20}}+(?=\\)|{_UNC_SEG}))++\\*+"
)
_BACKSLASH_RUN_RE = re.compile(r"\\++")


def _find_unc(text: str, low: str) -> Iterator[_Range]:
    # A match starts at the first backslash of a run of two or more (both
    # alternatives refuse a backslash before it).  The pattern has no literal
    # prefix for the engine to skip by, so it is only tried at those run
    # starts: the same matches as a ``finditer`` over the whole text.
    i = text.find("\\\\")
    while i >= 0:
        m = _UNC_RE.match(text, i)
        if m is None:
            # no match can start inside this run of backslashes either
            run = _BACKSLASH_RUN_RE.match(text, i)
            i = text.find("\\\\", run.end() if run is not None else i + 1)
            continue
        start, end = m.span()
        trimmed = _trim_end(text, start, end, ".,;:!?")
        if trimmed > start:
            yield start, trimmed
        i = text.find("\\\\", end)


# --------------------------------------------------------------------------
# IP
# --------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]|0[0-9]{1,2})"
_IPV4_GATE = re.compile(r"\.[0-9]{1,3}\.[0-9]{1,3}\.")
_IPV4_RE = re.compile(
    rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?P<cidr>/[0-9]{{1,2}}(?![0-9]))?(?![\w]|\.[\w])"
)
_VERSION_LABEL_RE = re.compile(
    r"(?:\b(?:v|ver|version|build|firmware|rev|revision|fileversion|productversion|assemblyversion))"
    r"[ \t]*[:=#]?[ \t]*[\"']?\Z",
    re.IGNORECASE,
)
# The first colon of a candidate that can be a valid address (a colon right
# after another colon, a dot or a closing bracket cannot start one, see
# ``_IPV6_CAND_RE``): an address holds "::" with a hex digit next to it or
# after an earlier group, or at least six colons (``_valid_ipv6``).
_IPV6_GATE = re.compile(
    r":(?<![:.\])]:)(?:"
    r"(?<=[0-9A-Fa-f]:):|:[0-9A-Fa-f]|(?:[0-9A-Fa-f]{1,4}:){1,6}:|(?:[0-9A-Fa-f]{0,4}:){5}"
    r")"
)
_HEX_DIGITS = frozenset("0123456789ABCDEFabcdef")
_IPV6_CAND_RE = re.compile(
    r"(?<![\w:.\])])"
    r"(?:[0-9A-Fa-f]{0,4}:){2,8}+"
    r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
    r"|[0-9A-Fa-f]{1,4})?"
    r"(?:%[A-Za-z0-9_.\-]{1,32}+)?"
    r"(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?"
    r"(?![\w:%]|\.[0-9])"
)


def _is_netmask_or_unspecified(addr: str) -> bool:
    octets = [int(o) for o in addr.split(".")]
    value = 0
    for o in octets:
        value = (value << 8) | o
    if value == 0:
        return True
    if octets[0] != 255:
        return False
    inverted = (~value) & 0xFFFFFFFF
    return (inverted & (inverted + 1)) == 0


def _find_ipv4(text: str, low: str) -> Iterator[_Range]:
    for ls, le in _regex_lines(text, _IPV4_GATE):
        for m in _IPV4_RE.finditer(text, ls, le):
            start, end = m.span()
            addr_end = m.start("cidr") if m.group("cidr") else end
            if _is_netmask_or_unspecified(text[start:addr_end]):
                continue
            if _VERSION_LABEL_RE.search(_line_before(text, start, 40)):
                continue
            yield start, end


def _valid_ipv6(addr: str) -> bool:
    if "%" in addr:
        addr = addr[: addr.index("%")]
    if "/" in addr:
        addr = addr[: addr.index("/")]
    if addr.count("::") > 1 or ":::" in addr:
        return False
    ipv4_groups = 0
    if "." in addr:
        head, _, tail = addr.rpartition(":")
        octets = tail.split(".")
        if not head or len(octets) != 4:
            return False
        if not all(o.isdigit() and len(o) <= 3 and int(o) <= 255 for o in octets):
            return False
        ipv4_groups = 2
        addr = head + ":" if head.endswith(":") else head
    if "::" in addr:
        left, _, right = addr.partition("::")
        groups = (left.split(":") if left else []) + (right.split(":") if right else [])
        if len(groups) + ipv4_groups > 7:
            return False
        compressed = True
    else:
        groups = addr.split(":") if addr else []
        if len(groups) + ipv4_groups != 8:
            return False
        compressed = False
    for g in groups:
        if not (1 <= len(g) <= 4) or not _HEX_RE.fullmatch(g):
            return False
    if compressed and ipv4_groups == 0:
        if len(groups) < 2 and groups != ["1"]:
            # bare "::", "fe80::", "1::" - prefixes / unspecified, not an address
            return False
        if len(groups) == 2 and max(len(g) for g in groups) < 3:
            # "a::b", "ab::cd" read as syntax far more often than as an address
            return False
    return True


def _find_ipv6(text: str, low: str) -> Iterator[_Range]:
    # A candidate starts within four hex digits before its first colon, and as
    # no word character may precede it, where the run of hex digits before
    # that colon starts.  So the candidate pattern (which has no literal prefix
    # for the engine to skip by) is tried only there, for the first colons that
    # the gate finds.  A candidate the gate skips would not be valid, and no
    # candidate can start inside one, so this yields what a ``finditer`` over
    # the whole text, keeping the valid candidates, yields.
    pos = 0
    gate = _IPV6_GATE.search(text)
    while gate is not None:
        colon = gate.start()
        start = colon
        while start > colon - 4 and start > 0 and text[start - 1] in _HEX_DIGITS:
            start -= 1
        m = _IPV6_CAND_RE.match(text, start) if start >= pos else None
        if m is None:
            gate = _IPV6_GATE.search(text, colon + 1)
            continue
        if _valid_ipv6(m.group()):
            yield m.span()
        pos = m.end()
        gate = _IPV6_GATE.search(text, pos)


# --------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------

_FINDERS: dict[Category, tuple[_Finder, ...]] = {
    Category.PRIVATE_KEY: (_find_pem, _find_ppk),
    Category.CONNECTION_STRING: (_find_connection_strings,),
    Category.ACCESS_KEY: (_find_access_keys,),
    Category.PASSWORD: (_find_passwords,),
    Category.TOKEN: (_find_tokens,),
    Category.EMAIL: (_find_emails,),
    Category.UNC_PATH: (_find_unc,),
    Category.IP: (_find_ipv6, _find_ipv4),
}
# Finders whose matches may span lines (all others are line-local), each
# with a string that the lower-cased text of every one of its matches holds.
_MULTILINE_FINDERS: dict[_Finder, str] = {_find_pem: "private", _find_ppk: "putty-user-key-file-"}


class _Piece:
    """A stretch of the text: plain text (``category is None``) or a marker."""

    __slots__ = ("text", "low", "category", "new")

    def __init__(self, text: str, category: Category | None, new: bool, low: str = "") -> None:
        self.text = text
        self.category = category
        self.new = new  # a marker inserted by this call
        self.low = low if low or category is not None else _lower(text)


class _InternalError(Exception):
    pass


def _normalise_categories(categories: Iterable[Category | str] | None) -> tuple[Category, ...]:
    if categories is None:
        return ALL_CATEGORIES
    wanted: set[Category] = set()
    for c in categories:
        if isinstance(c, Category):
            wanted.add(c)
            continue
        if not isinstance(c, str):
            raise ValueError("unknown redaction category (not a string)")
        try:
            wanted.add(Category(c.strip().lower()))
        except ValueError:
            known = ", ".join(cat.value for cat in ALL_CATEGORIES)
            raise ValueError(f"unknown redaction category; known: {known}") from None
    return tuple(cat for cat in ALL_CATEGORIES if cat in wanted)


def _split_markers(text: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    pos = 0
    for m in _MARKER_RE.finditer(text):
        if m.start() > pos:
            pieces.append(_Piece(text[pos : m.start()], None, False))
        pieces.append(_Piece(m.group(), _MARKER_TO_CATEGORY[m.group()], False))
        pos = m.end()
    if pos < len(text):
        pieces.append(_Piece(text[pos:], None, False))
    return pieces


def _apply(pieces: list[_Piece], category: Category, finder: _Finder) -> tuple[list[_Piece], int]:
    marker = MARKERS[category]
    out: list[_Piece] = []
    made = 0
    for piece in pieces:
        if piece.category is not None:
            out.append(piece)
            continue
        chunk, low = piece.text, piece.low
        pos = 0
        for start, end in finder(chunk, low):
            if not (pos <= start < end <= len(chunk)):
                raise _InternalError("finder returned an invalid span")
            if start > pos:
                out.append(_Piece(chunk[pos:start], None, False, low[pos:start]))
            out.append(_Piece(marker, category, True))
            made += 1
            pos = end
        if pos == 0:
            out.append(piece)
        elif pos < len(chunk):
            out.append(_Piece(chunk[pos:], None, False, low[pos:]))
    return out, made


def _full_pass(
    pieces: list[_Piece], enabled: tuple[Category, ...], counts: dict[str, int]
) -> tuple[list[_Piece], int]:
    made_in_pass = 0
    for category in enabled:
        for finder in _FINDERS[category]:
            pieces, made = _apply(pieces, category, finder)
            counts[category.value] += made
            made_in_pass += made
    return pieces, made_in_pass


def _pass_would_change(pieces: list[_Piece], enabled: tuple[Category, ...]) -> bool:
    """Would another full pass make a replacement?

    Every finder saw each interior line of every plain-text piece, in exactly
    its current form, during the pass that just ran (a finder always sees the
    whole line, and a line only changes by being cut).  Line-local finders
    can therefore only find something new on the first or last line of a
    piece that borders a marker; those lines are checked together in one
    probe text, each distinct line once (what a line-local finder finds on
    a line does not depend on the other lines).  Multi-line finders
    re-check every piece that holds their needle.
    """
    edge_lines: dict[str, None] = {}
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        if piece.category is not None:
            continue
        chunk = piece.text
        if i > 0:  # a marker on the left
            nl = chunk.find("\n")
            edge_lines[chunk if nl < 0 else chunk[:nl]] = None
        if i < last:  # a marker on the right
            nl = chunk.rfind("\n")
            if nl >= 0 or i == 0:
                edge_lines[chunk[nl + 1 :]] = None
    probe = "\n".join(edge_lines)
    probe_low = _lower(probe)
    plain_low = ""
    for category in enabled:
        for finder in _FINDERS[category]:
            needle = _MULTILINE_FINDERS.get(finder)
            if needle is not None:
                if not plain_low:
                    plain_low = "\n".join(piece.low for piece in pieces if piece.category is None)
                if needle not in plain_low:
                    continue
                for piece in pieces:
                    if piece.category is None and next(iter(finder(piece.text, piece.low)), None) is not None:
                        return True
            elif next(iter(finder(probe, probe_low)), None) is not None:
                return True
    return False


def _redact_pieces(text: str, enabled: tuple[Category, ...]) -> tuple[list[_Piece], dict[str, int]]:
    counts = {cat.value: 0 for cat in Category}
    pieces = _split_markers(text)
    # Repeat full passes until another pass would change nothing: the output
    # is a fixpoint, so redacting it again makes no replacement
    # (idempotency).  Each replacement consumes at least one plain-text
    # character, so this ends; in practice after one pass.
    pieces, made = _full_pass(pieces, enabled, counts)
    while made and _pass_would_change(pieces, enabled):
        pieces, made = _full_pass(pieces, enabled, counts)
    return pieces, counts


def redact(text: str, categories: Iterable[Category | str] | None = None) -> RedactionResult:
    """Redact secrets from ``text``.

    ``categories``: ``None`` means all categories; otherwise only the given
    ones (``Category`` members or their string values).  Unknown category names
    raise ``ValueError``; non-``str`` text raises ``TypeError``.  Any other
    failure raises ``RedactionError`` (never a partially redacted text).
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() expects str, not {type(text).__name__}")
    enabled = _normalise_categories(categories)
    failure: str | None = None
    try:
        pieces, counts = _redact_pieces(str(text), enabled)
        parts: list[str] = []
        spans: list[Span] = []
        offset = 0
        for piece in pieces:
            if piece.new and piece.category is not None:
                spans.append(Span(offset, offset + len(piece.text), piece.category))
            parts.append(piece.text)
            offset += len(piece.text)
        result = RedactionResult(text="".join(parts), spans=tuple(spans), counts=counts)
    except Exception as exc:  # fail closed
        failure = type(exc).__name__
    if failure is not None:
        # Raised outside the except block so the original exception (whose
        # message may quote the input) is neither chained nor kept as context.
        raise RedactionError(f"redaction failed ({failure}); the text was not redacted")
    return result


def find_markers(text: str) -> list[Span]:
    """Every marker already present in ``text`` (for highlighting an edited note)."""
    if not isinstance(text, str):
        raise TypeError(f"find_markers() expects str, not {type(text).__name__}")
    return [Span(m.start(), m.end(), _MARKER_TO_CATEGORY[m.group()]) for m in _MARKER_RE.finditer(text)]
