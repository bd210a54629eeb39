"""The fast index of a sheet (fastpath.index_sheet) split at every "<c": what it refuses, so expat reads the part,
and that it reads what expat reads where it does not."""

from __future__ import annotations

import pytest

from maturity_xl.reading import ReadError, fastpath
from maturity_xl.reading.expat import parse_sheet
from maturity_xl.reading.fastpath import index_sheet
from workbook_helpers import one_sheet_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: str, namespaces: str = "") -> bytes:
    return f'<worksheet xmlns="{MAIN_NS}"{namespaces}><sheetData>{rows}</sheetData></worksheet>'.encode()


def by_expat(part: bytes) -> dict:
    return parse_sheet(part, lambda: [], None, "sheet")


@pytest.mark.parametrize("prefix", ["x", "_x1", "é", "x·y", "日本"])
def test_a_cell_with_any_prefix_is_left_to_expat(prefix):
    part = sheet(f'<row r="1"><c r="B1"><v>1</v></c><{prefix}:c r="A1"><{prefix}:v>5</{prefix}:v></{prefix}:c>'
                 f'</row>', f' xmlns:{prefix}="{MAIN_NS}"')
    assert by_expat(part)[(0, 0)].value == 5.0
    assert index_sheet(part) is None  # a cell the split would not see: once, with a prefix not an ASCII word
    assert one_sheet_workbook(part).lookup("S", [(0, 0), (0, 1)]) == by_expat(part)


def test_a_colon_c_in_text_or_a_prefixed_element_of_another_name_is_not_a_cell():
    part = sheet('<row r="1" spans="1:c"><c r="A1" t="inlineStr"><is><t>ratio:c 1:c&gt;</t></is></c>'
                 '<c r="B1"><x:cf xmlns:x="urn:x"/><v>2</v></c></row>')
    index = index_sheet(part)
    assert index is not None and set(index) == {b"A1", b"B1"}


@pytest.mark.parametrize("cell", ['<c r="a1"><v>1</v></c>', '<c r="A01"><v>1</v></c>', '<c r="AAAA1"><v>1</v></c>',
                                  '<c r="A12345678"><v>1</v></c>', '<c  r="A1"><v>1</v></c>',
                                  '<c s="1" r="A1"><v>1</v></c>', "<c r='A1'><v>1</v></c>", '<c><v>1</v></c>',
                                  '<c r="A1 "><v>1</v></c>'])
def test_every_c_must_be_a_cell_start_in_excels_own_form(cell):
    part = sheet(f'<row r="1"><c r="B1"><v>2</v></c>{cell}</row>')
    assert index_sheet(part) is None
    assert one_sheet_workbook(part).cells("S") == by_expat(part)


def test_rich_text_properties_starting_with_c_send_the_part_to_expat():
    part = sheet('<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><color rgb="FF0000"/></rPr><t>red</t></r></is>'
                 '</c></row>')
    assert index_sheet(part) is None
    assert one_sheet_workbook(part).cells("S")[(0, 0)].value == "red"


def test_the_references_in_excels_form_at_their_limits_are_indexed():
    part = sheet('<row r="1"><c r="XFD1"><v>1</v></c><c r="A1048576"><v>2</v></c><c r="B9999999"/></row>')
    assert set(index_sheet(part)) == {b"XFD1", b"A1048576", b"B9999999"}


def test_a_part_that_could_hold_too_many_cells_is_counted_first(monkeypatch):
    monkeypatch.setattr(fastpath, "MAX_CELLS", 10)
    many = sheet('<row r="1">' + '<c r="A1"/>' * 11 + "</row>")
    with pytest.raises(ReadError) as exc:
        index_sheet(many)
    assert exc.value.code == "too-many-cells"
    assert len(index_sheet(sheet('<row r="1">' + '<c r="A1"/>' * 10 + "</row>"))) == 1
    bare = sheet('<row r="1">' + "<c/>" * 11 + "</row>")  # counted as cells, as expat would read them
    with pytest.raises(ReadError):
        index_sheet(bare)


def test_the_last_of_two_cells_with_one_reference_counts_as_expat_reads_it():
    part = sheet('<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>')
    assert index_sheet(part) == {b"A1": b"><v>2</v></c></row>"}
    assert one_sheet_workbook(part).lookup("S", [(0, 0)]) == by_expat(part)
