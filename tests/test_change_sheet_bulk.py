"""The Change sheet's rows of each service and area (up to 50,000 at 10,000 services, issue 12) are one block of
sheet XML (bulk.Block): read back, every cell, format, fill and row height is what the cell-by-cell writer
(Sheet.put and Sheet.fit, row by row, kept here as the reference) wrote."""

from __future__ import annotations

from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from maturity_xl.report import xlsx_changes
from maturity_xl.report.changes import respondent_words
from maturity_xl.report.sheet import WORKBOOK_OPTIONS, Sheet, formats


def changes_table() -> pd.DataFrame:
    rows = [
        ("S001", "Ashby day centre", "Leadership & culture", 12, 3.25, 2.5, 0.75, "+0.75 \u25b2 improved",
         False, "A. Patel", "A. Patel"),
        ("S001", "Ashby day centre", "A very long area title that wraps over more than one line of its column",
         3, 2.0, 2.0, 0.0, "0.00 \u2192 same", False, "A. Patel", "A. Patel"),
        ("S002", "=HYPERLINK(\"http://x\")", "Line one\nline two", 1, float("nan"), 4.0, float("nan"), "",
         True, "R. Jones", None),
        ("S003 ", " Leading space", "<area> & more", 0, 4.123456789, 4.1234567, 4.440892098500626e-16,
         "0.00 \u2192 same", True, "", "B. Khan"),
        ("S004", "", "Area", 7, 1.0, 3.5, -2.5, "-2.50 \u25bc declined", False, None, None),
    ]
    return pd.DataFrame(rows, columns=["service_id", "service_name", "area", "compared", "this_mean", "last_mean",
                                       "change", "words", "respondent_changed", "respondent", "last_respondent"])


def reference_block(s: Sheet, table: pd.DataFrame, row: int, limit: int) -> int:
    """The Change sheet's service block as it was written before, cell by cell."""
    s.put(row, 0, "Fw: each service and area", s.fmt["h2"])
    s.header(row + 1, ["Service ID", "Service", "Area", "Statements compared", "Mean now", "Mean last",
                       "Change", "Direction", "Respondent changed"])
    first = row + 2
    shown = table.head(limit)
    for i, item in enumerate(shown.itertuples(index=False), start=first):
        s.put(i, 0, item.service_id, s.fmt["words"])
        s.put(i, 1, item.service_name, s.fmt["wrap"])
        s.put(i, 2, item.area, s.fmt["wrap"])
        s.put(i, 3, item.compared, s.fmt["int"])
        s.put(i, 4, item.this_mean, s.fmt["mean2"])
        s.put(i, 5, item.last_mean, s.fmt["mean2"])
        s.put(i, 6, item.change, s.fmt["change"])
        s.put(i, 7, item.words, s.fmt["words"])
        s.put(i, 8, respondent_words(item), s.fmt["flag"] if item.respondent_changed else s.fmt["words"])
        s.fit(i, [item.service_id, item.service_name, item.area])
    end = first + len(shown) - 1
    if len(table) > len(shown):
        end += 1
        s.put(end, 0, f"The first {len(shown):,} of {len(table):,} rows; changes.csv (report --csv-dir) has "
                      "every row.", s.fmt["aside"])
    return end


def write(path, block) -> int:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    s = Sheet(wb.add_worksheet("Change"), formats(wb), wb)
    xlsx_changes._formats(s)
    s.widths([24, 34, 36, 12, 12, 12, 12, 18, 40])
    s.put(0, 0, "Change", s.fmt["title"])
    end = block(s)
    s.put(end + 2, 0, "after the block")
    wb.close()
    return end


def seen(ws) -> list:
    cells = [(c.coordinate, c.value, c.number_format, c.fill.fgColor.rgb, c.alignment.wrap_text, c.font.b)
             for row in ws.iter_rows() for c in row]
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    return [cells, heights]


@pytest.mark.parametrize("limit", [50_000, 3])
def test_service_rows_read_back_as_the_cell_by_cell_writer_wrote_them(tmp_path, monkeypatch, limit):
    table = changes_table()
    monkeypatch.setattr(xlsx_changes, "service_changes", lambda frames, info: table)
    monkeypatch.setattr(xlsx_changes, "DETAIL_LIMIT", limit)
    info = SimpleNamespace(title="Fw")
    ends = {
        "cells": write(tmp_path / "cells.xlsx", lambda s: reference_block(s, table, 3, limit)),
        "block": write(tmp_path / "block.xlsx",
                       lambda s: xlsx_changes._service_block(s, None, info, 3, "now", "last")),
    }
    assert ends["cells"] == ends["block"]
    cells, block = (seen(openpyxl.load_workbook(tmp_path / f"{how}.xlsx")["Change"]) for how in ("cells", "block"))
    assert block == cells
    assert len(cells[1]) >= 2  # some rows are taller for their wrapped text: the heights were compared


def test_change_sheet_with_its_block_passes_the_schema_validator(tmp_path, monkeypatch):
    openxml_audit = pytest.importorskip("openxml_audit", reason="openxml-audit (the test extra) is not installed")
    monkeypatch.setattr(xlsx_changes, "service_changes", lambda frames, info: changes_table())
    path = tmp_path / "block.xlsx"
    write(path, lambda s: xlsx_changes._service_block(s, None, SimpleNamespace(title="Fw"), 3, "now", "last"))
    validator = openxml_audit.OpenXmlValidator(file_format=openxml_audit.FileFormat.MICROSOFT_365, max_errors=50)
    assert [str(e) for e in validator.validate(path).errors] == []
