"""The Action plan sheet: a row for each statement that fills itself from the Assessment (its rating, level, the
next level or statement to aim for, and the gap), then the framework's action columns to fill in."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..layout import ACTIONS, ASSESSMENT, StatementCells, cell, col_letter, quote_sheet
from ..model import ActionColumn, Statement
from .assessment import position_formula
from .book import EARLIEST_DATE, LATEST_DATE, Book, row_height

TOP_REACHED = "Top statement reached: keep it there"
TOP_LEVEL = "No gap: top level reached"
TARGET_REACHED = "No gap: your target is reached"
NEXT_LEVEL = " (next level)"  # after a target that is the next level up because none was chosen (or usable)
# Lines of room in the action, notes and evidence boxes before anything is typed (rows grow beyond this as
# answers are typed; see _FittingWorksheet).
ACTION_BOX_LINES = 4
# An Action plan wider than this (in column-width units; the Assessment is about 190) prints two pages wide.
TWO_PAGE_WIDTH = 200


class ActionsSheet(Book):
    """Writes the Action plan."""

    def actions(self) -> None:
        ws, f, fw, lay = self.ws[ACTIONS], self.f, self.fw, self.layout
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
        for c in lay.statement_cells:
            self._plan_row(ws, c, widths)
        first, last_col = lay.P_HEADER_ROW + 1, lay.plan_last_col
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

    def _plan_row(self, ws: Worksheet, c: StatementCells, widths: dict[int, float]) -> None:
        """One statement's row: what the Assessment says of it, where to go next, and the boxes to fill in."""
        f, fw, lay = self.f, self.fw, self.layout
        descriptor_target = fw.target_mode == "next-descriptor"
        area = next(a.title for a in fw.areas if a.id == c.area_id)
        a_sheet = quote_sheet(ASSESSMENT)
        r, ar = c.action_row, c.row
        st = next(s for s in fw.statements if s.id == c.statement_id)
        shown = st.title if lay.descriptor_mode and st.title else st.text
        # Tall enough for the longest text the row can show (the next statement for any rating) and for a
        # few lines in each white box; the row stays automatic, so a longer answer grows it.
        targets = [(text, widths[lay.P_TARGET]) for text in self._possible_targets(st, descriptor_target)]
        ws.set_row(r, row_height((shown, widths[lay.P_TEXT]), (area, widths[lay.P_AREA]),
                                 *targets, min_lines=ACTION_BOX_LINES))
        ws.write_formula(r, lay.P_ID, f"={a_sheet}!{cell(ar, lay.A_ID)}", f["id"], st.id)
        ws.write_string(r, lay.P_AREA, area, f["cell"])
        ws.write_formula(r, lay.P_TEXT, f"={a_sheet}!{cell(ar, lay.A_TEXT)}", f["cell"], shown)
        src = f"{a_sheet}!{cell(ar, lay.A_RATING)}"
        # The rating as the collector reads it ("3 - Growing" is 3), so the target and gap follow it; a value
        # off the scale is shown as it is, beside the level column's "Check this answer".
        level_src = f"{a_sheet}!{cell(ar, lay.A_LEVEL)}"
        ws.write_formula(r, lay.P_RATING, f'=IF({level_src}="","",IFERROR(INDEX(ScaleValues,MATCH({level_src},'
                         f'ScaleLabels,0)),{src}))', f["formula_num"], "")
        ws.write_formula(r, lay.P_LEVEL, f"={a_sheet}!{cell(ar, lay.A_LEVEL)}", f["formula"], "")
        self._target_and_gap(ws, c, cell(r, lay.P_RATING), descriptor_target)
        for col in fw.action_columns:
            self._action_input(ws, r, lay.action_col(col.id), col)

    def _target_and_gap(self, ws: Worksheet, c: StatementCells, rating: str, descriptor_target: bool) -> None:
        """The next level (or, in descriptor frameworks, the next statement) to aim for, and how far it is."""
        f, lay, r = self.f, self.layout, c.action_row
        match = f"MATCH({rating},ScaleValues,0)"
        if lay.A_TARGET is not None:
            target, gap = self._chosen_target(c, rating)
            ws.write_formula(r, lay.P_TARGET, target, f["formula"], "")
            ws.write_formula(r, lay.P_GAP, gap, f["formula_num"], "")
            return
        if descriptor_target:
            first, last = c.descriptor_rows[0], c.descriptor_rows[-1]
            a_sheet = quote_sheet(ASSESSMENT)
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

    def _chosen_target(self, c: StatementCells, rating: str) -> tuple[str, str]:
        """The target and gap formulas of a framework that asks for a target per statement: the chosen target
        when it reads (Scale.read's rule) and is not below the rating, else the next level up, as the parser
        decides (model.Scale.target_of); the words say which."""
        lay = self.layout
        assert lay.A_TARGET is not None
        chosen_ref = f"{quote_sheet(ASSESSMENT)}!{cell(c.row, lay.A_TARGET)}"
        rating_pos = f"MATCH({rating},ScaleValues,0)"
        # The chosen target's position, 0 when blank or off the scale (never at or above a rating's position).
        chosen = f'IFERROR(IF(TRIM({chosen_ref})="",0,{position_formula(chosen_ref)}),0)'
        is_chosen = f"{chosen}>={rating_pos}"
        position = f"IF({is_chosen},{chosen},MIN({rating_pos}+1,ROWS(ScaleValues)))"
        words = (f'IF({position}={rating_pos},IF({is_chosen},"{TARGET_REACHED}","{TOP_LEVEL}"),'
                 f'INDEX(ScaleText,{position})&IF({is_chosen},"","{NEXT_LEVEL}"))')
        target = f'=IF({rating}="","",IF(ISNA({rating_pos}),"",{words}))'
        gap = f'=IF({rating}="","",IF(ISNA({rating_pos}),"",INDEX(ScaleValues,{position})-{rating}))'
        return target, gap

    def _possible_targets(self, st: Statement, descriptor_target: bool) -> list[str]:
        """Every text the Action plan's target cell can show for `st`, whatever the rating."""
        if descriptor_target:
            return [st.descriptor(value) for value, _text in st.descriptors[1:]] + [TOP_REACHED]
        texts = [f"{lv.value} - {lv.label}" for lv in self.fw.scale.levels] + [TOP_LEVEL]
        if self.layout.A_TARGET is not None:
            texts += [text + NEXT_LEVEL for text in texts[:-1]] + [TARGET_REACHED]
        return texts

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

