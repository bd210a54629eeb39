"""report.chunked.Rows takes a chunk of a frame's column at given rows by the array's own take for text and the
nullable numbers and flags: the very values (with their types, NaN and NA as they are) the Series' take gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from maturity_xl.report.chunked import Rows

COLUMNS = {
    "str": pd.Series(["a", None, "b & c", "", " d", "é"] * 50, dtype="str"),
    "Int64": pd.Series([1, None, 3, -4, 0, 5] * 50, dtype="Int64"),
    "Float64": pd.Series([1.5, None, 3.0, -4.25, 0.0, float("nan")] * 50, dtype="Float64"),
    "boolean": pd.Series([True, None, False, True, False, True] * 50, dtype="boolean"),
    "bool": pd.Series([True, False, False] * 100),
    "object": pd.Series([1, "x", None, 2.5, pd.NA, "y"] * 50, dtype=object),
    "datetime": pd.Series(pd.to_datetime(["2026-01-02", None, "2026-03-04"] * 100)),
}


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(type(x) is type(y) and (x is y or x == y or (x != x and y != y))
                                    for x, y in zip(a, b))


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_a_chunk_at_positions_is_the_series_take(name):
    series = COLUMNS[name]
    positions = np.random.default_rng(3).permutation(len(series))[:200]
    rows = Rows(series, positions)
    for chunk in (slice(0, 64), slice(64, 200), slice(190, 400)):
        assert _same(rows[chunk], series.take(positions[chunk]).tolist()), (name, chunk)
    assert _same(Rows(series)[10:50], series.iloc[10:50].tolist())
