"""report.xlsx written faster without a reader seeing a difference: a column of shared strings (bulk.Shared) reads
back as the cell-by-cell writer's, and a workbook whose sheets are deflated by a thread as they are written
(report/deflate.py) holds, member by member, the very bytes XlsxWriter's own close stores."""

from __future__ import annotations

import zipfile
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.exceptions import FileCreateError

from maturity_xl.report import deflate
from maturity_xl.report.assembly import settle_formats
from maturity_xl.report.bulk import Block, Column
from maturity_xl.report.sheet import EXCEL_MAX_TEXT, WORKBOOK_OPTIONS, Sheet, formats

HOSTILE = ["plain", "plain", " lead", "trail ", "a & b < c > d", "=1+1", "http://example.com", "line\nbreak",
           "ctl\x01\x1fend", "cr\rhere", "_x0041_ literal", "<r><t>rich?</t></r>", "<r>", "x" * (EXCEL_MAX_TEXT + 5),
           "", None, float("nan"), pd.NA, 3, 1, True, 1.0, np.int64(7), date(2026, 1, 5), "\u00e9t\u00e9 \u2013 ok",
           "plain", "\ufffe", "zero\u200bwidth"]


def _workbook(path, write) -> None:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    fmt = formats(wb)
    s = Sheet(wb.add_worksheet("S"), fmt, wb)
    s.put(0, 0, "title", fmt["title"])
    s.put(0, 1, "plain")  # a shared string before the block's: numbers after it
    write(s, fmt)
    s.put(len(HOSTILE) + 2, 0, "after")
    with deflate.fast_deflate(workbook=wb):
        wb.close()


@pytest.mark.parametrize("fmt_name, width", [("wrap", 20), (None, None)])
def test_shared_strings_read_back_as_the_cell_by_cell_writer_writes_them(tmp_path, fmt_name, width):
    def cells(s, fmt):
        for i, value in enumerate(HOSTILE):
            s.put(1 + i, 0, value, fmt[fmt_name] if fmt_name else None)

    def shared(s, fmt):
        Block(s, 1, [Column(HOSTILE, fmt[fmt_name] if fmt_name else None, width=width, shared=True)])

    _workbook(tmp_path / "cells.xlsx", cells)
    _workbook(tmp_path / "shared.xlsx", shared)
    a_book, b_book = openpyxl.load_workbook(tmp_path / "cells.xlsx"), openpyxl.load_workbook(tmp_path / "shared.xlsx")
    a, b = a_book["S"], b_book["S"]
    # XlsxWriter takes a text written by write_string that looks like a rich string for one (its XML, unescaped):
    # Sheet.put's cell shows "rich?"; the shared column writes the text as it is.
    rich = 2 + HOSTILE.index("<r><t>rich?</t></r>")
    for row in [r for r in range(1, len(HOSTILE) + 4) if r != rich]:
        x, y = a.cell(row, 1), b.cell(row, 1)
        assert (x.value, x.data_type, x.number_format, x.alignment.wrap_text) == \
            (y.value, y.data_type, y.number_format, y.alignment.wrap_text), (row, HOSTILE[row - 2:row - 1])
    assert b.cell(2 + HOSTILE.index("_x0041_ literal"), 1).value == "_x0041_ literal"
    assert b.cell(2 + HOSTILE.index("<r><t>rich?</t></r>"), 1).value == "<r><t>rich?</t></r>"
    if width:
        assert b.row_dimensions[2 + HOSTILE.index("x" * (EXCEL_MAX_TEXT + 5))].height == 409
        assert b.row_dimensions[2 + HOSTILE.index("line\nbreak")].height == 30
    with zipfile.ZipFile(tmp_path / "shared.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        table = z.read("xl/sharedStrings.xml").decode()
    assert 't="s"' in sheet and "<t>plain</t>" not in sheet  # by number, not inline
    assert table.count("<t>plain</t>") == 1  # once, shared with the cell Sheet.put wrote
    assert "<si><r>" not in table  # text that looks like a rich string is not taken for one
    uses = sheet.count(' t="s"')  # every use counted: the shared cells', the title's, B1's and "after"'s
    assert f'count="{uses}"' in table


def _sheet_rows(s, fmt):
    rng = np.random.default_rng(3)
    n = 30_000  # several megabytes of XML: many chunks for the thread
    ids = [f"service {i % 700}" for i in range(n)]
    text = [f"rationale {i} " + "word " * int(k) for i, k in enumerate(rng.integers(0, 30, n))]
    Block(s, 3, [Column(ids, fmt["wrap"], width=20, shared=True), Column(text, fmt["wrap"], width=60),
                 Column(rng.integers(0, 5, n).tolist()), Column(rng.random(n).tolist())])


def test_sheets_deflated_as_written_hold_the_same_bytes(tmp_path):
    """Every member of the zip, deflated by the thread or not, inflates (CRC checked) to what XlsxWriter's own
    close stores, under the same name, time and mode; ZipFile and the sheets' writers are put back. (fast_deflate
    numbers the formats first, for a child that may assemble sheets: report/assembly.py; so is the other.)"""
    paths = {}
    for streamed in (True, False):
        path = paths[streamed] = tmp_path / f"{streamed}.xlsx"
        wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        wb.set_properties({"created": datetime(2026, 12, 1)})
        fmt = formats(wb)
        for name in ("One", "Two"):
            s = Sheet(wb.add_worksheet(name), fmt, wb)
            s.put(0, 0, name, fmt["title"])
            _sheet_rows(s, fmt)
        if streamed:
            with deflate.fast_deflate(workbook=wb):
                wb.close()
            assert all("_set_xml_writer" not in vars(ws) for ws in wb.worksheets())
        else:
            settle_formats(wb)
            wb.close()
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(paths[True]) as new, zipfile.ZipFile(paths[False]) as old:
        assert new.testzip() is None
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]
        for a, b in zip(new.infolist(), old.infolist()):
            assert (a.date_time, a.external_attr, a.file_size, a.compress_type) == \
                (b.date_time, b.external_attr, b.file_size, b.compress_type), a.filename
            assert new.read(a) == old.read(b), a.filename
        sheet = new.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 3 * deflate.CHUNK and sheet.compress_size < sheet.file_size / 3
    assert openpyxl.load_workbook(paths[True], read_only=True)["Two"].max_row == 30_003


def test_a_failing_close_stops_the_thread_and_restores_xlsxwriter(tmp_path, monkeypatch):
    wb = xlsxwriter.Workbook(str(tmp_path / "w.xlsx"), WORKBOOK_OPTIONS)
    fmt = formats(wb)
    s = Sheet(wb.add_worksheet("S"), fmt, wb)
    _sheet_rows(s, fmt)

    def broken(self, data, last):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(deflate._Part, "_squeeze", broken)
    # Raised in the writing thread as the disk being full is (XlsxWriter's wrapper of the OSError), which
    # outputs.py explains by the real file's name.
    with pytest.raises(FileCreateError) as raised:
        with deflate.fast_deflate(workbook=wb):
            wb.close()
    assert raised.value.args[0].errno == 28
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile
    assert "_set_xml_writer" not in vars(wb.worksheets()[0])


def test_write_workbook_leaves_nothing_for_the_cycle_collector(tmp_path):
    """XlsxWriter's objects refer to one another; write_workbook frees them itself, so the page and the CSVs are
    not written beside a workbook's worth of garbage (the peak memory of a collection of 10,000 returns)."""
    import gc
    import random

    from conftest import PINNED
    from maturity_xl.batch import Template
    from maturity_xl.collect import collect
    from maturity_xl.generate import Service
    from maturity_xl.report import write_workbook
    from maturity_xl.simulate import filled_workbook, random_answers
    from maturity_xl.spec import load_framework

    fw = load_framework("coventry-warwickshire")
    template = Template(fw, generated_at=PINNED)
    rng = random.Random(5)
    (tmp_path / "in").mkdir()
    for i in range(3):
        blank = template.personalise(Service(f"S{i}", f"Service {i}"))
        (tmp_path / "in" / f"r{i}.xlsx").write_bytes(filled_workbook(fw, blank, random_answers(fw, rng)))
    collection = collect([tmp_path / "in"], workers=1)
    frames = collection.frames()
    assert not frames.lean_ratings.empty and not frames.actions.empty  # built first: only the workbook's objects count
    gc.collect()
    gc.disable()  # only what write_workbook frees itself counts
    try:
        write_workbook(collection, tmp_path / "r.xlsx")
        assert gc.collect() == 0
    finally:
        gc.enable()
