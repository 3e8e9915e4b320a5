"""Right-to-left names inside a line of ours are isolated; left-to-right ones are left exactly as they were."""

from __future__ import annotations

from flowdesk.core.bidi import FSI, PDI, isolate, joined, right_to_left


def test_only_a_part_with_a_right_to_left_letter_is_isolated():
    assert right_to_left("ليلى حداد") and right_to_left("קסלר בע״מ") and right_to_left("Kessler ליל")
    assert not right_to_left("Bäckerei Müller & Söhne GmbH") and not right_to_left("2026-11-22 11:31")
    assert not right_to_left("日本語") and not right_to_left("")
    assert isolate("ليلى حداد") == f"{FSI}ليلى حداد{PDI}"
    assert isolate("Jordan Blake") == "Jordan Blake"


def test_joined_drops_empty_parts_and_isolates_each_right_to_left_one():
    assert joined(["Resolved", None, "", "Jordan Blake"]) == "Resolved · Jordan Blake"
    assert joined(["Escalated", "ليلى", "2026-11-22 11:31"]) == f"Escalated · {FSI}ليلى{PDI} · 2026-11-22 11:31"


def test_isolate_names_wraps_each_right_to_left_run_and_leaves_the_rest():
    from flowdesk.core.bidi import FSI, PDI, isolate_names

    assert isolate_names("Ticket #48211 failed") == "Ticket #48211 failed"
    assert isolate_names("the contact ليلى حداد 48211 is inactive") == f"the contact {FSI}ليلى حداد{PDI} 48211 is inactive"
    assert isolate_names("a שלום, b עולם 2 c") == f"a {FSI}שלום{PDI}, b {FSI}עולם{PDI} 2 c"
    already = f"x {FSI}ليلى{PDI} y"  # a name joined() isolated: not wrapped again
    assert isolate_names(already + " שלום") == already + f" {FSI}שלום{PDI}"


def test_right_to_left_knows_every_right_to_left_letter_and_nothing_else():
    import sys
    import unicodedata

    from flowdesk.core.bidi import right_to_left

    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert right_to_left(f"Note — {c}") == (unicodedata.bidirectional(c) in ("R", "AL")), hex(code)
