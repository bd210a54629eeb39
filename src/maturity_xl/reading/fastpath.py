"""The fast path: sheets indexed and cells decoded with compiled regular expressions, in the shapes spreadsheet
applications write.

expat calls back into Python for every tag, which costs ~10 ms for one returned workbook. The parts we read are
simple and regular (rows of <c> elements), so they are read with C-speed scans instead: a sheet is split at each
cell's start tag into {reference: the cell's XML} (checked by counts: every "<c" is such a tag, every cell
closes, no markup or prefixed cell could hide one), and only the cells asked for are taken apart, each by one
anchored pattern. Cells and shared-strings entries a template repeats in every return (ids, blanks, ratings,
formulas with their cached values, statement texts) are kept in small bounded memos keyed on their exact bytes.
It never expands entities (a DTD is refused before either path runs), and whenever a part or a cell is not in
the shape it expects (a cell without its reference, nested markup it does not know) it returns None and expat
reads the part. Every pattern runs in linear time on hostile input: content is matched with possessive repeats
that stop at the end of the element, never with `.*?`, which would search to the end of the part from every
unclosed tag (40,000 unclosed cells would take hours). tests/test_reading_property.py holds it to expat's answers.
Cells that are not asked for are checked only that far (their reference and that they close), as before only
the cells asked for were decoded.
"""

from __future__ import annotations

import re

from . import layouts
from .cells import MAX_CELLS, Cell, excel_unescape, kind_name, too_many_cells, typed
from .errors import ReadError
from .layouts import Index
from .sheetdata import REFERENCE_BYTES, by_reference, each_passes, has, passes, sheet_data_end
from .xmlsafe import PROLOG
from .xmltext import unescape

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
# Shared-strings entries decoded before, by their exact XML (never a hash of it): a template's statement and help
# texts are the same bytes in every return made from it. Bounded as the cell memo is, by entry and by count.
MEMO_ENTRY = 1024
MEMO_ENTRIES = 4096
_TEXTS: dict[bytes, str] = {}
_STRING_CELLS: dict[bytes, Cell] = {}


class LazyStrings:
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

    def pieces(self) -> list[bytes] | None:
        """The table split at each "<si>" (each entry's piece up to the next), when it was read so; else None."""
        return None if self._closed else self._raw

    def __getitem__(self, index: int) -> str:
        text = self._done.get(index)
        if text is None:
            if index < 0:
                raise IndexError(index)
            raw = self._raw[index]
            text = _TEXTS.get(raw)  # keyed by all of `raw`: what it decodes to depends on nothing else
            if text is None:
                inner = raw
                if not self._closed:
                    end = raw.find(b"</si>")
                    if end < 0:
                        raise ReadError("bad-xml", "the file's shared strings are damaged: an entry never closes")
                    inner = raw[:end]
                text = _si_text(inner)
                if len(raw) <= MEMO_ENTRY:
                    if len(_TEXTS) >= MEMO_ENTRIES:
                        _TEXTS.clear()
                    _TEXTS[raw] = text
            self._done[index] = text
        return text

    def cell(self, index: int) -> Cell:
        """Entry `index` (not below 0) as a Cell of type "s": one Cell for each entry's exact XML, kept with its
        text for the next return. IndexError when there is no such entry."""
        raw = self._raw[index]
        cell = _STRING_CELLS.get(raw)
        if cell is None:
            cell = Cell(self[index], None, "s")
            if len(raw) <= MEMO_ENTRY:
                if len(_STRING_CELLS) >= MEMO_ENTRIES:
                    _STRING_CELLS.clear()
                _STRING_CELLS[raw] = cell
        return cell

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, LazyStrings)) else NotImplemented

    def __iter__(self):
        return (self[i] for i in range(len(self._raw)))


def _si_text(inner: bytes) -> str:
    if inner.startswith(b"<t>") and inner.endswith(b"</t>") and inner.find(b"<", 3, len(inner) - 4) < 0:
        text = unescape(inner[3:-4])
    else:
        if inner.find(b"rPh") >= 0:  # <rPh> or with a prefix
            inner = _RPH.sub(b"", inner)
        parts = [unescape(t.group(1) or b"") for t in _T.finditer(inner)]
        text = None if any(p is None for p in parts) else "".join(parts)  # type: ignore[arg-type]
    if text is None:
        raise ReadError("bad-xml", "the file's shared strings use an XML entity that workbooks never use")
    return excel_unescape(text)


def scan_shared_strings(data: bytes) -> LazyStrings | list[str] | None:
    if not data:
        return []
    after = PROLOG.match(data).end()
    if has(data, b"<!", after, len(data)) or has(data, b"<?", after, len(data)):
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
        return LazyStrings(chunks, closed=False)
    raw = [si.group(1) or b"" for si in _SI.finditer(data)]
    if len(raw) != data.count(b"<si"):
        return None  # prefixed or unusual markup: expat reads it
    return LazyStrings(raw)


def _decode(kind: str, inner: bytes | None, shared) -> Cell | None:
    """One cell's value from the XML inside its <c> element; None when it is in a shape we leave to expat."""
    formula = None
    value: object = None
    if inner:
        if inner.startswith(b"<v>") and inner.endswith(b"</v>") and inner.find(b"<", 3, len(inner) - 4) < 0:
            raw = inner[3:-4]
            text = unescape(raw)
        else:
            f = _F.search(inner)
            if f is not None:
                formula = unescape(f.group(1) or b"")
                if formula is None:
                    return None
            if kind == "inlineStr":
                parts = []
                for t in _T.finditer(_RPH.sub(b"", inner)):
                    piece = unescape(t.group(1) or b"")
                    if piece is None:
                        return None
                    parts.append(piece)
                text = "".join(parts)
            else:
                v = _V.search(inner)
                text = unescape(v.group(1)) if v else ""
        if text is None:
            return None
        value = typed(kind, text, shared)
    return Cell(value, formula, kind)


# A sheet is indexed by splitting its <sheetData> at each cell's start tag, `<c r="C5"`, written so by Excel,
# LibreOffice and XlsxWriter: one pass of the regular expression engine over the part to find where each cell
# starts (bytes.count and bytes.find check the rest), where the engine used to match every byte of every cell
# (9 M instructions a parse, a third of reading a return). The split is at every "<c", with the reference when
# the reference follows in Excel's own form and None when it does not (so no count of "<c" is needed: 0.17 M
# instructions an Assessment sheet); the repeats are possessive, which the engine runs in fewer steps. Each
# cell's XML is taken apart only when it is asked for (the parser wants about half of them), by _CELL below.
_CELL_START = re.compile(rb'<c(?: r="([A-Z]{1,3}+[1-9][0-9]{0,6}+)"|)')


def index_sheet(data: bytes, stop_row: int | None = None) -> Index | None:
    """Every cell of a part by its reference (b"C5"), still undecoded; with `stop_row` (1-based), only the cells
    written before that row's element.

    None when some cells are written in another shape (prefixes, attribute order, no reference), or `stop_row`
    is not found: the caller then reads the part with expat, or whole. A part that could hold more cells than
    MAX_CELLS is counted before anything is built, so a part of millions of tiny cells is refused without
    holding them.
    """
    start = data.find(b"<sheetData")
    if start < 0:  # elements with a namespace prefix (<x:sheetData>, <x:c>), as some tools write
        return None
    # Cells live only inside <sheetData>; what follows it (one data validation with its prompt per input cell,
    # merged cells, conditional formats) is up to two thirds of an Assessment or Action plan part, never scanned.
    end = sheet_data_end(data)
    if end < start:
        end = len(data)
    if stop_row is not None:
        end = data.find(b'<row r="%d"' % stop_row, start, end)
        if end < 0:
            return None
    # Each cell's start tag takes at least two bytes: only a part this long could hold too many.
    if end - start > 2 * MAX_CELLS and data.count(b"<c", start, end) > MAX_CELLS:
        raise too_many_cells()
    # Every element inside <sheetData> whose name starts with "c" is a cell, except the rich-text properties of
    # an inline string (<color>, <charset>, <condense>): with no "<" in an attribute value (XML allows none) and no
    # markup, every "<c" is a start tag, and each must be a cell's with its reference in Excel's own form (not
    # "c5" or "C05", which expat would read as C5), or the part is refused: so no cell is missed, and none is read
    # at another's place. The part is split at each '<c r="' (bytes.split, in C); every "<c" must be one of those
    # (counted), and each piece must start with its reference and the closing quote, as a layout learnt from an
    # earlier return says (below), or else as _CELL_START finds by splitting at every "<c".
    body = data[start:end]
    pieces = body.split(b'<c r="')
    keep = stop_row is None and len(body) <= REFERENCE_BYTES
    if keep:  # most of a template's sheet is the same bytes in every return: only what differs is checked
        index = by_reference(pieces)
        if index is not None:
            return index
    if not passes(data, start, end, len(pieces) - 1):
        return None
    found = layouts.by_layout(pieces)
    if found is None:
        parts = _CELL_START.split(body)  # [text before the first cell, ref, its XML, ref, its XML, ...]
        refs = parts[1::2]
        if None in refs:
            return None  # a reference not in Excel's form: expat
        found = layouts.learnt(refs, pieces)
        if found is None:
            return None
    index, layout = found
    if keep and layout.reference is None and each_passes(pieces):
        layout.reference = pieces
    return index


# Text that XML reads as it is written: no markup, entity or character reference, "]]>", carriage return or
# U+F000..U+FFFF (which holds U+FFFE and U+FFFF); such text is the text, decoded as UTF-8 and nothing more.
_PLAIN = rb"[^<&\]\r\xef]"
# One cell's XML after its reference, in the shapes applications write: an optional style and type, then either
# nothing (self-closed), a plain <v> value, or content: an inline string in one plain run, a formula with its
# plain cached value, or anything else (left to decode_other). Its groups: type, value, content, inline text,
# formula, cached value. Every repeat is possessive and stops at the cell's end tag: linear on hostile input.
# Each optional part is written "(?:X|)", not "(?:X)?": the same matches, in fewer of the engine's steps (about
# 1,000 instructions a cell fewer).
_CELL = re.compile(rb'(?: s="[0-9]++"|)(?: t="([A-Za-z]++)"|)(?: s="[0-9]++"|)\s*+(?:/>|><v>(' + _PLAIN +
                   rb'++)</v></c>|>(<is><t(?: xml:space="preserve"|)>([^<]*+)</t></is>|<f>(' + _PLAIN +
                   rb'*+)</f>(?:<v>(' + _PLAIN + rb'*+)</v>|)|(?:[^<]++|<(?!/c>))*+)</c>)')

# Cells taken apart before, by their exact XML (never a hash of it, so no return can alias another's cell): the
# cells of a template (headers, ids, blanks, formulas with their cached values, ratings, and answers kept as
# shared strings, which are an index here) are the same bytes in every return made from it. Each is kept by its
# XML from its reference on (an Index's piece) and by its XML after the reference (the same rating or date on
# another row; looked for when the first is not found); the two never collide, as only the first starts with a
# letter. Only short cells are
# kept, and only so many, so a hostile return cannot grow the memo; when it is full it starts again.
MEMO_CELL = 128  # bytes of a cell's XML (with its row's tags when it ends one), not of free text
MEMO_CELLS = 8192
_CELLS: dict[bytes, Cell | bytes] = {}
known_cell = _CELLS.get


def decode_cell(piece: bytes, shared, at: int = 0) -> Cell | bytes | None:
    """A cell from its XML after its reference (from `at` in `piece`: an Index entry is the cell's XML from its
    reference on): a Cell; a shared string's index as written (the caller reads it from the workbook's own table);
    None when the cell's shape is left to expat. Kept in the memo by all of `piece`."""
    if len(piece) > MEMO_CELL and (cell := _inline_text(piece, at)) is not None:
        return cell  # (too long to be kept)
    m = _CELL.match(piece, at)
    if m is None:
        return None
    kind, value, other, inline, formula, cached = m.groups()
    if value is not None:
        if kind == b"s":
            cell: Cell | bytes = value
        elif not kind and value.isdigit() and len(value) < 16:
            cell = Cell(float(value), None, "n")  # a whole number: a rating, a row number, a date
        else:
            name = kind_name(kind)
            cell = Cell(typed(name, value.decode(), None), None, name)
    elif not other:  # a blank cell with a style (an unanswered input): its type's empty value, as expat's
        name = kind_name(kind)
        cell = Cell(typed(name, "", None), None, name)
    elif inline is not None and kind == b"inlineStr":
        text = unescape(inline)
        if text is None:
            return None  # an entity we do not know: expat decides
        cell = Cell(excel_unescape(text), None, "inlineStr")
    elif formula is not None and kind != b"inlineStr" and kind != b"s":  # inline strings keep text in <is>
        name = kind_name(kind)
        cell = Cell(typed(name, cached.decode() if cached else "", None), formula.decode(), name)
    else:
        return decode_other(kind_name(kind), other, shared)
    if len(piece) <= MEMO_CELL:
        keep_cell(piece, cell)
        if at:  # and by its XML after the reference, for the same cell on another row (a rating, a date)
            _CELLS[piece[at:]] = cell
    return cell


def keep_cell(piece: bytes, cell: Cell | bytes) -> None:
    """Keep `cell` as what `piece` (at most MEMO_CELL bytes) decodes to: found by its XML after the reference,
    a cell on another row is kept by its own XML too, so the next return finds it by one lookup."""
    if len(_CELLS) >= MEMO_CELLS:
        _CELLS.clear()
    _CELLS[piece] = cell


# The start of an inline string in one run, as _CELL matches it (its type inlineStr), up to the text: what comes
# between the reference and '><is><t' (its attributes), then '>' or ' xml:space="preserve">'.
_INLINE_ATTRS = re.compile(rb'(?: s="[0-9]++"|) t="inlineStr"(?: s="[0-9]++"|)\s*+')
# Attributes _INLINE_ATTRS matched whole, by their exact bytes: a template's few (one a style). Bounded.
_INLINE_HEADS: set[bytes] = set()
_PRESERVE = b' xml:space="preserve"'
_new = object.__new__


def _inline_text(piece: bytes, at: int) -> Cell | None:
    """An inline string in one run (a typed answer), as decode_cell reads it through _CELL: cut by partitions and
    its text checked as a str, rather than by a pattern stepping through the text (13 K instructions a cell,
    before; 8 K for one that matches only plain text); None for any other cell, or text with an entity only
    expat may judge (decode_cell then reads it as it always has). Each call of a method costs about a thousand
    instructions here, each `in` of a str a third of that: the calls are few. (The part was checked as UTF-8
    whole, and is cut only at ASCII bytes: each cut decodes.)"""
    head, found, rest = piece.partition(b"><is><t")
    if not found:
        return None
    attrs = head[at:]
    if attrs not in _INLINE_HEADS:
        if _INLINE_ATTRS.fullmatch(attrs) is None:
            return None
        if len(_INLINE_HEADS) >= 64:
            _INLINE_HEADS.clear()
        _INLINE_HEADS.add(attrs)
    space, found, rest = rest.partition(b">")
    if space and space != _PRESERVE:  # another attribute: the pattern's other shapes
        return None
    raw, found, _after = rest.partition(b"</t></is></c>")
    if not found:
        return None
    text = raw.decode("utf-8")
    if "<" in text:  # markup in the text: the pattern's other shapes
        return None
    if "]]>" in text or "\r" in text or "&" in text or not text.isascii() and ("\ufffe" in text or "\uffff" in text):
        text = unescape(raw)  # (what unescape changes or refuses, written out above: a call less an answer)
        if text is None:
            return None
    cell = _new(Cell)  # Cell(text, None, "inlineStr") without its __init__'s call
    cell.value, cell.formula, cell.kind = excel_unescape(text) if "_x" in text else text, None, "inlineStr"
    return cell


def decode_other(kind: str, inner: bytes, shared) -> Cell | None:
    """A Cell from content in a shape _CELL does not take apart itself; None when it is in a shape (or holds an
    entity) left to expat."""
    return _decode_usual(kind, inner, shared) or _decode(kind, inner, shared)


_EMPTY_VALUES = (b"", b"<v></v>", b"<v/>")


def _decode_usual(kind: str, inner: bytes, shared) -> Cell | None:
    """The two shapes of content most returns hold besides plain values, when their text is not plain (an
    entity, a line end): an inline string in one run (<is><t>text</t></is>) and a formula with its cached value
    (<f>A1</f><v>x</v>). None for anything else, and for text with an entity only expat may judge."""
    if inner.endswith(b"</t></is>") and kind == "inlineStr":
        head = 7 if inner.startswith(b"<is><t>") else 28 if inner.startswith(b'<is><t xml:space="preserve">') else 0
        if head:
            raw = inner[head:-9]
            text = unescape(raw) if raw.find(b"<") < 0 else None
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
        formula, text = unescape(inner[3:end]), unescape(raw)
        if formula is not None and text is not None:
            return Cell(typed(kind, text, shared), formula, kind)
    return None
