"""ReadError: why a file cannot be read as a workbook, with a stable code and advice for the sender."""

from __future__ import annotations

RESAVE = ("Open the completed workbook in Excel (or LibreOffice), save it with File > Save As > 'Excel Workbook "
          "(.xlsx)', and send that file.")
RESEND = "The file is damaged: send the completed workbook again (save it from Excel as .xlsx first)."
ADVICE = {
    "not-a-zip": RESEND, "damaged": RESEND, "damaged-zip": RESEND, "size-mismatch": RESEND, "bad-xml": RESEND,
    "not-a-workbook": "Send the completed assessment workbook (.xlsx) you were sent.",
    "encrypted-parts": "The file's contents are locked with a zip password: send the workbook itself, "
                       "without a password.",
}


class ReadError(Exception):
    """The file cannot be read as a workbook. `code` is stable; the message and advice are for a service."""

    def __init__(self, code: str, message: str, advice: str = ""):
        self.code = code
        self.advice = advice or ADVICE.get(code) or RESAVE
        super().__init__(message)
