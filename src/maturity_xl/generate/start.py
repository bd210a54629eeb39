"""The Start here sheet: the title, the Protected View line, the respondent's details, progress, and the
framework's introduction, instructions, scale, notes and source."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..layout import START, SUMMARY, cell, quote_sheet
from .assessment import CHECK, TARGET_BELOW, TARGET_OFF_SCALE
from .book import EARLIEST_DATE, LATEST_DATE, row_height
from .last_time import LastTimeCells

PROTECTED_VIEW = ("If Excel shows a yellow PROTECTED VIEW bar, click Enable Editing to fill in this workbook: the "
                  "dropdowns do not open until you do.")


class StartSheet(LastTimeCells):
    """Writes Start here."""

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
        self._progress(ws)
        self._about(ws)
        ws.freeze_panes(lay.DETAILS_ROW, 0)
        ws.activate()
        ws.set_first_sheet()
        self._print(ws, None)
        self._protect(ws)

    def _progress(self, ws: Worksheet) -> None:
        """How many statements are rated, and how many ratings the collector will not count (and where to look)."""
        f, lay = self.f, self.layout
        label, answer = lay.LABEL_COL, lay.VALUE_COL
        total = len(self.fw.statements)
        ws.write_string(lay.counter_row, label, "Progress", f["label"])
        overall_rated = f"{quote_sheet(SUMMARY)}!{cell(lay.overall_summary_row, lay.summary_col('rated'))}"
        ws.write_formula(lay.counter_row, answer, f'={overall_rated}&" of {total} {self.statement_word} rated"',
                         f["counter"], f"0 of {total} {self.statement_word} rated")
        # Before sending: how many ratings the collector will not count, in words (and where to look).
        attention = f'COUNTIF({lay.level_range},"{CHECK}")'
        ratings = (f'IF({attention}=0,"",{attention}&IF({attention}=1," answer needs"," answers need")&'
                   f'" attention: on the Assessment, the level column says ""{CHECK}"". Choose a rating '
                   f'from the dropdown.")')
        ws.write_formula(lay.attention_row, answer, f"={ratings}{self._target_attention(attention)}",
                         f["attention_text"], "")

    def _target_attention(self, ratings: str) -> str:
        """For a framework that asks for targets: how many chosen targets will not be used, after the ratings."""
        where = self.layout.target_level_range
        if where is None:
            return ""
        n = f'(COUNTIF({where},"{TARGET_OFF_SCALE}")+COUNTIF({where},"{TARGET_BELOW}"))'
        return (f'&IF(AND({ratings}>0,{n}>0)," ","")&IF({n}=0,"",{n}&IF({n}=1," target needs"," targets need")&'
                f'" attention: the Target level column says ""Check this target"", and the next level up is used. '
                f'Choose a target at or above the rating, or leave it blank.")')

    def _about(self, ws: Worksheet) -> None:
        """The framework's introduction, the steps, the scale, notes, and its source and credit."""
        f, fw, lay = self.f, self.fw, self.layout
        r = lay.start_body_row
        if lay.last_round is not None:
            r = self._section(ws, r, "Your answers last time", self._last_time_paragraphs())
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

