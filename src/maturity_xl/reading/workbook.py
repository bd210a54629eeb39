"""An opened return: its sheets by name, each read on demand by the fast path or expat, and the shared strings."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from .cells import REF_BYTES, REF_POS, Cell
from .errors import ReadError
from .expat import parse_shared_strings, parse_sheet
from .fastpath import (
    MEMO_CELL,
    Index,
    LazyStrings,
    decode_cell,
    index_sheet,
    keep_cell,
    known_cell,
    scan_shared_strings,
)
from .memo import INDEX_CELLS, INDEXES, MAX_INFLATED, SHEETS
from .props import read_custom_properties
from .stringtable import by_reference as strings_by_reference
from .stringtable import keep as keep_strings
from .xmlsafe import xml_part, xml_part_memo


def _indexed(data: bytes, stop_row: int | None) -> Index | None:
    """index_sheet(data, stop_row), from the memo when the same bytes were indexed before (the metadata sheet:
    the same in every return of a programme). Keyed on the bytes themselves, which cache their hash; the sheets
    xml_part_memo returns from its memo are the same object each time, compared by identity. The index returned
    may be shared with other returns: callers read it and never change it."""
    if len(data) > 2 * MAX_INFLATED:  # an Assessment or Action plan sheet: different in every return
        return index_sheet(data, stop_row)
    key = (data, stop_row)
    index = INDEXES.get(key)
    if index is None:
        index = index_sheet(data, stop_row)
        if index is not None and len(index) <= INDEX_CELLS:
            INDEXES.put(key, index)
    return index  # type: ignore[return-value]


# Where the positions the parser asks for in every return are in an index of a layout (a map's cells: the same
# tuple each time, and the layout's own dict of pieces by reference), kept by the identity of both with both
# themselves, so no other object can take their ids while they are kept: no position is looked up, and no
# reference made, once a return. Each found position as (position, its piece, where the XML after its
# reference starts); positions the sheet does not write are left out.
_WANTED: dict[tuple[int, int], tuple[dict, tuple, tuple]] = {}


def _wanted(at: dict[bytes, int], positions) -> tuple | list:
    if positions.__class__ is tuple:
        kept = _WANTED.get((id(at), id(positions)))
        if kept is not None and kept[0] is at and kept[1] is positions:
            return kept[2]
    found = []
    for pos in positions:
        ref = REF_BYTES[pos]
        piece = at.get(ref)
        if piece is not None:
            found.append((pos, piece, len(ref) + 1))
    if positions.__class__ is not tuple:
        return found
    kept = (at, positions, tuple(found))
    if len(_WANTED) >= 64:
        _WANTED.clear()
    _WANTED[(id(at), id(positions))] = kept
    return kept[2]


@dataclass(slots=True)
class SheetInfo:
    name: str
    path: str
    state: str  # visible, hidden, veryHidden


@dataclass(slots=True)
class Workbook:
    """An opened, checked package. Sheets are parsed on demand and cached."""

    zf: zipfile.ZipFile
    sheets: dict[str, SheetInfo]
    strict: bool = False
    _shared: list[str] | None = None
    _cells: dict[tuple, dict[tuple[int, int], Cell]] = field(default_factory=dict)
    _indexes: dict[str, Index | None] = field(default_factory=dict)
    _shared_cells: dict[bytes, Cell] = field(default_factory=dict)
    _expat: dict[str, dict[tuple[int, int], Cell]] = field(default_factory=dict)
    workbook_protected: bool = False
    shared_strings_path: str | None = None
    _parts: dict[str, bytes] = field(default_factory=dict)

    def close(self) -> None:
        self.zf.close()

    def shared_strings(self) -> list[str]:
        if self._shared is None:
            path = self.shared_strings_path
            data = xml_part(self.zf, path, "the shared strings") if path else b""
            fast = strings_by_reference(data)
            if fast is None:
                fast = scan_shared_strings(data)
                keep_strings(data, fast)
            self._shared = fast if fast is not None else parse_shared_strings(data, path or "")
        return self._shared

    def cells(self, sheet: str, columns: frozenset[int] | None = None) -> dict[tuple[int, int], Cell]:
        """The cells of a sheet keyed by 0-based (row, col); only the given columns when asked (faster)."""
        key = (sheet, columns)
        if key not in self._cells:
            index = self._index(sheet)
            if index is None:
                data = self._sheet_part(sheet)
                self._cells[key] = parse_sheet(data, self.shared_strings, columns, self.sheets[sheet].path)
            else:
                positions = [REF_POS[ref] for ref in index]
                if columns is not None:
                    positions = [pos for pos in positions if pos[1] in columns]
                self._cells[key] = self._decode(sheet, index, positions)
        return self._cells[key]

    def lookup(self, sheet: str, positions: list[tuple[int, int]], *,
               rows: int | None = None) -> dict[tuple[int, int], Cell]:
        """Just the cells at `positions` (0-based row, col), decoded only for those; blank ones are left out.

        `rows`: every position is in the sheet's first `rows` rows, so only the part of the sheet before the
        next row is scanned (rows are written in order); a sheet where that cannot be told is indexed whole.
        """
        if rows is not None and sheet not in self._indexes:
            head = _indexed(self._sheet_part(sheet), rows + 1)
            if head is not None:
                return self._decode(sheet, head, positions)
        index = self._index(sheet)
        if index is None:
            wanted = set(positions)
            columns = frozenset(col for _row, col in wanted)
            return {k: v for k, v in self.cells(sheet, columns).items() if k in wanted}
        return self._decode(sheet, index, positions)

    def _index(self, sheet: str) -> Index | None:
        if sheet not in self._indexes:
            self._indexes[sheet] = _indexed(self._sheet_part(sheet), None)
        return self._indexes[sheet]

    def _decode(self, sheet: str, index: Index, positions) -> dict[tuple[int, int], Cell]:
        """The Cells at `positions` that are in the index.

        The hot loop of reading a return (about five hundred cells): most cells are found, by their exact XML,
        among those fastpath took apart in earlier returns; the others are taken apart by decode_cell; shared
        strings are read from this workbook's table; and what the fast path leaves to expat is read with expat.
        Each position is asked for once on the usual path, so decoded cells are not kept per position.
        """
        out: dict[tuple[int, int], Cell] = {}
        strings = None
        shared = self.shared_strings
        shared_cells = self._shared_cells
        pieces = index.pieces
        known = known_cell
        for pos, at, after in _wanted(index.at, positions):
            piece = pieces[at]
            cell = known(piece)
            if cell is None:  # perhaps the same cell on another row, unless too long to be kept
                if len(piece) - after > MEMO_CELL or (cell := known(piece[after:])) is None:
                    cell = decode_cell(piece, shared, after)
                elif len(piece) <= MEMO_CELL:
                    keep_cell(piece, cell)
            if cell.__class__ is bytes:  # a shared string's index: one Cell per entry, as the map repeats a few
                value = cell
                cell = shared_cells.get(value)  # type: ignore[call-overload]
                if cell is None:
                    if strings is None:
                        strings = shared()
                    try:
                        index_ = int(value)
                        cell = Cell(None, None, "s") if index_ < 0 else strings.cell(index_) \
                            if strings.__class__ is LazyStrings else Cell(strings[index_], None, "s")  # -1: none
                    except (ValueError, IndexError):
                        cell = Cell(None, None, "s")
                    shared_cells[value] = cell  # type: ignore[index]
            elif cell is None:  # markup the fast path leaves to expat: read it from one expat pass
                cell = self._by_expat(sheet).get(pos, Cell(None))
            out[pos] = cell  # type: ignore[assignment]
        return out

    def _by_expat(self, sheet: str) -> dict[tuple[int, int], Cell]:
        """The whole sheet read once by expat, for the cells the fast path leaves to it (once, not per cell: a
        hostile sheet of thousands of such cells must not be parsed thousands of times)."""
        cells = self._expat.get(sheet)
        if cells is None:
            cells = parse_sheet(self._sheet_part(sheet), self.shared_strings, None, self.sheets[sheet].path)
            self._expat[sheet] = cells
        return cells

    def custom_properties(self) -> dict[str, str]:
        try:
            data = xml_part(self.zf, "docProps/custom.xml", "the document properties")
        except KeyError:
            return {}
        return read_custom_properties(data, "docProps/custom.xml")

    def _sheet_part(self, sheet: str) -> bytes:
        path = self.sheets[sheet].path
        if path not in self._parts:
            try:
                self._parts[path] = xml_part_memo(self.zf, path, f"the '{sheet}' sheet", SHEETS)
            except KeyError:
                raise ReadError("damaged", f"the file lists a sheet '{sheet}' whose contents are missing: it is "
                                           f"damaged or was put together by hand") from None
        return self._parts[path]

