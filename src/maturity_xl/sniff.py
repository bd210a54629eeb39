"""Tell what a returned file really is from its bytes, never its name, and say what the sender should do.

People return workbooks as old .xls, .ods, CSV, Numbers files, web pages saved as .xls, Word documents,
password-protected copies and half-copied downloads. Each needs its own plain answer.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EOCD = b"PK\x05\x06"


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: str  # xlsx, xlsm, or a reason code for a file we cannot read
    message: str = ""
    advice: str = ""

    @property
    def readable(self) -> bool:
        return self.kind in ("xlsx", "xlsm", "xltx")


SAVE_AS_XLSX = "Open it in Excel (or LibreOffice) and use Save As > 'Excel Workbook (.xlsx)', then send it again."
RESEND = "Please send the completed assessment workbook (.xlsx) you were sent."


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def sniff(data: bytes) -> Sniffed:
    """What the bytes are, with a reason and advice when they are not a workbook we can read."""
    if not data:
        return Sniffed("empty", "the file is empty (0 bytes)", "Send the file again; it may not have saved.")
    if data.startswith(OLE_MAGIC):
        return _ole(data)
    if data.startswith(ZIP_MAGIC) or data.startswith(b"PK"):
        return _zip(data)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<meta")):
        return Sniffed("html", "this is a web page saved with a spreadsheet name, not a workbook", SAVE_AS_XLSX)
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536]:
        return Sniffed("xml-2003", "this is an old 'XML Spreadsheet 2003' file, which loses the workbook's layout",
                       SAVE_AS_XLSX)
    if head.startswith(b"{\\rtf"):
        return Sniffed("rtf", "this is a rich-text document, not a workbook", RESEND)
    if head.startswith(b"%pdf"):
        return Sniffed("pdf", "this is a PDF, not a workbook; the answers cannot be read from it", RESEND)
    if _looks_like_text(data[:4096]):
        return Sniffed("text", "this is a CSV or text file; the workbook's structure and hidden details are lost "
                               "when a workbook is saved as CSV", RESEND)
    return Sniffed("unknown", "this file is not an Excel workbook", RESEND)


def _ole(data: bytes) -> Sniffed:
    # OLE compound files keep their stream names in UTF-16 in directory sectors; a look for the names is enough
    # to tell an encrypted OOXML package from a legacy workbook or document.
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        return Sniffed("encrypted", "the workbook is protected with a password to open, so it cannot be read",
                       "Remove the password to open (File > Info > Protect Workbook > Encrypt with Password, "
                       "clear it), save, and send it again.")
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return Sniffed("xls", "the workbook was saved in the old Excel 97-2003 (.xls) format", SAVE_AS_XLSX)
    if _utf16("WordDocument") in data:
        return Sniffed("doc", "this is a Word document, not a workbook", RESEND)
    return Sniffed("ole", "this is an old Office file, not an Excel workbook", RESEND)


def _zip(data: bytes) -> Sniffed:
    if EOCD not in data[-(65536 + 22):]:
        return Sniffed("incomplete", "the file is incomplete: it looks like a copy or download that had not "
                                     "finished", "Wait until the file has finished copying or downloading, then "
                                                 "try again; if it happens again, ask for the file to be resent.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Sniffed("damaged", "the file is damaged and cannot be opened as a workbook", RESEND)
    try:
        if names and names[0] == "mimetype":
            mime = zf.read("mimetype")[:100]
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
            return Sniffed("damaged", "the file's content list is implausibly large", RESEND)
        types = zf.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        return Sniffed("damaged", f"the file is damaged and cannot be opened as a workbook ({exc})", RESEND)
    if b"spreadsheetml.sheet.binary" in types or "xl/workbook.bin" in names:
        return Sniffed("xlsb", "the workbook was saved as an Excel Binary Workbook (.xlsb)", SAVE_AS_XLSX)
    if b"macroEnabled" in types:
        return Sniffed("xlsm")
    if b"spreadsheetml.template" in types:
        return Sniffed("xltx")
    if b"spreadsheetml.sheet.main" in types or b"purl.oclc.org" in types or "xl/workbook.xml" in names:
        return Sniffed("xlsx")
    if b"wordprocessingml" in types:
        return Sniffed("docx", "this is a Word document, not a workbook", RESEND)
    if b"presentationml" in types:
        return Sniffed("pptx", "this is a PowerPoint presentation, not a workbook", RESEND)
    return Sniffed("unknown-ooxml", "this is an Office file, but not an Excel workbook", RESEND)


def _looks_like_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True
