"""The change CSVs of a report read from a programme store: changes.csv and statement_changes.csv (with a round to
compare with) and area_trend.csv (each area's mean in every round of the store), for Power BI and spreadsheets.

Columns are lower-case snake_case and the keys are named as in every other CSV and the store's export
(framework_id, service_id, area_id, statement_id, round), so Power BI's relationship detection joins them. Numbers
are written whole, as the other CSVs' are; docs/store.md describes every column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..collect import Collection
from ..csvsafe import defuse_frame as defuse
from . import csv as report_csv
from .changes import comparing, trends
from .common import atomic_write

CHANGE_CSVS = ("changes", "statement_changes")
TREND_CSV = "area_trend"


def write_change_csvs(collection: Collection, folder: Path) -> list[Path]:
    """changes.csv and statement_changes.csv when comparing, area_trend.csv for any report from a store."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    tables = {name: getattr(frames, name)() for name in CHANGE_CSVS} if comparing(collection) else {}
    trend = trends(collection)
    if trend is not None:
        tables[TREND_CSV] = trend
    paths = []
    for name, table in tables.items():
        target = folder / f"{name}.csv"
        atomic_write(target, lambda tmp, frame=table: _write(frame, tmp))
        paths.append(target)
    return paths


def _write(frame: pd.DataFrame, path: Path) -> None:
    """`defuse(frame).to_csv(path, index=False, encoding="utf-8-sig")`, through report.csv's faster writer when
    it writes the same bytes: for columns of text, whole numbers, booleans and 64-bit floats (pandas writes such
    a float as numpy's str(), which is Python's repr(), as the csv module does; a 32-bit one it writes shorter).
    A frame with any other column (dates, which pandas writes with their time here) goes through pandas."""
    if all(isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and (dtype.kind in "biu" or
                                                                                  dtype == np.float64))
           for dtype in frame.dtypes):
        report_csv._to_csv(frame, path, defused=True)  # by the module, as a test replaces it
    else:
        defuse(frame).to_csv(path, index=False, encoding="utf-8-sig")


__all__ = ["CHANGE_CSVS", "TREND_CSV", "write_change_csvs"]
