"""``GET /service/tickets`` and ``/project/tickets`` lists as ConnectWise answers them (ref §7): conditions,
orderBy, paging with ``Link`` headers, fields, count."""

from __future__ import annotations

import httpx

from flowdesk.sandbox.conditions import CW_CONDITION_HELP


def test_the_service_list_holds_service_tickets_only(cw: httpx.Client) -> None:
    rows = cw.get("service/tickets", params={"pageSize": 1000}).json()
    assert rows and {r["recordType"] for r in rows} == {"ServiceTicket"}
    assert "statusTimeEntryNotAllowed" not in rows[0]  # the sandbox's hint is not a ticket field
    assert [r["id"] for r in cw.get("project/tickets").json()] == [31207]
    assert cw.get("service/tickets/count").json() == {"count": len(rows)}


def test_conditions_order_and_fields(cw: httpx.Client) -> None:
    resp = cw.get(
        "service/tickets",
        params={
            "conditions": 'company/name like "kessler%" and closedFlag = false',
            "orderBy": "_info/lastUpdated desc",
            "fields": "id,summary,company/name,_info/lastUpdated",
        },
    )
    assert resp.status_code == 200
    rows = resp.json()
    assert [r["id"] for r in rows] == [48405, 48523, 48531, 48554]
    assert set(rows[0]) == {"id", "summary", "company", "_info"} and rows[0]["company"] == {"name": "Kessler Precision Machining"}
    words = cw.get("service/tickets", params={"conditions": 'summary contains "outlook" and summary contains "PASSWORD"'})
    assert [r["id"] for r in words.json()] == [48211, 48542]


def test_paging_has_link_headers(cw: httpx.Client) -> None:
    first = cw.get("service/tickets", params={"conditions": "closedFlag = false", "pageSize": 5, "orderBy": "id asc"})
    total = cw.get("service/tickets/count", params={"conditions": "closedFlag = false"}).json()["count"]
    assert len(first.json()) == 5 and total > 10
    assert set(first.links) == {"next", "last"}
    second = cw.get(first.links["next"]["url"])
    assert [r["id"] for r in second.json()] != [r["id"] for r in first.json()]
    last = cw.get(first.links["last"]["url"])
    assert set(last.links) == {"first"}
    assert len(last.json()) == total - 5 * ((total - 1) // 5)


def test_a_bad_condition_is_connectwise_s_400(cw: httpx.Client) -> None:
    resp = cw.get("service/tickets", params={"conditions": "closedFlag = 1"})
    assert resp.status_code == 400 and resp.json()["message"].endswith(CW_CONDITION_HELP)
    assert cw.get("service/tickets", params={"conditions": 'sumary contains "x"'}).status_code == 400
    assert cw.get("service/tickets", params={"orderBy": "nosuchfield desc"}).status_code == 400
