"""Passwords inside commands and device configurations: ``net use``, ``cmdkey``, ``psexec``, ``curl -u``,
``ConvertTo-SecureString``, XML settings, Cisco/FortiOS config lines, RADIUS/TACACS+ keys, SNMP
communities, VPN pre-shared keys, Wi-Fi keys from ``netsh`` and ``/etc/network/interfaces``.

Config lines are matched case-sensitively, as devices print them, and most must hold the whole line,
so prose such as "Enable password writeback in AAD Connect" is not a config line.
"""

from __future__ import annotations

import re

from flowdesk.redact.checks import complex_password, not_placeholder, prose_like, quoted_or_password_like
from flowdesk.redact.model import Category, Rule, rx

PW = Category.PASSWORD
_QUOTED_OR_TOKEN = r"(?P<secret>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\"'][^\s]{0,255}+)"
_M = re.MULTILINE  # "^" and "$" at every line: the same on one line as on a whole text


def _combo(label: str) -> re.Pattern[str]:
    """'<label>: user / password' or 'user:password'; the user name holds a letter."""
    return rx(
        rf"(?<![a-z0-9]){label}[ \t]*[:=][ \t]*(?=[^\s:/]{{0,128}}[a-z])[^\s:/\"']{{1,128}}+[ \t]*[:/][ \t]*"
        r"(?P<secret>[^\s\"'/][^\s]{0,255}+)"
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "convertto-securestring", PW, ("securestring",),
        rx(
            r"convertto-securestring\b[^\r\n|;)\"']{0,80}+"
            r"(?:\"(?P<dq>(?:[^\"\\`\r\n]|\\.|`.){1,256}+)\"|'(?P<sq>[^'\r\n]{1,256}+)')"
        ),
        "The string literal given to PowerShell's ConvertTo-SecureString.",
        '$p = ConvertTo-SecureString "Fake-Pass-42" -AsPlainText -Force',
        secret=("dq", "sq"), checks=(not_placeholder,),
    ),
    Rule(
        "cmdkey-pass", PW, ("pass",),
        rx(r"(?<![\w/])/pass(?:word)?:(?P<secret>\"[^\"\r\n]{1,256}+\"|[^\s\"]{1,256}+)"),
        "cmdkey /pass:X (and /password:X).",
        "cmdkey /add:fs01 /user:CONTOSO\\svc_scan /pass:Fake-Pass-42",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "dash-u-dash-p", PW, ("-u",),
        rx(
            r"(?<![\w-])-u[ \t]+[^\s]{1,128}+[ \t]+-p(?:[ \t]+|(?=[^\s\-]))"
            r"(?P<secret>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\-\"'][^\s]{0,255}+)"
        ),
        "psexec/mysql style: -u USER -p X (or -pX).",
        "psexec \\\\ws-042 -u CONTOSO\\admin -p Fake-Pass-42 cmd",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "user-colon-password", PW, ("-u",),
        rx(r"(?<![\w-])-(?:u|-user)[ \t]+[\"']?[^\s:\"']{1,128}+:(?P<secret>[^\s\"']{1,256}+)"),
        "curl style: -u user:X, --user user:X.",
        "curl -u admin:Fake-Pass-42 https://nas01/api",
        trim=".,;:)]}", checks=(not_placeholder,),
    ),
    Rule(
        "openssl-pass", PW, ("pass",),
        rx(r"(?<![\w-])-pass(?:in|out)[ \t]+pass:(?P<secret>[^\s\"']{1,256}+)"),
        "openssl -passin pass:X / -passout pass:X.",
        "openssl pkcs12 -in a.pfx -passin pass:Fake-Pass-42",
        trim=".,;:)]}", checks=(not_placeholder,),
    ),
    Rule(
        "sshpass", PW, ("pass",),
        rx(r"sshpass[ \t]+-p[ \t]*(?P<secret>\"[^\"\r\n]{1,256}+\"|'[^'\r\n]{1,256}+'|[^\s\"'][^\s]{0,255}+)"),
        "sshpass -p X.",
        "sshpass -p 'Fake-Pass-42' ssh root@nas01",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "net-use-share", PW, ("net",),
        rx(
            r"(?<!\w)net[ \t]+use\b[^\r\n\\\"]{0,40}+(?:\"\\\\[^\"\r\n]{1,256}+\"|\\\\[^\s]{1,256}+)"
            r"[ \t]+(?P<secret>[^\s/*\"][^\s]{0,255}+)(?=[ \t\r]*(?:/|$))",
            flags=_M,
        ),
        "net use [Z:] \\\\server\\share X [/user:...]: the password after the share.",
        "net use Z: \\\\fs01\\scans Fake-Pass-42 /user:CONTOSO\\svc_scan",
        trim=".,;:)]}", checks=(not_placeholder,),
    ),
    Rule(
        "net-use-user", PW, ("net",),
        rx(
            r"(?<!\w)net[ \t]+use\b[^\r\n]{0,300}?/user:[^\s]{1,128}+[ \t]+"
            r"(?P<secret>[^\s/*\"][^\s]{0,255}+)(?=[ \t\r]*(?:/|$))",
            flags=_M,
        ),
        "net use ... /user:DOMAIN\\user X: the password after the user.",
        "net use \\\\fs01\\scans /user:CONTOSO\\svc_scan Fake-Pass-42",
        trim=".,;:)]}", checks=(not_placeholder,),
    ),
    Rule(
        "net-user", PW, ("net",),
        rx(
            r"(?<!\w)net[ \t]+user[ \t]+(?:[^\s/\"]{1,128}+|\"[^\"\r\n]{1,128}+\")[ \t]+"
            r"(?P<secret>[^\s/*\"][^\s]{0,255}+)(?=[ \t\r]*(?:/|$))",
            flags=_M,
        ),
        "net user NAME X [/add]: the password after the user name.",
        "net user svc_scan Fake-Pass-42 /add",
        trim=".,;:)]}", checks=(not_placeholder,),
    ),
    Rule(
        "creds-combo", PW, ("cred",), _combo(r"cred(?:s|entials)?"),
        "creds: user:X, credentials = user / X.",
        "creds: backupadmin:Fake-Pass-42",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "login-combo", PW, ("login", "logon"), _combo(r"log[io]n"),
        "login: user/X, logon = user:X.",
        "login: admin/Fake-Pass-42",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "username-password-combo", PW, ("user",),
        _combo(r"user(?:name)?[ \t]*/[ \t]*(?:password|pass|pwd|pw)"),
        "username/password: user / X.",
        "username/password: jsmith / Fake-Pass-42",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "admin-combo", PW, ("admin",), _combo(r"admin(?:istrator)?"),
        "Local admin: .\\administrator / X, when X meets Windows complexity.",
        "Local admin: .\\administrator / Fake-Pass-42",
        trim=".,;:)]}", unquote=True, checks=(complex_password, not_placeholder),
    ),
    Rule(
        "account-combo", PW, ("acc",), _combo(r"acc(?:oun)?t"),
        "Account: user / X, when X meets Windows complexity.",
        "Account: svc_backup / Fake-Pass-42",
        trim=".,;:)]}", unquote=True, checks=(complex_password, not_placeholder),
    ),
    Rule(
        "xml-password-element", PW, ("pass", "pw"),
        rx(r"<(?P<tag>[\w:.\-]{0,40}?(?:password|passwd|pwd|passphrase))[ \t]*>(?P<secret>[^<\r\n]{1,256}+)"
           r"</(?P=tag)[ \t]*>"),
        "<Password>X</Password> (also SmtpPassword, AdminPwd, ...).",
        "<SmtpPassword>Fake-Pass-42</SmtpPassword>",
        checks=(not_placeholder,),
    ),
    Rule(
        "xml-password-setting", PW, ("pass", "pw"),
        rx(
            r"(?<!\w)key[ \t]*=[ \t]*\"[^\"\r\n]{0,60}?(?:password|passwd|pwd|passphrase)[^\"\r\n]{0,20}+\""
            r"[ \t]+value[ \t]*=[ \t]*\"(?P<secret>[^\"\r\n]{1,256}+)\""
        ),
        '<add key="...Password" value="X"/> in a .config file.',
        '<add key="SmtpPassword" value="Fake-Pass-42" />',
        checks=(not_placeholder,),
    ),
    # -- device configuration lines ------------------------------------------------------------------
    Rule(
        "cisco-password-line", PW, ("pass", "secret"),
        rx(
            r"^[ \t]*(?:enable[ \t]+)?(?:password|secret)[ \t]+(?:(?:level[ \t]+\d+|[0-9])[ \t]+)*"
            r"(?P<secret>(?![0-9][ \t\r]*$)\S{1,256}+)[ \t\r]*$",
            flags=_M,
        ),
        "A config line 'enable secret 5 X', 'password 7 X', 'secret X' (the value ends the line).",
        "enable secret 5 $1$fake$FakeFakeFake",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "cisco-username-line", PW, ("pass", "secret"),
        rx(
            r"^[ \t]*username[ \t]+\S{1,64}+(?:[ \t]+privilege[ \t]+\d+)?[ \t]+(?:password|secret)[ \t]+"
            r"(?:[0-9][ \t]+)?(?P<secret>(?![0-9][ \t\r]*$)\S{1,256}+)"
            r"(?:[ \t]+(?:encrypted|pbkdf2|nt-encrypted|privilege[ \t]+\d+))*+[ \t\r]*$",
            flags=_M,
        ),
        "A config line 'username U [privilege N] password|secret [0-9] X'.",
        "username admin privilege 15 secret 0 Fake-Pass-42",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "pre-shared-key-line", PW, ("key",),
        rx(
            r"^[ \t]*(?:\S+[ \t]+){0,3}pre-shared-key[ \t]+(?:(?:local|remote|[0-9])[ \t]+)?"
            r"(?P<secret>(?!(?:local|remote|[0-9])[ \t\r]*$)\S{1,256}+)[ \t\r]*$",
            flags=_M,
        ),
        "A VPN config line ending in 'pre-shared-key [local|remote] X' (Cisco ASA tunnel-group, IKEv2).",
        " ikev1 pre-shared-key Fake-Psk-42",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "pre-shared-key-inline", PW, ("key", "psk"),
        rx(
            r"(?<![\w-])(?:pre-shared-key|psk)[ \t]+(?:(?:local|remote|[0-9]|ascii|hex)[ \t]+)?"
            + _QUOTED_OR_TOKEN
        ),
        "'pre-shared-key X' or 'psk X' inside a line, when X is quoted or holds a digit or a symbol.",
        "set the tunnel's pre-shared-key Fake!Psk42 on both peers",
        trim=".,;:)]}", unquote=True, checks=(quoted_or_password_like, not_placeholder),
    ),
    Rule(
        "isakmp-key", PW, ("key",),
        rx(r"^[ \t]*crypto[ \t]+isakmp[ \t]+key[ \t]+(?:[0-9][ \t]+)?(?P<secret>\S{1,256}+)[ \t]+address\b", flags=_M),
        "crypto isakmp key X address PEER.",
        "crypto isakmp key Fake-Psk-42 address 203.0.113.10",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "radius-tacacs-key", PW, ("key",),
        rx(
            r"(?<![\w-])(?:radius|tacacs)-server\b[^\r\n]*?[ \t]key[ \t]+(?:[0-9][ \t]+)?(?![0-9][ \t\r]*$)"
            + _QUOTED_OR_TOKEN,
            flags=_M,
        ),
        "The shared secret of 'radius-server ... key X' and 'tacacs-server ... key X'.",
        "radius-server host 10.1.1.5 key Fake!Rad1us",
        trim=".,;:)]}", unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "server-key-line", PW, ("key",),
        rx(r"^[ \t]+key[ \t]+(?:[0-9][ \t]+)?(?P<secret>(?![0-9][ \t\r]*$)[^\s\"']\S{0,255}+)[ \t\r]*$", flags=_M),
        "An indented config line 'key [0|7] X' (the shared secret in a RADIUS/TACACS+ server block), "
        "when X holds a digit or a symbol.",
        " key 7 0822455D0A16544541",
        case_sensitive=True, checks=(prose_like, not_placeholder),
    ),
    Rule(
        "snmp-community", PW, ("community",),
        rx(r"(?<![\w-])snmp-server[ \t]+community[ \t]+(?P<secret>[^\s\"']\S{0,255}+)"
           r"(?=[ \t]+(?:RO|RW|ro|rw|view)\b|[ \t\r]*$)", flags=_M),
        "snmp-server community X [RO|RW|view ...].",
        "snmp-server community Fake-Comm-42 RO",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "snmpd-community", PW, ("community",),
        rx(r"^[ \t]*r[ow]community6?[ \t]+(?P<secret>[^\s\"']\S{0,255}+)", flags=_M),
        "An snmpd.conf line 'rocommunity X' / 'rwcommunity X'.",
        "rocommunity Fake-Comm-42 default",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "snmp-community-words", PW, ("community",),
        rx(
            r"(?<![a-z0-9])(?:snmp[ _\-]?(?:v[12]c?[ _\-]?)?community(?:[ _\-]?string)?|community[ _\-]?string)"
            r"(?![a-z0-9])(?:[ \t]*[:=][ \t]*|[ \t]+(?:is|was)[ \t]+)" + _QUOTED_OR_TOKEN
        ),
        "An SNMP community written in words ('SNMP community: X', 'community string is X'), quoted or "
        "holding a digit or a symbol.",
        "SNMP community string: Fake-Comm-42",
        trim=".,;:)]}", unquote=True, checks=(quoted_or_password_like, not_placeholder),
    ),
    Rule(
        "fortios-set-secret", PW, ("pass", "secret"),
        rx(
            r"^[ \t]*set[ \t]+(?:passwd|password|psksecret|secret|passphrase|wpa-passphrase|sae-password)[ \t]+"
            r"(?:ENC[ \t]+)?(?P<secret>(?!ENC[ \t\r]*$)\S{1,1024}+)",
            flags=_M,
        ),
        "A FortiOS line 'set passwd|psksecret|passphrase ... [ENC] X'.",
        "    set psksecret ENC FakeFakeFake42==",
        case_sensitive=True, checks=(not_placeholder,),
    ),
    Rule(
        "wpa-psk-line", PW, ("psk", "pass"),
        rx(r"^[ \t]*wpa-(?:psk|passphrase)[ \t]+(?P<secret>\"[^\"\r\n]{1,256}+\"|[^\s\"']\S{0,255}+)", flags=_M),
        "A line 'wpa-psk X' / 'wpa-passphrase X' (Debian /etc/network/interfaces).",
        "    wpa-psk FakeWifiPass42",
        unquote=True, checks=(not_placeholder,),
    ),
    Rule(
        "netsh-key-content", PW, ("key",),
        rx(r"key content[ \t]*:[ \t]*(?P<secret>[^\s\"'<>](?:[^\r\n]*[^\s])?)"),
        "The Wi-Fi key shown by 'netsh wlan show profile ... key=clear' (Key Content : X), spaces allowed.",
        "    Key Content            : Fake Wifi Pass 42",
        checks=(not_placeholder,),
    ),
)  # fmt: skip
