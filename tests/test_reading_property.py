"""The fast path reads what expat reads: generated sheet and shared-strings parts, in every shape XML allows.

tests/test_fuzz.py holds the parser to "no crash, in time"; this holds the reader's two paths to one answer. Each
example writes a part from a model of cells (or shared-strings entries) with its markup varied the ways XML and
the applications that write it vary it: attribute order, quotes and white space, namespace prefixes on some or all
elements, entities and character references, CDATA, comments and processing instructions, inline strings in runs
with rich-text properties and phonetic runs, formulas with and without cached values, cells and rows without
their reference, and text that no XML may hold. Then the part is read by the reader as parse reads it (the fast
index, decoding, and its fallbacks) and by expat alone; both must give the same cells, or both refuse with the
same code. The shapes applications write must take the fast path, or the test would prove nothing.
"""

from __future__ import annotations

import functools
import io
import os
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from maturity_xl.reading import ReadError, SheetInfo, Workbook, xml_bytes
from maturity_xl.reading.cells import REF_BYTES
from maturity_xl.reading.expat import parse_shared_strings, parse_sheet
from maturity_xl.reading.fastpath import index_sheet, scan_shared_strings

LONG_RUN = "MXL_FUZZ_EXAMPLES" in os.environ
PROPERTY = settings(max_examples=int(os.environ.get("MXL_FUZZ_EXAMPLES", "400")), deadline=timedelta(seconds=5),
                    database=None, derandomize=not LONG_RUN, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = ["zero", "one & two", " three ", "four\nlines", "_x000D_five"]
PLAIN_SST = (f'<sst xmlns="{MAIN_NS}" count="5">' + "".join(
    f"<si><t>{s.replace('&', '&amp;')}</t></si>" for s in SHARED) + "</sst>").encode()

# What a cell's text may be, by its type attribute (None: no t attribute).
TEXTS = {
    None: st.sampled_from(["1", "0", "42", "007", "-3", "+1", "2.5", ".5", "5.", "1e3", "1E+2", "1e999", "-0",
                           " 3 ", "\t4\n", "inf", "nan", "0x10", "1_0", "", "abc", "9" * 20]),
    "n": st.sampled_from(["1", "2.5", "-0", "", " 7", "x"]),
    "s": st.sampled_from(["0", "1", "4", "5", "-1", " 1 ", "+1", "01", "1_0", "", "x", "1.0", "99999999999999999"]),
    "b": st.sampled_from(["0", "1", "true", "false", " 1", "", "TRUE", "2"]),
    "e": st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "", " #REF! "]),
    "d": st.sampled_from(["2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+01:00", "bad", ""]),
    "str": st.lists(st.sampled_from(list("ab &<>\"'\r\n\t_x0D9é€😀]") + ["_x000D_", "_xD83D_", "]]"]),
                    max_size=12).map("".join),
}
TEXTS["inlineStr"] = TEXTS["str"]
KINDS = [None, None, None, "n", "s", "s", "s", "str", "inlineStr", "inlineStr", "b", "e", "d"]
# Text no XML document may hold: expat refuses the part, so the fast path must refuse it too (or leave it to expat).
# (A control character written literally is the one exception, left out: the fast path reads it, expat refuses the
# part; looking for it in every text cost 0.6 M instructions a parse or more. See docs/hostile-returns.md.)
DAMAGE = ["&bogus;", "&#0;", "&#1;", "&#x1F;", "&#xFFFE;", "&#xD800;", "&#x110000;", "&#X41;", "]]>", "&amp",
          "\ufffe", "\uffff"]


def _letters(col: int) -> str:
    return REF_BYTES[(0, col)][:-1].decode()


def sometimes(draw, one_in: int) -> bool:
    """True about once in `one_in` draws. (Not `integers(0, n) == 0`: Hypothesis draws the ends of a range far
    more often than its middle, which would make the rare case common.)"""
    return draw(st.integers(0, one_in - 1)) == one_in // 2


@st.composite
def escaped(draw, text: str, damage: str = "", *, attribute: bool = False) -> str:
    """`text` as XML character data (or an attribute value), each character written one of the ways XML allows,
    then `damage` as it is (text no XML may hold, or "")."""
    if not attribute and text and "]]>" not in text and sometimes(draw, 10):
        return f"<![CDATA[{text}]]>{damage}"
    out = ""
    for ch in text:
        literal_ok = ch not in "<&" and not (attribute and ch in "\"'") and not (ch == ">" and out.endswith("]]"))
        how = draw(st.integers(0 if literal_ok else 1, 3 if ch in "<&>\"'" else 2))
        if how == 0 or (how == 3 and ch not in ENTITIES):
            out += ch  # literally (a CR stays a CR: expat and the fast path normalise line ends alike)
        elif how == 1:
            out += f"&#{ord(ch)};"
        elif how == 2:
            out += f"&#x{ord(ch):x};" if draw(st.booleans()) else f"&#x{ord(ch):04X};"
        else:
            out += ENTITIES[ch]
    return out + damage


ENTITIES = {"<": "&lt;", "&": "&amp;", '"': "&quot;", ">": "&gt;", "'": "&apos;"}


@st.composite
def markup(draw):
    """How a part writes its tags: namespace prefixes, quotes, white space, attribute order; half the time as
    spreadsheet applications write them (the cells' contents still vary), so that the fast path is exercised."""
    if draw(st.booleans()):
        return {"prefix": "none", "quote": '"', "space": "", "shuffle": False}
    return {
        "prefix": draw(st.sampled_from(["none", "none", "none", "all", "some", "cells"])),
        "quote": draw(st.sampled_from(['"', '"', '"', "'", "mixed"])),
        "space": draw(st.sampled_from(["", "", "", " ", "\n  ", "mixed"])),
        "shuffle": draw(st.sampled_from([False, False, True])),
    }


@st.composite
def tag(draw, style: dict, name: str, attrs: list[tuple[str, str]], close: str | None, is_cell: bool = False):
    """<name attrs>close</name>, or <name attrs/> when close is None, in `style`'s markup."""
    prefix = style["prefix"]
    pre = "x:" if prefix == "all" or (prefix == "some" and draw(st.booleans())) or (
        prefix == "cells" and is_cell) else ""
    if style["shuffle"]:
        attrs = draw(st.permutations(attrs))
    written = []
    for key, value in attrs:
        quote = draw(st.sampled_from(['"', "'"])) if style["quote"] == "mixed" else style["quote"]
        value = draw(escaped(value, attribute=True)) if key in ("extra", "x:extra") else value.replace(quote, "")
        gap = draw(st.sampled_from([" ", "\n\t", "  "])) if style["space"] == "mixed" else " " + style["space"]
        written.append(f'{gap}{key}={quote}{value}{quote}')
    gap = draw(st.sampled_from(["", " ", "\n"])) if style["space"] == "mixed" else style["space"]
    head = f"<{pre}{name}{''.join(written)}{gap}"
    if close is None:
        return head + "/>"
    return f"{head}>{close}</{pre}{name}{gap}>"


@st.composite
def runs(draw, style: dict, text: str, damage: str = "") -> str:
    """What an inline string's <is> or a shared-strings <si> holds for `text`: one <t>, or runs with rich-text
    properties, and now and then a phonetic run and its properties (neither of which is the text)."""
    shape = draw(st.sampled_from(["t", "t", "preserve", "runs", "runs"]))
    if shape in ("t", "preserve"):
        attrs = [("xml:space", "preserve")] if shape == "preserve" else []
        body = draw(tag(style, "t", attrs, draw(escaped(text, damage))))
    else:
        cut = draw(st.integers(0, len(text)))
        body = ""
        for piece, bad in ((text[:cut], ""), (text[cut:], damage)):
            props = ""
            if draw(st.booleans()):
                props = draw(tag(style, "rPr", [], draw(tag(style, "color", [("rgb", "FFFF0000")], None))
                                 + draw(tag(style, "b", [], None))))
            body += draw(tag(style, "r", [], props + draw(tag(style, "t", [], draw(escaped(piece, bad))))))
    if sometimes(draw, 4):
        body += draw(tag(style, "rPh", [("sb", "0"), ("eb", "1")], draw(tag(style, "t", [], "ふりがな"))))
        body += draw(tag(style, "phoneticPr", [("fontId", "1")], None))
    return body


@st.composite
def cell(draw, style: dict, row: int, col: int) -> str:
    kind = draw(st.sampled_from(KINDS))
    text = draw(TEXTS[kind])
    damage = draw(st.sampled_from(DAMAGE)) if sometimes(draw, 81) else ""
    attrs = []
    if not sometimes(draw, 60):  # now and then no reference: the next column
        attrs.append(("r", f"{_letters(col)}{row}"))
    if draw(st.booleans()):
        attrs.append(("s", str(draw(st.integers(0, 30)))))
    if kind is not None:
        attrs.append(("t", kind))
    if sometimes(draw, 41):
        attrs.append(("extra", draw(st.sampled_from(["1", "a>b", "/>", "x</v>", "<c r='B9'>"]))))
    shape = draw(st.sampled_from(["value", "value", "value", "empty", "blank", "formula", "formula"]))
    gap = draw(st.sampled_from(["", "", "\n  "]))
    if kind == "inlineStr" and shape == "value":
        body = draw(tag(style, "is", [], draw(runs(style, text, damage))))
    elif shape == "value":
        body = draw(tag(style, "v", [], draw(escaped(text, damage))))
    elif shape == "empty":
        body = draw(st.sampled_from(["", draw(tag(style, "v", [], "")), draw(tag(style, "v", [], None))]))
    elif shape == "blank":
        return draw(tag(style, "c", attrs, None, is_cell=True))
    else:
        formula = draw(st.sampled_from(["B1", "IF(A1>0,\"yes\",\"\")", "A1&B1", "SUM(A1:A3)", ""]))
        f_attrs = draw(st.sampled_from([[], [], [("t", "shared"), ("si", "0")], [("t", "shared"), ("ref", "A1:A3"),
                                                                               ("si", "0")], [("aca", "false")]]))
        f = draw(tag(style, "f", f_attrs, draw(escaped(formula)) if formula or draw(st.booleans()) else None))
        cached = draw(st.sampled_from(["value", "value", "none", "empty"]))
        body = f + {"value": lambda: draw(tag(style, "v", [], draw(escaped(text, damage)))), "none": lambda: "",
                    "empty": lambda: draw(tag(style, "v", [], None))}[cached]()
        if kind == "inlineStr" and draw(st.booleans()):
            body += draw(tag(style, "is", [], draw(runs(style, text, damage))))
    return draw(tag(style, "c", attrs, gap + body + gap, is_cell=True))


@st.composite
def sheet(draw) -> tuple[bytes, dict]:
    """A worksheet part of a few rows of cells, and the markup it was written in."""
    style = draw(markup())
    rows = []
    for number in sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=5))):
        cols = sorted(draw(st.sets(st.integers(0, 30), max_size=5)))
        cells = [draw(cell(style, number, col)) for col in cols]
        if sometimes(draw, 31):
            cells.insert(draw(st.integers(0, len(cells))), draw(st.sampled_from(
                ["<!-- a note -->", "<!-- <c r=\"A1\"><v>9</v></c> -->", "<?pi <c r=\"A1\"><v>9</v></c>?>"])))
        attrs = [("r", str(number))] if draw(st.integers(0, 20)) else []
        if draw(st.booleans()):
            attrs.append(("spans", f"1:{len(cols) or 1}"))
        joiner = draw(st.sampled_from(["", "", "\n    "]))
        rows.append(draw(tag(style, "row", attrs, joiner.join(cells) + joiner)))
    root_ns = f' xmlns="{MAIN_NS}"' if style["prefix"] != "all" else ""
    prefix = "x:" if style["prefix"] == "all" else ""
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']))
    data = (f'{prolog}<{prefix}worksheet{root_ns} xmlns:x="{MAIN_NS}"><{prefix}dimension ref="A1"/>'
            f'<{prefix}sheetData>{"".join(rows)}</{prefix}sheetData>'
            f'<{prefix}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f'</{prefix}worksheet>')
    return data.encode("utf-8"), style


def workbook(part: bytes, strings: bytes = PLAIN_SST) -> Workbook:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", part)
        zf.writestr("xl/sharedStrings.xml", strings)
    return Workbook(zipfile.ZipFile(io.BytesIO(buf.getvalue())),
                    {"S": SheetInfo("S", "xl/worksheets/sheet1.xml", "visible")},
                    shared_strings_path="xl/sharedStrings.xml")


def exactly(cells: dict) -> dict:
    """Cells comparable exactly: True == 1.0 in Python, so each value's type is compared too."""
    return {pos: (type(c.value).__name__, c.value, c.formula, c.kind) for pos, c in cells.items()}


def answer(read, shape=exactly) -> dict | str:
    """What a reader gives: its cells, or the code it refuses with."""
    try:
        return shape(read())
    except ReadError as exc:
        return f"refused: {exc.code}"


def by_expat(part: bytes) -> dict | str:
    strings = functools.cache(lambda: parse_shared_strings(PLAIN_SST))
    return answer(lambda: parse_sheet(xml_bytes(part), strings))


@PROPERTY
@given(generated=sheet(), picks=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 30)), max_size=8),
       head=st.integers(1, 12))
def test_the_fast_path_reads_a_sheet_as_expat_does(generated, picks, head):
    part, style = generated
    expected = by_expat(part)
    fast = index_sheet(xml_bytes(part)) if not isinstance(expected, str) else None
    event("fast index" if fast is not None else "left to expat")
    assert answer(lambda: workbook(part).cells("S")) == expected, part
    if isinstance(expected, str):
        return
    positions = list(dict.fromkeys(picks)) + list(expected)[:3]
    wanted = {pos: expected[pos] for pos in positions if pos in expected}
    assert answer(lambda: workbook(part).lookup("S", positions)) == wanted, part
    in_head = [pos for pos in positions if pos[0] < head]
    assert answer(lambda: workbook(part).lookup("S", in_head, rows=head)) == \
        {pos: cell for pos, cell in wanted.items() if pos[0] < head}, part


def test_the_shapes_applications_write_take_the_fast_path():
    """The property proves something only if the fast path runs: the shapes Excel, LibreOffice and XlsxWriter
    write are indexed and decoded without expat."""
    part = (f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1" spans="1:4">'
            '<c r="A1" t="s"><v>1</v></c><c r="B1" s="2"><v>4</v></c><c r="C1" s="3"/>'
            '<c r="D1" t="inlineStr"><is><t xml:space="preserve"> a &amp; b</t></is></c></row><row r="2">'
            '<c r="A2" t="str"><f>A1&amp;"x"</f><v>one &amp; twox</v></c><c r="B2" t="b"><v>1</v></c>'
            '<c r="C2" t="e"><v>#N/A</v></c><c r="D2"><v>2.5</v></c></row></sheetData></worksheet>').encode()
    wb = workbook(part)
    wb._expat["S"] = {}  # were expat asked for any cell, that cell would read as blank
    assert index_sheet(part) is not None
    assert exactly(wb.cells("S")) == by_expat(part)
    assert scan_shared_strings(PLAIN_SST) is not None


SI_TEXTS = st.lists(st.sampled_from(list("ab &<>\"'\r\n\t_x0D9é😀") + ["_x000D_", "]]"]), max_size=10).map("".join)


@st.composite
def shared_strings(draw) -> bytes:
    """A shared-strings part: entries as one <t>, runs, phonetic runs, self-closed or empty, in varied markup."""
    style = draw(markup())
    entries = []
    for text in draw(st.lists(SI_TEXTS, max_size=6)):
        damage = draw(st.sampled_from(DAMAGE)) if sometimes(draw, 41) else ""
        shape = draw(st.sampled_from(["t", "t", "t", "runs", "closed", "empty"]))
        attrs = [("extra", draw(st.sampled_from(["1", "a>b"])))] if sometimes(draw, 16) else []
        if shape == "closed":
            entries.append(draw(tag(style, "si", attrs, None)))
            continue
        if shape == "empty":
            body = draw(tag(style, "t", [], None))
        elif shape == "t":
            body = draw(tag(style, "t", [("xml:space", "preserve")] if draw(st.booleans()) else [],
                            draw(escaped(text, damage))))
        else:
            body = draw(runs(style, text, damage))
        entries.append(draw(tag(style, "si", attrs, body)))
    if entries and sometimes(draw, 13):
        entries.insert(draw(st.integers(0, len(entries))), draw(st.sampled_from(
            ["<!-- <si><t>x</t></si> -->", "<?pi <si><t>x</t></si>?>", "\n  "])))
    prefix = "x:" if style["prefix"] == "all" else ""
    root_ns = f' xmlns="{MAIN_NS}"' if style["prefix"] != "all" else ""
    joiner = draw(st.sampled_from(["", "", "\n"]))
    return (f'<{prefix}sst{root_ns} xmlns:x="{MAIN_NS}" count="{len(entries)}">{joiner.join(entries)}'
            f"</{prefix}sst>").encode()


@PROPERTY
@given(part=shared_strings())
def test_the_fast_path_reads_shared_strings_as_expat_does(part):
    expected = answer(lambda: parse_shared_strings(xml_bytes(part)), list)
    scanned = scan_shared_strings(xml_bytes(part)) if not isinstance(expected, str) else None
    event("fast split" if scanned is not None else "left to expat")
    assert answer(lambda: workbook(b"<worksheet/>", part).shared_strings(), list) == expected, part


@pytest.mark.parametrize("text", ["<sst><si><t>a</t></si><si><t>b &amp; c</t></si></sst>",
                                  "<sst><si><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></si></sst>"])
def test_plain_shared_strings_take_the_fast_split(text):
    assert scan_shared_strings(text.encode()) is not None
