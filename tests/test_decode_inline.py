"""decode_cell's short way with a long inline string (fastpath._inline_text) reads what its cell pattern reads,
and leaves every other shape to it."""

from __future__ import annotations

import pytest

from maturity_xl.reading import fastpath
from maturity_xl.reading.fastpath import decode_cell

LONG = "x" * 130  # longer than a kept cell: the short way is taken only for these

SHAPES = [
    f' s="6" t="inlineStr"><is><t xml:space="preserve">{LONG} and more.</t></is></c>',
    f' t="inlineStr" s="6"><is><t>{LONG}</t></is></c></row><row r="8" spans="1:6">',
    f' t="inlineStr"><is><t>{LONG} &amp; &lt;b&gt; &#x41;&#66; _x000D_ line</t></is></c>',
    f' t="inlineStr"><is><t>{LONG}\r\nnext</t></is></c>',
    f' s="6" t="inlineStr"  ><is><t>{LONG}</t></is></c>',
    f' t="inlineStr"><is><t>{LONG} &bogus;</t></is></c>',  # an entity only expat may judge
    f' t="inlineStr"><is><t>{LONG}</t></is><extLst/></c>',  # more after the text: the pattern's other shape
    f' t="inlineStr"><is><r><t>{LONG}</t></r></is></c>',  # a run: not one plain text
    f' t="str"><is><t>{LONG}</t></is></c>',  # another type
    f' t="inlineStr"><is><t>{LONG}</t></is>',  # never closed
    f' t="inlineStr"><is><t>{LONG}</t></is></c >',
    f' t="inlineStr"><is><t>{LONG} ]]> </t></is></c>',  # refused, as expat refuses it
    f' t="inlineStr"><is><t>{LONG} \ufffe</t></is></c>',
    f' t="inlineStr"><is><t>{LONG} caf\u00e9 \u2019</t></is></c>',
    f' t="inlineStr"><is><t>{LONG} _x0041_</t></is></c>',
    f' t="inlineStr"><is><t>{LONG} < </t></is></c>',  # markup in the text
    f' t="inlineStr"><is><t xml:space="other">{LONG}</t></is></c>',
    f' t="inlineStr"><is><tx>{LONG}</tx></is></c>',
    f' s="6" s="7" t="inlineStr"><is><t>{LONG}</t></is></c>',
    f' t="inlineStr" x="1"><is><t>{LONG}</t></is></c>',
    f' t="inlineStr"\n\t><is><t xml:space="preserve">{LONG}</t></is></c></row>',
    f' t="inlineStr"><is><t>{LONG}</t></is></c><is><t>x</t></is></c>',
]


@pytest.mark.parametrize("shape", SHAPES, ids=range(len(SHAPES)))
def test_a_long_inline_string_reads_as_the_cell_pattern_reads_it(shape, monkeypatch):
    piece = ("E7" + '"' + shape).encode()
    fast = _outcome(piece)
    monkeypatch.setattr(fastpath, "_inline_text", lambda piece, at: None)
    assert _outcome(piece) == fast


def _outcome(piece: bytes) -> object:
    """What decode_cell gives for `piece`, or the code of the error it raises."""
    try:
        return decode_cell(piece, None, 3)
    except fastpath.ReadError as exc:
        return exc.code


def test_the_short_way_is_taken_for_a_typed_answer():
    piece = f'E7" s="6" t="inlineStr"><is><t xml:space="preserve">{LONG}</t></is></c>'.encode()
    assert fastpath._inline_text(piece, 3) == fastpath.Cell(LONG, None, "inlineStr")
