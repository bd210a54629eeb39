"""A sheet indexed by a reference (layouts._Layout.reference): a later sheet of a layout has only the pieces that
differ from the reference's checked, and must be indexed, or refused, exactly as the whole sheet checked would be;
and the end of its sheet data found by a known end of a part is where a search back finds it."""

from __future__ import annotations

import pytest

from maturity_xl.reading import fastpath, layouts, sheetdata
from maturity_xl.reading.expat import parse_sheet
from maturity_xl.reading.fastpath import index_sheet
from workbook_helpers import one_sheet_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW = ('<row r="{r}" spans="1:4"><c r="A{r}" s="1" t="s"><v>0</v></c><c r="B{r}" s="2"><f>A{r}&amp;"x"</f>'
       '<v>x</v></c><c r="C{r}" s="3"{c}<c r="D{r}" s="4"{d}</row>')
BLANK = "/>"


def sheet(cells: dict[tuple[str, int], str] | None = None, rows: int = 6, head: str = "") -> bytes:
    """A template-like sheet: C and D of each row blank unless `cells` writes them (the XML after the reference's
    attributes), with `head` before the first row."""
    cells = cells or {}
    body = "".join(ROW.format(r=r, c=cells.get(("C", r), BLANK), d=cells.get(("D", r), BLANK))
                   for r in range(1, rows + 1))
    return (f'<worksheet xmlns="{MAIN_NS}"><sheetData>{head}{body}</sheetData>'
            f'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>').encode()


def by_expat(part: bytes) -> dict:
    return parse_sheet(part, lambda: ["zero"], None, "sheet")


def checked_whole(part: bytes):
    """index_sheet's answer with no reference to compare with: every byte of the sheet data checked."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(layouts, "references", lambda count: [])
        try:
            return index_sheet(part)
        except Exception as exc:  # the same error, or the same answer
            return type(exc)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(layouts, "_LAYOUTS", {})
    monkeypatch.setattr(sheetdata, "_TAILS", ())


def test_a_later_sheet_is_indexed_by_the_reference_and_reads_as_expat_does(monkeypatch):
    first = sheet()
    index_sheet(first)
    (layout,) = layouts._LAYOUTS[24]
    assert layout.reference is not None
    second = sheet({("C", 2): '><v>4</v></c>', ("D", 5): ' t="inlineStr"><is><t>an answer</t></is></c>'})
    monkeypatch.setattr(fastpath, "passes", lambda *args: pytest.fail("the whole sheet was checked"))
    index = index_sheet(second)
    monkeypatch.undo()
    assert index == checked_whole(second)
    assert index.get(b"A1") is layout.reference[1]  # an unchanged piece: the reference's own object
    assert one_sheet_workbook(second, b"<sst><si><t>zero</t></si></sst>").cells("S") == by_expat(second)


HOSTILE = {
    "comment": {("C", 3): '><v>1</v><!-- <c r="Z9"><v>9</v></c> --></c>'},
    "processing instruction": {("D", 1): '><v>1</v><?pi x?></c>'},
    "a cell left open": {("C", 4): '><v>2</v>'},
    "a cell closed twice": {("C", 4): '><v>2</v></c></c>', ("D", 4): "><v>3</v>"},
    "a cell inside a cell": {("C", 2): '><v>2</v><c r="Q2"><v>5</v></c></c>'},
    "a <c that is no cell": {("D", 6): ' t="inlineStr"><is><r><rPr><color rgb="FF0000"/></rPr><t>r</t></r></is></c>'},
    "a prefixed cell": {("C", 5): '><v>1</v></c><x:c r="E5"><x:v>7</x:v></x:c'},
    "a colon c in text": {("D", 2): ' t="inlineStr"><is><t>note:c</t></is></c>'},
    "a NUL after a self-closed end": {("C", 1): ' t="inlineStr"><is><t>"/>\x00</t></is>'},
    "a NUL and a missing end": {("C", 1): '><v>"/>\x00</v>', ("D", 3): "><v>1</v></c></c>"},
    "the last cell self-closed": {("D", 6): ' t="e"/>'},
    "a lower-case reference": {("C", 3): '/><c r="d3"/><c r="E3"/>'},
    "entities": {("C", 2): ' t="inlineStr"><is><t>a &amp; b &lt; c</t></is></c>'},
}


@pytest.mark.parametrize("cells", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_later_sheet_that_differs_in_any_way_is_indexed_or_refused_as_the_whole_check_does(cells):
    index_sheet(sheet())
    part = sheet(cells)
    expected = checked_whole(part)
    assert index_sheet(part) == expected


@pytest.mark.parametrize("head", ['<row r="0"/>', "<!-- x -->", '<row r="0" x="a"/>'])
def test_what_comes_before_the_first_cell_is_checked_when_it_differs(head):
    index_sheet(sheet())
    part = sheet(head=head)
    assert index_sheet(part) == checked_whole(part)


def test_a_reference_is_kept_only_of_a_sheet_whose_every_piece_passes_alone():
    # Two ends in one piece and none in the next: the whole passes, the pieces alone do not.
    part = sheet({("C", 2): '><v>1</v></c></c>', ("D", 2): '><v>2</v>'})
    assert index_sheet(part) is not None
    assert all(layout.reference is None for layout in layouts._LAYOUTS[24])


@pytest.mark.parametrize("parts", [
    [b"<a><sheetData/></sheetData><x/>", b"<b><sheetData></sheetData></sheetData><x/>"],
    [b"<sheetData></sheetData><y/>", b"<sheetData></sheetData><y/></sheetData><y/>", b"<sheetData><y/>"],
    [b"<sheetData>x</sheetData>", b"</sheetData>", b"", b"</sheetData></sheetData>"],
])
def test_the_end_of_the_sheet_data_is_where_a_search_back_finds_it(parts):
    for part in parts * 2:
        assert sheetdata.sheet_data_end(part) == part.rfind(b"</sheetData>")
