"""The Assessment sheet: a row for each area, group and statement (and, in descriptor frameworks, each of a
topic's statements), the rating dropdowns, the level each rating means, and the colours on them."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..layout import ASSESSMENT, cell, col_letter
from ..model import Statement
from .book import Book, row_height

# What the level column says of a rating the collector will not count (a value pasted past the dropdown).
CHECK = "Check this answer: not on the scale"
# Lines of room in the rationale and evidence boxes before anything is typed (rows grow beyond this as answers
# are typed; see _FittingWorksheet).
STATEMENT_BOX_LINES = 3


# What the target level column says of a chosen target the collector will not use (the next level up is used).
TARGET_OFF_SCALE = "Check this target: not on the scale"
TARGET_BELOW = "Check this target: below the rating"
TARGET_BLANK = "Blank: the next level up, "
TARGET_BLANK_TOP = "Blank: top level reached"


def position_formula(ref: str) -> str:
    """The position on the scale of the level the cell `ref` means, by the parser's rule (Scale.read): a number
    on the scale, or text that clearly names a level ("3", " 3 ", "3 - Growing", "Growing", any case); an error
    for anything else (blank, 9, 2.5, "three")."""
    text = f"TRIM({ref})"
    return (f"IF(ISNUMBER({ref}),MATCH({ref},ScaleValues,0),IFERROR(MATCH({text},ScaleText,0),"
            f"IFERROR(MATCH({text},ScaleLabels,0),MATCH(VALUE({text}),ScaleValues,0))))")


def level_formula(rating: str) -> str:
    """The level column: the label of the level `rating` means (position_formula), which the parser accepts
    (with a warning if typed as text); CHECK for anything else (9, 2.5, "three"), which the parser drops. The
    Summary counts these labels, so the workbook's figures are the collector's."""
    return f'=IF(TRIM({rating})="","",IFERROR(INDEX(ScaleLabels,{position_formula(rating)}),"{CHECK}"))'


def target_level_formula(target: str, level: str) -> str:
    """The target level column: the chosen target's label; for a blank target, the next level up it stands for
    (once the rating reads); a flag for a target the parser will not use (off the scale, or below the rating),
    for which the next level up is used. `level` is the row's level cell (the rating's label)."""
    rating_pos = f"MATCH({level},ScaleLabels,0)"
    blank = (f'IFERROR(IF({rating_pos}=ROWS(ScaleValues),"{TARGET_BLANK_TOP}","{TARGET_BLANK}"&'
             f'INDEX(ScaleText,{rating_pos}+1)),"")')
    chosen = (f'IFERROR(IF(IFERROR({position_formula(target)}<{rating_pos},FALSE),"{TARGET_BELOW}",'
              f'INDEX(ScaleLabels,{position_formula(target)})),"{TARGET_OFF_SCALE}")')
    return f'=IF(TRIM({target})="",{blank},{chosen})'


class AssessmentSheet(Book):
    """Writes the Assessment."""

    def assessment(self) -> None:
        ws, fw, lay = self.ws[ASSESSMENT], self.fw, self.layout
        width = self._assessment_heading(ws)
        topic_rows = {c.statement_id: c.row for c in lay.statement_cells}
        rating_validation = self._rating_validation()
        for row in lay.assessment_rows:
            r = row.row
            if row.kind in ("area", "group"):
                style = self.f["area"] if row.kind == "area" else self.f["group"]
                ws.set_row(r, row_height((row.title, width)) + (4 if row.kind == "area" else 0))
                # Headings span the row (merged cells hold no input, so the parser never reads them).
                ws.merge_range(r, 0, r, lay.assessment_last_col, "", style)
                ws.write_string(r, 0, row.title, style)
            elif row.kind == "descriptor":
                assert row.statement is not None and row.level is not None
                self._descriptor_row(ws, r, row.statement, row.level, topic_rows[row.statement.id])
            else:
                assert row.statement is not None
                self._statement_row(ws, r, row.statement, rating_validation)
        self._rating_colours(ws)
        if lay.A_TARGET is not None:
            self._target_flags(ws)
        self._input_help(ws, lay.A_RATIONALE, fw.rationale_label, fw.rationale_help)
        self._input_help(ws, lay.A_EVIDENCE, fw.evidence_label, fw.evidence_help)
        ws.freeze_panes(lay.A_HEADER_ROW + 1, lay.assessment_freeze_col)
        self._header_name(ws, lay.A_HEADER_ROW)
        self._print(ws, lay.A_HEADER_ROW)
        self._protect(ws)

    def _assessment_heading(self, ws: Worksheet) -> float:
        """Column widths, the title and how to rate, the framework's notice, and the table's header; returns the
        table's width."""
        f, fw, lay, scale = self.f, self.fw, self.layout, self.fw.scale
        widths = {c.col: c.width for c in lay.assessment_columns}
        for col, width in widths.items():
            ws.set_column(col, col, width)
        if lay.descriptor_mode:
            how = (f"For each {fw.terms.statement.lower()}, read its five statements, then choose the number of the "
                   f"one that fits best from the dropdown in the Rating column. The chosen statement lights up.")
        else:
            how = (f"For each statement, choose a rating from {scale.minimum} to {scale.maximum} from the dropdown in "
                   f"the Rating column (the scale is on the Start here sheet), then say why and what shows it.")
            if lay.A_TARGET is not None:
                how += (" In the Target column, choose where it needs to be; left blank, the target is the next "
                        "level up.")
        self._heading(ws, f"Assessment: {fw.title}", how, lay.assessment_last_col, sum(widths.values()))
        if fw.notice:
            # Where the statements are, so the workbook cannot be taken for what it is not (e.g. the official tool).
            ws.merge_range(lay.NOTE_ROW, 0, lay.NOTE_ROW, lay.assessment_last_col, fw.notice, f["notice"])
            ws.set_row(lay.NOTE_ROW, row_height((fw.notice, sum(widths.values()) - 4)))
        for c in lay.assessment_columns:
            ws.write_string(lay.A_HEADER_ROW, c.col, c.header, f["header"])
        ws.set_row(lay.A_HEADER_ROW, row_height(*((c.header, c.width) for c in lay.assessment_columns)))
        return sum(widths.values())

    def _rating_validation(self) -> dict:
        """The rating cells' dropdown: the scale's values, its levels named in the input message."""
        scale = self.fw.scale
        values = ",".join(str(v) for v in scale.values)
        levels_text = "; ".join(f"{lv.value} {lv.label}" for lv in scale.levels)
        return {
            "validate": "list", "source": [str(v) for v in scale.values],
            "input_title": f"{scale.name} ({scale.minimum}-{scale.maximum})",
            "input_message": f"Choose from the list: {levels_text}.",
            "error_type": "stop", "error_title": "Not on the scale",
            "error_message": f"Choose one of {values} from the list. The scale is described on the Start here sheet.",
        }

    def _rating_colours(self, ws: Worksheet) -> None:
        """Ratings coloured on the scale, and a rating the collector will not count marked in colour and words."""
        f, lay, scale = self.f, self.layout, self.fw.scale
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
        if lay.A_TARGET is not None:
            self._target_cells(ws, r)

    def _target_cells(self, ws: Worksheet, r: int) -> None:
        """The target dropdown (blank: the next level up) and, beside it, what the target means in words."""
        f, lay, scale = self.f, self.layout, self.fw.scale
        assert lay.A_TARGET is not None and lay.A_TARGET_LEVEL is not None
        ws.write_blank(r, lay.A_TARGET, None, f["rating"])
        levels_text = "; ".join(f"{lv.value} {lv.label}" for lv in scale.levels)
        self._validate(ws, r, lay.A_TARGET, r, {
            "validate": "list", "source": [str(v) for v in scale.values],
            "input_title": f"Target level ({scale.minimum}-{scale.maximum})",
            "input_message": f"Where this needs to be: choose a level at or above the rating ({levels_text}). "
                             f"Leave blank for the next level up.",
            "error_type": "stop", "error_title": "Not on the scale",
            "error_message": f"Choose one of {','.join(str(v) for v in scale.values)} from the list, or leave "
                             f"the target blank for the next level up."})
        ws.write_formula(r, lay.A_TARGET_LEVEL, target_level_formula(cell(r, lay.A_TARGET), cell(r, lay.A_LEVEL)),
                         f["formula"], "")

    def _target_flags(self, ws: Worksheet) -> None:
        """A target the collector will not use, marked in colour on the target and, in words, beside it."""
        lay = self.layout
        assert lay.A_TARGET is not None and lay.A_TARGET_LEVEL is not None
        first = lay.statement_cells[0].row
        words = f"${col_letter(lay.A_TARGET_LEVEL)}{first + 1}"
        chosen = f"${col_letter(lay.A_TARGET)}{first + 1}"
        adjacent = abs(lay.A_TARGET - lay.A_TARGET_LEVEL) == 1
        pair = sorted((lay.A_TARGET, lay.A_TARGET_LEVEL)) if adjacent else [lay.A_TARGET] * 2
        ranges = " ".join(f"{cell(c.row, pair[0])}:{cell(c.row, pair[1])}" for c in lay.statement_cells)
        ws.conditional_format(first, pair[0], first, pair[1], {
            "type": "formula", "criteria": f'=AND({chosen}<>"",LEFT({words},17)="Check this target")',
            "format": self.f["attention"],
            "multi_range": ranges})

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

