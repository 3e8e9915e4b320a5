"""The time entry's work types and roles follow the engineer's ConnectWise keys: new keys (another company's
ConnectWise, where the same ids mean other things, or another member) read them again, the choice is made again
from the new lists, and an answer read with the old keys that arrives late is not used. Real Qt widgets
against the sandbox; no sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from .test_window import _select, _start, make_app  # noqa: F401 - make_app is a fixture

pytestmark = pytest.mark.usefixtures("qapp")

WORK_TYPES = "*/time/workTypes"
OTHER_TYPES = [{"id": 21, "name": "Consulting"}, {"id": 22, "name": "Travel"}]  # the other company's
OTHER_ROLES = [{"id": 8, "name": "Field Technician"}, {"id": 31, "name": "Architect"}]  # role 8 is also theirs


def _items(combo: Any) -> list[tuple[Any, str]]:
    return [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())]


def _other_company(sandbox_admin: Any) -> None:
    """From now on ConnectWise answers with the other company's work types and roles."""
    sandbox_admin.add_fault(method="GET", path=WORK_TYPES, status=200, json=OTHER_TYPES, times=None)
    sandbox_admin.add_fault(method="GET", path="*/time/workRoles", status=200, json=OTHER_ROLES, times=None)


def _all_done(fd: Any, qtbot: Any) -> Any:
    """Waits, on leaving the block, until every look-up has answered."""
    return qtbot.waitSignal(fd.controller.tasks.busy_changed, check_params_cb=lambda busy: not busy, timeout=15000)


def _new_lists(fd: Any, qtbot: Any) -> None:
    """New keys saved: wait for the work types and roles read with them."""
    with qtbot.waitSignal(fd.controller.time_lists_loaded, check_params_cb=lambda types, _: bool(types), timeout=15000):
        fd.controller.account_changed()


def test_new_keys_read_the_work_types_and_roles_again(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    panel = fd.window.panel
    box = panel.time_box
    qtbot.waitUntil(lambda: box.work_type.count() > 1, timeout=15000)
    assert box.work_type.findData(3) > 0 and box.work_role.findData(8) > 0
    for combo, chosen in ((box.work_type, 3), (box.work_role, 8)):  # the engineer's choices for this session
        combo.setCurrentIndex(combo.findData(chosen))
        combo.activated.emit(combo.currentIndex())

    _other_company(sandbox_admin)
    _new_lists(fd, qtbot)
    assert _items(box.work_type) == [(None, "Default"), (21, "Consulting"), (22, "Travel")]
    assert _items(box.work_role) == [(None, "Default"), (8, "Field Technician"), (31, "Architect")]
    # work type 3 is not theirs: the member's default; role 8 still is: kept
    assert (box.work_type.currentData(), box.work_role.currentData()) == (None, 8)


def test_an_answer_read_with_the_old_keys_is_not_used(make_app, qtbot, sandbox_admin):  # noqa: F811
    """The work types were still being read when the keys changed: that answer, arriving after the new keys'
    lists, would put the old company's ids back in the box (and in the next time entry)."""
    fd = make_app()
    _start(fd, qtbot)
    sandbox_admin.add_fault(method="GET", path=WORK_TYPES, hold="before_store", times=1)
    _select(fd, qtbot, 48211)
    sandbox_admin.wait("held", 1, path=WORK_TYPES)  # the old keys' look-up, on its way
    box = fd.window.panel.time_box
    _other_company(sandbox_admin)
    _new_lists(fd, qtbot)
    assert [d for d, _name in _items(box.work_type)] == [None, 21, 22]

    with _all_done(fd, qtbot):
        sandbox_admin.release()  # the old keys' answer arrives last
    assert [d for d, _name in _items(box.work_type)] == [None, 21, 22]
    assert [d for d, _name in _items(box.work_role)] == [None, 8, 31]


def test_until_the_new_lists_arrive_only_the_members_defaults_are_offered(make_app, qtbot, sandbox_admin):  # noqa: F811
    fd = make_app()
    _start(fd, qtbot)
    _select(fd, qtbot, 48211)
    box = fd.window.panel.time_box
    qtbot.waitUntil(lambda: box.work_type.count() > 1, timeout=15000)
    box.select(4, 7, None)
    sandbox_admin.add_fault(method="GET", path=WORK_TYPES, status=403, times=None)  # the new keys may not
    with _all_done(fd, qtbot):
        fd.controller.account_changed()
    assert _items(box.work_type) == [(None, "Default")] and _items(box.work_role) == [(None, "Default")]
