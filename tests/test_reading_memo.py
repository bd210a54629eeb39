"""The fast path's index by start tags and its memos of cells and shared strings: bounded, keyed on exact bytes,
and never an answer expat would not give."""

from __future__ import annotations

import pytest

from maturity_xl.reading import ReadError, fastpath
from maturity_xl.reading.fastpath import decode_cell, index_sheet
from workbook_helpers import one_sheet_workbook as workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def test_a_cell_left_open_is_refused_even_when_not_asked_for():
    part = sheet('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</row><row r="2"><c r="A2" s="1"/></row>')
    assert index_sheet(part) is None  # B1 never closes: the counts say so, and expat reads the part
    with pytest.raises(ReadError) as exc:
        workbook(part).lookup("S", [(0, 0)])
    assert exc.value.code == "bad-xml"


def test_self_closed_cells_and_formulas_are_indexed():
    part = sheet('<row r="1"><c r="A1" s="2"/><c r="B1"><f t="shared" si="0"/><v>3</v></c></row>'
                 '<row r="2"><c r="A2" t="str"><f>A1&amp;"x"</f><v>x</v></c><c r="B2" s="1"/></row>')
    index = index_sheet(part)
    assert index is not None and set(index) == {b"A1", b"B1", b"A2", b"B2"}
    cells = workbook(part).cells("S")
    assert cells[(0, 0)].value is None and cells[(0, 1)].value == 3.0 and cells[(0, 1)].formula == ""
    assert (cells[(1, 0)].value, cells[(1, 0)].formula, cells[(1, 0)].kind) == ("x", 'A1&"x"', "str")


def test_a_reference_not_in_excels_form_is_left_to_expat():
    part = sheet('<row r="1"><c r="A01"><v>7</v></c></row>')
    assert index_sheet(part) is None
    assert workbook(part).lookup("S", [(0, 0)])[(0, 0)].value == 7.0


def test_the_cell_memo_is_bounded_by_count_and_length(monkeypatch):
    monkeypatch.setattr(fastpath, "_CELLS", {})
    monkeypatch.setattr(fastpath, "MEMO_CELLS", 50)
    for i in range(400):
        assert decode_cell(b' s="%d"><v>%d</v></c>' % (i, i), None).value == float(i)
        assert len(fastpath._CELLS) <= 50
    long = b' t="inlineStr"><is><t>' + b"x" * 200 + b"</t></is></c>"
    assert decode_cell(long, None).value == "x" * 200
    assert long not in fastpath._CELLS


def test_the_memos_are_keyed_on_exact_bytes():
    a = b'<sst><si><t>one &amp; two</t></si><si><t>one &amp; two </t></si></sst>'
    part = sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')
    for _ in range(2):  # the second time from the memos
        cells = workbook(part, a).cells("S")
        assert (cells[(0, 0)].value, cells[(0, 1)].value) == ("one & two", "one & two ")
    b = b'<sst><si><t>one &amp; two</t></si><si><t>three</t></si></sst>'
    assert workbook(part, b).cells("S")[(0, 1)].value == "three"  # the same cell XML, another table


def test_no_shared_string_is_read_for_index_minus_one_whichever_reader_read_the_table():
    part = sheet('<row r="1"><c r="A1" t="s"><v>-1</v></c><c r="B1" t="s"><v>0</v></c></row>')
    commented = b"<sst><!-- by expat --><si><t>a</t></si><si><t>b</t></si></sst>"
    cells = workbook(part, commented).cells("S")
    assert cells[(0, 0)].value is None and cells[(0, 1)].value == "a"
