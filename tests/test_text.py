"""The one shortening rule for long names in messages and reports."""

import pytest

from dla_advisor._text import ellipsize


@pytest.mark.parametrize("text,limit,expected", [
    ("short", 10, "short"),
    ("exactly10!", 10, "exactly10!"),
    ("/model.23/dfl/Softmax_output_0", 12, "/model.23..."),
    ("abcdef", 2, "..."),
])
def test_a_long_name_keeps_its_start_and_ends_in_an_ellipsis(text, limit, expected):
    out = ellipsize(text, limit)
    assert out == expected
    assert len(out) <= max(limit, 3)


def test_the_attribution_note_and_the_inspect_table_shorten_alike():
    from dla_advisor.artifacts import _attribution
    from dla_advisor.report import inspect_text

    name = "{ForeignNode[" + "/backbone/layer" * 10 + "]}"
    assert _attribution._short(name) == ellipsize(name, 80) == inspect_text._short(name, 80)
    assert len(_attribution._short(name)) == 80
