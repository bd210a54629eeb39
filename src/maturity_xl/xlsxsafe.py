"""Text written through XlsxWriter stays the text it is.

XlsxWriter writes a string that starts with "<r>" and ends with "</r>" into the file as it stands, unescaped: it
takes it for the XML of a rich string it built itself (`write_rich_string` makes such strings). A service name, a
contact or a returned answer of that shape would then be markup inside the workbook: other text shown, or a file
Excel must repair. Every worksheet we write is an InertWorksheet, which writes such a string as three plain runs
instead; XlsxWriter escapes each run's text, and Excel, LibreOffice and openpyxl read the runs back as the one
string, unchanged.
"""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet


def looks_rich(text: str) -> bool:
    """True for the strings XlsxWriter would write as raw rich-string XML."""
    return text.startswith("<r>") and text.endswith("</r>")


class InertWorksheet(Worksheet):
    """A worksheet whose every string is written as text (see the module's docstring)."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Format | None = None):
        if looks_rich(string):
            # Three runs, the fewest write_rich_string takes; with no format of their own they show as plain text.
            runs: list = [string[:1], string[1:2], string[2:]]
            if cell_format is not None:
                runs.append(cell_format)
            return self._write_rich_string(row, col, *runs)
        return super()._write_string(row, col, string, cell_format)
