"""A small, safe reader of the cells maturity-xl needs from a returned .xlsx.

Why not openpyxl: it is ~20x slower for this job, trusts the file's extension, loads every sheet, and sees
no sheets at all in a Strict Open XML file. This reader opens the zip from bytes, checks its central directory
before inflating anything, finds sheets by name (LibreOffice renumbers parts), and parses only the parts asked for,
with fast scans for the shapes spreadsheet applications write and expat for anything else, refusing any DTD
(which rules out entity bombs and external entities).

Every way a hostile or damaged file can fail here ends in a ReadError with a stable code, a plain message and
advice for the sender; nothing else escapes (tests/test_fuzz.py mutates real returns to hold us to that).

    errors.py     ReadError, its codes' advice
    zipsafe.py    the zip: its directory checked before anything is inflated; parts inflated with a bound
    xmlsafe.py    a part's text encoding and prolog checked (no DTD); expat with every DTD handler refusing
    memo.py       bounded memos of what the parts every return of a programme shares hold, by their stored bytes
    package.py    from the package's relationships to the workbook part, its sheets by name, the shared strings
    workbook.py   an opened return: sheets read on demand, by the fast path or by expat
    fastpath.py   sheets indexed and cells decoded with compiled patterns, in the shapes applications write
    sheetdata.py  the checks of a sheet's data before it is indexed: of the whole, or of what differs from a
                  template's sheet seen before; and where the sheet data ends
    layouts.py    the index of a sheet, and the layouts (and reference sheets) of template sheets seen before
    expat.py      expat's readers of a sheet and of the shared strings, for every other shape
    props.py      the custom document properties (the signature), by one pattern or by expat
    cells.py      a Cell, its value from its type and text (both paths share it), cell references
"""

from .cells import Cell, split_ref
from .errors import ReadError
from .package import open_workbook
from .workbook import SheetInfo, Workbook
from .xmlsafe import xml_bytes
from .zipsafe import INFLATE_ERRORS, check_zip, open_zip, read_member

__all__ = ["INFLATE_ERRORS", "Cell", "ReadError", "SheetInfo", "Workbook", "check_zip", "open_workbook",
           "open_zip", "read_member", "split_ref", "xml_bytes"]
