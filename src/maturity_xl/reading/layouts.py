"""A sheet's index of cells by reference (fastpath.index_sheet makes it), and the layouts of template sheets that
let it be made in C.

The cells of a template's sheet are written with the same references in the same order in every return made from
it. fastpath splits a sheet at every "<c" by a pattern, the regular expression engine matching each reference (a
thousand instructions a cell); once it has, the references are kept here as a layout, and the next sheet with as
many cells, split at each '<c r="' by bytes.split, is checked against it as one tuple of slices: used only when
every piece starts with the reference (and its closing quote) the layout gives, exactly.
"""

from __future__ import annotations

from itertools import compress
from operator import getitem, ne


class Index:
    """A sheet's cells by reference (b"C5"), each still undecoded: `get(ref)` is the cell's XML from its
    reference on (b'C5" s="1"><v>2</v></c>', up to the next cell's start tag); the XML after the reference's
    closing quote starts at len(ref) + 1. The last of two cells with one reference counts, as expat reads them.
    Never changed once made: the metadata sheet's is kept (memo.INDEXES) and shared by every return of a
    programme."""

    __slots__ = ("at", "pieces")

    def __init__(self, at: dict[bytes, int], pieces: list[bytes]):
        self.at, self.pieces = at, pieces  # each reference's piece (shared with its layout); the pieces

    def get(self, ref: bytes) -> bytes | None:
        at = self.at.get(ref)
        return None if at is None else self.pieces[at]

    def __iter__(self):
        return iter(self.at)

    def __len__(self) -> int:
        return len(self.at)

    def __contains__(self, ref: object) -> bool:
        return ref in self.at

    def as_dict(self) -> dict[bytes, bytes]:
        """{reference: the cell's XML after the reference's closing quote}."""
        return {ref: self.pieces[at][len(ref) + 1:] for ref, at in self.at.items()}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Index):
            other = other.as_dict()
        return self.as_dict() == other if isinstance(other, dict) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


class _Layout:
    """The references of a sheet's cells in the order they are written, each in Excel's form (as _CELL_START
    found them): `refs` with the closing quote, `heads` the slices a piece of the split at '<c r="' must start
    with, `at` each reference's piece (the last of two); and `reference`, the pieces of one sheet indexed by it
    whose every piece fastpath checked alone (None until one is kept)."""

    __slots__ = ("refs", "heads", "at", "reference", "refs_at", "heads_at")

    def __init__(self, refs: list[bytes]):
        self.refs = tuple(ref + b'"' for ref in refs)
        self.heads = tuple(_HEADS.get(len(ref)) or _HEADS.setdefault(len(ref), slice(0, len(ref)))
                           for ref in self.refs)
        self.at = {ref: i for i, ref in enumerate(refs, 1)}
        self.reference: list[bytes] | None = None
        self.refs_at, self.heads_at = (b"", *self.refs), (slice(0, 0), *self.heads)  # by piece, the first none


# The layouts of sheets indexed before: the cells of a template's sheet are written with the same references in
# the same order in every return made from it, so the references fastpath's _CELL_START split finds (the regular
# expression engine matching each reference, a thousand instructions a cell) are checked as one tuple of slices
# instead. A layout is used only when every piece starts with the reference it gives, exactly. Bounded: layouts
# of at most LAYOUT_CELLS cells, at most LAYOUTS of them, all dropped when full.
LAYOUT_CELLS = 4096
LAYOUTS = 8
_LAYOUTS: dict[int, tuple[_Layout, ...]] = {}
_HEADS: dict[int, slice] = {}


def by_layout(pieces: list[bytes]) -> tuple[Index, _Layout] | None:
    """The index of a sheet split at each '<c r="' into `pieces` (what comes before the first cell, then each
    cell from its reference on), when a layout kept names each piece's reference exactly, and that layout;
    else None."""
    cells = pieces[1:]
    for layout in _LAYOUTS.get(len(cells), ()):
        if tuple(map(getitem, cells, layout.heads)) == layout.refs:
            return Index(layout.at, pieces), layout
    return None


def learnt(refs: list[bytes], pieces: list[bytes]) -> tuple[Index, _Layout] | None:
    """The index of `pieces` by `refs`, the references fastpath's full split found in the same sheet (every one
    in Excel's form), and its layout, kept for the next return; None if the two splits disagree (they cannot)."""
    layout = _Layout(refs)
    if tuple(map(getitem, pieces[1:], layout.heads)) != layout.refs:
        return None
    count = len(layout.refs)
    if count <= LAYOUT_CELLS:
        if sum(map(len, _LAYOUTS.values())) >= LAYOUTS:
            _LAYOUTS.clear()
        _LAYOUTS[count] = (layout, *_LAYOUTS.get(count, ())[:3])
    return Index(layout.at, pieces), layout


def references(count: int) -> list[_Layout]:
    """The layouts of `count` cells that keep a reference sheet."""
    return [layout for layout in _LAYOUTS.get(count, ()) if layout.reference is not None]


def changed(pieces: list[bytes], reference: list[bytes]) -> list[int]:
    """The positions where `pieces` differ from `reference` (as many): compared in C, not hashed."""
    return list(compress(range(len(pieces)), map(ne, pieces, reference)))


def spliced(pieces: list[bytes], reference: list[bytes], at: list[int]) -> list[bytes]:
    """`reference` with the pieces at `at` taken from `pieces`: the others are equal, and the reference's own
    objects have their hashes cached (the memo of decoded cells finds them without hashing them again)."""
    out = reference.copy()
    for i in at:
        out[i] = pieces[i]
    return out
