"""The report workbook's worksheet writer: every value written by its type, so returned text never becomes a
formula or a link, and the cell formats the sheets share."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from datetime import date, datetime

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .common import blank

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "default_date_format": "dd/mm/yyyy"}
EXCEL_MAX_TEXT = 32767


class Sheet:
    """A worksheet that writes each value by its type, so text never becomes a formula or a link."""

    def __init__(self, ws: Worksheet, fmt: dict[str, object], wb: xlsxwriter.Workbook | None = None):
        self.ws, self.fmt, self.wb = ws, fmt, wb
        self.col_widths: dict[int, float] = {}
        self.titles = 0  # header rows named ColumnTitle<n> so far
        # XlsxWriter runs some thirty regular expressions over every formula to prefix newer Excel functions
        # (_xlfn.); the report's formulas use only the classic set (IF, CHOOSE, INDEX, MATCH, MIN, ROUND, TEXT),
        # so the sheet skips that rewrite: 5 us a formula instead of 140-280 (thousands of rows at 10,000 returns).
        ws._prepare_formula = _classic_formula
        self._keys: dict[str, object] = {}

    def key_format(self, colour: str) -> object:
        """A cell of a colour key: the colour as a fill, its meaning as the cell's text."""
        if colour not in self._keys:
            self._keys[colour] = self.wb.add_format({"bg_color": colour, "border": 1, "align": "center"})
        return self._keys[colour]

    def name_header(self, row: int, first_col: int, last_col: int) -> None:
        """Tell screen readers that this row holds column titles: Excel's convention is a sheet-scoped defined
        name starting with ColumnTitle over the header cells (an Excel table does it by itself)."""
        if self.wb is None:
            return
        from xlsxwriter.utility import xl_range_abs

        self.titles += 1
        sheet = "'" + self.ws.name.replace("'", "''") + "'"
        self.wb.define_name(f"{sheet}!ColumnTitle{self.titles}",
                            f"={sheet}!{xl_range_abs(row, first_col, row, last_col)}")

    def put(self, row: int, col: int, value: object, fmt: object = None) -> None:
        ws = self.ws
        kind = type(value)
        if kind is str:  # the common case first: a report is mostly text
            if value:
                ws.write_string(row, col, value[:EXCEL_MAX_TEXT], fmt)
            else:
                ws.write_blank(row, col, None, fmt)
            return
        if kind is float or kind is int:
            if value != value:  # NaN
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, value, fmt)
            return
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if blank(value) or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, (bool, np.bool_)):
            ws.write_boolean(row, col, bool(value), fmt)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(row, col, value, fmt or self.fmt["date"])
        elif isinstance(value, numbers.Number):
            ws.write_number(row, col, float(value), fmt)
        else:
            ws.write_string(row, col, str(value)[:EXCEL_MAX_TEXT], fmt)

    def row(self, row: int, values: Iterable[object], fmt: object = None, col: int = 0) -> None:
        for offset, value in enumerate(values):
            self.put(row, col + offset, value, fmt)

    def header(self, row: int, names: Iterable[str], col: int = 0) -> None:
        """Header cells, with the row tall enough for the wrapped names (no application sizes it for us)."""
        names = list(names)
        self.row(row, names, self.fmt["header"], col)
        self.name_header(row, col, col + len(names) - 1)
        lines = max((math.ceil(len(str(n)) / max(self.col_widths.get(col + i, 8.43) - 1, 1))
                     for i, n in enumerate(names)), default=1)
        if lines > 1:
            self.ws.set_row(row, 15 * min(lines, 6))

    def fit(self, row: int, values: Iterable[object], col: int = 0) -> None:
        """Make a row tall enough for its wrapped text (LibreOffice does not resize rows XlsxWriter wrote)."""
        lines = 1
        for i, value in enumerate(values):
            if type(value) is str and value:
                width = max(self.col_widths.get(col + i, 8.43) * 1.1 - 1, 1)
                if len(value) <= width and "\n" not in value:
                    continue  # one line: the common case, without splitting
                lines = max(lines, sum(math.ceil(max(len(part), 1) / width) for part in value.split("\n")))
        if lines > 1:
            self.ws.set_row(row, min(15 * lines, 409))

    def widths(self, widths: Iterable[float]) -> None:
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)
            self.col_widths[col] = width

    def note(self, row: int, text: str, last_col: int = 8, lines: int = 2) -> None:
        """A wrapped note across several columns, so it reads (and prints) in one block."""
        self.ws.merge_range(row, 0, row, last_col, "", self.fmt["note"])
        self.ws.write_string(row, 0, text, self.fmt["note"])
        self.ws.set_row(row, 15 * lines)

    def printable(self, header_rows: tuple[int, int] | None = None) -> None:
        """Landscape A4, one page wide, with the table header repeated on every page."""
        self.ws.set_paper(9)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        if header_rows:
            self.ws.repeat_rows(*header_rows)

    def not_printed(self, last_row: int, last_col: int, rows: int, what: str) -> None:
        """A detail or data sheet prints its title and header only, with a line saying where its rows are.

        Printing the workbook gives the summary sheets: a print area limited to the top rows (which Excel and
        LibreOffice both honour) keeps thousands of rows of data off paper, while the sheet stays whole on
        screen, for filters, pivots and Power BI.
        """
        self.ws.set_paper(9)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 1)
        self.ws.print_area(0, 0, last_row, max(last_col, 0))
        self.ws.set_header(f"&L{what}: {rows:,} rows, not printed; open the sheet on screen or "
                           f"use the CSV export")


def _classic_formula(formula: str, expand_future_functions: bool = False) -> str:
    return formula[1:] if formula.startswith("=") else formula


def formats(wb: xlsxwriter.Workbook) -> dict[str, object]:
    add = wb.add_format
    return {
        "title": add({"bold": True, "font_size": 16}),
        "h2": add({"bold": True, "font_size": 13}),
        "note": add({"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"}),
        "aside": add({"italic": True, "font_color": "#555555"}),
        "header": add({"bold": True, "bg_color": "#E7E6E6", "border": 1, "text_wrap": True, "valign": "top"}),
        "wrap": add({"text_wrap": True, "valign": "top"}),
        "words": add({"valign": "top"}),  # not wrapped: it runs on into the empty cells to its right
        "date": add({"num_format": "dd/mm/yyyy", "valign": "top"}),
        "left_date": add({"num_format": "dd/mm/yyyy", "align": "left"}),
        "mean": add({"num_format": "0.0", "border": 1, "align": "center", "valign": "top"}),
        "int": add({"num_format": "0", "border": 1, "align": "center", "valign": "top"}),
        "percent": add({"num_format": "0%", "border": 1, "align": "center", "valign": "top"}),
        "figure": add({"num_format": "#,##0", "border": 1, "align": "center", "valign": "top", "bold": True}),
        "flag": add({"bg_color": "#FDD9B5", "valign": "top", "text_wrap": True}),
        "flag_date": add({"bg_color": "#FDD9B5", "valign": "top", "num_format": "dd/mm/yyyy"}),
        "flag_bold": add({"bg_color": "#FDD9B5", "valign": "top", "bold": True, "font_color": "#9C3A00"}),
        "bold": add({"bold": True}),
    }
