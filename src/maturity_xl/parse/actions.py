"""The Action plan sheet: one Action for each statement whose row has anything written in its input columns."""

from __future__ import annotations

from ..layout import METADATA
from ..response import Action
from .columns import in_place, locate
from .metadata import Map
from .source import Cell, Workbook
from .values import BLANK, Problems, text, where


def read_actions(wb: Workbook, sheet: str, m: Map, problems: Problems, out: list[Action]) -> None:
    """Append the action plan's rows that hold an answer to `out`."""
    for c in m.actions:
        if c.col is None:
            problems.add("error", "metadata-damaged", f"the map's column for '{c.field[len('action.'):]}' is not "
                                                      f"a column", METADATA)
    refs = (m.plan_id, *m.actions)
    cells = wb.lookup(sheet, m.plan_wanted)
    id_col, columns = m.plan_id.col, m.action_columns
    whole = not in_place(cells, refs, m.header_row("actions"))
    if whole:
        cells = wb.cells(sheet)
        cols = locate(cells, refs, m.header_row("actions"), sheet, problems)
        if cols is None:
            return
        id_col = cols[m.plan_id.field]
        columns = [(cid, cols[f"action.{cid}"], kind) for cid, _col, kind in columns]
    rows = _Rows(wb, sheet, cells, id_col, whole, problems)
    for e in m.entries:
        if e.action_row is None:
            continue
        row = rows.row_of(e.statement_id, e.action_row)
        if row is None:
            continue
        get = rows.cells.get  # the whole sheet, once a row was found out of place
        raws = [get((row, col), BLANK).value for _cid, col, _kind in columns]
        if raws.count(None) + raws.count("") == len(raws):  # nothing written: no action, nothing to check
            continue
        values = _values(columns, raws, row, m.options, sheet, problems)
        if any(v not in (None, "") for v in values.values()):
            out.append(Action(e.statement_id, e.area_id, values))


class _Rows:
    """Which row each statement's action is on: the map's, unless the id shown there says otherwise."""

    def __init__(self, wb: Workbook, sheet: str, cells: dict[tuple[int, int], Cell], id_col: int, whole: bool,
                 problems: Problems):
        self.wb, self.sheet, self.cells, self.id_col, self.problems = wb, sheet, cells, id_col, problems
        self.whole = whole
        self.id_rows: dict[str, int] | None = None  # gathered the first time an id is out of place

    def row_of(self, sid: str, row: int) -> int | None:
        id_cell = self.cells.get((row, self.id_col))
        if id_cell is not None and id_cell.value == sid:  # the usual case, first (an id is stripped text)
            return row
        shown = text(id_cell.value) if id_cell is not None else ""
        if not shown or shown == sid:
            return row
        if self.id_rows is None:  # the cached id disagrees with the map: trust the id if it is elsewhere
            if not self.whole:
                self.cells = self.wb.cells(self.sheet)
            self.id_rows = {text(c.value): r for (r, col), c in self.cells.items()
                            if col == self.id_col and c.value is not None}
        found = self.id_rows.get(sid)
        if found is None:
            self.problems.add("error", "statement-missing", f"the action plan has no row for statement {sid}",
                              self.sheet, where((row, self.id_col)))
            return None
        self.problems.add("warning", "row-moved", f"the action plan row for {sid} was expected on row {row + 1} "
                                                  f"but is on row {found + 1}", self.sheet,
                          where((found, self.id_col)))
        return found


def _values(columns: list[tuple[str, int, str]], raws: list[object], row: int, options: dict[str, tuple[str, ...]],
            sheet: str, problems: Problems) -> dict[str, object]:
    """One row's answers by column id: dates as dates, choices as the option they match."""
    values: dict[str, object] = {}
    for (cid, col, kind), raw in zip(columns, raws):
        ref = (row, col)  # made a cell reference only for a problem
        if kind == "date":
            values[cid] = problems.date(raw, sheet, ref)
            continue
        answer = problems.string(raw, sheet, ref)
        if kind == "choice" and answer and cid in options and answer not in options[cid]:
            match = next((o for o in options[cid] if o.casefold() == answer.casefold()), None)
            if match:
                answer = match
            else:
                problems.add("warning", "choice-invalid", f"'{answer}' is not one of the choices "
                                                          f"({'; '.join(options[cid])}); kept as written",
                             sheet, where(ref))
        values[cid] = answer or None
    return values
