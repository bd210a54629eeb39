"""Why a programme store refuses a command. Each says what is wrong and what to do; the CLI exits 1 with it."""

from __future__ import annotations

from ..errors import MaturityXLError


class StoreError(MaturityXLError):
    """Any problem with the programme store itself (the store is left as it was)."""


class NotAStore(StoreError):
    """The file is not a programme store (not SQLite, another program's database, or damaged)."""


class StoreTooNew(StoreError):
    """The store was written by a newer maturity-xl, whose schema this one does not know."""


class StoreLocked(StoreError):
    """Another collection is writing to the store and did not finish within the wait."""


class RoundError(StoreError):
    """A round that does not exist, is closed, or cannot be told for a return."""


class ExportError(StoreError):
    """The analyst's database could not be reached or written (nothing in it was changed)."""
