"""Where everything goes in a workbook: sheets, rows, columns and their headers, input cells, the Start here and
Summary blocks, chart ranges and defined names. Pure: no I/O.

The generator writes what this decides and nothing else, and writes this decision into the metadata sheet: a map
from each statement id to its input cells, and each column the parser reads with its header (the parser finds a
column by its header, so a column a respondent moved is still read). So the layout is stated once, here: adding a
column is a change to this module alone.

The records a plan is made of (fields, rows, cells, spans, columns, charts) and A1 addressing are in
layout_parts, and are imported from here as before.
"""

from __future__ import annotations

import hashlib
import json

from .layout_parts import (
    RESPONDENT_FIELDS,
    AreaSpan,
    AssessmentRow,
    Chart,
    Column,
    RespondentField,
    StatementCells,
    cell,
    col_letter,
    quote_sheet,
)
from .model import Framework

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
                 "signature", "round")

# How the metadata sheet and document properties say "none": a visible value rather than a blank cell, so every
# workbook of a framework has the same cells and the mail-merge can patch values in place.
EMPTY = "-"
UNSIGNED = "unsigned"  # distinct from EMPTY so the two never share one shared string
NO_ROUND = "(no round)"  # likewise: the metadata's round when `generate` was given none

# Excel's inline list validation: one comma-joined string of at most 255 characters.
INLINE_LIST_LIMIT = 255


# The columns the generator fills on the Assessment sheet and the Action plan (before the framework's own), in
# their usual order; a layout may add others (see Layout.assessment_column_specs).
# The Summary table's columns.
SUMMARY_FIELDS = ("area", "statements", "rated", "mean", "lowest", "highest", "at_target")
# The defined names the workbook's formulas use, each a column of the metadata sheet's [scale] rows.
SCALE_NAMES = (("ScaleValues", "B"), ("ScaleLabels", "C"), ("ScaleText", "D"))


class Layout:
    """The plan of one framework's workbook. Rows and columns are 0-based, as xlsxwriter counts them.

    `assessment_order` and `plan_order` put the columns in another order (each naming every field of
    `assessment_column_specs` or `plan_column_specs` once); the metadata records each read column with its
    header, so a parser reads a workbook laid out in any order.
    """

    HEADER_ROW = 3  # every sheet's table header: under the title, the subtitle and a blank row
    A_HEADER_ROW = P_HEADER_ROW = S_HEADER_ROW = HEADER_ROW
    TITLE_ROW, SUBTITLE_ROW = 0, 1
    # Between the subtitle and the table: Start here's Protected View line, the Assessment's notice (spec `notice`).
    NOTE_ROW = 2
    # Start here: labels in A, the respondent's answers in B, under a "Your details" heading.
    LABEL_COL, VALUE_COL, DETAILS_ROW = 0, 1, 3
    # Summary, below the table: each level's label and how many ratings are at it (the distribution chart's data).
    DISTRIBUTION_LABEL_COL, DISTRIBUTION_COUNT_COL = 0, 1

    def __init__(self, framework: Framework, *, assessment_order: tuple[str, ...] | None = None,
                 plan_order: tuple[str, ...] | None = None, last_round: str | None = None):
        self.framework = framework
        fw = framework
        self.descriptor_mode = fw.rating_mode == "descriptor"
        self.sheets = SHEETS
        # With `last_round`, the workbook of a service that answered that round: "last time" columns (kind
        # "shown", so the parser never reads them) after every read column, which therefore keep their places.
        self.last_round = last_round
        last = self._last_specs = last_time_specs(last_round)
        specs = {**self.assessment_column_specs(), **last["assessment"]}
        self.assessment_columns = _columns(assessment_order or tuple(specs), specs)
        specs = {**self.plan_column_specs(), **last["plan"]}
        self.plan_columns = _columns(plan_order or tuple(specs), specs)
        a = {c.field: c.col for c in self.assessment_columns}
        self.A_ID, self.A_TEXT, self.A_RATING = a["statement_id"], a["statement_text"], a["rating"]
        self.A_LEVEL, self.A_RATIONALE, self.A_EVIDENCE = a["level"], a["rationale"], a["evidence"]
        p = {c.field: c.col for c in self.plan_columns}
        self.P_ID, self.P_AREA, self.P_TEXT = p["action_statement_id"], p["area"], p["action_text"]
        self.P_RATING, self.P_LEVEL, self.P_TARGET, self.P_GAP = \
            p["action_rating"], p["action_level"], p["target"], p["gap"]
        self._action_cols = {f[len("action."):]: col for f, col in p.items() if f.startswith("action.")}
        # The framework's first action column (in the usual order, they follow the plan's own columns).
        self.action_first_col = min(self._action_cols.values(), default=len(self.plan_columns))
        self.assessment_last_col = len(self.assessment_columns) - 1
        self.plan_last_col = len(self.plan_columns) - 1
        # Panes freeze left of the first column after the statement's id and text.
        self.assessment_freeze_col = max(self.A_ID, self.A_TEXT) + 1
        self.plan_freeze_col = max(self.P_ID, self.P_AREA, self.P_TEXT) + 1
        # Start here: title, version line, then the respondent's details, then the live counter.
        self.respondent = tuple(
            RespondentField(key, label, kind, self.DETAILS_ROW + 1 + i, help)  # type: ignore[arg-type]
            for i, (key, label, kind, help) in enumerate(RESPONDENT_FIELDS)
        )
        self.counter_row = self.DETAILS_ROW + 1 + len(self.respondent) + 1
        self.attention_row = self.counter_row + 1  # "2 answers need attention", under the counter
        self.start_body_row = self.counter_row + 2
        rows, spans = self._assessment_rows()
        self.assessment_rows = tuple(rows)
        self.area_spans = tuple(spans)
        self.assessment_last_row = rows[-1].row

        cells: list[StatementCells] = []
        for i, row in enumerate(x for x in rows if x.kind == "statement"):
            st = row.statement
            assert st is not None
            descriptor_rows = tuple(x.row for x in rows if x.kind == "descriptor" and x.statement is st)
            cells.append(StatementCells(st.id, st.area_id, st.group_id or "", row.row, self.P_HEADER_ROW + 1 + i,
                                        descriptor_rows))
        self.statement_cells = tuple(cells)
        self.action_last_row = self.P_HEADER_ROW + len(cells)
        self.overall_summary_row = self.S_HEADER_ROW + 1 + len(spans)
        self.summary_columns = self._summary_columns()
        self.summary_chart_col = len(self.summary_columns)
        # Below the table: a heading, one row a level counting the ratings at it, then the two charts.
        self.distribution_heading_row = self.overall_summary_row + 2
        self.distribution_first_row = self.distribution_heading_row + 1
        self.distribution_last_row = self.distribution_first_row + len(fw.scale.levels) - 1
        self._static = self._static_rows()
        self._digest = ""

    def _assessment_rows(self) -> tuple[list[AssessmentRow], list[AreaSpan]]:
        """The Assessment's rows under its header: each area's heading, its groups' headings, its statements (and,
        for a descriptor framework, each statement's descriptors below it); and each area's span of rows."""
        fw = self.framework
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
        return rows, spans

    def assessment_column_specs(self) -> dict[str, tuple[str, float, str]]:
        """The Assessment's columns in their usual order: {field: (header, width, kind)}. A column added here is
        written by the generator (header and width; its cells as the generator fills them) and, unless its kind
        is "shown", recorded in the metadata with its header and read by the parser: a layout change alone."""
        fw, scale = self.framework, self.framework.scale
        return _with_target({
            "statement_id": ("ID", 8, "id"),
            "statement_text": (fw.terms.statement, 70, "text"),
            "rating": (f"Rating ({scale.minimum}-{scale.maximum})", 9, "rating"),
            "level": (scale.name, 18, "shown"),
            "rationale": (fw.rationale_label, 45, "text"),
            "evidence": (fw.evidence_label, 40, "text"),
        }, fw)

    def plan_column_specs(self) -> dict[str, tuple[str, float, str]]:
        """The Action plan's columns in their usual order: its own, then the framework's action columns."""
        fw = self.framework
        descriptor_target = fw.target_mode == "next-descriptor"
        # The id and the statement come first: printed two pages wide, columns A:B repeat on the right-hand page.
        columns = {
            "action_statement_id": ("ID", 8, "id"),
            "action_text": (fw.terms.statement, 40, "shown"),
            "area": (fw.terms.area, 18, "shown"),
            "action_rating": ("Rating", 7, "shown"),
            "action_level": (fw.scale.name, 14, "shown"),
            "target": ("Next statement to work towards" if descriptor_target else
                       "Target (yours, or the next level)" if fw.target_per_statement else "Target (next level)",
                       40 if descriptor_target else 16, "shown"),
            "gap": ("Gap", 6, "shown"),
        }
        widths = {"text": 32, "person": 18, "date": 12, "choice": 14}
        columns.update({f"action.{c.id}": (c.name, widths[c.kind], c.kind) for c in fw.action_columns})
        return columns

    def _summary_columns(self) -> tuple[Column, ...]:
        fw, scale = self.framework, self.framework.scale
        word = fw.terms.statement
        target = f"At or above {scale.target} - {scale.label_of(scale.target)}"
        columns = {"area": (fw.terms.area, 40, "shown"), "statements": (word if word.endswith("s") else word + "s",
                                                                       11, "shown"),
                   "rated": ("Rated", 9, "shown"), "mean": ("Mean", 9, "shown"), "lowest": ("Lowest", 9, "shown"),
                   "highest": ("Highest", 9, "shown"), "at_target": (target, 18, "shown")}
        columns.update(last_time_specs(self.last_round)["summary"])
        return _columns(summary_fields(self.last_round), columns)

    # --- references shared by generator and parser ---------------------------------------------------------

    def action_col(self, column_id: str) -> int:
        """The Action plan column of the framework's action column `column_id` (KeyError if it has none)."""
        return self._action_cols[column_id]

    def last_time_col(self, field: str) -> int:
        """The column of a "last time" field (last_time_specs) on its sheet (KeyError without last_round)."""
        if not any(field in specs for specs in self._last_specs.values()):
            raise KeyError(field)
        return next(c.col for c in (*self.assessment_columns, *self.plan_columns, *self.summary_columns)
                    if c.field == field)

    def summary_col(self, field: str) -> int:
        return next(c.col for c in self.summary_columns if c.field == field)

    # A hidden column right of the Summary table (set in __init__): each area's mean, or #N/A when none is rated,
    # which the mean chart plots, so "not rated" is a gap and never a bar that could read as the scale's lowest.
    summary_chart_col = len(SUMMARY_FIELDS)

    @property
    def summary_level_cols(self) -> tuple[int, ...]:
        """Hidden columns right of the chart's: one per level, each row counting its area's ratings at that level
        (headed by the level's value); every Summary figure is computed from these counts, so a value pasted past
        the dropdown is counted by neither the workbook nor the parser."""
        first = self.summary_chart_col + 1
        return tuple(range(first, first + len(self.framework.scale.levels)))

    @property
    def level_range(self) -> str:
        """The Assessment's level column (a level's label where the rating is on the scale)."""
        c = col_letter(self.A_LEVEL)
        return f"{quote_sheet(ASSESSMENT)}!${c}${self.A_HEADER_ROW + 2}:${c}${self.assessment_last_row + 1}"

    @property
    def A_TARGET(self) -> int | None:  # upper case, like the other column attributes
        """The Assessment's chosen target column (None unless the framework asks for targets)."""
        return next((c.col for c in self.assessment_columns if c.field == "chosen_target"), None)

    @property
    def A_TARGET_LEVEL(self) -> int | None:
        """The Assessment's column saying what each chosen target means, in words (None without targets)."""
        return next((c.col for c in self.assessment_columns if c.field == "target_level"), None)

    @property
    def target_level_range(self) -> str | None:
        """The Assessment's target level column (what each chosen target means), when the framework has one."""
        if self.A_TARGET_LEVEL is None:
            return None
        c = col_letter(self.A_TARGET_LEVEL)
        return f"{quote_sheet(ASSESSMENT)}!${c}${self.A_HEADER_ROW + 2}:${c}${self.assessment_last_row + 1}"

    def area_level_range(self, span: AreaSpan) -> str:
        c = col_letter(self.A_LEVEL)
        return f"{quote_sheet(ASSESSMENT)}!${c}${span.first_row + 1}:${c}${span.last_row + 1}"

    @property
    def mean_chart(self) -> Chart:
        """Each area's mean rating, as a bar chart below the distribution."""
        sheet = quote_sheet(SUMMARY)
        first, last = self.area_spans[0].summary_row + 1, self.area_spans[-1].summary_row + 1
        names, means = col_letter(self.summary_col("area")), col_letter(self.summary_chart_col)
        return Chart(f"={sheet}!${names}${first}:${names}${last}", f"={sheet}!${means}${first}:${means}${last}",
                     self.distribution_last_row + 2, 0)

    @property
    def distribution_chart(self) -> Chart:
        """How many ratings are at each level: the distribution block's labels and counts."""
        sheet = quote_sheet(SUMMARY)
        first, last = self.distribution_first_row + 1, self.distribution_last_row + 1
        labels, counts = col_letter(self.DISTRIBUTION_LABEL_COL), col_letter(self.DISTRIBUTION_COUNT_COL)
        return Chart(f"={sheet}!${labels}${first}:${labels}${last}", f"={sheet}!${counts}${first}:${counts}${last}",
                     self.distribution_last_row + 2, 3)

    @property
    def defined_names(self) -> dict[str, str]:
        """The workbook's defined names: the scale's values, labels and "value - label" texts."""
        first, last = self.scale_rows
        return {name: f"={METADATA}!${col}${first + 1}:${col}${last + 1}" for name, col in SCALE_NAMES}

    def choice_source(self, column_id: str) -> str:
        """The metadata rows that hold a choice column's options, for a list too long to write inline."""
        first, last = self.choice_rows[column_id]
        return f"={METADATA}!$C${first + 1}:$C${last + 1}"

    def choice_needs_range(self, options: tuple[str, ...]) -> bool:
        joined = ",".join(options)
        return len(joined) > INLINE_LIST_LIMIT or any("," in o or '"' in o for o in options)

    def metadata_rows(self, *, service_id: str = "", service_name: str = "", service_contact: str = "",
                      generated_at: str = "", generator_version: str = "", signature: str = "",
                      round: str = "") -> list[list]:
        """The metadata sheet, row by row. Sections start with a `[name]` marker in column A.

        Only the `[workbook]` section differs between the workbooks of one framework, and it has a fixed
        number of rows, so the positions of the lists below it are known in advance (see `_static_rows`).
        """
        fw = self.framework
        values = {"format": METADATA_FORMAT, "framework_id": fw.id, "framework_version": fw.version,
                  "framework_title": fw.title, "fingerprint": fw.fingerprint, "layout": self.digest,
                  "rating_mode": fw.rating_mode,
                  "generator_version": generator_version, "generated_at": generated_at, "service_id": service_id,
                  "service_name": service_name, "service_contact": service_contact, "signature": signature,
                  "round": round or NO_ROUND}
        head: list[list] = [["[workbook]"], *([key, values[key]] for key in METADATA_KEYS), []]
        assert len(head) == self.METADATA_HEAD_ROWS
        return head + self._static

    METADATA_HEAD_ROWS = 16

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
        rows: list[list] = [["[sheets]", "role", "name", "header_row"]]
        rows += [["sheet", "start", START, self.DETAILS_ROW + 1]]
        rows += [["sheet", role, name, self.HEADER_ROW + 1] for role, name in
                 (("assessment", ASSESSMENT), ("actions", ACTIONS), ("summary", SUMMARY))]
        rows += [[], ["[respondent]", "field", "sheet", "cell", "kind"]]
        rows += [["respondent", f.key, START, cell(f.row, self.VALUE_COL), f.kind] for f in self.respondent]
        # Every column the parser reads, with its header: the parser finds each by its header, so a column moved
        # or inserted in a return is read where it is now, or named in a problem.
        rows += [[], ["[columns]", "field", "sheet", "column", "kind", "header"]]
        rows += [["column", c.field, ASSESSMENT, col_letter(c.col), c.kind, c.header]
                 for c in self.assessment_columns if c.kind != "shown"]
        rows += [["column", c.field, ACTIONS, col_letter(c.col), c.kind, c.header]
                 for c in self.plan_columns if c.kind != "shown"]
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


def _with_target(columns: dict[str, tuple[str, float, str]],
                 fw: Framework) -> dict[str, tuple[str, float, str]]:
    """The Assessment's columns with, for a framework that asks for targets, the target dropdown (read like the
    rating) and the words saying what it means after the level column."""
    if not fw.target_per_statement:
        return columns
    scale = fw.scale
    added = {"chosen_target": (f"Target ({scale.minimum}-{scale.maximum})", 9, "target"),
             "target_level": ("Target level", 24, "shown")}
    out: dict[str, tuple[str, float, str]] = {}
    for key, value in columns.items():
        out[key] = value
        if key == "level":
            out.update(added)
    return out


def _columns(order: tuple[str, ...], columns: dict[str, tuple[str, float, str]]) -> tuple[Column, ...]:
    """The columns in `order`, which must name each of `columns` once and nothing else."""
    if sorted(order) != sorted(columns):
        raise ValueError(f"a column order must name each of {', '.join(columns)} once, not {', '.join(order)}")
    return tuple(Column(f, columns[f][0], i, columns[f][1], columns[f][2]) for i, f in enumerate(order))


def last_time_specs(last_round: str | None) -> dict[str, dict[str, tuple[str, float, str]]]:
    """The columns a workbook with last round's answers adds, by table: {field: (header, width, kind)}. All of
    kind "shown": the parser never reads them (the metadata does not list them)."""
    if last_round is None:
        return {"assessment": {}, "plan": {}, "summary": {}}
    when = f"Last time ({last_round})" if last_round else "Last time"
    return {"assessment": {"last_rating": (f"{when}: rating", 16, "shown"),
                           "last_rationale": (f"{when}: why", 40, "shown")},
            "plan": {"carried": ("Carried forward", 16, "shown")},
            "summary": {"last_mean": (f"{when}: mean", 11, "shown")}}


def summary_fields(last_round: str | None) -> tuple[str, ...]:
    """The Summary table's columns in order: last time's mean, when there is one, beside this time's."""
    if last_round is None:
        return SUMMARY_FIELDS
    at = SUMMARY_FIELDS.index("mean") + 1
    return (*SUMMARY_FIELDS[:at], "last_mean", *SUMMARY_FIELDS[at:])
