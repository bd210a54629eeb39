"""The fast path: sheets indexed and cells decoded with compiled regular expressions, in the shapes spreadsheet
applications write.

expat calls back into Python for every tag, which costs ~10 ms for one returned workbook. The parts we read are
simple and regular (rows of <c> elements), so a scan with compiled regular expressions reads them ~5x faster.
It never expands entities (a DTD is refused before either path runs), and whenever a part is not in the shape it
expects (a cell without its reference, nested markup it does not know) it returns None and expat reads the part.
Every pattern runs in linear time on hostile input: content is matched with possessive repeats that stop at the
next element of the same kind, never with `.*?`, which would search to the end of the part from every unclosed
tag (40,000 unclosed cells would take hours). tests/test_reading_property.py holds it to expat's answers.
"""

from __future__ import annotations

import re

from .cells import MAX_CELLS, Cell, excel_unescape, kind_name, too_many_cells, typed
from .errors import ReadError
from .xmlsafe import PROLOG

# A namespace prefix (any name XML allows, not only ASCII), attributes (a value may hold ">"), and a space
# before the ">" of an end tag: all well-formed, all read by expat, so all read here too.
_P = rb"(?:[^\s<>/:=\"']++:)?"
_ATTRS = rb"""(?:\s++[^\s<>/="']++\s*+=\s*+(?:"[^"<]*+"|'[^'<]*+'))*+\s*+"""
_V = re.compile(rb"<" + _P + rb"v" + _ATTRS + rb">([^<]*+)</" + _P + rb"v\s*+>")
_F = re.compile(rb"<" + _P + rb"f" + _ATTRS + rb"(?:/>|>([^<]*+)</" + _P + rb"f\s*+>)")
_T = re.compile(rb"<" + _P + rb"t" + _ATTRS + rb"(?:/>|>([^<]*+)</" + _P + rb"t\s*+>)")
_RPH = re.compile(rb"<" + _P + rb"rPh\b(?:[^<]++|<(?!/?" + _P + rb"rPh\b))*+</" + _P + rb"rPh\s*+>")
_SI = re.compile(rb"<" + _P + rb"si" + _ATTRS + rb"(?:/>|>((?:[^<]++|<(?!/?" + _P + rb"si[\s/>]))*+)</" + _P +
                 rb"si\s*+>)")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);")
_UNKNOWN_ENTITY = re.compile(r"&(?!#x[0-9A-Fa-f]{1,6};|#[0-9]{1,7};|amp;|lt;|gt;|quot;|apos;)")
# Text XML may not hold: "]]>" literally, U+FFFE and U+FFFF (EF BF BE, EF BF BF in UTF-8) literally or by
# reference, control characters but tab, line feed and carriage return by reference (in _entity); each looked for
# behind a one-byte search. (bytes.find throughout, not `in`: `in` first tries its needle as an int, raising and
# clearing a TypeError each time, about five times the cost of the search.) A control character written literally
# is not looked for: no application writes one, and looking in every text cost 0.6 M instructions a parse with
# str.isprintable and 2.4 M with bytes.translate (a known difference from expat, in docs/hostile-returns.md).
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(raw: bytes) -> str | None:
    """XML text as expat gives it: line ends normalised (a literal CR or CRLF is a line feed; a character
    reference to CR stays one), character references resolved; None for an entity only a DTD could define."""
    if (raw.find(b"]") >= 0 and raw.find(b"]]>") >= 0) or (
            raw.find(b"\xef") >= 0 and (raw.find(b"\xef\xbf\xbe") >= 0 or raw.find(b"\xef\xbf\xbf") >= 0)):
        raise _not_xml()  # expat refuses such a part; so must we, or the two would read it differently
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
        if not (0x20 <= code <= 0xD7FF or code in (0x9, 0xA, 0xD) or 0xE000 <= code <= 0xFFFD
                or 0x10000 <= code <= 0x10FFFF):  # XML's Char: what expat accepts
            raise _not_xml()
        return chr(code)
    return _PREDEFINED[name]


def _not_xml() -> ReadError:
    return ReadError("bad-xml", "a part of the file is damaged: it holds a character that XML does not allow")


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
    if inner.startswith(b"<t>") and inner.endswith(b"</t>") and inner.find(b"<", 3, len(inner) - 4) < 0:
        text = _unescape(inner[3:-4])
    else:
        if inner.find(b"rPh") >= 0:  # <rPh> or with a prefix
            inner = _RPH.sub(b"", inner)
        parts = [_unescape(t.group(1) or b"") for t in _T.finditer(inner)]
        text = None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
    if text is None:
        raise ReadError("bad-xml", "the file's shared strings use an XML entity that workbooks never use")
    return excel_unescape(text)


def scan_shared_strings(data: bytes) -> _LazyStrings | list[str] | None:
    if not data:
        return []
    if _MARKUP.search(data, PROLOG.match(data).end()):
        return None  # a comment, CDATA or processing instruction could hold what looks like an entry: expat
    chunks = data.split(b"<si>")
    before = chunks.pop(0)
    entries = len(chunks)
    if entries and data.count(b"<si") == entries and data.count(b"si>") == 2 * entries and \
            data.count(b"</si><si>") == entries - 1 and not before.endswith(b"</si>") and \
            chunks[-1].find(b"</si>") >= 0:
        # The shape every spreadsheet application writes: entries opened exactly "<si>", each closed "</si>" right
        # before the next opens (so every one is closed; none is nested), none prefixed or self-closed. Split at
        # each <si>, ~5x quicker than the pattern; each entry is cut at its </si> only when asked for.
        return _LazyStrings(chunks, closed=False)
    raw = [si.group(1) or b"" for si in _SI.finditer(data)]
    if len(raw) != data.count(b"<si"):
        return None  # prefixed or unusual markup: expat reads it
    return _LazyStrings(raw)


def _decode(kind: str, inner: bytes | None, shared) -> Cell | None:
    """One cell's value from the XML inside its <c> element; None when it is in a shape we leave to expat."""
    formula = None
    value: object = None
    if inner:
        if inner.startswith(b"<v>") and inner.endswith(b"</v>") and inner.find(b"<", 3, len(inner) - 4) < 0:
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
        value = typed(kind, text, shared)
    return Cell(value, formula, kind)


# One pattern for the cells of a part in the shape Excel, LibreOffice and XlsxWriter write: the reference, an
# optional style and type, then either nothing, a plain <v> value (the common case, taken apart by the regex
# itself), or other content that _decode reads. findall hands back tuples without a Python call per cell, which is
# what makes indexing a whole sheet cheaper than searching it for the cells wanted. (Matching odd cells with an
# alternative in the same pattern was tried: it costs the literal-prefix search, and the scan 2.4x.)
_C_CELL = re.compile(rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"(?: s="[0-9]+")?(?: t="([A-Za-z]+)")?(?: s="[0-9]+")?'
                     rb"\s*(?:/>|><v>([^<&]+)</v></c>|>((?:[^<]++|<(?!/c>|c[\s/>]))*+)</c>)")

_MARKUP = re.compile(rb"<[!?]")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
Index = dict[bytes, tuple[bytes, bytes, bytes, bytes]]  # b"C5" -> (b"C5", type, plain value, other content)


def index_sheet(data: bytes, stop_row: int | None = None) -> Index | None:
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
        raise too_many_cells()
    if _MARKUP.search(data, start, end):
        return None  # a comment, CDATA or processing instruction could hold what looks like a cell: expat
    if data.find(b":c", start, end) >= 0 and _PREFIXED_CELL.search(data, start, end):
        return None  # a cell written with a prefix (<x:c>) in a part that writes <sheetData> without: expat
    found = _C_CELL.findall(data, start, end)
    if len(found) != written:
        return None
    return {entry[0]: entry for entry in found}


def decode_raw(kind: bytes, value: bytes, other: bytes, shared) -> Cell | None:
    """A Cell from its index entry (shared strings with a plain value are decoded inline by the caller); None
    when its content is in a shape left to expat."""
    name = kind_name(kind)
    if other or not value:
        return _decode_usual(name, other, shared) or _decode(name, other, shared)
    return Cell(typed(name, _unescape(value), shared), None, name)  # a plain value holds no "&"


_EMPTY_VALUES = (b"", b"<v></v>", b"<v/>")


def _decode_usual(kind: str, inner: bytes, shared) -> Cell | None:
    """The two shapes of content most returns hold besides plain values, without the patterns _decode uses: an
    inline string in one run (<is><t>text</t></is>) and a formula with its cached value (<f>A1</f><v>x</v>).
    None for anything else, and for text with an entity only expat may judge."""
    if inner.endswith(b"</t></is>") and kind == "inlineStr":
        head = 7 if inner.startswith(b"<is><t>") else 28 if inner.startswith(b'<is><t xml:space="preserve">') else 0
        if head:
            raw = inner[head:-9]
            text = _unescape(raw) if raw.find(b"<") < 0 else None
            return None if text is None else Cell(excel_unescape(text), None, kind)
    elif inner.startswith(b"<f>") and kind != "inlineStr":  # an inline string keeps its text in <is>
        end = inner.find(b"</f>")
        if end < 0 or inner.find(b"<", 3, end) >= 0:
            return None
        rest = inner[end + 4:]
        if rest in _EMPTY_VALUES:
            raw = b""
        elif rest.startswith(b"<v>") and rest.endswith(b"</v>") and rest.find(b"<", 3, len(rest) - 4) < 0:
            raw = rest[3:-4]
        else:
            return None
        formula, text = _unescape(inner[3:end]), _unescape(raw)
        if formula is not None and text is not None:
            return Cell(typed(kind, text, shared), formula, kind)
    return None
