"""The reader's names the parser uses, imported in this one place (so moving the reader changes one line)."""

from __future__ import annotations

from ..reading import INFLATE_ERRORS, Cell, ReadError, Workbook, open_workbook, split_ref

__all__ = ["INFLATE_ERRORS", "Cell", "ReadError", "Workbook", "open_workbook", "split_ref"]
