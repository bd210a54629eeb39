"""Many rows at once: a detail sheet's block of rows written straight as worksheet XML, column by column.

XlsxWriter stores every cell as an object, checks it, looks its text up in the shared-strings table and writes it
back out through a call per attribute: about 10-15 microseconds a cell here, and the detail sheets of a
collection of 1,000 returns hold over a million cells. This module writes a block of rows as the XML Excel reads,
once, when XlsxWriter assembles the sheet: each column's cells are made by one comprehension, text as inline
strings (escaped as XlsxWriter escapes them: `&<>`, control characters as `_xHHHH_`, whitespace kept), numbers
and dates (as Excel serial numbers) by their type, and each row's height from its longest wrapped text. The rest
of the sheet (titles, headers, tables, filters, print settings) is still XlsxWriter's.

Text is only ever written as text: a value starting with "=" or "http://" is an inline string, never a formula
or a link, as `Sheet.put` writes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from .sheet import EXCEL_MAX_TEXT, Sheet

_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_EPOCH = date(1899, 12, 30).toordinal()


def _escaped(text: str) -> str:
    """Text as XlsxWriter writes it into a cell: the escape's escape, control characters as _xHHHH_, XML's three."""
    text = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(text: str) -> str:
    if len(text) > EXCEL_MAX_TEXT:
        text = text[:EXCEL_MAX_TEXT]
    if _ESCAPE.search(text):
        text = _escaped(text)
    if text[0].isspace() or text[-1].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f' t="inlineStr"><is><t>{text}</t></is></c>'


def _serial(value: date) -> float:
    """An Excel date serial (the 1900 system, as XlsxWriter writes it for dates after February 1900)."""
    days = value.toordinal() - _EPOCH
    if isinstance(value, datetime):
        midnight = value.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        return days + (value.replace(tzinfo=None) - midnight).total_seconds() / 86400
    return days


@dataclass(slots=True)
class Column:
    """One column of a block: its values (a list, one per row), the cell format (an XlsxWriter Format or None),
    the format for dates in it, whether its text wraps (and so counts for the row's height) at `width`, and a
    format per row instead of `fmt` (`styles`)."""

    values: Sequence[object]
    fmt: object = None
    date_fmt: object = None
    width: float | None = None
    styles: Sequence[object] | None = None


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula cell's formula (without "=") and the value it has, stored so every application shows it before
    recalculating (XlsxWriter's write_formula with a value)."""

    formula: str
    value: object


def _cell_tail(value: object, style: str, date_style: str) -> str | None:
    """The rest of one cell's XML after `<c r="A1"`, by the value's type; None for a blank cell with no style."""
    kind = type(value)
    if kind is str:
        return style + _inline(value) if value else (style + "/>" if style else None)
    if kind is int or kind is float:
        if value != value or value in (math.inf, -math.inf):
            return style + "/>" if style else None
        return f"{style}><v>{value:.16g}</v></c>"
    if kind is bool:
        return f'{style} t="b"><v>{int(value)}</v></c>'
    if value is None or value is pd.NaT or value is pd.NA:  # NaT is a datetime too
        return style + "/>" if style else None
    if kind is Formula:
        cached = value.value
        f = _escaped(value.formula)
        if type(cached) is str:
            return f'{style} t="str"><f>{f}</f><v>{_escaped(cached)}</v></c>'
        return f"{style}><f>{f}</f><v>{cached:.16g}</v></c>"
    if isinstance(value, date):
        return f"{date_style}><v>{_serial(value):.16g}</v></c>"
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp; NaT is blank
        return _cell_tail(None if value != value else value.to_pydatetime(), style, date_style)
    if value != value:  # NaN
        return style + "/>" if style else None
    if hasattr(value, "item"):  # a numpy scalar
        return _cell_tail(value.item(), style, date_style)
    return style + _inline(str(value))


def _style(fmt: object) -> str:
    return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""


def _column_cells(letter: str, numbers: list[str], column: Column, default_date: object) -> list[str]:
    if column.styles is not None:  # a format per row: each cell by its type, with its own
        styles = {id(f): _style(f) for f in column.styles}
        return [_other(letter, number, value, styles[id(f)], styles[id(f)] or _style(default_date))
                for number, value, f in zip(numbers, column.values, column.styles)]
    style = _style(column.fmt)
    date_style = _style(column.date_fmt or column.fmt or default_date)
    special = _ESCAPE.search
    head = f'{style} t="inlineStr"><is><t>'
    # Plain text, the common case, in one f-string (nothing to escape, no whitespace to keep at either end,
    # within Excel's limit: strip() hands back the very string when there is nothing to strip); anything
    # else by its type.
    return [f'<c r="{letter}{number}"{head}{value}</t></is></c>'
            if type(value) is str and value and value.strip() is value and len(value) <= EXCEL_MAX_TEXT
            and not special(value) else
            f'<c r="{letter}{number}"{style}><v>{value}</v></c>' if type(value) is int else
            _other(letter, number, value, style, date_style)
            for number, value in zip(numbers, column.values)]


def _other(letter: str, number: str, value: object, style: str, date_style: str) -> str:
    tail = _cell_tail(value, style, date_style)
    return "" if tail is None else f'<c r="{letter}{number}"{tail}'


def _heights(columns: Sequence[Column], rows: int) -> list[str]:
    """Each row's height attribute for its wrapped text (15 points a line, at most 409), as Sheet.fit sizes one:
    the lines of a text without a line break from its length, whole columns at a time."""
    lines = np.ones(rows, dtype=np.int64)
    for column in columns:
        if column.width is None:
            continue
        width = max(column.width * 1.1 - 1, 1)
        texts = [v if type(v) is str else "" for v in column.values]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=rows)
        need = np.ceil(np.maximum(lengths, 1) / width).astype(np.int64)
        for i in [i for i, t in enumerate(texts) if "\n" in t]:
            need[i] = sum(math.ceil(max(len(part), 1) / width) for part in texts[i].split("\n"))
        np.maximum(lines, need, out=lines)
    return ["" if n == 1 else f' ht="{min(15 * n, 409)}" customHeight="1"' for n in lines.tolist()]


class Block:
    """Rows `first` to `first + rows - 1` of a sheet, from column `col` on, written when the sheet is assembled."""

    def __init__(self, s: Sheet, first: int, columns: Sequence[Column], col: int = 0):
        self.first, self.col, self.columns = first, col, list(columns)
        self.rows = len(self.columns[0].values) if self.columns else 0
        self.default_date = s.fmt["date"]
        if self.rows:
            for column in self.columns:  # give each format its index now: XlsxWriter numbers the used ones
                for fmt in (column.fmt, column.date_fmt, *{id(f): f for f in column.styles or ()}.values()):
                    if fmt is not None:
                        fmt._get_xf_index()
            self.default_date._get_xf_index()
            s.ws._check_dimensions(first, col)
            s.ws._check_dimensions(self.last, col + len(self.columns) - 1)
            _install(s.ws, self)

    @property
    def last(self) -> int:
        return self.first + max(self.rows, 1) - 1

    def write(self, fh, chunk: int = 4096) -> None:
        """The block's rows as XML into `fh`, `chunk` rows at a time (so the XML of a whole sheet is never held)."""
        for start in range(0, self.rows, chunk):
            stop = min(start + chunk, self.rows)
            numbers = [str(self.first + r + 1) for r in range(start, stop)]
            part = [Column(c.values[start:stop], c.fmt, c.date_fmt, c.width,
                           None if c.styles is None else c.styles[start:stop]) for c in self.columns]
            cells = [_column_cells(xl_col_to_name(self.col + j), numbers, c, self.default_date)
                     for j, c in enumerate(part)]
            heights = _heights(part, stop - start)
            fh.write("".join(f'<row r="{n}"{h}>{"".join(row)}</row>' for n, h, *row in zip(numbers, heights, *cells)))


def _install(ws, block: Block) -> None:
    """Have XlsxWriter write `block` in its place among the sheet's other rows (rows before it, then the
    block, then rows after it), once per sheet however many blocks it has."""
    blocks = getattr(ws, "_bulk_blocks", None)
    if blocks is None:
        blocks = ws._bulk_blocks = []
        original = ws._write_rows

        def write_rows() -> None:
            low, high = ws.dim_rowmin, ws.dim_rowmax
            start = low
            for b in sorted(blocks, key=lambda b: b.first):
                ws.dim_rowmin, ws.dim_rowmax = start, b.first - 1
                if start <= b.first - 1:
                    original()
                b.write(ws.fh)
                start = b.last + 1
            ws.dim_rowmin, ws.dim_rowmax = start, high
            if start <= high:
                original()
            ws.dim_rowmin, ws.dim_rowmax = low, high

        ws._write_rows = write_rows
    blocks.append(block)


def table(s: Sheet, first_row: int, last_row: int, last_col: int, options: dict, first_col: int = 0) -> None:
    """An Excel table over rows XlsxWriter does not hold (a Block's): declared over its header and one row, then
    given its real extent, so XlsxWriter does not mark each of its cells (a dict entry a cell) to check overlaps
    the block cannot have."""
    s.ws.add_table(first_row, first_col, min(last_row, first_row + 1), last_col, options)
    spec = s.ws.tables[-1]
    last_data = last_row - (1 if options.get("total_row") else 0)
    spec["range"] = f"{xl_col_to_name(first_col)}{first_row + 1}:{xl_col_to_name(last_col)}{last_row + 1}"
    spec["a_range"] = f"{xl_col_to_name(first_col)}{first_row + 1}:{xl_col_to_name(last_col)}{last_data + 1}"
    if spec.get("autofilter"):
        spec["autofilter"] = spec["a_range"]


@contextmanager
def fast_deflate(level: int = 1) -> Iterator[None]:
    """Deflate the workbook's parts at zlib's level 1 while XlsxWriter zips them (it uses the default, 6): four
    times as fast on the detail sheets' XML (0.2 s against 0.8 s for 25 MB of it here) for a file about 30%
    larger. XlsxWriter has no option for it, so its module's ZipFile is swapped for the close and put back."""
    import xlsxwriter.workbook as module

    original = module.ZipFile
    module.ZipFile = partial(original, compresslevel=level)
    try:
        yield
    finally:
        module.ZipFile = original
