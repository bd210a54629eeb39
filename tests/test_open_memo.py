"""Opening a return: the parts every return of a programme shares are read once a process (reading/memo.py), and
that changes nothing a return is judged by: a part is known by its stored bytes themselves, failures are never
kept, and the memos stay within their bounds however many different parts a collection holds."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from maturity_xl.generate import Service, generate_bytes
from maturity_xl.parse import parse
from maturity_xl.reading import memo, open_workbook
from maturity_xl.reading.props import _by_expat, read_custom_properties
from maturity_xl.reading.xmlsafe import _XML
from maturity_xl.safeio import read_regular
from maturity_xl.spec import load_framework


@pytest.fixture(scope="module")
def blank() -> bytes:
    return generate_bytes(load_framework("lincolnshire"), service=Service("S1", "One"))


def replaced(data: bytes, name: str, content: bytes) -> bytes:
    """The package with one part's content replaced (or added), the rest copied as they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info))
        if name not in src.namelist():
            dst.writestr(name, content)
    return out.getvalue()


def with_crc(data: bytes, name: str, crc: int) -> bytes:
    """The package with one part's declared CRC (central directory and local header) changed, its stream not."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    struct.pack_into("<I", out, info.header_offset + 14, crc)
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        assert at >= 0
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == name.encode():
            struct.pack_into("<I", out, at + 16, crc)
            return bytes(out)
        at += 4


def fatal(data: bytes) -> str | None:
    response = parse(data, name="r.xlsx")
    return response.problems[0].code if response.rejected else None


def test_a_return_opens_the_same_from_the_memo(blank):
    first = open_workbook(blank)
    again = open_workbook(blank)
    assert again.sheets == first.sheets and again.sheets is not first.sheets
    assert next(iter(again.sheets.values())) is not next(iter(first.sheets.values()))  # each return its own
    assert (again.strict, again.workbook_protected, again.shared_strings_path) == \
        (first.strict, first.workbook_protected, first.shared_strings_path)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                                  "[Content_Types].xml"])
def test_a_wrong_crc_on_a_part_read_before_is_still_a_damaged_file(blank, part):
    """The same stream under another declared CRC must not be taken from the memo: the CRC is in the key."""
    assert fatal(blank) is None  # read once: the part is in the memo
    with zipfile.ZipFile(io.BytesIO(blank)) as zf:
        crc = zf.getinfo(part).CRC
    assert fatal(with_crc(blank, part, crc ^ 1)) == "damaged"


def test_a_failure_is_not_kept(blank):
    bad = replaced(blank, "xl/workbook.xml", b'<!DOCTYPE x [<!ENTITY a "b">]><workbook/>')
    assert fatal(bad) == "xml-dtd"
    assert fatal(bad) == "xml-dtd"  # and again: nothing of it was kept
    assert fatal(blank) is None


def test_duplicate_sheets_still_refused_from_a_shared_sheet_list(blank):
    with zipfile.ZipFile(io.BytesIO(blank)) as zf:
        xml = zf.read("xl/workbook.xml")
    doubled = xml.replace(b'<sheet name="Assessment"', b'<sheet name="ASSESSMENT" sheetId="9" r:id="rId2"/>'
                                                       b'<sheet name="Assessment"', 1)
    assert doubled != xml
    bad = replaced(blank, "xl/workbook.xml", doubled)
    assert fatal(bad) == "duplicate-sheets"
    assert fatal(bad) == "duplicate-sheets"


def test_the_memos_stay_within_their_bounds(blank):
    """A collection whose returns all differ in the parts opened first only turns the memos over."""
    with zipfile.ZipFile(io.BytesIO(blank)) as zf:
        rels = zf.read("_rels/.rels")
    for i in range(3 * memo.MAX_ENTRIES):
        varied = replaced(blank, "_rels/.rels", rels.replace(b"<Relationships", b"<!-- %d --><Relationships" % i))
        assert fatal(varied) is None
    from maturity_xl.reading import package
    from maturity_xl.sniff import _KINDS

    for each in (_XML, package._RELS, package._SHEETS, _KINDS, memo.SHEETS):
        assert 0 < len(each) <= memo.MAX_ENTRIES


def test_a_part_too_large_is_read_but_not_kept(blank):
    _XML.clear()
    with zipfile.ZipFile(io.BytesIO(blank)) as zf:
        rels = zf.read("_rels/.rels")
    padded = rels.replace(b"<Relationships", b"<!--" + b"x" * (memo.MAX_INFLATED + 1) + b"--><Relationships")
    assert fatal(replaced(blank, "_rels/.rels", padded)) is None
    assert all(len(key[3]) <= memo.MAX_PACKED and value is not padded for key, value in _XML._entries.items())
    assert all(len(value) <= memo.MAX_INFLATED for value in _XML._entries.values())


def test_a_memo_evicts_its_oldest_entry():
    m = memo.PartMemo(3)
    for i in range(5):
        m.put((i,), i)
    assert len(m) == 3 and m.get((0,)) is None and m.get((4,)) == 4


PROLOG = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats'
          b'.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
          b'2006/docPropsVTypes">')


def prop(name: bytes, text: bytes, kind: bytes = b"lpwstr") -> bytes:
    return (b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="' + name + b'"><vt:' + kind +
            b">" + text + b"</vt:" + kind + b"></property>")


@pytest.mark.parametrize("body", [
    prop(b"maturity_xl_signature", b"abc") + prop(b"service", b"S1"),
    prop(b"a", b"") + prop(b"", b"dropped") + prop(b"a", b"second wins"),
    prop(b"a", b"x &amp; y") + prop(b"b", b"&#65;"),
    prop(b"a", b"line\r\nend") + prop(b"b", b"tab\there\nnew"),
    prop(b"na\tme", b"v") + prop(b"n", b"caf\xc3\xa9 \xe2\x80\x99"),
    prop(b"a", b"x]]>y"),
    prop(b"a", b"bad \x01 char"),
    prop(b"a", b"\xef\xbf\xbe"),
    prop(b"a", b"v", b"i4") + prop(b"b", b"<![CDATA[c]]>"),
    prop(b"a", b"v") + b"<!-- note -->" + prop(b"b", b"w"),
    prop(b"a", b"v").replace(b"</vt:lpwstr>", b"</vt:other>"),
    prop(b"a", b"v").replace(b'pid="2"', b'pid="2" pid="3"'),
], ids=["usual", "empty-and-repeated", "entities", "line-ends", "tab-in-name-and-unicode", "cdata-end", "control",
        "non-character", "cdata", "comment", "mismatched", "duplicate-attribute"])
@pytest.mark.parametrize("tail", [b"</Properties>", b"</Properties>\r\n", b"</Properties>\x0b", b""],
                         ids=["end", "newline", "vertical-tab", "unclosed"])
def test_custom_properties_read_as_expat_reads_them(body, tail):
    data = PROLOG + body + tail

    def outcome(read):
        try:
            return read(data, "docProps/custom.xml")
        except Exception as exc:  # noqa: BLE001 - the two readers must fail alike
            return type(exc), getattr(exc, "code", None)

    assert outcome(read_custom_properties) == outcome(_by_expat)


def test_read_regular_reads_a_file_of_any_size(tmp_path):
    for size in (0, 1, 4095, 1024 * 1024, 1024 * 1024 + 7, 3 * 1024 * 1024):
        path = tmp_path / f"f{size}"
        content = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        path.write_bytes(content)
        assert read_regular(path) == content


@pytest.mark.parametrize("size", [8190, 8191, 8192, 8193, 8194, 8195, 20000])
@pytest.mark.parametrize("char", ["é", "’", "😀"])
def test_utf8_checked_in_pieces_as_a_whole_decode_would(size, char):
    """Characters of two, three and four bytes placed across a piece's end; and each byte of one broken."""
    from maturity_xl.reading.xmlsafe import _is_utf8

    for at in range(size - 8, size + 2):
        data = (b"a" * at + char.encode() + b"b" * 10)
        assert _is_utf8(data)
        for i in range(len(char.encode())):
            broken = bytearray(data)
            del broken[at + i]
            try:
                bytes(broken).decode("utf-8")
                whole = True
            except UnicodeDecodeError:
                whole = False
            assert _is_utf8(bytes(broken)) == whole
    assert not _is_utf8(b"a" * 8190 + b"\x80" * 9 + b"b")
    assert _is_utf8("’".encode() * 10000)


def test_utf8_checked_in_pieces_agrees_with_decode_on_random_bytes():
    import random

    from maturity_xl.reading.xmlsafe import _is_utf8

    rng = random.Random(5)
    alphabet = [b"a", b"\x80", b"\xbf", b"\xc3", b"\xe2", b"\xf0", b"\xff", "é".encode(), "’".encode(),
                "😀".encode()]
    for _ in range(300):
        data = b"x" * rng.randrange(8150, 8200) + b"".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        try:
            data.decode("utf-8")
            whole = True
        except UnicodeDecodeError:
            whole = False
        assert _is_utf8(data) == whole, data[8140:]
