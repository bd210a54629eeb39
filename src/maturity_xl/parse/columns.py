"""Find a sheet's columns by their headers: where the metadata says, or where a respondent moved them.

A return whose respondent unprotected a sheet and inserted, deleted or moved a column has its answers in other
columns than the map's. Each column the parser reads is recorded in the metadata with its header; if the headers
are not where the map puts them, the sheet's header row is searched for each. A column found elsewhere is read
from there (a warning names it); one not found at all, or found twice, rejects the return with a problem that
names it, rather than reading the wrong column.
"""

from __future__ import annotations

from ..layout import col_letter
from .metadata import ColumnRef
from .source import Cell
from .values import Problems, header_text


def in_place(cells: dict[tuple[int, int], Cell], columns: tuple[ColumnRef, ...], row: int) -> bool:
    """Every column with a recorded header shows that header on the header row, where the map puts it."""
    for c in columns:
        if c.header and c.col is not None:
            found = cells.get((row, c.col))
            if found is None or header_text(found.value) != c.key:
                return False
    return True


def locate(cells: dict[tuple[int, int], Cell], columns: tuple[ColumnRef, ...], row: int, sheet: str,
           problems: Problems) -> dict[str, int] | None:
    """{field: column} for `columns`, found by header in the sheet read whole (`cells`); None, with a fatal
    problem naming the column, when one cannot be found for certain."""
    row, headers = _header_row(cells, columns, row)
    out: dict[str, int] = {}
    missing: list[ColumnRef] = []
    for c in columns:
        if not c.header or c.col is None:
            out[c.field] = c.col  # type: ignore[assignment] # a bad column is reported where it is read
            continue
        found = headers.get(c.key, [])
        if c.col in found:
            out[c.field] = c.col
        elif len(found) == 1:
            out[c.field] = found[0]
            problems.add("warning", "column-moved", f"the '{c.header}' column was expected in column "
                                                    f"{col_letter(c.col)} but is in column {col_letter(found[0])}; "
                                                    f"read from there", sheet, f"{col_letter(found[0])}{row + 1}")
        elif found:
            problems.add("fatal", "column-ambiguous", f"the '{c.header}' column appears more than once (columns "
                                                      f"{', '.join(col_letter(x) for x in found)}), so its answers "
                                                      f"cannot be told apart", sheet)
            return None
        else:
            missing.append(c)
    return _missing(missing, out, columns, cells, row, sheet, problems)


def _missing(missing: list[ColumnRef], out: dict[str, int], columns: tuple[ColumnRef, ...],
             cells: dict[tuple[int, int], Cell], row: int, sheet: str, problems: Problems) -> dict[str, int] | None:
    """A header not found: if no other column moved and the column's header cell holds some other text, the
    column is where it was and only its header was edited; otherwise (a column deleted, or moved with its
    header changed) which column holds its answers cannot be told."""
    moved = any(out[c.field] != c.col for c in columns if c.field in out)
    for c in missing:
        ref = f"{col_letter(c.col)}{row + 1}"  # type: ignore[arg-type]
        shown = header_text(cells[(row, c.col)].value) if (row, c.col) in cells else ""  # type: ignore[index]
        if moved or not shown:
            problems.add("fatal", "column-missing", f"the '{c.header}' column is not on the sheet (no column "
                                                    f"has this header: it was deleted, or moved and its header "
                                                    f"changed), so its answers cannot be read", sheet, ref)
            return None
        problems.add("warning", "header-edited", f"the header of column {col_letter(c.col)} (expected "  # type: ignore
                                                 f"'{c.header}') was changed; read as that column", sheet, ref)
        out[c.field] = c.col  # type: ignore[assignment]
    return out


def _header_row(cells: dict[tuple[int, int], Cell], columns: tuple[ColumnRef, ...],
                row: int) -> tuple[int, dict[str, list[int]]]:
    """The sheet's header row and its {header: columns}: the row where the map puts it, or the row that shows
    the most of the wanted headers (rows inserted above the table move it down)."""
    wanted = {c.key for c in columns if c.header}
    rows: dict[int, dict[str, list[int]]] = {}
    for (r, col), c in cells.items():
        if isinstance(c.value, str):
            key = header_text(c.value)
            if key in wanted:
                rows.setdefault(r, {}).setdefault(key, []).append(col)
    if not rows:
        return row, {}
    best = max(rows, key=lambda r: (len(rows[r]), r == row, -abs(r - row)))
    return best, {key: sorted(cols) for key, cols in rows[best].items()}
