"""The tidy frames as CSV files (UTF-8 with a byte-order mark, which Excel needs to read them as UTF-8): every
row, however many, with text a spreadsheet would run as a formula defused (CWE-1236). The chasing list is one
of them, and is also written on its own (chase.csv beside the report) for a mail merge. provider_plans.csv (the
commissioner's view) is written only when the collection holds returns of a graded framework.

Numbers are written whole, not rounded: a rounded figure is only ever shown, by common.rounded's one rule."""

from __future__ import annotations

import codecs
import csv
import os
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_object_dtype, is_string_dtype

from ..chase import chase_frame
from ..collect import Collection
from ..csvsafe import defuse_frame as defuse
from ..csvsafe import defuse_text, defuse_texts, text_codes
from .common import atomic_write
from .provider_plans import CSV_NAME as PLANS_CSV
from .provider_plans import collection_plans

CSV_FRAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected", "chase")
LINE_END = os.linesep  # as csv.writer(lineterminator=os.linesep), the line end pandas' to_csv writes
ROWS_AT_ONCE = 20_000  # rows joined, encoded and written in one go: a few MB, however long the frame


def write_chase_csv(collection: Collection, path: Path) -> None:
    """The chasing list alone, defused, as one CSV a mail merge reads (header only when nobody is to chase)."""
    _to_csv(chase_frame(collection), Path(path), defused=True)


def _to_csv(frame: pd.DataFrame, path: Path, defused: bool = False) -> None:
    """`frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")`, byte for byte (of
    `defuse(frame)` when `defused`), faster: each column is turned into the text of its fields once, and each
    distinct value of a column is formatted, defused and quoted once (by the csv module itself, so quoting and
    number formatting are its own); the rows are then joined and encoded a chunk at a time."""
    columns = [_fields(frame.iloc[:, i], defused) for i in range(frame.shape[1])]
    header = _csv_texts([str(c) for c in frame.columns])
    if len(columns) == 1:
        # The csv module quotes a row's only field when it is empty (else the line would be blank).
        header = [h or '""' for h in header]
        columns = [(codes, np.array([t or '""' for t in texts], dtype=object)) for codes, texts in columns]
    with open(path, "wb") as fh:
        fh.write(codecs.BOM_UTF8)
        fh.write((",".join(header) + LINE_END).encode("utf-8"))
        for start in range(0, len(frame) if columns else 0, ROWS_AT_ONCE):
            cells = [texts[codes[start:start + ROWS_AT_ONCE]].tolist() for codes, texts in columns]
            fh.write((LINE_END.join(map(",".join, zip(*cells))) + LINE_END).encode("utf-8"))


def _fields(column: pd.Series, defused: bool) -> tuple[np.ndarray, np.ndarray]:
    """A column as (codes, texts): row i is written as texts[codes[i]], already quoted as the csv module
    quotes it. texts ends with "" so that a blank's code, -1, writes nothing."""
    dtype = column.dtype
    if is_datetime64_any_dtype(dtype):  # blanks (NaT) empty, the rest by the date format
        column = column.dt.strftime("%Y-%m-%d").fillna("").astype(object)
        defused = False
    elif defused:
        defused = is_object_dtype(dtype) or is_string_dtype(dtype)  # the columns defuse_frame looks at
    coded = _exact_codes(column)
    if coded is None:  # a column of mixed or unusual values: cell by cell, with no row merged with another
        values = column.tolist()
        if defused:
            values = [defuse_text(v) for v in values]
        return np.arange(len(values)), np.array(_csv_texts([_cell(v) for v in values]) + [""], dtype=object)
    codes, uniques = coded
    if defused:
        uniques = defuse_texts(uniques)
    return codes, np.array(_csv_texts([_cell(v) for v in uniques]) + [""], dtype=object)


def _exact_codes(column: pd.Series) -> tuple[np.ndarray, list] | None:
    """(codes, distinct values) for a column whose equal values are written alike, blanks coded -1; None for
    any other (in an object column 1 == True == 1.0, and -0.0 == 0.0 in a float one, yet each prints apart)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":  # never blank
        codes, uniques = pd.factorize(column.to_numpy())
        return codes, uniques.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":  # distinct by bit pattern, so -0.0 is not 0.0
        values = column.to_numpy()
        codes, bits = pd.factorize(values.view(f"i{values.itemsize}"))
        return codes, bits.view(dtype).tolist()  # NaN among them: written empty by _cell
    if isinstance(dtype, (pd.Int64Dtype, pd.Int32Dtype, pd.Int16Dtype, pd.Int8Dtype, pd.UInt64Dtype,
                          pd.UInt32Dtype, pd.UInt16Dtype, pd.UInt8Dtype, pd.BooleanDtype)):
        codes, uniques = pd.factorize(column.array, use_na_sentinel=True)
        return codes, uniques.tolist()
    return text_codes(column, also=(date,))  # equal dates print alike (a datetime is not let in)


def _cell(value: object) -> object:
    """A value as pandas writes it to CSV: blanks (None, NaN, NA, NaT) empty, datetimes by the date format,
    anything else as the csv module writes it."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return value


class _Lines(list):
    """What a csv.writer writes to: its lines, kept."""

    write = list.append


def _csv_texts(values: list) -> list[str]:
    """Each value as the csv module writes it as one field of a row (converted to text, quoted if need be):
    written as the first of two fields, the empty second one and the line end are cut off again."""
    lines = _Lines()
    csv.writer(lines, lineterminator=LINE_END).writerows((v, "") for v in values)
    cut = len(LINE_END) + 1
    return [line[:-cut] for line in lines]


def write_csvs(collection: Collection, folder: Path) -> list[Path]:
    """The tidy frames as CSV (UTF-8 with BOM for Excel), with formula injection defused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    paths = []
    for name in CSV_FRAMES:
        target = folder / f"{name}.csv"
        frame = chase_frame(collection) if name == "chase" else getattr(frames, name)
        atomic_write(target, lambda tmp, frame=frame: _to_csv(frame, tmp, defused=True))
        paths.append(target)
    plans = collection_plans(collection, frames)
    if plans is not None:  # only for graded frameworks (Progress for Providers): the commissioner's view
        target = folder / f"{PLANS_CSV}.csv"
        atomic_write(target, lambda tmp: _to_csv(plans, tmp, defused=True))
        paths.append(target)
    return paths


__all__ = ["CSV_FRAMES", "defuse", "write_chase_csv", "write_csvs"]
