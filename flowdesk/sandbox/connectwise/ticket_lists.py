"""Ticket lists: ``GET /service/tickets`` and ``GET /project/tickets`` (and their ``/count``), answered the way
ConnectWise answers them (ref §4, §7): ``conditions``, ``orderBy``, ``page``/``pageSize`` with RFC 5988 ``Link``
headers, ``fields``. The service list holds service tickets only and the project list project tickets only
(ref §4: "latest-version /service/tickets lists omit project tickets")."""

from __future__ import annotations

from typing import Any

from flowdesk.sandbox import conditions as cond
from flowdesk.sandbox.connectwise.common import KIND_BY_TYPE, count_response, list_response, security
from flowdesk.sandbox.connectwise.tickets import Tickets
from flowdesk.sandbox.http import Request, Response, route
from flowdesk.sandbox.state import SandboxState

# Every field a seeded ticket may carry, fully populated, so that a condition on any of them is checked
# against its type (a typo is a 400, as on ConnectWise) even when no ticket has the field.
TICKET_TEMPLATE: dict[str, Any] = {
    "id": 1, "summary": "x", "recordType": "ServiceTicket",
    "board": {"id": 1, "name": "x"}, "status": {"id": 1, "name": "x"},
    "company": {"id": 1, "identifier": "x", "name": "x"}, "contactName": "x",
    "priority": {"id": 1, "name": "x"}, "closedFlag": False, "actualHours": 0.0,
    "project": {"id": 1, "name": "x"}, "phase": {"id": 1, "name": "x"},
    "_info": {"lastUpdated": "2026-01-01T00:00:00Z", "updatedBy": "x", "dateEntered": "2026-01-01T00:00:00Z",
              "enteredBy": "x"},
}  # fmt: skip


class TicketLists:
    def __init__(self, state: SandboxState, tickets: Tickets) -> None:
        self.state = state
        self.tickets = tickets
        self.schema = cond.schema_of(TICKET_TEMPLATE)

    def _records(self, kind: str) -> list[dict[str, Any]]:
        with self.state.cond:
            seeded = list(self.state.tickets.values())
        return [self.tickets.public(t) for t in seeded if KIND_BY_TYPE.get(str(t.get("recordType"))) == kind]

    @route("GET", r"/(?P<kind>service|project)/tickets")
    def list_tickets(self, req: Request, kind: str) -> Response:
        if not self.tickets.may_read():
            return security()
        return list_response(req, self._records(kind.lower()), self.schema, state=self.state)

    @route("GET", r"/(?P<kind>service|project)/tickets/count")
    def count_tickets(self, req: Request, kind: str) -> Response:
        if not self.tickets.may_read():
            return security()
        return count_response(req, self._records(kind.lower()), self.schema)
