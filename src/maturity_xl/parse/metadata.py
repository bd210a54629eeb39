"""The metadata sheet decoded once into typed records: its head, and the map of where every answer is.

The sheet is rows in sections, each under a `[name]` marker in column A (layout.py writes them). The rows come
from the return's own sheet, or, for a spec the registry knows whose layout digest the head names, from layout.py
(`Registry.layout`); either way they are decoded here, by one path.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..layout import ACTIONS, ASSESSMENT, METADATA_KEYS, NO_ROUND, Layout
from ..model import MAX_LEVEL, Level, Scale
from .source import split_ref
from .values import header_text, meta_text, signature_text, text

# Where the columns the parser reads are in workbooks whose [columns] rows do not name them (the first ones).
DEFAULT_COLUMNS = {"statement_id": 0, "statement_text": 1, "action_statement_id": 0}
DEFAULT_HEADER_ROW = Layout.HEADER_ROW
ANSWER_FIELDS = ("rating", "rationale", "evidence")  # the map's three cells a statement, in this order
# Assessment columns only some workbooks have, read on each statement's rating row (not in the map's cells).
OPTIONAL_FIELDS = ("chosen_target",)


@dataclass(frozen=True, slots=True)
class Head:
    """The [workbook] section: what the workbook is and who it was sent to."""

    format: str = ""
    framework_id: str = ""
    framework_version: str = ""
    fingerprint: str = ""
    layout: str = ""
    service_id: str = ""
    service_name: str = ""
    generated_at: str = ""
    signature: str = ""
    round: str = ""  # the round the workbook was generated for; "" in workbooks made before rounds

    @classmethod
    def decode(cls, values: dict[str, object]) -> Head:
        return cls(text(values.get("format")), text(values.get("framework_id")),
                   text(values.get("framework_version")), text(values.get("fingerprint")),
                   text(values.get("layout")), meta_text(values.get("service_id")),
                   meta_text(values.get("service_name")), text(values.get("generated_at")),
                   signature_text(values.get("signature")), _round(values.get("round")))


@dataclass(frozen=True, slots=True)
class ColumnRef:
    """A column the parser reads, as the metadata records it: found on its sheet by its header."""

    field: str
    sheet: str
    col: int | None  # None: the metadata's column is not a column letter
    kind: str
    header: str  # "" in workbooks made before the metadata recorded headers
    key: str = field(init=False, compare=False)  # the header as compared (header_text)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", header_text(self.header))


@dataclass(frozen=True, slots=True)
class RespondentRef:
    key: str
    sheet: str
    ref: str
    pos: tuple[int, int] | None
    kind: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One statement's row of the map."""

    statement_id: str
    area_id: str
    cells: tuple[tuple[int, int], ...] | None  # rating, rationale and evidence; None if one is not a cell
    rating_row: int | None
    action_row: int | None


@dataclass(frozen=True)
class Map:
    """Everything below the metadata sheet's head, decoded, and the lookups the sheet readers use."""

    sheets: dict[str, str]  # role -> sheet name
    header_rows: dict[str, int]  # role -> 0-based row of the table's header
    respondent: tuple[RespondentRef, ...]
    assessment: dict[str, ColumnRef]  # statement_id, statement_text, rating, rationale, evidence[, chosen_target]
    plan_id: ColumnRef
    actions: tuple[ColumnRef, ...]  # the framework's action columns, by their field "action.<id>"
    options: dict[str, tuple[str, ...]]
    scale: Scale | None
    entries: tuple[Entry, ...]
    ids: frozenset[str] = field(init=False)
    area_ids: tuple[str, ...] = field(init=False)
    same_rows: bool = field(init=False)  # each statement's cells on one row, as layout.py writes them

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "ids", frozenset(e.statement_id for e in self.entries))
        set_(self, "area_ids", tuple(dict.fromkeys(e.area_id for e in self.entries)))
        set_(self, "same_rows", all(e.cells is not None and len({r for r, _c in e.cells}) == 1
                                    for e in self.entries))

    def sheet(self, role: str, default: str) -> str:
        return self.sheets.get(role, default)

    def header_row(self, role: str) -> int:
        return self.header_rows.get(role, DEFAULT_HEADER_ROW)

    @cached_property
    def assessment_wanted(self) -> tuple[tuple[int, int], ...]:
        """The Assessment cells a return is read from: each answer cell, the id and text beside it, the headers.
        A tuple, the same object for every return read with this map (Workbook.lookup keeps its references)."""
        id_col, text_col = self.assessment["statement_id"].col, self.assessment["statement_text"].col
        target = self.target_col
        wanted: list[tuple[int, int]] = []
        for entry in self.entries:
            for row, col in entry.cells or ():
                wanted += [(row, col), (row, id_col), (row, text_col)]
            if target is not None and entry.rating_row is not None:
                wanted.append((entry.rating_row, target))
        return tuple(dict.fromkeys(wanted + _header_cells(self.assessment.values(), self.header_row("assessment"))))

    @property
    def target_col(self) -> int | None:
        """The column of each statement's chosen target, on its rating's row (None: the workbook asks none)."""
        ref = self.assessment.get("chosen_target")
        return None if ref is None else ref.col

    @cached_property
    def plan_wanted(self) -> tuple[tuple[int, int], ...]:
        """The Action plan cells a return is read from: each action row's id and inputs, the headers (a tuple, as
        assessment_wanted)."""
        cols = [self.plan_id.col, *(col for _cid, col, _kind in self.action_columns)]
        wanted = [(e.action_row, col) for e in self.entries if e.action_row is not None for col in cols]
        return tuple(wanted + _header_cells((self.plan_id, *self.actions), self.header_row("actions")))

    @cached_property
    def action_columns(self) -> list[tuple[str, int, str]]:
        """(column id, column, kind) of each action column whose metadata names a column."""
        return [(c.field[len("action."):], c.col, c.kind) for c in self.actions if c.col is not None]

    @property
    def has_headers(self) -> bool:
        return any(c.header for c in self.assessment.values())

    def with_headers(self, layout: Layout) -> Map:
        """This map with the headers `layout` gives its columns (for a workbook whose metadata names none)."""
        headers = {c.field: c.header for c in (*layout.assessment_columns, *layout.plan_columns)}

        def named(c: ColumnRef) -> ColumnRef:
            return ColumnRef(c.field, c.sheet, c.col, c.kind, c.header or headers.get(c.field, ""))

        return Map(self.sheets, self.header_rows, self.respondent,
                   {k: named(c) for k, c in self.assessment.items()}, named(self.plan_id),
                   tuple(named(c) for c in self.actions), self.options, self.scale, self.entries)


def _round(value: object) -> str:
    value = meta_text(value)
    return "" if value == NO_ROUND else value


def _header_cells(columns: Iterable[ColumnRef], row: int) -> list[tuple[int, int]]:
    return [(row, c.col) for c in columns if c.header and c.col is not None]


def sections(lines: Iterable[list]) -> dict[str, list[list]]:
    """The metadata sheet's rows by section: each starts at a `[name]` marker in column A; in each row of a
    section but [workbook], column A names the kind of row and is dropped."""
    out: dict[str, list[list]] = {}
    current: list | None = None
    for line in lines:
        head = line[0] if line else None
        if isinstance(head, str) and head.startswith("[") and head.endswith("]"):
            current = out[head[1:-1]] = []
        elif current is not None and head is not None:
            current.append(line)
    return {key: rows if key == "workbook" else [row[1:] for row in rows] for key, rows in out.items()}


def head_values(rows: list[list]) -> dict[str, object]:
    """The [workbook] section's key/value rows."""
    return {text(row[0]): row[1] if len(row) > 1 else None for row in rows}


def head_cells() -> tuple[tuple[int, int], ...]:
    """The cells of the head as layout.py writes it: the marker, the keys in order, and the blank row after."""
    return tuple((r, c) for r in range(len(METADATA_KEYS) + 2) for c in (0, 1))


def decode(found: dict[str, list[list]]) -> Map:
    """The sections below the head as a Map."""
    sheet_rows = [row for row in found.get("sheets", []) if len(row) >= 2]
    sheets = {text(row[0]): text(row[1]) for row in sheet_rows}
    header_rows = {text(row[0]): int(float(row[2])) - 1 for row in sheet_rows
                   if len(row) >= 3 and _is_number(row[2]) and 1 <= float(row[2]) <= 1_048_576}
    entries = tuple(_entry(row) for row in found.get("map", []) if len(row) >= 7)
    columns = _columns(found.get("columns", []), entries)
    options: dict[str, tuple[str, ...]] = {}
    for row in found.get("choices", []):
        if len(row) >= 2:
            options[text(row[0])] = (*options.get(text(row[0]), ()), text(row[1]))
    return Map(sheets, header_rows, _respondent(found.get("respondent", [])),
               {f: columns[f] for f in ("statement_id", "statement_text", "rating", *OPTIONAL_FIELDS, "rationale",
                                        "evidence") if f in columns},
               columns["action_statement_id"], tuple(c for f, c in columns.items() if f.startswith("action.")),
               options, _scale(found.get("scale", [])), entries)


def _entry(row: list) -> Entry:
    refs = [position(ref) for ref in row[3:6]]
    cells = None if None in refs else tuple(refs)
    action_row = int(float(row[6])) - 1 if _is_number(row[6]) else None
    return Entry(text(row[0]), text(row[1]), cells, refs[0][0] if refs[0] else None, action_row)  # type: ignore


def _columns(rows: list[list], entries: tuple[Entry, ...]) -> dict[str, ColumnRef]:
    """The read columns by field. A workbook whose [columns] rows leave one out has it where the first
    generator put it (the map's cells for the answers)."""
    out: dict[str, ColumnRef] = {}
    for row in rows:
        if len(row) >= 4:
            pos = position(f"{text(row[2])}1")
            field_ = text(row[0])
            col = DEFAULT_COLUMNS.get(field_) if pos is None else pos[1]  # an id or text column is always read
            out[field_] = ColumnRef(field_, text(row[1]), col, text(row[3]), text(row[4]) if len(row) >= 5 else "")
    first = next((e.cells for e in entries if e.cells), None)
    for i, field_ in enumerate(ANSWER_FIELDS):
        if field_ not in out:
            out[field_] = ColumnRef(field_, ASSESSMENT, first[i][1] if first else None, "text", "")
    for field_, col in DEFAULT_COLUMNS.items():
        if field_ not in out:
            out[field_] = ColumnRef(field_, ACTIONS if field_.startswith("action") else ASSESSMENT, col, "id", "")
    return out


def _respondent(rows: list[list]) -> tuple[RespondentRef, ...]:
    out = []
    for row in rows:
        if len(row) >= 4:
            ref = text(row[2])
            out.append(RespondentRef(text(row[0]), text(row[1]), ref, position(ref), text(row[3])))
    return tuple(out)


def _scale(rows: list[list]) -> Scale | None:
    levels = []
    for row in rows:
        try:
            value = int(float(row[0]))
        except (TypeError, ValueError, OverflowError, IndexError):
            continue
        if abs(value) <= MAX_LEVEL:  # a scale is a handful of small numbers; an edited metadata cell is not one
            levels.append(Level(value, text(row[1]) if len(row) > 1 else "", ""))
    if len(levels) < 2:
        return None
    return Scale("Rating", tuple(levels), levels[-1].value)


def position(ref: object) -> tuple[int, int] | None:
    """An A1 reference as 0-based (row, col), or None if it is not one."""
    try:
        return split_ref(text(ref))
    except ValueError:
        return None


def _is_number(value: object) -> bool:
    """A finite number (a metadata cell edited to "nan" or "1e999" is not a row number)."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
