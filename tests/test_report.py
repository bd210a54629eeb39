"""Reports: the consolidated workbook, the HTML page and the CSV exports, from a Collection built in memory.

Returned text is hostile here on purpose: it must stay inert text in every report.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from conftest import make_spec
from maturity_xl import report
from maturity_xl.collect import Collection, Expected, LogEntry
from maturity_xl.parse import Registry
from maturity_xl.report import write_csvs, write_html, write_workbook
from maturity_xl.response import Action, Rating, Response
from maturity_xl.spec import parse_spec

TODAY = date(2026, 11, 22)
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1", "-2", "@SUM(A1)", "http://example.com",
           "<script>alert(1)</script>"]
SHEETS = ["Overview", "Chase", "Scores", "Charts", "Statements", "Actions", "Text", "Missing", "File log",
          "Data ratings", "Data responses", "Data problems"]


def _response(sid: str, name: str, ratings: dict[str, int | None], actions: list[dict] = (),
              text: tuple[str, str] = ("", "")) -> Response:
    areas = {"1.1": "a1", "1.2": "a1", "2.1": "a2"}
    return Response(
        file=f"{sid}.xlsx", framework_id="mini", framework_version="1.0", service_id=sid, service_name=name,
        respondent={"date_completed": date(2026, 11, 1), "organisation": "Org", "completed_by": "Ann"},
        ratings=[Rating(st, areas[st], value, *text) for st, value in ratings.items()],
        actions=[Action(a.pop("statement", "1.1"), "a1", a) for a in actions], area_ids=("a1", "a2"))


@pytest.fixture(scope="module")
def collection() -> Collection:
    registry = Registry([parse_spec(make_spec(), "mini")])
    s1 = _response("S1", "<b>Riverside</b> & Co", {"1.1": 0, "1.2": 3, "2.1": 2},
                   text=(HOSTILE[0], HOSTILE[4]),
                   actions=[{"action": "<script>alert(1)</script>", "lead": "Bo", "due": date(2026, 1, 5),
                             "status": "Not started"},
                            {"action": "=1+1", "lead": None, "due": date(2027, 3, 1),
                             "status": "Not started"},
                            {"action": "Finished", "lead": "Cy", "due": date(2026, 2, 1), "status": "Done",
                             "statement": "1.2"}])
    s2 = _response("S2", "Hillside", {"1.1": 1, "1.2": None, "2.1": 3}, text=("+1", "-2"),
                   actions=[{"action": "@SUM(A1)", "lead": "-2", "due": None, "status": None}])
    s5 = _response("S5", "Not on the list", {"1.1": 2, "1.2": 2, "2.1": None}, text=("@SUM(A1)", HOSTILE[5]))
    log = [LogEntry("S1.xlsx", "accepted", sha256="a" * 64, framework_id="mini", framework_version="1.0",
                    service_id="S1", service_name=s1.service_name),
           LogEntry("S2.xlsx", "accepted with warnings", sha256="b" * 64, framework_id="mini",
                    framework_version="1.0", service_id="S2", warnings=1),
           LogEntry("S5.xlsx", "accepted", sha256="c" * 64, framework_id="mini", framework_version="1.0",
                    service_id="S5"),
           LogEntry("copy of S1.xlsx", "duplicate", "the same bytes as another file", sha256="a" * 64,
                    same_as="S1.xlsx"),
           LogEntry("S2 old.xlsx", "superseded", "the same service returned again later", sha256="d" * 64,
                    framework_id="mini", framework_version="1.0", service_id="S2", same_as="S2.xlsx"),
           LogEntry("=evil.docx", "rejected", "<script>alert(1)</script>", "=HYPERLINK(\"http://evil\")",
                    sha256="e" * 64),
           LogEntry("~$S1.xlsx", "ignored", "an Office lock file")]
    expected = [Expected("mini", "1.0", sid, f"Service {sid}", f"{sid.lower()}@example.com", f"{sid}.xlsx")
                for sid in ("S1", "S2", "S3", "S4")]
    return Collection([s1, s2, s5], log, expected, registry, TODAY)


@pytest.fixture(scope="module")
def outputs(collection, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    write_workbook(collection, folder / "report.xlsx")
    write_html(collection, folder / "report.html")
    csvs = write_csvs(collection, folder / "csv")
    return folder, csvs


@pytest.fixture(scope="module")
def wb(outputs):
    return openpyxl.load_workbook(outputs[0] / "report.xlsx")


def _cells(ws):
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def _find(ws, value):
    return next(c for c in _cells(ws) if c.value == value)


def test_sheets(wb):
    assert wb.sheetnames == SHEETS


def test_hostile_text_is_inert_text(wb, outputs):
    found = set()
    for ws in wb.worksheets:
        assert not ws._hyperlinks, ws.title
        for cell in _cells(ws):
            if cell.data_type == "f":  # the report's own formulas: the colours said in words, and nothing else
                assert cell.value.startswith("=IF("), cell.value
                assert not any(h in cell.value for h in HOSTILE if len(h) > 2), cell.value
                continue
            if cell.value in HOSTILE or str(cell.value).startswith(("=", "@", "+")):
                assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                found.add(cell.value)
    assert found >= set(HOSTILE) - {"-2"} | {"=1+1", "=evil.docx"}
    with zipfile.ZipFile(outputs[0] / "report.xlsx") as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name).decode()
                assert "<hyperlink" not in xml, name
                assert all(f.startswith("IF(") for f in re.findall(r"<f>([^<]*)</f>", xml)), name


def test_overview_counts_add_up(wb, collection):
    ws = wb["Overview"]
    top = _find(ws, "Files handed in").row + 2
    counts = {}
    for row in ws.iter_rows(min_row=top, max_col=2, values_only=True):
        if row[0] == "Total":
            total = row[1]
            break
        counts[row[0]] = row[1]
    assert counts == collection.counts()
    assert sum(counts.values()) == total == len(collection.log)
    header = _find(ws, "Returns per framework").row + 1
    names = [c.value for c in ws[header]]
    mini = dict(zip(names, [c.value for c in ws[header + 1]]))
    assert mini["Framework"] == "mini" and mini["Title"] == "Mini framework"
    assert (mini["Expected"], mini["Received"], mini["Missing"]) == (4, 3, 2)
    assert mini["Duplicates"] == 1 and mini["Superseded"] == 1  # the duplicate is counted under its original
    assert _find(ws, report.NOT_A_LEAGUE_TABLE)


def test_heatmap_equals_area_scores(wb, collection):
    ws = wb["Scores"]
    header = _find(ws, "Service ID").row
    columns = {c.value: c.column for c in ws[header] if c.value}
    scores = collection.frames().area_scores()
    titles = {"a1": "Area one", "a2": "Area two"}
    rows = {ws.cell(r, 1).value: r for r in range(header + 1, header + 4)}
    assert set(rows) == {"S1", "S2", "S5"}
    for item in scores.itertuples(index=False):
        value = ws.cell(rows[item.service_id], columns[titles[item.area_id]]).value
        assert value == pytest.approx(item.mean) if item.rated else value is None
    assert ws.cell(rows["S2"], columns["Rated"]).value == 2
    assert ws.cell(rows["S2"], columns["Total"]).value == 3
    assert ws.conditional_formatting  # the colour scale, with the numbers in the cells
    # The mean is the cell's number; its format shows the statements rated / in the area beside it.
    assert ws.cell(rows["S2"], columns["Area one"]).number_format == '0.0" (1/2)"'
    assert ws.cell(rows["S1"], columns["Overall mean"]).number_format == "0.0"


def test_statements_weakest_first_with_level_headers(wb):
    ws = wb["Statements"]
    header = _find(ws, "Statement ID").row
    names = [c.value for c in ws[header] if c.value]
    assert names == ["Statement ID", "Area", "Statement", "0 \u2013 None", "1 \u2013 Some", "2 \u2013 Most",
                     "3 \u2013 All", "Rated", "Mean", "Nearest level"]
    means = [ws.cell(r, len(names) - 1).value for r in range(header + 1, header + 4)]
    assert means == sorted(means) and means[0] == pytest.approx(1.0)


def test_actions_flagged_with_real_dates(wb):
    ws = wb["Actions"]
    header = _find(ws, "Framework").row
    names = [c.value for c in ws[header]]
    rows = [dict(zip(names, (c.value for c in row))) for row in ws.iter_rows(min_row=header + 1)]
    flags = {r["Action"]: r["Flag"] for r in rows}
    assert flags == {"<script>alert(1)</script>": "Overdue", "=1+1": "No lead", "Finished": None,
                     "@SUM(A1)": None}
    overdue = next(row for row in ws.iter_rows(min_row=header + 1) if row[5].value.startswith("<script"))
    deadline = overdue[names.index("Deadline")]
    assert deadline.value == datetime(2026, 1, 5) and deadline.number_format == "dd/mm/yyyy"
    assert overdue[0].fill.fgColor.rgb.endswith("FDD9B5")
    # The flagged actions come first, and are what the sheet prints (the header line says so).
    assert [r["Flag"] for r in rows][:2] in (["Overdue", "No lead"], ["No lead", "Overdue"])
    assert ws.print_area.endswith(f"${header + 2}")
    assert "the 2 flagged" in ws.oddHeader.left.text


def test_excel_tables_for_the_tidy_frames(wb, collection):
    frames = collection.frames()
    names = set()
    for sheet, frame in [("Data ratings", frames.ratings[report.xlsx.DATA_COLUMNS["ratings"]]),
                         ("Data responses", frames.responses)]:
        ws = wb[sheet]
        (name,) = ws.tables
        table = ws.tables[name]
        names.add(name)
        assert [c.name for c in table.tableColumns] == list(frame.columns)
        assert [c.value for c in ws[1]] == list(frame.columns)
        assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(frame.columns))}{len(frame) + 1}"
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=len(frame) + 1)]
        assert [row[frame.columns.get_loc("service_id")] for row in rows] == list(frame.service_id)
    assert len(names) == 2
    # The ratings table leaves out the text that is elsewhere in the workbook (issue 11: no cell no reader needs).
    assert not {"statement", "area", "rationale", "evidence"} & set(report.xlsx.DATA_COLUMNS["ratings"])
    # The log is one table, on the File log sheet: its rows are written once, with readable headers.
    ws = wb["File log"]
    table = ws.tables["tbl_log"]
    assert [c.name for c in table.tableColumns] == list(report.xlsx.LOG_HEADERS.values())
    assert set(report.xlsx.LOG_HEADERS) == set(frames.log.columns)
    assert table.ref == f"A3:Q{3 + len(frames.log)}"
    statuses = [ws.cell(4 + i, 2).value for i in range(len(frames.log))]
    assert statuses == list(frames.log.status)
    # So are the actions, on the Actions sheet (tbl_actions): no Data actions sheet writes them again.
    ws = wb["Actions"]
    table = ws.tables["tbl_actions"]
    assert [c.name for c in table.tableColumns] == report.xlsx.ACTION_HEADERS
    assert table.ref == f"A4:M{4 + len(frames.actions)}"
    ws = wb["Text"]
    assert {c.value for c in _cells(ws)} >= set(HOSTILE)


def test_text_and_missing_sheets(wb):
    text = {c.value for c in _cells(wb["Text"])}
    assert {HOSTILE[0], "http://example.com", "+1", "-2"} <= text
    missing = {c.value for c in _cells(wb["Missing"])}
    assert {"S3", "S4", "S5", "s3@example.com"} <= missing and "S1" not in missing


def test_charts_exist_with_their_numbers(outputs, wb):
    with zipfile.ZipFile(outputs[0] / "report.xlsx") as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(zf.read(n).decode() for n in charts)
    assert len(charts) == 2 and "<c:barChart>" in xml and '<c:grouping val="percentStacked"/>' in xml
    ws = wb["Charts"]
    header = _find(ws, "Mean of service means").row
    assert ws.cell(header + 1, 1).value == "Area one"
    assert ws.cell(header + 1, 2).value == pytest.approx((1.5 + 1 + 2) / 3)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_escaped_self_contained_and_headlined(outputs, collection):
    page = (outputs[0] / "report.html").read_text(encoding="utf-8")
    assert page.lower().startswith("<!doctype html>")
    parsed = _Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert not [a for a in parsed.attrs if a[0] in ("src", "href", "xlink:href") or a[0].startswith("on")]
    assert "url(" not in page and "@import" not in page and "http://" not in page.replace(
        "http://example.com", "").replace("http://evil", "")
    assert "<script" not in page.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Riverside&lt;/b&gt; &amp; Co" in page
    figures = dict(re.findall(r'id="n-(\w+)">([^<]*)<', page))
    assert figures == {"expected": "4", "received": "3", "complete": "3", "incomplete": "0", "blank": "0",
                       "missing": "2", "rejected": "1", "rate": "50%"}
    assert "not league tables" in page
    assert "@media print" in page and "<svg" in page
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text  # shown to the reader as text


def test_csvs_defuse_formulas(outputs):
    _folder, paths = outputs
    assert {p.name for p in paths} == {"ratings.csv", "actions.csv", "responses.csv", "log.csv",
                                       "problems.csv", "missing.csv", "unexpected.csv", "chase.csv"}
    seen = set()
    for path in paths:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
                    seen.add(cell)
    assert {"'" + h for h in HOSTILE[:4]} <= seen
    assert {"http://example.com", "<script>alert(1)</script>", "'=evil.docx"} <= seen


def test_defuse_leaves_numbers_and_safe_text():
    import pandas as pd

    frame = report.defuse(pd.DataFrame({"a": ["=1", "ok", "\tx", None], "b": [-2, 3, 0, 1]}))
    assert list(frame.a[:3]) == ["'=1", "ok", "'\tx"] and pd.isna(frame.a[3])
    assert list(frame.b) == [-2, 3, 0, 1]


def test_atomic_writes_leave_no_temp_files(outputs, tmp_path, collection, monkeypatch):
    folder, _ = outputs
    assert sorted(p.name for p in folder.rglob("*")) == sorted(
        ["report.xlsx", "report.html", "csv"] + [f"{n}.csv" for n in report.CSV_FRAMES])
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the previous report")

    def fail(_collection, path):
        Path(path).write_bytes(b"half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(report.xlsx, "_build_workbook", fail)
    with pytest.raises(RuntimeError):
        write_workbook(collection, target)
    assert target.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_empty_collection_still_reports(tmp_path):
    empty = Collection([], [], None, Registry([parse_spec(make_spec(), "mini")]), TODAY)
    write_workbook(empty, tmp_path / "r.xlsx")
    write_html(empty, tmp_path / "r.html")
    paths = write_csvs(empty, tmp_path / "csv")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert "Missing" not in wb.sheetnames and "Data ratings" in wb.sheetnames
    assert _find(wb["Overview"], report.NO_RETURNS)
    assert _find(wb["Overview"], "Total").offset(column=1).value == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert report.NO_RETURNS.split(":")[0] in page
    assert all(p.exists() for p in paths)


def test_framework_missing_from_the_registry_falls_back_to_the_data(collection, tmp_path):
    """A return whose spec is not installed still gets its own block, with areas and levels as returned."""
    other = Response(file="x.xlsx", framework_id="other", framework_version="9", service_id="X1",
                     service_name="Elsewhere", area_ids=("zz",),
                     ratings=[Rating("q1", "zz", 1, "", ""), Rating("q2", "zz", 4, "", "")])
    mixed = Collection([*collection.responses, other], collection.log, None, collection.registry, TODAY)
    write_workbook(mixed, tmp_path / "r.xlsx")
    write_html(mixed, tmp_path / "r.html")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Scores"]
    header = [c for c in _cells(ws) if c.value == "Service ID"][1].row
    assert [c.value for c in ws[header]][:3] == ["Service ID", "Service", "zz"]
    assert ws.cell(header + 1, 3).value == pytest.approx(2.5)
    assert "Elsewhere" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_html_renders_in_headless_chromium(outputs, tmp_path):
    png = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
                    "--window-size=1280,2000", (outputs[0] / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
