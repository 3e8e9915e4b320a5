"""The named checks of the rule tables (``rules/*.toml``): is this value a placeholder, does it look
like a password, is this address valid, does this run look random.

A check takes a :class:`~flowdesk.redact.model.Found` and answers yes (keep the candidate) or no; a
splitter cuts a secret into the parts judged one by one. Each is registered under its function's name,
which is how a rule names it (``checks = ["not_placeholder"]``).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable

from flowdesk.redact.model import Check, Found

CHECKS: dict[str, Check] = {}
SPLITTERS: dict[str, Callable[[str], list[tuple[int, int]]]] = {}


def check(fn: Check) -> Check:
    """Register ``fn`` as a check the rule tables can name."""
    CHECKS[fn.__name__] = fn
    return fn


def splitter(fn: Callable[[str], list[tuple[int, int]]]) -> Callable[[str], list[tuple[int, int]]]:
    """Register ``fn`` as a splitter the rule tables can name."""
    SPLITTERS[fn.__name__] = fn
    return fn

PLACEHOLDER_WORDS = frozenset(
    """
    none n/a na n.a. null nil blank empty unknown unchanged same redacted hidden masked removed
    omitted see refer stored saved sent provided given emailed texted set reset changed updated
    expired expiring locked unlocked required correct incorrect wrong valid invalid ok okay working
    works verified confirmed true false $true $false yes no tbd tba pending not in on via from the a
    an is was user users vault keeper itglue it never enabled disabled complex strong weak rotated
    documented recorded attached below above managed handled known default prompt prompted asked
    entered typed synced cached remembered forgotten unset
    siehe kein keine keins unverändert geändert abgelaufen gesperrt voir aucun inchangé expiré ver ninguna
    ninguno sin caducada veja nenhuma zie geen ongewijzigd verlopen se ingen inget katso ei viz žádné brak
    as to for of done fixed resolved sso mfa sspr itg hudu bitwarden 1password keepass lastpass all told ask
    call must at system.security.securestring accepted failed rejected mismatch mismatched expires expire
    temporary complexity aes tkip ccmp zurückgesetzt réinitialisé oublié changé restablecida bloqueada
    redefinida gewijzigd bytt utløpt nulstillet vanhentunut vypršelo
    """.split()  # noqa: SIM905 - a word list is easier to read and extend
)
# a multi-word value that begins so points elsewhere ('see IT Glue', 'siehe Passwortsafe')
POINTER_WORDS = frozenset({"see", "refer", "siehe", "voir", "zie", "ver", "veja", "katso", "viz"})
# a reference to a variable, not a value: $TOKEN, ${DB_PASSWORD}, %PASSWORD% (a password may begin with
# '$': '$ecureP4ss' and '$WINTER2024' are values, a name in capitals and '_' without a digit is not)
_VARIABLE_RE = re.compile(r"\$\{[A-Za-z_]\w*\}|%[A-Za-z_]\w*%|\$[A-Z_]+|process\.env\.\w+")
HAS_DIGIT_RE = re.compile(r"\d")
_ORDINAL_RE = re.compile(r"#\d+|\d+(?:st|nd|rd|th|x)")
# a value in prose (or after a weak separator) must hold one of these to look like a password
PROSE_LIKE_RE = re.compile(r"[\d!@#$%^&*+=~|\\/?<>{}\[\]()_]")
LETTER_RE = re.compile(r"[A-Za-z]")
UNIT_WORDS = (
    r"(?:characters?|chars?|digits?|letters?|symbols?|days?|hours?|minutes?|weeks?|months?|years?"
    r"|long|old|attempts?|times?)"
)
MEASURE_RE = re.compile(rf"\d+\+?[-\u2010\u2011]?{UNIT_WORDS}[.,;:]?")


def is_placeholder(value: str) -> bool:
    """'N/A', 'see vault', '********': words standing where a value would be, not a value."""
    v = value.strip().lower().rstrip(".,;:!")
    if not v:
        return True
    if v in PLACEHOLDER_WORDS:
        return True
    if " " in v and v.split(None, 1)[0] in POINTER_WORDS:
        return True
    if _VARIABLE_RE.fullmatch(value.strip().rstrip(".,;:!")):
        return True
    if len(v) <= 3 and not any(c.isalnum() for c in v):  # a separator a marker left at the end of a line ('password = [..]')
        return True
    if _SECURITY_MODE_RE.fullmatch(v) or _IDENTIFIER_RE.fullmatch(v):  # 'the wifi key is WPA2-Personal'
        return True
    return len(set(v)) == 1 and v[0] in "*•●x#"  # masked: "********", "•••••", "xxxxxx"


_SECURITY_MODE_RE = re.compile(r"wpa[23]?(?:[-/](?:personal|enterprise|psk|sae|aes|tkip|eap|802\.1x))*")
# names and codes that stand where a value would: error codes, updates, algorithms, hardware tokens, dates,
# a state ('Locked-Out', 'MFA-Enabled', 'M365-synced')
_IDENTIFIER_RE = re.compile(
    r"0x[0-9a-f]{4,16}|kb\d{6,8}|aadsts\d{4,8}|\d{4}-\d{2}-\d{2}|ssh-(?:rsa|ed25519|dss)|ecdsa[\w-]*|rsa-\d{3,4}"
    r"|aes-?\d{3}(?:-(?:gcm|cbc))?|sha-?\d{3}|(?:fortitoken|yubikey|securid|token2)[\w-]*"
    r"|[\w.]+-(?:synced|managed|hashed|only|based|compatible|enabled|disabled|related|protected|out|expires|expired"
    r"|locked|online|required)"
)


def is_complex(value: str) -> bool:
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


# --------------------------------------------------------------------------------------------------
# Checks shared by several families
# --------------------------------------------------------------------------------------------------


@check
def not_placeholder(f: Found) -> bool:
    """The value is not a placeholder ('N/A', 'see vault', '****')."""
    return not is_placeholder(f.value)


@check
def prose_like(f: Found) -> bool:
    """The value holds a digit or a symbol (words in a sentence do not; passwords that meet any
    complexity rule do)."""
    return PROSE_LIKE_RE.search(f.value) is not None


def _quoted(f: Found) -> bool:
    """The rule's ``secret`` group began with a quote (the value was quoted)."""
    return f.text[f.match.start("secret")] in "\"'"


@check
def quoted_or_password_like(f: Found) -> bool:
    """The value was quoted; or it holds a digit or a symbol, has 4+ characters and is not a measure or an
    ordinal ('pin 42', '3x', '8+', '14-digit', '2nd')."""
    if _quoted(f):
        return True
    value = f.value
    if len(value) < 4 or MEASURE_RE.fullmatch(value.lower()) or _ORDINAL_RE.fullmatch(value.lower()):
        return False
    return PROSE_LIKE_RE.search(value) is not None


@check
def complex_password(f: Found) -> bool:
    """The value meets Windows complexity (8+ characters, 3 of upper, lower, digit, symbol)."""
    return is_complex(f.value)


def looks_like_a_password(value: str) -> bool:
    """6+ characters, and either all digits or letters with a digit or symbol; not a placeholder, not a
    measure ('14-characters')."""
    if len(value) < 6 or is_placeholder(value) or MEASURE_RE.fullmatch(value):
        return False
    return value.isdigit() or (LETTER_RE.search(value) is not None and PROSE_LIKE_RE.search(value) is not None)


@check
def strong_word(f: Found) -> bool:
    """A word standing alone after the label looks like a password: 6+ characters, and either all
    digits or letters with a digit or symbol; not a measure ('14-characters')."""
    return looks_like_a_password(f.value)


@check
def key_like(f: Found) -> bool:
    """8+ characters, with a digit unless 16+ long."""
    value = f.value
    return len(value) >= 8 and (HAS_DIGIT_RE.search(value) is not None or len(value) >= 16)


# -- keys -------------------------------------------------------------------------------------------
_CS_CRED_KEY_RE = re.compile(r"(?:^|;)[ \t]*(?:password|pwd)[ \t]*=")


@check
def has_password_pair(f: Found) -> bool:
    """One of the pairs is Password= or Pwd= (a connection string without one is not a secret)."""
    return _CS_CRED_KEY_RE.search(f.low[f.match.start() : f.match.end()]) is not None


# -- passwords --------------------------------------------------------------------------------------
# Labels that may end a longer word ("AdminPassword", "Benutzerkennwort", "adminwachtwoord"); the other
# short ones ("pw", "pin", "mdp", "clave") must start a word or a camelCase part.
_LONG_LABEL_RE = re.compile(
    r"pass(?:word|wd|wort|ord|phrase|[ _\-]phrase)|kennwort|wachtwoord|l(?:\u00f6|o)senord|adgangskode|salasana"
    r"|contrase(?:\u00f1|n)a|mot[ \t]+de[ \t]+passe"
)
_SHORT_LABEL_RE = re.compile(r"p.*|mdp|clave|senha|heslo|haslo")
_USER_SLASH_RE = re.compile(r"user(?:name)?[ \t]*(?:/|&|\+|and)[ \t]*\Z")
_PS_VARIABLE_RE = re.compile(r"\$[A-Za-z0-9_:]*\Z")
_CMDLET_RE = re.compile(r"[A-Za-z]+-[A-Za-z]+")


@check
def label_stands_alone(f: Found) -> bool:
    """A short label starts a word or a camelCase part; after 'pass' and ':' or ' - ' the value must look
    like a password ('Pass: Xy7#kLm2', not 'Test pass: all green')."""
    key = f.match.group("key")
    ks = f.match.start("key")
    if key == "pass" and f.match.group("sep") != "=":
        return looks_like_a_password(f.value)
    if ks and f.match.group("sep") == "=" and f.text[ks - 1 : ks + len(key)].isupper():
        return True  # an installer's or an environment's property: SAPWD=X, SERVERPASS=X
    if _LONG_LABEL_RE.fullmatch(key) or not _SHORT_LABEL_RE.fullmatch(key):  # a Wi-Fi label ends a word too
        return True
    if key == "clave" and f.low.endswith("palabra ", 0, ks):  # Spanish 'keyword'
        return False
    before = f.text[ks - 1] if ks else ""
    camel = f.text[ks].isupper() and (before.islower() or before.isdigit())
    return not (before.isalnum() and before.isascii() and not camel)


@check
def not_the_user_name(f: Found) -> bool:
    """Not the user half of 'username/password: jsmith / X' ('username & password', 'username and password')."""
    ks = f.match.start("key")
    return _USER_SLASH_RE.search(f.low, max(0, ks - 20), ks) is None


@check
def pin_has_digit(f: Found) -> bool:
    """A PIN holds a digit."""
    return f.match.group("key") != "pin" or HAS_DIGIT_RE.search(f.value) is not None


@check
def dash_needs_password_like(f: Found) -> bool:
    """After a dash ('Password - jsmith forgot it') the value must hold a digit or a symbol."""
    return f.match.group("dash") is None or PROSE_LIKE_RE.search(f.value) is not None


_UNIT_AFTER_RE = re.compile(rf"[ \t]*[-\u2010\u2011]?{UNIT_WORDS}(?![a-z])")


@check
def no_unit_after(f: Found) -> bool:
    """The value is not a count of something ('PIN: 6 digits', 'Password: 14 characters', 'PIN: 3 attempts
    left'): no unit word follows it on its line."""
    return _UNIT_AFTER_RE.match(f.low, f.end) is None and MEASURE_RE.fullmatch(f.low, f.start, f.end) is None


_CONFIG_TYPED_RE = re.compile(r"[ \t]*(?:enable[ \t]|(?:password|secret)[ \t]+(?:level[ \t]+\d+[ \t]+)?[0-9][ \t])")


@check
def typed_or_password_like(f: Found) -> bool:
    """A config line with 'enable' or a type number ('password 7 X'), or a value holding a digit or a symbol."""
    return _CONFIG_TYPED_RE.match(f.text, f.match.start()) is not None or PROSE_LIKE_RE.search(f.value) is not None


_PORT_RE = re.compile(r"\d{1,5}(?::\d{1,5}){0,2}(?:/(?:tcp|udp))?")


@check
def not_a_port(f: Found) -> bool:
    """Not a port or a port mapping ('docker run -u 1000 -p 8080:80', 'psql -U postgres -p 5432')."""
    return _PORT_RE.fullmatch(f.value) is None


@check
def not_a_path(f: Found) -> bool:
    """Not a path ('login: jdoe/ProfileReset', 'Admin: contoso.onmicrosoft.com/Users', 'C:\\Temp\\a.pfx')."""
    return "/" not in f.value and "\\" not in f.value


_KEY_NAMES_RE = re.compile(r"(?:^|[^a-z0-9])(?:api|integration|site|registration|install|private|public|access)[ _\-]?\Z")


@check
def named_in_prose(f: Found) -> bool:
    """'key' is named (api, integration, site, registration, install, private, public, access key); 'token'
    and 'secret' start a word or end a name ('client_secret', 'webhook secret')."""
    before = f.before(40).lower()
    if f.match.group("key") == "key":
        return _KEY_NAMES_RE.search(before) is not None
    return not before or not before[-1].isalnum()


@check
def not_prose_after(f: Found) -> bool:
    """A value without a digit or a symbol is not followed by more words ('Password: Azure AD', 'Password:
    told user by phone')."""
    return PROSE_LIKE_RE.search(f.value) is not None or _WORD_AFTER_RE.match(f.low, f.end) is None


@check
def no_word_after(f: Found) -> bool:
    """No word follows the value on its line ('LAPS: KB5025221 installed' is not a LAPS password)."""
    return _WORD_AFTER_RE.match(f.low, f.end) is None


_WORD_AFTER_RE = re.compile(r"[ \t]+[a-z\u00c0-\u024f]")
_ASKED_RE = re.compile(
    r"(?:^|[^a-z0-9])(?:(?:what|which)(?:[ \t]+(?:is|was|are))?(?:[ \t]+(?:the|their|his|her|your|its|[\w\u2019'-]+'s))?"
    r"(?:[ \t]+[\w-]+){0,2}|(?:new|temp|temporary|initial|default|current)(?:[ \t]+[\w-]+)?"
    r"|(?:set|reset|changed?|gave|give|chose|picked|entered|typed)(?:[ \t]+(?:the|their|his|her|your|it|a|an))?"
    r"(?:[ \t]+[\w-]+)?)[ \t]+\Z"
)
_LABEL_ALONE_RE = re.compile(r"[ \t]*(?:[-*\u2022][ \t]*)?(?:(?:new|temp|temporary|initial|current|default|the)[ \t]+)*")
_NOT_ANSWERS_RE = re.compile(r"[^\s]*[\\@][^\s]*|(?:[a-z0-9-]+\.)+[a-z]{2,}|v?\d+(?:\.\d+)+[\w.-]*")


@check
def asks_for_the_value(f: Found) -> bool:
    """The line before the answer asks for the value ('What is the user's new password?', 'What temporary
    password did you set?', 'Reset the PIN to what?'), or is a label alone ('Password:', 'Temp password:');
    and the answer is not a user name, an address, a host name or a version."""
    start = f.match.start("key")  # where the match starts: the rule is anchored at its keywords
    before = f.before(300).lower()  # no further back: a huge line must not cost its square
    line_end = f.low.find("\n", start, start + 400)
    rest = f.low[f.match.end("key") : line_end if line_end >= 0 else start + 400].strip()
    if _NOT_ANSWERS_RE.fullmatch(f.low[f.start : f.end]):
        return False
    if rest in (":", "=", ":="):
        return _LABEL_ALONE_RE.fullmatch(before) is not None
    return _ASKED_RE.search(before) is not None or rest.startswith(("to what", "to?"))


@check
def has_a_symbol(f: Found) -> bool:
    """The value holds a symbol other than '-' (an account name such as LAPTOP-8F2K1QX does not)."""
    return _SYMBOL_RE.search(f.value) is not None


_SYMBOL_RE = re.compile(r"[!@#$%^&*+=~|\\?<>{}\[\]()_.,;:'\"]")


@check
def not_mysql_prompt(f: Found) -> bool:
    """mysql's '-p X' (a space after -p) asks for the password: X is the database ('mysql -u root -p shop')."""
    switch = f.low[f.match.start() : f.start]  # '-u root -p ' up to the value
    return not (switch.endswith((" ", "\t")) and "mysql" in f.before(300).lower() + switch)


@check
def not_the_user_again(f: Found) -> bool:
    """Not 'user:user' ('docker exec -u www-data:www-data')."""
    return f.group("user") != f.value


_NAME_PART_RE = re.compile(r"[A-Za-z]{4,}")


@check
def not_a_name(f: Found) -> bool:
    """A key's value, not its name: a symbol, or no word of 4+ letters between separators ('FlowDesk-Prod-2024'),
    and without separators the classes change often (a random key) rather than by words ('SmtpRelayPassword2024')."""
    value = f.value
    if re.search(r"[^\w.-]", value):  # a symbol: names do not hold one
        return True
    parts = re.split(r"[-_.]", value)
    if len(parts) > 1:
        return not any(_NAME_PART_RE.fullmatch(part) for part in parts)
    changes = len(_CLASS_CHANGE_RE.findall(value))
    return changes * 3 >= len(value)


@check
def has_digit(f: Found) -> bool:
    """The value holds a digit."""
    return HAS_DIGIT_RE.search(f.value) is not None


@check
def quoted_or_strong(f: Found) -> bool:
    """The value was quoted, or looks like a password (:func:`looks_like_a_password`)."""
    return _quoted(f) or looks_like_a_password(f.value)


_DIGITS_RE = re.compile(r"\d{4,12}")


@check
def answer_looks_secret(f: Found) -> bool:
    """An answer to a question about a password looks like one: quoted; for a PIN or passcode, 4 to 12
    digits; else 6+ characters, all digits or letters with a digit or a symbol."""
    if _quoted(f):
        return True
    if f.match.group("key") in ("pin", "passcode") and _DIGITS_RE.fullmatch(f.value):
        return True
    return looks_like_a_password(f.value)


@check
def not_powershell(f: Found) -> bool:
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


@check
def not_wordy(f: Found) -> bool:
    """The bracketed value holds a digit or a symbol ('(not recorded)' is a placeholder)."""
    return not _wordy(f.value)


@check
def after_a_placeholder_note(f: Found) -> bool:
    """'Password: (temp) X1!': the bracket is a note, the word after it a password."""
    note = f.group("note") or "()"
    return _wordy(note[1:-1]) and PROSE_LIKE_RE.search(f.value) is not None


@check
def user_has_a_letter(f: Found) -> bool:
    """The user name holds a letter."""
    return re.search(r"[A-Za-z]", f.group("user") or "") is not None


# -- tokens -----------------------------------------------------------------------------------------
_HEX_RE = re.compile(r"[0-9A-Fa-f]+")
_UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_HASH_LABEL_RE = re.compile(
    r"(?:\b|_)(?:md5|sha-?(?:1|224|256|384|512)|sha|hash(?:es)?|checksum|fingerprint|digest|filehash)\b|thumbprint\b|certhash\b",
    re.IGNORECASE,
)
_HASH_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_RECOVERY_LABEL_RE = re.compile(r"recovery|bitlocker", re.IGNORECASE)
_ALNUM_RUN_RE = re.compile(r"[A-Za-z0-9]+")
_CLASS_CHANGE_RE = re.compile(r"[a-z](?=[A-Z0-9])|[A-Z](?=[a-z0-9])|[0-9](?=[A-Za-z])")


@check
def strong_authorization(f: Found) -> bool:
    """A scheme was named (Bearer, Basic, NTLM, ...), or the value is 16+ characters with a digit."""
    if f.match.group("scheme") is not None:
        return True
    return len(f.value) >= 16 and HAS_DIGIT_RE.search(f.value) is not None


@check
def long_with_digit(f: Found) -> bool:
    """16+ characters with a digit."""
    return len(f.value) >= 16 and HAS_DIGIT_RE.search(f.value) is not None


@check
def basic_credentials(f: Found) -> bool:
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


@check
def recovery_key(f: Found) -> bool:
    """Every group is divisible by 11 (BitLocker's own check), or the line says what it is."""
    groups = f.value.split("-")
    if all(int(g) % 11 == 0 for g in groups):
        return True
    return _RECOVERY_LABEL_RE.search(f.before(120)) is not None


@splitter
def outside_uuids(run: str) -> list[tuple[int, int]]:
    """The parts of a run between UUIDs (a UUID is never a key), without leading/trailing -_/."""
    parts = []
    pos = 0
    for u in [*_UUID_RE.finditer(run), None]:
        ps, pe = pos, (u.start() if u is not None else len(run))
        if u is not None:
            pos = u.end()
        inner = run[ps:pe]
        core = inner.lstrip("-_/")  # str methods: a rule line of 50 dashes is one call, not 50 steps
        ps += len(inner) - len(core)
        pe = ps + len(core.rstrip("-_/"))
        parts.append((ps, pe))
    return parts


@check
def not_a_labelled_hash(f: Found) -> bool:
    """Not a hash of a usual length labelled as one earlier on the line (SHA256, thumbprint, ...)."""
    core = f.value.rstrip("=")
    if len(core) not in _HASH_LENGTHS or not _HEX_RE.fullmatch(core):
        return True
    lo = max(0, f.start - 120)
    chunk = f.text[lo : f.start]
    return _HASH_LABEL_RE.search(chunk[chunk.rfind("\n") + 1 :]) is None


@check
def looks_random(f: Found) -> bool:
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


# -- network ----------------------------------------------------------------------------------------
_EMAIL_TLD_RE = re.compile(r"[A-Za-z]{2,63}")
_EMAIL_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?")
_VERSION_LABEL_RE = re.compile(
    r"(?:\b(?:v|ver|version|build|firmware|rev|revision|fileversion|productversion|assemblyversion))"
    r"[ \t]*[:=#]?[ \t]*[\"']?\Z",
    re.IGNORECASE,
)


@check
def valid_address(f: Found) -> bool:
    """The local part does not end in '.' or hold '..'; the domain has labels and a letter TLD."""
    local, _, domain = f.value.partition("@")
    if not local or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not _EMAIL_TLD_RE.fullmatch(labels[-1]):
        return False
    return all(_EMAIL_LABEL_RE.fullmatch(label) for label in labels)


@check
def identifies_a_host(f: Found) -> bool:
    """Not a subnet mask (255.255.255.0 ...) and not 0.0.0.0."""
    address = f.value.partition("/")[0]
    value = int(ipaddress.IPv4Address(".".join(str(int(o)) for o in address.split("."))))
    if value == 0:
        return False
    if value >> 24 != 255:
        return True
    inverted = ~value & 0xFFFFFFFF
    return (inverted & (inverted + 1)) != 0  # a mask is ones then zeros


@check
def not_a_version(f: Found) -> bool:
    """Not right after a version label (Version=, ver, build, firmware, rev, v)."""
    return _VERSION_LABEL_RE.search(f.before(40)) is None


@check
def valid_ipv6(f: Found) -> bool:
    """An IPv6 address for :mod:`ipaddress`, and not a bare prefix or two short groups ('a::b')."""
    address = f.value.partition("/")[0]
    if "::" not in address and address.count(":") < (6 if "." in address else 7):
        return False  # fewer than eight groups and no "::" for the missing ones: a time, a MAC address
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    head = address.partition("%")[0]
    if "::" not in head or "." in head:
        return True
    groups = [g for g in head.replace("::", ":").split(":") if g]
    if len(groups) < 2:
        return groups == ["1"]  # "::1" is loopback; "::", "fe80::", "1::" are not addresses
    return not (len(groups) == 2 and max(map(len, groups)) < 3)
