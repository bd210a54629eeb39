"""A detail sheet's column of few distinct texts (ids, names, a status, a level, the file) as shared strings, for
bulk.Block: see `Shared`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..xlsxsafe import looks_rich
from .bulk import _cell_tail, _tails_or_whole, _Texts
from .sheet import EXCEL_MAX_TEXT


class Shared:
    """A column of few distinct texts (ids, names, a status, the file) as shared strings: each distinct text is
    put once in the workbook's shared-strings table (XlsxWriter escapes and writes it there, as it does every
    string written with write_string) and each cell holds its number, `<c r="A2" t="s"><v>3</v></c>`. Every
    reader reads the same text as from an inline string (Excel itself saves text so); the cell is made as a
    number's is, with no check of its text, and the sheet's XML is about a third smaller. A value that is not
    text, an empty text, text over Excel's limit, and text XlsxWriter's table would take for a rich string
    ("<r>...</r>") are written by `_other`, as before."""

    __slots__ = ("codes", "tails", "odd", "omitted", "texts")

    def __init__(self, values: Sequence[object], style: str, table) -> None:
        codes, distinct = _numbered(values)
        tails, texts, odd, omitted, shared = [], [], [], [], []
        blank = f"{style}/>"
        for k, u in enumerate(distinct):
            kind = type(u)
            if kind is str and 0 < len(u) <= EXCEL_MAX_TEXT and not looks_rich(u):
                tails.append(f'{style} t="s"><v>{table._get_shared_string_index(u)}</v></c>')
                shared.append(k)
            elif (kind is str and not u) or u is None or u is pd.NA or u is pd.NaT or (kind is float and u != u):
                tails.append(blank)  # a blank, as _cell_tail writes it: its style alone, or no cell at all
                if not style:
                    omitted.append(k)
            else:  # 1, 1.0 and True are one key to a dict: such rows are written from their own values
                tails.append("")
                odd.append(k)
            texts.append(u if kind is str else "")
        # Held for every row until the workbook is closed: 2 bytes a row where they fit (ids of 10,000 services).
        self.codes = codes.astype(np.int16 if len(distinct) <= np.iinfo(np.int16).max else np.int32)
        self.tails, self.texts = tails, texts
        self.odd, self.omitted = np.array(odd, dtype=np.int32), np.array(omitted, dtype=np.int32)
        # Each use counted, as write_string counts them (each distinct text was counted once above).
        table.count += int(np.isin(self.codes, shared).sum()) - len(shared)

    def cells(self, letter: str, numbers: list[str], values: Sequence[object], start: int, stop: int,
              style: str, date_style: str, wrapped: bool) -> tuple[list[str], bool, _Texts | None]:
        """One chunk's cells as _column_cells gives them, and its text when it counts for the rows' heights."""
        chunk = self.codes[start:stop]
        codes = chunk.tolist()
        tails: list[str | None] = list(map(self.tails.__getitem__, codes))
        if len(self.omitted):
            for i in np.flatnonzero(np.isin(chunk, self.omitted)).tolist():
                tails[i] = None
        if len(self.odd):
            for i in np.flatnonzero(np.isin(chunk, self.odd)).tolist():
                tails[i] = _cell_tail(values[i], style, date_style)
        made, whole = _tails_or_whole(letter, numbers, tails)
        return made, whole, (_Texts(list(map(self.texts.__getitem__, codes))) if wrapped else None)


def _numbered(values: Sequence[object]) -> tuple[np.ndarray, list]:
    """Each row's number among the distinct values, and the distinct values, in the order they first appear.
    Values equal to one another are one (1, 1.0 and True; every missing value: None, NaN, NA and NaT, which are all
    written blank): Shared writes the rows of a value that is not text from their own values."""
    series = getattr(values, "series", None)
    if isinstance(series, pd.Series):  # a frame's column (chunked.Rows): numbered by pandas, in C
        column = series if values.positions is None else series.take(values.positions)  # type: ignore[attr-defined]
        codes, distinct = pd.factorize(column, sort=False, use_na_sentinel=False)
        return codes, distinct.tolist()
    # Else by a dict (in C too): each row's first row with its value, then each first row's number.
    first: dict = {}
    rows = np.fromiter(map(first.setdefault, values, range(len(values))), np.intp, len(values))
    number = np.zeros(len(values), np.intp)
    number[list(first.values())] = np.arange(len(first))
    return number[rows], list(first)
