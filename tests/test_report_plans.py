"""The commissioner's view in the report (issue 13): for frameworks of graded statements, report.xlsx has a
"Provider plans" sheet, report.html its section and the CSV set provider_plans.csv, each equal to
feedback.provider_plans of the collection's frames; a collection with no graded framework gets none of the three."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import accessibility as a11y
from maturity_xl.collect import Collection, collect
from maturity_xl.csvsafe import defuse_text
from maturity_xl.demo import TODAY, run_demo
from maturity_xl.feedback import plan_matrix, provider_plans, render_provider_plans_html
from maturity_xl.feedback.plans import PLAN_COLUMNS, PLAN_HEADERS
from maturity_xl.report import render_html, write_csvs, write_workbook

GRADED = "progress-for-providers"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    for _line in run_demo(out):
        pass
    return out


@pytest.fixture(scope="module")
def graded(demo_dir) -> Collection:
    manifests = sorted((demo_dir / "mailmerge").glob("*/manifest.csv"))
    return collect([demo_dir / "returns"], expected=manifests, today=TODAY)


@pytest.fixture(scope="module")
def ungraded(demo_dir) -> Collection:
    return collect([demo_dir / "returns" / "lincolnshire", demo_dir / "returns" / "coventry-warwickshire"],
                   today=TODAY)


@pytest.fixture(scope="module")
def written(graded, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_workbook(graded, out / "report.xlsx")
    write_csvs(graded, out / "csv")
    return out


@pytest.fixture(scope="module")
def plans(graded) -> pd.DataFrame:
    frame = provider_plans(graded.frames())
    assert len(frame) and set(frame.framework_id) == {GRADED}
    return frame


def _cell(value: object) -> object:
    """A plans value as openpyxl reads it back: blanks None, dates datetimes, numbers ints."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time())
    if not isinstance(value, str) and hasattr(value, "__int__"):
        return int(value)
    return value


def test_sheet_equals_provider_plans(written, plans):
    wb = openpyxl.load_workbook(written / "report.xlsx")
    assert "Provider plans" in wb.sheetnames
    assert wb.sheetnames.index("Provider plans") == wb.sheetnames.index("Actions") + 1
    ws = wb["Provider plans"]
    table = ws.tables["tbl_provider_plans"]
    assert table.ref == f"A4:T{4 + len(plans)}"
    assert [ws.cell(4, c + 1).value for c in range(len(PLAN_HEADERS))] == PLAN_HEADERS
    got = [[ws.cell(5 + i, 1 + j).value for j in range(len(PLAN_COLUMNS))] for i in range(len(plans))]
    want = [[_cell(v) for v in row] for row in plans[PLAN_COLUMNS].itertuples(index=False)]
    assert got == want
    # the provider x topic matrix beside the table
    matrix = plan_matrix(plans, GRADED)
    col0 = len(PLAN_COLUMNS) + 2
    header = next(r for r in range(1, 60) if ws.cell(r, col0).value == "Service ID")
    topics = [c for c in matrix.columns if c not in ("service_id", "service_name")]
    assert [ws.cell(header, col0 + 2 + j).value for j in range(len(topics))] == topics
    for i, row in enumerate(matrix.itertuples(index=False)):
        assert ws.cell(header + 1 + i, col0).value == row[0]
        assert [ws.cell(header + 1 + i, col0 + 2 + j).value for j in range(len(topics))] == \
            [_cell(v) for v in row[2:]]
    assert [str(v) for v in a11y.check_all(written / "report.xlsx")] == []


def test_html_section_equals_provider_plans(graded, plans):
    page = render_html(graded)
    section = render_provider_plans_html(plans, frameworks=graded.registry.get, level=2)
    assert section and section in page
    assert page.index("Provider plans: Progress for Providers") < page.index("<h2>Actions</h2>")


def test_csv_equals_provider_plans(written, plans):
    path = written / "csv" / "provider_plans.csv"
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == PLAN_COLUMNS and len(back) == len(plans)

    def text(value: object) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, date):
            return value.strftime("%Y-%m-%d")
        return defuse_text(value) if isinstance(value, str) else str(value)

    for column in PLAN_COLUMNS:
        assert back[column].tolist() == [text(v) for v in plans[column].astype(object)], column


def test_csv_defuses_returned_text(graded, tmp_path):
    """A provider's action that a spreadsheet would run as a formula is written with an apostrophe."""
    responses = list(graded.responses)
    i, resp = next((i, r) for i, r in enumerate(responses) if r.framework_id == GRADED and r.actions)
    action = resp.actions[0]
    hostile = replace(action, values={**action.values, "action": "=HYPERLINK(\"http://x\",\"y\")"})
    responses[i] = replace(resp, actions=[hostile, *resp.actions[1:]])
    changed = Collection(responses, graded.log, graded.expected, graded.registry, TODAY)
    write_csvs(changed, tmp_path)
    back = pd.read_csv(tmp_path / "provider_plans.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    mine = back[(back.file == resp.file) & (back.topic_id == action.statement_id)]
    assert mine.action.tolist() == ["'=HYPERLINK(\"http://x\",\"y\")"]


def test_no_graded_framework_no_plans(ungraded, tmp_path):
    assert len(provider_plans(ungraded.frames())) == 0
    write_workbook(ungraded, tmp_path / "report.xlsx")
    paths = write_csvs(ungraded, tmp_path / "csv")
    assert "Provider plans" not in openpyxl.load_workbook(tmp_path / "report.xlsx").sheetnames
    assert "Provider plans" not in render_html(ungraded)
    assert "provider_plans.csv" not in [p.name for p in paths]
    assert not (tmp_path / "csv" / "provider_plans.csv").exists()
