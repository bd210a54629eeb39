"""Action columns by role: the frames and reports take a column's meaning from its `role:` in the spec, never from
its id, and a column added to the action plan in the spec alone goes through generation, LibreOffice, parsing,
the frames and every report."""

from __future__ import annotations

import csv
import random
from datetime import date

import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import PINNED, make_spec
from libreoffice import convert, error_cells, soffice
from maturity_xl.collect import ACCEPTED, Collection, LogEntry, collect
from maturity_xl.frames import ACTION_COLUMNS
from maturity_xl.generate import Service, generate
from maturity_xl.layout import ACTIONS
from maturity_xl.parse import Registry, parse
from maturity_xl.report import render_html, write_csvs, write_html, write_workbook
from maturity_xl.report.xlsx import ACTION_HEADERS, UNRATED_LAST
from maturity_xl.response import Action, Rating, Response
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.spec import parse_spec, specs_dir
from workbook_helpers import validations_by_cell

TODAY = date(2026, 11, 22)
PAST, FUTURE = date(2026, 10, 1), date(2027, 2, 1)
# Ids that used to be guessed wrong: a status column not called "status", a deadline whose id says "review".
ROLE_COLUMNS = [
    {"id": "todo", "name": "What we will do", "kind": "text", "role": "action"},
    {"id": "owner", "name": "Owner", "kind": "person", "role": "lead"},
    {"id": "review_by", "name": "Review by", "kind": "date", "role": "due"},
    {"id": "check", "name": "Check-in", "kind": "date", "role": "review"},
    {"id": "state", "name": "State", "kind": "choice", "role": "status", "options": ["Open", "Closed"]},
    {"id": "notes", "name": "Notes", "kind": "text"},
]


def _collection(columns: list[dict], actions: list[dict], ratings: dict[str, int | None] | None = None,
                fid: str = "mini") -> Collection:
    fw = parse_spec(make_spec(id=fid, action_plan={"columns": columns}), fid)
    ratings = ratings or {"1.1": 1, "1.2": 2, "2.1": 0}
    areas = {"1.1": "a1", "1.2": "a1", "2.1": "a2"}
    response = Response(file="S1.xlsx", framework_id=fid, framework_version="1.0", service_id="S1",
                        service_name="Riverside", area_ids=("a1", "a2"),
                        ratings=[Rating(sid, areas[sid], value, "", "") for sid, value in ratings.items()],
                        actions=[Action(a.pop("statement"), "a1", a) for a in actions])
    log = [LogEntry("S1.xlsx", ACCEPTED, framework_id=fid, framework_version="1.0", service_id="S1")]
    return Collection([response], log, None, Registry([fw]), TODAY)


@pytest.fixture(scope="module")
def by_role() -> Collection:
    return _collection(ROLE_COLUMNS, [
        {"statement": "1.1", "todo": "Finished already", "owner": "Ann", "review_by": PAST, "check": PAST,
         "state": "Closed"},
        {"statement": "1.2", "todo": "Still going", "owner": "Bo", "review_by": PAST, "state": "Open",
         "notes": "Waiting for funding"},
        {"statement": "2.1", "todo": "Nobody leads this", "owner": None, "review_by": FUTURE, "check": FUTURE}])


def _by_statement(series) -> dict[str, object]:
    """A column of the actions frame by statement id, a missing value read as None."""
    return {k: None if pd.isna(v) else v for k, v in series.items()}


def test_roles_not_ids_fill_the_actions_frame(by_role):
    actions = by_role.frames().actions
    assert list(actions.columns) == ACTION_COLUMNS
    got = actions.set_index("statement_id")
    assert _by_statement(got.action) == {"1.1": "Finished already", "1.2": "Still going", "2.1": "Nobody leads this"}
    assert _by_statement(got.lead) == {"1.1": "Ann", "1.2": "Bo", "2.1": None}
    assert _by_statement(got.deadline) == {"1.1": PAST, "1.2": PAST, "2.1": FUTURE}  # the "review_by" column: due
    assert _by_statement(got.review_date) == {"1.1": PAST, "1.2": None, "2.1": FUTURE}  # the "check" column: review
    assert _by_statement(got.status) == {"1.1": "Closed", "1.2": "Open", "2.1": None}  # the "state" column: status
    assert got.priority.isna().all()
    assert _by_statement(got.details) == {"1.1": "", "1.2": "Notes: Waiting for funding", "2.1": ""}
    # Past due and closed is done, not overdue; past due and open is overdue; the future never is.
    assert _by_statement(got.overdue) == {"1.1": False, "1.2": True, "2.1": False}
    assert _by_statement(got.ownerless) == {"1.1": False, "1.2": False, "2.1": True}


def test_columns_without_roles_are_details_and_flag_nothing():
    columns = [{k: v for k, v in c.items() if k != "role"} for c in ROLE_COLUMNS]
    collection = _collection(columns, [{"statement": "1.1", "todo": "Do it", "owner": None, "review_by": PAST,
                                        "state": "Open"}])
    (row,) = collection.frames().actions.to_dict("records")
    assert (row["action"], row["lead"], row["deadline"], row["status"]) == (None, None, None, None)
    assert row["details"] == "What we will do: Do it; Review by: 2026-10-01; State: Open"
    assert (row["overdue"], row["ownerless"]) == (False, False)


def test_the_reports_list_every_role_and_flag_by_role(by_role, tmp_path):
    write_workbook(by_role, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Actions"]
    assert [c.value for c in ws[4]] == ACTION_HEADERS
    assert ACTION_HEADERS[5:] == ["Action", "Lead", "Deadline", "Review date", "Status", "Priority", "Details",
                                  "Flag"]
    rows = [dict(zip(ACTION_HEADERS, (c.value for c in row))) for row in ws.iter_rows(min_row=5)]
    assert {r["Action"]: (r["Status"], r["Flag"]) for r in rows} == {
        "Finished already": ("Closed", None), "Still going": ("Open", "Overdue"),
        "Nobody leads this": (None, "No lead")}
    page = render_html(by_role)
    overdue = page.split("<h3>Overdue actions</h3>")[1].split("<h3>")[0]
    assert "Still going" in overdue and "Finished already" not in overdue
    assert "<th>Deadline</th><th>Status</th>" in overdue


def test_unrated_statements_are_listed_last_as_in_the_frames(tmp_path):
    """The frames keep a statement nobody rated (rated 0, no mean, last); so does the Statements sheet, and it
    says so; the page's weakest statements are the rated ones."""
    collection = _collection(ROLE_COLUMNS, [], ratings={"1.1": 1, "1.2": 3, "2.1": None})
    stats = collection.frames().statement_stats()
    assert list(stats.statement_id) == ["1.1", "1.2", "2.1"] and stats.rated.tolist() == [1, 1, 0]
    write_workbook(collection, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Statements"]
    assert ws["A2"].value == UNRATED_LAST
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Statement ID")
    names = [c.value for c in ws[header]]
    listed = [[c.value for c in row] for row in ws.iter_rows(min_row=header + 1) if row[0].value]
    assert [row[0] for row in listed] == list(stats.statement_id)
    last = dict(zip(names, listed[-1]))
    assert (last["Rated"], last["Mean"]) == (0, None)
    weakest = render_html(collection).split("<h3>Weakest statements</h3>")[1]
    assert "First." in weakest and "Second." in weakest and "Third." not in weakest


# The acceptance test of issue 10: a column added to the action plan by changing the spec alone.

RAG = {"id": "rag", "name": "RAG status", "kind": "choice", "role": "status", "options": ["Red", "Amber", "Green"]}


def _rag_framework():
    data = yaml.safe_load((specs_dir() / "coventry-warwickshire.yaml").read_text(encoding="utf-8"))
    data["action_plan"]["columns"].append(RAG)
    # A new version, as for any change to the workbook: parse.py caches a spec's layout by id, version and
    # fingerprint, and the fingerprint does not cover action columns, so a same-version variant would share it.
    data["version"] = "2.1"
    return parse_spec(data, "coventry-warwickshire with a RAG status")


def _formula_values(path, formulas) -> dict[tuple[str, str], object]:
    """Every formula cell's value as stored in `path`, blank read as ""."""
    values = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in formulas:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    value = values[ws.title][c.coordinate].value
                    out[ws.title, c.coordinate] = "" if value is None else value
    return out


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_a_rag_status_column_added_in_the_spec_alone(tmp_path):
    fw = _rag_framework()
    assert fw.action_columns[-1].role == "status" and fw.role_columns()["status"] == "rag"
    registry = Registry([fw])
    blank = tmp_path / "blank.xlsx"
    generate(fw, blank, service=Service("S001", "Riverside Practice"), generated_at=PINNED)

    # Generation: the new column is an input with its own dropdown on every statement's row.
    actions_sheet = openpyxl.load_workbook(blank)[ACTIONS]
    header = next(c for row in actions_sheet.iter_rows() for c in row if c.value == "RAG status")
    covered = [actions_sheet[ref] for ref, dvs in validations_by_cell(actions_sheet).items()
               if any(dv.type == "list" and dv.formula1 == '"Red,Amber,Green"' for dv in dvs)]
    assert {c.column for c in covered} == {header.column} and len(covered) == len(fw.statements)

    # A filled return: every action gets a RAG status; three with chosen deadlines and colours.
    filled = random_answers(fw, random.Random(10), completion=1.0, bias=0.2, completed_on=TODAY)
    chosen = dict(zip(sorted(filled.actions), [("Red", PAST), ("Green", PAST), ("Amber", FUTURE)]))
    assert len(chosen) == 3
    for sid, values in filled.actions.items():
        values["rag"], values["deadline"] = chosen.get(sid, (values["rag"], values["deadline"]))
    returned = tmp_path / "returned.xlsx"
    returned.write_bytes(filled_workbook(fw, blank.read_bytes(), filled))

    # LibreOffice recalculates both: the blank's cached values are its own, and the filled one has no errors.
    lo_blank, lo_returned = convert([blank, returned], "xlsx", tmp_path / "lo", recalc=True)
    formulas = [ws for ws in openpyxl.load_workbook(blank) if ws.sheet_state == "visible"]
    cached = _formula_values(blank, formulas)
    assert len(cached) > 100 and cached == _formula_values(lo_blank, formulas)
    assert error_cells(openpyxl.load_workbook(lo_returned, data_only=True)) == []

    # Parsing LibreOffice's copy reads every RAG status back.
    response = parse(lo_returned, registry=registry)
    assert not [p for p in response.problems if p.severity != "warning"], response.problems
    assert {a.statement_id: a.values.get("rag") for a in response.actions} == \
        {sid: values["rag"] for sid, values in filled.actions.items()}

    # The frames and every report take the status from the RAG column, by its role.
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "riverside.xlsx").write_bytes(lo_returned.read_bytes())
    collection = collect([folder], registry=registry, today=TODAY, workers=1)
    assert [e.status for e in collection.log] == [ACCEPTED]
    actions = collection.frames().actions.set_index("statement_id")
    assert actions.status.to_dict() == {sid: values["rag"] for sid, values in filled.actions.items()}
    assert actions.overdue.to_dict() == {sid: values["deadline"] < TODAY for sid, values in filled.actions.items()}
    assert [actions.overdue[sid] for sid in chosen] == [True, True, False]  # Red and Green past due: not done
    assert not actions.details.str.contains("RAG status").any()
    write_workbook(collection, tmp_path / "report.xlsx")
    write_html(collection, tmp_path / "report.html")
    (actions_csv,) = [p for p in write_csvs(collection, tmp_path / "csv") if p.name == "actions.csv"]
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx")["Actions"]
    status = ACTION_HEADERS.index("Status") + 1
    shown = {row[3].value: row[status - 1].value for row in sheet.iter_rows(min_row=5)}
    assert shown == actions.status.to_dict()
    with open(actions_csv, newline="", encoding="utf-8-sig") as fh:
        assert {r["statement_id"]: r["status"] for r in csv.DictReader(fh)} == actions.status.to_dict()
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    overdue = page.split("<h3>Overdue actions</h3>")[1].split("<h3>")[0]
    red, green, amber = chosen
    assert f"<td>{red}</td>" in overdue and f"<td>{green}</td>" in overdue and f"<td>{amber}</td>" not in overdue
