"""Site normalisation (what the engineer may type) and the API location derived from companyinfo (§1)."""

from __future__ import annotations

import pytest

from flowdesk.connectwise.site import (
    SiteConfigError,
    api_location,
    check_company,
    is_loopback,
    normalise_codebase,
    normalise_site,
    site_host,
)


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("https://na.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=1", "https://na.myconnectwise.net"),
        ("https://na.myconnectwise.net/v2025_1/ConnectWise.aspx?locale=en_US#startscreen", "https://na.myconnectwise.net"),
        ("na.myconnectwise.net", "https://na.myconnectwise.net"),
        ("  NA.MyConnectWise.net/  ", "https://na.myconnectwise.net"),
        ("api-na.myconnectwise.net", "https://api-na.myconnectwise.net"),
        ("api-eu.myconnectwise.net/v4_6_release/apis/3.0/", "https://api-eu.myconnectwise.net"),
        ("cw.example.com:8443", "https://cw.example.com:8443"),
        ("https://cw.example.com:443/", "https://cw.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/login/companyinfo/acme", "http://127.0.0.1:8080"),
        ("http://127.9.9.9:80", "http://127.9.9.9"),
        ("http://localhost:5000", "http://localhost:5000"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443"),
        ("na.myconnectwise.net.", "https://na.myconnectwise.net"),
    ],
)
def test_normalise_site(typed, base):
    assert normalise_site(typed) == base


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter your ConnectWise address"),
        ("   ", "Enter your ConnectWise address"),
        ("http://na.myconnectwise.net", "https://"),
        ("http://10.0.0.5:8080", "https://"),
        ("ftp://na.myconnectwise.net", "only https://"),
        ("https://user:pw@na.myconnectwise.net", "user name or password"),
        ("na.my connectwise.net", "spaces"),
        ("https://", "no host name"),
        ("na_bad!.example.com", "not a valid host name"),
        ("cw.example.com:99999", "not a valid address"),
        ("cw.example.com:0", "port 0"),
    ],
)
def test_bad_sites_are_config_errors(typed, words):
    with pytest.raises(SiteConfigError) as info:
        normalise_site(typed)
    assert isinstance(info.value, ValueError)
    assert words in str(info.value)


def test_site_host_keeps_a_port():
    assert site_host("https://na.myconnectwise.net/v4_6_release/x") == "na.myconnectwise.net"
    assert site_host("http://127.0.0.1:8080") == "127.0.0.1:8080"


@pytest.mark.parametrize(("host", "loop"), [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True), ("128.0.0.1", False), ("example.com", False), ("10.0.0.1", False)])
def test_loopback(host, loop):
    assert is_loopback(host) is loop


@pytest.mark.parametrize(
    ("raw", "codebase"),
    [("v2020_4/", "v2020_4/"), ("/v2025_1", "v2025_1/"), ("v4_6_release", "v4_6_release/"), ("", "v4_6_release/"), (None, "v4_6_release/"), ("../etc/", None), ("a b/", None), (42, None)],
)
def test_codebase(raw, codebase):
    assert normalise_codebase(raw) == codebase


def test_api_location_uses_site_url_over_https():
    assert api_location("https://na.myconnectwise.net", "api-na.myconnectwise.net") == ("https://api-na.myconnectwise.net", "api-na.myconnectwise.net")
    assert api_location("na.myconnectwise.net", "https://api-na.myconnectwise.net/") == ("https://api-na.myconnectwise.net", "api-na.myconnectwise.net")
    assert api_location("cw.example.com:8443", "cw.example.com:8443") == ("https://cw.example.com:8443", "cw.example.com:8443")
    # no usable SiteUrl: the typed host
    assert api_location("cw.example.com", None) == ("https://cw.example.com", "cw.example.com")
    assert api_location("cw.example.com", "not a host!") == ("https://cw.example.com", "cw.example.com")


def test_api_location_keeps_scheme_and_port_for_loopback():
    assert api_location("http://127.0.0.1:5123", "api-na.myconnectwise.net") == ("http://127.0.0.1:5123", "127.0.0.1:5123")
    assert api_location("https://localhost:5124", "127.0.0.1:9") == ("https://localhost:5124", "localhost:5124")


@pytest.mark.parametrize("bad", ["", "  ", "ac me", "a/b", "a:b", "a+b"])
def test_bad_company(bad):
    with pytest.raises(SiteConfigError):
        check_company(bad)
    assert check_company("  Acme ") == "Acme"
