"""report/bulk.py makes each kind of column by one comprehension and checks whole chunks for what needs more: its
XML must be, byte for byte, what the cell-by-cell writer it replaced made of every value."""

from __future__ import annotations

import io
import math
import random
import re
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from maturity_xl.report import bulk
from maturity_xl.report.bulk import Block, Column, Formula
from maturity_xl.report.sheet import EXCEL_MAX_TEXT

_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class Fmt:
    """A stand-in for an XlsxWriter Format: only its index is written."""

    def __init__(self, index: int):
        self.index = index

    def _get_xf_index(self) -> int:
        return self.index


def reference_cells(letter: str, numbers: list[str], column: Column, default_date: object) -> list[str]:
    """The writer before the chunk checks: each cell by itself (bulk._other is that writer's per-value path)."""
    def style(fmt):
        return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""

    if column.styles is not None:
        return [bulk._other(letter, n, v, style(f), style(f) or style(default_date))
                for n, v, f in zip(numbers, column.values, column.styles)]
    s, ds = style(column.fmt), style(column.date_fmt or column.fmt or default_date)
    return [f'<c r="{letter}{n}"{s} t="inlineStr"><is><t>{v}</t></is></c>'
            if type(v) is str and v and v.strip() is v and len(v) <= EXCEL_MAX_TEXT and not _ESCAPE.search(v) else
            f'<c r="{letter}{n}"{s}><v>{v}</v></c>' if type(v) is int else bulk._other(letter, n, v, s, ds)
            for n, v in zip(numbers, column.values)]


def reference_heights(columns: list[Column]) -> list[str]:
    rows = len(columns[0].values)
    lines = [1] * rows
    for column in columns:
        if column.width is None:
            continue
        width = max(column.width * 1.1 - 1, 1)
        for i, v in enumerate(column.values):
            text = v if type(v) is str else ""
            lines[i] = max(lines[i], sum(math.ceil(max(len(part), 1) / width) for part in text.split("\n")))
    return ["" if n == 1 else f' ht="{min(15 * n, 409)}" customHeight="1"' for n in lines]


def reference_xml(first: int, columns: list[Column], default_date: object) -> str:
    numbers = [str(first + r + 1) for r in range(len(columns[0].values))]
    cells = [reference_cells(bulk.xl_col_to_name(j), numbers, c, default_date) for j, c in enumerate(columns)]
    return "".join(f'<row r="{n}"{h}>{"".join(row)}</row>'
                   for n, h, *row in zip(numbers, reference_heights(columns), *cells))


def block_xml(first: int, columns: list[Column], default_date: object, chunk: int) -> str:
    block = Block.__new__(Block)  # without a worksheet: only its rows are compared
    block.first, block.col, block.columns = first, 0, columns
    block.rows, block.default_date = len(columns[0].values), default_date
    block.shared = [None] * len(columns)  # text inline (shared strings are read back in test_shared_strings.py)
    out = io.StringIO()
    rows, bulk.CHUNK_ROWS = bulk.CHUNK_ROWS, chunk
    try:
        block.write(out)
    finally:
        bulk.CHUNK_ROWS = rows
    return out.getvalue()


HOSTILE_TEXT = ["plain", "two words", " lead", "trail ", "\u00a0nbsp", "nbsp\u00a0", "\x1cfs", "a & b", "x<y", "y>x",
                "_x0041_", "a_", "x0041_", "_x00", "41_", "_X004a_", "_xZZZZ_", "tab\there", "line\nbreak",
                "lines\n\n", "\nfirst", "cr\rhere", "ctl\x01", "\x1f", "\ufffe", "end\uffff", "\u2013 dash",
                "\U0001f600 emoji", "lone \ud800", "caf\u00e9", "=1+1", "http://example.com", "", "x" * 70,
                "y" * (EXCEL_MAX_TEXT + 3), "z" * (EXCEL_MAX_TEXT - 1) + " ", "&" * 5, "<&>"]
OTHERS = [None, float("nan"), float("inf"), -float("inf"), pd.NA, pd.NaT, 0, -7, 10**20, 2.5, -0.0, 1e-300, 1e16,
          np.int64(7), np.float64(1.25), np.float64("nan"), True, False, np.bool_(True), date(2026, 1, 5),
          datetime(2026, 1, 5, 12, 30), pd.Timestamp("2026-02-01 06:00"), Formula("A1*2", 4),
          Formula('IF(A1,"a & b","")', "a & b")]


def kinds_of_columns(rng: random.Random, rows: int) -> dict[str, list]:
    """A column of each kind the writer makes in one comprehension, each clean and with hostile values."""
    words = ["alpha", "beta", "Gamma delta", "epsilon-2", "\u00e9t\u00e9"]
    return {
        "text": [rng.choice(words) for _ in range(rows)],
        "text, hostile": [rng.choice(words + HOSTILE_TEXT) for _ in range(rows)],
        "text, one odd": [rng.choice(words) for _ in range(rows - 1)] + ["a & b"],
        "text, empty": [""] * rows,
        "text with blanks": [rng.choice(words + ["", None, float("nan"), pd.NA]) for _ in range(rows)],
        "ints": [rng.randint(-5, 10**17) for _ in range(rows)],
        "ints with blanks": [rng.choice([1, 2, 3, None, pd.NA, pd.NaT]) for _ in range(rows)],
        "floats": [rng.uniform(-1e6, 1e6) for _ in range(rows)],
        "floats, not finite": [rng.choice([1.5, float("nan"), float("inf")]) for _ in range(rows)],
        "floats with blanks": [rng.choice([0.1 + 0.2, -2.5e-16, 1e16, None, pd.NA, float("nan")]) for _ in range(rows)],
        "bools": [rng.random() < 0.5 for _ in range(rows)],
        "dates": [date(2020, 1, 1 + rng.randint(0, 27)) for _ in range(rows)],
        "blanks": [rng.choice([None, pd.NA, pd.NaT]) for _ in range(rows)],
        "nones": [None] * rows,
        "mixed": [rng.choice(HOSTILE_TEXT + OTHERS) for _ in range(rows)],
    }


@pytest.mark.parametrize("seed", range(6))
def test_block_xml_is_the_cell_by_cell_writers(seed):
    rng = random.Random(seed)
    rows = rng.choice([1, 5, 40])
    date_fmt = Fmt(9)
    columns = kinds_of_columns(rng, rows)
    for name, values in columns.items():
        for fmt, width in ((None, None), (Fmt(3), 12), (Fmt(4), None)):
            column = [Column(values, fmt, date_fmt=None if seed % 2 else Fmt(5), width=width)]
            for chunk in (1, 3, 4096):
                assert block_xml(seed, column, date_fmt, chunk) == reference_xml(seed, column, date_fmt), \
                    (name, fmt and fmt.index, width, chunk)
    # All the kinds side by side, wrapped or not, with a format per row in one.
    sheet = [Column(values, Fmt(j) if j % 3 else None, width=(8 + j) if j % 2 else None)
             for j, values in enumerate(columns.values())]
    sheet.append(Column(columns["mixed"], styles=[rng.choice([None, Fmt(1), Fmt(2)]) for _ in range(rows)], width=9))
    for chunk in (2, 7, 4096):
        assert block_xml(3, sheet, date_fmt, chunk) == reference_xml(3, sheet, date_fmt), chunk


def test_chunk_checks_find_each_odd_text_among_many():
    """A chunk of thousands of plain texts with a few odd ones: each odd one is found, and only those."""
    rng = random.Random(7)
    values = [f"service {i} statement" for i in range(5000)]
    odd = sorted(rng.sample(range(5000), 40))
    for i, text in zip(odd, (HOSTILE_TEXT * 2)[: len(odd)]):
        values[i] = text
    texts = bulk._texts(values, {str})
    expected = {i for i, v in enumerate(values)
                if not v or v.strip() is not v or len(v) > EXCEL_MAX_TEXT or _ESCAPE.search(v)}
    assert texts.odd() == expected
    column = [Column(values, Fmt(3), width=20)]
    assert block_xml(0, column, Fmt(9), 4096) == reference_xml(0, column, Fmt(9))


@pytest.mark.parametrize("text, expected", [("plain", False), ("tab\tand\nline", False), ("cr\r", True),
                                            ("\x00", True), ("\x1f", True), ("\x7f", False), ("\ufffe", True),
                                            ("\u2013\uffff", True), ("\ufffd", False), ("\U0001f600", False),
                                            ("lone \ud800", False), ("", False)])
def test_control_characters_found_by_the_vector_pass(text, expected):
    assert bulk._has_control(text) is expected


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=[repr(t[:12]) for t in HOSTILE_TEXT])
def test_each_odd_text_alone_in_a_plain_chunk(text):
    values = [f"plain {i}" for i in range(100)]
    values[50] = text
    odd = not text or text.strip() is not text or len(text) > EXCEL_MAX_TEXT or bool(_ESCAPE.search(text))
    assert bulk._texts(values, {str}).odd() == ({50} if odd else set())
    column = [Column(values, Fmt(3), width=30)]
    assert block_xml(0, column, Fmt(9), 4096) == reference_xml(0, column, Fmt(9))


def test_fast_deflate_writes_a_zip_every_reader_inflates(tmp_path):
    """The workbook's parts deflated by zlib-ng (when installed) inflate with the standard library's zlib, and
    XlsxWriter's own ZipFile is put back afterwards."""
    import zipfile

    import xlsxwriter
    import xlsxwriter.workbook

    from maturity_xl.report.bulk import fast_deflate
    from maturity_xl.report.sheet import WORKBOOK_OPTIONS

    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    text = "".join(f"row {i} of text; " for i in range(20_000))
    wb.add_worksheet("S").write_string(0, 0, text[:32000])
    with fast_deflate():
        wb.close()
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        infos = {i.filename: i for i in z.infolist()}
        sheet = infos["xl/worksheets/sheet1.xml"]
        assert sheet.compress_type == zipfile.ZIP_DEFLATED and sheet.compress_size < sheet.file_size
        assert text[:32000] in z.read("xl/sharedStrings.xml").decode()
