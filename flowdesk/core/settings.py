"""FlowDesk's settings: the seed's push options plus FlowDesk's own, saved as JSON.

* The push options are the seed's ``DEFAULT_SETTINGS`` with its defaults, except ``auto_push``, which
  is off: FlowDesk exists so the engineer reviews a note before it is posted.
* ``note_visibility`` takes FlowDesk's ``internal`` / ``discussion`` / ``resolution``; the seed's
  ``both`` (which the seed posted as a discussion note) is read as ``discussion``.
* ``proxy`` (schema 2) says how to reach the services: the system's proxy, the environment's, one typed
  in, or none; a proxy password lives in the keyring.
* ``redaction`` says which categories apply to internal notes and which to notes the customer sees
  (the secret families always apply), and holds the allow-list of host names and IP ranges; the
  seed's behaviour (everything redacted) is the default for both (schema 3; before, one map for all notes).
* The file holds no secret (keys live in the OS keyring). It carries a schema version, keeps keys it
  does not know (a newer FlowDesk may have written them), and is replaced atomically.
* A hand-edited file with a bad value loses only that value (back to its default, with a warning), and
  an unreadable file is kept aside as ``settings.json.corrupt-<time>`` rather than overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flowdesk.core import trouble, userfile
from flowdesk.core.setting_choices import (  # noqa: F401 (re-exported: one place for each name)
    ALWAYS_REDACTED_NAMES,
    CUSTOMER_VISIBLE,
    REDACTION_CATEGORIES,
    VISIBILITY_ALIASES,
    NotificationLevel,
    ProxyMode,
    Visibility,
)
from flowdesk.core.timing import TimeRounding

if TYPE_CHECKING:
    from flowdesk.redact import AllowList

MAX_SETTINGS_BYTES = 1024 * 1024  # a few KB in practice
SCHEMA_VERSION = 3  # 2: the proxy section; 3: redaction per visibility, the allow-list
DEFAULT_RESOLUTIONFLOW_URL = "https://api.resolutionflow.com"


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow", validate_assignment=True)


class ConnectWiseProfile(_Section):
    """The engineer's ConnectWise site. The public and private keys are in the keyring, not here."""

    site: str = ""  # what the engineer typed: login URL, bare host or API host
    company: str = ""
    api_host: str = ""  # discovered SiteUrl, e.g. api-na.myconnectwise.net
    codebase: str = ""  # discovered Codebase, e.g. v2025_1/
    client_id: str | None = None  # None: FlowDesk's own clientId
    ca_file: str | None = None
    member_identifier: str = ""  # who the keys belong to (filled in by "Test connection")
    member_name: str = ""
    require_start_end: bool = False  # the member must enter start and end times (time entries carry timeEnd)
    license_class: str = ""  # ConnectWise's licenseClass of the key owner: "F" full member, "A" API member

    @property
    def configured(self) -> bool:
        return bool(self.site and self.company)


class ResolutionFlowProfile(_Section):
    """The engineer's ResolutionFlow account. The refresh token (or a pasted access token) is in the keyring."""

    url: str = DEFAULT_RESOLUTIONFLOW_URL
    email: str = ""
    ca_file: str | None = None  # a PEM bundle for networks that inspect TLS with their own authority


def _switches(v: Any) -> Any:
    """A category map (or a list of the categories that are on), every category present; the secret
    families are on whatever it says. Names it does not know are kept (a newer FlowDesk's)."""
    if isinstance(v, list):
        v = {name: name in v for name in REDACTION_CATEGORIES}
    if isinstance(v, dict):
        return {**dict.fromkeys(REDACTION_CATEGORIES, True), **v, **dict.fromkeys(ALWAYS_REDACTED_NAMES, True)}
    return v


class RedactionSettings(_Section):
    """Which categories apply to a note, by who can see it, and what the network family leaves."""

    internal: dict[str, bool] = Field(default_factory=lambda: dict.fromkeys(REDACTION_CATEGORIES, True))
    customer: dict[str, bool] = Field(default_factory=lambda: dict.fromkeys(REDACTION_CATEGORIES, True))
    allow: list[str] = Field(default_factory=list)  # host names and IP ranges never redacted as UNC paths or IPs

    @field_validator("internal", "customer", mode="before")
    @classmethod
    def _all_categories(cls, v: Any) -> Any:
        return _switches(v)

    @field_validator("allow")
    @classmethod
    def _allow(cls, v: list[str]) -> list[str]:
        entries = [e.strip() for e in v if e.strip()]
        if entries:  # lazy: the redaction package (ipaddress) only for a file with an allow-list
            from flowdesk.redact.policy import entry_problem
        for entry in entries:
            problem = entry_problem(entry)
            if problem:
                raise ValueError(problem)
        return entries

    def for_visibility(self, visibility: str) -> dict[str, bool]:
        return self.customer if str(visibility).lower() in CUSTOMER_VISIBLE else self.internal


class ProxySettings(_Section):
    """The proxy FlowDesk uses. The password for ``user`` is in the keyring (``proxy:{user}@{host:port}``)."""

    mode: ProxyMode = ProxyMode.SYSTEM
    url: str = ""  # manual: http://proxy.example.com:8080
    user: str = ""  # optional: sent to the proxy only (Basic)

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, v: str) -> str:
        problem = proxy_address_problem(v)
        if problem:
            raise ValueError(problem)
        return v


def proxy_address_problem(url: str) -> str | None:
    """Why a proxy address cannot be saved: it is written to settings.json, so a user name or password in it
    would be on disk in plain text. (Whether it is a usable proxy at all is checked when it is used.)"""
    from urllib.parse import urlsplit

    text = url.strip()
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        has_credentials = parts.username is not None or parts.password is not None
    except ValueError:
        return None
    return PROXY_CREDENTIALS_IN_ADDRESS if has_credentials else None


PROXY_CREDENTIALS_IN_ADDRESS = (
    "the proxy address holds a user name or password; enter the address alone, the user name under Proxy user "
    "and the password in its field (it is kept in the system keyring, never in settings.json)"
)


class Settings(_Section):
    schema_version: int = SCHEMA_VERSION
    # the seed's push options (DEFAULT_SETTINGS), auto_push off
    auto_push: bool = False
    auto_push_since: datetime | None = None  # only sessions that ended after auto-push was switched on
    auto_time_entry: bool = True
    time_rounding: TimeRounding = TimeRounding.QUARTER_HOUR
    note_visibility: Visibility = Visibility.INTERNAL
    include_diagnostic_steps: bool = True
    # FlowDesk's own
    # Whom ConnectWise may e-mail about a Discussion / Resolution note: each choice remembered, all off by default
    email_contact: bool = False
    email_resources: bool = False
    email_cc: bool = False
    # The last work type / work role (ConnectWise ids; None: the member's defaults) and billable option chosen
    work_type_id: int | None = None
    work_role_id: int | None = None
    billable_option: str | None = None  # Billable, DoNotBill, NoCharge, NoDefault; None: ConnectWise's default
    redaction: RedactionSettings = Field(default_factory=RedactionSettings)
    notification_level: NotificationLevel = NotificationLevel.ERRORS
    start_minimized: bool = False
    connectwise: ConnectWiseProfile = Field(default_factory=ConnectWiseProfile)
    resolutionflow: ResolutionFlowProfile = Field(default_factory=ResolutionFlowProfile)
    proxy: ProxySettings = Field(default_factory=ProxySettings)

    @field_validator("note_visibility", mode="before")
    @classmethod
    def _visibility_alias(cls, v: Any) -> Any:
        if isinstance(v, str):
            return VISIBILITY_ALIASES.get(v.strip().lower(), v.strip().lower())
        return v

    @field_validator("redaction", mode="before")
    @classmethod
    def _redaction(cls, v: Any) -> Any:
        return _redaction_v3(v)

    def redaction_categories(self, visibility: str | None = None) -> tuple[str, ...]:
        """The categories redacted in a note of this visibility (the default visibility when None)."""
        switches = self.redaction.for_visibility(visibility or self.note_visibility)
        return tuple(c for c in REDACTION_CATEGORIES if c in ALWAYS_REDACTED_NAMES or switches.get(c, True) is not False)

    @property
    def enabled_redactions(self) -> tuple[str, ...]:
        """The categories redacted in a note of the default visibility."""
        return self.redaction_categories()

    @property
    def redaction_allow(self) -> AllowList:
        from flowdesk.redact import AllowList  # lazy: settings are read before the first paint

        return AllowList.parse(self.redaction.allow)

    @property
    def time_entry_enabled(self) -> bool:
        return self.auto_time_entry and self.time_rounding != TimeRounding.NONE


def _redaction_v3(v: Any) -> Any:
    """The one category map (or list) of schemas 0-2, for all notes, becomes the map of both visibilities."""
    if isinstance(v, list) or (isinstance(v, dict) and not {"internal", "customer", "allow"} & set(v)):
        return {"internal": v, "customer": v}
    return v


# Upgrade steps: MIGRATIONS[n] turns a version-n document into version n+1.
def _from_v0(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 is the seed's flat ``flowpilot_settings`` object; nothing to rename, just stamp it."""
    return doc


def _from_v1(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds the proxy section; a version-1 file had none: the operating system's proxy, as the
    window would have used had it looked."""
    if not isinstance(doc.get("proxy"), dict):
        doc["proxy"] = {"mode": ProxyMode.SYSTEM.value, "url": "", "user": ""}
    return doc


def _from_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 had one ``redaction`` map for every note: it now applies to both visibilities, with an
    empty allow-list. Names it holds that this version does not know stay in both maps."""
    if "redaction" in doc:
        doc["redaction"] = _redaction_v3(doc["redaction"])
    return doc


MIGRATIONS = {0: _from_v0, 1: _from_v1, 2: _from_v2}


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    version = doc.get("schema_version", 0)
    if not isinstance(version, int) or version < 0:
        version = 0
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](dict(doc))
        version += 1
        doc["schema_version"] = version
    return doc


def _secret_switches_off(redaction: Any) -> list[str]:
    """The secret categories a file switches off (in the one map of schemas 0-2, or schema 3's two)."""
    if not isinstance(redaction, dict):
        return []
    both = {"internal", "customer"} & set(redaction)
    maps = [redaction.get("internal"), redaction.get("customer")] if both else [redaction]
    return sorted({n for m in maps if isinstance(m, dict) for n in ALWAYS_REDACTED_NAMES if m.get(n) is False})


@dataclass
class LoadResult:
    settings: Settings
    warnings: list[str] = field(default_factory=list)


def _drop_value(doc: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the value at ``loc`` (or, failing that, its top-level key). False when nothing was there."""
    target: Any = doc
    for part in loc[:-1]:
        if not (isinstance(target, dict) and isinstance(target.get(part), dict)):
            break
        target = target[part]
    else:
        if isinstance(target, dict) and loc[-1] in target:
            del target[loc[-1]]
            return True
    return doc.pop(loc[0], None) is not None


def _validate_dropping_bad_values(doc: dict[str, Any], warnings: list[str]) -> Settings:
    while True:
        try:
            return Settings.model_validate(doc)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            loc = tuple(err.get("loc", ()))
            msg = str(err.get("msg"))
            msg = msg if len(msg) <= 300 else msg[:299] + "…"  # it may quote the value: a line, not a megabyte
            if not loc or not _drop_value(doc, loc):
                warnings.append(f"settings: {msg}; using defaults")
                return Settings()
            path = ".".join(str(p)[:100] for p in loc)
            warnings.append(f"settings: {path}: {msg}; using the default instead")


def load_settings(path: Path) -> LoadResult:
    warnings: list[str] = []
    if not os.path.lexists(path):
        return LoadResult(Settings())
    try:  # a folder, a FIFO, a device, a link loop, a huge file: refused unread, and left where it is
        raw = userfile.read_bytes(path, MAX_SETTINGS_BYTES)
    except userfile.UserFileError as exc:
        return LoadResult(Settings(), [f"settings: {exc}; using defaults"])
    try:
        doc = userfile.parse_json(userfile.decode_text(raw, "settings"), "settings")
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except userfile.UserFileError as exc:
        doc, problem = None, exc.problem
    except ValueError as exc:
        doc, problem = None, str(exc)
    if doc is None:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        with contextlib.suppress(OSError):
            os.replace(path, aside)
        return LoadResult(
            Settings(), [f"settings: {path} was unreadable ({problem}); kept it as {aside.name} and started from defaults"]
        )
    file_version = doc.get("schema_version")
    switched_off = _secret_switches_off(doc.get("redaction"))
    if switched_off:
        warnings.append(
            f"settings: redaction: {', '.join(switched_off)} cannot be switched off any more (secrets are always "
            "redacted); they are on"
        )
    doc = migrate(doc)
    settings = _validate_dropping_bad_values(doc, warnings)
    if isinstance(file_version, int) and file_version > SCHEMA_VERSION:
        warnings.append(
            f"settings: written by a newer FlowDesk (schema {file_version}); unknown options are kept as they are"
        )
        settings.schema_version = file_version
    return LoadResult(settings, warnings)


# Windows: antivirus and the search indexer open a file just written without FILE_SHARE_DELETE, and
# replacing it then fails with "access denied" / "in use" (WinError 5 / 32) for a few milliseconds.
REPLACE_RETRY_DELAYS = (0.01, 0.02, 0.04, 0.08, 0.15, 0.25, 0.45)  # 1 s in all
_sleep = time.sleep  # tests count the waits instead of sleeping


def _full_fsync(fd: int) -> None:
    """Make the file's data durable. macOS's ``fsync`` only hands it to the drive, whose cache may lose it
    on power loss; ``F_FULLFSYNC`` flushes the drive too (Apple's fsync(2)). Falls back to ``fsync``."""
    if sys.platform == "darwin":
        import fcntl  # lazy: not on Windows

        try:
            fcntl.fcntl(fd, getattr(fcntl, "F_FULLFSYNC", 51))
            return
        except OSError:
            pass  # some file systems (network, FAT) refuse it
    os.fsync(fd)


class FileInUse(PermissionError):
    """A file another program kept open past the retries. Its message names the path as the OS writes it:
    ``OSError``'s own ``str()`` quotes the file name with ``repr``, doubling every backslash of a Windows path."""

    def __str__(self) -> str:
        return f"{self.strerror}: {self.filename}" if self.filename else str(self.strerror)


def _replace_retrying(tmp: str, path: Path) -> None:
    for delay in (*REPLACE_RETRY_DELAYS, None):
        try:
            os.replace(tmp, path)
            return
        except PermissionError as exc:
            if delay is None:
                raise FileInUse(
                    exc.errno,
                    f"in use by another program for {sum(REPLACE_RETRY_DELAYS):.0f} s "
                    f"(an antivirus or the search indexer?): {exc.strerror or exc}",
                    str(path),
                ) from None
            _sleep(delay)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one, whole.
    A replace refused because another program holds the file is tried again for about a second."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            _full_fsync(fh.fileno())
        _replace_retrying(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):
            dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def unwritable(path: Path, exc: OSError) -> str:
    """Why the settings file could not be written, and what to do about it: one phrase for every caller."""
    what = f"the settings file {path} could not be written"
    if userfile.is_folder(path):  # Windows says "access denied" for a folder, which reads as a file in use
        return f"{what}: it is a folder, not a file; move it aside"
    if exc.errno == errno.ENOSPC:
        return f"{what}: the disk is full; free some space"
    if isinstance(exc, FileInUse):
        return f"{what} ({exc.strerror})"
    if exc.errno == errno.EROFS or isinstance(exc, PermissionError):
        return f"{what} ({exc.strerror or exc}): {trouble.FIX_FOLDER}"
    return f"{what} ({exc.strerror or exc})"


def save_settings(settings: Settings, path: Path) -> None:
    data = settings.model_dump(mode="json")
    atomic_write_bytes(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
