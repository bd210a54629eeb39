"""The records a Layout is made of (a respondent field, an Assessment row, a statement's cells, an area's span, a
table column, a chart) and A1 addressing. Pure: no I/O. `maturity_xl.layout` re-exports every name here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .model import Statement


def col_letter(col: int) -> str:
    """0-based column index to Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell(row: int, col: int) -> str:
    """0-based (row, col) to an A1 reference."""
    return f"{col_letter(col)}{row + 1}"


def quote_sheet(name: str) -> str:
    return f"'{name}'" if not name.isalnum() else name


@dataclass(frozen=True, slots=True)
class RespondentField:
    key: str
    label: str
    kind: Literal["text", "date", "email"]
    row: int
    help: str


RESPONDENT_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("organisation", "Organisation", "text", "The organisation the service belongs to."),
    ("service", "Service", "text", "The service, team or setting this assessment is about."),
    ("completed_by", "Completed by", "text", "Your name, or the names of the people who completed it together."),
    ("role", "Role", "text", "Your role or job title."),
    ("date_completed", "Date completed", "date", "The date you finished the assessment, e.g. 31/03/2027."),
    ("email", "Email", "email", "An email address we can use if we have questions about this return."),
)

AssessmentRowKind = Literal["area", "group", "statement", "descriptor"]


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    row: int
    kind: AssessmentRowKind
    statement: Statement | None = None
    title: str = ""
    level: int | None = None  # for descriptor rows: the level whose descriptor this row shows


@dataclass(frozen=True, slots=True)
class StatementCells:
    """The cells one statement owns: the parser's map, written into the metadata sheet."""

    statement_id: str
    area_id: str
    group_id: str
    row: int  # Assessment row of the rating
    action_row: int
    descriptor_rows: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AreaSpan:
    area_id: str
    title: str
    first_row: int
    last_row: int
    statements: int
    summary_row: int


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet's table: what it holds, its header (the parser finds the column by it) and where."""

    field: str  # what the column holds; the [columns] rows of the metadata sheet name read columns by it
    header: str
    col: int  # 0-based
    width: float
    kind: str  # how the parser reads it: id, text, rating, date, choice, person; "shown" for columns it does not


@dataclass(frozen=True, slots=True)
class Chart:
    """A Summary chart: the cells it plots and where it stands."""

    categories: str
    values: str
    row: int
    col: int
