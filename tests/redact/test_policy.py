"""Which categories apply, the allow-list and kept values ("Keep this one")."""

from __future__ import annotations

import pytest

from flowdesk.redact import (
    ALL_CATEGORIES,
    ALWAYS_REDACTED,
    AllowList,
    Category,
    categories_for,
    customer_sees,
    redact,
)
from flowdesk.redact.policy import entry_problem, parse_categories


def test_secret_families_are_always_on() -> None:
    assert {
        Category.PASSWORD, Category.ACCESS_KEY, Category.TOKEN, Category.PRIVATE_KEY, Category.CONNECTION_STRING,
    } == ALWAYS_REDACTED  # fmt: skip
    off = {c.value: False for c in Category}
    assert categories_for(off) == tuple(c for c in ALL_CATEGORIES if c in ALWAYS_REDACTED)
    assert categories_for({}) == ALL_CATEGORIES  # a category the map does not name is on
    assert categories_for({"ip": False}) == tuple(c for c in ALL_CATEGORIES if c is not Category.IP)


@pytest.mark.parametrize(("visibility", "sees"), [("internal", False), ("discussion", True), ("resolution", True)])
def test_who_sees_a_note(visibility: str, sees: bool) -> None:
    assert customer_sees(visibility) is sees


def test_category_names() -> None:
    assert parse_categories(["IP", " email "]) == (Category.EMAIL, Category.IP)
    with pytest.raises(ValueError) as info:
        parse_categories(["password=Hunter2"])
    assert "Hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("fs01", None), ("fs01.contoso.local", None), ("*.contoso.local", None), ("10.20.0.0/16", None),
        ("10.1.1.5", None), ("fd00::/8", None), ("2001:db8::1", None),
        ("", "an empty entry"), ("10.0.0.0/33", "not an IP address or range"), ("300.1.1.1", "not an IP address"),
        ("fs 01", "not a host name"), ("-fs01", "not a host name"), ("\\\\fs01\\share", "not a host name"),
    ],
)  # fmt: skip
def test_allow_list_entries(entry: str, problem: str | None) -> None:
    found = entry_problem(entry)
    assert (found is None) if problem is None else (found is not None and problem in found)
    if problem is not None:
        with pytest.raises(ValueError):
            AllowList.parse([entry])


def test_allow_list_matches_addresses_ranges_and_hosts() -> None:
    allow = AllowList.parse(["10.20.0.0/16", "192.0.2.7", "fd00::/8", "FS01", "*.contoso.local"])
    assert allow.allows(Category.IP, "10.20.200.1") and allow.allows(Category.IP, "10.20.0.0/24")
    assert not allow.allows(Category.IP, "10.20.0.0/8")  # a wider network than the allowed one
    assert allow.allows(Category.IP, "192.0.2.7") and not allow.allows(Category.IP, "192.0.2.8")
    assert allow.allows(Category.IP, "fd12::1%eth0") and not allow.allows(Category.IP, "2001:db8::1")
    assert allow.allows(Category.UNC_PATH, "\\\\fs01\\scans") and allow.allows(Category.UNC_PATH, "\\\\nas.contoso.local\\a")
    assert allow.allows(Category.UNC_PATH, "\\\\10.20.1.1\\c$") and not allow.allows(Category.UNC_PATH, "\\\\fs02\\scans")
    assert not allow.allows(Category.EMAIL, "a@contoso.local")  # e-mail addresses are not the network family
    assert not AllowList() and AllowList.parse(["fs01"])


def test_allowed_values_stay_and_are_reported_as_spared() -> None:
    allow = AllowList.parse(["10.20.0.0/16", "fs01"])
    text = "gw 10.20.0.1, dns 8.8.8.8, share \\\\fs01\\scans, other \\\\fs02\\x"
    result = redact(text, allow=allow)
    assert result.text == "gw 10.20.0.1, dns [IP REDACTED], share \\\\fs01\\scans, other [UNC PATH REDACTED]"
    assert [(s.category, result.text[s.start : s.end], s.rule) for s in result.spared] == [
        (Category.IP, "10.20.0.1", "ipv4-address"), (Category.UNC_PATH, "\\\\fs01\\scans", "unc-path"),
    ]  # fmt: skip
    assert redact(result.text, allow=allow).text == result.text


def test_kept_values_stay_in_every_place_but_never_a_secret() -> None:
    text = "printer 10.0.5.23 (10.0.5.23), user jsmith@contoso.com, password=Hunter2!x, key ghp_" + "A" * 36
    kept = {"10.0.5.23", "Hunter2!x", "ghp_" + "A" * 36}
    result = redact(text, keep=kept)
    assert result.text == (
        "printer 10.0.5.23 (10.0.5.23), user [EMAIL REDACTED], password=[PASSWORD REDACTED], key [ACCESS KEY REDACTED]"
    )
    assert [s.category for s in result.spared] == [Category.IP, Category.IP]
    assert redact(result.text, keep=kept).text == result.text


def test_a_spared_value_hides_nothing_from_its_neighbours_and_is_not_searched_again() -> None:
    # the kept UNC path holds an IP address: it stays as written, the IP inside it too
    result = redact("copy \\\\10.0.0.5\\c$ to \\\\10.0.0.6\\c$", keep={"\\\\10.0.0.5\\c$"})
    assert result.text == "copy \\\\10.0.0.5\\c$ to [UNC PATH REDACTED]"


def test_originals_are_what_the_markers_hid_and_stay_out_of_repr() -> None:
    result = redact("mail jsmith@contoso.com from 10.0.0.15 password=Hunter2!x")
    assert result.originals == ("jsmith@contoso.com", "10.0.0.15", "Hunter2!x")  # in the order of the text
    assert [s.rule for s in result.spans] == ["email-address", "ipv4-address", "password-value"]
    assert "Hunter2" not in repr(result) and "jsmith" not in repr(result)
