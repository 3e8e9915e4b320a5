"""Both clients through a loopback proxy (``flowdesk.sandbox.proxy``) in front of the sandbox: the
environment's ``HTTPS_PROXY`` / ``HTTP_PROXY``, ``NO_PROXY``, the manual setting with a user whose password
is in the keyring, the system's proxy (a resolver handed down), and proxies that say no.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from flowdesk import network
from flowdesk.connectwise.account import AccountError, open_client
from flowdesk.connectwise.errors import Offline
from flowdesk.core.settings import ConnectWiseProfile, ProxyMode, ProxySettings
from flowdesk.credentials import CredentialStore, connectwise_profile_key, proxy_password_key
from flowdesk.http.proxy import ProxyConfig
from flowdesk.resolutionflow import errors as rf_errors
from flowdesk.sandbox import Sandbox
from flowdesk.sandbox.admin import SandboxAdmin
from flowdesk.sandbox.proxy import SandboxProxy


def netloc(url: str) -> str:
    return urlsplit(url).netloc


@pytest.fixture
def application_proxy() -> Iterator[None]:
    yield
    network.use_settings(None)
    network.set_system_resolver(None)


def use_both(tls_clients, **kw) -> None:
    make_cw, make_rf = tls_clients
    assert make_cw(**kw).who_am_i().identifier == "dwhitfield"
    assert len(list(make_rf(**kw).list_sessions())) == 18


def test_https_proxy_from_the_environment_carries_both_clients(tls_clients, sandbox_tls: Sandbox, proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    use_both(tls_clients)
    target = netloc(sandbox_tls.url)
    assert proxy.tunnelled and set(proxy.tunnelled) == {target}
    assert all(r.method == "CONNECT" and not r.auth_sent for r in proxy.log)


def test_no_proxy_bypasses_it(tls_clients, proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    use_both(tls_clients)
    assert proxy.log == []


def test_http_proxy_forwards_plain_http_to_a_loopback_sandbox(clients, sandbox: Sandbox, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    make_cw, make_rf = clients
    assert make_cw().who_am_i().identifier == "dwhitfield"
    make_rf().me()
    assert {r.method for r in proxy.log} == {"GET", "POST"} and set(proxy.tunnelled) == {netloc(sandbox.url)}


def test_the_manual_proxy_with_a_user_and_password(tls_clients, sandbox_tls: Sandbox):
    with SandboxProxy(user="dana", password="proxy-pw-123") as guarded:
        use_both(tls_clients, proxy=ProxyConfig("manual", guarded.url, "dana", "proxy-pw-123"))
        assert set(guarded.tunnelled) == {netloc(sandbox_tls.url)}
        assert all(r.auth_sent and r.status == 200 for r in guarded.log)


def test_the_proxy_setting_with_its_password_in_the_keyring(sandbox_tls: Sandbox, application_proxy, memory_keyring):
    """What the window and the CLI do: the setting names the proxy, the keyring holds the password, and
    every client the account modules build goes through it."""
    cw = sandbox_tls.info.connectwise
    store = CredentialStore()
    profile = ConnectWiseProfile(site=cw.site, company=cw.company, ca_file=sandbox_tls.info.ca_file)
    store.save_connectwise_keys(connectwise_profile_key(cw.site, cw.company), cw.public_key, cw.private_key)
    with SandboxProxy(user="dana", password="proxy-pw-123") as guarded:
        setting = ProxySettings(mode=ProxyMode.MANUAL, url=guarded.url, user="dana")
        network.use_settings(lambda: setting, lambda: store)
        missing = open_client(profile, store)
        with missing, pytest.raises(Offline) as refused:
            missing.who_am_i()  # no password in the keyring yet: the proxy asks for one
        assert "asks for a user name and password (HTTP 407)" in str(refused.value)
        store.save_proxy_password(proxy_password_key(guarded.url, "dana"), "proxy-pw-123")
        with open_client(profile, store) as client:
            assert client.who_am_i().identifier == "dwhitfield"
        assert guarded.tunnelled == [netloc(sandbox_tls.url)]


def test_the_system_proxy_is_asked_per_address(tls_clients, sandbox_tls: Sandbox, proxy):
    asked: list[str] = []

    def resolver(url: str) -> str | None:
        asked.append(url)
        return proxy.url

    use_both(tls_clients, proxy=ProxyConfig("system", system=resolver))
    assert set(proxy.tunnelled) == {netloc(sandbox_tls.url)}
    assert asked and all(u.startswith(sandbox_tls.url) for u in asked)


@pytest.mark.parametrize(
    ("refuse", "user", "words"),
    [
        ("407", None, "the proxy {p} asks for a user name and password (HTTP 407)"),
        ("407", "dana", "the proxy {p} did not accept the user name and password (HTTP 407; FlowDesk cannot sign in to "
                        "a proxy with your Windows account, NTLM or Kerberos)"),
        ("403", None, "the proxy {p} refused the connection (HTTP 403)"),
        ("close", None, "the proxy {p} closed the connection"),
    ],
)
def test_a_proxy_that_refuses_says_so_in_plain_words(tls_clients, sandbox_tls: Sandbox, sandbox_tls_admin: SandboxAdmin, refuse, user, words):
    make_cw, make_rf = tls_clients
    with SandboxProxy(refuse=refuse) as refusing:
        config = ProxyConfig("manual", refusing.url, user or "", "wrong" if user else "")
        p = netloc(refusing.url)
        cw = make_cw(proxy=config)
        with pytest.raises(Offline) as info:
            cw.who_am_i()
        assert str(info.value) == (
            f"Cannot reach {netloc(sandbox_tls.url)}: {words.format(p=p)}. Nothing was sent; check the proxy settings "
            "(Settings › General) and your network connection and try again."
        )
        assert info.value.tls is False and info.value.__context__ is None
        with pytest.raises(rf_errors.Offline) as rf_info:
            make_rf(proxy=config)
        assert words.format(p=p) in str(rf_info.value) and "FlowDesk keeps showing the sessions it has cached" in str(rf_info.value)
    assert sandbox_tls_admin.ledger()["requests"] == []  # nothing reached the services


@pytest.mark.parametrize("scheme", ["HTTPS_PROXY", "ALL_PROXY"])
def test_a_user_and_password_in_the_environments_proxy_url_that_the_proxy_refuses(
    tls_clients, sandbox_tls: Sandbox, monkeypatch, scheme
):
    """HTTPS_PROXY=http://user:password@host (found with squid 5.7 and basic_ncsa_auth): a wrong password
    was reported as the proxy asking for one, as if none had been sent."""
    make_cw, _make_rf = tls_clients
    with SandboxProxy(user="dana", password="right") as strict:
        parts = urlsplit(strict.url)
        monkeypatch.setenv(scheme, f"{parts.scheme}://dana:wrong@{parts.netloc}")
        with pytest.raises(Offline) as info:
            make_cw().who_am_i()
        # the proxy logs after it answers: the client may have its 407 first; then FlowDesk asks it, without
        # credentials, which sign-in it takes (httpcore keeps none of a refused tunnel's headers)
        seen = strict.wait(2)
        assert [(r.auth_sent, r.status) for r in seen] == [(True, 407), (False, 407)]
    assert f"the proxy {parts.netloc} did not accept the user name and password (HTTP 407;" in str(info.value)
    assert "wrong" not in str(info.value)


@pytest.mark.parametrize("user", [None, "dana"])
def test_a_proxy_that_takes_only_a_windows_sign_in_says_so_without_asking_for_a_password(
    tls_clients, sandbox_tls: Sandbox, sandbox_tls_admin: SandboxAdmin, user
):
    """A corporate proxy that offers only NTLM / Negotiate: its refused tunnel's headers are lost in httpcore, so
    FlowDesk asks the proxy once more which sign-in it takes, and says that a password will not do (before,
    it asked for one, which could never work)."""
    make_cw, make_rf = tls_clients
    with SandboxProxy(challenges=("NTLM", "Negotiate")) as windows:
        config = ProxyConfig("manual", windows.url, user or "", "pw" if user else "")
        p = netloc(windows.url)
        with pytest.raises(Offline) as info:
            make_cw(proxy=config).who_am_i()
        words = (
            f"the proxy {p} asks for a Windows sign-in (NTLM or Negotiate, HTTP 407), which FlowDesk cannot do; a user "
            "name and password will not work: ask your IT team to let FlowDesk reach this address without signing in "
            "to the proxy"
        )
        assert str(info.value) == (
            f"Cannot reach {netloc(sandbox_tls.url)}: {words}. Nothing was sent; check the proxy settings "
            "(Settings › General) and your network connection and try again."
        )
        with pytest.raises(rf_errors.Offline) as rf_info:
            make_rf(proxy=config)
        assert words in str(rf_info.value)
        assert "pw" not in str(info.value)
        assert [r.auth_sent for r in windows.wait(4)][1::2] == [False, False]  # the question carries no credentials
    assert sandbox_tls_admin.ledger()["requests"] == []


def test_a_proxy_that_offers_basic_beside_ntlm_is_asked_for_a_password(tls_clients, sandbox_tls: Sandbox):
    make_cw, _ = tls_clients
    with SandboxProxy(user="dana", password="right", challenges=("NTLM", 'Basic realm="corp"')) as both:
        with pytest.raises(Offline) as info:
            make_cw(proxy=ProxyConfig("manual", both.url)).who_am_i()
        assert f"the proxy {netloc(both.url)} asks for a user name and password (HTTP 407)" in str(info.value)
        assert make_cw(proxy=ProxyConfig("manual", both.url, "dana", "right")).who_am_i().identifier == "dwhitfield"


def test_the_schemes_of_proxy_authenticate_values():
    from flowdesk.http.proxy_probe import challenges, windows_only

    assert challenges(['Basic realm="a, b"', "NTLM", "Negotiate, Kerberos"]) == ("Basic", "NTLM", "Negotiate", "Kerberos")
    assert challenges(['Digest realm="x", qop="auth", nonce="abc"']) == ("Digest",)
    assert windows_only(("NTLM", "Negotiate")) and not windows_only(("NTLM", "Basic")) and not windows_only(None)


def test_a_proxy_that_is_not_there(tls_clients, sandbox_tls: Sandbox):
    with SandboxProxy() as gone:
        url = gone.url
    make_cw, _ = tls_clients
    with pytest.raises(Offline) as info:
        make_cw(proxy=ProxyConfig("manual", url)).who_am_i()
    assert f"the proxy {netloc(url)} could not be reached (the connection was refused)" in str(info.value)


def test_an_unusable_proxy_setting_is_one_clear_line(sandbox_tls: Sandbox, application_proxy):
    cw = sandbox_tls.info.connectwise
    store = CredentialStore()
    store.save_connectwise_keys(connectwise_profile_key(cw.site, cw.company), cw.public_key, cw.private_key)
    network.use_settings(lambda: ProxySettings(mode=ProxyMode.MANUAL, url="socks5://proxy.corp:1080"), lambda: store)
    with pytest.raises(AccountError) as info:
        open_client(ConnectWiseProfile(site=cw.site, company=cw.company), store)
    assert str(info.value) == (
        "The proxy setting cannot be used (the proxy in the proxy setting is a SOCKS proxy; FlowDesk supports "
        "HTTP proxies only): correct it in Settings › General."
    )
