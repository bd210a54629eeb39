"""A bounded, process-wide memo of pure functions of a part's exact bytes.

Many parts are byte for byte the same in every return of a programme (the package's relationships, the list of
sheets, the content types): a collection reads each of them once rather than once a return. An entry is keyed on
the part's stored bytes themselves (its compression method, declared CRC and size, and the compressed stream),
never on a hash of them, so a hostile return cannot make its part alias another's: a dict compares the whole key
for equality, and the same stream inflates to the same bytes, which pass or fail the same checks. Only results
are kept, never errors: a part that fails is read, and fails, again each time.

A memo made with `recent=True` keeps the entries used most recently rather than those made most recently: one
that every return hits (the metadata sheet's index) stays while parts that differ in each return turn the others
over.

Bounds: a part is memoised only if its stream is at most MAX_PACKED bytes and it inflates to at most MAX_INFLATED
(what is kept is derived from those bytes), and a memo holds at most `limit` entries, the oldest going first; a
collection of hostile returns each with different parts only turns the memo over, at the usual cost of reading.
In all, the memos of reading/ and sniff.py hold at most about 21 MB however hostile the returns, 6 MB of it
sheetdata.py's reference sheets and ends of parts, 2 MB stringtable.py's reference tables (a real programme's: a
few hundred KB, most of it 'Start here' sheets turning over).
Values are immutable (bytes, tuples, frozen records) and shared between returns; callers build their own mutable
objects from them.
"""

from __future__ import annotations

import threading

MAX_PACKED = 32 * 1024
MAX_INFLATED = 32 * 1024  # a return's metadata sheet (25 KB) is the same in every return of a programme
MAX_ENTRIES = 32


class PartMemo:
    """One pure function's results by the stored bytes of the part(s) it read, at most `limit` of them."""

    __slots__ = ("_entries", "_limit", "_lock", "_recent")

    def __init__(self, limit: int = MAX_ENTRIES, *, recent: bool = False):
        self._entries: dict[tuple, object] = {}
        self._limit = limit
        self._lock = threading.Lock()  # eviction iterates the dict: parse may run in threads
        self._recent = recent

    def get(self, key: tuple) -> object | None:
        found = self._entries.get(key)
        if found is not None and self._recent:
            with self._lock:  # moved to the end: the last to go
                entries = self._entries
                if key in entries:
                    entries[key] = entries.pop(key)
        return found

    def put(self, key: tuple, value: object) -> None:
        with self._lock:
            entries = self._entries
            if key not in entries:
                while len(entries) >= self._limit:
                    del entries[next(iter(entries))]
            entries[key] = value

    def call(self, fn, data: bytes, name: str, *extra):
        """`fn(data, name, *extra)`, kept by (`data`, *`extra`) when `data` is small enough. `fn` must be a pure
        function of `data` and `extra` (`name` only says where in its errors, which are never kept) returning an
        immutable value; `extra` must be hashable and small."""
        if len(data) > 2 * MAX_INFLATED:  # xml_bytes can recode a part: UTF-16 text grows by up to half
            return fn(data, name, *extra)
        key = (data, *extra)
        found = self.get(key)
        if found is None:
            found = fn(data, name, *extra)
            if found is not None:  # None is not told from a miss: it would only turn the memo over
                self.put(key, found)
        return found

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Small sheets read whole, by their stored bytes (workbook.Workbook._sheet_part): a return's metadata sheet is the
# same in every return of a programme; its 'Start here' sheet, which differs, only turns this one over.
SHEETS = PartMemo()
# Sheets' indexes (fastpath.index_sheet: each cell's XML by its reference, undecoded, so independent of the shared
# strings) by the sheet's checked bytes and the row the index stops at: the metadata sheet is the same bytes in
# every return of a programme, and its head is looked up in each. Kept while used (a 'Start here' head, which
# differs in each return, only turns the others over); only indexes of at most INDEX_CELLS cells of a part of at
# most 2 * MAX_INFLATED bytes, so the memo holds at most about 3 MB. An index taken from it is shared between
# returns: it is read, never changed.
INDEXES = PartMemo(8, recent=True)
INDEX_CELLS = 2048
