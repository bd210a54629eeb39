"""A Column's values (report/bulk.py) taken a chunk of rows at a time as the sheet is written, not as lists made
beforehand and held until the workbook is closed: a frame's column (Rows), or columns read together by one call
(Fetched: the ratings' texts, read back from a collection's spill file)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd


# Arrays whose own take gives, by tolist(), the very values Series.take(...).tolist() gives (str, the nullable
# numbers and flags: their values, NaN and NA as they are), at a fifth of the cost: the Series builds an index
# and a frame's internals for each chunk of each column.
_TAKEN_AS_ARRAYS = (pd.arrays.StringArray, pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)


class Rows:
    """A frame's column as a Column's values, taken a chunk of rows at a time when the sheet is written (at
    `positions`, when given) rather than copied into a list beforehand: the detail sheets' lists (Data ratings,
    Text, Actions) were all held until the workbook was closed, 130 MB at 10,000 returns."""

    __slots__ = ("series", "positions")

    def __init__(self, series: pd.Series, positions: np.ndarray | None = None):
        self.series, self.positions = series, positions

    def __len__(self) -> int:
        return len(self.series) if self.positions is None else len(self.positions)

    def __getitem__(self, rows: slice) -> list:
        if not isinstance(rows, slice):
            raise TypeError("Rows are taken a slice at a time")
        if self.positions is None:
            return self.series.iloc[rows].tolist()
        at = self.positions[rows]
        array = self.series.array
        if isinstance(array, _TAKEN_AS_ARRAYS):  # the same values as the Series' take, without its index
            return array.take(at).tolist()
        return self.series.take(at).tolist()

    def __iter__(self) -> Iterator[object]:
        return iter(self[:])


class Fetched:
    """Several columns of a block whose values are read together, a chunk of rows at a time, by one call
    (`fetch(start, stop)`: each column's values for rows `start` to `stop - 1`), such as the ratings' texts read
    back from a collection's spill file: `columns()` gives each as a Column's values; the chunk is read once for
    all of them (Block.write takes each column's values in turn for the same rows)."""

    __slots__ = ("fetch", "rows", "_chunk", "_values")

    def __init__(self, fetch, rows: int):
        self.fetch, self.rows = fetch, rows
        self._chunk: tuple[int, int] | None = None
        self._values: Sequence[list] = ()

    def columns(self, count: int) -> list[_FetchedColumn]:
        return [_FetchedColumn(self, i) for i in range(count)]

    def _get(self, rows: slice, i: int) -> list:
        start, stop, _ = rows.indices(self.rows)
        if self._chunk != (start, stop):
            self._values = ()  # the last chunk let go before the next is read
            self._values = self.fetch(start, stop)
            self._chunk = (start, stop)
        return self._values[i]


class _FetchedColumn:
    __slots__ = ("source", "i")

    def __init__(self, source: Fetched, i: int):
        self.source, self.i = source, i

    def __len__(self) -> int:
        return self.source.rows

    def __getitem__(self, rows: slice) -> list:
        if not isinstance(rows, slice):
            raise TypeError("fetched values are taken a slice at a time")
        return self.source._get(rows, self.i)

    def __iter__(self) -> Iterator[object]:
        return iter(self[:])
