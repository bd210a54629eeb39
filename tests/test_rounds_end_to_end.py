"""Issue 12's acceptance: two rounds of a programme end to end, through the command line and LibreOffice.

Round 1 is generated, filled (one service through LibreOffice, as a respondent types, the others simulated) and
collected into a store; round 2 is generated with --previous, recalculated by LibreOffice (no error cell, last
time's values equal round 1's answers), filled and collected; the report's changes equal our own computation from
what was typed; export to SQLite and PostgreSQL gives tables equal to the frames.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import uno_fill
from libreoffice import error_cells, recalculated, soffice
from maturity_xl.cli import main
from maturity_xl.layout import ACTIONS, ASSESSMENT, START, Layout, cell
from maturity_xl.model import DONE_WORDS
from maturity_xl.simulate import Filled, filled_workbook, random_answers
from postgres import postgres_url  # noqa: F401  (a fixture: the session's PostgreSQL server)
from test_store import _check_export

pytestmark = pytest.mark.skipif(soffice() is None or not uno_fill.available(),
                                reason="needs LibreOffice and its Python (uno) to fill a workbook as a respondent")

FID = "lincolnshire"
SERVICES = [("LIN001", "Riverside Surgery"), ("LIN002", "Hillcrest Care Home"), ("LIN003", "Northgate Home Care"),
            ("LIN004", "Fenside Practice")]


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.output


def _typed(layout: Layout, answers: Filled) -> dict[str, dict[str, object]]:
    """The cells a respondent types for `answers`, as uno_fill takes them (a date as its serial number)."""
    start, assessment, plan = {}, {}, {}
    for field in layout.respondent:
        value = answers.respondent.get(field.key)
        if value is not None:
            start[cell(field.row, layout.VALUE_COL)] = _serial(value) if isinstance(value, date) else value
    for c in layout.statement_cells:
        for col, value in ((layout.A_RATING, answers.ratings.get(c.statement_id)),
                           (layout.A_RATIONALE, answers.rationale.get(c.statement_id)),
                           (layout.A_EVIDENCE, answers.evidence.get(c.statement_id))):
            if value not in (None, ""):
                assessment[cell(c.row, col)] = value
        for cid, value in answers.actions.get(c.statement_id, {}).items():
            if value is not None:
                plan[cell(c.action_row, layout.action_col(cid))] = _serial(value) if isinstance(value, date) else value
    return {START: start, ASSESSMENT: assessment, ACTIONS: plan}


def _serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def _files(manifest: Path) -> dict[str, Path]:
    with manifest.open(encoding="utf-8") as f:
        return {row["service_id"]: manifest.parent / row["file"] for row in csv.DictReader(f)}


def _fill(fw, files: dict[str, Path], inbox: Path, work: Path, rng: random.Random, year: int,
          layout: Layout, returning: list[str]) -> dict[str, Filled]:
    """Round `year`'s returns in `inbox`: the first service types its answers through LibreOffice, the others are
    simulated; what each filled in, by service id."""
    inbox.mkdir()
    truth = {}
    for i, sid in enumerate(returning):
        answers = random_answers(fw, rng, completed_on=date(year, 10, 1 + i), completion=0.8,
                                 completed_by="A. Patel" if i == 0 else None)
        source = files[sid]
        if i == 0:
            typed, _pdf = uno_fill.fill_and_print(source, _typed(layout, answers), work / f"typed-{year}")
            (inbox / source.name).write_bytes(typed.read_bytes())
        else:
            (inbox / source.name).write_bytes(filled_workbook(fw, source.read_bytes(), answers))
        truth[sid] = answers
    return truth


def _changes(fw, now: dict[str, Filled], last: dict[str, Filled]) -> dict[tuple[str, str], tuple]:
    """Our own computation: for each service in both rounds and area, over the statements rated in both, this
    round's mean, last round's and the change."""
    out = {}
    for sid in sorted(now.keys() & last.keys()):
        for area in fw.areas:
            both = [st.id for st in area.statements
                    if now[sid].ratings.get(st.id) is not None and last[sid].ratings.get(st.id) is not None]
            if not both:
                continue
            this = sum(now[sid].ratings[s] for s in both) / len(both)
            then = sum(last[sid].ratings[s] for s in both) / len(both)
            out[(sid, area.id)] = (len(both), this, then, this - then)
    return out


def test_two_rounds_end_to_end(frameworks, tmp_path, postgres_url):  # noqa: F811
    fw = frameworks[FID]
    services = tmp_path / "services.csv"
    services.write_text("service_id,service_name\n" + "".join(f"{i},{n}\n" for i, n in SERVICES), encoding="utf-8")
    db, out = tmp_path / "programme.db", tmp_path / "out"
    rng = random.Random(2026)

    # Round 1: generated, filled (one through LibreOffice), collected into the store under the round it names.
    _run("generate", FID, "--services", str(services), "--out-dir", str(tmp_path / "sent1"), "--round", "2026")
    sent1 = _files(tmp_path / "sent1" / "manifest.csv")
    first = _fill(fw, sent1, tmp_path / "returns1", tmp_path, rng, 2026, Layout(fw), [s for s, _ in SERVICES[:3]])
    _run("collect", str(tmp_path / "returns1"), "--store", str(db), "-o", str(out / "c1.xlsx"),
         "--expected", str(tmp_path / "sent1" / "manifest.csv"))

    # Round 2: generated with last time's answers; LibreOffice recalculates it with no error cell and shows them.
    _run("generate", FID, "--services", str(services), "--out-dir", str(tmp_path / "sent2"), "--round", "2027",
         "--previous", str(db), "--previous-round", "2026")
    sent2 = _files(tmp_path / "sent2" / "manifest.csv")
    layout = Layout(fw, last_round="2026")
    carried_seen = 0
    for sid in sent2:
        book = openpyxl.load_workbook(recalculated(sent2[sid], tmp_path / "recalc"), data_only=True)
        assert error_cells(book, layout if sid in first else Layout(fw)) == [], sid
        headers = [c.value for c in book[ASSESSMENT][layout.A_HEADER_ROW + 1]]
        if sid not in first:  # no return last time: the plain workbook
            assert not any(isinstance(h, str) and h.startswith("Last time") for h in headers)
            continue
        ws, plan = book[ASSESSMENT], book[ACTIONS]
        for c in layout.statement_cells:
            rating = first[sid].ratings.get(c.statement_id)
            shown = ws.cell(c.row + 1, layout.last_time_col("last_rating") + 1).value
            assert shown == (f"{rating} - {fw.scale.label_of(rating)}" if rating is not None else "Not rated")
            why = ws.cell(c.row + 1, layout.last_time_col("last_rationale") + 1).value
            assert (why or "") == first[sid].rationale.get(c.statement_id, "")
            action = first[sid].actions.get(c.statement_id)
            carried = plan.cell(c.action_row + 1, layout.last_time_col("carried") + 1).value
            assert bool(carried) == bool(action and not _done(fw, action)), c.statement_id
            if carried:
                carried_seen += 1
                what = _by_role(fw, "action")
                assert plan.cell(c.action_row + 1, layout.action_col(what) + 1).value == action[what]

    assert carried_seen > 0

    # Round 2 filled and collected; the report's changes equal our own computation.
    second = _fill(fw, sent2, tmp_path / "returns2", tmp_path, rng, 2027, layout, [s for s, _ in SERVICES[1:]]
                   + [SERVICES[0][0]])
    _run("collect", str(tmp_path / "returns2"), "--store", str(db), "-o", str(out / "c2.xlsx"),
         "--expected", str(tmp_path / "sent2" / "manifest.csv"))
    _run("report", "--store", str(db), "--round", "2027", "--compare", "2026", "-o", str(out / "report.xlsx"),
         "--html", str(out / "report.html"), "--csv-dir", str(out / "csv"))
    expected = _changes(fw, second, first)
    assert len(expected) >= 3 * len(fw.areas) - 2
    table = pd.read_csv(out / "csv" / "changes.csv", dtype={"service_id": str})
    got = {(r.service_id, r.area_id): (r.compared, r.this_mean, r.last_mean, r.change) for r in table.itertuples()}
    assert got.keys() == expected.keys()
    for key, (n, this, then, change) in expected.items():
        assert got[key][0] == n and got[key][1:] == pytest.approx((this, then, change)), key
    rows = [r for r in openpyxl.load_workbook(out / "report.xlsx")["Change"].iter_rows(values_only=True)
            if r[0] in sent2 and isinstance(r[3], int)]
    names = {a.title: a.id for a in fw.areas}
    sheet = {(r[0], names[r[2]]): (r[3], r[4], r[5], r[6]) for r in rows}
    assert sheet.keys() == expected.keys()
    for key, (n, this, then, change) in expected.items():
        assert sheet[key] == (n, pytest.approx(this), pytest.approx(then), pytest.approx(change)), key

    # Export: SQLite and PostgreSQL tables equal the frames.
    counts = dict(per_round=(3, 4), responses=7, set_aside=0)
    url = f"sqlite:///{tmp_path / 'analysis.db'}"
    _check_export(db, url, url, **counts)
    _check_export(db, postgres_url.replace("postgresql+psycopg://", "postgresql://"), postgres_url, **counts)


def _by_role(fw, role: str) -> str:
    return next(c.id for c in fw.action_columns if c.role == role)


def _done(fw, action: dict[str, object]) -> bool:
    return str(action.get(_by_role(fw, "status")) or "").strip().lower() in DONE_WORDS
