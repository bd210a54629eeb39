"""A small, safe reader of the cells maturity-xl needs from a returned .xlsx.

Why not openpyxl: it is ~20x slower for this job, trusts the file's extension, loads every sheet, and sees
no sheets at all in a Strict Open XML file. This reader opens the zip from bytes, checks its central directory
before inflating anything, finds sheets by name (LibreOffice renumbers parts), and parses only the parts asked for,
with fast scans for the shapes spreadsheet applications write and expat for anything else, refusing any DTD
(which rules out entity bombs and external entities).

Every way a hostile or damaged file can fail here ends in a ReadError with a stable code, a plain message and
advice for the sender; nothing else escapes (tests/test_fuzz.py mutates real returns to hold us to that). Parts
are inflated with a bound: `ZipFile.read` inflates a member's whole stream before it compares the result with the
declared size, so a part that declares 1 MB and inflates to 300 MB costs 300 MB of memory; `read_member` stops
one byte past the declared size (inflating straight from the return's bytes, with zlib-ng where installed).
"""

from __future__ import annotations

import codecs
import functools
import io
import math
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote
from xml.parsers import expat

try:  # zlib-ng: the same interface, inflating about twice and checking CRCs ten times as fast
    from zlib_ng import zlib_ng as _zlib
except ImportError:  # pragma: no cover - it is a dependency; the standard library's zlib does the same job
    _zlib = zlib  # type: ignore[no-redef]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# Bounds on what one returned workbook may hold. A generated workbook is ~40 KB zipped and ~400 KB inflated.
MAX_MEMBERS = 2_000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200  # compression ratio of a big member; text XML rarely passes 50
RATIO_CHECK_FLOOR = 1024 * 1024
MAX_SHEETS = 256
MAX_CELLS = 1_000_000  # cells read from one sheet; an assessment sheet has a few thousand
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # all that Excel, LibreOffice and Numbers write

RESAVE = ("Open the completed workbook in Excel (or LibreOffice), save it with File > Save As > 'Excel Workbook "
          "(.xlsx)', and send that file.")
RESEND = "The file is damaged: send the completed workbook again (save it from Excel as .xlsx first)."
ADVICE = {
    "not-a-zip": RESEND, "damaged": RESEND, "damaged-zip": RESEND, "size-mismatch": RESEND, "bad-xml": RESEND,
    "not-a-workbook": "Send the completed assessment workbook (.xlsx) you were sent.",
    "encrypted-parts": "The file's contents are locked with a zip password: send the workbook itself, "
                       "without a password.",
}
# Codes for files that were built or altered by a program rather than saved by a spreadsheet application.
CRAFTED = ("zip-bomb", "overlapping-parts", "duplicate-parts", "too-many-parts", "too-many-sheets",
           "duplicate-sheets", "too-many-cells", "xml-dtd", "unsupported-compression")


class ReadError(Exception):
    """The file cannot be read as a workbook. `code` is stable; the message and advice are for a service."""

    def __init__(self, code: str, message: str, advice: str = ""):
        self.code = code
        self.advice = advice or ADVICE.get(code) or RESAVE
        super().__init__(message)


@dataclass(slots=True)
class Cell:
    value: object  # str, float, bool or None (blank); errors are str like "#N/A"
    formula: str | None = None
    kind: str = "n"  # the cell type attribute: n, s, str, inlineStr, b, e, d


@dataclass(slots=True)
class SheetInfo:
    name: str
    path: str
    state: str  # visible, hidden, veryHidden


@dataclass(slots=True)
class Workbook:
    """An opened, checked package. Sheets are parsed on demand and cached."""

    zf: zipfile.ZipFile
    sheets: dict[str, SheetInfo]
    strict: bool = False
    _shared: list[str] | None = None
    _cells: dict[tuple, dict[tuple[int, int], Cell]] = field(default_factory=dict)
    _indexes: dict[str, Index | None] = field(default_factory=dict)
    _shared_cells: dict[bytes, Cell] = field(default_factory=dict)
    _blanks: dict[bytes, Cell] = field(default_factory=dict)  # one blank Cell per type attribute
    _expat: dict[str, dict[tuple[int, int], Cell]] = field(default_factory=dict)
    workbook_protected: bool = False
    shared_strings_path: str | None = None
    _parts: dict[str, bytes] = field(default_factory=dict)

    def close(self) -> None:
        self.zf.close()

    def shared_strings(self) -> list[str]:
        if self._shared is None:
            path = self.shared_strings_path
            data = _xml_part(self.zf, path, "the shared strings") if path else b""
            fast = _scan_shared_strings(data)
            self._shared = fast if fast is not None else _parse_shared_strings(data, path or "")
        return self._shared

    def cells(self, sheet: str, columns: frozenset[int] | None = None) -> dict[tuple[int, int], Cell]:
        """The cells of a sheet keyed by 0-based (row, col); only the given columns when asked (faster)."""
        key = (sheet, columns)
        if key not in self._cells:
            index = self._index(sheet)
            if index is None:
                data = self._sheet_part(sheet)
                self._cells[key] = _parse_sheet(data, self.shared_strings, columns, self.sheets[sheet].path)
            else:
                positions = [_REF_POS[ref] for ref in index]
                if columns is not None:
                    positions = [pos for pos in positions if pos[1] in columns]
                self._cells[key] = self._decode(sheet, index, positions)
        return self._cells[key]

    def lookup(self, sheet: str, positions: list[tuple[int, int]], *,
               rows: int | None = None) -> dict[tuple[int, int], Cell]:
        """Just the cells at `positions` (0-based row, col), decoded only for those; blank ones are left out.

        `rows`: every position is in the sheet's first `rows` rows, so only the part of the sheet before the
        next row is scanned (rows are written in order); a sheet where that cannot be told is indexed whole.
        """
        if rows is not None and sheet not in self._indexes:
            head = _index_sheet(self._sheet_part(sheet), stop_row=rows + 1)
            if head is not None:
                return self._decode(sheet, head, positions)
        index = self._index(sheet)
        if index is None:
            wanted = set(positions)
            columns = frozenset(col for _row, col in wanted)
            return {k: v for k, v in self.cells(sheet, columns).items() if k in wanted}
        return self._decode(sheet, index, positions)

    def _index(self, sheet: str) -> Index | None:
        if sheet not in self._indexes:
            self._indexes[sheet] = _index_sheet(self._sheet_part(sheet))
        return self._indexes[sheet]

    def _decode(self, sheet: str, index: Index, positions) -> dict[tuple[int, int], Cell]:
        """The Cells at `positions` that are in the index.

        The hot loop of reading a return (about five hundred cells): blanks, shared strings and whole numbers
        are decoded inline; anything else goes through _decode_raw, and what that leaves to expat is read with
        expat. Each position is asked for once on the usual path, so decoded cells are not kept per position.
        """
        out: dict[tuple[int, int], Cell] = {}
        strings = None
        shared_cells = self._shared_cells
        blanks = self._blanks
        refs = _REF_BYTES
        find = index.get
        for pos in positions:
            entry = find(refs[pos])
            if entry is None:
                continue
            _ref, kind, value, other = entry
            if other:
                cell = None
            elif not value:  # a blank cell with a style: an unanswered input
                cell = blanks.get(kind) or blanks.setdefault(kind, Cell(None, None, _kind_name(kind)))
            elif kind == b"s":
                cell = shared_cells.get(value)  # one Cell per shared string: the map repeats a few often
                if cell is None:
                    if strings is None:
                        strings = self.shared_strings()
                    try:
                        cell = Cell(strings[int(value)], None, "s")
                    except (ValueError, IndexError):
                        cell = Cell(None, None, "s")
                    shared_cells[value] = cell
            elif not kind and value.isdigit() and len(value) < 16:
                cell = Cell(float(value), None, "n")  # a whole number: a rating, a row number
            else:
                cell = None
            if cell is None:
                cell = _decode_raw(kind, value, other, self.shared_strings)
                if cell is None:  # markup the fast path leaves to expat: read it from one expat pass
                    cell = self._by_expat(sheet).get(pos, Cell(None))
            out[pos] = cell
        return out

    def _by_expat(self, sheet: str) -> dict[tuple[int, int], Cell]:
        """The whole sheet read once by expat, for the cells the fast path leaves to it (once, not per cell: a
        hostile sheet of thousands of such cells must not be parsed thousands of times)."""
        cells = self._expat.get(sheet)
        if cells is None:
            cells = _parse_sheet(self._sheet_part(sheet), self.shared_strings, None, self.sheets[sheet].path)
            self._expat[sheet] = cells
        return cells

    def custom_properties(self) -> dict[str, str]:
        try:
            data = _xml_part(self.zf, "docProps/custom.xml", "the document properties")
        except KeyError:
            return {}
        props: dict[str, str] = {}
        state = {"name": None, "text": []}

        def start(tag, attrs):
            if tag.endswith("property"):
                state["name"] = attrs.get("name")
                state["text"] = []

        def end(tag):
            if tag.endswith("property") and state["name"]:
                props[state["name"]] = "".join(state["text"])
                state["name"] = None

        def chars(text):
            if state["name"]:
                state["text"].append(text)

        _run_expat(data, start, end, chars, "docProps/custom.xml")
        return props

    def _sheet_part(self, sheet: str) -> bytes:
        path = self.sheets[sheet].path
        if path not in self._parts:
            try:
                self._parts[path] = _xml_part(self.zf, path, f"the '{sheet}' sheet")
            except KeyError:
                raise ReadError("damaged", f"the file lists a sheet '{sheet}' whose contents are missing: it is "
                                           f"damaged or was put together by hand") from None
        return self._parts[path]


def check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse zip bombs and malformed archives before any part is inflated."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ReadError("too-many-parts", f"the file holds {len(infos):,} parts; a workbook has a few dozen")
    total = 0
    names: set[str] = set()
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        if info.header_offset < 0:  # the end record says the directory starts later than it does
            raise ReadError("damaged", f"the file is damaged: its index places a part ({info.filename}) before "
                                       f"the start of the file")
        key = info.filename.lower()  # package part names are case-insensitive
        if key in names:
            raise ReadError("duplicate-parts", f"the file holds two parts named {info.filename}: it was altered "
                                               f"by a program (a reader could see either one)")
        names.add(key)
        if info.flag_bits & 0x1:
            raise ReadError("encrypted-parts", "the parts inside the file are locked with a zip password")
        if info.compress_type not in ZIP_METHODS:
            raise ReadError("unsupported-compression", f"a part of the file ({info.filename}) is compressed in a "
                                                       f"way Excel never uses")
        if info.file_size > MAX_MEMBER_UNCOMPRESSED:
            raise ReadError("zip-bomb", f"a part of the file ({info.filename}) would inflate to "
                                        f"{info.file_size // (1024 * 1024):,} MB, which no real workbook does")
        total += info.file_size
        if info.file_size > RATIO_CHECK_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ReadError("zip-bomb", f"a part of the file ({info.filename}) is compressed "
                                        f"{info.file_size // max(info.compress_size, 1):,} to 1, "
                                        f"which no real workbook is")
        spans.append((info.header_offset, info.header_offset + 30 + len(info.filename.encode()) +
                      info.compress_size, info.filename))
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise ReadError("zip-bomb", f"the file would inflate to {total // (1024 * 1024):,} MB; "
                                    f"a workbook is well under 1 MB")
    spans.sort()
    for (_start1, end1, name1), (start2, _end2, name2) in zip(spans, spans[1:]):
        if start2 < end1:
            raise ReadError("overlapping-parts", f"parts of the file overlap ({name1}, {name2}): "
                                                 f"it has been tampered with or damaged")


# What zipfile and struct raise for a damaged central directory, local header or stream.
INFLATE_ERRORS = (zlib.error, _zlib.error)  # zipfile inflates with zlib, the reader with zlib-ng
_ZIP_ERRORS = (zipfile.BadZipFile, *INFLATE_ERRORS, EOFError, OSError, ValueError, struct.error, OverflowError,
               IndexError, NotImplementedError, RuntimeError)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """A zip over `data`, or a ReadError saying why it is not one."""
    # zipfile builds an object for every central-directory entry before check_zip can count them (a 50 MB zip64
    # listing a million entries costs 6 s and 500 MB), and an entry count in the end record can lie; every entry
    # starts with this signature, so counting it bounds the work first.
    if data.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise ReadError("too-many-parts", f"the file lists more than {MAX_MEMBERS:,} parts; a workbook has a few "
                                          f"dozen")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError("not-a-zip", "the file is not a complete Excel workbook") from None
    except _ZIP_ERRORS:
        raise ReadError("damaged-zip", "the file is damaged: its list of contents cannot be read") from None


def read_member(zf: zipfile.ZipFile, member: str | zipfile.ZipInfo, limit: int = MAX_MEMBER_UNCOMPRESSED) -> bytes:
    """One part's bytes, inflated no further than its declared size. KeyError when there is no such part."""
    info = member if isinstance(member, zipfile.ZipInfo) else _resolve(zf, member)
    if info.file_size > limit:
        raise ReadError("zip-bomb", f"a part of the file ({info.filename}) would inflate to "
                                    f"{info.file_size // (1024 * 1024):,} MB, which no real workbook does")
    try:
        if isinstance(zf.fp, io.BytesIO):  # a return read into memory (open_zip): inflate straight from its bytes
            data = _inflate(memoryview(zf.fp.getvalue()), info)  # the bytes open_zip was given, not a copy
        else:
            with zf.open(info) as stream:
                data = stream.read(info.file_size + 1)
    except _ZIP_ERRORS:
        raise ReadError("damaged", f"a part of the file ({info.filename}) is damaged and cannot be read") from None
    if len(data) != info.file_size:
        raise ReadError("size-mismatch", f"a part of the file ({info.filename}) is not the size the file's own "
                                         f"index gives: it was damaged or altered")
    return data


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then (past versions, flags, times, sizes) name and extra


def _inflate(view: memoryview, info: zipfile.ZipInfo) -> bytes:
    """One member's bytes from the zip's own bytes, as ZipFile.open and read would give them, checked the same
    way (the local header's signature and name, the CRC), without a file object and stream per part: a return
    has nine parts to read and this is about twice as quick. Inflates at most one byte past the declared size;
    the caller compares sizes. zipfile's own errors (BadZipFile, zlib.error) for anything wrong."""
    start = info.header_offset
    if start < 0:  # check_zip refuses these; a slice from a negative offset would count from the end
        raise zipfile.BadZipFile("a part placed before the start of the file")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(view, start)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name = bytes(view[start + 30:start + 30 + name_length])
    if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437") != info.orig_filename:
        raise zipfile.BadZipFile("the local header names another part")
    begin = start + 30 + name_length + extra_length
    packed = view[begin:begin + info.compress_size]
    if len(packed) != info.compress_size:
        raise zipfile.BadZipFile("truncated part")
    if info.compress_type == zipfile.ZIP_STORED:
        data = bytes(packed[:info.file_size + 1])
    else:
        data = _zlib.decompressobj(-15).decompress(packed, info.file_size + 1)
    if len(data) == info.file_size and _zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile("bad CRC-32")
    return data


def _resolve(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """A part by name; package part names are URI-encoded and case-insensitive, so try those forms too."""
    for candidate in (name, unquote(name)):
        try:
            return zf.getinfo(candidate)
        except KeyError:
            pass
    folded = {info.filename.lower(): info for info in zf.infolist()}
    info = folded.get(name.lower()) or folded.get(unquote(name).lower())
    if info is None:
        raise KeyError(name)
    return info


_DTD_MESSAGE = ("the file contains an XML document type declaration, which workbooks never need (it is how "
                "entity bombs and external-entity attacks work)")
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_TEXT_ENCODINGS = ("utf-8", "utf-16", "utf-32", "iso8859", "latin", "cp125", "ascii")


def _xml_part(zf: zipfile.ZipFile, name: str, what: str) -> bytes:
    """An XML part as UTF-8 bytes, checked: no DTD, valid text. KeyError when the part is missing."""
    return xml_bytes(read_member(zf, name), name, what)


def xml_bytes(data: bytes, name: str = "", what: str = "") -> bytes:
    """`data` as UTF-8 XML that the fast scans and expat can both read, or a ReadError."""
    where = f"{what} ({name})" if what and name else (what or name or "a part")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        data = _recode(data, "utf-16", where)
    else:
        declared = _DECLARED_ENCODING.match(data.removeprefix(codecs.BOM_UTF8))
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            data = _recode(data, declared.group(1).decode("ascii"), where)
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ReadError("bad-xml", f"{where} is damaged: it holds bytes that are not text") from None
    if data.startswith(b"<!DOCTYPE", _PROLOG.match(data, 3 if data.startswith(codecs.BOM_UTF8) else 0).end()):
        raise ReadError("xml-dtd", _DTD_MESSAGE)
    return data


# What may come before a document type declaration: white space, processing instructions (the XML declaration)
# and comments. A DTD can stand only there; one anywhere else is a syntax error to expat, and the fast scans
# never expand an entity (they leave any but XML's own five to expat), so looking past the prolog, a search
# of every byte of a part, is not needed. Possessive repeats: linear on an unclosed comment.
_PROLOG = re.compile(rb"(?:\s++|<\?(?:[^?]++|\?(?!>))*+\?>|<!--(?:[^-]++|-(?!->))*+-->)*+")


def _recode(data: bytes, encoding: str, where: str) -> bytes:
    """XML in another text encoding (UTF-16, Latin-1, ...) as UTF-8 with its declaration to match."""
    try:
        codec = codecs.lookup(encoding).name
        if not codec.startswith(_TEXT_ENCODINGS):
            raise LookupError(codec)
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        raise ReadError("bad-xml", f"{where} is in a text encoding ({encoding}) that workbooks do not use") \
            from None
    text = text.removeprefix("\ufeff")
    text = re.sub(r"""^(<\?xml[^>]{0,200}?encoding\s*=\s*)["'][^"']*["']""", r'\1"UTF-8"', text, count=1)
    return text.encode("utf-8")


def open_workbook(data: bytes, checked: zipfile.ZipFile | None = None) -> Workbook:
    """Open an .xlsx/.xlsm package from bytes, check it, and list its sheets by name. `checked` is the zip of
    `data` already opened and passed by check_zip (as sniff.sniff_open gives it); the Workbook then owns it."""
    zf = checked or open_zip(data)
    try:
        if checked is None:
            check_zip(zf)
        return _open(zf)
    except BaseException:
        zf.close()
        raise


def _open(zf: zipfile.ZipFile) -> Workbook:
    try:
        wb_path = _main_part(zf)
        wb_xml = _xml_part(zf, wb_path, "the workbook's list of sheets")
        rels = _relationships(zf, wb_path)
    except KeyError as exc:
        raise ReadError("not-a-workbook", f"the file has no workbook part ({exc.args[0] if exc.args else ''})") \
            from None
    sheets: dict[str, SheetInfo] = {}
    folded: set[str] = set()
    found = {"strict": False, "protected": False}

    def start(tag, attrs):
        local = tag.rsplit("}", 1)[-1]
        if tag.startswith(STRICT_MAIN_NS):
            found["strict"] = True  # Strict Open XML: the same names under other namespaces
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("}id") or k == "r:id"), None)
            target = rels.get(rid or "", ("", ""))[0]
            name = attrs.get("name", "")
            if target and name:
                if len(sheets) >= MAX_SHEETS:
                    raise ReadError("too-many-sheets", f"the file has more than {MAX_SHEETS} sheets; an "
                                                       f"assessment workbook has five")
                if name.casefold() in folded:
                    raise ReadError("duplicate-sheets", f"the file has two sheets named '{name}', which Excel "
                                                        f"does not allow: it was altered by a program")
                folded.add(name.casefold())
                sheets[name] = SheetInfo(name, target, attrs.get("state", "visible"))
        elif local == "workbookProtection":
            found["protected"] = attrs.get("lockStructure") in ("1", "true")

    _run_expat(wb_xml, start, None, None, wb_path)
    return Workbook(zf, sheets, strict=found["strict"], workbook_protected=found["protected"],
                    shared_strings_path=_shared_strings_part(zf, rels))


def _main_part(zf: zipfile.ZipFile) -> str:
    """The workbook part named by the package relationships (not always xl/workbook.xml)."""
    rels = _parse_rels(_xml_part(zf, "_rels/.rels", "the file's relationships"), "_rels/.rels")
    for target, rtype in rels.values():
        if rtype.endswith("/officeDocument"):
            return target.lstrip("/")
    raise KeyError("officeDocument relationship")


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (target part path, relationship type)."""
    folder, name = posixpath.split(part)  # string operations: pathlib costs ~40 us a return here
    rels_path = _normalise(posixpath.join(folder, "_rels", name + ".rels"))
    out = {}
    for rid, (target, rtype) in _parse_rels(_xml_part(zf, rels_path, "the workbook's relationships"),
                                            rels_path).items():
        if target.startswith("/"):
            out[rid] = (target.lstrip("/"), rtype)
        else:
            out[rid] = (_normalise(posixpath.join(folder, target)), rtype)
    return out


def _normalise(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def _parse_rels(data: bytes, name: str) -> dict[str, tuple[str, str]]:
    out = {}

    def start(tag, attrs):
        if tag.rsplit("}", 1)[-1] == "Relationship" and attrs.get("TargetMode") != "External":
            out[attrs.get("Id", "")] = (attrs.get("Target", ""), attrs.get("Type", ""))

    _run_expat(data, start, None, None, name)
    return out


def _shared_strings_part(zf: zipfile.ZipFile, rels: dict[str, tuple[str, str]]) -> str | None:
    for target, rtype in rels.values():
        if rtype.endswith("/sharedStrings") or target.lower().endswith("sharedstrings.xml"):
            try:
                return _resolve(zf, target).filename
            except KeyError:
                continue
    return None


def _run_expat(data: bytes, start, end, chars, part: str = "") -> None:
    parser = expat.ParserCreate(namespace_separator="}")

    def no_dtd(*_args):
        raise ReadError("xml-dtd", _DTD_MESSAGE)

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.ExternalEntityRefHandler = no_dtd
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if chars:
        parser.CharacterDataHandler = chars
        parser.buffer_text = True
    where = f" ({part})" if part else ""
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ReadError("bad-xml", f"a part of the file{where} is damaged: it is not well-formed XML "
                                   f"({expat.ErrorString(exc.code)}, line {exc.lineno})") from None
    except ReadError:
        raise
    except (ValueError, OverflowError, IndexError, KeyError, TypeError):
        raise ReadError("bad-xml", f"a part of the file{where} holds values in a shape no workbook has") from None


def _parse_shared_strings(data: bytes, part: str = "") -> list[str]:
    if not data:
        return []
    strings: list[str] = []
    state = {"in_t": False, "depth_rph": 0, "parts": []}

    def start(tag, _attrs):
        local = tag.rsplit("}", 1)[-1]
        if local == "si":
            state["parts"] = []
        elif local == "t" and not state["depth_rph"]:
            state["in_t"] = True
        elif local in ("rPh", "phoneticPr"):
            state["depth_rph"] += 1

    def end(tag):
        local = tag.rsplit("}", 1)[-1]
        if local == "si":
            strings.append(_excel_unescape("".join(state["parts"])))
        elif local == "t":
            state["in_t"] = False
        elif local in ("rPh", "phoneticPr"):
            state["depth_rph"] -= 1

    def chars(text):
        if state["in_t"]:
            state["parts"].append(text)

    _run_expat(data, start, end, chars, part)
    return strings


CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def split_ref(ref: str) -> tuple[int, int]:
    """'C5' -> (4, 2), 0-based. ValueError for anything else."""
    if len(ref) > 12:  # no cell reference is this long; and a long string is not worth keeping in the cache
        raise ValueError(ref)
    return _split_ref(ref)


@functools.lru_cache(maxsize=8192)  # the same few hundred references in every return
def _split_ref(ref: str) -> tuple[int, int]:
    m = CELL_REF.match(ref.replace("$", "").upper())
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _too_many_cells() -> ReadError:
    return ReadError("too-many-cells", f"a sheet holds more than {MAX_CELLS:,} cells; an assessment has a few "
                                       f"thousand")


def _parse_sheet(data: bytes, shared, columns: frozenset[int] | None = None,
                 part: str = "") -> dict[tuple[int, int], Cell]:
    cells: dict[tuple[int, int], Cell] = {}
    st = {"ref": None, "t": "n", "in": None, "v": [], "f": [], "is": [], "row": 0, "col": -1, "has_f": False,
          "count": 0}

    def start(tag, attrs):
        local = tag.rsplit("}", 1)[-1]
        if local == "c":
            ref = attrs.get("r")
            if ref:
                try:
                    st["row"], st["col"] = split_ref(ref)
                except ValueError:
                    st["col"] += 1
            else:  # r is optional: the next column on the current row
                st["col"] += 1
            st["t"] = attrs.get("t", "n")
            st["v"], st["f"], st["is"], st["has_f"] = [], [], [], False
        elif local == "row":
            r = attrs.get("r", "")
            st["row"] = int(r) - 1 if r.isascii() and r.isdigit() and len(r) <= 7 else st["row"] + 1
            st["col"] = -1
        elif local in ("v", "f", "t"):
            st["in"] = local
            if local == "f":
                st["has_f"] = True
        elif local in ("rPh",):
            st["in"] = "skip"

    def end(tag):
        local = tag.rsplit("}", 1)[-1]
        if local == "c":
            st["count"] += 1
            if st["count"] > MAX_CELLS:
                raise _too_many_cells()
            if columns is None or st["col"] in columns:
                cells[(st["row"], st["col"])] = _cell(st, shared)
        elif local in ("v", "f", "t", "rPh"):
            st["in"] = None

    def chars(text):
        where = st["in"]
        if where == "v":
            st["v"].append(text)
        elif where == "f":
            st["f"].append(text)
        elif where == "t":
            st["is"].append(text)

    _run_expat(data, start, end, chars, part)
    return cells


def _cell(st: dict, shared) -> Cell:
    kind = st["t"]
    formula = "".join(st["f"]) if st["has_f"] else None
    text = "".join(st["is"]) if kind == "inlineStr" else "".join(st["v"])
    return Cell(_typed(kind, text, shared), formula, kind)


EXCEL_EPOCH = datetime(1899, 12, 30)
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?\s*")


def _typed(kind: str, text: str, shared) -> object:
    """A cell's value from its type attribute and its text."""
    if kind == "s":
        try:
            index = int(text)
            return shared()[index] if index >= 0 else None  # -1 is no entry, not the last one
        except (ValueError, IndexError):
            return None
    if kind in ("inlineStr", "str"):
        return _excel_unescape(text)
    if kind == "e":
        return text
    if kind == "d":
        return _iso_date(text)
    if kind == "b":
        return text.strip() in ("1", "true") if text else None  # a blank boolean cell is blank, not FALSE
    if text == "":
        return None
    return _number(text)


def _number(text: str) -> float | str:
    """A number as Excel writes one; anything else (including inf and nan, which Excel never writes) stays text."""
    if _NUMBER.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
    return text


def _iso_date(text: str) -> float | str:
    """An ISO 8601 date cell (t="d", written by Strict files and some libraries) as an Excel serial number."""
    try:
        moment = datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        return text
    delta = moment.replace(tzinfo=None) - EXCEL_EPOCH
    return delta.days + delta.seconds / 86400


# --- the fast path ---------------------------------------------------------------------------------------------
# expat calls back into Python for every tag, which costs ~10 ms for one returned workbook. The parts we read are
# simple and regular (rows of <c> elements), so a scan with compiled regular expressions reads them ~5x faster.
# It never expands entities (a DTD is refused before either path runs), and whenever a part is not in the shape it
# expects (a cell without its reference, nested markup it does not know) it returns None and expat reads the part.
# Every pattern runs in linear time on hostile input: content is matched with possessive repeats that stop at the
# next element of the same kind, never with `.*?`, which would search to the end of the part from every unclosed
# tag (40,000 unclosed cells would take hours).

_V = re.compile(rb"<(?:\w+:)?v(?:\s[^<>]*)?>([^<]*)</(?:\w+:)?v>")
_F = re.compile(rb"<(?:\w+:)?f(?:\s[^<>]*?)?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_T = re.compile(rb"<(?:\w+:)?t(?:\s[^<>]*?)?(?:/>|>([^<]*)</(?:\w+:)?t>)")
_RPH = re.compile(rb"<(?:\w+:)?rPh\b(?:[^<]++|<(?!/?(?:\w+:)?rPh\b))*+</(?:\w+:)?rPh>")
_SI = re.compile(rb"<(?:\w+:)?si(?:\s[^<>]*)?(?:/>|>((?:[^<]++|<(?!/?(?:\w+:)?si[\s/>]))*+)</(?:\w+:)?si>)")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);")
_UNKNOWN_ENTITY = re.compile(r"&(?!#x[0-9A-Fa-f]{1,6};|#[0-9]{1,7};|amp;|lt;|gt;|quot;|apos;)")
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(raw: bytes) -> str | None:
    """XML text as expat gives it: line ends normalised (a literal CR or CRLF is a line feed; a character
    reference to CR stays one), character references resolved; None for an entity only a DTD could define."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        if _UNKNOWN_ENTITY.search(text):
            return None  # an entity we do not know: let expat decide
        text = _ENTITY.sub(_entity, text)
    return text


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise ReadError("bad-xml", "a part of the file is damaged: it names a character that XML does not "
                                       "allow")
        return chr(code)
    return _PREDEFINED[name]


def _excel_unescape(text: str) -> str:
    """Excel's escapes for characters XML cannot hold (_x000D_ is a carriage return); a surrogate pair written as
    two escapes becomes one character, and a lone half of one (which no text encoding can write) becomes U+FFFD."""
    if "_x" not in text:
        return text
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


class _LazyStrings:
    """The shared strings table, decoded only for the entries a reader asks for.

    A returned workbook's table holds every statement and help text; the parser needs a few dozen of them.
    `raw` holds each entry's inner XML, or, when `closed` is False, its inner XML followed by "</si>" and
    whatever comes before the next entry (cut when the entry is first asked for).
    """

    __slots__ = ("_raw", "_done", "_closed")

    def __init__(self, raw: list[bytes], closed: bool = True):
        self._raw = raw
        self._done: dict[int, str] = {}
        self._closed = closed

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index: int) -> str:
        text = self._done.get(index)
        if text is None:
            if index < 0:
                raise IndexError(index)
            inner = self._raw[index]
            if not self._closed:
                end = inner.find(b"</si>")
                if end < 0:
                    raise ReadError("bad-xml", "the file's shared strings are damaged: an entry never closes")
                inner = inner[:end]
            text = _si_text(inner)
            self._done[index] = text
        return text

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, _LazyStrings)) else NotImplemented

    def __iter__(self):
        return (self[i] for i in range(len(self._raw)))


def _si_text(inner: bytes) -> str:
    if inner.startswith(b"<t>") and inner.endswith(b"</t>") and b"<" not in inner[3:-4]:
        text = _unescape(inner[3:-4])
    else:
        if b"<rPh" in inner:
            inner = _RPH.sub(b"", inner)
        parts = [_unescape(t.group(1) or b"") for t in _T.finditer(inner)]
        text = None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
    if text is None:
        raise ReadError("bad-xml", "the file's shared strings use an XML entity that workbooks never use")
    return _excel_unescape(text)


def _scan_shared_strings(data: bytes) -> _LazyStrings | list[str] | None:
    if not data:
        return []
    if _MARKUP.search(data, _PROLOG.match(data).end()):
        return None  # a comment, CDATA or processing instruction could hold what looks like an entry: expat
    chunks = data.split(b"<si>")
    before = chunks.pop(0)
    entries = len(chunks)
    if entries and data.count(b"<si") == entries and data.count(b"si>") == 2 * entries and \
            data.count(b"</si><si>") == entries - 1 and not before.endswith(b"</si>") and b"</si>" in chunks[-1]:
        # The shape every spreadsheet application writes: entries opened exactly "<si>", each closed "</si>" right
        # before the next opens (so every one is closed; none is nested), none prefixed or self-closed. Split at
        # each <si>, ~5x quicker than the pattern; each entry is cut at its </si> only when asked for.
        return _LazyStrings(chunks, closed=False)
    raw = [si.group(1) or b"" for si in _SI.finditer(data)]
    if len(raw) != data.count(b"<si>") + data.count(b"<si ") + data.count(b"<si/>"):
        return None  # prefixed or unusual markup: expat reads it
    return _LazyStrings(raw)


def _decode(kind: str, inner: bytes | None, shared) -> Cell | None:
    """One cell's value from the XML inside its <c> element; None when it is in a shape we leave to expat."""
    formula = None
    value: object = None
    if inner:
        if inner.startswith(b"<v>") and inner.endswith(b"</v>") and b"<" not in inner[3:-4]:
            raw = inner[3:-4]
            text = _unescape(raw)
        else:
            f = _F.search(inner)
            if f is not None:
                formula = _unescape(f.group(1) or b"")
                if formula is None:
                    return None
            if kind == "inlineStr":
                parts = []
                for t in _T.finditer(_RPH.sub(b"", inner)):
                    piece = _unescape(t.group(1) or b"")
                    if piece is None:
                        return None
                    parts.append(piece)
                text = "".join(parts)
            else:
                v = _V.search(inner)
                text = _unescape(v.group(1)) if v else ""
        if text is None:
            return None
        value = _typed(kind, text, shared)
    return Cell(value, formula, kind)


# One pattern for the cells of a part in the shape Excel, LibreOffice and XlsxWriter write: the reference, an
# optional style and type, then either nothing, a plain <v> value (the common case, taken apart by the regex
# itself), or other content that _decode reads. findall hands back tuples without a Python call per cell, which is
# what makes indexing a whole sheet cheaper than searching it for the cells wanted. (Matching odd cells with an
# alternative in the same pattern was tried: it costs the literal-prefix search, and the scan 2.4x.)
_C_CELL = re.compile(rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"(?: s="[0-9]+")?(?: t="([A-Za-z]+)")?(?: s="[0-9]+")?'
                     rb"\s*(?:/>|><v>([^<&]+)</v></c>|>((?:[^<]++|<(?!/c>|c[\s/>]))*+)</c>)")

_MARKUP = re.compile(rb"<[!?]")
Index = dict[bytes, tuple[bytes, bytes, bytes, bytes]]  # b"C5" -> (b"C5", type, plain value, other content)


def _index_sheet(data: bytes, stop_row: int | None = None) -> Index | None:
    """Every cell of a part by its reference (b"C5"), still undecoded; with `stop_row` (1-based), only the cells
    written before that row's element.

    None when some cells are written in another shape (prefixes, attribute order, no reference), or `stop_row`
    is not found: the caller then reads the part with expat, or whole. The cell count is checked before anything
    is built, so a part of millions of tiny cells is refused without holding them.
    """
    start = data.find(b"<sheetData")
    if start < 0:  # elements with a namespace prefix (<x:sheetData>, <x:c>), as some tools write
        return None
    # Cells live only inside <sheetData>; what follows it (one data validation with its prompt per input cell,
    # merged cells, conditional formats) is up to two thirds of an Assessment or Action plan part, never scanned.
    end = data.rfind(b"</sheetData>")
    if end < start:
        end = len(data)
    if stop_row is not None:
        end = data.find(b'<row r="%d"' % stop_row, start, end)
        if end < 0:
            return None
    # Every element inside <sheetData> whose name starts with "c" is a cell, except the rich-text properties of
    # an inline string (<color>, <charset>, <condense>), which make the counts differ: expat reads those parts.
    written = data.count(b"<c", start, end)
    if written > MAX_CELLS:
        raise _too_many_cells()
    if _MARKUP.search(data, start, end):
        return None  # a comment, CDATA or processing instruction could hold what looks like a cell: expat
    found = _C_CELL.findall(data, start, end)
    if len(found) != written:
        return None
    return {entry[0]: entry for entry in found}


class _RefBytes(dict):
    """(row, col) -> b"C5", computed once per position."""

    def __missing__(self, pos: tuple[int, int]) -> bytes:
        ref = b"%s%d" % (_letters(pos[1]), pos[0] + 1)
        if len(self) < 100_000 and 0 <= pos[0] < 1_048_576 and 0 <= pos[1] < 16_384:  # only Excel's own grid
            self[pos] = ref
        return ref


class _RefPos(dict):
    """b"C5" -> (row, col), computed once per reference."""

    def __missing__(self, ref: bytes) -> tuple[int, int]:
        pos = _split_ref(ref.decode("ascii"))
        if len(self) < 100_000:
            self[ref] = pos
        return pos


_REF_BYTES = _RefBytes()
_REF_POS = _RefPos()


_KINDS = {b"": "n", b"n": "n", b"s": "s", b"str": "str", b"inlineStr": "inlineStr", b"b": "b", b"e": "e", b"d": "d"}


def _kind_name(kind: bytes) -> str:
    return _KINDS.get(kind) or kind.decode("ascii")


def _decode_raw(kind: bytes, value: bytes, other: bytes, shared) -> Cell | None:
    """A Cell from its index entry (shared strings with a plain value are decoded inline by the caller); None
    when its content is in a shape left to expat."""
    name = _kind_name(kind)
    if other or not value:
        return _decode_usual(name, other, shared) or _decode(name, other, shared)
    return Cell(_typed(name, _unescape(value), shared), None, name)  # a plain value holds no "&"


_EMPTY_VALUES = (b"", b"<v></v>", b"<v/>")


def _decode_usual(kind: str, inner: bytes, shared) -> Cell | None:
    """The two shapes of content most returns hold besides plain values, without the patterns _decode uses: an
    inline string in one run (<is><t>text</t></is>) and a formula with its cached value (<f>A1</f><v>x</v>).
    None for anything else, and for text with an entity only expat may judge."""
    if inner.endswith(b"</t></is>") and kind == "inlineStr":
        head = 7 if inner.startswith(b"<is><t>") else 28 if inner.startswith(b'<is><t xml:space="preserve">') else 0
        if head:
            raw = inner[head:-9]
            text = _unescape(raw) if b"<" not in raw else None
            return None if text is None else Cell(_excel_unescape(text), None, kind)
    elif inner.startswith(b"<f>") and kind != "inlineStr":  # an inline string keeps its text in <is>
        end = inner.find(b"</f>")
        if end < 0 or b"<" in inner[3:end]:
            return None
        rest = inner[end + 4:]
        if rest in _EMPTY_VALUES:
            raw = b""
        elif rest.startswith(b"<v>") and rest.endswith(b"</v>") and b"<" not in rest[3:-4]:
            raw = rest[3:-4]
        else:
            return None
        formula, text = _unescape(inner[3:end]), _unescape(raw)
        if formula is not None and text is not None:
            return Cell(_typed(kind, text, shared), formula, kind)
    return None


def _letters(col: int) -> bytes:
    letters = b""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = bytes([65 + rem]) + letters
    return letters
