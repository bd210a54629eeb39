"""The reader's fast paths give what expat gives, in bounded time and memory (regressions found in review)."""

from __future__ import annotations

import gc
import io
import time
import zipfile

import pytest

from maturity_xl.collect import collect
from maturity_xl.errors import SpecError
from maturity_xl.reading import ReadError, check_zip, open_zip, xml_bytes
from maturity_xl.reading.cells import REF_BYTES
from maturity_xl.reading.expat import parse_shared_strings, parse_sheet
from maturity_xl.spec import parse_spec
from workbook_helpers import one_sheet_workbook as workbook

MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
END = b"</sheetData></worksheet>"
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def values(cells: dict) -> dict:
    return {pos: cell.value for pos, cell in cells.items()}


CELLS = {
    "number": b'<c r="A1"><v>1e3</v></c>',
    "spaced number": b'<c r="A1"><v> 3 </v></c>',
    "not finite": b'<c r="A1"><v>inf</v></c>',
    "empty value": b'<c r="A1"><v></v></c>',
    "formula text": b'<c r="A1" t="str"><f>B1</f><v>x &amp; y</v></c>',
    "inline": b'<c r="A1" t="inlineStr"><is><t>hi</t></is></c>',
    "shared": b'<c r="A1" t="s"><v>1</v></c>',
    "bad shared index": b'<c r="A1" t="s"><v>-1</v></c>',
    "boolean": b'<c r="A1" t="b"><v>1</v></c>',
    "error": b'<c r="A1" t="e"><v>#N/A</v></c>',
    "blank": b'<c r="A1" s="3"/>',
    "leading zero row": b'<c r="A01"><v>5</v></c>',
    "long character reference": b'<c r="A1" t="str"><v>&#x0000041;</v></c>',
    "duplicate cell": b'<c r="A1"><v>1</v></c><c r="A1"><v>2</v></c>',
    "inline preserved": b'<c r="A1" t="inlineStr"><is><t xml:space="preserve"> a &amp; b_x000D_ </t></is></c>',
    "inline in runs": b'<c r="A1" t="inlineStr"><is><r><t>a</t></r><r><t xml:space="preserve"> b</t></r></is></c>',
    "inline with formula": b'<c r="A1" t="inlineStr"><f>B1</f><is><t>x</t></is></c>',
    "inline kind, formula value": b'<c r="A1" t="inlineStr"><f>B1</f><v>x</v></c>',
    "formula, empty value": b'<c r="A1" s="2"><f>IF(B1=&quot;&quot;,&quot;&quot;,B1)</f><v></v></c>',
    "formula, no value": b'<c r="A1"><f>B1</f></c>',
    "formula, closed value": b'<c r="A1" t="str"><f>B1</f><v/></c>',
    "formula, number": b'<c r="A1"><f>B1*2</f><v>4.5</v></c>',
    "formula, error": b'<c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    "formula, boolean": b'<c r="A1" t="b"><f>TRUE()</f><v>1</v></c>',
    "formula, shared string": b'<c r="A1" t="s"><f>B1</f><v>0</v></c>',
    "shared formula": b'<c r="A1"><f t="shared" si="0"/><v>2</v></c>',
    "cell with no reference": b'<c r="A1"><v>1</v></c><c/><c><v>3</v></c>',
    "cell in a comment": b'<c r="A1"><v>1</v></c><!-- <c r="B1"><v>4</v></c> -->',
    "cell in a processing instruction": b'<c r="A1"><v>1</v></c><?x <c r="A1"><v>5</v></c>?>',
    "line ends in text": b'<c r="A1" t="inlineStr"><is><t>a\r\nb\rc&#13;</t></is></c>',
    "line ends in a value": b'<c r="A1" t="str"><v>a\r\nb</v></c>',
    "blank boolean": b'<c r="A1" t="b"/><c r="B1" t="b"><v></v></c>',
    "inline rich text": b'<c r="A1" t="inlineStr"><is><r><rPr><color rgb="FF0000"/></rPr><t>red</t></r></is></c>',
    # Found by tests/test_reading_property.py: each of these was read differently by the two paths.
    "prefixed cell": b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="A1"><x:v>7</x:v>'
                     b'</x:c>',
    "inline with a phonetic run": b'<c r="A1" t="inlineStr"><is><r><t>a</t></r><rPh sb="0" eb="1"><t>x</t></rPh>'
                                  b'</is></c>',
    "spaced end tags": b'<c r="A1" t="str"><f>B1</f ><v >x</v\n></c><c r="B1" t="inlineStr"><is><t>y</t\n></is></c>',
    "attributes holding >": b'<c r="A1" t="str"><f a="x>y">B1</f><v b=">">2</v></c>',
    "blank text and error cells": b'<c r="A1" t="str"/><c r="B1" t="e"/><c r="C1" t="inlineStr"/><c r="D1" t="d"/>',
}


@pytest.mark.parametrize("name", CELLS)
def test_fast_path_reads_what_expat_reads(name):
    sheet = MAIN + b'<row r="1">' + CELLS[name] + b"</row>" + END
    strings = SST + b"<si><t>a</t></si><si><t>b</t></si></sst>"
    wb = workbook(sheet, strings)
    expected = values(parse_sheet(sheet, wb.shared_strings))
    assert values(wb.cells("S")) == expected
    assert values(wb.lookup("S", [(0, 0)])) == {k: v for k, v in expected.items() if k == (0, 0)}
    formulas = {pos: cell.formula for pos, cell in parse_sheet(sheet, wb.shared_strings).items()}
    assert {pos: cell.formula for pos, cell in workbook(sheet, strings).cells("S").items()} == formulas


def test_a_row_without_its_number_is_the_row_after_the_last():
    """r is optional on <row>: the first row without one is row 1 (expat's reader once made it row 2)."""
    sheet = MAIN + b"<row><c><v>1</v></c></row><row><c/><c><v>2</v></c></row>" + END
    assert values(parse_sheet(sheet, list)) == {(0, 0): 1.0, (1, 0): None, (1, 1): 2.0}


@pytest.mark.parametrize("text", [b"&#1;", b"&#x1F;", b"&#xFFFE;", b"a]]>b", "\ufffe".encode(), "\uffff".encode()])
def test_text_no_xml_may_hold_is_refused_on_both_paths(text):
    """A control character by reference, U+FFFE or U+FFFF, or "]]>" in text: expat refuses the part; the fast path
    once read it (found by tests/test_reading_property.py). A control character written literally is still read by
    the fast path (a known limit: looking for it in every text cost 0.6 M instructions a parse or more)."""
    sheet = MAIN + b'<row r="1"><c r="A1" t="str"><v>' + text + b"</v></c></row>" + END
    strings = SST + b"<si><t>" + text + b"</t></si></sst>"
    for read in (lambda: workbook(sheet).cells("S"), lambda: parse_sheet(sheet, list),
                 lambda: list(workbook(MAIN + END, strings).shared_strings()),
                 lambda: parse_shared_strings(strings)):
        with pytest.raises(ReadError) as info:
            read()
        assert info.value.code == "bad-xml"


def test_shared_strings_with_an_unusual_entry_tag_keep_their_order():
    """'<si\\n>' is valid XML; reading it as no entry would shift every later index onto the wrong text."""
    data = SST + b"<si><t>a</t></si><si\n><t>b</t></si><!-- <si><t>x</t></si> --><si><t>c</t></si></sst>"
    wb = workbook(MAIN + END, data)
    assert list(wb.shared_strings()) == parse_shared_strings(data, "xl/sharedStrings.xml") == ["a", "b", "c"]


SST_SHAPES = {
    "plain": b"<si><t>a</t></si><si><t>b</t></si>",
    "self-closed entry": b"<si><t>a</t></si><si/><si><t>b</t></si>",
    "entry with an attribute": b'<si><t>a</t></si><si x="1"><t>b</t></si><si><t>c</t></si>',
    "spaced end tag": b"<si><t>a</t></si ><si><t>b</t></si>",
    "prefixed": b'<x:si xmlns:x="' + MAIN_NS + b'"><x:t>a</x:t></x:si><si><t>b</t></si>',
    "text with si>": b"<si><t>Mississi> a</t></si><si><t>b</t></si>",
    "cdata": b"<si><t><![CDATA[<si>]]></t></si><si><t>b</t></si>",
    "runs and phonetics": b"<si><r><t>a</t></r><r><t>b</t></r><rPh><t>x</t></rPh></si><si><t>c</t></si>",
    "processing instruction": b"<si><t>a</t></si><?x <si><t>EVIL</t></si>?><si><t>b</t></si>",
    "nested entry": b"<si><t>a</t><si><t>b</t></si></si><si><t>c</t></si>",
    "line ends": b"<si><t>a\r\nb</t></si>",
    "spaced end tags": b"<si\n  ><t\n  >a</t\n  ></si\n  >",
    "attribute holding >": b'<si><t a=">">a</t></si><si><t>b</t></si>',
    "prefixed phonetic run": b'<si><t>a</t><x:rPh xmlns:x="' + MAIN_NS + b'"><x:t>x</x:t></x:rPh></si>',
}


@pytest.mark.parametrize("name", SST_SHAPES)
def test_shared_strings_read_as_expat_reads_them(name):
    data = SST + SST_SHAPES[name] + b"</sst>"
    assert list(workbook(MAIN + END, data).shared_strings()) == parse_shared_strings(data, "x")


def test_cells_left_to_expat_cost_one_expat_pass_not_one_each():
    rows = b"".join(b'<row r="%d"><c r="A%d" t="str"><v>&#x0000041;</v></c></row>' % (i, i) for i in range(1, 4001))
    wb = workbook(MAIN + rows + END)
    started = time.perf_counter()
    found = wb.lookup("S", [(i, 0) for i in range(4000)])
    assert len(wb.cells("S")) == 4000
    assert time.perf_counter() - started < 5  # was ~90 s: the whole sheet re-parsed for every such cell
    assert {cell.value for cell in found.values()} == {"A"}


def test_references_outside_excels_grid_are_not_kept():
    before = len(REF_BYTES)
    for row in range(2_000_000_000, 2_000_000_100):
        _ = REF_BYTES[(row, 0)]
    assert len(REF_BYTES) == before


def test_a_spec_scale_is_bounded_like_a_workbooks_own():
    spec = {"id": "wide", "title": "Wide", "version": "1", "source": "s", "credit": "c", "introduction": "i",
            "scale": {"name": "Rating", "target": 50,
                      "levels": [{"value": v, "label": f"L{v}", "description": "d"} for v in (0, 50, 150)]},
            "areas": [{"id": "a", "title": "A", "statements": [{"id": "s1", "text": "One."}]}]}
    with pytest.raises(SpecError) as caught:
        parse_spec(spec, "wide.yaml")
    assert any(p.path == "scale.levels[2].value" for p in caught.value.problems)


def test_collect_leaves_a_callers_frozen_objects_frozen(tmp_path):
    mine = [[]]  # a container the cycle collector tracks: frozen, it is in no generation gc lists
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        collect([tmp_path])
        assert gc.get_freeze_count() > frozen // 2  # (a few frozen objects may be freed meanwhile)
        assert not any(o is mine for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is mine for o in gc.get_objects())


def test_sheets_written_with_a_namespace_prefix_read_the_same():
    """Some tools (the Open XML SDK among them) write every element with a prefix (<x:c r="C5">): valid, and Excel
    reads it. The fast index does not take such parts apart; it must hand them to expat, not read them as empty
    (it once did: every rating blank, or the metadata unreadable)."""
    import corpus
    from maturity_xl.parse import parse

    data, _answers = corpus.base().filled("prefixed")
    plain, prefixed = parse(data, name="plain.xlsx"), parse(corpus.prefixed(data), name="prefixed.xlsx")
    assert prefixed.problems == plain.problems == []
    assert prefixed.ratings == plain.ratings and any(r.rating is not None for r in plain.ratings)
    assert (prefixed.actions, prefixed.respondent) == (plain.actions, plain.respondent)


@pytest.mark.parametrize("prolog", [b"", b"\xef\xbb\xbf", b'<?xml version="1.0"?>\n',
                                    b"<?xml?><!-- a > b -->\n<?pi x?>", b"<!--" + b" " * 100_000 + b"-->"])
def test_a_dtd_in_the_prolog_is_refused_however_far_it_is(prolog):
    with pytest.raises(ReadError) as info:
        xml_bytes(prolog + b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert info.value.code == "xml-dtd"
    assert xml_bytes(prolog + b"<x>a</x>")  # and a part without one passes


def test_a_damaged_deflate_stream_is_a_plain_rejection(tmp_path):
    """Bytes flipped inside a part's compressed stream: zlib-ng's error, like zlib's, is a 'damaged' file."""
    from maturity_xl.generate import Service, generate_bytes
    from maturity_xl.parse import parse
    from maturity_xl.spec import load_framework

    data = bytearray(generate_bytes(load_framework("lincolnshire"), service=Service("S1", "One")))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 40, start + 48):
        data[i] ^= 0xFF
    response = parse(bytes(data), name="flipped.xlsx")
    assert response.rejected and response.problems[0].code == "damaged", response.problems


def test_a_shared_strings_table_with_an_unclosed_entry_is_refused_even_if_counts_add_up():
    """'si>' in text can make the counts of a damaged table add up; the entry that never closes is still found."""
    data = SST + b"<si><t>x si&gt;</t></si><si><t>Mississi></t></si><si><t>b</t></sst>"
    with pytest.raises(ReadError) as info:
        list(workbook(MAIN + END, data).shared_strings())
    assert info.value.code == "bad-xml"


def test_a_part_placed_before_the_start_of_the_file_is_refused():
    """An end record that overstates where the directory starts makes zipfile compute negative part offsets; a
    slice from one counts from the end of the file, so two entries (one name read as UTF-8, one as cp437) could
    alias one stream past the overlapping-parts check (found in review). check_zip refuses them."""
    import struct
    import zlib

    payload = b"A" * 1000
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(payload) + deflate.flush()
    crc, name = zlib.crc32(payload), "xl/a\u00e9.xml".encode()
    decoy = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, 0, 0, 0, zlib.crc32(b"x"), 1, 1, 5, 0) + b"d.xmlx"
    local = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0x800, 8, 0, 0, crc, len(packed), len(payload),
                                        len(name), 0) + name + packed
    body = decoy + local

    def central(entry: bytes, flags: int, offset: int, csize: int, usize: int, crc32: int, method: int) -> bytes:
        return b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, 20, flags, method, 0, 0, crc32, csize, usize,
                                           len(entry), 0, 0, 0, 0, 0, offset) + entry

    total = len(body) + 3 * 46 + 5 + 2 * len(name) + 22
    directory = (central(b"d.xml", 0, total, 1, 1, zlib.crc32(b"x"), 0)
                 + central(name, 0x800, len(decoy) + total, len(packed), len(payload), crc, 8)
                 + central(name.decode("cp437").encode("cp437"), 0, len(decoy), len(packed), len(payload), crc, 8))
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 3, 3, len(directory), len(body) + total, 0)
    zf = open_zip(body + directory + end)
    assert min(info.header_offset for info in zf.infolist()) < 0
    with pytest.raises(ReadError) as info:
        check_zip(zf)
    assert info.value.code == "damaged"
