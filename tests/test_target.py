"""A target level per statement (spec `rating.target_per_statement`; Lincolnshire opts in): the spec key, the
Assessment's Target dropdown and its words, the Action plan's target and gap, the parser, the frames, the store
and the reports. Filled through LibreOffice as a respondent would, and recalculated by LibreOffice and Gnumeric."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3

import jsonschema
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import uno_fill
from conftest import PINNED, make_spec
from gnumeric import recalculated_sheets, ssconvert
from libreoffice import error_cells
from maturity_xl.cli import main
from maturity_xl.collect import collect
from maturity_xl.errors import SpecError
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.generate.actions import NEXT_LEVEL, TARGET_REACHED, TOP_LEVEL
from maturity_xl.generate.assessment import TARGET_BELOW, TARGET_BLANK, TARGET_BLANK_TOP, TARGET_OFF_SCALE
from maturity_xl.layout import ACTIONS, ASSESSMENT, METADATA, START, Layout, cell
from maturity_xl.parse import parse
from maturity_xl.report import write_csvs
from maturity_xl.report.html import render_html
from maturity_xl.report.xlsx import write_workbook
from maturity_xl.simulate import patch_cells
from maturity_xl.spec import load_framework, parse_spec
from maturity_xl.store import Store
from maturity_xl.store import schema as store_schema
from workbook_helpers import metadata_sections, unlocked_cells, validations_by_cell

TODAY = PINNED.date()

# One statement each, in order: the rating, the target as typed (a number from the dropdown, text, or blank),
# the target the parser reads (None: blank or not used), the target the frames give, the words beside the target
# on the Assessment, the Action plan's target, and the warning the parser gives.
CASES = [
    (2, 4, 4, 4, "Embedding", "4 - Embedding", None),
    (2, None, None, 3, TARGET_BLANK + "3 - Growing", "3 - Growing" + NEXT_LEVEL, None),
    (3, 1, None, 4, TARGET_BELOW, "4 - Embedding" + NEXT_LEVEL, "target-below-rating"),
    (1, "9", None, 2, TARGET_OFF_SCALE, "2 - Emerging" + NEXT_LEVEL, "target-invalid"),
    (5, None, None, 5, TARGET_BLANK_TOP, TOP_LEVEL, None),
    (3, 3, 3, 3, "Growing", TARGET_REACHED, None),
    (0, "5 - Thriving", 5, 5, "Thriving", "5 - Thriving", "target-text"),
    (None, 4, 4, 4, "Embedding", "", None),  # a target and no rating yet: no gap to show
]


@pytest.fixture(scope="module")
def lincs():
    return load_framework("lincolnshire")


def _cells(lay: Layout) -> dict[str, dict[str, object]]:
    """CASES as the cells a respondent fills in: {sheet: {ref: value}}."""
    out: dict[str, object] = {}
    for c, (rating, typed, *_rest) in zip(lay.statement_cells, CASES):
        if rating is not None:
            out[cell(c.row, lay.A_RATING)] = rating
        if typed is not None:
            out[cell(c.row, lay.A_TARGET)] = typed
    return {ASSESSMENT: out}


def _gap(rating, target):
    return None if rating is None else target - rating


# --- the spec --------------------------------------------------------------------------------------------------


def test_the_spec_key_opts_in_and_changes_the_fingerprint_only_then():
    plain = parse_spec(make_spec())
    chosen = parse_spec(make_spec(rating={"mode": "level", "target_per_statement": True}))
    assert not plain.target_per_statement and chosen.target_per_statement
    assert chosen.fingerprint != plain.fingerprint
    assert parse_spec(make_spec(rating={"target_per_statement": False})).fingerprint == plain.fingerprint
    assert Layout(plain).A_TARGET is None and "chosen_target" not in Layout(plain).assessment_column_specs()


@pytest.mark.parametrize("rating, code", [({"target_per_statement": "yes"}, "wrong-type"),
                                          ({"target_per_statement": True, "mode": "descriptor"},
                                           "target-needs-levels")], ids=["not-a-boolean", "descriptor"])
def test_the_spec_key_is_checked(rating, code):
    spec = make_spec(rating=rating)
    if rating.get("mode") == "descriptor":
        levels = [lv["value"] for lv in spec["scale"]["levels"]]
        for area in spec["areas"]:
            for st in area.get("statements", []) + [s for g in area.get("groups", []) for s in g["statements"]]:
                st["descriptors"] = {v: f"Level {v}." for v in levels}
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    assert [(p.code, p.path) for p in info.value.problems] == [(code, "rating.target_per_statement")]


def test_lincolnshire_opts_in_as_version_1_2_and_1_1_is_archived(lincs):
    old = load_framework("lincolnshire", "1.1")
    assert lincs.version == "1.2" and lincs.target_per_statement
    assert not old.target_per_statement and old.fingerprint != lincs.fingerprint
    assert [s.text for s in old.statements] == [s.text for s in lincs.statements]


# --- the workbook ----------------------------------------------------------------------------------------------


def test_the_target_column_is_a_dropdown_beside_the_rating(lincs, generated):
    lay = Layout(lincs)
    assert [c.field for c in lay.assessment_columns][2:6] == ["rating", "level", "chosen_target", "target_level"]
    wb = openpyxl.load_workbook(generated["lincolnshire"])
    ws = wb[ASSESSMENT]
    assert ws[cell(lay.A_HEADER_ROW, lay.A_TARGET)].value == "Target (0-5)"
    by_cell = validations_by_cell(ws)
    unlocked = unlocked_cells(ws)
    for c in lay.statement_cells:
        ref = cell(c.row, lay.A_TARGET)
        assert ref in unlocked and cell(c.row, lay.A_TARGET_LEVEL) not in unlocked
        [dv] = by_cell[ref]
        assert dv.type == "list" and dv.formula1 == '"0,1,2,3,4,5"' and dv.showErrorMessage
        assert dv.errorStyle in (None, "stop")  # None: the default, stop
        assert dv.showInputMessage and len(dv.promptTitle) <= 32 and len(dv.prompt) <= 255
        assert "Leave blank for the next level up" in dv.prompt
    # Recorded in the metadata with its header, so the parser finds the column wherever it is.
    columns = metadata_sections(wb[METADATA])["columns"]
    assert ["column", "chosen_target", ASSESSMENT, "E", "target", "Target (0-5)"] in [row[:6] for row in columns]
    plan = wb[ACTIONS]
    assert plan[cell(lay.P_HEADER_ROW, lay.P_TARGET)].value == "Target (yours, or the next level)"


def test_frameworks_without_targets_have_no_target_column(frameworks, generated):
    for fid in ("coventry-warwickshire", "progress-for-providers"):
        headers = [c.value for c in openpyxl.load_workbook(generated[fid])[ASSESSMENT][Layout.HEADER_ROW + 1]]
        assert not any(str(h).startswith("Target") for h in headers if h), fid


needs_uno = pytest.mark.skipif(not uno_fill.available(), reason="LibreOffice with python3-uno is not installed")


@pytest.fixture(scope="module")
def typed_in_libreoffice(lincs, tmp_path_factory):
    """CASES typed into a Lincolnshire workbook through LibreOffice (UNO), recalculated and saved by it."""
    if not uno_fill.available():
        pytest.skip("LibreOffice with python3-uno is not installed")
    folder = tmp_path_factory.mktemp("target-uno")
    source = folder / "targets.xlsx"
    source.write_bytes(generate_bytes(lincs, service=Service("T1", "Target Practice"), generated_at=PINNED))
    xlsx, _pdf = uno_fill.fill_and_print(source, _cells(Layout(lincs)), folder / "out")
    return xlsx


@needs_uno
def test_libreoffice_shows_each_target_and_gap_with_no_error(lincs, typed_in_libreoffice):
    lay = Layout(lincs)
    wb = openpyxl.load_workbook(typed_in_libreoffice, data_only=True)
    assert error_cells(wb, lay) == []
    assess, plan = wb[ASSESSMENT], wb[ACTIONS]
    for c, (rating, _typed, _read, target, words, plan_words, _code) in zip(lay.statement_cells, CASES):
        assert assess[cell(c.row, lay.A_TARGET_LEVEL)].value == words, c.statement_id
        assert (plan[cell(c.action_row, lay.P_TARGET)].value or "") == plan_words, c.statement_id
        gap = plan[cell(c.action_row, lay.P_GAP)].value
        assert (None if gap in (None, "") else gap) == _gap(rating, target), c.statement_id
    # Statements not in CASES: blank rating, blank target, nothing shown.
    rest = lay.statement_cells[len(CASES)]
    assert assess[cell(rest.row, lay.A_TARGET_LEVEL)].value in (None, "")
    # Before sending, Start here says how many targets will not be used.
    attention = wb[START][cell(lay.attention_row, lay.VALUE_COL)].value
    assert attention.startswith("2 targets need attention"), attention


@needs_uno
@pytest.mark.skipif(ssconvert() is None, reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_recalculates_the_same_gaps(lincs, typed_in_libreoffice, tmp_path):
    lay = Layout(lincs)
    sheets = recalculated_sheets(typed_in_libreoffice, tmp_path)
    plan, assess = sheets[ACTIONS], sheets[ASSESSMENT]
    for c, (rating, _typed, _read, target, words, plan_words, _code) in zip(lay.statement_cells, CASES):
        gap = plan[c.action_row][lay.P_GAP]
        assert (int(gap) if gap else None) == _gap(rating, target), c.statement_id
        assert plan[c.action_row][lay.P_TARGET] == plan_words, c.statement_id
        assert assess[c.row][lay.A_TARGET_LEVEL] == words, c.statement_id


@needs_uno
def test_the_parser_and_frames_read_what_the_workbook_shows(lincs, typed_in_libreoffice, tmp_path):
    lay = Layout(lincs)
    response = parse(typed_in_libreoffice)
    assert not response.rejected, response.problems
    got = {r.statement_id: (r.rating, r.target) for r in response.ratings}
    for c, (rating, _typed, read, *_rest) in zip(lay.statement_cells, CASES):
        assert got[c.statement_id] == (rating, read), c.statement_id
    warned = {(p.code, p.cell) for p in response.problems if p.code.startswith("target")}
    assert warned == {(code, cell(c.row, lay.A_TARGET)) for c, (*_r, code) in zip(lay.statement_cells, CASES)
                      if code}
    # The frames: the target chosen (or the next level up), whether it was chosen, and the gap the workbook shows.
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(typed_in_libreoffice, folder)
    ratings = collect([folder], today=TODAY, workers=1).frames().ratings.set_index("statement_id")
    wb = openpyxl.load_workbook(typed_in_libreoffice, data_only=True)
    for c, (_rating, _typed, read, target, *_rest) in zip(lay.statement_cells, CASES):
        row = ratings.loc[c.statement_id]
        assert (row.target, bool(row.target_chosen)) == (target, read is not None), c.statement_id
        shown = wb[ACTIONS][cell(c.action_row, lay.P_GAP)].value
        assert (None if pd.isna(row.gap) else row.gap) == (None if shown in (None, "") else shown)
    unrated = ratings.loc[lay.statement_cells[len(CASES)].statement_id]
    assert pd.isna(unrated.target) and pd.isna(unrated.gap) and not unrated.target_chosen


# --- parse, JSON, frames, store and reports, from returns filled as Excel stores typed input -------------------


@pytest.fixture(scope="module")
def returns(lincs, tmp_path_factory):
    """Two Lincolnshire returns with CASES' answers (the second with every target blank)."""
    folder = tmp_path_factory.mktemp("target-returns")
    lay = Layout(lincs)
    for sid, keep in (("T1", True), ("T2", False)):
        blank = generate_bytes(lincs, service=Service(sid, f"Service {sid}"), generated_at=PINNED)
        values = {(ASSESSMENT, ref): value for ref, value in _cells(lay)[ASSESSMENT].items()
                  if keep or not ref.startswith("E")}
        (folder / f"{sid}.xlsx").write_bytes(patch_cells(blank, values))
    return folder


def test_parse_json_carries_the_chosen_target(returns):
    from test_parse_json import SCHEMA

    result = CliRunner().invoke(main, ["parse", str(returns / "T1.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert [r["target"] for r in data["ratings"][:len(CASES)]] == [case[2] for case in CASES]
    assert all(r["target"] is None for r in data["ratings"][len(CASES):])


def test_the_store_keeps_the_targets(returns, tmp_path):
    collection = collect([returns], today=TODAY, workers=1)
    expected = collection.frames().ratings
    assert expected["target_chosen"].sum() == sum(case[2] is not None for case in CASES)
    path = tmp_path / "p.db"
    with Store(path) as store:
        store.add(collection, round="2026")
        stored = store.collection("2026", today=TODAY).frames()
        pd.testing.assert_frame_equal(stored.ratings.drop(columns="round"), expected, check_exact=True)
        pd.testing.assert_frame_equal(stored.area_scores().drop(columns="round"), collection.frames().area_scores())


def test_a_store_made_before_targets_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert store_schema.migrate(conn, store_schema.MIGRATIONS[:1]) == 1
    conn.close()
    with Store(path) as store:
        assert store.version == len(store_schema.MIGRATIONS)
        assert "target" in [row[1] for row in store.conn.execute("PRAGMA table_info(ratings)")]


def test_reports_carry_targets_and_gaps(lincs, returns, tmp_path):
    collection = collect([returns], today=TODAY, workers=1)
    frames = collection.frames()
    scores = frames.area_scores()
    first = scores[(scores.service_id == "T1") & (scores.area_id == lincs.areas[0].id)].iloc[0]
    rated = [(case[0], case[3]) for case in CASES if case[0] is not None]  # CASES all fall in the first area
    assert first["mean"] == pytest.approx(sum(r for r, _t in rated) / len(rated))
    assert first["target"] == pytest.approx(sum(t for _r, t in rated) / len(rated))
    # CSV: every rating's target, whether it was chosen, and its gap.
    write_csvs(collection, tmp_path / "csv")
    with open(tmp_path / "csv" / "ratings.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["service_id"] == "T1"]
    assert [(row["target"], row["target_chosen"], row["gap"]) for row in rows[:3]] == \
        [("4", "True", "2"), ("3", "False", "1"), ("4", "False", "1")]
    # report.xlsx: the mean target beside each area's mean, and the data sheet's columns.
    write_workbook(collection, tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    charts = [[c.value for c in row] for row in wb["Charts"].iter_rows()]
    header = next(row for row in charts if row[:4] == ["Area", "Mean of service means", "Services", "Mean target"])
    at = charts.index(header) + 1
    targets = scores[scores.area_id == lincs.areas[0].id]["target"].mean()
    assert charts[at][0] == lincs.areas[0].title and charts[at][3] == pytest.approx(targets)
    data = [c.value for c in wb["Data ratings"][1]]
    assert {"target", "target_chosen", "gap"} <= set(data)
    # report.html: the same figures in a table.
    html = render_html(collection)
    assert "Mean target" in html and "Where services are and where they aim to be" in html


def test_a_return_from_version_1_1_reads_with_the_next_level_as_target(tmp_path):
    old = load_framework("lincolnshire", "1.1")
    lay = Layout(old)
    blank = generate_bytes(old, service=Service("O1", "Old"), generated_at=PINNED)
    first = lay.statement_cells[0]
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "old.xlsx").write_bytes(patch_cells(blank, {(ASSESSMENT, cell(first.row, lay.A_RATING)): 2}))
    response = parse(folder / "old.xlsx")
    assert response.framework_version == "1.1" and not response.problems
    assert response.ratings[0].target is None
    row = collect([folder], today=TODAY, workers=1).frames().ratings.iloc[0]
    assert (row.target, row.target_chosen, row.gap) == (3, False, 1)


def test_targets_are_read_by_header_when_a_column_was_inserted(lincs, returns, tmp_path):
    """A respondent who unprotected the sheet and inserted a column before the rating: the Target column is
    found by its header, like the rating, and each target read from where it is now."""
    wb = openpyxl.load_workbook(returns / "T1.xlsx")
    wb[ASSESSMENT].insert_cols(Layout(lincs).A_RATING + 1)  # openpyxl counts columns from 1
    wb.save(tmp_path / "moved.xlsx")
    response = parse(tmp_path / "moved.xlsx")
    assert [r.target for r in response.ratings[:len(CASES)]] == [case[2] for case in CASES]
    assert "'Target (0-5)' column was expected in column E but is in column F" in \
        " ".join(p.message for p in response.problems if p.code == "column-moved")
