"""How LibreOffice treats row heights in an xlsx it opens: the facts the workbook's row rule rests on
(docs/workbook-research.md). Pinned for the LibreOffice the tests run (7.4); a newer one that fits rows on load
fails the first test, and the research note should then be updated.

- A row with no height is NOT fitted to its wrapped text on load: it opens at the default 15 pt, text cut.
- A row with a height and customHeight keeps it: LibreOffice never refits it (nor does Excel).
- A row with a height but no customHeight opens at that height, marked as automatic, so LibreOffice refits it
  when a cell in it is edited and Excel may refit it: the workbook's estimate is the first view, not a cap.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import xlsxwriter

from libreoffice import convert, soffice

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")

LONG = "A long rationale, as a practice manager writes it, wrapped in a narrow column. " * 8


def rows_xlsx(path):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Assessment")
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column("A:A", 40)
    for r in range(3):
        ws.write_string(r, 0, LONG, wrap)
    ws.set_row(1, 30)  # custom: kept
    ws.set_row(2, 45)  # an estimate; customHeight removed below
    wb.close()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<row r="3" spans="1:1" ht="45" customHeight="1">',
                                    b'<row r="3" spans="1:1" ht="45">')
                assert b'<row r="3" spans="1:1" ht="45">' in body
            zout.writestr(info, body)
    path.write_bytes(out.getvalue())
    return path


def row_attributes(path) -> dict[int, dict[str, str]]:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return {int(m[1]): dict(re.findall(r'(\w+)="([^"]*)"', m[0])) for m in re.finditer(r'<row r="(\d+)"[^>]*>', xml)}


def test_libreoffice_keeps_heights_as_written_and_fits_no_row_on_load(tmp_path):
    saved = convert([rows_xlsx(tmp_path / "rows.xlsx")], "xlsx", tmp_path / "out")[0]
    rows = row_attributes(saved)
    # No height written: opened at the default height, not fitted to its eight lines of text.
    assert float(rows[1]["ht"]) == pytest.approx(15, abs=0.5) and rows[1]["customHeight"] == "false"
    # A custom height is kept and stays custom.
    assert float(rows[2]["ht"]) == 30 and rows[2]["customHeight"] == "true"
    # An estimate without customHeight is kept, and the row stays automatic (refitted when edited).
    assert float(rows[3]["ht"]) == 45 and rows[3]["customHeight"] == "false"
