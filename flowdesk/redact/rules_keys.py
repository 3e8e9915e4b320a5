"""Private keys, connection strings and the well-known cloud key formats.

Every example is a fake written for the documentation and the tests.
"""

from __future__ import annotations

import re

from flowdesk.redact.model import Category, Found, Rule, rx

PK, CS, AK = Category.PRIVATE_KEY, Category.CONNECTION_STRING, Category.ACCESS_KEY

_PEM_LINE = r"(?:[a-z0-9]+[ \t]+){0,4}private[ \t]+key(?:[ \t]+block)?[ \t]*-{3,}+"

# ADO.NET / ODBC: Key=Value; pairs. A value is {braced}, "quoted", 'quoted' or runs to the next ";".
_CS_VAL = r"""(?:\{[^}\r\n]{0,256}+\}|"[^"\r\n]{0,256}+"|'[^'\r\n]{0,256}+'|[^;\r\n"'<>{}]{0,256}+)"""
_CS_KEY_FIRST = (
    r"(?:data[ \t]+source|initial[ \t]+catalog|user[ \t]+id|integrated[ \t]+security"
    r"|persist[ \t]+security[ \t]+info|network[ \t]+address|trusted[ \t]+connection"
    r"|[a-z][a-z0-9_.]{0,40}+)"
)
_CS_KEY = r"(?:[a-z][a-z0-9_.]{0,40}+(?:[ \t][a-z][a-z0-9_.]{0,40}+){0,4}+)"
_CS_CRED_KEY_RE = re.compile(r"(?:^|;)[ \t]*(?:password|pwd)[ \t]*=")


def _has_password_pair(f: Found) -> bool:
    """One of the pairs is Password= or Pwd= (a connection string without one is not a secret)."""
    return _CS_CRED_KEY_RE.search(f.low[f.match.start() : f.match.end()]) is not None


# the value after key=, where only the value is replaced
_B64ISH = r"(?P<secret>[a-z0-9/+=%]{16,}+)"

RULES: tuple[Rule, ...] = (
    Rule(
        "pem-private-key", PK, ("private",),
        rx(rf"-(?<!--)-{{2,}}+[ \t]*begin[ \t]+{_PEM_LINE}.*?(?:-{{3,}}+[ \t]*end[ \t]+{_PEM_LINE}|\Z)", flags=re.DOTALL),
        "A PEM private key block (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK) up to its END line; "
        "without an END line, to the end of the text (fail safe).",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAfakefakefake\n-----END RSA PRIVATE KEY-----",
        secret=(), multiline=True,
    ),
    Rule(
        "putty-private-key", PK, ("putty",),
        rx(r"PuTTY-User-Key-File-\d+[ \t]*:.*?(?:Private-MAC[ \t]*:[ \t]*[0-9A-Fa-f]++|\Z)", flags=re.DOTALL),
        "A PuTTY .ppk key file, from its first line to its Private-MAC line.",
        "PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\nAAAAIFakeFake\nPrivate-MAC: 0a1b2c3d",
        secret=(), case_sensitive=True, multiline=True,
    ),
    Rule(
        "uri-credentials", CS, ("://",),
        rx(
            r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s/?#@:\"'<>]{0,256}+"
            r":(?![0-9]{1,5}/)[^\s@\"'<>]{0,256}+@[^\s\"'<>]*+"
        ),
        "A URI with a user and password before the host (the whole URI goes); 'host:8080/path/@user' "
        "is a port and a path, not a password.",
        "mongodb://backup:Fake-Pass-42@db01.contoso.local:27017/admin",
        secret=(), case_sensitive=True, trim=".,;:!?)]}",
    ),
    Rule(
        "ado-connection-string", CS, ("pass", "pw"),
        rx(
            rf"(?<![\w.]){_CS_KEY_FIRST}[ \t]*=[ \t]*{_CS_VAL}[ \t]*;"
            rf"[ \t]*{_CS_KEY}[ \t]*=[ \t]*{_CS_VAL}"
            rf"(?:[ \t]*;[ \t]*{_CS_KEY}[ \t]*=[ \t]*{_CS_VAL})*+"
            r"(?:[ \t]*;)?"
        ),
        "An ADO.NET/ODBC connection string (Key=Value; pairs) with a Password= or Pwd= pair; one "
        "without a password (Integrated Security=SSPI) is left alone.",
        "Server=sql01;Database=Payroll;User Id=sa;Password=Fake!Pass42;",
        secret=(), trim=" \t", checks=(_has_password_pair,),
    ),
    Rule(
        "aws-access-key-id", AK,
        ("akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "apka", "abia", "acca"),
        rx(r"(?<![A-Za-z0-9])A(?:KIA|SIA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|BIA|CCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        "An AWS access key id (AKIA..., ASIA..., 20 characters).",
        "aws_access_key_id = AKIAFAKEFAKEFAKE1234",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "gcp-api-key", AK, ("aiza",),
        rx(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
        "A Google Cloud API key (AIza + 35 characters).",
        "key=AIzaFakeFakeFakeFakeFakeFakeFakeFake123",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "github-token", AK, ("gh",),
        rx(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}+"),
        "A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_).",
        "GITHUB_TOKEN=ghp_FakeFakeFakeFakeFakeFakeFakeFake1234",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "github-fine-grained-token", AK, ("github_pat_",),
        rx(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}+"),
        "A GitHub fine-grained personal access token (github_pat_...).",
        "token github_pat_11FAKEFAKE0123456789_FakeFakeFake",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "slack-token", AK, ("xox",),
        rx(r"(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,255}+"),
        "A Slack token (xoxb-, xoxp-, ...).",
        "SLACK_BOT_TOKEN=xoxb-000000000000-FakeFakeFake",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "slack-webhook", AK, ("slack",),
        rx(r"hooks\.slack\.com/services/[A-Za-z0-9_/]{8,}+"),
        "A Slack incoming webhook URL's host and path.",
        "https://hooks.slack.com/services/T0000FAKE/B0000FAKE/FakeFakeFake",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "stripe-key", AK, ("k_live_", "k_test_"),
        rx(r"(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{10,255}+"),
        "A Stripe secret or restricted key (sk_live_, rk_test_, ...).",
        "stripe key sk_live_FakeFakeFake1234",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "google-oauth-token", AK, ("ya29.",),
        rx(r"(?<![A-Za-z0-9_.-])ya29\.[0-9A-Za-z_-]{20,}+"),
        "A Google OAuth access token (ya29.).",
        "access token ya29.FakeFakeFakeFakeFake1234",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "sendgrid-key", AK, ("sg.",),
        rx(r"(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{20,64}"),
        "A SendGrid API key (SG.xxx.yyy).",
        "SMTP password SG.FakeFakeFake1234.FakeFakeFakeFakeFake5678",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "openai-key", AK, ("sk-",),
        rx(r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}+"),
        "An OpenAI-style secret key (sk-, sk-proj-, ...).",
        "OPENAI_API_KEY=sk-proj-FakeFakeFakeFake12345678",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "azure-ad-client-secret", AK, ("q~",),
        rx(r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~-])"),
        "An Entra ID (Azure AD) client secret: 3 characters, a digit, 'Q~', 31-34 characters.",
        "client secret abc8Q~FakeFakeFakeFakeFakeFakeFake12345",
        secret=(), case_sensitive=True, trim=".",
    ),
    Rule(
        "aws-secret-access-key", AK, ("secret",),
        rx(
            r"secret(?:[_-]?access[_-]?key[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?"
            r"|(?<=-secret)key[ \t]+[\"']?)" + _B64ISH
        ),
        "The value of aws_secret_access_key= (or PowerShell's -SecretKey).",
        "aws_secret_access_key = FakeFakeFake/FakeFakeFake+Fake1234",
    ),
    Rule(
        "azure-storage-account-key", AK, ("key",),
        rx(r"(?<![a-z0-9])accountkey[ \t]*=[ \t]*" + _B64ISH),
        "The value of an Azure storage AccountKey=.",
        "AccountKey=FakeFakeFakeFake1234567890==",
    ),
    Rule(
        "azure-shared-access-key", AK, ("key",),
        rx(r"(?<![a-z0-9])sharedaccesskey[ \t]*=[ \t]*" + _B64ISH),
        "The value of an Azure Service Bus / Event Hubs SharedAccessKey=.",
        "SharedAccessKey=FakeFakeFakeFake1234567890=",
    ),
    Rule(
        "azure-sas-signature", AK, ("sig=",),
        rx(r"(?<![a-z0-9])sig=" + _B64ISH),
        "The signature (sig=) of an Azure shared access signature URL.",
        "https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=FakeFakeFake%2FFake1234%3D",
    ),
)  # fmt: skip
