"""Tell what a returned file really is from its bytes, never its name, and say what the sender should do.

People return workbooks as old .xls, .ods, CSV, Numbers files, web pages saved as .xls, Word documents,
password-protected copies and half-copied downloads. Each needs its own plain answer. A zip is checked for bombs
and tampering (reader.check_zip) before any of its parts is inflated, and then only with a bound.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass

from .reading import ReadError, check_zip, open_zip, read_member

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EOCD = b"PK\x05\x06"
ARCHIVES = ((b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"Rar!\x1a\x07", "RAR"))


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: str  # xlsx, xlsm, xltx, or a reason code for a file we cannot read
    message: str = ""
    advice: str = ""

    @property
    def readable(self) -> bool:
        return self.kind in ("xlsx", "xlsm", "xltx")


SAVE_AS_XLSX = "Open it in Excel (or LibreOffice) and use Save As > 'Excel Workbook (.xlsx)', then send it again."
RESEND = "Please send the completed assessment workbook (.xlsx) you were sent."
DAMAGED = "The file is damaged: send the completed workbook again (save it from Excel as .xlsx first)."
CSV_MESSAGE = ("this is a CSV or text file; the workbook's structure and hidden details are lost when a workbook is "
               "saved as CSV or text")


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
        return Sniffed("empty", "the file is empty (0 bytes)", "Send the file again; it may not have saved.")
    if data.startswith(OLE_MAGIC):
        return _ole(data)
    for magic, name in ARCHIVES:
        if data.startswith(magic):
            return Sniffed("archive", f"this is a {name} archive, not a workbook",
                           "Send the completed workbook itself (.xlsx), or a .zip of workbooks.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Sniffed("text", "this is a 'Unicode Text' file; the workbook's structure and hidden details are "
                               "lost when a workbook is saved as text", RESEND)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return Sniffed("pdf", "this is a PDF, not a workbook; the answers cannot be read from it", RESEND)
    if head.startswith(b"{\\rtf"):
        return Sniffed("rtf", "this is a rich-text document, not a workbook", RESEND)
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536]:
        return Sniffed("xml-2003", "this is an old 'XML Spreadsheet 2003' file, which loses the workbook's layout",
                       SAVE_AS_XLSX)
    if _is_html(head):
        return Sniffed("html", "this is a web page saved with a spreadsheet name, not a workbook", SAVE_AS_XLSX)
    text = _as_text(data[:4096])
    if text is not None:
        return Sniffed("csv" if _looks_like_csv(text) else "text", CSV_MESSAGE, RESEND)
    return Sniffed("unknown", "this file is not an Excel workbook", RESEND)


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
        return Sniffed("encrypted", "the workbook is protected with a password to open, so it cannot be read",
                       "Remove the password to open (File > Info > Protect Workbook > Encrypt with Password, "
                       "clear it), save, and send it again.")
    if _utf16("WordDocument") in data:
        return Sniffed("doc", "this is a Word document, not a workbook", RESEND)
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return Sniffed("xls", "the workbook was saved in the old Excel 97-2003 (.xls) format", SAVE_AS_XLSX)
    if _utf16("PowerPoint Document") in data:
        return Sniffed("ppt", "this is a PowerPoint presentation, not a workbook", RESEND)
    return Sniffed("ole", "this is an old Office file, not an Excel workbook", RESEND)


def _zip(data: bytes) -> tuple[Sniffed, zipfile.ZipFile | None]:
    if EOCD not in data[-(65536 + 22):]:
        return Sniffed("incomplete", "the file is incomplete: it looks like a copy or download that had not "
                                     "finished", "Wait until the file has finished copying or downloading, then "
                                                 "try again; if it happens again, ask for the file to be resent."), None
    try:
        zf = open_zip(data)
    except ReadError as exc:
        if exc.code in ("not-a-zip", "damaged-zip"):
            return Sniffed("damaged", "the file is damaged and cannot be opened as a workbook", DAMAGED), None
        return Sniffed(exc.code, str(exc), exc.advice), None
    try:
        check_zip(zf)
        kind = _package(zf)
    except ReadError as exc:
        kind = Sniffed(exc.code, str(exc), exc.advice)
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
            return Sniffed("ods", "the workbook was saved in OpenDocument (.ods) format", SAVE_AS_XLSX)
        return Sniffed("odf", "this is an OpenDocument file, not an Excel workbook", RESEND)
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return Sniffed("numbers", "this is an Apple Numbers file",
                       "In Numbers use File > Export To > Excel, and send the .xlsx.")
    if "[Content_Types].xml" not in names:
        return Sniffed("zip", "this is a zip archive, not a workbook", RESEND)
    info = zf.getinfo("[Content_Types].xml")
    if info.file_size > 1024 * 1024:
        return Sniffed("damaged", "the file's content list is implausibly large", DAMAGED)
    types = read_member(zf, info)
    # The main part's content type says what the package is; check the binary and the non-Excel ones first
    # (a macro-enabled Word document also says "macroEnabled").
    if b"sheet.binary" in types or "xl/workbook.bin" in names:
        return Sniffed("xlsb", "the workbook was saved as an Excel Binary Workbook (.xlsb)", SAVE_AS_XLSX)
    if b"wordprocessingml" in types or b"ms-word." in types:
        return Sniffed("docx", "this is a Word document, not a workbook", RESEND)
    if b"presentationml" in types or b"ms-powerpoint." in types:
        return Sniffed("pptx", "this is a PowerPoint presentation, not a workbook", RESEND)
    if b"ms-excel.sheet.macroEnabled" in types or b"ms-excel.template.macroEnabled" in types:
        return Sniffed("xlsm")
    if b"spreadsheetml.template" in types:
        return Sniffed("xltx")
    if b"spreadsheetml.sheet.main" in types or "xl/workbook.xml" in names:
        return Sniffed("xlsx")
    if b"ms-excel.addin" in types:
        return Sniffed("xlam", "this is an Excel add-in, not the assessment workbook", RESEND)
    return Sniffed("unknown-ooxml", "this is an Office file, but not an Excel workbook", RESEND)


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
