"""XML safety: a part as UTF-8 that the fast scans and expat can both read, no DTD anywhere it could stand (which
rules out entity bombs and external entities), and expat run with every DTD handler refusing.

`xml_part_memo` is `xml_part` for the parts every return of a programme shares: the checked bytes are kept by the
part's stored bytes (memo.py), so they are inflated and checked once a process; a part that fails fails each time.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from xml.parsers import expat

from .errors import ReadError
from .memo import PartMemo
from .zipsafe import read_member, read_stored, resolve, stored_key

_DTD_MESSAGE = ("the file contains an XML document type declaration, which workbooks never need (it is how "
                "entity bombs and external-entity attacks work)")
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_TEXT_ENCODINGS = ("utf-8", "utf-16", "utf-32", "iso8859", "latin", "cp125", "ascii")


def xml_part(zf: zipfile.ZipFile, name: str, what: str) -> bytes:
    """An XML part as UTF-8 bytes, checked: no DTD, valid text. KeyError when the part is missing."""
    return xml_bytes(read_member(zf, name), name, what)


def xml_part_memo(zf: zipfile.ZipFile, name: str, what: str, memo: PartMemo | None = None) -> bytes:
    """xml_part, taken from `memo` (by default, one for the package's small parts) when the part's stored bytes
    were read and passed before: the same bytes object each time, so a memo keyed on it hashes it once. Errors
    are raised again each time, never kept."""
    info = resolve(zf, name)
    key = stored_key(zf, info)
    if key is None:
        return xml_bytes(read_member(zf, info), name, what)
    memo = _XML if memo is None else memo
    found = memo.get(key)
    if found is None:
        found = xml_bytes(read_stored(info, key), name, what)
        memo.put(key, found)
    return found  # type: ignore[return-value]


_XML = PartMemo()


def xml_bytes(data: bytes, name: str = "", what: str = "") -> bytes:
    """`data` as UTF-8 XML that the fast scans and expat can both read, or a ReadError."""
    where = f"{what} ({name})" if what and name else (what or name or "a part")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        data = _recode(data, "utf-16", where)
    else:
        declared = _DECLARED_ENCODING.match(data.removeprefix(codecs.BOM_UTF8))
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            data = _recode(data, declared.group(1).decode("ascii"), where)
    if not data.isascii() and not _is_utf8(data):
        raise ReadError("bad-xml", f"{where} is damaged: it holds bytes that are not text")
    if data.startswith(b"<!DOCTYPE", PROLOG.match(data, 3 if data.startswith(codecs.BOM_UTF8) else 0).end()):
        raise ReadError("xml-dtd", _DTD_MESSAGE)
    return data


_PIECE = 8192


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, checked piece by piece: pieces all ASCII (most of a part) are passed by
    isascii, and the others decoded alone, in pieces of a few KB rather than as one string of the whole part
    (which for a sheet with one curly quote is a string of two bytes a character: ~2x the time).

    Exact: valid pieces join into valid UTF-8, so a part with a bad byte has a piece that fails; and a piece ends
    before a byte that is not a continuation byte (10xxxxxx), which in valid UTF-8 starts a character, so a valid
    part never fails. A continuation byte comes at most three in a row in valid UTF-8: after four the piece ends
    anyway (and the part is not valid)."""
    n = len(data)
    start = 0
    while start < n:
        end = start + _PIECE
        for _ in range(4):
            if end >= n or data[end] & 0xC0 != 0x80:
                break
            end += 1
        piece = data[start:end]
        if not piece.isascii():
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                return False
        start = end
    return True


# What may come before a document type declaration: white space, processing instructions (the XML declaration)
# and comments. A DTD can stand only there; one anywhere else is a syntax error to expat, and the fast scans
# never expand an entity (they leave any but XML's own five to expat), so looking past the prolog, a search
# of every byte of a part, is not needed. Possessive repeats: linear on an unclosed comment.
PROLOG = re.compile(rb"(?:\s++|<\?(?:[^?]++|\?(?!>))*+\?>|<!--(?:[^-]++|-(?!->))*+-->)*+")


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


def run_expat(data: bytes, start, end, chars, part: str = "") -> None:
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
