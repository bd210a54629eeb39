"""The workbook's formats and the helpers every sheet uses: validation within Excel's limits, protection, print
setup; and the metadata sheet, written from the Layout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..errors import GenerationError
from ..layout import EMPTY, METADATA, UNSIGNED, Layout, cell, quote_sheet
from ..version import __version__

EARLIEST_DATE = datetime(2000, 1, 1)

LATEST_DATE = datetime(2100, 12, 31)
DATE_FORMAT = "dd/mm/yyyy"
# Excel refuses validation titles over 32 characters and messages over 255 (input) / 224 (error).
TITLE_LIMIT, INPUT_LIMIT, ERROR_LIMIT = 32, 255, 224


LINE_HEIGHT = 12.75  # points per line of 10-point Arial
TITLE_HEIGHT = 24  # a 16-point title's row


def row_height(*cells: tuple[str, float], min_lines: int = 1) -> float:
    """A row height that shows every (text, column width) pair whole.

    LibreOffice and Excel do not reliably grow rows for wrapped text in a file they did not write, and the
    printout is part of the product, so heights are estimated here (about 1.2 characters of 10-point Arial
    per width unit).
    """
    lines = min_lines
    for text, width in cells:
        per_line = max(int(width * 1.2), 1)
        needed = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
        lines = max(lines, needed)
    return round(lines * LINE_HEIGHT + 3, 2)


@dataclass(frozen=True, slots=True)
class Service:
    id: str = ""
    name: str = ""
    contact: str = ""


class Book:
    """One workbook being written: its sheets, the shared formats (so each sheet method stays short), helpers."""

    def __init__(self, wb: Workbook, layout: Layout, service: Service, password: str | None,
                 generated_at: datetime, *, round: str = "", removed: tuple[tuple[str, str], ...] = ()):
        self.wb, self.layout, self.fw, self.service = wb, layout, layout.framework, service
        self.password = password
        self.generated_at = generated_at
        self.round = round  # the round this workbook is for, written into the metadata ("" for none)
        self.removed = removed  # with a last round: the statements answered then that this version dropped
        # Sheets are added up front so their order is fixed whatever order we fill them in.
        self.ws = {name: wb.add_worksheet(name) for name in layout.sheets}
        f = wb.add_format
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.f = {
            "title": f({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"}),
            "subtitle": f({**base, "italic": True, "font_color": "#595959", "text_wrap": True}),
            "notice": f({**base, "bold": True, "text_wrap": True, "font_color": "#1F3864", "bg_color": "#FFF2CC",
                         "border": 1, "border_color": "#BF9000"}),
            "h2": f({**base, "bold": True, "font_size": 12, "font_color": "#1F3864", "bottom": 1}),
            "text": f({**base, "text_wrap": True}),
            "bold": f({**base, "bold": True, "text_wrap": True}),
            "label": f({**base, "bold": True, "align": "right", "text_wrap": True}),
            "header": f({**base, "bold": True, "text_wrap": True, "font_color": "#FFFFFF", "bg_color": "#1F3864",
                         "border": 1, "border_color": "#BFBFBF"}),
            "area": f({**base, "bold": True, "font_size": 11, "bg_color": "#D9E1F2", "text_wrap": True,
                       "top": 1, "border_color": "#8EA9DB"}),
            "group": f({**base, "bold": True, "italic": True, "bg_color": "#EDF1F9", "text_wrap": True}),
            "id": f({**base, "bold": True, "border": 1, "border_color": "#D9D9D9"}),
            "cell": f({**base, "text_wrap": True, "border": 1, "border_color": "#D9D9D9"}),
            "cell_bold": f({**base, "bold": True, "text_wrap": True, "border": 1, "border_color": "#D9D9D9"}),
            "descriptor": f({**base, "text_wrap": True, "font_color": "#404040", "border": 1,
                             "border_color": "#EDEDED", "indent": 1}),
            "formula": f({**base, "text_wrap": True, "border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2"}),
            "formula_num": f({**base, "border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2",
                              "align": "center"}),
            "formula_dec": f({**base, "border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2",
                              "align": "center", "num_format": "0.0"}),
            "formula_pct": f({**base, "border": 1, "border_color": "#D9D9D9", "bg_color": "#F2F2F2",
                              "align": "center", "num_format": "0%"}),
            "rating": f({**base, "locked": False, "bold": True, "font_size": 12, "align": "center",
                         "border": 2, "border_color": "#2F5597", "bg_color": "#FFFFFF"}),
            "input": f({**base, "locked": False, "text_wrap": True, "num_format": "@", "border": 1,
                        "border_color": "#2F5597", "bg_color": "#FFFFFF"}),
            "input_date": f({**base, "locked": False, "num_format": DATE_FORMAT, "border": 1,
                             "border_color": "#2F5597", "bg_color": "#FFFFFF", "align": "left"}),
            "counter": f({**base, "bold": True, "font_size": 12, "font_color": "#1F3864"}),
            "meta": f({"font_name": "Arial", "font_size": 9}),
            "muted": f({"font_color": "#595959", "bg_color": "#F2F2F2"}),  # 6.3:1 (WCAG asks 4.5:1)
            "attention": f({"bold": True, "font_color": "#000000", "bg_color": "#F4B183"}),
            "attention_text": f({**base, "bold": True, "text_wrap": True, "font_color": "#843C0C"}),
            "chosen": f({"bold": True, "font_color": "#1E4620", "bg_color": "#C6EFCE"}),
            "chosen_mark": f({"bold": True, "font_color": "#1E4620"}),
            # Last time's answers: read-only, grey and italic beside this time's white boxes (9.7:1).
            "last": f({**base, "italic": True, "text_wrap": True, "font_color": "#404040", "bg_color": "#F2F2F2",
                       "border": 1, "border_color": "#D9D9D9"}),
            "last_num": f({**base, "italic": True, "font_color": "#404040", "bg_color": "#F2F2F2", "border": 1,
                           "border_color": "#D9D9D9", "align": "center", "num_format": "0.0"}),
        }

    # --- shared helpers ----------------------------------------------------------------------------------

    def _validate(self, ws: Worksheet, first_row: int, col: int, last_row: int, options: dict) -> None:
        for key, limit in (("input_title", TITLE_LIMIT), ("error_title", TITLE_LIMIT),
                           ("input_message", INPUT_LIMIT), ("error_message", ERROR_LIMIT)):
            if key in options and len(options[key]) > limit:
                options[key] = options[key][: limit - 1] + "…"
        result = ws.data_validation(first_row, col, last_row, col, options)
        if result != 0:
            raise GenerationError(f"sheet '{ws.name}', {cell(first_row, col)}: Excel would refuse this data "
                                  f"validation ({options.get('source') or options.get('validate')})")

    def _protect(self, ws: Worksheet, **extra: bool) -> None:
        options = {"format_cells": False, "format_columns": True, "format_rows": True, "select_locked_cells": True,
                   "select_unlocked_cells": True, "insert_rows": False, "delete_rows": False, "sort": False}
        options.update(extra)
        ws.protect(self.password or "", options)

    def _print(self, ws: Worksheet, repeat_to_row: int | None, *, pages_wide: int = 1,
               repeat_cols: int | None = None) -> None:
        """A4 landscape, `pages_wide` pages across; header rows (and columns A to `repeat_cols`) on every page."""
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(pages_wide, 0)
        if repeat_cols is not None:
            ws.repeat_columns(0, repeat_cols)
            ws.print_across()  # page 2 is the right half of page 1's rows, so the pages read in pairs
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        if repeat_to_row is not None:
            ws.repeat_rows(repeat_to_row)
        # The service's name is not in the footer: keeping it to the shared strings lets the mail-merge patch one
        # part per workbook instead of every sheet.
        title = f"{self.fw.title}, version {self.fw.version}".replace("&", "&&")
        ws.set_footer(f"&L&8{title}&R&8Page &P of &N")

    def _heading(self, ws: Worksheet, title: str, subtitle: str, last_col: int, width: float) -> None:
        """The sheet's title and, under it, a subtitle wrapped within columns A to `last_col` (`width` units wide).

        Both rows get their height: a 16-point title in a default 15-point row overlapped the subtitle. The
        subtitle's cells hold no input, so merging them costs no screen reader or row fitting anything.
        """
        lay = self.layout
        ws.set_row(lay.TITLE_ROW, TITLE_HEIGHT)
        ws.write_string(lay.TITLE_ROW, 0, title, self.f["title"])
        if last_col > 0:
            ws.merge_range(lay.SUBTITLE_ROW, 0, lay.SUBTITLE_ROW, last_col, "", self.f["subtitle"])
        ws.write_string(lay.SUBTITLE_ROW, 0, subtitle, self.f["subtitle"])
        ws.set_row(lay.SUBTITLE_ROW, row_height((subtitle, width)))

    def _header_name(self, ws: Worksheet, row: int, name: str = "Title1") -> None:
        """Tell screen readers where a table's headers are: a sheet-scoped name Title (column headers in `row`,
        row headers in column A) on the top-left header cell, Excel's convention (JAWS reads it)."""
        sheet = quote_sheet(ws.name)
        self.wb.define_name(f"{sheet}!{name}", f"={sheet}!${'A'}${row + 1}")

    @property
    def statement_word(self) -> str:
        word = self.fw.terms.statement.lower()
        return word if word.endswith("s") else word + "s"

    # --- sheets --------------------------------------------------------------------------------------------

    def metadata(self, signature: str) -> None:
        ws, lay = self.ws[METADATA], self.layout
        rows = lay.metadata_rows(service_id=self.service.id or EMPTY, service_name=self.service.name or EMPTY,
                                 service_contact=self.service.contact or EMPTY,
                                 generated_at=self.generated_at.isoformat(), generator_version=__version__,
                                 signature=signature or UNSIGNED, round=self.round)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, int):
                    ws.write_number(r, c, value, self.f["meta"])
                else:
                    ws.write_string(r, c, str(value), self.f["meta"])
        ws.set_column(0, 0, 14)
        ws.set_column(1, 7, 18)
        for name, ref in lay.defined_names.items():
            self.wb.define_name(name, ref)
        ws.very_hidden()
        self._protect(ws)
