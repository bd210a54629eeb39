"""The four sheets a respondent sees, each written where the Layout puts it."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..layout import ACTIONS, ASSESSMENT, START, SUMMARY, Chart, cell, col_letter, quote_sheet
from ..model import ActionColumn, Statement
from .book import EARLIEST_DATE, LATEST_DATE, Book, row_height

TOP_REACHED = "Top statement reached: keep it there"
TOP_LEVEL = "No gap: top level reached"
PROTECTED_VIEW = ("If Excel shows a yellow PROTECTED VIEW bar, click Enable Editing to fill in this workbook: the "
                  "dropdowns do not open until you do.")
# Lines of room in the white boxes before anything is typed: the Assessment's rationale and evidence, the Action
# plan's action, notes and evidence boxes (rows grow beyond this as answers are typed; see _FittingWorksheet).
STATEMENT_BOX_LINES, ACTION_BOX_LINES = 3, 4
# An Action plan wider than this (in column-width units; the Assessment is about 190) prints two pages wide.
TWO_PAGE_WIDTH = 200


# What the level column says of a rating the collector will not count (a value pasted past the dropdown).
CHECK = "Check this answer: not on the scale"


def first_counted(counts: list[str], values: tuple[int, ...]) -> str:
    """The first of `values` whose count is above 0 (nested IFs: MINIFS is not in Excel 2016)."""
    formula = str(values[-1])
    for count, value in zip(counts[-2::-1], values[-2::-1], strict=True):
        formula = f"IF({count}>0,{value},{formula})"
    return formula


def level_formula(rating: str) -> str:
    """The level column: the label of the level `rating` means, read by the parser's rule (Scale.read): a number
    on the scale, or text that clearly names a level ("3", " 3 ", "3 - Growing", "Growing", any case), which the
    parser accepts with a warning; CHECK for anything else (9, 2.5, "three"), which the parser drops. The
    Summary counts these labels, so the workbook's figures are the collector's."""
    text = f"TRIM({rating})"
    position = (f"IF(ISNUMBER({rating}),MATCH({rating},ScaleValues,0),IFERROR(MATCH({text},ScaleText,0),"
                f"IFERROR(MATCH({text},ScaleLabels,0),MATCH(VALUE({text}),ScaleValues,0))))")
    return f'=IF({text}="","",IFERROR(INDEX(ScaleLabels,{position}),"{CHECK}"))'


class Writer(Book):
    """Writes the sheets; `generate` calls start, assessment, actions, summary, then metadata."""

    def start(self) -> None:
        ws, f, fw, lay = self.ws[START], self.f, self.fw, self.layout
        label, answer = lay.LABEL_COL, lay.VALUE_COL
        ws.set_column(label, label, 26)
        ws.set_column(answer, answer, 100)
        ws.hide_gridlines(2)
        line = f"Version {fw.version} · self-assessment workbook"
        if self.service.name:
            line += f" for {self.service.name}"
        self._heading(ws, fw.title, line, answer, 126)
        # On the first screen: an emailed workbook opens read-only, its dropdowns shut, until Enable Editing.
        ws.merge_range(lay.NOTE_ROW, 0, lay.NOTE_ROW, answer, PROTECTED_VIEW, f["notice"])
        ws.set_row(lay.NOTE_ROW, row_height((PROTECTED_VIEW, 126)))
        ws.write_string(lay.DETAILS_ROW, label, "Your details", f["h2"])
        ws.write_string(lay.DETAILS_ROW, answer, "Fill in the white boxes.", f["subtitle"])
        self._details(ws)
        total = len(fw.statements)
        ws.write_string(lay.counter_row, label, "Progress", f["label"])
        overall_rated = f"{quote_sheet(SUMMARY)}!{cell(lay.overall_summary_row, lay.summary_col('rated'))}"
        ws.write_formula(lay.counter_row, answer, f'={overall_rated}&" of {total} {self.statement_word} rated"',
                         f["counter"], f"0 of {total} {self.statement_word} rated")
        # Before sending: how many ratings the collector will not count, in words (and where to look).
        attention = f'COUNTIF({lay.level_range},"{CHECK}")'
        ws.write_formula(lay.attention_row, answer,
                         f'=IF({attention}=0,"",{attention}&IF({attention}=1," answer needs"," answers need")&'
                         f'" attention: on the Assessment, the level column says ""{CHECK}"". Choose a rating '
                         f'from the dropdown.")', f["attention_text"], "")
        r = lay.start_body_row
        r = self._section(ws, r, "About this framework", fw.introduction.split("\n\n"))
        steps = [f"{i}. {step}" for i, step in enumerate(fw.instructions, 1)]
        r = self._section(ws, r, "How to complete this workbook", steps)
        ws.write_string(r, lay.LABEL_COL, f"The scale: {fw.scale.name}", f["h2"])
        ws.write_blank(r, lay.VALUE_COL, None, f["h2"])
        r += 1
        for level in fw.scale.levels:
            ws.write_string(r, lay.LABEL_COL, f"{level.value} - {level.label}", f["bold"])
            ws.write_string(r, lay.VALUE_COL, level.description, f["text"])
            ws.set_row(r, row_height((level.description, 100)))
            r += 1
        r += 1
        # Notes for the programme team (the generator, how to change the spec) stay out of the respondent's
        # view: the generator's version is in the metadata sheet and the document properties, the rest in the spec.
        about = ["The sheets are protected so that the layout stays readable when your return is collected: "
                 "only the white boxes can be edited. Rows grow to fit what you type (in LibreOffice when you "
                 "leave the cell). Excel also lets you drag rows and columns wider; LibreOffice does not on "
                 "protected sheets. You can filter the action plan."]
        r = self._section(ws, r, "Notes", list(fw.notes) + about)
        credit = [f"Source: {fw.source}"] + ([f"Credit: {fw.credit}"] if fw.credit else [])
        self._section(ws, r, "Source and credit", credit)
        ws.freeze_panes(lay.DETAILS_ROW, 0)
        ws.activate()
        ws.set_first_sheet()
        self._print(ws, None)
        self._protect(ws)

    def _details(self, ws: Worksheet) -> None:
        """The respondent's details: a label and a white box each (the service's name filled in)."""
        f, lay = self.f, self.layout
        label, answer = lay.LABEL_COL, lay.VALUE_COL
        for field in lay.respondent:
            ws.write_string(field.row, label, field.label, f["label"])
            value = self.service.name if field.key == "service" else ""
            if field.kind == "date":
                ws.write_blank(field.row, answer, None, f["input_date"])
                self._validate(ws, field.row, answer, field.row, {
                    "validate": "date", "criteria": "between", "minimum": EARLIEST_DATE, "maximum": LATEST_DATE,
                    "input_title": field.label, "input_message": field.help,
                    "error_title": "Not a date", "error_message": "Enter a date, for example 31/03/2027."})
            else:
                if value:
                    ws.write_string(field.row, answer, value, f["input"])
                else:
                    ws.write_blank(field.row, answer, None, f["input"])
                self._validate(ws, field.row, answer, field.row, {"validate": "any", "input_title": field.label,
                                                                  "input_message": field.help})

    def _section(self, ws: Worksheet, r: int, heading: str, paragraphs: list[str]) -> int:
        lay = self.layout
        ws.write_string(r, lay.LABEL_COL, heading, self.f["h2"])
        ws.write_blank(r, lay.VALUE_COL, None, self.f["h2"])
        r += 1
        for para in paragraphs:
            ws.write_string(r, lay.VALUE_COL, para, self.f["text"])
            ws.set_row(r, row_height((para, 100)))
            r += 1
        return r + 1

    def assessment(self) -> None:
        ws, f, fw, lay = self.ws[ASSESSMENT], self.f, self.fw, self.layout
        scale = fw.scale
        widths = {c.col: c.width for c in lay.assessment_columns}
        for col, width in widths.items():
            ws.set_column(col, col, width)
        if lay.descriptor_mode:
            how = (f"For each {fw.terms.statement.lower()}, read its five statements, then choose the number of the "
                   f"one that fits best from the dropdown in the Rating column. The chosen statement lights up.")
        else:
            how = (f"For each statement, choose a rating from {scale.minimum} to {scale.maximum} from the dropdown in "
                   f"the Rating column (the scale is on the Start here sheet), then say why and what shows it.")
        self._heading(ws, f"Assessment: {fw.title}", how, lay.assessment_last_col, sum(widths.values()))
        if fw.notice:
            # Where the statements are, so the workbook cannot be taken for what it is not (e.g. the official tool).
            ws.merge_range(lay.NOTE_ROW, 0, lay.NOTE_ROW, lay.assessment_last_col, fw.notice, f["notice"])
            ws.set_row(lay.NOTE_ROW, row_height((fw.notice, sum(widths.values()) - 4)))
        for c in lay.assessment_columns:
            ws.write_string(lay.A_HEADER_ROW, c.col, c.header, f["header"])
        ws.set_row(lay.A_HEADER_ROW, row_height(*((c.header, c.width) for c in lay.assessment_columns)))
        values = ",".join(str(v) for v in scale.values)
        levels_text = "; ".join(f"{lv.value} {lv.label}" for lv in scale.levels)
        rating_validation = {
            "validate": "list", "source": [str(v) for v in scale.values],
            "input_title": f"{scale.name} ({scale.minimum}-{scale.maximum})",
            "input_message": f"Choose from the list: {levels_text}.",
            "error_type": "stop", "error_title": "Not on the scale",
            "error_message": f"Choose one of {values} from the list. The scale is described on the Start here sheet.",
        }
        topic_rows = {c.statement_id: c.row for c in lay.statement_cells}
        for row in lay.assessment_rows:
            r = row.row
            if row.kind in ("area", "group"):
                style = f["area"] if row.kind == "area" else f["group"]
                ws.set_row(r, row_height((row.title, sum(widths.values()))) + (4 if row.kind == "area" else 0))
                # Headings span the row (merged cells hold no input, so the parser never reads them).
                ws.merge_range(r, 0, r, lay.assessment_last_col, "", style)
                ws.write_string(r, 0, row.title, style)
            elif row.kind == "descriptor":
                assert row.statement is not None and row.level is not None
                self._descriptor_row(ws, r, row.statement, row.level, topic_rows[row.statement.id])
            else:
                assert row.statement is not None
                self._statement_row(ws, r, row.statement, rating_validation)
        ratings = (lay.A_HEADER_ROW + 1, lay.A_RATING, lay.assessment_last_row, lay.A_RATING)
        ws.conditional_format(*ratings, {
            "type": "3_color_scale", "min_type": "num", "min_value": scale.minimum, "min_color": "#F8CBAD",
            "mid_type": "num", "mid_value": (scale.minimum + scale.maximum) / 2, "mid_color": "#FFE699",
            "max_type": "num", "max_value": scale.maximum, "max_color": "#A9D08E"})
        # A rating the collector will not count: marked in colour and, in the level column, in words.
        # One rule over the statement rows' rating and level cells: the level's words sit in the coloured pair.
        first = lay.statement_cells[0].row + 1
        level, rating = f"${col_letter(lay.A_LEVEL)}{first}", f"${col_letter(lay.A_RATING)}{first}"
        pair = sorted((lay.A_RATING, lay.A_LEVEL)) if abs(lay.A_LEVEL - lay.A_RATING) == 1 else [lay.A_RATING] * 2
        ranges = " ".join(f"{cell(c.row, pair[0])}:{cell(c.row, pair[1])}" for c in lay.statement_cells)
        first_cell = lay.statement_cells[0].row
        ws.conditional_format(first_cell, pair[0], first_cell, pair[1], {
            "type": "formula", "criteria": f'=AND({rating}<>"",{level}="{CHECK}")', "format": f["attention"],
            "multi_range": ranges})
        self._input_help(ws, lay.A_RATIONALE, fw.rationale_label, fw.rationale_help)
        self._input_help(ws, lay.A_EVIDENCE, fw.evidence_label, fw.evidence_help)
        ws.freeze_panes(lay.A_HEADER_ROW + 1, lay.assessment_freeze_col)
        self._header_name(ws, lay.A_HEADER_ROW)
        self._print(ws, lay.A_HEADER_ROW)
        self._protect(ws)

    def _statement_row(self, ws: Worksheet, r: int, st: Statement, rating_validation: dict) -> None:
        f, lay = self.f, self.layout
        shown = st.title if lay.descriptor_mode and st.title else st.text
        ws.write_string(r, lay.A_ID, st.id, f["id"])
        ws.write_string(r, lay.A_TEXT, shown, f["cell_bold"] if lay.descriptor_mode else f["cell"])
        if st.provenance:
            # Its source within reach: a comment on the statement (shown on hover or selection; printed nowhere).
            note = f"Where this statement comes from: {st.provenance}"
            ws.write_comment(r, lay.A_TEXT, note, {"author": "maturity-xl", "x_scale": 3,
                                                   "y_scale": max(2, len(note) // 110 + 1)})
        ws.set_row(r, row_height((shown, lay.assessment_columns[lay.A_TEXT].width), min_lines=STATEMENT_BOX_LINES))
        ws.write_blank(r, lay.A_RATING, None, f["rating"])
        self._validate(ws, r, lay.A_RATING, r, dict(rating_validation))
        ws.write_formula(r, lay.A_LEVEL, level_formula(cell(r, lay.A_RATING)), f["formula"], "")
        ws.write_blank(r, lay.A_RATIONALE, None, f["input"])
        ws.write_blank(r, lay.A_EVIDENCE, None, f["input"])

    def _descriptor_row(self, ws: Worksheet, r: int, st: Statement, level: int, topic_row: int) -> None:
        """One of a topic's statements (descriptor frameworks), lit up when its topic's rating chooses it."""
        f, lay = self.f, self.layout
        ws.write_blank(r, lay.A_ID, None, f["descriptor"])
        text = f"{level}. {st.descriptor(level)}"
        ws.write_string(r, lay.A_TEXT, text, f["descriptor"])
        ws.set_row(r, row_height((text, lay.assessment_columns[lay.A_TEXT].width - 2)))
        ws.write_blank(r, lay.A_RATING, None, f["descriptor"])
        rating_ref = f"${col_letter(lay.A_RATING)}${topic_row + 1}"
        ws.write_formula(r, lay.A_LEVEL, f'=IF({rating_ref}={level},"◀ chosen","")', f["descriptor"], "")
        ws.write_blank(r, lay.A_RATIONALE, None, f["descriptor"])
        ws.write_blank(r, lay.A_EVIDENCE, None, f["descriptor"])
        ws.conditional_format(r, 0, r, lay.assessment_last_col, {
            "type": "formula", "criteria": f"={rating_ref}={level}", "format": f["chosen"]})

    def _input_help(self, ws: Worksheet, col: int, title: str, message: str) -> None:
        """Input message on a free-text column's cells; one validation per cell keeps the ranges exact."""
        if not message:
            return
        for c in self.layout.statement_cells:
            self._validate(ws, c.row, col, c.row, {"validate": "any", "input_title": title,
                                                   "input_message": message})

    def actions(self) -> None:
        ws, f, fw, lay = self.ws[ACTIONS], self.f, self.fw, self.layout
        descriptor_target = fw.target_mode == "next-descriptor"
        widths = {c.col: c.width for c in lay.plan_columns}
        for c in lay.plan_columns:
            ws.set_column(c.col, c.col, c.width)
            ws.write_string(lay.P_HEADER_ROW, c.col, c.header, f["header"])
        ws.set_row(lay.P_HEADER_ROW, row_height(*((c.header, c.width) for c in lay.plan_columns)))
        # Title and subtitle stay within A:B, the columns printed on both pages of a row.
        repeated = max(lay.P_ID, lay.P_TEXT)
        self._heading(ws, "Action plan", f"{fw.title}. This plan fills itself from your assessment. Grey rows "
                      "have no gap. Use the filter on the Gap column to show only the statements you still have "
                      "to work on, then fill in the white boxes.", repeated,
                      sum(widths[c] for c in range(repeated + 1)))
        areas = {a.id: a.title for a in fw.areas}
        a_sheet = quote_sheet(ASSESSMENT)
        last_col = lay.plan_last_col
        for c in lay.statement_cells:
            r, ar = c.action_row, c.row
            st = next(s for s in fw.statements if s.id == c.statement_id)
            shown = st.title if lay.descriptor_mode and st.title else st.text
            # Tall enough for the longest text the row can show (the next statement for any rating) and for a
            # few lines in each white box; the row stays automatic, so a longer answer grows it.
            targets = [(text, widths[lay.P_TARGET]) for text in self._possible_targets(st, descriptor_target)]
            ws.set_row(r, row_height((shown, widths[lay.P_TEXT]), (areas[c.area_id], widths[lay.P_AREA]),
                                     *targets, min_lines=ACTION_BOX_LINES))
            ws.write_formula(r, lay.P_ID, f"={a_sheet}!{cell(ar, lay.A_ID)}", f["id"], st.id)
            ws.write_string(r, lay.P_AREA, areas[c.area_id], f["cell"])
            ws.write_formula(r, lay.P_TEXT, f"={a_sheet}!{cell(ar, lay.A_TEXT)}", f["cell"], shown)
            src = f"{a_sheet}!{cell(ar, lay.A_RATING)}"
            # The rating as the collector reads it ("3 - Growing" is 3), so the target and gap follow it; a value
            # off the scale is shown as it is, beside the level column's "Check this answer".
            level_src = f"{a_sheet}!{cell(ar, lay.A_LEVEL)}"
            ws.write_formula(r, lay.P_RATING, f'=IF({level_src}="","",IFERROR(INDEX(ScaleValues,MATCH({level_src},'
                             f'ScaleLabels,0)),{src}))', f["formula_num"], "")
            rating = cell(r, lay.P_RATING)
            ws.write_formula(r, lay.P_LEVEL, f"={a_sheet}!{cell(ar, lay.A_LEVEL)}", f["formula"], "")
            match = f"MATCH({rating},ScaleValues,0)"
            if descriptor_target:
                first, last = c.descriptor_rows[0], c.descriptor_rows[-1]
                block = f"{a_sheet}!${col_letter(lay.A_TEXT)}${first + 1}:${col_letter(lay.A_TEXT)}${last + 1}"
                target = (f'=IF({rating}="","",IF(ISNA({match}),"",IFERROR(INDEX({block},{match}+1),'
                          f'"{TOP_REACHED}")))')
            else:
                target = (f'=IF({rating}="","",IF(ISNA({match}),"",IF({match}=ROWS(ScaleValues),"{TOP_LEVEL}",'
                          f'INDEX(ScaleText,{match}+1))))')
            ws.write_formula(r, lay.P_TARGET, target, f["formula"], "")
            gap = (f'=IF({rating}="","",IF(ISNA({match}),"",INDEX(ScaleValues,MIN({match}+1,ROWS(ScaleValues)))'
                   f"-{rating}))")
            ws.write_formula(r, lay.P_GAP, gap, f["formula_num"], "")
            for col in fw.action_columns:
                self._action_input(ws, r, lay.action_col(col.id), col)
        first = lay.P_HEADER_ROW + 1
        # Grey where there is no gap; the target cell says so in words (colour is never the only cue).
        ws.conditional_format(first, 0, lay.action_last_row, last_col, {
            "type": "formula", "format": f["muted"],
            "criteria": f'=AND(${col_letter(lay.P_RATING)}{first + 1}<>"",${col_letter(lay.P_GAP)}{first + 1}=0)'})
        ws.autofilter(lay.P_HEADER_ROW, 0, lay.action_last_row, last_col)
        ws.freeze_panes(lay.P_HEADER_ROW + 1, lay.plan_freeze_col)
        # Two page widths, the id and statement repeated on the right-hand page: one page width squeezed
        # Lincolnshire's 16 columns to about 45 % (docs/workbook-research.md).
        self._header_name(ws, lay.P_HEADER_ROW)
        self._print(ws, lay.P_HEADER_ROW, pages_wide=2 if sum(widths.values()) > TWO_PAGE_WIDTH else 1,
                    repeat_cols=repeated if {lay.P_ID, lay.P_TEXT} == {0, 1} else None)
        self._protect(ws, autofilter=True)

    def _possible_targets(self, st: Statement, descriptor_target: bool) -> list[str]:
        """Every text the Action plan's target cell can show for `st`, whatever the rating."""
        if descriptor_target:
            return [st.descriptor(value) for value, _text in st.descriptors[1:]] + [TOP_REACHED]
        return [f"{lv.value} - {lv.label}" for lv in self.fw.scale.levels] + [TOP_LEVEL]

    def _action_input(self, ws: Worksheet, r: int, col: int, column: ActionColumn) -> None:
        f = self.f
        options: dict = {"input_title": column.name, "input_message": column.help} if column.help else {}
        if column.kind == "date":
            ws.write_blank(r, col, None, f["input_date"])
            options.update({"validate": "date", "criteria": "between", "minimum": EARLIEST_DATE,
                            "maximum": LATEST_DATE, "error_title": "Not a date",
                            "error_message": "Enter a date, for example 31/03/2027."})
        elif column.kind == "choice":
            ws.write_blank(r, col, None, f["input"])
            if self.layout.choice_needs_range(column.options):
                source = self.layout.choice_source(column.id)
            else:
                source = list(column.options)
            options.update({"validate": "list", "source": source, "error_type": "stop",
                            "error_title": "Not one of the choices",
                            "error_message": "Choose from the list: " + "; ".join(column.options)})
        else:
            ws.write_blank(r, col, None, f["input"])
            if not options:
                return
            options["validate"] = "any"
        self._validate(ws, r, col, r, options)

    def summary(self) -> None:
        ws, f, fw, lay = self.ws[SUMMARY], self.f, self.fw, self.layout
        scale = fw.scale
        self._heading(ws, f"Summary: {fw.title}", "These figures update as you fill in the Assessment. They "
                      "describe your own service's profile to plan improvement; a self-assessment is not a league "
                      "table.", lay.summary_columns[-1].col, sum(c.width for c in lay.summary_columns))
        for c in lay.summary_columns:
            ws.set_column(c.col, c.col, c.width)
            ws.write_string(lay.S_HEADER_ROW, c.col, c.header, f["header"])
        ws.set_row(lay.S_HEADER_ROW, row_height(*((c.header, c.width) for c in lay.summary_columns)))
        rows = [(span.summary_row, span.title, span.statements, lay.area_level_range(span), False)
                for span in lay.area_spans]
        rows.append((lay.overall_summary_row, "Overall", len(fw.statements), lay.level_range, True))
        col = lay.summary_col
        level_cols = lay.summary_level_cols
        for c, level in zip(level_cols, scale.levels, strict=True):
            ws.write_number(lay.S_HEADER_ROW, c, level.value, f["header"])
        ws.set_column(level_cols[0], level_cols[-1], 6, None, {"hidden": True})
        first, last = col_letter(level_cols[0]), col_letter(level_cols[-1])
        values = f"${first}${lay.S_HEADER_ROW + 1}:${last}${lay.S_HEADER_ROW + 1}"
        for r, title, count, levels, bold in rows:
            ws.write_string(r, col("area"), title, f["cell_bold"] if bold else f["cell"])
            ws.set_row(r, row_height((title, lay.summary_columns[col("area")].width)))
            ws.write_number(r, col("statements"), count, f["formula_num"])
            # Counted from the level column, which names a level only where the parser reads one.
            counts = [cell(r, c) for c in level_cols]
            for c, level in zip(level_cols, scale.levels, strict=True):
                ws.write_formula(r, c, f'=COUNTIF({levels},"{level.label}")', f["formula_num"], 0)
            row_counts = f"{first}{r + 1}:{last}{r + 1}"
            n = f"SUM({row_counts})"
            mean = f"SUMPRODUCT({values},{row_counts})/{n}"
            ws.write_formula(r, col("rated"), f"={n}", f["formula_num"], 0)
            ws.write_formula(r, col("mean"), f'=IF({n}=0,"",{mean})', f["formula_dec"], "")
            ws.write_formula(r, col("lowest"), f'=IF({n}=0,"",{first_counted(counts, scale.values)})',
                             f["formula_num"], "")
            ws.write_formula(r, col("highest"), f'=IF({n}=0,"",{first_counted(counts[::-1], scale.values[::-1])})',
                             f["formula_num"], "")
            ws.write_formula(r, col("at_target"), f'=IF({n}=0,"",SUMIF({values},">={scale.target}",{row_counts})/{n})',
                             f["formula_pct"], "")
            ws.write_formula(r, lay.summary_chart_col, f"=IF({n}=0,NA(),{mean})", f["formula_dec"], "#N/A")
        ws.write_string(lay.S_HEADER_ROW, lay.summary_chart_col, "Mean for the chart", f["header"])
        ws.set_column(lay.summary_chart_col, lay.summary_chart_col, 9, None, {"hidden": True})
        labels, counts = lay.DISTRIBUTION_LABEL_COL, lay.DISTRIBUTION_COUNT_COL
        ws.write_string(lay.distribution_heading_row, labels, "How many are at each level", f["h2"])
        ws.write_blank(lay.distribution_heading_row, counts, None, f["h2"])
        for r, level in enumerate(scale.levels, lay.distribution_first_row):
            ws.write_string(r, labels, f"{level.value} - {level.label}", f["cell"])
            overall = cell(lay.overall_summary_row, lay.summary_level_cols[r - lay.distribution_first_row])
            ws.write_formula(r, counts, f"={overall}", f["formula_num"], 0)
        height = max(260, 70 + 34 * len(lay.area_spans))
        # No data labels: LibreOffice draws XlsxWriter's value labels with the series and category names as well,
        # which buries the bars; the figures stand in the table beside each chart.
        area_word = fw.terms.area.lower()
        chart = self._chart(ws, "bar", lay.mean_chart, "Mean rating", "#2F5597", 330, height,
                            f"Mean rating by {area_word}", {"description": (
                                f"Bar chart: the mean rating of each {area_word} on the scale {scale.minimum} to "
                                f"{scale.maximum}; an {area_word} with nothing rated has no bar. The same figures "
                                f"are in the Mean column of the table above.")})
        # The axis starts one below the scale, so a mean at the scale's lowest level is a bar one unit long,
        # and not rated (#N/A) is no bar at all; the axis does not label that extra step.
        chart.set_x_axis({"min": scale.minimum - 1, "max": scale.maximum, "major_unit": 1, "crossing": "min",
                          "num_format": '0;"";0' if scale.minimum == 0 else '0;"";""',
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True})
        chart.show_hidden_data()
        total = len(fw.statements)
        column = self._chart(ws, "column", lay.distribution_chart, "Statements", "#70AD47", 430, height,
                             "How many are at each level", {"x_offset": 40, "description": (
                                 f"Column chart: how many of the {total} {self.statement_word} are rated at each "
                                 f"level of the scale, {scale.minimum} to {scale.maximum}. The same counts are in "
                                 f"the table beside it.")})
        # Counts step by whole numbers (the default stepped by 0.5 for small counts).
        column.set_y_axis({"min": 0, "major_unit": 1 if total <= 20 else 5, "num_format": "0"})
        ws.freeze_panes(lay.S_HEADER_ROW + 1, 0)
        self._header_name(ws, lay.S_HEADER_ROW)
        self._print(ws, lay.S_HEADER_ROW)
        self._protect(ws)

    def _chart(self, ws: Worksheet, kind: str, where: Chart, series: str, colour: str, width: int, height: int,
               title: str, options: dict | None = None):
        chart = self.wb.add_chart({"type": kind})
        chart.add_series({"name": series, "categories": where.categories, "values": where.values,
                          "fill": {"color": colour}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(where.row, where.col, chart, options or {})
        return chart
