"""Where everything goes in a workbook: sheets, rows, columns and input cells. Pure: no I/O.

The generator writes what this decides, and writes this decision into the metadata sheet as a map from each
statement id to its input cells; the parser reads that map back. So the layout is stated once, here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from .model import Framework, Statement

START, ASSESSMENT, ACTIONS, SUMMARY, METADATA = "Start here", "Assessment", "Action plan", "Summary", "Metadata"
SHEETS = (START, ASSESSMENT, ACTIONS, SUMMARY, METADATA)
# The metadata sheet's format: sections of rows, each under a `[name]` marker in column A.
METADATA_FORMAT = "maturity-xl/1"
# The [workbook] section's keys, one a row from row 2 in this order (the parser looks for them there first).
# `layout` is a digest of every row below [workbook] (Layout.digest): the map and everything else that places a
# cell. A return whose digest is that of a spec the parser knows was laid out by this module, so the parser uses
# this module's map rather than reading ~8 cells a statement back; any other return is read with its own map.
METADATA_KEYS = ("format", "framework_id", "framework_version", "framework_title", "fingerprint", "layout",
                 "rating_mode", "generator_version", "generated_at", "service_id", "service_name", "service_contact",
                 "signature")

# How the metadata sheet and document properties say "none": a visible value rather than a blank cell, so every
# workbook of a framework has the same cells and the mail-merge can patch values in place.
EMPTY = "-"
UNSIGNED = "unsigned"  # distinct from EMPTY so the two never share one shared string

# Excel's inline list validation: one comma-joined string of at most 255 characters.
INLINE_LIST_LIMIT = 255


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


class Layout:
    """The plan of one framework's workbook. Rows and columns are 0-based, as xlsxwriter counts them."""

    # Assessment columns
    A_ID, A_TEXT, A_RATING, A_LEVEL, A_RATIONALE, A_EVIDENCE = range(6)
    A_HEADER_ROW = 3
    # Action plan columns before the framework's own
    P_ID, P_AREA, P_TEXT, P_RATING, P_LEVEL, P_TARGET, P_GAP = range(7)
    P_HEADER_ROW = 3
    # Summary
    S_HEADER_ROW = 3

    def __init__(self, framework: Framework):
        self.framework = framework
        fw = framework
        self.descriptor_mode = fw.rating_mode == "descriptor"
        # Start here: title, version line, then the respondent's details, then the live counter.
        self.respondent = tuple(
            RespondentField(key, label, kind, 4 + i, help)  # type: ignore[arg-type]
            for i, (key, label, kind, help) in enumerate(RESPONDENT_FIELDS)
        )
        self.counter_row = 4 + len(self.respondent) + 1
        self.start_body_row = self.counter_row + 2

        rows: list[AssessmentRow] = []
        spans: list[AreaSpan] = []
        r = self.A_HEADER_ROW + 1
        for area in fw.areas:
            first = r
            rows.append(AssessmentRow(r, "area", title=area.title))
            r += 1
            group_ids = {g.id: g for g in area.groups}
            current_group = None
            for st in area.statements:
                if st.group_id and st.group_id != current_group:
                    current_group = st.group_id
                    rows.append(AssessmentRow(r, "group", title=f"{st.group_id} {group_ids[st.group_id].title}"))
                    r += 1
                rows.append(AssessmentRow(r, "statement", st))
                r += 1
                if self.descriptor_mode:
                    for value, _text in st.descriptors:
                        rows.append(AssessmentRow(r, "descriptor", st, level=value))
                        r += 1
            spans.append(AreaSpan(area.id, area.title, first, r - 1, len(area.statements),
                                  self.S_HEADER_ROW + 1 + len(spans)))
        self.assessment_rows = tuple(rows)
        self.area_spans = tuple(spans)
        self.assessment_last_row = r - 1

        cells: list[StatementCells] = []
        for i, row in enumerate(x for x in rows if x.kind == "statement"):
            st = row.statement
            assert st is not None
            descriptor_rows = tuple(x.row for x in rows if x.kind == "descriptor" and x.statement is st)
            cells.append(StatementCells(st.id, st.area_id, st.group_id or "", row.row, self.P_HEADER_ROW + 1 + i,
                                        descriptor_rows))
        self.statement_cells = tuple(cells)
        self.action_first_col = self.P_GAP + 1
        self.action_last_row = self.P_HEADER_ROW + len(cells)
        self.overall_summary_row = self.S_HEADER_ROW + 1 + len(spans)
        self._static = self._static_rows()
        self._digest = ""

    # --- references shared by generator and parser ---------------------------------------------------------

    @property
    def rating_range(self) -> str:
        """Every rating cell of the Assessment sheet (one column; only rating cells hold numbers in it)."""
        c = col_letter(self.A_RATING)
        return f"{quote_sheet(ASSESSMENT)}!${c}${self.A_HEADER_ROW + 2}:${c}${self.assessment_last_row + 1}"

    def area_rating_range(self, span: AreaSpan) -> str:
        c = col_letter(self.A_RATING)
        return f"{quote_sheet(ASSESSMENT)}!${c}${span.first_row + 1}:${c}${span.last_row + 1}"

    def action_col(self, column_id: str) -> int:
        for i, col in enumerate(self.framework.action_columns):
            if col.id == column_id:
                return self.action_first_col + i
        raise KeyError(column_id)

    def choice_needs_range(self, options: tuple[str, ...]) -> bool:
        joined = ",".join(options)
        return len(joined) > INLINE_LIST_LIMIT or any("," in o or '"' in o for o in options)

    def metadata_rows(self, *, service_id: str = "", service_name: str = "", service_contact: str = "",
                      generated_at: str = "", generator_version: str = "", signature: str = "") -> list[list]:
        """The metadata sheet, row by row. Sections start with a `[name]` marker in column A.

        Only the `[workbook]` section differs between the workbooks of one framework, and it has a fixed
        number of rows, so the positions of the lists below it are known in advance (see `_static_rows`).
        """
        fw = self.framework
        values = {"format": METADATA_FORMAT, "framework_id": fw.id, "framework_version": fw.version,
                  "framework_title": fw.title, "fingerprint": fw.fingerprint, "layout": self.digest,
                  "rating_mode": fw.rating_mode,
                  "generator_version": generator_version, "generated_at": generated_at, "service_id": service_id,
                  "service_name": service_name, "service_contact": service_contact, "signature": signature}
        head: list[list] = [["[workbook]"], *([key, values[key]] for key in METADATA_KEYS), []]
        assert len(head) == self.METADATA_HEAD_ROWS
        return head + self._static

    METADATA_HEAD_ROWS = 15

    @property
    def digest(self) -> str:
        """A digest of the metadata rows below [workbook] and where they start: it changes whenever a change to
        the spec or to this module moves, adds or retypes any cell the parser reads (the spec's fingerprint
        covers only the statements and the scale, not action columns, groups or rows)."""
        if not self._digest:
            text = json.dumps([self.METADATA_HEAD_ROWS, self._static], ensure_ascii=False, separators=(",", ":"))
            self._digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return self._digest

    @property
    def static_rows(self) -> list[list]:
        """The metadata sheet's rows below [workbook], which every workbook of the framework shares (the
        parser takes its map from here for a spec it knows by fingerprint, instead of reading ~8 cells a
        statement from each return)."""
        return self._static

    def _static_rows(self) -> list[list]:
        fw = self.framework
        rows: list[list] = [["[sheets]", "role", "name"]]
        rows += [["sheet", role, name] for role, name in
                 (("start", START), ("assessment", ASSESSMENT), ("actions", ACTIONS), ("summary", SUMMARY))]
        rows += [[], ["[respondent]", "field", "sheet", "cell", "kind"]]
        rows += [["respondent", f.key, START, cell(f.row, 1), f.kind] for f in self.respondent]
        rows += [[], ["[columns]", "field", "sheet", "column", "kind"]]
        rows += [["column", "statement_id", ASSESSMENT, col_letter(self.A_ID), "id"],
                 ["column", "rating", ASSESSMENT, col_letter(self.A_RATING), "rating"],
                 ["column", "rationale", ASSESSMENT, col_letter(self.A_RATIONALE), "text"],
                 ["column", "evidence", ASSESSMENT, col_letter(self.A_EVIDENCE), "text"],
                 ["column", "action_statement_id", ACTIONS, col_letter(self.P_ID), "id"]]
        rows += [["column", f"action.{c.id}", ACTIONS, col_letter(self.action_col(c.id)), c.kind]
                 for c in fw.action_columns]
        rows += [[], ["[scale]", "value", "label", "text"]]
        base = self.METADATA_HEAD_ROWS
        self.scale_rows = (base + len(rows), base + len(rows) + len(fw.scale.levels) - 1)
        rows += [["level", lv.value, lv.label, f"{lv.value} - {lv.label}"] for lv in fw.scale.levels]
        rows += [[], ["[choices]", "column", "option"]]
        self.choice_rows: dict[str, tuple[int, int]] = {}
        for col in fw.action_columns:
            if col.kind == "choice":
                start = base + len(rows)
                rows += [["choice", col.id, option] for option in col.options]
                self.choice_rows[col.id] = (start, base + len(rows) - 1)
        rows += [[], ["[map]", "statement_id", "area_id", "group_id", "rating_cell", "rationale_cell",
                      "evidence_cell", "action_row"]]
        rows += [["statement", c.statement_id, c.area_id, c.group_id, cell(c.row, self.A_RATING),
                  cell(c.row, self.A_RATIONALE), cell(c.row, self.A_EVIDENCE), c.action_row + 1]
                 for c in self.statement_cells]
        return rows
