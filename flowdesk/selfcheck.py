"""``flowdesk --self-check``: what FlowDesk finds on this machine, as ONE JSON object on stdout.

It reports the FlowDesk and Python versions, whether this is the frozen bundle, Qt (version, the platform
plugin in use, whether there is a system tray), the keyring backend and whether it is a real one, the
folders in use, whether the bundled resources load (the SVG icon renders; a sample session parses; the
sandbox's tickets parse), the TLS trust store and SQLite. Exit 0 when nothing is broken; exit 1 with
``"problems"`` naming each broken thing in one line. No network, no keyring reads or writes (a locked
keyring could prompt), no files written besides the log that every command opens.

Qt facts come from ``flowdesk.ui.selfcheck_qt``, imported lazily: PySide6 is imported only inside
``flowdesk/ui``. Without a display, and without ``QT_QPA_PLATFORM``, the Qt checks run on the offscreen
plugin instead of letting Qt abort the process, and the missing display is reported as a problem.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import ssl
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keyring

from flowdesk import APP_ID, APP_NAME, __version__
from flowdesk.commands.base import EXIT_FAILURE, EXIT_OK, Context
from flowdesk.commands.console import print_json
from flowdesk.core.models import SessionFormatError, load_session_file
from flowdesk.credentials import NO_KEYRING, CredentialStore
from flowdesk.gui import display_problem
from flowdesk.resources import resource_path, resources_dir

ICON = ("icons", "flowdesk.svg")
SANDBOX_TICKETS = ("sandbox", "tickets.json")
NOT_REAL_KEYRINGS = ("keyring.backends.fail", "keyring.backends.null")


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


# -- Qt ---------------------------------------------------------------------------------------------------
def platform_problem(env: Mapping[str, str] | None = None, plat: str | None = None) -> str | None:
    """Why Qt's platform plugin cannot start here (it would abort the process), or None."""
    env = os.environ if env is None else env
    plat = sys.platform if plat is None else plat
    problem = display_problem(env, plat)
    if problem:
        return problem
    requested = (env.get("QT_QPA_PLATFORM") or "").split(";")[0].split(":")[0].strip()
    if plat.startswith("linux") and requested == "xcb" and not env.get("DISPLAY"):
        return "no display: QT_QPA_PLATFORM=xcb but DISPLAY is not set"
    if plat.startswith("linux") and requested.startswith("wayland") and not env.get("WAYLAND_DISPLAY"):
        return f"no display: QT_QPA_PLATFORM={requested} but WAYLAND_DISPLAY is not set"
    return None


def check_qt(report: dict[str, Any], problems: list[str]) -> None:
    icon_path = resource_path(*ICON)
    no_display = platform_problem()
    qt: dict[str, Any] = {"requested": os.environ.get("QT_QPA_PLATFORM") or None}
    try:
        # lazy, inside the try: PySide6 only inside flowdesk/ui, and a broken Qt is a finding, not a crash
        from flowdesk.ui import selfcheck_qt
    except Exception as exc:  # noqa: BLE001 - a broken Qt install is a finding, not a crash
        qt.update(version=None, platform=None, tray_available=None, error=f"{type(exc).__name__}: {exc}")
        report["qt"] = qt
        problems.append(f"qt: cannot load Qt ({type(exc).__name__}: {exc})")
        report["_icon"] = {"renders": False, "size": None, "checked": False}
        return
    if no_display:
        problems.append(no_display)  # "no display: ..."
        facts = selfcheck_qt.probe(icon_path, platform="offscreen")
        qt.update(version=facts["version"], pyside=facts["pyside"], platform=None, tray_available=None)
        qt["display_problem"] = no_display
        qt["checked_with"] = facts["platform"]  # the icon was rendered offscreen instead
    else:
        facts = selfcheck_qt.probe(icon_path)
        qt.update(version=facts["version"], pyside=facts["pyside"], platform=facts["platform"])
        qt["tray_available"] = facts["tray_available"]
    qt["text"] = facts["text"]
    for name, check in facts["text"].items():
        if isinstance(check, dict) and not check["ok"]:
            problems.append(f"qt text: {name} gave {check['got']!r} (Qt's ICU data is missing what it needs)")
    report["qt"] = qt
    report["_icon"] = facts["icon"]


# -- keyring ----------------------------------------------------------------------------------------------
def keyring_facts() -> dict[str, Any]:
    """The backend keyring picked and whether it really stores secrets: not ``fail``/``null`` and with a
    priority of at least 1 (keyring's own threshold for a recommended backend)."""
    name = CredentialStore().backend_name()
    try:
        backend = keyring.get_keyring()
        priority = float(backend.priority)
    except Exception:  # noqa: BLE001 - a diagnostic must not fail
        return {"backend": name, "real": False, "priority": None}
    module = type(backend).__module__
    real = module not in NOT_REAL_KEYRINGS and priority >= 1
    return {"backend": name, "real": real, "priority": priority}


# -- resources --------------------------------------------------------------------------------------------
def check_samples(problems: list[str]) -> dict[str, Any]:
    folder = resource_path("samples")
    facts: dict[str, Any] = {"dir": str(folder), "count": 0, "parsed": None, "ok": False}
    if not folder.is_dir():
        problems.append(f"samples: the sample sessions folder is missing ({folder})")
        return facts
    files = sorted(folder.glob("*.json"))
    facts["count"] = len(files)
    if not files:
        problems.append(f"samples: no sample session (*.json) in {folder}")
        return facts
    try:
        session = load_session_file(files[0])
    except (SessionFormatError, OSError, ValueError) as exc:
        problems.append(f"samples: {files[0].name} does not parse ({exc})")
        return facts
    facts.update(parsed=files[0].name, session_id=str(session.id), ok=True)
    return facts


def check_tickets(problems: list[str]) -> dict[str, Any]:
    """The same reading as ``flowdesk.sandbox.seed.load_tickets`` (not imported: the sandbox package
    pulls in its HTTP server and TLS code, a third of a second)."""
    path = resource_path(*SANDBOX_TICKETS)
    facts: dict[str, Any] = {"file": str(path), "count": 0, "ok": False}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        ids = [int(t["id"]) for t in data]
    except FileNotFoundError:
        problems.append(f"sandbox tickets: the file is missing ({path})")
        return facts
    except (OSError, ValueError, TypeError, KeyError) as exc:
        problems.append(f"sandbox tickets: {path.name} does not parse ({type(exc).__name__}: {exc})")
        return facts
    if not ids:
        problems.append(f"sandbox tickets: {path.name} holds no tickets")
        return facts
    facts.update(count=len(ids), ok=True)
    return facts


def check_icon(icon: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    path = resource_path(*ICON)
    facts = {"file": str(path), "renders": bool(icon.get("renders")), "size": icon.get("size")}
    if icon.get("checked") is False:
        pass  # Qt itself did not load: already a problem
    elif not path.is_file():
        problems.append(f"icon: the app icon is missing ({path})")
    elif not facts["renders"]:
        problems.append(f"icon: {path.name} does not render (Qt's svg icon engine or image plugin is missing)")
    return facts


# -- TLS and SQLite ---------------------------------------------------------------------------------------
def tls_facts(problems: list[str]) -> dict[str, Any]:
    """The trust store FlowDesk's HTTPS clients use: the OS's, through ``truststore`` (Keychain, Windows
    store; on Linux OpenSSL's default paths, counted here). A bundle built on one distribution carries that
    distribution's OpenSSL, which looks for certificates where it expects."""
    import truststore

    paths = ssl.get_default_verify_paths()
    facts: dict[str, Any] = {
        "openssl": ssl.OPENSSL_VERSION,
        "cafile": paths.cafile,
        "capath": paths.capath,
        "truststore": truststore.__version__,
    }
    try:
        ctx = ssl.create_default_context()
    except (ssl.SSLError, OSError) as exc:
        problems.append(f"tls: cannot load the system's trusted certificates ({exc})")
        facts["ca_certs"] = 0
        return facts
    facts["ca_certs"] = ctx.cert_store_stats().get("x509_ca", 0)
    capath_ok = bool(paths.capath) and Path(paths.capath).is_dir() and any(Path(paths.capath).iterdir())
    if not facts["ca_certs"] and not capath_ok:
        problems.append(
            "tls: no trusted CA certificates found (looked in "
            f"{paths.openssl_cafile} and {paths.openssl_capath}): HTTPS to ConnectWise would fail; "
            "set SSL_CERT_FILE to your system's CA bundle"
        )
    return facts


def bundle_facts(problems: list[str]) -> dict[str, Any] | None:
    """Frozen only: where the bundle is, and whether programs FlowDesk starts (xdg-open, the browser) would
    inherit the bootloader's LD_LIBRARY_PATH (the spec's runtime hook restores the original)."""
    root = getattr(sys, "_MEIPASS", None)
    if not is_frozen() or not root:
        return None
    leaked = [v for v in ("LD_LIBRARY_PATH", "LIBPATH", "DYLD_LIBRARY_PATH") if root in os.environ.get(v, "")]
    if leaked:
        problems.append(
            f"bundle: {', '.join(leaked)} still points into {root}: programs FlowDesk starts (the browser) "
            "would load FlowDesk's libraries"
        )
    return {"dir": root, "child_env_clean": not leaked}


def sqlite_facts(problems: list[str]) -> dict[str, Any]:
    try:
        con = sqlite3.connect(":memory:")
        try:
            con.execute("PRAGMA journal_mode=WAL").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        problems.append(f"sqlite: {exc}")
        return {"version": sqlite3.sqlite_version, "ok": False}
    return {"version": sqlite3.sqlite_version, "ok": True}


def database_facts(path: Path, problems: list[str]) -> dict[str, Any]:
    """FlowDesk's own database as SQLite finds it (``PRAGMA quick_check``), opened read-only: never created,
    upgraded or changed here. A damaged file (whose window or command would stop at the first bad page) is a
    problem naming the file and what to do."""
    from flowdesk.store.db import damaged, explain  # lazy: the store, for the self-check only

    facts: dict[str, Any] = {"file": str(path), "exists": path.is_file()}
    if not facts["exists"]:
        return {**facts, "ok": True}  # created at the first start
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            findings = [str(r[0]) for r in con.execute("PRAGMA quick_check(5)")]
        finally:
            con.close()
    except sqlite3.Error as exc:
        problems.append(f"database: {explain(path, exc)}")
        return {**facts, "ok": False}
    if findings != ["ok"]:  # SQLite's first findings, on one line ("Page 4: btreeInitPage() returns error code 11")
        lines = [line for f in findings for line in f.splitlines() if line.strip() and not line.startswith("***")]
        problems.append(f"database: {damaged(path, '; '.join(lines[:2]))}")
    return {**facts, "ok": findings == ["ok"]}


# -- all of it --------------------------------------------------------------------------------------------
def collect(ctx: Context) -> dict[str, Any]:
    started = time.perf_counter()
    problems: list[str] = []
    report: dict[str, Any] = {
        "app": APP_NAME,
        "app_id": APP_ID,
        "version": __version__,
        "python": platform.python_version(),
        "frozen": is_frozen(),
        "executable": sys.executable,
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
    }
    check_qt(report, problems)
    report["keyring"] = keyring_facts()
    if not report["keyring"]["real"]:
        problems.append(f"keyring: {report['keyring']['backend']} is not a real keyring. {NO_KEYRING}")
    report["paths"] = ctx.paths.as_dict()
    icon = check_icon(report.pop("_icon"), problems)
    samples = check_samples(problems)
    tickets = check_tickets(problems)
    report["resources"] = {
        "dir": str(resources_dir()),
        "ok": icon["renders"] and samples["ok"] and tickets["ok"],
        "icon": icon,
        "samples": samples,
        "sandbox_tickets": tickets,
    }
    report["tls"] = tls_facts(problems)
    report["sqlite"] = sqlite_facts(problems)
    report["database"] = database_facts(ctx.paths.database_file, problems)
    bundle = bundle_facts(problems)
    if bundle is not None:
        report["bundle"] = bundle
    report["problems"] = problems
    report["ok"] = not problems
    report["seconds"] = round(time.perf_counter() - started, 3)
    return report


def run_self_check(ctx: Context) -> int:
    report = collect(ctx)
    print_json(report)
    return EXIT_OK if report["ok"] else EXIT_FAILURE
