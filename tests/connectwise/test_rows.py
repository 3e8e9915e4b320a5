"""Reading ConnectWise's rows: a server's odd values are no id, never an exception."""

from __future__ import annotations

import pytest

from flowdesk.connectwise.rows import ref_id, ticket_of


@pytest.mark.parametrize(("value", "expected"), [(7, 7), ("7", 7), ("²", None), ("1²", None), ("", None), (True, None), (None, None)])
def test_an_id_is_a_whole_number_or_its_digits(value, expected):
    """{"id": "²"} from a server ended in ValueError (str.isdigit says yes, int says no) where a row was read."""
    assert ref_id({"id": value}) == expected


def test_a_ticket_row_with_an_odd_id_is_no_ticket():
    assert ticket_of({"id": "²", "summary": "x"}, "service") is None
