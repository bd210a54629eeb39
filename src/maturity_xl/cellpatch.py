"""Values spliced into blank cells of a prebuilt sheet part, for the mail-merge's per-service cells.

The template's cells are found once (each is XlsxWriter's `<c r="G7" s="12"/>`, a formatted blank); each service's
part is then the template's bytes cut at those cells and joined with the filled ones, which costs a join rather
than a parse. Text is written as an inline string (`t="inlineStr"`, which Excel, LibreOffice and openpyxl read, and
which our reader reads), numbers and dates (as Excel's day numbers) as values; the cell keeps its format.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from .layout_parts import cell

EXCEL_EPOCH = date(1899, 12, 30)
_BLANK = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?:\s+s="[0-9]+")?)\s*/>')
_ROW = re.compile(rb'(<row r="([0-9]+)"[^>]*? ht=")([0-9.]+)("[^>]*>)')
# The column of a key that stands for its row's height: the value is the height (points) the row's new text
# needs; the row keeps the template's height if that is more.
ROW_HEIGHT = -1


@dataclass(frozen=True, slots=True)
class Site:
    start: int
    end: int
    head: bytes  # the cell's start tag without its end: `<c r="G7" s="12"` (it keeps its format); a row's
    # start tag up to its height's value
    key: tuple[int, int]  # 0-based (row, col); (row, ROW_HEIGHT) for a row's height
    tail: bytes = b""  # a row's start tag after its height's value
    height: float = 0.0  # a row's height in the template


class Part:
    """One sheet part's XML, the blank cells in it that can be filled, and the part deflated in pieces.

    Deflating a whole sheet for each service cost most of a workbook's time, so the template's text between the
    runs of fillable cells is deflated once, each piece on its own (a sync flush: byte-aligned, no reference
    outside the piece), and each service's filled cells go in as stored blocks (deflate's uncompressed kind:
    compressing a row's few cells after a flush cost ~20 us a row and saved ~100 bytes); the pieces joined and
    an empty final block make one valid stream.
    """

    def __init__(self, xml: bytes, wanted: Iterable[tuple[int, int]]):
        self.xml = xml
        wanted = set(wanted)
        refs = {cell(r, c).encode(): (r, c) for r, c in wanted if c != ROW_HEIGHT}
        sites = [Site(m.start(), m.end(), b'<c r="%s"%s' % (m.group(1), m.group(2)), refs[m.group(1)])
                 for m in _BLANK.finditer(xml) if m.group(1) in refs]
        rows = {r for r, c in wanted if c == ROW_HEIGHT}
        sites += [Site(m.start(), m.end(), m.group(1), (int(m.group(2)) - 1, ROW_HEIGHT), m.group(4),
                       float(m.group(3))) for m in _ROW.finditer(xml) if int(m.group(2)) - 1 in rows]
        sites.sort(key=lambda site: site.start)
        missing = wanted - {s.key for s in sites}
        if missing:
            names = sorted(cell(r, c) if c != ROW_HEIGHT else f"row {r + 1}'s height" for r, c in missing)
            raise ValueError(f"the template has no blank cell or row height at {', '.join(names)}")
        groups: list[list[Site]] = []
        for site in sites:  # runs of cells next to each other in the XML (a row's last time cells)
            if groups and groups[-1][-1].end == site.start:
                groups[-1].append(site)
            else:
                groups.append([site])
        self.groups = tuple(tuple(g) for g in groups)
        self.group_of = {site.key: i for i, g in enumerate(groups) for site in g}
        bounds = [0, *(x for g in groups for x in (g[0].start, g[-1].end)), len(xml)]
        self.between = tuple(xml[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2))
        self.between_z = tuple(_deflated(chunk) for chunk in self.between)
        self.blank = tuple(xml[g[0].start:g[-1].end] for g in groups)
        self.blank_z = tuple(_deflated(chunk) for chunk in self.blank)
        # each group's sites as fill reads them: (key, the blank cell's text, head, tail, height)
        self.sites = tuple(tuple((s.key, xml[s.start:s.end], s.head, s.tail, s.height) for s in g) for g in groups)

    def fill(self, values: dict[tuple[int, int], object], text: Callable[[str], bytes]) -> tuple[bytes, bytes]:
        """The part with `values` ({(row, col): str, number or date}) in their cells, and the same deflated (raw
        deflate, as a zip member holds it); `text` escapes a string for XML as the rest of the workbook does."""
        group_of = self.group_of
        touched = {group_of[key] for key in values}
        between, between_z, blank, blank_z = self.between, self.between_z, self.blank, self.blank_z
        plain, packed = [between[0]], [between_z[0]]
        for i, group in enumerate(self.sites):
            if i not in touched:  # the template's own cells, deflated already
                plain += (blank[i], between[i + 1])
                packed += (blank_z[i], between_z[i + 1])
                continue
            pieces: list[bytes] = []
            for key, empty, head, tail, height in group:
                value = values.get(key)
                if value is None or value == "" or (tail and value <= height):  # type: ignore[operator]
                    pieces.append(empty)
                elif tail:
                    pieces += (head, b"%g" % value, tail)
                elif type(value) is str:
                    pieces += (head, _INLINE, text(value), _INLINE_END)
                else:
                    pieces.append(_cell(head, value))
            chunk = b"".join(pieces)
            plain += (chunk, between[i + 1])
            packed += (_stored(chunk), between_z[i + 1])
        packed.append(_FINAL)
        return b"".join(plain), b"".join(packed)


class Tokens:
    """A part whose only change from service to service is placeholders replaced by text (the mail-merge's shared
    strings and custom properties): the text between the placeholders deflated once, as Part does for cells."""

    def __init__(self, xml: bytes, tokens: Iterable[bytes]):
        pieces = re.split(b"(" + b"|".join(re.escape(t) for t in tokens) + b")", xml)
        self.between = tuple(pieces[0::2])
        self.slots = tuple(pieces[1::2])  # the placeholder at each gap, in order
        self.between_z = tuple(_deflated(chunk) for chunk in self.between)

    def fill(self, values: dict[bytes, bytes]) -> tuple[bytes, bytes]:
        """The part with each placeholder replaced by its value in `values` (XML text already), and the same
        deflated (raw deflate, as a zip member holds it)."""
        plain, packed = [self.between[0]], [self.between_z[0]]
        for token, chunk, chunk_z in zip(self.slots, self.between[1:], self.between_z[1:]):
            value = values[token]
            plain += (value, chunk)
            packed += (_stored(value), chunk_z)
        packed.append(_FINAL)
        return b"".join(plain), b"".join(packed)


_FINAL = b"\x03\x00"  # an empty final block (fixed Huffman, end of block): ends a stream after a flush


_BLOCK = struct.Struct("<BHH").pack


def _stored(chunk: bytes) -> bytes:
    """`chunk` as deflate stored blocks (not final), each a byte 0, its length and the length's complement."""
    if len(chunk) <= 0xFFFF:  # nearly always: one block
        return _BLOCK(0, len(chunk), len(chunk) ^ 0xFFFF) + chunk
    out = []
    for at in range(0, len(chunk), 0xFFFF):
        piece = chunk[at:at + 0xFFFF]
        out += (struct.pack("<BHH", 0, len(piece), len(piece) ^ 0xFFFF), piece)
    return b"".join(out)


def _deflated(chunk: bytes) -> bytes:
    """`chunk` as raw deflate blocks that stand alone and end byte-aligned (not final)."""
    if not chunk:
        return b""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return deflate.compress(chunk) + deflate.flush(zlib.Z_SYNC_FLUSH)


_INLINE, _INLINE_END = b' t="inlineStr"><is><t xml:space="preserve">', b"</t></is></c>"


def _cell(head: bytes, value: object) -> bytes:
    """A number or a date (as Excel's day number) in a cell (`head`: its start tag without its end)."""
    if isinstance(value, datetime):
        value = (value.date() - EXCEL_EPOCH).days
    elif isinstance(value, date):
        value = (value - EXCEL_EPOCH).days
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a cell patch takes text, numbers or dates, not {type(value).__name__}")
    return b"%s><v>%s</v></c>" % (head, repr(value).encode())
