"""Discovery as real clients do it: companyinfo's SiteUrl only for a cloud site (IsCloud), one fresh
discovery after a redirect (or 404) on the API base, and a ``Link`` next page named on another codebase
followed on the API this client uses."""

from __future__ import annotations

import httpx
import pytest

from flowdesk.connectwise.bodies import TicketRef, note_body
from flowdesk.connectwise.client import _next_link
from flowdesk.connectwise.errors import ServerError

from .conftest import api_requests, discovery_requests

NOTES = "*/service/tickets/48211/notes"


def test_site_url_is_used_for_a_cloud_site_only(make_client, admin):
    admin.config(site_url="api-na.example.net", is_cloud=True)
    assert make_client().discover().api_host == "api-na.example.net"
    admin.config(is_cloud=False)  # on premises: the host the engineer typed, whatever SiteUrl says
    site = make_client().discover()
    assert site.api_host == "sandbox.flowdesk.invalid" and site.is_cloud is False


def test_a_redirect_on_the_api_base_means_one_fresh_discovery(client, admin):
    client.discover()
    admin.config(codebase="v2026_2/")  # the cloud was upgraded: the old codebase now redirects
    admin.add_fault(method="POST", path=NOTES, status=302, redirect="https://na.myconnectwise.net/v4_6_release/")
    posted = client.post_note(TicketRef(48211), note_body("after the upgrade", "internal"))
    assert posted.id and len(discovery_requests(admin)) == 2
    paths = [r["path"] for r in api_requests(admin) if r["method"] == "POST"]
    assert paths[-1].startswith("/v2026_2/apis/3.0/") and len(admin.ledger()["notes"]) == 1


def test_a_redirect_with_the_same_codebase_is_not_repeated(client, admin):
    client.discover()
    admin.add_fault(method="POST", path=NOTES, status=302, redirect="https://na.myconnectwise.net/login")
    with pytest.raises(ServerError):
        client.post_note(TicketRef(48211), note_body("x", "internal"))
    assert len(discovery_requests(admin)) == 2  # asked once more, the same codebase: not sent again
    assert [r["method"] for r in api_requests(admin)] == ["POST"] and admin.ledger()["notes"] == []


def _link(request_url: str, link: str) -> httpx.Response:
    return httpx.Response(200, headers={"Link": f'<{link}>; rel="next"'}, request=httpx.Request("GET", request_url))


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        # the next page named on the old codebase (ConnectWise's own sample uses /v4_6_release/)
        ("https://api-na.example.net/v4_6_release/apis/3.0/service/tickets/1/notes?pageSize=1000&page=2",
         "https://api-na.example.net/v2025_1/apis/3.0/service/tickets/1/notes?pageSize=1000&page=2"),
        ("https://HOST/v4_6_release/apis/3.0/time/entries?page=3",
         "https://api-na.example.net/v2025_1/apis/3.0/time/entries?page=3"),
        ("https://api-na.example.net/v2025_1/apis/3.0/time/entries?page=2",
         "https://api-na.example.net/v2025_1/apis/3.0/time/entries?page=2"),
        ("https://evil.example.com/v2025_1/apis/3.0/time/entries?page=2", None),  # the keys never go elsewhere
    ],
)  # fmt: skip
def test_a_next_page_on_another_codebase_is_read_on_the_api_base(link, expected):
    base = "https://api-na.example.net/v2025_1/apis/3.0"
    got = _next_link(_link(base + "/time/entries", link), base)
    assert got == expected
