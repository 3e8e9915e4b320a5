"""Tokens: Authorization headers, Bearer/Basic credentials, JWTs, labelled API keys and secrets
(``api_key=``, ``client_secret:``, ConnectWise's "Private Key: X"), BitLocker recovery keys, and long
random key-like strings.

Decisions:

* A standalone ``Bearer X`` needs X to be 16+ characters with a digit; a standalone ``Basic X`` needs X
  to decode (base64) to ``user:password``, so "Basic troubleshooting" stays.
* Hex runs of 32+ characters are tokens, except a hash of 32/40/56/64/96/128 hex digits labelled as one
  earlier on its line (SHA256, MD5, thumbprint, checksum, fingerprint, digest).
* Other runs of 32+ base64/base64url characters are tokens only if they look random: a digit and a
  letter, and a high rate of changes between upper case, lower case and digits (random keys change
  at ~60% of positions, identifiers like ``Windows10_x64_Enterprise_22H2`` at 10-25%). Dashed UUIDs
  are never tokens (also inside Azure resource ids); a GUID without dashes is 32 hex digits: a token.
* A BitLocker recovery key (8 groups of 6 digits) is a token when every group is divisible by 11 (as
  in every real key) or the line names it ("recovery", "BitLocker").
"""

from __future__ import annotations

import base64
import binascii
import re

from flowdesk.redact.checks import HAS_DIGIT_RE, key_like, not_placeholder
from flowdesk.redact.model import Category, Found, Rule, rx

TK = Category.TOKEN

_KV_TAIL = r"(?![a-z0-9])[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?(?P<secret>[^\s\"'<>]{8,4096}+)"
_PARAM_TAIL = r"(?![\w-])(?::|[ \t]+)[\"']?(?P<secret>[a-z0-9._~+/=\-]{8,4096}+)"
_HEX_RE = re.compile(r"[0-9A-Fa-f]+")
_UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_HASH_LABEL_RE = re.compile(
    r"(?:\b|_)(?:md5|sha-?(?:1|224|256|384|512)|sha|hash(?:es)?|thumbprint|checksum|fingerprint|digest|filehash)\b",
    re.IGNORECASE,
)
_HASH_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_RECOVERY_LABEL_RE = re.compile(r"recovery|bitlocker", re.IGNORECASE)
_ALNUM_RUN_RE = re.compile(r"[A-Za-z0-9]+")
_CLASS_CHANGE_RE = re.compile(r"[a-z](?=[A-Z0-9])|[A-Z](?=[a-z0-9])|[0-9](?=[A-Za-z])")


def _strong_authorization(f: Found) -> bool:
    """A scheme was named (Bearer, Basic, NTLM, ...), or the value is 16+ characters with a digit."""
    if f.match.group("scheme") is not None:
        return True
    return len(f.value) >= 16 and HAS_DIGIT_RE.search(f.value) is not None


def _long_with_digit(f: Found) -> bool:
    """16+ characters with a digit."""
    return len(f.value) >= 16 and HAS_DIGIT_RE.search(f.value) is not None


def _basic_credentials(f: Found) -> bool:
    """Decodes (base64) to printable 'user:password'."""
    core = f.value.rstrip("=")
    try:
        raw = base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    if not raw or any(b < 0x20 or b > 0x7E for b in raw):
        return False
    colon = raw.find(b":")
    return 0 < colon < len(raw) - 1


def _recovery_key(f: Found) -> bool:
    """Every group is divisible by 11 (BitLocker's own check), or the line says what it is."""
    groups = f.value.split("-")
    if all(int(g) % 11 == 0 for g in groups):
        return True
    return _RECOVERY_LABEL_RE.search(f.before(120)) is not None


def _outside_uuids(run: str) -> list[tuple[int, int]]:
    """The parts of a run between UUIDs (a UUID is never a key), without leading/trailing -_/."""
    parts = []
    pos = 0
    for u in [*_UUID_RE.finditer(run), None]:
        ps, pe = pos, (u.start() if u is not None else len(run))
        if u is not None:
            pos = u.end()
        while ps < pe and run[ps] in "-_/":
            ps += 1
        while pe > ps and run[pe - 1] in "-_/":
            pe -= 1
        parts.append((ps, pe))
    return parts


def _not_a_labelled_hash(f: Found) -> bool:
    """Not a hash of a usual length labelled as one earlier on the line (SHA256, thumbprint, ...)."""
    core = f.value.rstrip("=")
    if len(core) not in _HASH_LENGTHS or not _HEX_RE.fullmatch(core):
        return True
    lo = max(0, f.start - 120)
    chunk = f.text[lo : f.start]
    return _HASH_LABEL_RE.search(chunk[chunk.rfind("\n") + 1 :]) is None


def _looks_random(f: Found) -> bool:
    """32+ characters (without '=' padding) that look random: all hex, or a mix of classes that changes
    at most positions (identifiers are short words joined by separators)."""
    core = f.value.rstrip("=")
    if len(core) < 32:
        return False
    if _HEX_RE.fullmatch(core):
        return True
    runs = _ALNUM_RUN_RE.findall(core)
    alnum = sum(map(len, runs))
    pairs = alnum - len(runs)  # neighbouring alphanumeric pairs
    if pairs < 24:
        return False
    ratio = len(_CLASS_CHANGE_RE.findall(core)) / pairs
    if ratio < 0.2:
        return False
    has_upper = any(c.isupper() for c in core if c.isascii())
    has_lower = any(c.islower() for c in core if c.isascii())
    if HAS_DIGIT_RE.search(core) is None:  # letters only: only a very noisy mix of cases
        return has_upper and has_lower and ratio >= 0.45 and "-" not in core and "_" not in core
    if "+" not in core and (len(core) - alnum) * 10 > len(core):  # many separators: an identifier?
        return ratio >= 0.45
    if has_upper and has_lower:
        return ratio >= 0.3
    return ratio >= 0.2  # one case + digits (base32/base36 keys such as Azure DevOps PATs)


RULES: tuple[Rule, ...] = (
    Rule(
        "authorization-header", TK, ("authorization",),
        rx(
            r"(?<!\w)authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
            r"(?:(?P<scheme>bearer|basic|digest|negotiate|ntlm|token|sharedkey|ssws|apikey|hmac|aws4-hmac-sha256)[ \t]+)?"
            r"(?P<secret>[^\s\"'<>]{4,4096}+)"
        ),
        "The credentials of an Authorization header (after its scheme, which stays).",
        "Authorization: Bearer FakeFakeFake.Fake1234",
        trim=".,;)]}", checks=(_strong_authorization, not_placeholder),
    ),
    Rule(
        "bearer-token", TK, ("bearer",),
        rx(r"(?<![\w-])bearer[ \t]+(?P<secret>[a-z0-9\-._~+/]{8,4096}+=*+)"),
        "A Bearer token anywhere (16+ characters with a digit).",
        "curl -H 'Bearer FakeFakeFake1234abcd' https://api",
        trim=".)]}", checks=(_long_with_digit,),
    ),
    Rule(
        "basic-credentials", TK, ("basic",),
        rx(r"(?<![\w-])basic[ \t]+(?P<secret>[a-z0-9+/]{8,4096}+={0,2})(?![a-z0-9+/=])"),
        "Basic credentials anywhere: base64 that decodes to user:password.",
        "sent Basic ZmFrZTpGYWtlLVBhc3MtNDI= in the header",
        checks=(_basic_credentials,),
    ),
    Rule(
        "jwt", TK, ("eyj",),
        rx(r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{4,}+\.[A-Za-z0-9_\-]{4,}+(?:\.[A-Za-z0-9_\-]*+){1,3}"),
        "A JSON Web Token (eyJ... with two or more dot-separated parts).",
        "id_token eyJhbGciOiJub25lIn0.eyJzdWIiOiJmYWtlIn0.",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "labelled-key", TK, ("key",),
        rx(r"(?<![a-z0-9])(?:x-)?(?:(?:api|secret|private|public|subscription)[ _\-]?|ocp-apim-subscription-)key"
           + _KV_TAIL),
        "The value of an API key label: api_key=, x-api-key:, secret_key, subscription key, and "
        "ConnectWise's 'Public Key: X' / 'Private Key: X' (8+ characters, a digit unless 16+).",
        "ConnectWise API member: Private Key: Zx8FakeFake2Wr0T",
        trim=".,;:)]}", checks=(key_like, not_placeholder),
    ),
    Rule(
        "labelled-token", TK, ("token",),
        rx(r"(?<![a-z0-9])(?:x-)?(?:api[_-]?|access[_-]?|refresh[_-]?|id[_-]?|auth[_-]?|sas[_-]?|session[_-]?)?token"
           + _KV_TAIL),
        "The value of a token label: token=, access_token:, \"refresh_token\": \"X\".",
        '"refresh_token": "FakeFakeFake1234"',
        trim=".,;:)]}", checks=(key_like, not_placeholder),
    ),
    Rule(
        "labelled-secret", TK, ("secret",),
        rx(r"(?<![a-z0-9])(?:x-)?(?:api[_-]?|client[_-]?|app[_-]?)?secret" + _KV_TAIL),
        "The value of a secret label: client_secret=, secret: X, app-secret: X.",
        "client_secret=FakeFakeFake1234",
        trim=".,;:)]}", checks=(key_like, not_placeholder),
    ),
    Rule(
        "key-parameter", TK, ("key",),
        rx(r"(?<![\w-])--?api-?key" + _PARAM_TAIL),
        "A command-line API key: -ApiKey X, --api-key X.",
        "Register-Agent -ApiKey FakeFake1234",
        trim=".,;:)]}", checks=(key_like, not_placeholder),
    ),
    Rule(
        "token-parameter", TK, ("token",),
        rx(r"(?<![\w-])--?(?:access-?|auth-?)?token" + _PARAM_TAIL),
        "A command-line token: -Token X, --access-token X.",
        "agent.exe --token FakeFake1234",
        trim=".,;:)]}", checks=(key_like, not_placeholder),
    ),
    Rule(
        "secret-parameter", TK, ("secret",),
        rx(r"(?<![\w-])--?(?:client-?|app-?)?secret" + _PARAM_TAIL),
        "A command-line secret: -ClientSecret X, --secret X.",
        "Connect-Tenant -ClientSecret FakeFake1234",
        trim=".,;:)]}", checks=(key_like, not_placeholder),
    ),
    Rule(
        "bitlocker-recovery-key", TK, tuple(f"-{d}" for d in "0123456789"),
        rx(r"(?<![0-9-])[0-9]{6}(?:-[0-9]{6}){7}(?![0-9-])"),
        "A BitLocker recovery key: 8 groups of 6 digits, each divisible by 11 (or named on its line).",
        "unlocked with 000011-000022-000033-000044-000055-000066-000077-000088",
        secret=(), case_sensitive=True, checks=(_recovery_key,),
    ),
    Rule(
        "long-random-string", TK, (),
        rx(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{32,}+={0,2}+(?![A-Za-z0-9+/_\-=])"),
        "A run of 32+ base64/hex characters that looks random (see above); UUIDs inside it and labelled "
        "hashes are kept.",
        "webhook secret 9fQ2xL7vR4mK8tZ1wB6nH3cJ5pD0sG2yA7eU",
        secret=(), case_sensitive=True, split=_outside_uuids, checks=(_not_a_labelled_hash, _looks_random),
        min_run=32,
    ),
)  # fmt: skip
