"""report.csv's writer, which formats each distinct value of a column once, against the plain cell-by-cell writer it
replaced (every text cell through defuse_text, every row through csv.writer): the same bytes for hostile frames of
every dtype a frame can hold."""

from __future__ import annotations

import csv
import io
import os
import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from maturity_xl.csvsafe import defuse_text
from maturity_xl.report import csv as report_csv

TEXTS = ["plain", "", " ", "=1+1", "+2", "-3", "@SUM(A1)", "\tTab", "\rCR", "\x00=HYPERLINK(1)", "_x0000_=2",
         "\u200b-4", "\uff1d5", "\u3164=6", "_x003D_7", "a,b", 'say "hi"', "line\nbreak", "cr\rinside", "crlf\r\n",
         "trailing,", '"', ",", "\u00e9t\u00e9 \u2013 ok", "\u2028sep", "'=already", "#REF!", "9 ok", "x" * 300]
BLANKS = [None, float("nan"), pd.NA, pd.NaT]


def _reference(frame: pd.DataFrame, defused: bool) -> bytes:
    """The writer report.csv had before: defuse every text cell of an object or string column, then write each
    row through csv.writer, blanks empty and datetimes by the date format."""
    from pandas.api.types import is_datetime64_any_dtype, is_object_dtype, is_string_dtype

    def cell(v):
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            return ""
        return v.strftime("%Y-%m-%d") if isinstance(v, datetime) else v

    columns = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if is_datetime64_any_dtype(column.dtype):
            columns.append(column.dt.strftime("%Y-%m-%d").fillna("").tolist())
            continue
        values = column.tolist()
        if defused and len(frame) and (is_object_dtype(column.dtype) or is_string_dtype(column.dtype)):
            values = [defuse_text(v) for v in values]
        columns.append([cell(v) for v in values])
    # Rows written with "\r\n" as the csv module's line end, so that it quotes a field with a carriage return
    # alone as well as one with a line feed, then ended by the platform's line end, as report.csv does.
    out = io.StringIO(newline="")
    for row in [[str(c) for c in frame.columns], *zip(*columns)]:
        line = io.StringIO(newline="")
        csv.writer(line, lineterminator="\r\n").writerow(row)
        out.write(line.getvalue()[:-2] + os.linesep)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _written(frame: pd.DataFrame, defused: bool, tmp_path) -> bytes:
    path = tmp_path / "out.csv"
    report_csv._to_csv(frame, path, defused=defused)
    return path.read_bytes()


def _hostile_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    pick = lambda pool: [rng.choice(pool) for _ in range(rows)]  # noqa: E731 (a one-line helper)
    floats = [0.0, -0.0, 1.5, 0.1 + 0.2, 1e16, 1e-5, float("inf"), -float("inf"), float("nan"), 3.0]
    mixed = [1, True, 1.0, -0.0, 0.0, "1", "True", None, date(2026, 1, 5), datetime(2026, 1, 5, 12, 30),
             Decimal("NaN"), Decimal("1.10"), np.datetime64("NaT"), np.float64("nan"), np.float64(-0.0),
             np.int64(7), "=1", "a,b", pd.NA, pd.NaT, float("nan"), pd.Timestamp("2026-02-01"), (1, 2)]
    frame = pd.DataFrame({
        "text": pick(TEXTS + BLANKS),
        "typed": pd.array(pick(TEXTS + [None]), dtype="string"),
        "typed_nan": pd.array(pick(TEXTS + [None]), dtype=pd.StringDtype(na_value=np.nan)),
        "mixed": pick(mixed),
        "all_blank": pick(BLANKS),
        "dates": pick([date(2026, 1, 5), date(1999, 12, 31), None]),
        # equal as instants, written as different days: never merged as one value
        "dates_and_times": pick([date(2026, 1, 1), datetime(2026, 1, 1, 23, tzinfo=UTC),
                                 datetime(2026, 1, 2, 0, tzinfo=timezone(timedelta(hours=1))), None]),
        "floats": pick(floats),
        "float32": np.array(pick(floats), dtype=np.float32),
        "longdouble": np.array(pick(floats), dtype=np.longdouble),
        "ints": pick([0, -2, 3, 10**12]),
        "bools": pick([True, False]),
        "Int64": pd.array(pick([1, -2, None]), dtype="Int64"),
        "UInt8": pd.array(pick([1, 255, None]), dtype="UInt8"),
        "boolean": pd.array(pick([True, False, None]), dtype="boolean"),
        "Float64": pd.array(pick([0.0, -0.0, 2.5, None]), dtype="Float64"),
        "when": pd.to_datetime(pick(["2026-01-05 13:00", None, "1999-12-31 00:00"]), format="%Y-%m-%d %H:%M"),
        "when_tz": pd.to_datetime(pick(["2026-01-05 23:30", None]), format="%Y-%m-%d %H:%M").tz_localize(UTC),
        "category": pd.Categorical(pick(["=cat", "dog", None])),
    })
    frame["a,b"] = frame["text"]  # a column name that needs quoting, and the same name twice
    frame.columns = [*frame.columns[:-1], "text"]
    return frame


@pytest.mark.parametrize("defused", [True, False], ids=["defused", "as-is"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_bytes_as_the_cell_by_cell_writer(seed, defused, tmp_path):
    frame = _hostile_frame(400, seed)
    assert _written(frame, defused, tmp_path) == _reference(frame, defused)


@pytest.mark.parametrize("rows_at_once", [3, 20_000])
def test_a_frame_written_in_slices(tmp_path, monkeypatch, rows_at_once):
    # Each slice is worked out as a frame of its own (its own codes and joined pieces): the same bytes.
    monkeypatch.setattr(report_csv, "SLICE", 7)
    monkeypatch.setattr(report_csv, "ROWS_AT_ONCE", rows_at_once)
    frame = _hostile_frame(50, 9)
    assert _written(frame, True, tmp_path) == _reference(frame, True)
    assert _written(frame.iloc[:14], False, tmp_path) == _reference(frame.iloc[:14], False)  # slices end at the end
    one = pd.DataFrame({"only": ["", "x", None, "a,b", "=1", "", "", "y", None]})
    assert _written(one, True, tmp_path) == _reference(one, True)


def test_a_frame_longer_than_one_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(report_csv, "ROWS_AT_ONCE", 7)
    frame = _hostile_frame(50, 4)
    assert _written(frame, True, tmp_path) == _reference(frame, True)
    assert _written(frame.iloc[:14], True, tmp_path) == _reference(frame.iloc[:14], True)  # chunks end at the end


@pytest.mark.parametrize("rows_at_once", [7, 20_000])
def test_columns_of_mostly_distinct_values_are_streamed_to_the_same_bytes(tmp_path, monkeypatch, rows_at_once):
    # Every column with more than a quarter as many distinct values as rows is written a chunk at a time (the
    # mixed column, the texts, the floats): first, middle and last pieces, blanks, defused and quoted text.
    monkeypatch.setattr(report_csv, "_STREAM_FROM", 1)
    monkeypatch.setattr(report_csv, "ROWS_AT_ONCE", rows_at_once)
    streamed = []
    real = report_csv._Streamed.encoded
    monkeypatch.setattr(report_csv._Streamed, "encoded",
                        lambda self, a, b: streamed.append(self.head + "|" + self.tail) or real(self, a, b))
    for seed in (5, 6):
        frame = _hostile_frame(12, seed)
        frame.insert(0, "first", [f"=own {i}" if i % 3 else None for i in range(12)])
        frame["last"] = [f'row {i}, "quoted"\n' for i in range(12)]
        for defused in (True, False):
            assert _written(frame, defused, tmp_path) == _reference(frame, defused)
    assert {"|", ",|", ",|" + os.linesep} <= set(streamed)  # a first, a middle and a last column were streamed


def test_answers_that_all_differ_are_streamed(tmp_path):
    # Each service's own words, as a collection of thousands holds them: written as before, a chunk at a time.
    rng = random.Random(7)
    rows = 5000
    frame = pd.DataFrame({"service_id": [f"S{i // 50:04d}" for i in range(rows)],
                          "rationale": [f"{rng.choice(TEXTS)} note {i}" if i % 11 else None for i in range(rows)],
                          "rating": [i % 6 for i in range(rows)]})
    assert isinstance(report_csv._fields(frame["rationale"], True, rows), report_csv._Streamed)
    assert not isinstance(report_csv._fields(frame["service_id"], True, rows), report_csv._Streamed)
    assert _written(frame, True, tmp_path) == _reference(frame, True)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"only": ["", "x", None, "a,b", "=1"]}),
    pd.DataFrame({"": ["", ""]}),
    pd.DataFrame({"only": pd.array(["", None], dtype="string")}),
    pd.DataFrame(index=range(3)),
    pd.DataFrame({"a": [], "b": []}),
    pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype="string")}),
    pd.DataFrame({1: [1, 2], 2.5: ["x", "y"], None: ["=z", ""]}),
], ids=["one-column", "one-empty-name", "one-typed", "no-columns", "no-rows", "no-rows-typed", "odd-names"])
def test_edge_shapes(frame, tmp_path):
    for defused in (True, False):
        assert _written(frame, defused, tmp_path) == _reference(frame, defused)


def test_defused_cells_read_back_with_their_apostrophe(tmp_path):
    # Not the texts with a carriage return but no line feed: Python 3.11's csv module (as pandas) leaves such a
    # field unquoted when lines end in "\n", so a reader splits the row there; the bytes stay as they were.
    texts = [t for t in TEXTS if "\r" not in t.replace("\r\n", "")]
    frame = pd.DataFrame({"text": texts, "n": range(len(texts))})
    path = tmp_path / "out.csv"
    report_csv._to_csv(frame, path, defused=True)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == [defuse_text(t) for t in texts]
    assert rows[1 + texts.index("\x00=HYPERLINK(1)")][0] == "'\x00=HYPERLINK(1)"


def test_columns_that_go_together_are_written_as_one_piece(tmp_path):
    # A service's id, name and file repeat together on each of its rows: the writer joins them into one piece per
    # service; the bytes must not change for it.
    rng = random.Random(5)
    services = [(f"S{i}", rng.choice(TEXTS), f"/returns/{i},{rng.choice(TEXTS)}.xlsx", rng.choice(BLANKS))
                for i in range(12)]
    rows = [(*rng.choice(services), rng.choice(TEXTS), rng.choice([1, 2, None])) for _ in range(600)]
    frame = pd.DataFrame(rows, columns=["service_id", "service_name", "file", "blank", "rationale", "rating"])
    frame["rating"] = frame["rating"].astype("Int64")
    columns = [report_csv._fields(frame.iloc[:, i], True) for i in range(frame.shape[1])]
    assert len(report_csv._pieces(columns, len(frame))) < frame.shape[1]
    assert _written(frame, True, tmp_path) == _reference(frame, True)
    assert _written(frame, False, tmp_path) == _reference(frame, False)


def test_change_csvs_write_what_pandas_writes(tmp_path):
    # report.csv_changes writes through report.csv's writer what it used to write with pandas' to_csv (no date
    # format): the same bytes for columns of text, whole numbers, floats of every kind, and booleans.
    from maturity_xl.csvsafe import defuse_frame
    from maturity_xl.report import csv_changes

    # pandas leaves a field with a carriage return alone unquoted (see the test below); ours quotes it
    PANDAS_SAFE = [t for t in TEXTS if "\r" not in t.replace("\r\n", "")]
    rng = np.random.default_rng(7)
    odd = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e16, 9999999999999998.0, 1e-4, 9.9999e-5, 0.1 + 0.2, 2.675,
           123456789012345.6]
    floats = np.concatenate([rng.normal(0, 1, 300), rng.normal(0, 1e-6, 100) * 10.0 ** rng.integers(-30, 30, 100),
                             rng.integers(-5, 5, 100) / 4, odd])
    n = len(floats)
    frame = pd.DataFrame({
        "service_id": pd.array([rng.choice(PANDAS_SAFE + [None]) for _ in range(n)], dtype="string"),
        "compared": rng.integers(-3, 10**6, n), "mean": floats, "change": floats[::-1].copy(),
        "flag": rng.integers(0, 2, n).astype(bool), "count": rng.integers(0, 255, n).astype(np.uint8),
        "round": pd.array([rng.choice(["2026", "=2027", "2025-26"]) for _ in range(n)], dtype="string"),
    })
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    csv_changes._write(frame, ours)
    defuse_frame(frame).to_csv(theirs, index=False, encoding="utf-8-sig")
    assert ours.read_bytes() == theirs.read_bytes()
    for column, values in (("when", pd.to_datetime(["2026-01-05 13:00"] * n)),  # pandas' own way with these
                           ("single", floats.astype(np.float32))):
        csv_changes._write(frame.assign(**{column: values}), ours)
        defuse_frame(frame.assign(**{column: values})).to_csv(theirs, index=False, encoding="utf-8-sig")
        assert ours.read_bytes() == theirs.read_bytes(), column


def test_a_carriage_return_alone_does_not_split_its_row(tmp_path):
    """The csv module leaves a field with a lone CR unquoted when lines end in LF (pandas too); read back, the
    row split in two. A return's text can hold one (`_x000D_`, or pasted from an old Mac file)."""
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": ["one\rtwo", "=1\r", "plain"], "n": [1, 2, 3]})
    path = tmp_path / "cr.csv"
    report_csv._to_csv(frame, path, defused=True)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["id", "text", "n"], ["a", "one\rtwo", "1"], ["b", "'=1\r", "2"], ["c", "plain", "3"]]
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["text"].tolist() == ["one\rtwo", "'=1\r", "plain"]


def test_the_provider_plans_csv_defuses_as_every_other_csv(tmp_path):
    from maturity_xl.feedback import write_provider_plans_csv

    hidden = ["\u200b=HYPERLINK(\"http://x\")", "_x0000_=1+1", "\ufeff@SUM(A1)", "\x00-2", "safe"]
    plans = pd.DataFrame({"service_id": ["S1"] * 5, "next_statement": hidden})
    path = write_provider_plans_csv(plans, tmp_path / "provider_plans.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert [v.startswith("'") for v in back["next_statement"]] == [True, True, True, True, False]


def test_text_is_quoted_as_the_csv_module_quotes_it():
    # _csv_texts quotes text itself (the csv module reads it character by character): the same fields, on
    # random text over the characters that matter and some that should not.
    rng = random.Random(11)
    alphabet = [*",\"\r\n\t '=;_x\x00\x1f", "\u2028", "\u0085", "\ufeff", "\u200b", "\U0001f600", "a", "Z", "0"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7))) for _ in range(20_000)]
    lines = io.StringIO(newline="")
    writer = csv.writer(lines, lineterminator="\r\n")  # as _reference: a lone carriage return quoted too
    expected = []
    for value in values:
        lines.seek(0)
        lines.truncate()
        writer.writerow([value, ""])
        expected.append(lines.getvalue()[:-3])
    assert report_csv._csv_texts(values) == expected
    assert report_csv._csv_texts([1.5, 10**20, True, None]) == ["1.5", str(10**20), "True", ""]
