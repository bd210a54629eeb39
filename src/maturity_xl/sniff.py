"""Tell what a returned file really is from its bytes, never its name, and say what the sender should do.

People return workbooks as old .xls, .ods, CSV, Numbers files, web pages saved as .xls, Word documents,
password-protected copies and half-copied downloads. Each needs its own plain answer. A zip is checked for bombs
and tampering (reader.check_zip) before any of its parts is inflated, and then only with a bound. The content
list, the same in every return of a programme, is judged once a process by its stored bytes (reading/memo.py).
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass

from . import catalogue
from .reading import ReadError, check_zip, open_zip, read_member
from .reading.memo import PartMemo
from .reading.zipsafe import read_stored, stored_key

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EOCD = b"PK\x05\x06"
ARCHIVES = ((b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"Rar!\x1a\x07", "RAR"))


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: str  # xlsx, xlsm, xltx, or the catalogue's code for a file we cannot read
    message: str = ""
    advice: str = ""  # the catalogue's, for a file we cannot read

    @property
    def readable(self) -> bool:
        return self.kind in ("xlsx", "xlsm", "xltx")


def _no(kind: str, message: str = "", **fields: object) -> Sniffed:
    """A file we cannot read, as the catalogue words it (or with a message more precise for the case)."""
    entry = catalogue.entry(kind)
    return Sniffed(kind, message or entry.format(**fields), entry.advice)


def _utf16(name: str) -> bytes:
    # An OLE directory entry holds its stream name in UTF-16, ended by a zero character: the terminator keeps
    # the same word in a document's own text from matching.
    return name.encode("utf-16-le") + b"\x00\x00"


def sniff(data: bytes) -> Sniffed:
    """What the bytes are, with a reason and advice when they are not a workbook we can read."""
    kind, zf = sniff_open(data)
    if zf is not None:
        zf.close()
    return kind


def sniff_open(data: bytes) -> tuple[Sniffed, zipfile.ZipFile | None]:
    """As `sniff`, and for a workbook we can read, the zip it opened and checked (the caller closes it), so the
    reader goes on with it rather than parsing and checking the zip's directory a second time."""
    if data.startswith(b"PK"):
        return _zip(data)
    return _sniff(data), None


def _sniff(data: bytes) -> Sniffed:
    if not data:
        return _no("empty")
    if data.startswith(OLE_MAGIC):
        return _ole(data)
    for magic, name in ARCHIVES:
        if data.startswith(magic):
            return _no("archive", name=name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _no("text", what="'Unicode Text'")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return _no("pdf")
    if head.startswith(b"{\\rtf"):
        return _no("rtf")
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536]:
        return _no("xml-2003")
    if _is_html(head):
        return _no("html")
    text = _as_text(data[:4096])
    if text is not None:
        return _no("csv") if _looks_like_csv(text) else _no("text", what="text")
    return _no("unknown")


def _is_html(head: bytes) -> bool:
    """Web pages, including Excel's own 'Web Page' and 'Single File Web Page' (MHTML) saves."""
    if head.startswith(b"mime-version:") or b"content-type: multipart/related" in head[:1024]:
        return True
    if not head.startswith(b"<"):
        return False
    return any(tag in head for tag in (b"<!doctype html", b"<html", b"<table", b"<head", b"<body"))


def _ole(data: bytes) -> Sniffed:
    # OLE compound files keep their stream names in UTF-16 in directory sectors; a look for the names is enough
    # to tell an encrypted OOXML package from a legacy workbook or document.
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        return _no("encrypted")
    if _utf16("WordDocument") in data:
        return _no("doc")
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return _no("xls")
    if _utf16("PowerPoint Document") in data:
        return _no("ppt")
    return _no("ole")


def _zip(data: bytes) -> tuple[Sniffed, zipfile.ZipFile | None]:
    if data.rfind(EOCD, max(0, len(data) - (65536 + 22))) < 0:  # in the last 64 KB (a slice would copy them)
        return _no("incomplete"), None
    try:
        zf = open_zip(data)
    except ReadError as exc:
        if exc.code in ("not-a-zip", "damaged-zip"):
            return _no("damaged"), None
        return _no(exc.code, str(exc)), None
    try:
        check_zip(zf)
        kind = _package(zf)
    except ReadError as exc:
        kind = _no(exc.code, str(exc))
    except BaseException:
        zf.close()
        raise
    if kind.readable:
        return kind, zf
    zf.close()
    return kind, None


def _package(zf) -> Sniffed:
    names = zf.namelist()
    if names and names[0] == "mimetype":
        mime = read_member(zf, names[0], limit=1024)
        if b"opendocument.spreadsheet" in mime:
            return _no("ods")
        return _no("odf")
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return _no("numbers")
    if "[Content_Types].xml" not in names:
        return _no("zip")
    info = zf.getinfo("[Content_Types].xml")
    if info.file_size > 1024 * 1024:
        return _no("damaged", "the file's content list is implausibly large")
    flags = ("xl/workbook.bin" in names, "xl/workbook.xml" in names)
    key = stored_key(zf, info)  # the content list is the same in every return of a programme: judged once
    if key is None:
        return _by_types(read_member(zf, info), *flags)
    found = _KINDS.get((key, flags))
    if found is None:
        found = _by_types(read_stored(info, key), *flags)
        _KINDS.put((key, flags), found)
    return found  # type: ignore[return-value]


_KINDS = PartMemo(16)


def _by_types(types: bytes, binary: bool, main: bool) -> Sniffed:
    """What a package is, by its content list (and whether it holds xl/workbook.bin or xl/workbook.xml)."""
    # The main part's content type says what the package is; check the binary and the non-Excel ones first
    # (a macro-enabled Word document also says "macroEnabled").
    if b"sheet.binary" in types or binary:
        return _no("xlsb")
    if b"wordprocessingml" in types or b"ms-word." in types:
        return _no("docx")
    if b"presentationml" in types or b"ms-powerpoint." in types:
        return _no("pptx")
    if b"ms-excel.sheet.macroEnabled" in types or b"ms-excel.template.macroEnabled" in types:
        return Sniffed("xlsm")
    if b"spreadsheetml.template" in types:
        return Sniffed("xltx")
    if b"spreadsheetml.sheet.main" in types or main:
        return Sniffed("xlsx")
    if b"ms-excel.addin" in types:
        return _no("xlam")
    return _no("unknown-ooxml")


def _as_text(sample: bytes) -> str | None:
    if b"\x00" in sample:
        return None
    for encoding in ("utf-8", "cp1252"):
        try:
            return sample.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _looks_like_csv(text: str) -> bool:
    """Two or more lines, the first split into fields by a comma, semicolon or tab."""
    lines = [line for line in text.splitlines()[:10] if line.strip()]
    return len(lines) >= 2 and any(d in lines[0] for d in (",", ";", "\t"))
