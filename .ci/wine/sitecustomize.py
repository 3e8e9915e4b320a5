"""Loaded by the Windows CPython that `.ci/windows` sets up under Wine (copied into its site-packages).

Wine drops every ``QT_*`` variable on the way from Linux to the Windows process, and lets Linux's
``SSL_CERT_FILE``/``SSL_CERT_DIR`` through (paths a Windows OpenSSL cannot open), so the Windows process
sets its own: Qt runs offscreen (there is no display under CI's Wine) with the Linux machine's TTF fonts.
Child processes started from here inherit these (Windows to Windows, nothing is dropped).
Only under Wine: ``ntdll`` exports ``wine_get_version`` there and nowhere else.
"""

import ctypes
import os

try:
    _WINE = hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")
except (AttributeError, OSError):
    _WINE = False

if _WINE:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QPA_FONTDIR", os.environ.get("FLOWDESK_WINE_FONTDIR", r"Z:\usr\share\fonts\truetype\dejavu"))
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    for _name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if os.environ.get(_name, "").startswith("/"):
            del os.environ[_name]
