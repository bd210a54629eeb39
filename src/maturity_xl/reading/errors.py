"""ReadError: why a file cannot be read as a workbook, with a stable code (the catalogue's) and its advice."""

from __future__ import annotations

from .. import catalogue


class ReadError(Exception):
    """The file cannot be read as a workbook. `code` is a return code of the catalogue (UnknownCode otherwise);
    the message and advice are for a service, the advice the catalogue's unless one is given."""

    def __init__(self, code: str, message: str, advice: str = ""):
        self.code = code
        self.advice = advice or catalogue.entry(code).advice
        super().__init__(message)
