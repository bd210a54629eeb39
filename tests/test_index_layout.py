"""The sheet index's layouts (layouts._LAYOUTS): a sheet whose cells are written with the references of a sheet
indexed before is split by bytes.split and checked against them; anything else (another order, a duplicate, a
reference not in Excel's form, a "<c" that is not a cell's start tag) is indexed, or refused, as the full split
does, and reads as expat reads it."""

from __future__ import annotations

import pytest

from maturity_xl.reading import fastpath, layouts
from maturity_xl.reading.expat import parse_sheet
from maturity_xl.reading.fastpath import decode_cell, index_sheet
from workbook_helpers import one_sheet_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def by_expat(part: bytes) -> dict:
    return parse_sheet(part, lambda: [], None, "sheet")


TEMPLATE = ('<row r="1"><c r="A1" t="inlineStr"><is><t>{a}</t></is></c><c r="B1"><v>{b}</v></c></row>'
            '<row r="2"><c r="A2" s="1"/><c r="B2"><v>{c}</v></c></row>')


@pytest.fixture(autouse=True)
def no_layouts(monkeypatch):
    monkeypatch.setattr(layouts, "_LAYOUTS", {})


def test_a_second_return_of_a_layout_is_indexed_by_it_and_reads_as_expat_does(monkeypatch):
    first = sheet(TEMPLATE.format(a="one", b=1, c=2))
    assert index_sheet(first).as_dict() == {b"A1": b' t="inlineStr"><is><t>one</t></is></c>',
                                            b"B1": b'><v>1</v></c></row><row r="2">', b"A2": b' s="1"/>',
                                            b"B2": b"><v>2</v></c></row>"}
    assert list(layouts._LAYOUTS) == [4]
    split = []
    monkeypatch.setattr(fastpath, "_CELL_START", type("Spy", (), {"split": lambda _self, body: split.append(body)})())
    second = sheet(TEMPLATE.format(a="two &amp; three", b=5, c=""))
    index = index_sheet(second)  # by the layout: the full split is not run
    assert split == [] and set(index) == {b"A1", b"B1", b"A2", b"B2"}
    assert index.get(b"A1") == b'A1" t="inlineStr"><is><t>two &amp; three</t></is></c>'
    monkeypatch.undo()
    assert one_sheet_workbook(second).cells("S") == by_expat(second)


@pytest.mark.parametrize("rows", [
    # the same number of cells, in another order, or with one reference twice, or another reference
    '<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c><c r="B10"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
])
def test_a_sheet_that_departs_from_the_layout_reads_as_expat_does(rows):
    index_sheet(sheet(TEMPLATE.format(a="x", b=1, c=2)))
    part = sheet(rows)
    assert index_sheet(part) is not None
    assert one_sheet_workbook(part).cells("S") == by_expat(part)


@pytest.mark.parametrize("rows", [
    '<row r="1"><c r="a1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
    '<row r="1"><c r="A01"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
    '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><color rgb="FF0000"/></rPr><t>red</t></r></is></c>'
    '<c r="B1"><v>2</v></c></row><row r="2"><c r="A2"/><c r="B2"><v>3</v></c></row>',
])
def test_a_sheet_with_a_c_that_is_not_a_cell_in_excels_form_is_refused_after_a_layout(rows):
    index_sheet(sheet(TEMPLATE.format(a="x", b=1, c=2)))
    part = sheet(rows)
    assert index_sheet(part) is None
    assert one_sheet_workbook(part).cells("S") == by_expat(part)


def test_a_cell_is_kept_by_its_xml_and_by_its_xml_after_the_reference(monkeypatch):
    monkeypatch.setattr(fastpath, "_CELLS", {})
    cell = decode_cell(b'C7" s="17"><v>4</v></c>', None, 3)
    assert cell.value == 4.0 and fastpath._CELLS == {b'C7" s="17"><v>4</v></c>': cell, b' s="17"><v>4</v></c>': cell}
    rows = '<row r="1"><c r="A1" s="17"><v>4</v></c><c r="B1" s="17"><v>4</v></c></row>'
    assert one_sheet_workbook(sheet(rows)).cells("S") == by_expat(sheet(rows))


def test_layouts_are_bounded(monkeypatch):
    monkeypatch.setattr(layouts, "LAYOUTS", 3)
    monkeypatch.setattr(layouts, "LAYOUT_CELLS", 5)
    for n in range(1, 12):
        index_sheet(sheet("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, n + 1))))
        assert sum(map(len, layouts._LAYOUTS.values())) <= 3
        assert all(count <= 5 for count in layouts._LAYOUTS)
