"""The proxy in the window: the OS's proxy asked through Qt, and the proxy fields of Settings › General.

On Linux Qt's "system proxy" is the ``https_proxy`` / ``no_proxy`` variables, which a test can set; on
Windows and macOS the same call reads the OS settings (WinHTTP/PAC, CFNetwork).
"""

from __future__ import annotations

import contextlib
import json
import struct
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from flowdesk import network
from flowdesk.connectwise.account import profile_key
from flowdesk.connectwise.client import ConnectWiseClient
from flowdesk.core.settings import ConnectWiseProfile, ProxyMode, Settings, save_settings
from flowdesk.credentials import CredentialStore, proxy_password_key, service_name
from flowdesk.http.proxy import ProxyConfig
from flowdesk.paths import AppPaths
from flowdesk.sandbox.proxy import SandboxProxy
from flowdesk.ui.system_proxy import system_proxy
from tests.conftest import WINDOWS, linux_only

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("https_proxy", "http_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    yield monkeypatch
    network.use_settings(None)
    network.set_system_resolver(None)


def _through_the_system_proxy(sandbox_tls: Any, proxy: SandboxProxy) -> None:
    """The OS names ``proxy`` for the sandbox, and a ConnectWise call in the *system* mode goes through it."""
    target = sandbox_tls.url
    assert system_proxy(target + "/") == proxy.url
    cw = sandbox_tls.info.connectwise
    config = ProxyConfig("system", system=system_proxy)
    with ConnectWiseClient(cw.site, cw.company, cw.public_key, cw.private_key, ca_file=sandbox_tls.info.ca_file, proxy=config) as c:
        assert c.who_am_i().identifier == "dwhitfield"
    assert proxy.tunnelled and set(proxy.tunnelled) == {urlsplit(target).netloc}


@linux_only("Qt takes the system proxy from http_proxy/https_proxy there; on Windows from Internet Options (WinHTTP), on macOS from the network settings")
def test_the_system_proxy_through_qt(sandbox_tls, proxy_env):
    target = sandbox_tls.url
    with SandboxProxy() as proxy:
        assert system_proxy(target + "/") is None  # nothing set: direct
        proxy_env.setenv("https_proxy", proxy.url)
        _through_the_system_proxy(sandbox_tls, proxy)
        proxy_env.setenv("no_proxy", urlsplit(target).hostname or "")
        assert system_proxy(target + "/") is None


@contextlib.contextmanager
def internet_options_proxy(server: str, bypass: str) -> Iterator[None]:
    """Windows' Internet Options set to "Use a proxy server" ``server`` (``host:port``), not for ``bypass``:
    the ``DefaultConnectionSettings`` record Internet Options writes and WinHTTP reads (a version, the
    flags DIRECT|PROXY, then the proxy, the bypass list and the PAC address, each with its length). The
    value there before is put back afterwards."""
    assert sys.platform == "win32"
    import winreg

    path = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
    name = "DefaultConnectionSettings"
    proxy, skip = server.encode("ascii"), bypass.encode("ascii")
    record = struct.pack("<IIII", 0x46, 1, 0x3, len(proxy)) + proxy + struct.pack("<I", len(skip)) + skip
    record += struct.pack("<I", 0) + bytes(32)
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, path) as key:
        try:
            before: Any = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            before = None
        winreg.SetValueEx(key, name, 0, winreg.REG_BINARY, record)
        try:
            yield
        finally:
            if before is None:
                winreg.DeleteValue(key, name)
            else:
                winreg.SetValueEx(key, name, 0, before[1], before[0])


@pytest.mark.skipif(not WINDOWS, reason="Windows: Internet Options' proxy, read through WinHTTP (CI runs it under Wine)")
def test_the_windows_system_proxy_from_internet_options(sandbox_tls, proxy_env):
    """Most engineers' laptops: IT sets the proxy in Internet Options (by policy), not in a variable. The
    default proxy mode, *the system's proxy settings*, finds it there and tunnels through it; an address on
    its bypass list goes direct."""
    target = sandbox_tls.url
    host = urlsplit(target).hostname or ""
    with SandboxProxy() as proxy:
        with internet_options_proxy(urlsplit(proxy.url).netloc, "*.contoso.local"):
            _through_the_system_proxy(sandbox_tls, proxy)
        with internet_options_proxy(urlsplit(proxy.url).netloc, f"*.contoso.local;{host}"):
            assert system_proxy(target + "/") is None


@pytest.fixture
def app(sandbox, qtbot, proxy_env) -> Iterator[Any]:
    yield from start_app(sandbox, qtbot)


def start_app(sandbox, qtbot) -> Iterator[Any]:
    """The window signed in to the sandbox's ConnectWise (keys in the test keyring), shut down after."""
    from flowdesk.ui.app import FlowDeskApp

    paths = AppPaths.from_env().ensure()
    cw = sandbox.info.connectwise
    settings = Settings(connectwise=ConnectWiseProfile(site=cw.site, company=cw.company, member_identifier="dwhitfield"))
    save_settings(settings, paths.settings_file)
    CredentialStore().save_connectwise_keys(profile_key(settings.connectwise), cw.public_key, cw.private_key)
    fd = FlowDeskApp(paths, has_tray=False)
    qtbot.addWidget(fd.window)
    yield fd
    fd.shutdown()


def test_the_proxy_fields_test_and_save_through_the_proxy(app, qtbot, sandbox, memory_keyring):
    from PySide6.QtCore import Qt

    from flowdesk.ui.settings_dialog import SettingsDialog

    with SandboxProxy(user="dana", password="proxy-pw-123") as guarded:
        dialog = SettingsDialog(app.controller, app.window)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.proxy_mode.currentData() == "system" and not dialog.proxy_url.isEnabled()
        dialog.proxy_mode.setCurrentIndex(dialog.proxy_mode.findData("manual"))
        assert dialog.proxy_url.isEnabled()
        dialog.proxy_url.setText(guarded.url)
        dialog.proxy_user.setText("dana")
        dialog.proxy_password.setText("proxy-pw-123")
        with qtbot.waitSignal(dialog.connection_tested, timeout=15000) as tested:
            qtbot.mouseClick(dialog.cw_test, Qt.MouseButton.LeftButton)  # before saving: what is typed counts
        assert tested.args[0] is True, tested.args[1]
        assert guarded.tunnelled == [urlsplit(sandbox.url).netloc] * len(guarded.tunnelled) and guarded.tunnelled
        with qtbot.waitSignal(dialog.saved, timeout=15000):
            dialog.save()
        entry = proxy_password_key(guarded.url, "dana")
        qtbot.waitUntil(lambda: memory_keyring.get_password(service_name(entry), entry) == "proxy-pw-123", timeout=15000)
        saved = json.loads(app.services.paths.settings_file.read_text(encoding="utf-8"))
        assert saved["proxy"] == {"mode": "manual", "url": guarded.url, "user": "dana"}
        assert "proxy-pw-123" not in app.services.paths.settings_file.read_text(encoding="utf-8")
        assert network.current_proxy().mode == ProxyMode.MANUAL.value


def test_a_bad_manual_proxy_is_not_saved(app, qtbot):
    from flowdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(app.controller, app.window)
    qtbot.addWidget(dialog)
    dialog.proxy_mode.setCurrentIndex(dialog.proxy_mode.findData("manual"))
    dialog.proxy_url.setText("socks5://proxy.corp:1080")
    dialog.save()
    assert dialog.save_status.text() == (
        "The proxy cannot be used: the proxy in the Proxy address field is a SOCKS proxy; FlowDesk supports HTTP "
        "proxies only."
    )
    assert app.services.settings.proxy.mode == ProxyMode.SYSTEM
    # it said "the proxy address in the proxy address is not valid"
    dialog.proxy_url.setText("http://proxy.corp:99999")
    dialog.save()
    assert dialog.save_status.text() == (
        "The proxy cannot be used: the proxy address in the Proxy address field is not valid (Port out of range "
        "0-65535)."
    )


def test_a_password_in_the_proxy_address_is_refused_and_never_saved(app, qtbot, tmp_path):
    """Found in review: http://user:password@proxy:port was accepted and saved to settings.json in plain text.
    The dialog refuses it with the fix in words; a settings.json holding one is refused at load (one line)."""
    from flowdesk.core.settings import PROXY_CREDENTIALS_IN_ADDRESS, ProxySettings
    from flowdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(app.controller, app.window)
    qtbot.addWidget(dialog)
    dialog.proxy_mode.setCurrentIndex(dialog.proxy_mode.findData("manual"))
    dialog.proxy_url.setText("http://bob:Hunter2x@proxy.corp:8080")
    dialog.save()
    assert dialog.save_status.text() == f"The proxy cannot be used: {PROXY_CREDENTIALS_IN_ADDRESS}."
    assert app.services.settings.proxy.mode == ProxyMode.SYSTEM
    settings_file = app.services.paths.settings_file
    assert not settings_file.exists() or "Hunter2x" not in settings_file.read_text(encoding="utf-8")
    for url in ("http://bob:Hunter2x@proxy.corp:8080", "bob@proxy.corp:8080", "https://:pw@proxy.corp"):
        with pytest.raises(ValueError, match="holds a user name or password"):
            ProxySettings(mode="manual", url=url)
    assert ProxySettings(mode="manual", url="proxy.corp:8080").url == "proxy.corp:8080"
