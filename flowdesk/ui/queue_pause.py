"""The controller's pause actions: *Pause sending* (the engineer's own pause), the banner's *Resume*, and saving the
account (which lifts the pause after ConnectWise refused the keys or the company ID); and what the window shows
when a pause lifts.

The pause is read once per published queue status (:class:`~flowdesk.store.PauseState`, carried by
:class:`~flowdesk.ui.queue_status.QueueStatus`): the window's and the tray's *Pause sending* and its tooltip say
that read (:attr:`QueuePause.pause`), not SQLite again. When a refused account's pause lifts — by Settings, by
`flowdesk connect` in a terminal, by Resume — the pushes it left waiting no longer say "paused until your
ConnectWise keys are fixed" (the store clears those words): the queue, the session list and the note pane show
them again at once, not at the next run."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flowdesk.core import present
from flowdesk.store import PauseState
from flowdesk.ui.queue_banners import paused_banner

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer, SignalInstance

    from flowdesk.core.settings import Settings
    from flowdesk.services import Services

USER_PAUSE = present.USER_PAUSE
_SAID_PAUSED = ("pending", "unknown")  # the states of the pushes a refused account's pause left saying so
_WAITING = ("pending", "retry_wait", "unknown")  # what a pause holds: their words change when it starts or ends


class QueuePause:
    """Mixed into ``AppController``, which owns the store, the drain and the banners named here."""

    services: Services
    drain_timer: QTimer
    clock: Callable[[], datetime]
    pause: PauseState = PauseState()  # as the last published queue status read it
    if TYPE_CHECKING:
        banner_shown: SignalInstance

        @property
        def settings(self) -> Settings: ...
        def drain_now(self, fresh: bool = False) -> int: ...
        def forget_lookups(self) -> None: ...
        def show_banner(self, banner: Any) -> None: ...
        def clear_banner(self, key: str) -> None: ...
        def _publish_queue_status(self) -> None: ...
        push: Any

    def set_paused(self, paused: bool) -> None:
        """*Pause sending*, the engineer's own pause: on, every push waits; off, that pause is lifted. A member
        pause is not theirs: it stays (holding everything while their pause is on), and nothing changes owner."""
        outbox = self.services.outbox
        if paused:
            outbox.pause_whole(USER_PAUSE)
            self.drain_timer.stop()
        else:
            outbox.lift_whole_pause()
            self.drain_now(fresh=True)
        reason = outbox.paused_reason()
        if reason:
            self.show_banner(paused_banner(self.services.outbox, reason))
        else:
            self.clear_banner("queue")
        self._publish_queue_status()

    def resume(self) -> None:
        """The banner's *Resume*: every pause is lifted; after one for another member's pushes, they are sent as
        the member signed in now."""
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.account import AccountError, profile_key

        profile = self.settings.connectwise
        try:
            site = profile_key(profile)
            self.services.outbox.resume(site=site, member=profile.member_identifier, member_name=profile.member_name)
        except AccountError:  # no usable account: nothing can be sent as anyone, the pause is lifted all the same
            self.services.outbox.resume()
        self.clear_banner("queue")
        self.drain_now(fresh=True)
        self._publish_queue_status()

    def is_paused(self) -> bool:
        """Whether *Pause sending* is on: the engineer's own pause (:meth:`set_paused`), not a member pause nor the
        one after ConnectWise refused the keys or company ID, which saving the account lifts. Read now (the
        window and the tray say :attr:`pause`, read with the queue's status)."""
        return self.services.outbox.whole_pause(own=True) is not None

    def account_changed(self) -> None:
        """New ConnectWise keys: rebuild the client, lift a pause caused by rejected keys or an unknown company
        ID, send. Another member's keys with pushes of others waiting pause those instead (kind ``member``):
        ConnectWise would record them as the new member's (and a check would look for the new member's notes),
        so the engineer decides; their own member's keys again lift that pause (``hold_for_member``)."""
        # lazy: httpx, not before the first paint
        from flowdesk.connectwise.account import AccountError, profile_key
        from flowdesk.push.members import hold_for_member

        self.forget_lookups()
        self.push.reset_requested.emit()
        outbox, profile = self.services.outbox, self.settings.connectwise
        if outbox.paused_kind() == "account":  # ConnectWise refused the old keys or company ID: the new ones may do
            outbox.resume()
        with contextlib.suppress(AccountError):  # no usable account: no member to hold pushes for
            hold_for_member(outbox, profile_key(profile), profile.member_identifier, profile.member_name, self.clock())
        paused = outbox.paused_reason()
        if paused:  # the engineer's own pause is theirs to lift; a member pause still holds others' pushes
            self.show_banner(paused_banner(self.services.outbox, paused))
        else:
            self.clear_banner("queue")
        self._publish_queue_status()
        self.drain_now()

    def _pause_read(self, pause: PauseState) -> list[Any]:
        """The pause as the queue's status just read it. A refused account's pause gone since the last read
        (Settings, `flowdesk connect`, Resume): the pushes it left waiting, to show again without its words."""
        lifted = self.pause.for_account and not pause.for_account
        flipped = self.pause.sending_paused != pause.sending_paused  # "Check paused" / "Checking at …": said again
        self.pause = pause
        return self.services.outbox.jobs(states=_WAITING if flipped else _SAID_PAUSED) if lifted or flipped else []
