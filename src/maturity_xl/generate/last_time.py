"""The cells a workbook with last round's answers adds (Layout(last_round=...)): read-only "last time" cells
beside each statement, a "Carried forward" column on the Action plan, last time's mean on the Summary, and a
section on Start here. They are written blank (formatted, so they exist in the file); the mail-merge patches each
service's values into them (batch.Template, previous.cells)."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..layout import ACTIONS, ASSESSMENT, SUMMARY
from .book import Book


class LastTimeCells(Book):
    """Writes the "last time" cells, where the layout has them (nothing without a last round)."""

    def last_time(self) -> None:
        """After the sheets: their "last time" cells (the sheets' own writers know nothing of them)."""
        self._last_time_assessment(self.ws[ASSESSMENT])
        self._last_time_plan(self.ws[ACTIONS])
        self._last_time_summary(self.ws[SUMMARY])

    def _last_time_assessment(self, ws: Worksheet) -> None:
        lay = self.layout
        if lay.last_round is None:
            return
        for field in ("last_rating", "last_rationale"):
            col = lay.last_time_col(field)
            for c in lay.statement_cells:
                ws.write_blank(c.row, col, None, self.f["last"])

    def _last_time_plan(self, ws: Worksheet) -> None:
        lay = self.layout
        if lay.last_round is None:
            return
        col = lay.last_time_col("carried")
        for c in lay.statement_cells:
            ws.write_blank(c.action_row, col, None, self.f["last"])

    def _last_time_summary(self, ws: Worksheet) -> None:
        lay = self.layout
        if lay.last_round is None:
            return
        col = lay.last_time_col("last_mean")
        for r in (*(span.summary_row for span in lay.area_spans), lay.overall_summary_row):
            ws.write_blank(r, col, None, self.f["last_num"])

    def _last_time_paragraphs(self) -> list[str]:
        """Start here's account of the last time columns, and the statements this version dropped."""
        lay, word = self.layout, self.statement_word
        when = f"round {lay.last_round}" if lay.last_round else "the last round"
        lines = [f"This workbook shows your service's answers from {when}: beside each {word[:-1]} on the "
                 f"Assessment, in the grey \"Last time\" columns on the right, your rating then and why. They are "
                 f"there to compare with, are not part of this return and cannot be edited: choose this time's "
                 f"rating afresh. \"New in this version\" marks a {word[:-1]} you were not asked last time.",
                 "Actions from last time that were not done are already in the Action plan, marked \"Carried "
                 "forward\" on the right: update their dates and status, or clear them.",
                 "The Summary shows last time's mean beside this time's for each area, over the "
                 f"{word} in this version."]
        if self.removed:
            lines.append(f"{len(self.removed)} {word if len(self.removed) != 1 else word[:-1]} answered last time "
                         f"are no longer in this version and are left out:")
            lines += [f"{sid}  {text}" for sid, text in self.removed]
        return lines
