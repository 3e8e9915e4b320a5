"""The controller's ConnectWise look-ups: a ticket, the ticket finder's searches, work types and roles, a
board's statuses and whom a status e-mails. Each runs on the ``TaskRunner`` (never on the GUI thread) and answers
with one of ``AppController``'s signals or callbacks; results are kept until the engineer's ConnectWise keys
change (:meth:`TicketLookups.forget_lookups`). An answer read with the old keys that arrives after the change is
not used: the look-up is made again with the new keys."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowdesk.logs import get_logger

if TYPE_CHECKING:
    from datetime import datetime

    from PySide6.QtCore import QObject, SignalInstance

    from flowdesk.ui.tasks import TaskRunner

log = get_logger("ui")

FINDER_LIMIT = 20  # tickets the finder shows
# A ticket read longer ago than this is shown as read, and read again: it may have been closed, merged, deleted
# or moved to another company since (the card, the closed-ticket question and the company check follow it).
TICKET_FRESH_SECONDS = 120


class TicketLookups:
    """Mixed into ``AppController``, which owns the signals and the task runner named here."""

    tasks: TaskRunner
    if TYPE_CHECKING:
        ticket_loaded: SignalInstance
        ticket_failed: SignalInstance
        time_lists_loaded: SignalInstance
        board_statuses_loaded: SignalInstance

        clock: Callable[[], datetime]

        def connectwise_client(self) -> Any: ...

    def _init_lookups(self) -> None:
        self._tickets: dict[int, Any] = {}
        self._read_at: dict[int, datetime] = {}  # when each ticket kept in ``_tickets`` was read
        # Every ticket read with these keys, kept when it is read again (its status was set) and that read meets
        # an outage: the card keeps showing it, marked as not checked just now.
        self._last_read: dict[int, Any] = {}
        # Why a ticket could not be looked up (NotFound, PermissionDenied, Offline…): a push checks it.
        self.ticket_failures: dict[int, BaseException] = {}
        self._search_client: Any = None  # one client for the ticket finder's look-ups (built on a worker)
        self._search_lock = threading.Lock()
        self._time_lists_asked = False
        self._keys_round = 0  # times the ConnectWise keys changed: an answer of an earlier round is not used
        self._board_statuses: dict[int, list[Any]] = {}
        self._status_notices: dict[tuple[int, int], list[str]] = {}  # (board, status) -> whom it e-mails

    # -- tickets -------------------------------------------------------------------------------
    def cached_ticket(self, ticket_id: int) -> Any | None:
        return self._tickets.get(ticket_id)

    def ticket_stale(self, ticket_id: int) -> bool:
        """The ticket kept was read more than :data:`TICKET_FRESH_SECONDS` ago (or not at all): read it again."""
        read_at = self._read_at.get(ticket_id)
        return read_at is None or (self.clock() - read_at).total_seconds() > TICKET_FRESH_SECONDS

    def last_read(self, ticket_id: int) -> Any | None:
        """The ticket as last read with these keys, when its latest look-up could not reach ConnectWise (an
        outage: it passes); None otherwise (not read yet, or it failed for good: no such ticket, no right)."""
        from flowdesk.core.ticket_words import passes

        return self._last_read.get(ticket_id) if passes(self.ticket_failures.get(ticket_id)) else None

    def lookup_ticket(self, ticket_id: int, client_factory: Callable[[], Any]) -> None:
        """Look a ticket up off the GUI thread; answers with ``ticket_loaded`` or ``ticket_failed``."""

        asked = self._keys_round

        def work() -> Any:
            with client_factory() as client:
                return client.get_ticket(ticket_id)

        def again() -> bool:
            return self._ask_again(asked, "ticket", lambda: self.lookup_ticket(ticket_id, client_factory))

        def done(ticket: Any) -> None:
            if again():
                return
            self._tickets[ticket_id] = self._last_read[ticket_id] = ticket
            self._read_at[ticket_id] = self.clock()
            self.ticket_failures.pop(ticket_id, None)
            self.ticket_loaded.emit(ticket_id, ticket)

        def failed(exc: BaseException) -> None:
            if again():
                return
            self.ticket_failures[ticket_id] = exc
            from flowdesk.connectwise.errors import NotFound, PermissionDenied

            if isinstance(exc, NotFound | PermissionDenied):  # deleted (or merged away): not shown as once read
                self._tickets.pop(ticket_id, None)
            self.ticket_failed.emit(ticket_id, str(exc))

        self.ticket_failures.pop(ticket_id, None)
        self.tasks.submit(work, on_done=done, on_error=failed, name="ticket")

    def ticket_changed(self, ticket_id: int) -> None:
        """FlowDesk changed the ticket (its status was set): a ticket read before is read again, so that its
        card, the statuses offered and the closed-ticket question follow what it is now."""
        if self._tickets.pop(ticket_id, None) is not None:
            self.lookup_ticket(ticket_id, self.connectwise_client)

    def look_up_again_after_an_outage(self, most: int = 3, *, keyring: bool = False) -> None:
        """ConnectWise answered again (a push was stored): the latest tickets whose look-up met an outage (a
        server error, no network, a rate limit) are looked up again, so a card does not keep saying that
        ConnectWise cannot be reached once it is back. ``keyring``: the keys were just read (a push was sent),
        so those the keyring refused (locked, an unlock cancelled) too; not on the network's return, which
        says nothing of the keyring and would ask for its password again."""
        from flowdesk.core.ticket_words import PASSING_KINDS

        def again(exc: BaseException) -> bool:
            return getattr(exc, "kind", None) in PASSING_KINDS or (keyring and getattr(exc, "keyring", None) is not None)

        transient = [t for t, exc in self.ticket_failures.items() if again(exc)]
        for ticket_id in transient[-most:]:
            self.lookup_ticket(ticket_id, self.connectwise_client)

    def search_tickets(
        self, text: str, client_name: str | None, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
        owner: QObject | None = None,
    ) -> None:
        """The ticket finder's look-up, off the GUI thread: ``on_done(list[Ticket])`` (the session's client's
        first) or ``on_error(exc)``, on the GUI thread, unless ``owner`` (the finder) is gone by then. One
        client serves every look-up (no sign-in per key)."""
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.search import find_tickets, parse_ticket_text

        asked = self._keys_round

        def work() -> Any:
            with self._search_lock:
                if self._search_client is None:
                    self._search_client = self.connectwise_client()
                client = self._search_client
            return find_tickets(client, parse_ticket_text(text), client_name=client_name, limit=FINDER_LIMIT)

        def again() -> bool:
            return self._ask_again(
                asked, "ticket search", lambda: self.search_tickets(text, client_name, on_done, on_error, owner)
            )

        def done(found: Any) -> None:
            if not again():
                on_done(found)

        def failed(exc: BaseException) -> None:
            if not again():
                on_error(exc)

        self.tasks.submit(work, on_done=done, on_error=failed, name="ticket search", owner=owner)

    def forget_lookups(self) -> None:
        """New keys (perhaps another company's ConnectWise, where the same ids are other tickets, boards,
        statuses, work types and roles; or another member, with other default work type and role): what was
        read with the old ones is read again when next needed, and an answer still on its way is not used.
        The work types and roles are read again now: until they arrive, the time entry offers only the
        member's defaults, never an id of the old keys' lists."""
        self._keys_round += 1
        self._tickets.clear()
        self._last_read.clear()
        self.ticket_failures.clear()
        self._board_statuses.clear()
        self._status_notices.clear()
        self._drop_search_client()
        if self._time_lists_asked:
            self._time_lists_asked = False
            self.time_lists_loaded.emit([], [])
            self.load_time_lists()

    def _ask_again(self, asked: int, what: str, again: Callable[[], None]) -> bool:
        """An answer to a look-up made at keys round ``asked`` came: True, and the look-up made again, when the
        keys changed since (what it read may belong to another ConnectWise or member); False when it stands."""
        if asked == self._keys_round:
            return False
        log.info("%s read with the previous ConnectWise keys: read again", what)
        again()
        return True

    def _drop_search_client(self) -> None:
        with self._search_lock:
            client, self._search_client = self._search_client, None
        if client is not None:
            client.close()

    def load_time_lists(self) -> None:
        """ConnectWise's work types and roles, once per keys, off the GUI thread (``time_lists_loaded``); a
        failure leaves the member's defaults, which ConnectWise applies."""
        if self._time_lists_asked:
            return
        self._time_lists_asked = True
        asked = self._keys_round

        def work() -> tuple[list[Any], list[Any]]:
            with self.connectwise_client() as client:
                return client.work_types(), client.work_roles()

        def done(lists: tuple[list[Any], list[Any]]) -> None:
            if not self._ask_again(asked, "work types", self.load_time_lists):
                self.time_lists_loaded.emit(*lists)

        def failed(exc: BaseException) -> None:
            if not self._ask_again(asked, "work types", self.load_time_lists):
                log.info("work types not read: %s", exc)

        self.tasks.submit(work, on_done=done, on_error=failed, name="time lists")

    def load_board_statuses(self, board_id: int) -> None:
        """A board's statuses off the GUI thread (``board_statuses_loaded``), read once per board; a failure
        leaves "Leave as is" the only choice."""
        if board_id in self._board_statuses:
            self.board_statuses_loaded.emit(board_id, self._board_statuses[board_id])
            return

        asked = self._keys_round

        def work() -> list[Any]:
            with self.connectwise_client() as client:
                return client.board_statuses(board_id)

        def again() -> bool:
            return self._ask_again(asked, "board statuses", lambda: self.load_board_statuses(board_id))

        def done(statuses: list[Any]) -> None:
            if not again():
                self._board_statuses[board_id] = statuses
                self.board_statuses_loaded.emit(board_id, statuses)

        def failed(exc: BaseException) -> None:
            if not again():
                log.info("board statuses not read: %s", exc)

        self.tasks.submit(work, on_done=done, on_error=failed, name="board statuses")

    def load_status_notice(
        self, board_id: int, status_id: int, name: str, show: Callable[[int, int, str], None], owner: QObject | None = None
    ) -> None:
        """Whom ConnectWise e-mails when a ticket is set to this status (its board's status notifications), read
        off the GUI thread once per status: ``show(board_id, status_id, words)`` on the GUI thread, unless
        ``owner`` (the widget showing it) is gone by then."""
        from flowdesk.core.present import status_notice, status_notice_unknown

        key = (board_id, status_id)
        if key in self._status_notices:
            show(board_id, status_id, status_notice(name, self._status_notices[key]))
            return

        asked = self._keys_round

        def work() -> list[str]:
            with self.connectwise_client() as client:
                return list(client.status_notifications(board_id, status_id))

        def again() -> bool:
            return self._ask_again(
                asked, "status notifications", lambda: self.load_status_notice(board_id, status_id, name, show, owner)
            )

        def done(recipients: list[str]) -> None:
            if again():
                return
            self._status_notices[key] = recipients
            show(board_id, status_id, status_notice(name, recipients))

        def failed(exc: BaseException) -> None:
            if again():
                return
            log.info("status notifications not read: %s", exc)
            show(board_id, status_id, status_notice_unknown(name, getattr(exc, "kind", None)))

        self.tasks.submit(work, on_done=done, on_error=failed, name="status notifications", owner=owner)
