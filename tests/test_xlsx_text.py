"""Text shaped like XlsxWriter's own rich-string XML ("<r>...</r>") stays text in every workbook we write.

XlsxWriter writes such a string into the file unescaped (it takes it for a rich string it built): a service name
or an answer of that shape showed other text, or made a file Excel must repair. xlsxsafe.InertWorksheet writes it
as plain runs instead."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.dom import minidom

import openpyxl
import xlsxwriter

from conftest import make_spec
from maturity_xl.collect import Collection, LogEntry
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.parse import Registry, parse
from maturity_xl.report import write_workbook
from maturity_xl.response import Rating, Response
from maturity_xl.spec import load_framework, parse_spec
from maturity_xl.xlsxsafe import InertWorksheet

RICH = ['<r><t>Shown instead</t></r>', '<r><rPr><b/></rPr><t>x</t></r><r>', "<r></r>", "<r>&amp;</r>",
        '<r><t xml:space="preserve"> a </t></r>']


def _well_formed(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                minidom.parseString(zf.read(name))  # raises on markup that is not well-formed


def test_plain_xlsxwriter_writes_such_text_as_markup_and_ours_does_not():
    for worksheet_class, inert in ((None, False), (InertWorksheet, True)):
        out = io.BytesIO()
        wb = xlsxwriter.Workbook(out, {"in_memory": True})
        ws = wb.add_worksheet("S", worksheet_class=worksheet_class)
        bold = wb.add_format({"bold": True})
        for row, text in enumerate(RICH):
            ws.write_string(row, 0, text)
            ws.write(row, 1, text, bold)
        wb.close()
        read = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["S"]
        got = [(read.cell(r + 1, 1).value, read.cell(r + 1, 2).value) for r in range(len(RICH))]
        if inert:
            _well_formed(out.getvalue())
            assert got == [(t, t) for t in RICH]
            assert read.cell(1, 2).font.b  # the cell's own format is kept
        else:
            assert got[0][0] == "Shown instead"  # the fault itself: XlsxWriter wrote the text as markup


def test_a_service_named_like_markup_gets_a_workbook_that_reads_back_its_name():
    fw = load_framework("coventry-warwickshire")
    for name in RICH[:2]:
        data = generate_bytes(fw, service=Service("S1", name))
        _well_formed(data)
        assert parse(data).service_name == name


def test_the_report_shows_such_a_name_as_it_was_given(tmp_path):
    registry = Registry([parse_spec(make_spec(), "mini")])
    name = RICH[0]
    response = Response(file="S1.xlsx", framework_id="mini", framework_version="1.0", service_id="S1",
                        service_name=name, respondent={"date_completed": date(2026, 11, 1)},
                        ratings=[Rating("1.1", "a1", 2, RICH[1], RICH[2])], area_ids=("a1", "a2"))
    log = [LogEntry("S1.xlsx", "accepted", sha256="a" * 64, framework_id="mini", framework_version="1.0",
                    service_id="S1", service_name=name)]
    collection = Collection([response], log, None, registry, date(2026, 11, 22))
    write_workbook(collection, tmp_path / "r.xlsx")
    data = (tmp_path / "r.xlsx").read_bytes()
    _well_formed(data)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert name in texts and "Shown instead" not in texts
