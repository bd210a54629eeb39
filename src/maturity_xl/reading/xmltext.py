"""XML text as expat gives it, for the fast path's scans (fastpath.py): line ends normalised, XML's own entities and
character references resolved, and the text XML refuses refused as expat refuses it.
"""

from __future__ import annotations

import re

from .errors import ReadError

_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);")
_UNKNOWN_ENTITY = re.compile(r"&(?!#x[0-9A-Fa-f]{1,6};|#[0-9]{1,7};|amp;|lt;|gt;|quot;|apos;)")
# Text XML may not hold: "]]>" literally, U+FFFE and U+FFFF (EF BF BE, EF BF BF in UTF-8) literally or by
# reference, control characters but tab, line feed and carriage return by reference (in _entity); each looked for
# behind a one-byte search. (bytes.find throughout, not `in`: `in` first tries its needle as an int, raising and
# clearing a TypeError each time, about five times the cost of the search.) A control character written literally
# is not looked for: no application writes one, and looking in every text cost 0.6 M instructions a parse with
# str.isprintable and 2.4 M with bytes.translate (a known difference from expat, in docs/hostile-returns.md).
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def unescape(raw: bytes) -> str | None:
    """XML text as expat gives it: line ends normalised (a literal CR or CRLF is a line feed; a character
    reference to CR stays one), character references resolved; None for an entity only a DTD could define."""
    # Looked for in the text rather than the bytes: `in` on a str is a quarter of the cost of a call of bytes.find
    # (which parses its arguments each time), and the same test (UTF-8 writes "]]>" as those bytes and U+FFFE,
    # U+FFFF as EF BF BE, EF BF BF; a part is valid UTF-8, checked whole, and cut only before "<" or after ">").
    text = raw.decode("utf-8")
    if "]]>" in text or "\ufffe" in text or "\uffff" in text:
        raise not_xml()  # expat refuses such a part; so must we, or the two would read it differently
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
        if not (0x20 <= code <= 0xD7FF or code in (0x9, 0xA, 0xD) or 0xE000 <= code <= 0xFFFD
                or 0x10000 <= code <= 0x10FFFF):  # XML's Char: what expat accepts
            raise not_xml()
        return chr(code)
    return _PREDEFINED[name]


def not_xml() -> ReadError:
    return ReadError("bad-xml", "a part of the file is damaged: it holds a character that XML does not allow")
