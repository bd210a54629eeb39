"""The ratings' free texts (rationale and evidence) are not held by the frames the reports read: the Text sheet and
ratings.csv read them back from the collection's spill file a chunk of rows at a time (Frames.rating_texts), and
give what the same reports give from texts held in memory, byte for byte, hostile texts included;
`collection.frames().ratings` still has every column."""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import replace
from datetime import date

import numpy as np
import openpyxl
import pandas.testing as pdt
import pytest

from conftest import PINNED
from maturity_xl.batch import Template
from maturity_xl.collect import Collection, SpilledResponses, collect
from maturity_xl.collect.spill import has_text, packed
from maturity_xl.csvsafe import defuse_texts
from maturity_xl.frames import FREE_TEXTS, LEAN_RATING_COLUMNS, RATING_COLUMNS, RatingTexts
from maturity_xl.generate import Service
from maturity_xl.outputs import write_reports
from maturity_xl.report import csv as csv_writer
from maturity_xl.report import xlsx_detail
from maturity_xl.response import Rating, Response
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.spec import load_framework
from maturity_xl.texts import _has_text
from workbook_helpers import returns_of_every_framework

TODAY = date(2026, 11, 22)
# Formula prefixes behind every kind of invisible character, Excel's own escapes, markup, quoting, line breaks and
# blanks: each must reach the Text sheet and ratings.csv exactly as it does from texts held in memory.
HOSTILE = ["=HYPERLINK(\"https://evil.example/\",\"x\")", "_x0000_=HYPERLINK(\"https://evil.example/\")",
           "\u200b=1+1", "\ufeff@SUM(A1:A2)", "\t=1+1", "\r=2+2", "-3+4", "+1", " leading and trailing ",
           "a & b < c > d", "quote \" and, comma", "two\nlines", "carriage\ronly", "sep\u2028arated", "   ",
           "_x000D_ escaped", "emoji \U0001F600", "x" * 5000, ""]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """Returns of every bundled framework in their services' own words, from complete to nearly blank, and one
    whose every rationale and evidence is a hostile text."""
    import corpus

    folder = tmp_path_factory.mktemp("texts")
    rng = random.Random(5)
    returns_of_every_framework(folder, rng, (1.0, 0.8, 0.3, 0.1), own_words=True)
    fw = load_framework("coventry-warwickshire")
    blank = Template(fw, generated_at=PINNED).personalise(Service("hostile", "Hostile texts"))
    answers = random_answers(fw, rng, completion=1.0, completed_on=date(2026, 10, 9))
    ids = [s.id for s in fw.statements]
    answers = replace(answers, rationale={sid: HOSTILE[i % len(HOSTILE)] for i, sid in enumerate(ids)},
                      evidence={sid: HOSTILE[(i + 5) % len(HOSTILE)] for i, sid in enumerate(ids)})
    (folder / "hostile.xlsx").write_bytes(filled_workbook(fw, blank, answers))
    made = corpus.case_free_text_injection()
    (folder / f"corpus-{made.name}").write_bytes(made.data)
    return folder


@pytest.fixture(scope="module")
def spilled(inbox):
    return collect([inbox], today=TODAY, workers=1)


def _held(collection: Collection) -> Collection:
    """The same collection with its responses held in memory (no spill file): its frames hold their texts."""
    return Collection(list(collection.responses), collection.log, collection.expected, collection.registry,
                      collection.today)


def _written(collection: Collection, folder) -> dict[str, bytes]:
    write_reports(collection, folder / "report.xlsx", folder / "report.html", folder / "csv")
    with zipfile.ZipFile(folder / "report.xlsx") as zf:
        parts = {f"report.xlsx:{name}": zf.read(name) for name in zf.namelist()}
    parts["report.html"] = (folder / "report.html").read_bytes()
    parts.update({f"csv/{p.name}": p.read_bytes() for p in (folder / "csv").iterdir()})
    return parts


@pytest.mark.parametrize("apart", [False, True], ids=["one-process", "page-and-csvs-apart"])
def test_the_reports_read_no_free_text_into_the_frames(inbox, tmp_path, monkeypatch, apart):
    # A graded framework among them: its provider plans are in every report.
    from maturity_xl import outputs_apart

    monkeypatch.setattr(outputs_apart, "APART_FROM", 1 if apart else 10**9)  # what this process builds first too
    collection = collect([inbox / "progress-for-providers-0.xlsx", inbox / "coventry-warwickshire-0.xlsx"],
                         today=TODAY, workers=1)
    frames = collection.frames()
    write_reports(collection, tmp_path / "report.xlsx", tmp_path / "report.html", tmp_path / "csv")
    assert "ratings" not in vars(frames)  # the frame with every text was never built
    assert list(frames.lean_ratings.columns) == LEAN_RATING_COLUMNS
    assert frames.rating_texts._held is None  # read back from the spill file, not kept
    assert (tmp_path / "csv" / "provider_plans.csv").exists()
    texts = collection.frames().ratings  # a library user still gets every column
    assert list(texts.columns) == RATING_COLUMNS
    assert texts.rationale.str.len().sum() > 1000


@pytest.mark.parametrize("slices", [50_000, 7], ids=["as-written", "slices-across-returns"])
def test_the_reports_from_the_spill_equal_those_from_texts_held(spilled, tmp_path, monkeypatch, slices):
    monkeypatch.setattr(csv_writer, "SLICE", slices)
    monkeypatch.setattr(xlsx_detail, "DETAIL_LIMIT", 300)  # the Text sheet cut part of the way through
    a = _written(spilled, tmp_path / "spilled")
    b = _written(_held(spilled), tmp_path / "held")
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []
    assert b"HYPERLINK" in a["csv/ratings.csv"]


def test_the_frames_ratings_from_the_spill_equal_those_held(spilled):
    spill, held = spilled.frames(), _held(spilled).frames()
    pdt.assert_frame_equal(spill.ratings, held.ratings)
    pdt.assert_frame_equal(spill.lean_ratings, held.lean_ratings)
    assert "rationale" in held.ratings and "rationale" not in held.lean_ratings
    np.testing.assert_array_equal(spill.rating_texts.has_text, held.rating_texts.has_text)
    assert spill.rating_texts.has_text.any() and not spill.rating_texts.has_text.all()


def test_hostile_texts_reach_the_text_sheet_and_the_csv_as_typed_defused(spilled, tmp_path):
    write_reports(spilled, tmp_path / "report.xlsx", None, tmp_path / "csv")
    ratings = spilled.frames().ratings
    mine = ratings[ratings.service_id == "hostile"]
    typed = set(mine.rationale) | set(mine.evidence)  # as the parser read them (Excel's escapes undone, trimmed)
    assert {"\x00=HYPERLINK(\"https://evil.example/\")", "\u200b=1+1", "\ufeff@SUM(A1:A2)", "a & b < c > d",
            "x" * 5000} <= typed
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx", read_only=True)["Text"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == "hostile"]
    shown = mine[_has_text(mine.rationale.tolist()) | _has_text(mine.evidence.tolist())]
    assert [(r[3], _unescaped(r[5]), _unescaped(r[6])) for r in rows] == \
        list(zip(shown.statement_id, shown.rationale, shown.evidence))
    import csv

    with open(tmp_path / "csv" / "ratings.csv", encoding="utf-8-sig", newline="") as fh:
        read = [row for row in csv.DictReader(fh) if row["service_id"] == "hostile"]
    assert [row["rationale"] for row in read] == defuse_texts(mine.rationale.tolist())
    assert any(row["rationale"].startswith("'") for row in read)  # a formula prefix defused


def _unescaped(text: str | None) -> str:
    """A cell's text as Excel shows it: its _xHHHH_ escapes undone (openpyxl leaves them)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text or "")


def test_texts_read_back_across_returns_of_any_size():
    """RatingTexts over a spill file whose returns have 0, 3, 0, 5, 1 and 0 ratings: any run of rows, and any
    rows by position, are the texts in the frame's order; has_text is the frames' own rule."""
    store = SpilledResponses()
    sizes = [0, 3, 0, 5, 1, 0]
    rng = random.Random(3)
    rationales, evidence = [], []
    numbers = []
    for k, n in enumerate(sizes):
        rs = [Rating(f"s{i}", "a", rng.choice([None, 1, 2]), rng.choice(["", " ", f"why {k}.{i}", "\t"]),
                     rng.choice(["", f"see {k}.{i}", "\n"])) for i in range(n)]
        rationales += [r.rationale for r in rs]
        evidence += [r.evidence for r in rs]
        numbers.append(store.add(Response(f"{k}.xlsx"), packed(Response(f"{k}.xlsx", ratings=rs))))
    store.keep(numbers)
    flags = np.frombuffer(b"".join(has_text(*store.texts(k)) for k in range(len(sizes))), dtype=np.uint8)
    texts = RatingTexts(flags.astype(bool), spill=store, starts=np.cumsum([0, *sizes]))
    assert (texts.has_text == (_has_text(rationales) | _has_text(evidence))).all()
    total = sum(sizes)
    for start in range(total):
        for stop in range(start + 1, total + 1):
            assert texts.rows(start, stop) == (rationales[start:stop], evidence[start:stop])
    for _ in range(50):
        at = np.array(sorted(rng.sample(range(total), rng.randint(0, total))), dtype=np.int64)
        assert texts.take(at) == ([rationales[i] for i in at], [evidence[i] for i in at])
    # What every reader of the spill file still gets: each response whole, and its lean part without texts.
    assert [len(r.ratings) for r in store] == sizes
    assert [sum(len(c) for c in cols[:4]) for _, cols, _ in store.lean_answers()] == [4 * n for n in sizes]


def test_the_lean_columns_are_the_ratings_but_their_texts():
    assert [c for c in RATING_COLUMNS if c not in FREE_TEXTS] == LEAN_RATING_COLUMNS
    assert FREE_TEXTS == ("rationale", "evidence")
