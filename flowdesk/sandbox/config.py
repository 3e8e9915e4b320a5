"""The sandbox's settings (``GET|POST /__sandbox__/config``): what a test may switch, all or nothing."""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_CODEBASE = "v2025_1/"
DEFAULT_API_VERSION = "2025.16"
MAX_PAGE_SIZE = 1000  # ConnectWise's hard limit (ref §7)

_CODEBASE_RX = re.compile(r"^v\d{4}_\d{1,2}/$")
_VERSION_RX = re.compile(r"^(\d{4})\.(\d{1,2})$")
ADD_LEVELS = ("All", "My", "None")  # ConnectWise's security levels (ref §6)


class ConfigError(ValueError):
    """A bad admin request (config key, fault spec, wait filter, seeded record); the message goes back as a 400."""


@dataclass
class MemberConfig:
    can_add_notes: bool | str = True  # true/false, or a ConnectWise add level: "All", "My", "None"
    can_add_time: bool | str = True
    can_read_tickets: bool | str = True  # Service/Project Tickets' inquireLevel: false/"None" answers every ticket read 403
    require_start_end: bool = False
    time_zone: str = "Eastern Standard Time"
    license_class: str = "F"  # myMembers/info licenseClass: "F" full member, "A" API member (keys of an API member)
    refuse_overlap: bool = False  # refuse a time entry overlapping one of the member's (a tenant that validates it)
    time_sheet_closed: bool = False  # the member's time sheets are submitted/closed: no new time entries
    ignore_status: bool = False  # a status PATCH answers 200 but the status stays (ConnectWise can ignore it)


@dataclass
class RFConfig:
    access_ttl: int = 300
    refresh_ttl: int = 7 * 24 * 3600
    refresh_error: str | None = None  # None | "session_expired_idle" | "invalid_refresh_token" | ...
    subscription_lapsed: bool = False
    role: str = "engineer"
    list_shape: str = "page"  # "page" ({items,total,page,page_size}) | "no_total" ({items,page,page_size}) | "bare"
    list_total: int | None = None  # the total a list claims (None: the real count)
    clamp_page_size: int | None = None  # serve at most this many per page, whatever was asked (None: 422 above 100)


@dataclass
class Config:
    latency_ms: int = 0
    codebase: str = DEFAULT_CODEBASE
    api_version: str = DEFAULT_API_VERSION
    site_url: str | None = None  # companyinfo's SiteUrl (None: the Host the request came to)
    is_cloud: bool = True  # companyinfo's IsCloud (False: an on-premises server)
    max_page_size: int = MAX_PAGE_SIZE  # ConnectWise pages hold at most this many (a pageSize above it is clamped)
    member: MemberConfig = field(default_factory=MemberConfig)
    resolutionflow: RFConfig = field(default_factory=RFConfig)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def add_level(value: bool | str) -> str:
    """A member setting as ConnectWise's ``addLevel``: true → All, false → None, or the level itself."""
    if isinstance(value, bool):
        return "All" if value else "None"
    return value


def as_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false")
    return value


def as_int(name: str, value: Any, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise ConfigError(f"{name} must be an integer >= {minimum}{upper}")
    return value


def version_tuple(text: str) -> tuple[int, int] | None:
    m = _VERSION_RX.match(text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2))


def changed(config: Config, changes: Any) -> tuple[Config, bool]:
    """``config`` with ``changes`` applied (a new object; the old one is untouched), and whether the one-shot
    ``resolutionflow.expire_access_tokens`` was asked for. Raises :class:`ConfigError` on the first bad key."""
    if not isinstance(changes, dict):
        raise ConfigError("config takes a JSON object")
    cfg = copy.deepcopy(config)
    expire_tokens = False
    for key, value in changes.items():
        if key == "latency_ms":
            cfg.latency_ms = as_int(key, value)
        elif key == "codebase":
            if not isinstance(value, str) or not _CODEBASE_RX.match(value.strip("/") + "/"):
                raise ConfigError("codebase must look like v2026_1/")
            cfg.codebase = value.strip("/") + "/"
            if "api_version" not in changes:
                year, release = int(cfg.codebase[1:5]), int(cfg.codebase[6:-1])
                if version_tuple(cfg.api_version) < (year, release):  # type: ignore[operator]
                    cfg.api_version = f"{year}.{release}"
        elif key == "api_version":
            if not isinstance(value, str) or version_tuple(value) is None:
                raise ConfigError("api_version must look like 2025.16")
            cfg.api_version = value
        elif key == "site_url":
            if value is not None and (not isinstance(value, str) or not value or "/" in value or " " in value):
                raise ConfigError("site_url must be null or a host name (with an optional :port), like api-na.myconnectwise.net")
            cfg.site_url = value
        elif key == "is_cloud":
            cfg.is_cloud = as_bool(key, value)
        elif key == "max_page_size":
            cfg.max_page_size = as_int(key, value, 1, MAX_PAGE_SIZE)
        elif key == "member":
            _member(cfg.member, value)
        elif key == "resolutionflow":
            expire_tokens = _resolutionflow(cfg.resolutionflow, value)
        else:
            raise ConfigError(f"unknown config key: {key}")
    return cfg, expire_tokens


def _member(m: MemberConfig, value: Any) -> None:
    if not isinstance(value, dict):
        raise ConfigError("member takes an object")
    for mk, mv in value.items():
        if mk in ("can_add_notes", "can_add_time", "can_read_tickets"):
            if not isinstance(mv, bool) and mv not in ADD_LEVELS:
                raise ConfigError(f"member.{mk} must be true, false or one of: {', '.join(ADD_LEVELS)}")
            setattr(m, mk, mv)
        elif mk in ("require_start_end", "refuse_overlap", "time_sheet_closed", "ignore_status"):
            setattr(m, mk, as_bool(f"member.{mk}", mv))
        elif mk == "license_class":
            if mv not in ("F", "A", "C", "X"):
                raise ConfigError("member.license_class must be one of: F, A, C, X")
            m.license_class = mv
        elif mk == "time_zone":
            if not isinstance(mv, str) or not mv:
                raise ConfigError("member.time_zone must be a Windows time zone name")
            m.time_zone = mv
        else:
            raise ConfigError(f"unknown member setting: {mk}")


def _resolutionflow(rf: RFConfig, value: Any) -> bool:
    if not isinstance(value, dict):
        raise ConfigError("resolutionflow takes an object")
    expire_tokens = False
    for rk, rv in value.items():
        if rk in ("access_ttl", "refresh_ttl"):
            setattr(rf, rk, as_int(f"resolutionflow.{rk}", rv, 1))
        elif rk == "expire_access_tokens":
            expire_tokens = as_bool("resolutionflow.expire_access_tokens", rv)
        elif rk == "subscription_lapsed":
            rf.subscription_lapsed = as_bool("resolutionflow.subscription_lapsed", rv)
        elif rk == "refresh_error":
            if rv is not None and (not isinstance(rv, str) or not rv):
                raise ConfigError("resolutionflow.refresh_error must be null or a detail string")
            rf.refresh_error = rv
        elif rk == "role":
            if rv not in ("viewer", "engineer", "owner", "super_admin"):
                raise ConfigError("resolutionflow.role must be viewer, engineer, owner or super_admin")
            rf.role = rv
        elif rk == "list_shape":
            if rv not in ("page", "no_total", "bare"):
                raise ConfigError("resolutionflow.list_shape must be page, no_total or bare")
            rf.list_shape = rv
        elif rk in ("list_total", "clamp_page_size"):
            setattr(rf, rk, None if rv is None else as_int(f"resolutionflow.{rk}", rv, 0 if rk == "list_total" else 1))
        else:
            raise ConfigError(f"unknown resolutionflow setting: {rk}")
    return expire_tokens
