"""report.common.html_table, built column by column with each distinct text escaped once, against the cell-by-cell
table it replaced: the same markup for rows of every kind of value, Markup, and rows of several lengths."""

from __future__ import annotations

import html
import random
from datetime import UTC, date

import numpy as np
import pandas as pd
import pytest

from maturity_xl.report.common import Markup, escaped, fmt_date, fmt_dates, html_table


def _reference(headers, rows, numeric=(), cls="", nowrap=-1) -> str:
    numeric = set(numeric)
    num = ' class="num"'
    head = "".join(f"<th{num if i in numeric else ''}>{escaped(h)}</th>" for i, h in enumerate(headers))
    lines = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            content = value.html if isinstance(value, Markup) else escaped(value)
            attrs = value.attrs if isinstance(value, Markup) else (
                ' style="white-space:nowrap"' if i == nowrap and i not in numeric else "")
            cells.append(f"<td{num if i in numeric else ''}{attrs}>{content}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(lines) + "\n</tbody></table>"


class Sub(str):
    def __str__(self) -> str:
        return "sub:" + self


VALUES = ["plain", "<b>bold</b> & co", '"quoted"', "it's", "", " ", "\u00e9t\u00e9", None, float("nan"), pd.NA,
          pd.NaT, 0, 1, True, False, 1.0, -0.0, 2.5, np.int64(3), np.float64(0.25), np.str_("np<str>"), Sub("x<"),
          date(2026, 1, 5), Markup("<em>kept</em>"), Markup("3.2<br><small>4/5</small>", ' style="background:#fff"')]


@pytest.mark.parametrize("seed", range(4))
def test_the_same_markup_as_cell_by_cell(seed):
    rng = random.Random(seed)
    width = rng.randint(1, 6)
    headers = [rng.choice(["A", "B & C", "<D>"]) for _ in range(width)]
    text_only = rng.randrange(width)  # one column of text alone, to take the look-up path
    rows = [[rng.choice(VALUES[:7]) if i == text_only else rng.choice(VALUES) for i in range(width)]
            for _ in range(200)]
    kwargs = {"numeric": rng.sample(range(width), rng.randint(0, width)), "cls": rng.choice(["", "heat"]),
              "nowrap": rng.randint(-1, width)}
    assert html_table(headers, rows, **kwargs) == _reference(headers, rows, **kwargs)
    as_tuples = [tuple(r) for r in rows]
    assert html_table(headers, iter(as_tuples), **kwargs) == _reference(headers, as_tuples, **kwargs)


@pytest.mark.parametrize("rows", [
    [], [[]], [[], []], [["a"], ["b", "c"], []], [["a", 1, "x"], ["b", 2]], [["a"] * 5],
], ids=["none", "one-empty", "two-empty", "ragged", "shorter", "longer-than-headers"])
def test_odd_shapes(rows):
    for numeric, nowrap in (((), -1), ((1,), 2), ((0, 4), 4)):
        assert html_table(["h1", "h2", "h3"], rows, numeric, "c", nowrap) == \
            _reference(["h1", "h2", "h3"], rows, numeric, "c", nowrap)


def test_every_distinct_text_escaped_once(monkeypatch):
    calls = []
    monkeypatch.setattr(html, "escape", lambda s, quote=True: calls.append(s) or s.replace("<", "&lt;"))
    out = html_table(["x"], [["<a>"], ["<a>"], ["b"], ["<a>"]])
    assert out.count("<td>&lt;a></td>") == 3 and sorted(calls) == ["<a>", "b", "x"]


def test_dates_formatted_as_each_alone():
    from datetime import datetime, timedelta, timezone

    values = [date(2026, 1, 5), None, date(2026, 1, 5), datetime(2026, 1, 5, 23, tzinfo=UTC),
              datetime(2026, 1, 6, 0, tzinfo=timezone(timedelta(hours=1))), pd.Timestamp("2026-02-01"), "text", 3]
    assert fmt_dates(values) == [fmt_date(v) for v in values]
