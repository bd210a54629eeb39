"""Cell values as the parser reads them: text, dates and metadata values, with the problems they raise."""

from __future__ import annotations

import re
from datetime import date, datetime

from ..layout import EMPTY, UNSIGNED, cell
from ..response import Problem
from .source import Cell

EXCEL_EPOCH = datetime(1899, 12, 30)
_EPOCH_DAY = EXCEL_EPOCH.toordinal()
TEXT_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
MAX_TEXT = 32_767  # Excel's own limit for one cell
BLANK = Cell(None)


class Problems:
    """The problems found in one return, and the readers of answer cells that add to them."""

    def __init__(self, problems: list[Problem]):
        self.list = problems

    def add(self, severity, code, message, sheet="", cell="", advice="") -> None:
        self.list.append(Problem(severity, code, message, sheet, cell, advice=advice))

    def string(self, raw: object, sheet: str, ref: str | tuple[int, int]) -> str:
        """A text answer: numbers as written, cut at Excel's limit (with a warning), stripped."""
        if raw.__class__ is str and len(raw) <= MAX_TEXT:  # the usual answer, first
            return raw.strip()  # type: ignore[union-attr]
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "TRUE" if raw else "FALSE"
        if isinstance(raw, float):
            return str(int(raw)) if raw.is_integer() else repr(raw)
        text = str(raw)
        if len(text) > MAX_TEXT:
            self.add("warning", "text-truncated", f"the text is longer than Excel allows in a cell and was cut "
                                                  f"to {MAX_TEXT} characters", sheet, where(ref))
            text = text[:MAX_TEXT]
        return text.strip()

    def date(self, raw: object, sheet: str, ref: str | tuple[int, int]) -> date | None:
        """A date answer: an Excel date number, or text in a common form (with a warning)."""
        if raw.__class__ is float and 1 <= raw < 2_958_466:  # the usual answer, first (as below)
            return date.fromordinal(_EPOCH_DAY + int(raw))  # type: ignore[call-overload]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if 1 <= raw < 2_958_466:  # Excel's dates: 1900-01-01 to 9999-12-31
                return date.fromordinal(_EPOCH_DAY + int(raw))  # (not datetime + timedelta: a tenth the cost)
        elif isinstance(raw, str):
            text = " ".join(raw.split())
            for fmt in TEXT_DATE_FORMATS:
                try:
                    value = datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
                self.add("warning", "date-text", f"'{raw}' was typed as text; read as {value.isoformat()}",
                         sheet, where(ref))
                return value
        self.add("error", "date-invalid", f"'{raw}' is not a date; enter a date such as 31/03/2027",
                 sheet, where(ref))
        return None


def text(value: object) -> str:
    """A cell's value as stripped text (a whole float without its ".0"; None as "")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def meta_text(value: object) -> str:
    """A metadata value, where "-" stands for none (see layout.EMPTY)."""
    value = text(value)
    return "" if value == EMPTY else value


def signature_text(value: object) -> str:
    value = text(value)
    return "" if value in (EMPTY, UNSIGNED) else value


def folded(value: str) -> str:
    """Text compared loosely: case, punctuation and "&" against "and" do not count."""
    return " ".join(re.sub(r"[^\w]+", " ", value.casefold().replace("&", " and ")).split())


def header_text(value: object) -> str:
    """A column header compared loosely: case and spacing (line breaks too) do not count."""
    return " ".join(text(value).split()).casefold()


def get(cells: dict, row: int, col: int) -> object:
    c = cells.get((row, col))
    return None if c is None else c.value


def where(ref: str | tuple[int, int]) -> str:
    """A cell reference for a problem; the hot loops pass (row, col) and only a problem pays for the text."""
    return ref if isinstance(ref, str) else cell(*ref)
