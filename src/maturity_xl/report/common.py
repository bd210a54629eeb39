"""What every report output shares: writing a file whole or not at all, a value shown as text, and the colours."""

from __future__ import annotations

import html
import math
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from pathlib import Path

import pandas as pd

from ..rounding import rounded

# A diverging scale that stays readable for red-green colour blindness; numbers are always shown on top.
LOW, MID, HIGH = "#F4A582", "#F7F7F7", "#92C5DE"
LEVEL_RAMP = ("#C6DBEF", "#08306B")  # lightest to darkest blue, for the levels of a scale


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: the target is never half-written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.touch(exist_ok=False)  # created through open(), so the report gets the user's normal permissions
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def text(value: object) -> str:
    return "" if blank(value) else str(value)


def escaped(value: object) -> str:
    """A value as HTML text: every piece of returned text goes through here before it reaches a page."""
    return html.escape(text(value))


def fmt_date(value: object) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else text(value)


def fmt_dates(values: Iterable[object]) -> list[str]:
    """`fmt_date` of each value, each distinct date formatted once."""
    shown: dict[date, str] = {}
    out = []
    for value in values:
        if type(value) is date:  # exactly a date: a datetime equal to another may be another day where it is
            formatted = shown.get(value)
            if formatted is None:
                formatted = shown[value] = fmt_date(value)
            out.append(formatted)
        else:
            out.append(fmt_date(value))
    return out


def mean_text(value: object) -> str:
    return "\u2013" if blank(value) else rounded(float(value))


def colour(value: float, low: float, high: float) -> str:
    """The same three-colour scale Excel's conditional format uses, low -> mid -> high."""
    t = 0.5 if high == low else min(max((value - low) / (high - low), 0.0), 1.0)
    a, b, f = (LOW, MID, t * 2) if t <= 0.5 else (MID, HIGH, t * 2 - 1)
    return mix(a, b, f)


def mix(a: str, b: str, f: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(ca, cb))


def level_colour(index: int, count: int) -> str:
    return mix(*LEVEL_RAMP, index / max(count - 1, 1)) if count > 1 else LEVEL_RAMP[1]


@dataclass(frozen=True, slots=True)
class Markup:
    """Markup a report built itself (from escaped parts), to place in a table cell unescaped."""

    html: str
    attrs: str = ""


def html_table(headers: list[str], rows: Iterable[Iterable[object]], numeric: Iterable[int] = (), cls: str = "",
               nowrap: int = -1) -> str:
    """An HTML table; values are escaped here unless already rendered markup (wrapped in Markup). The `numeric`
    columns align right; the `nowrap` column (a change in words) stays on one line. Built column by column: a
    column of text (most of them) costs a look-up per cell, each distinct text escaped once (a table of
    thousands of rows repeats its framework ids, areas and statuses)."""
    numeric = set(numeric)
    num = ' class="num"'
    head = "".join(f"<th{num if i in numeric else ''}>{escaped(h)}</th>" for i, h in enumerate(headers))
    rows = list(map(tuple, rows))
    widths = set(map(len, rows))
    width = widths.pop() if len(widths) == 1 else 0  # 0: rows of several lengths (or none, or empty ones)
    marked = [f"<td{num if i in numeric else ''}" for i in range(max(len(headers), width, *widths))]
    one_line = ' style="white-space:nowrap"'
    plain = [f"{m}{one_line if i == nowrap and i not in numeric else ''}>" for i, m in enumerate(marked)]
    if width:
        columns = [_cells(column, marked[i], plain[i]) for i, column in enumerate(zip(*rows))]
        lines = list(map("".join, zip(repeat("<tr>"), *columns, repeat("</tr>"))))
    else:
        lines = ["<tr>" + "".join(_cells(row[i:i + 1], marked[i], plain[i])[0] for i in range(len(row))) + "</tr>"
                 for row in rows]
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(lines) + "\n</tbody></table>"


class _Escaped(dict):
    """Text -> its table cell, each distinct text escaped once, when first asked for."""

    def __init__(self, opening: str) -> None:
        super().__init__()
        self.opening = opening

    def __missing__(self, value: str) -> str:
        cell = self[value] = f"{self.opening}{html.escape(value)}</td>"
        return cell


def _cells(values: tuple, marked: str, plain: str) -> list[str]:
    """A column's cells: `plain` opens a value's, `marked` (without its closing ">") one of Markup."""
    escape = _Escaped(plain)
    if set(map(type, values)) == {str}:  # only text (not a subclass of it): a look-up per cell, in C
        return list(map(escape.__getitem__, values))
    cells = []
    for value in values:
        if type(value) is str:
            cells.append(escape[value])
        elif isinstance(value, Markup):
            cells.append(f"{marked}{value.attrs}>{value.html}</td>")
        else:
            cells.append(f"{plain}{escaped(value)}</td>")
    return cells
