"""The sheet data fastpath.index_sheet splits: the checks that keep markup the split could misread away from the
fast path, made of the whole or, for a sheet of a template seen before, of only what differs from a reference;
and where the sheet data ends.
"""

from __future__ import annotations

import re
from operator import getitem

from . import layouts
from .layouts import Index

# A cell with a namespace prefix: any prefix XML allows (as fastpath's _P), not only ASCII words, which once let
# <é:c> by.
PREFIXED_CELL = re.compile(rb"<[^\s<>/:=\"']++:c[\s/>]")


def passes(data: bytes, start: int, end: int, written: int) -> bool:
    """The checks of data[start:end], split into `written` cells at each '<c r="', that keep markup the split
    could misread away from the fast path."""
    if has(data, b"<!", start, end) or has(data, b"<?", start, end):
        return False  # a comment, CDATA or processing instruction could hold what looks like a cell: expat
    if data.find(b":c", start, end) >= 0 and PREFIXED_CELL.search(data, start, end):
        return False  # a cell written with a prefix (<x:c>) in a part that writes <sheetData> without: expat
    # Each cell closes, with </c> or at the end of its start tag (before the next cell or the row's end), as
    # expat would insist: a cell left open is refused by expat even when it is not one asked for.
    closed = data.count(b"</c>", start, end) + data.count(b'"/><c r="', start, end) + \
        data.count(b'"/></row>', start, end)
    # (a "<c" not followed by ' r="' is not a cell's start tag in Excel's form: expat)
    return closed == written and data.count(b"<c", start, end) == written


# Sheets kept as references (layouts._Layout.reference): the sheet data of one sheet of a layout, at most this
# long, whose every piece passed passes's checks on its own. Each of passes's checks is a count or a search
# that no match crosses a '<c r="' in (none of their patterns can overlap one but '"/><c r="', which is a piece
# ending '"/>'), so it is the sum of the pieces' own: a later sheet of the layout passes if the pieces that differ
# from the reference's pass, and the index is the same. An Action plan's rows with nothing written, and a
# template's ids, texts and formulas, are compared (memcmp) rather than scanned. At most LAYOUTS of them: 4 MB.
REFERENCE_BYTES = 512 * 1024


def by_reference(pieces: list[bytes]) -> Index | None:
    """The index of a sheet's `pieces` by a reference of as many cells that most of them equal, when those that
    differ pass index_sheet's checks and start with the layout's references; else None (the whole is checked)."""
    last = len(pieces) - 1
    for layout in layouts.references(last):
        reference = layout.reference
        at = layouts.changed(pieces, reference)
        if not at or 2 * len(at) <= len(pieces) and _changed_pass(pieces, at, layout, last):
            return Index(layout.at, layouts.spliced(pieces, reference, at))
    return None


def _changed_pass(pieces: list[bytes], at: list[int], layout: layouts._Layout, last: int) -> bool:
    """Whether the pieces at `at` pass passes's checks on their own (each cell's piece with one end; none in the
    first, before any cell) and start with their references, as the layout gives them."""
    changed = [pieces[i] for i in at]
    heads, refs = layout.heads_at, layout.refs_at  # (piece 0, before any cell, has none: an empty head)
    if list(map(getitem, changed, [heads[i] for i in at])) != [refs[i] for i in at]:
        return False
    # Joined as in the sheet, by the split's own '<c r="' (and one after the last, when a cell follows it): each
    # check counts in `joined` what it counts in these pieces of the sheet, each separator a cell's start.
    joined = _CELL_TAG.join(changed)
    if at[-1] < last:
        joined += _CELL_TAG
    cells = len(at) - (at[-1] == last)
    if joined.count(b"<c") != cells or has(joined, b"<!", 0, len(joined)) or has(joined, b"<?", 0, len(joined)) or \
            joined.find(b":c") >= 0:
        return False
    ends = joined.count(b"</c>") + joined.count(b'"/><c r="') + joined.count(b'"/></row>')
    return ends == len(at) - (at[0] == 0)


_CELL_TAG = b'<c r="'


def each_passes(pieces: list[bytes]) -> bool:
    """Whether each of a sheet's pieces passes passes's checks alone: no "<c" (every one started a cell), no
    "<!", "<?" or ":c", and one cell end in each cell's piece (none in the first)."""
    last = len(pieces) - 1
    if not pieces or not _piece_passes(pieces[0], last > 0, 0):
        return False
    return all(_piece_passes(piece, i < last) for i, piece in enumerate(pieces[1:], 1))


def _piece_passes(piece: bytes, followed: bool, ends: int = 1) -> bool:
    """Whether one piece passes passes's checks alone, with `ends` cell ends in it (a cell's: one), and `followed`
    by another cell's start tag (so that a self-closed end counts)."""
    if piece.find(b"<c") >= 0 or piece.find(b"<!") >= 0 or piece.find(b"<?") >= 0 or piece.find(b":c") >= 0:
        return False
    found = piece.count(b"</c>") + piece.count(b'"/></row>') + (followed and piece.endswith(b'"/>'))
    return found == ends


# The ends of parts from their "</sheetData>" on, as sheets indexed before have them (the same in every return of
# a template: its validations, merged cells and formats): a part that ends with one has its last "</sheetData>"
# where that starts (the end holds no other), found by one memcmp instead of a search back through it. At most
# TAILS of them, each at most TAIL_BYTES long.
TAIL_BYTES = 256 * 1024
TAILS = 8
_TAILS: tuple[bytes, ...] = ()


def sheet_data_end(data: bytes) -> int:
    """data.rfind(b"</sheetData>"), by a known end of a part when `data` ends with one."""
    global _TAILS
    for tail in _TAILS:
        if data.endswith(tail):
            return len(data) - len(tail)
    end = data.rfind(b"</sheetData>")
    if end >= 0 and len(data) - end <= TAIL_BYTES:
        _TAILS = (data[end:], *_TAILS[:TAILS - 1])
    return end


def has(data: bytes, tag: bytes, start: int, end: int) -> bool:
    """Whether `tag` ("<!", "<?") is in data[start:end]: first its second byte alone, which memchr finds at
    memory speed and most sheets never hold, then the pair (a quarter of a sheet's index, before)."""
    return data.find(tag[1:], start, end) >= 0 and data.find(tag, start, end) >= 0
