"""cellpatch: values spliced into a prebuilt sheet part, and the part deflated in pieces, give the same XML as
patching the text and a deflate stream that inflates to it."""

from __future__ import annotations

import random
import zlib
from datetime import date

import pytest

from maturity_xl.batch import _xml_text
from maturity_xl.cellpatch import ROW_HEIGHT, Part, Tokens


def sheet(rows: int, filler: int = 40) -> bytes:
    """A sheet with text between blank formatted cells in columns G and H, as XlsxWriter writes them."""
    row = b'<row r="%d" spans="1:8" ht="30"><c r="A%d" t="s"><v>%d</v></c>%s<c r="G%d" s="7"/><c r="H%d" s="8"/></row>'
    body = b"".join(row % (r, r, r, b"<x/>" * filler, r, r) for r in range(1, rows + 1))
    return b'<?xml version="1.0"?><worksheet><sheetData>' + body + b"</sheetData></worksheet>"


def test_filled_cells_inflate_to_the_patched_text():
    xml = sheet(30)
    part = Part(xml, [(r, c) for r in range(30) for c in (6, 7)])
    values = {(0, 6): "3 - Growing", (0, 7): "Why & <how>", (4, 7): 2.5, (9, 6): date(2027, 3, 31), (29, 7): "x"}
    text, raw = part.fill(values, _xml_text)
    assert zlib.decompress(raw, -15) == text
    assert b'<c r="G1" s="7" t="inlineStr"><is><t xml:space="preserve">3 - Growing</t></is></c>' in text
    assert b'<t xml:space="preserve">Why &amp; &lt;how&gt;</t>' in text
    assert b'<c r="H5" s="8"><v>2.5</v></c>' in text and b'<c r="G10" s="7"><v>46477</v></c>' in text
    assert text.count(b"<c r=") == xml.count(b"<c r=")  # no cell added or lost
    untouched = part.fill({}, _xml_text)
    assert untouched[0] == xml and zlib.decompress(untouched[1], -15) == xml


def test_a_long_filled_text_spans_stored_blocks():
    xml = sheet(3)
    part = Part(xml, [(1, 6)])
    long = "".join(random.Random(1).choice("abc def") for _ in range(200_000))
    text, raw = part.fill({(1, 6): long}, _xml_text)
    assert zlib.decompress(raw, -15) == text and long.encode() in text


def test_a_cell_not_blank_in_the_template_is_refused():
    with pytest.raises(ValueError, match="no blank cell or row height at Z9"):
        Part(sheet(10), [(8, 25)])


def test_a_row_grows_for_its_new_text_and_never_shrinks():
    part = Part(sheet(5), [(1, 6), (1, ROW_HEIGHT), (2, ROW_HEIGHT)])
    text, raw = part.fill({(1, 6): "long " * 40, (1, ROW_HEIGHT): 81.75, (2, ROW_HEIGHT): 12.0}, _xml_text)
    assert zlib.decompress(raw, -15) == text
    assert b'<row r="2" spans="1:8" ht="81.75">' in text and b'<row r="3" spans="1:8" ht="30">' in text
    with pytest.raises(ValueError, match="row 9's height"):
        Part(sheet(5), [(8, ROW_HEIGHT)])


def test_placeholders_replaced_inflate_to_the_replaced_text():
    """Tokens: the text between placeholders deflated once, each service's values spliced in, equals replacing
    the placeholders in the text (at the start, the end, twice, and with a value longer than a stored block)."""
    xml = b"TOKEN-A<si><t>TOKEN-B</t></si>" + b"<x/>" * 500 + b"TOKEN-A and TOKEN-B" + b"<y/>" * 50 + b"TOKEN-A"
    part = Tokens(xml, [b"TOKEN-A", b"TOKEN-B"])
    long = "".join(random.Random(2).choice("xyz ") for _ in range(70_000)).encode()
    for values in ({b"TOKEN-A": b"S7", b"TOKEN-B": b"Seven &amp; Co"}, {b"TOKEN-A": b"", b"TOKEN-B": long}):
        text, raw = part.fill(values)
        assert text == xml.replace(b"TOKEN-A", values[b"TOKEN-A"]).replace(b"TOKEN-B", values[b"TOKEN-B"])
        assert zlib.decompress(raw, -15) == text
