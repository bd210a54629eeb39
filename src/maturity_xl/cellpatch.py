"""Values spliced into blank cells of a prebuilt sheet part, for the mail-merge's per-service cells.

The template's cells are found once (each is XlsxWriter's `<c r="G7" s="12"/>`, a formatted blank); each service's
part is then the template's bytes cut at those cells and joined with the filled ones, which costs a join rather
than a parse. Text is written as an inline string (`t="inlineStr"`, which Excel, LibreOffice and openpyxl read, and
which our reader reads), numbers and dates (as Excel's day numbers) as values; the cell keeps its format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from .layout_parts import cell

EXCEL_EPOCH = date(1899, 12, 30)
_BLANK = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?:\s+s="[0-9]+")?)\s*/>')


@dataclass(frozen=True, slots=True)
class Site:
    start: int
    end: int
    ref: bytes
    attrs: bytes  # the cell's format: ` s="12"`, or nothing
    key: tuple[int, int]  # 0-based (row, col)


class Part:
    """One sheet part's XML and the blank cells in it that can be filled."""

    def __init__(self, xml: bytes, wanted: Iterable[tuple[int, int]]):
        self.xml = xml
        wanted = set(wanted)
        refs = {cell(r, c).encode(): (r, c) for r, c in wanted}
        sites = [Site(m.start(), m.end(), m.group(1), m.group(2), refs[m.group(1)])
                 for m in _BLANK.finditer(xml) if m.group(1) in refs]
        missing = wanted - {s.key for s in sites}
        if missing:
            raise ValueError(f"the template has no blank cell at {', '.join(sorted(cell(*k) for k in missing))}")
        self.sites = tuple(sites)

    def fill(self, values: dict[tuple[int, int], object], text: Callable[[str], bytes]) -> bytes:
        """The part with `values` ({(row, col): str, number or date}) in their cells; `text` escapes a string
        for XML as the rest of the workbook does."""
        pieces, pos, xml = [], 0, self.xml
        for site in self.sites:
            value = values.get(site.key)
            if value is None or value == "":
                continue
            pieces += (xml[pos:site.start], _cell(site, value, text))
            pos = site.end
        pieces.append(xml[pos:])
        return b"".join(pieces)


def _cell(site: Site, value: object, text: Callable[[str], bytes]) -> bytes:
    if isinstance(value, bool):
        raise TypeError("a cell patch takes text, numbers or dates")
    if isinstance(value, datetime):
        value = (value.date() - EXCEL_EPOCH).days
    elif isinstance(value, date):
        value = (value - EXCEL_EPOCH).days
    if isinstance(value, (int, float)):
        return b'<c r="%s"%s><v>%s</v></c>' % (site.ref, site.attrs, repr(value).encode())
    return b'<c r="%s"%s t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (
        site.ref, site.attrs, text(str(value)))
