"""The Assessment sheet: each statement's rating, rationale and evidence, in three steps.

Locate finds the columns (by header, when a respondent moved one) and the rows (by statement id, when rows were
sorted, inserted or deleted); check compares each row's id and text with the map and the framework; read takes
the answers, the rating through the scale that wrote the dropdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..layout import METADATA, cell
from ..model import Scale
from ..response import Rating
from .columns import in_place, locate
from .metadata import ANSWER_FIELDS, Entry, Map
from .source import Cell, Workbook
from .values import BLANK, MAX_TEXT, Problems, get, text

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(slots=True)
class Grid:
    """Where the answers are in this return: its cells, the id and text columns, each statement's cells."""

    cells: dict[tuple[int, int], Cell]
    id_col: int
    text_col: int
    entries: tuple[Entry, ...]
    moved: bool  # some statement is not on the row the map gives it
    id_rows: dict[str, int]  # where each id is (gathered only when a row may have moved)
    header_row: int
    target_col: int | None = None  # the chosen targets' column, when the workbook asks for them


def locate_grid(wb: Workbook, sheet: str, m: Map, problems: Problems) -> Grid | None:
    """The columns by header, then the rows by id. None (with a fatal problem) if a column cannot be found."""
    refs = tuple(m.assessment.values())
    header_row = m.header_row("assessment")
    cells = wb.lookup(sheet, m.assessment_wanted)
    cols = {c.field: c.col for c in refs}
    whole = False
    if not in_place(cells, refs, header_row):
        cells, whole = wb.cells(sheet), True
        located = locate(cells, refs, header_row, sheet, problems)
        if located is None:
            return None
        cols = located
    entries = _moved_columns(m, cols)
    id_col, text_col, target_col = cols["statement_id"], cols["statement_text"], cols.get("chosen_target")
    moved = any(text(get(cells, e.rating_row, id_col)) != e.statement_id for e in entries
                if e.rating_row is not None)
    if moved and not whole:
        # Rows were moved or edited: read the whole sheet so each id can be found wherever it is now.
        cells = wb.cells(sheet, frozenset({id_col, text_col} | {c for e in entries for _r, c in e.cells or ()} |
                                          ({target_col} if target_col is not None else set())))
    id_rows: dict[str, int] = {}
    if moved or whole or not m.same_rows or "" in m.ids:  # else every id read is one the map names, on its row
        for (row, col), c in cells.items():
            if col == id_col and c.value is not None:
                id_rows.setdefault(text(c.value), row)
    return Grid(cells, id_col, text_col, entries, moved or whole, id_rows, header_row, target_col)


def _moved_columns(m: Map, cols: dict[str, int]) -> tuple[Entry, ...]:
    """The map's entries with each answer cell in the column its header was found in."""
    shift = {m.assessment[f].col: cols[f] for f in ANSWER_FIELDS
             if m.assessment[f].col is not None and cols[f] is not None and cols[f] != m.assessment[f].col}
    if not shift:
        return m.entries
    return tuple(Entry(e.statement_id, e.area_id, None if e.cells is None else
                       tuple((r, shift.get(c, c)) for r, c in e.cells), e.rating_row, e.action_row)
                 for e in m.entries)


def read_ratings(wb: Workbook, sheet: str, m: Map, scale: Scale, texts: dict[str, str], problems: Problems,
                 out: list[Rating]) -> bool:
    """Append one Rating a statement of the map to `out`. False if the sheet cannot be read (a fatal problem)."""
    grid = locate_grid(wb, sheet, m, problems)
    if grid is None:
        return False
    read_rating, get_cell, moved, text_col, string = scale.read, grid.cells.get, grid.moved, grid.text_col, \
        problems.string
    for entry in grid.entries:
        sid, area = entry.statement_id, entry.area_id
        if entry.cells is None:
            problems.add("error", "metadata-damaged", f"the map's cells for statement {sid} are not cell "
                                                      f"references", METADATA)
            out.append(Rating(sid, area, None, "", ""))
            continue
        (row, rating_col), (_r1, rationale_col), (_r2, evidence_col) = entry.cells
        if moved or not sid:  # else the check in locate_grid saw this id on this row
            row = _checked_row(grid, sid, row, sheet, problems)
            if row is None:
                out.append(Rating(sid, area, None, "", ""))
                continue
        expected = texts.get(sid)
        if expected is not None:
            shown = get_cell((row, text_col), BLANK).value
            if shown != expected:
                _check_text(shown, expected, sid, sheet, (row, text_col), problems)
        read = read_rating(get_cell((row, rating_col), BLANK).value)
        if read.severity:
            problems.add(read.severity, "rating-text" if read.severity == "warning" else "rating-invalid",
                         read.message, sheet, cell(row, rating_col))
        # Problems.string's first case written out (text within Excel's limit: stripped), a call less an answer
        raw = get_cell((row, rationale_col), BLANK).value
        rationale = raw.strip() if raw.__class__ is str and len(raw) <= MAX_TEXT else \
            string(raw, sheet, (row, rationale_col))
        raw = get_cell((row, evidence_col), BLANK).value
        evidence = raw.strip() if raw.__class__ is str and len(raw) <= MAX_TEXT else \
            string(raw, sheet, (row, evidence_col))
        target = None if grid.target_col is None else \
            _target(scale, get_cell((row, grid.target_col), BLANK).value, read.value, sheet, (row, grid.target_col),
                    problems)
        out.append(Rating(sid, area, read.value, rationale, evidence, target))
    _unknown_statements(grid, m, texts, sheet, problems)
    return True


def _target(scale: Scale, raw: object, rating: int | None, sheet: str, at: tuple[int, int],
            problems: Problems) -> int | None:
    """A chosen target, read as a rating is (Scale.read); None when blank, and when off the scale or below the
    rating (a warning each: the next level up is used, as the workbook's Action plan does)."""
    read = scale.read(raw)
    if read.severity == "error":
        problems.add("warning", "target-invalid", f"the target '{text(raw)}' is not on the scale; the next level "
                                                  f"up is used", sheet, cell(*at))
        return None
    if read.severity == "warning":
        problems.add("warning", "target-text", f"the target '{raw}' was typed or pasted as text; read as "
                                               f"{read.value}", sheet, cell(*at))
    if read.value is not None and rating is not None and read.value < rating:
        problems.add("warning", "target-below-rating", f"the target {read.value} is below the rating {rating}; "
                                                       f"the next level up is used", sheet, cell(*at))
        return None
    return read.value


def _checked_row(grid: Grid, sid: str, row: int, sheet: str, problems: Problems) -> int | None:
    """The row statement `sid` is on: the map's, or where its id is now (a warning), or None if it is gone."""
    actual = grid.cells.get((row, grid.id_col))
    if actual is not None and text(actual.value) == sid:
        return row
    found = grid.id_rows.get(sid)
    if found is None:
        problems.add("error", "statement-missing", f"statement {sid} is not on the sheet: its row was deleted or "
                                                   f"its id changed; it counts as unrated", sheet,
                     cell(row, grid.id_col))
        return None
    problems.add("warning", "row-moved", f"statement {sid} was expected on row {row + 1} but is on row "
                                         f"{found + 1}; read from there", sheet, cell(found, grid.id_col))
    return found


def _check_text(shown: object, expected: str, sid: str, sheet: str, at: tuple[int, int],
                problems: Problems) -> None:
    if " ".join(text(shown).split()) != expected:
        problems.add("warning", "statement-edited", f"the text of statement {sid} differs from the framework's",
                     sheet, cell(*at))


def _unknown_statements(grid: Grid, m: Map, texts: dict[str, str], sheet: str, problems: Problems) -> None:
    """Ids on the sheet that neither the map nor the framework knows (only checked against a known spec)."""
    if not texts:
        return
    for sid, row in grid.id_rows.items():
        if row > grid.header_row and sid not in m.ids and sid not in texts and _ID.match(sid) and \
                not sid.startswith("ID"):
            problems.add("warning", "unknown-statement", f"row {row + 1} has an id ({sid}) that is not in the "
                                                         f"framework; it was ignored", sheet, cell(row, grid.id_col))
