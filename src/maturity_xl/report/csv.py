"""The tidy frames as CSV files (UTF-8 with a byte-order mark, which Excel needs to read them as UTF-8): every
row, however many, with text a spreadsheet would run as a formula defused (CWE-1236). The chasing list is one
of them, and is also written on its own (chase.csv beside the report) for a mail merge. provider_plans.csv (the
commissioner's view) is written only when the collection holds returns of a graded framework.

Numbers are written whole, not rounded: a rounded figure is only ever shown, by common.rounded's one rule."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype

from ..chase import chase_frame
from ..collect import Collection
from ..csvsafe import defuse_frame as defuse
from .common import atomic_write
from .provider_plans import CSV_NAME as PLANS_CSV
from .provider_plans import collection_plans

CSV_FRAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected", "chase")


def write_chase_csv(collection: Collection, path: Path) -> None:
    """The chasing list alone, defused, as one CSV a mail merge reads (header only when nobody is to chase)."""
    _to_csv(defuse(chase_frame(collection)), Path(path))


def _to_csv(frame, path: Path) -> None:
    """`frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")`, byte for byte, written
    column by column through the csv module: pandas formats every cell of a chunk again on its way out (a third
    of the CSVs' time for 500,000 rating rows)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator=os.linesep)
        writer.writerow([str(c) for c in frame.columns])
        writer.writerows(zip(*(_cells(frame.iloc[:, i]) for i in range(frame.shape[1]))))


def _cells(column: pd.Series) -> list:
    """A column's values as pandas writes them to CSV: blanks (None, NaN, NA, NaT) empty, datetimes by
    the date format, anything else as the csv module writes it."""
    if is_datetime64_any_dtype(column.dtype):
        return column.dt.strftime("%Y-%m-%d").fillna("").tolist()
    values = column.tolist()
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biu":
        return values  # numpy booleans and integers: never blank
    return [_cell(v) if v is None or type(v) not in _PLAIN else v for v in values]


_PLAIN = {str, int, bool}  # written as they are (a float may be NaN, a datetime takes the date format)


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return value


def write_csvs(collection: Collection, folder: Path) -> list[Path]:
    """The tidy frames as CSV (UTF-8 with BOM for Excel), with formula injection defused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    paths = []
    for name in CSV_FRAMES:
        target = folder / f"{name}.csv"
        safe = defuse(chase_frame(collection) if name == "chase" else getattr(frames, name))
        atomic_write(target, lambda tmp, frame=safe: _to_csv(frame, tmp))
        paths.append(target)
    plans = collection_plans(collection, frames)
    if plans is not None:  # only for graded frameworks (Progress for Providers): the commissioner's view
        target = folder / f"{PLANS_CSV}.csv"
        safe = defuse(plans)
        atomic_write(target, lambda tmp: _to_csv(safe, tmp))
        paths.append(target)
    return paths
