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
from ..csvsafe import defuse_texts, text_codes
from ..frames import FREE_TEXTS, RATING_COLUMNS, Frames, RatingTexts
from .common import atomic_write
from .provider_plans import CSV_NAME as PLANS_CSV
from .provider_plans import collection_plans

CSV_FRAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected", "chase")
LINE_END = os.linesep  # as csv.writer(lineterminator=os.linesep), the line end pandas' to_csv writes
ROWS_AT_ONCE = 5_000  # rows joined, encoded and written in one go: a few MB, however long the frame


def write_chase_csv(collection: Collection, path: Path) -> None:
    """The chasing list alone, defused, as one CSV a mail merge reads (header only when nobody is to chase)."""
    _to_csv(chase_frame(collection), Path(path), defused=True)


def _to_csv(frame: pd.DataFrame, path: Path, defused: bool = False, texts: RatingTexts | None = None) -> None:
    """`frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")`, byte for byte (of
    `defuse(frame)` when `defused`), faster: each distinct value of a column is formatted, defused, quoted (by
    the csv module itself, so quoting and number formatting are its own) and encoded once, and neighbouring
    columns whose values go together (a service's id, name and file) are joined into one piece per distinct
    combination; a chunk of rows is then one join of bytes. A column of mostly distinct values (_Streamed) is
    formatted a chunk of rows at a time instead.

    A long frame is written SLICE rows at a time, each slice as a frame of its own: what is worked out for a
    slice (codes, joined pieces, the maps and hash tables that find them) is then bounded, however many rows
    (60 MB for ratings.csv at 10,000 returns, the job's peak, when done for the whole frame at once).

    With `texts`, `frame` is the ratings frame without its free texts (Frames.lean_ratings): they are put back
    into each slice as it is written (Frames.rating_texts), so no more of them is held than a slice's."""
    columns = [str(c) for c in frame.columns]
    if texts is not None:
        for name in FREE_TEXTS:
            columns.insert(RATING_COLUMNS.index(name), name)
    header = _csv_texts(columns)
    if len(columns) == 1:
        header = [h or '""' for h in header]  # the csv module quotes a row's only field when it is empty
    with open(path, "wb") as fh:
        fh.write(codecs.BOM_UTF8)
        fh.write((",".join(header) + LINE_END).encode("utf-8"))
        for start in range(0, len(frame), SLICE):
            part = frame.iloc[start:start + SLICE]
            if texts is not None:
                for name, column in zip(FREE_TEXTS, texts.series(start, start + len(part), part.index)):
                    part.insert(RATING_COLUMNS.index(name), name, column)
            _write_rows(fh, part, defused)


SLICE = 50_000


def _write_rows(fh, frame: pd.DataFrame, defused: bool) -> None:
    rows = len(frame)
    columns = [_fields(frame.iloc[:, i], defused, rows if frame.shape[1] > 1 else None)
               for i in range(frame.shape[1])]
    if len(columns) == 1:
        # The csv module quotes a row's only field when it is empty (else the line would be blank).
        columns = [(codes, [t or '""' for t in texts]) for codes, texts in columns]  # type: ignore[misc]
    pieces = _pieces(columns, rows)
    for start in range(0, rows if pieces else 0, ROWS_AT_ONCE):
        stop = min(start + ROWS_AT_ONCE, rows)
        row = [None] * ((stop - start) * len(pieces))  # row by row, piece by piece
        for i, piece in enumerate(pieces):
            row[i::len(pieces)] = piece.encoded(start, stop) if isinstance(piece, _Streamed) else \
                piece[1][piece[0][start:stop]].tolist()
        fh.write(b"".join(row))


class _Streamed:
    """A column of mostly distinct values (each return's own rationale, evidence or actions), formatted, defused,
    quoted and encoded a chunk of rows at a time. Made for every distinct value up front, as the other columns
    are, its whole text was held twice over (quoted, then encoded) beside the frame: about 250 MB at 10,000
    returns whose answers all differ, the job's peak."""

    __slots__ = ("values", "defused", "head", "tail")

    def __init__(self, values: list, defused: bool):
        self.values, self.defused = values, defused  # row i's value, as the frame holds it
        self.head, self.tail = "", ""  # the comma before it, the line end after it (_pieces says)

    def encoded(self, start: int, stop: int) -> list[bytes]:
        values = self.values[start:stop]
        if self.defused:
            values = defuse_texts(values)
        head, tail = self.head, self.tail
        return [(head + text + tail).encode("utf-8") for text in _csv_texts([_cell(v) for v in values])]


def _pieces(columns: list, rows: int) -> list:
    """The columns' fields as the encoded pieces of each line, each with its comma before it and the last with
    the line end after it, as (codes, pieces), or as a _Streamed column. Left to right, a column is joined to
    the piece before it while the two together take at most a quarter as many distinct values as there are
    rows."""
    joined: list = []
    limit = max(rows // 4, 1)
    for i, column in enumerate(columns):
        if isinstance(column, _Streamed):
            column.head = "," if i else ""
            joined.append(column)
            continue
        codes, texts = column
        encoded = [("," + t if i else t).encode("utf-8") for t in texts]
        if joined and not isinstance(joined[-1], _Streamed):
            before, parts = joined[-1]
            pairs, keys = pd.factorize(before.astype(np.int64) * len(encoded) + codes)
            if len(keys) <= limit:
                lefts, rights = np.divmod(keys, len(encoded))
                joined[-1] = _small(pairs), [parts[a] + encoded[b] for a, b in zip(lefts.tolist(), rights.tolist())]
                continue
        joined.append((codes, encoded))
    end = LINE_END.encode("utf-8")
    if joined and isinstance(joined[-1], _Streamed):
        joined[-1].tail = LINE_END
    elif joined:
        codes, parts = joined[-1]
        joined[-1] = codes, [part + end for part in parts]
    return [piece if isinstance(piece, _Streamed) else (piece[0], np.array(piece[1], dtype=object))
            for piece in joined]


def _fields(column: pd.Series, defused: bool, rows: int | None = None) -> tuple[np.ndarray, list[str]] | _Streamed:
    """A column as (codes, texts): row i is written as texts[codes[i]], already quoted as the csv module
    quotes it; a blank's code points at the last text, "". With `rows` (the frame's length, when it has other
    columns), a column of text whose first rows are mostly distinct is a _Streamed one (told from a sample, so
    that no map of every value to its code is built for it either)."""
    dtype = column.dtype
    if is_datetime64_any_dtype(dtype):  # blanks (NaT) empty, the rest by the date format
        column = column.dt.strftime("%Y-%m-%d").fillna("").astype(object)
        defused = False
    elif defused:
        defused = is_object_dtype(dtype) or is_string_dtype(dtype)  # the columns defuse_frame looks at
    if rows is not None and rows > _STREAM_FROM and (is_object_dtype(dtype) or is_string_dtype(dtype)) and \
            _mostly_distinct(column):
        return _Streamed(column.tolist(), defused)
    coded = _exact_codes(column)
    if coded is None:  # a column of mixed or unusual values: cell by cell, with no row merged with another
        values = column.tolist()
        codes = np.arange(len(values), dtype=_small_type(len(values)))
    else:
        codes, values = coded
        codes = _small(np.where(codes < 0, len(values), codes))
    if defused:
        values = defuse_texts(values)
    return codes, _csv_texts([_cell(v) for v in values]) + [""]


def _mostly_distinct(column: pd.Series) -> bool:
    """Whether more than a quarter of the column's first _SAMPLE values differ (answers in each service's own
    words do; ids, names and stock choices repeat)."""
    sample = column.iloc[:_SAMPLE].tolist()
    try:
        return len(set(sample)) * 4 > len(sample)
    except TypeError:  # a value with no hash: the general path takes it cell by cell anyway
        return False


_SAMPLE = 2000
_STREAM_FROM = 1000  # rows: a shorter frame's columns are each formatted whole


def _small_type(largest: int) -> type:
    for kind in (np.int8, np.int16, np.int32):
        if largest <= np.iinfo(kind).max:
            return kind
    return np.int64


def _small(codes: np.ndarray) -> np.ndarray:
    """Codes in as few bytes as they fit: a frame's codes are all held at once (500,000 rows of 16 columns, most of
    them a few distinct values or ten thousand services: 10 MB rather than 64)."""
    return codes.astype(_small_type(int(codes.max(initial=0))), copy=False)


def _exact_codes(column: pd.Series) -> tuple[np.ndarray, list] | None:
    """(codes, distinct values) for a column whose equal values are written alike, blanks coded -1; None for
    any other (in an object column 1 == True == 1.0, and -0.0 == 0.0 in a float one, yet each prints apart)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":  # never blank
        codes, uniques = pd.factorize(column.to_numpy())
        return codes, uniques.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize in (2, 4, 8):
        # Distinct by bit pattern, so that -0.0 is not 0.0 (a long double has no integer of its size: cell by cell).
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
    """Each value as the csv module writes it as one field of a row, converted to text and quoted if need be.

    Text is quoted here as the module quotes it (QUOTE_MINIMAL, quotes doubled): when it holds a comma, a quote
    or a line end; the module reads each character, 0.4 s for the rationale of 1,000 returns written in each
    service's own words. Other values go through the module itself, written as the first of two fields, with
    the empty second one and the line end cut off again. A tested equivalence (tests/test_csv_writer.py).
    The csv module (and so pandas) quotes a field with a line feed but not one with a carriage return alone
    when lines end in "\n"; read back, such a field (a return's text can hold one) splits its row: it is quoted.
    """
    texts = [('"' + v.replace('"', '""') + '"' if "," in v or '"' in v or "\n" in v or "\r" in v else v)
             if type(v) is str else None for v in values]
    others = [i for i, text in enumerate(texts) if text is None]
    if others:
        lines = _Lines()
        csv.writer(lines, lineterminator=LINE_END).writerows((values[i], "") for i in others)
        cut = len(LINE_END) + 1
        for i, line in zip(others, lines):
            text = line[:-cut]
            texts[i] = f'"{text}"' if "\r" in text and text[:1] != '"' else text
    return texts  # type: ignore[return-value]


def write_csvs(collection: Collection, folder: Path) -> list[Path]:
    """The tidy frames as CSV (UTF-8 with BOM for Excel), with formula injection defused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    paths = []
    for name in CSV_FRAMES:
        target = folder / f"{name}.csv"
        frame, texts = (chase_frame(collection), None) if name == "chase" else _frame(frames, name)
        atomic_write(target, lambda tmp, frame=frame, texts=texts: _to_csv(frame, tmp, defused=True, texts=texts))
        paths.append(target)
    plans = collection_plans(collection, frames)
    if plans is not None:  # only for graded frameworks (Progress for Providers): the commissioner's view
        target = folder / f"{PLANS_CSV}.csv"
        atomic_write(target, lambda tmp: _to_csv(plans, tmp, defused=True))
        paths.append(target)
    return paths


def _frame(frames: Frames, name: str) -> tuple[pd.DataFrame, RatingTexts | None]:
    """The frame `name` of `frames` as its CSV is written from it: the ratings without their free texts, and
    those texts to be read back a slice at a time (unless the frame holds them already), or the frame itself."""
    if name == "ratings":
        lean = frames.lean_ratings
        if not set(FREE_TEXTS) & set(lean.columns):
            return lean, frames.rating_texts
    return getattr(frames, name), None


__all__ = ["CSV_FRAMES", "defuse", "write_chase_csv", "write_csvs"]
