"""Many rows at once: a detail sheet's block of rows written straight as worksheet XML, column by column.

XlsxWriter stores every cell as an object, checks it, looks its text up in the shared-strings table and writes it
back out through a call per attribute: about 10-15 microseconds a cell here, and the detail sheets of a
collection of 1,000 returns hold over a million cells. This module writes a block of rows as the XML Excel reads,
once, when XlsxWriter assembles the sheet: each column's cells are made by one comprehension, text as inline
strings (escaped as XlsxWriter escapes them: `&<>`, control characters as `_xHHHH_`, whitespace kept), numbers
and dates (as Excel serial numbers) by their type, and each row's height from its longest wrapped text. The rest
of the sheet (titles, headers, tables, filters, print settings) is still XlsxWriter's.

A column is written 4,096 rows at a time, and each such chunk is checked as a whole (its texts joined, searched
once by str's own search and a vector pass) for what needs more than the plain f-string: only the texts found
are then written cell by cell (`_other`). Checking each value instead took half the time of the whole report.

Text is only ever written as text: a value starting with "=" or "http://" is an inline string, never a formula
or a link, as `Sheet.put` writes it.
"""

from __future__ import annotations

import functools
import math
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate, repeat
from operator import add

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from .chunked import Fetched, Rows  # noqa: F401 - a Column's values taken a chunk at a time, for its callers
from .deflate import fast_deflate  # noqa: F401 - where it was first, for its callers
from .sheet import EXCEL_MAX_TEXT, Sheet

_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_EPOCH = date(1899, 12, 30).toordinal()
_BLANKS = {type(None), type(pd.NA), type(pd.NaT)}  # what _cell_tail writes as a blank cell, whatever the format
# Rows of a block made at once: a chunk of a column is checked as a whole (see above), and a chunk is what the two
# processes that assemble report.xlsx's detail sheets share out within a sheet (assembly.py).
CHUNK_ROWS = 4096


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
    """One column of a block: its values (a list, one per row, or Rows), the cell format (an XlsxWriter Format or None),
    the format for dates in it, whether its text wraps (and so counts for the row's height) at `width`, and a
    format per row instead of `fmt` (`styles`); `shared`: its text written as shared strings (see Shared)."""

    values: Sequence[object]
    fmt: object = None
    date_fmt: object = None
    width: float | None = None
    styles: Sequence[object] | None = None
    shared: bool = False


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


def _column_cells(letter: str, numbers: list[str], values: list, column: Column, default_date: object,
                  styles: Sequence[object] | None = None) -> tuple[list[str] | None, bool, _Texts | None]:
    """One chunk of a column: each cell's XML after its `<c r="A12"` (whole False), or each cell's whole XML ("" for
    a blank cell with no style: whole True), or None for a column of such blanks; and the column's text (for the
    rows' heights) when it holds any.

    The kinds a column mostly holds (text, int, float, bool, date, blank) are each made by one comprehension;
    what needs more (text to escape or with whitespace at an end, a float that is not finite, any other type)
    by `_cell_tail`, cell by cell, as every cell once was.
    """
    if styles is not None:  # a format per row: each cell by its type, with its own
        own = {id(f): _style(f) for f in styles}
        fallback = _style(default_date)
        return [_other(letter, number, value, own[id(f)], own[id(f)] or fallback)
                for number, value, f in zip(numbers, values, styles)], True, \
            None if column.width is None else _texts(values)
    style = _style(column.fmt)
    date_style = _style(column.date_fmt or column.fmt or default_date)
    kinds = set(map(type, values))
    if str in kinds and (kinds != {str} or any(values)):  # (a column of "" is a blank one)
        texts = _texts(values, kinds)
        head = f'{style} t="inlineStr"><is><t>'
        tails: list[str | None] = [f"{head}{text}</t></is></c>" for text in texts.texts]
        blank = f"{style}/>" if style else None
        for i in texts.odd():  # as the comprehension of the other kinds below writes each
            value = values[i]
            tails[i] = (blank if value is None or (type(value) is str and not value) else
                        f"{style}><v>{value}</v></c>" if type(value) is int else
                        _cell_tail(value, style, date_style))
        made, whole = _tails_or_whole(letter, numbers, tails)
        return made, whole, texts
    if kinds == {int}:
        return [f"{style}><v>{value}</v></c>" for value in values], False, None
    if kinds == {float} and all(map(math.isfinite, values)):
        return [f"{style}><v>{value:.16g}</v></c>" for value in values], False, None
    if kinds == {bool}:
        return [f'{style} t="b"><v>{1 if value else 0}</v></c>' for value in values], False, None
    if kinds == {date}:
        return [f"{date_style}><v>{value.toordinal() - _EPOCH}</v></c>" for value in values], False, None
    if kinds <= _BLANKS or kinds == {str}:  # blanks only, or text that is all ""
        return ([f"{style}/>"] * len(values) if style else None), False, None
    if kinds <= _BLANKS | {int}:  # ints with blanks among them (a nullable integer column)
        blank = f'<c r="{letter}{{}}"{style}/>'.format if style else _nothing
        return [f'<c r="{letter}{number}"{style}><v>{value}</v></c>' if type(value) is int else blank(number)
                for number, value in zip(numbers, values)], True, None
    if kinds <= _BLANKS | {float}:  # floats with blanks (NaN, infinities, None) among them
        blank = f'<c r="{letter}{{}}"{style}/>'.format if style else _nothing
        finite = math.isfinite
        return [f'<c r="{letter}{number}"{style}><v>{value:.16g}</v></c>'
                if type(value) is float and finite(value) else blank(number)
                for number, value in zip(numbers, values)], True, None
    # Mixed, or another type: ints in one f-string, anything else by its type.
    return [f'<c r="{letter}{number}"{style}><v>{value}</v></c>' if type(value) is int else
            _other(letter, number, value, style, date_style)
            for number, value in zip(numbers, values)], True, None


def _tails_or_whole(letter: str, numbers: list[str], tails: list[str | None]) -> tuple[list[str], bool]:
    """Cells' tails as they are, or (when some cell is not written at all: None) each cell whole, "" for none."""
    if None not in tails:
        return tails, False  # type: ignore[return-value]
    return [f'<c r="{letter}{number}"{tail}' if tail is not None else "" for number, tail in zip(numbers, tails)], True


@functools.lru_cache(maxsize=256)
def _row_maker(slots: tuple[tuple[str, bool], ...]):
    """A function making one row's XML from its number, its height attribute and each column's piece: a cell's
    tail after `<c r="A12"` (the column's letter; whole False) or a whole cell (whole True). One f-string a row,
    compiled once per shape of row, rather than one a cell and a join of them all (a third faster)."""
    if not all(letter.isalpha() and letter.isascii() and letter.isupper() for letter, _ in slots):
        raise ValueError(f"not column letters: {slots!r}")  # nothing else is ever put into the code below
    names = [f"x{k}" for k in range(len(slots))]
    body = "".join(("{" + name + "}") if whole else ('<c r="' + letter + '{n}"{' + name + "}")
                   for (letter, whole), name in zip(slots, names))
    source = "lambda n, h" + "".join(", " + name for name in names) + ": f'''<row r=\"{n}\"{h}>" + body + "</row>'''"
    return eval(source)  # noqa: S307 - made above from column letters and fixed tags only


def _nothing(number: str) -> str:
    return ""


class _Texts:
    """A chunk of a column as text (a value that is not text as ""), its lengths, and all of it joined: enough to
    find, with a few passes in C over the whole chunk instead of some over each value, the texts the plain
    f-string would get wrong and the rows' heights."""

    __slots__ = ("texts", "lengths", "joined")

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.lengths = list(map(len, texts))
        self.joined = "".join(texts)

    def odd(self) -> set[int]:
        """The positions of the texts that are empty (or not text), over Excel's limit, with whitespace at either
        end (kept with xml:space) or with something to escape."""
        texts, lengths = self.texts, self.lengths
        odd: set[int] = set()
        if not lengths:
            return odd
        if min(lengths) == 0 or max(lengths) > EXCEL_MAX_TEXT:
            odd.update(i for i, n in enumerate(lengths) if n == 0 or n > EXCEL_MAX_TEXT)
        stripped = list(map(str.strip, texts))  # the very string back when there is nothing to strip
        if stripped != texts:
            odd.update(i for i, (a, b) in enumerate(zip(stripped, texts)) if a is not b)
        odd.update(self._escaped())
        return odd

    def _escaped(self) -> Iterator[int]:
        """The positions of the texts with something to escape, from searches of the whole chunk: str's own
        for XML's three characters and "_x" (much faster than a regular expression's), a vector pass for
        control characters; only a chunk with either of the latter is searched by the regular expression."""
        texts, lengths, joined = self.texts, self.lengths, self.joined
        if "_x" in joined or _has_control(joined):
            # Joined by "\n" (which is not escaped), no _xHHHH_ can run from one text into the next.
            lined = "\n".join(texts)
            starts = list(accumulate(map(add, lengths, repeat(1)), initial=0))
            yield from (bisect_right(starts, m.start()) - 1 for m in _ESCAPE.finditer(lined))
            return
        found = [c for c in "&<>" if c in joined]
        if found:
            starts = list(accumulate(lengths, initial=0))  # an empty text's start is its follower's: bisect passes it
            for c in found:
                at = joined.find(c)
                while at >= 0:
                    yield bisect_right(starts, at) - 1
                    at = joined.find(c, at + 1)


def _has_control(text: str) -> bool:
    """Whether `text` holds a character written as _xHHHH_: a control character other than tab and line feed, or
    U+FFFE or U+FFFF. In UTF-8 no byte below 32 is part of another character, so one vector pass over the
    bytes clears most texts; only one with a byte below 32 (a tab, a line break) is searched character by
    character."""
    data = text.encode("utf-8", "surrogatepass")
    if not data:
        return False
    if np.frombuffer(data, dtype=np.uint8).min() < 32 and _CONTROL.search(text):
        return True
    return not text.isascii() and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)


def _texts(values: Sequence[object], kinds: set[type] | None = None) -> _Texts:
    if kinds == {str}:
        return _Texts(values if isinstance(values, list) else list(values))
    return _Texts([v if type(v) is str else "" for v in values])


def _other(letter: str, number: str, value: object, style: str, date_style: str) -> str:
    tail = _cell_tail(value, style, date_style)
    return "" if tail is None else f'<c r="{letter}{number}"{tail}'


def _heights(columns: Sequence[Column], texts: Sequence[_Texts | None], rows: int) -> list[str]:
    """Each row's height attribute for its wrapped text (15 points a line, at most 409), as Sheet.fit sizes one:
    the lines of a text without a line break from its length, whole columns at a time."""
    lines = np.ones(rows, dtype=np.int64)
    for column, text in zip(columns, texts):
        if column.width is None or text is None:  # no text: one line
            continue
        width = max(column.width * 1.1 - 1, 1)
        need = np.ceil(np.maximum(np.array(text.lengths, dtype=np.int64), 1) / width).astype(np.int64)
        if "\n" in text.joined:
            for i in [i for i, t in enumerate(text.texts) if "\n" in t]:
                need[i] = sum(math.ceil(max(len(part), 1) / width) for part in text.texts[i].split("\n"))
        np.maximum(lines, need, out=lines)
    return ["" if n == 1 else f' ht="{min(15 * n, 409)}" customHeight="1"' for n in lines.tolist()]


class Block:
    """Rows `first` to `first + rows - 1` of a sheet, from column `col` on, written when the sheet is assembled."""

    def __init__(self, s: Sheet, first: int, columns: Sequence[Column], col: int = 0):
        self.first, self.col, self.columns = first, col, list(columns)
        self.rows = len(self.columns[0].values) if self.columns else 0
        self.default_date = s.fmt["date"]
        self.shared: list[object] = [None] * len(self.columns)
        if self.rows:
            for column in self.columns:  # give each format its index now: XlsxWriter numbers the used ones
                for fmt in (column.fmt, column.date_fmt, *{id(f): f for f in column.styles or ()}.values()):
                    if fmt is not None:
                        fmt._get_xf_index()
            self.default_date._get_xf_index()
            # Shared strings are numbered now: XlsxWriter writes its table before it assembles the sheets.
            from .shared import Shared  # (shared.py makes its cells with this module's writers)

            self.shared = [Shared(c.values, _style(c.fmt), s.ws.str_table) if c.shared and c.styles is None
                           else None for c in self.columns]
            s.ws._check_dimensions(first, col)
            s.ws._check_dimensions(self.last, col + len(self.columns) - 1)
            _install(s.ws, self)

    @property
    def last(self) -> int:
        return self.first + max(self.rows, 1) - 1

    def chunks(self) -> int:
        """How many chunks of CHUNK_ROWS rows the block is written in."""
        return -(-self.rows // CHUNK_ROWS)

    def write(self, fh) -> None:
        """The block's rows as XML into `fh`, a chunk at a time (so the XML of a whole sheet is never held).

        A sink that deflates (deflate._Part) is told where each chunk starts and where the last ends (`rows_here`,
        `cut`): each chunk is deflated on its own, so its bytes are the same whichever process makes them, and
        a chunk the other process makes (assembly.py) is left out here (`rows_here` says False)."""
        here, cut = getattr(fh, "rows_here", None), getattr(fh, "cut", None)
        for index in range(self.chunks()):
            if here is None or here(self, index):
                fh.write(self.chunk_xml(index))
        if cut is not None:
            cut()

    def chunk_xml(self, index: int) -> str:
        """The XML of the block's rows in chunk `index`."""
        start = index * CHUNK_ROWS
        stop = min(start + CHUNK_ROWS, self.rows)
        letters = [xl_col_to_name(self.col + j) for j in range(len(self.columns))]
        numbers = [str(n) for n in range(self.first + start + 1, self.first + stop + 1)]
        cells, slots, texts = [], [], []
        for letter, c, shared in zip(letters, self.columns, self.shared):
            if shared is not None:
                made, whole, text = shared.cells(letter, numbers, c.values[start:stop], start, stop,
                                                 _style(c.fmt), _style(c.date_fmt or c.fmt or self.default_date),
                                                 c.width is not None)
            else:
                made, whole, text = _column_cells(letter, numbers, c.values[start:stop], c, self.default_date,
                                                  None if c.styles is None else c.styles[start:stop])
            texts.append(text)
            if made is not None:
                cells.append(made)
                slots.append((letter, whole))
        heights = _heights(self.columns, texts, stop - start)
        return "".join(map(_row_maker(tuple(slots)), numbers, heights, *cells))


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
