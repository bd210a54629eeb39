"""Change in the reports (issue 12): report --store with a round to compare with writes a Change sheet and section
(each service and area, each statement across services) and a Trend sheet and chart (each area over every round),
whose figures equal this test's own computation from the returns filled, rounded by the one rule everywhere."""

from __future__ import annotations

import csv
import html
import random
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

import accessibility as a11y
from conftest import PINNED
from maturity_xl.batch import generate_batch
from maturity_xl.collect import collect
from maturity_xl.feedback import build_packs, render_pack
from maturity_xl.feedback.render import num
from maturity_xl.generate import Service
from maturity_xl.report.changes import change_words
from maturity_xl.report.common import rounded
from maturity_xl.report.html_changes import change_sections
from maturity_xl.report.sheet import WORKBOOK_OPTIONS, Sheet, formats
from maturity_xl.report.tables import FrameworkInfo
from maturity_xl.report.xlsx_changes import change_sheets
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.store import Store
from maturity_xl.store.frames import CHANGE_COLUMNS, STATEMENT_CHANGE_COLUMNS
from maturity_xl.store.reporting import round_collection, write_reports
from maturity_xl.store.trends import TREND_COLUMNS, area_trends

FID = "lincolnshire"
TODAY = date(2027, 11, 30)
ROUNDS = (("2025", range(0, 7)), ("2026", range(0, 8)), ("2027", range(0, 6)))  # who returns in each round
CHANGED_RESPONDENT = "S003"  # a different person completes 2027's return


@dataclass
class Programme:
    db: Path
    truth: dict  # (round, service id) -> Filled answers that count
    out: Path


@pytest.fixture(scope="module")
def programme(frameworks, tmp_path_factory) -> Programme:
    root = tmp_path_factory.mktemp("changes")
    fw = frameworks[FID]
    services = [Service(f"S{i:03d}", f"Service {i}") for i in range(8)]
    manifest = generate_batch(fw, services, root / "sent", generated_at=PINNED)
    files = [root / "sent" / row["file"] for row in csv.DictReader(manifest.open(encoding="utf-8"))]
    rng = random.Random(12)
    truth = {}
    db = root / "programme.db"
    for name, who in ROUNDS:
        inbox = root / name
        inbox.mkdir()
        for i in who:
            sid = services[i].id
            person = "R. Jones" if name == "2027" and sid == CHANGED_RESPONDENT else "A. Patel"
            answers = random_answers(fw, rng, completion=0.8, completed_on=date(int(name), 10, 1 + i),
                                     completed_by=person)
            (inbox / files[i].name).write_bytes(filled_workbook(fw, files[i].read_bytes(), answers))
            truth[(name, sid)] = answers
        with Store(db) as store:
            store.add(collect([inbox], expected=[manifest], today=TODAY, workers=1), round=name,
                      manifests=[manifest])
    out = root / "out"
    with Store(db, create=False) as store:
        write_reports(store, out / "report.xlsx", html=out / "report.html", csv_dir=out / "csv", round="2027",
                      compare="2026", today=TODAY)
    return Programme(db, truth, out)



def _block(ws, header: str) -> list[tuple]:
    """The rows under the header row whose first cell is `header`, up to the first empty row."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == header)
    out = []
    for r in rows[start + 1:]:
        if r[0] is None:
            break
        out.append(r)
    return out


def _html_rows(page: str, cls: str) -> list[list[str]]:
    """The body cells of the page's table of class `cls`, as text."""
    opening = f'<table class="{cls}">' if cls else "<table>"
    body = "".join(t.split("<tbody>", 1)[1] for t in re.findall(f"{opening}(.*?)</table>", page, re.S))
    return [[html.unescape(re.sub("<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _expected_changes(programme: Programme, fw, now: str = "2027", last: str = "2026") -> dict:
    """(service id, area title) -> (compared, this mean, last mean, change, respondent changed), from the answers
    filled, over the statements rated in both rounds."""
    area_of = {s.id: a.title for a in fw.areas for s in a.statements}
    out = {}
    for (name, sid), answers in sorted(programme.truth.items()):
        before = programme.truth.get((last, sid))
        if name != now or before is None:
            continue
        pairs: dict[str, list[tuple[int, int]]] = {}
        for st, value in answers.ratings.items():
            if value is not None and before.ratings.get(st) is not None:
                pairs.setdefault(area_of[st], []).append((value, before.ratings[st]))
        changed = answers.respondent["completed_by"] != before.respondent["completed_by"]
        for area, both in pairs.items():
            this, was = sum(a for a, _ in both) / len(both), sum(b for _, b in both) / len(both)
            out[(sid, area)] = (len(both), this, was, this - was, changed)
    return out


def _words(change: float) -> str:
    """Our own wording of a change: sign, two decimals half up, an arrow and a word."""
    if abs(change) < 1e-9:
        return "0.00 \u2192 same"
    text = str(Decimal(f"{change:.15g}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return f"+{text} \u25b2 improved" if change > 0 else f"{text} \u25bc declined"


def test_change_sheet_equals_our_own_computation(programme, frameworks):
    fw = frameworks[FID]
    expected = _expected_changes(programme, fw)
    ws = openpyxl.load_workbook(programme.out / "report.xlsx")["Change"]
    assert ws["A1"].value == "Change: round 2027 compared with round 2026"
    rows = _block(ws, "Service ID")
    got = {(r[0], r[2]): r for r in rows}
    assert got.keys() == expected.keys() and len({sid for sid, _ in got}) == 6
    for key, (n, this, was, change, changed) in expected.items():
        row = got[key]
        assert row[3] == n and row[4:7] == pytest.approx((this, was, change), abs=1e-12)
        assert row[7] == _words(change)
        assert row[8].startswith("Changed: was A. Patel, now R. Jones") if changed else row[8] == "No"
        assert changed == (key[0] == CHANGED_RESPONDENT)
    # Each area across services: counts of services each way, and the mean of their means.
    for area in fw.areas:
        mine = [v for (sid, title), v in expected.items() if title == area.title]
        row = next(r for r in _block(ws, "Area") if r[0] == area.title)
        ways = [_words(v[3]).split()[-1] for v in mine]
        assert row[1:5] == (len(mine), ways.count("improved"), ways.count("same"), ways.count("declined"))
        this, was = sum(v[1] for v in mine) / len(mine), sum(v[2] for v in mine) / len(mine)
        assert row[5:8] == pytest.approx((this, was, this - was), abs=1e-12) and row[8] == _words(this - was)


def test_statements_across_services_and_the_ones_that_moved_most(programme, frameworks):
    fw = frameworks[FID]
    moves: dict[str, list[int]] = {}
    for (name, sid), answers in programme.truth.items():
        before = programme.truth.get(("2026", sid))
        if name == "2027" and before:
            for st, value in answers.ratings.items():
                if value is not None and before.ratings.get(st) is not None:
                    moves.setdefault(st, []).append(value - before.ratings[st])
    rows = _block(openpyxl.load_workbook(programme.out / "report.xlsx")["Change"], "ID")
    assert {r[0] for r in rows} == set(moves) and len(rows) == len(moves)
    for r in rows:
        ds = moves[r[0]]
        assert r[3:7] == (len(ds), sum(d > 0 for d in ds), sum(d == 0 for d in ds), sum(d < 0 for d in ds))
        assert r[7] == pytest.approx(sum(ds) / len(ds)) and r[8] == _words(sum(ds) / len(ds))
    moved = [abs(r[7]) for r in rows]
    assert moved == sorted(moved, reverse=True)  # the statements that moved most come first
    assert {r[1] for r in rows} <= {s.text for s in fw.statements}


def test_the_page_the_workbook_and_the_feedback_packs_show_the_same_numbers(programme):
    """One rounding rule: each figure the page and each service's feedback pack show is the workbook's number as
    Excel shows it (format 0.00: half up on the decimal shown)."""
    ws = openpyxl.load_workbook(programme.out / "report.xlsx")["Change"]
    sheet = {(r[0], r[2]): r for r in _block(ws, "Service ID")}
    page = (programme.out / "report.html").read_text(encoding="utf-8")
    header = re.search('<table class="change-services"><thead><tr>(.*?)</tr>', page).group(1)
    areas = [html.unescape(a) for a in re.findall("<th[^>]*>(.*?)</th>", header)][2:-1]
    rows = _html_rows(page, "change-services")
    assert len(rows) == len({sid for sid, _ in sheet}) == 6 and len(areas) == 4
    for r in rows:
        for area, cell in zip(areas, r[2:-1]):
            x = sheet[(r[0], area)]
            assert r[1] == x[1] and r[-1] == x[8] and x[7] == _words(x[6])
            assert cell == f"{x[7]}2027: {rounded(x[4], 2)} \u00b7 2026: {rounded(x[5], 2)} \u00b7 {x[3]} compared"
    areas = _html_rows(page, "change-areas")
    assert [[a[0], *map(str, a[1:5]), rounded(a[5], 2), rounded(a[6], 2), a[8]] for a in _block(ws, "Area")] == areas
    statements = _html_rows(page, "change-statements")
    assert [[s[0], s[1], s[2], *map(str, s[3:7]), s[8]] for s in _block(ws, "ID")] == statements
    with Store(programme.db, create=False) as store:
        now = store.collection("2027", today=TODAY).frames()
        before = store.collection("2026", today=TODAY).frames()
        packs = {p.service_id: p for p in build_packs(now, previous=before)}
    for sid in {s for s, _ in sheet}:
        pack_rows = _html_rows(render_pack(packs[sid]), "")  # the pack's tables carry no class
        for area in packs[sid].changes:
            x = sheet[(sid, area.area)]
            shown = next(r for r in pack_rows if r[0] == area.area and len(r) == 5)
            assert shown == [area.area, str(x[3]), rounded(x[5], 2), rounded(x[4], 2), x[7]]


def _expected_trend(programme: Programme, fw) -> dict:
    """(round, area title) -> (services, mean of the services' own area means), from the answers filled."""
    out = {}
    for name, _who in ROUNDS:
        for area in fw.areas:
            means = []
            for (r, _sid), answers in programme.truth.items():
                values = [answers.ratings[s.id] for s in area.statements if answers.ratings.get(s.id) is not None]
                if r == name and values:
                    means.append(sum(values) / len(values))
            out[(name, area.title)] = (len(means), sum(means) / len(means))
    return out


def test_trend_of_every_area_over_every_round(programme, frameworks):
    fw = frameworks[FID]
    expected = _expected_trend(programme, fw)
    with Store(programme.db, create=False) as store:
        trend = area_trends(store)
    assert list(trend.columns) == TREND_COLUMNS
    got = {(r.round, r.area): (r.services, r.mean) for r in trend.itertuples()}
    assert got.keys() == expected.keys()
    for key, (services, mean) in expected.items():
        assert got[key][0] == services and got[key][1] == pytest.approx(mean, abs=1e-12)
    assert trend.round_order.tolist() == [1, 2, 3] * len(fw.areas)
    # The reported round's point is the Charts sheet's bar: the same mean of the services' own area means.
    charts = {r[0]: r[1] for r in _block(openpyxl.load_workbook(programme.out / "report.xlsx")["Charts"], "Area")}
    assert {a.title: charts[a.title] for a in fw.areas} == pytest.approx(
        {area: mean for (name, area), (_n, mean) in got.items() if name == "2027"}, abs=1e-12)
    ws = openpyxl.load_workbook(programme.out / "report.xlsx")["Trend"]
    rows = _block(ws, "Round")
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Round")
    assert header[1:len(fw.areas) + 1] == tuple(a.title for a in fw.areas)
    assert [r[0] for r in rows] == ["2025", "2026", "2027"]
    for r in rows:
        for j, area in enumerate(fw.areas, start=1):
            assert r[j] == pytest.approx(expected[(r[0], area.title)][1], abs=1e-12)
    # The page: the same numbers to one decimal, beside a chart with a line (and a legend entry) per area.
    page = (programme.out / "report.html").read_text(encoding="utf-8")
    table = _html_rows(page, "trend")
    assert table == [[r[0], *(rounded(v) for v in r[1:len(fw.areas) + 1]), str(r[len(fw.areas) + 1])] for r in rows]
    section = page[page.index('<h2 id="trend">'):]
    svg = section[section.index("<svg"):section.index("</svg>")]
    assert 'role="img"' in svg and "Line chart of" in svg
    assert all(f">{html.escape(a.title)}</text>" in svg for a in fw.areas)


def test_the_trend_chart_is_a_native_line_chart_with_alt_text_and_a_series_per_area(programme, frameworks):
    fw = frameworks[FID]
    with zipfile.ZipFile(programme.out / "report.xlsx") as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
        drawings = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]
    lines = [c for c in charts if "<c:lineChart>" in c]
    assert len(lines) == 1
    series = re.findall(r"<c:ser>(.*?)</c:ser>", lines[0], re.S)
    assert len(series) == len(fw.areas)
    ws = openpyxl.load_workbook(programme.out / "report.xlsx")["Trend"]
    header = next(r.row for r in ws["A"] if r.value == "Round")
    for j, ser in enumerate(series):
        col = "BCDEFGH"[j]
        refs = re.findall(r"<c:f>(.*?)</c:f>", ser)
        assert refs == [f"Trend!${col}${header}", f"Trend!$A${header + 1}:$A${header + 3}",
                        f"Trend!${col}${header + 1}:${col}${header + 3}"]
        assert "<c:marker>" in ser  # a marker shape per area, not colour alone
    alt = [d for d in drawings if "Line chart of" in d]
    assert len(alt) == 1 and all(html.escape(a.title) in alt[0] for a in fw.areas)


def test_the_csvs_for_power_bi(programme):
    csv_dir = programme.out / "csv"
    with Store(programme.db, create=False) as store:
        frames = round_collection(store, "2027", "2026", today=TODAY).frames()
        trend = area_trends(store)
        for name, frame in (("changes", frames.changes()), ("statement_changes", frames.statement_changes()),
                            ("area_trend", trend)):
            got = pd.read_csv(csv_dir / f"{name}.csv", dtype={"round": str, "last_round": str})
            assert list(got.columns) == list(frame.columns), name
            assert len(got) == len(frame) > 0
            numbers = [c for c in frame.columns if frame[c].dtype.kind == "f"]
            assert numbers and all(got[c].tolist() == pytest.approx(frame[c].tolist()) for c in numbers)


def test_change_and_trend_sheets_pass_the_accessibility_rules(programme):
    path = programme.out / "report.xlsx"
    assert [str(v) for v in a11y.check_all(path)] == []  # the whole workbook, its new sheets included
    with zipfile.ZipFile(path) as z:
        drawings = a11y._drawing_sheets(z)
    assert {"Charts", "Trend"} <= set(drawings.values())  # the alt text check saw the Trend sheet's chart
    names = openpyxl.load_workbook(path)
    assert "ColumnTitle1" in names["Change"].defined_names and "ColumnTitle1" in names["Trend"].defined_names


def test_report_xlsx_with_change_and_trend_passes_the_schema_validator(programme):
    audit = pytest.importorskip("openxml_audit", reason="openxml-audit (the test extra) is not installed")
    validator = audit.OpenXmlValidator(file_format=audit.FileFormat.MICROSOFT_365, max_errors=50)
    assert [str(e) for e in validator.validate(programme.out / "report.xlsx").errors] == []


def test_no_round_to_compare_with_no_change_sheet_but_the_trend(programme, tmp_path):
    with Store(programme.db, create=False) as store:
        written = write_reports(store, tmp_path / "r.xlsx", html=tmp_path / "r.html", csv_dir=tmp_path / "csv",
                                round="2025", today=TODAY)
    assert written.compare is None
    sheets = openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    assert "Change" not in sheets and "Trend" in sheets
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="change"' not in page and 'id="trend"' in page
    assert sorted(p.name for p in (tmp_path / "csv").glob("*change*")) == []
    assert (tmp_path / "csv" / "area_trend.csv").exists()


@pytest.mark.parametrize("value, words", [(0.125, "+0.13 \u25b2 improved"), (-0.125, "-0.13 \u25bc declined"),
                                          (0.005, "+0.01 \u25b2 improved"), (2.675, "+2.68 \u25b2 improved"),
                                          (0.0, "0.00 \u2192 same"), (None, "\u2013")],
                         ids=["half-up", "half-down", "tiny", "binary-2.675", "same", "none"])
def test_a_change_in_words_rounds_half_up_as_excel_shows_it(value, words):
    """Python's f"{0.125:+.2f}" gives +0.12 and f"{2.675:.2f}" 2.67; Excel's 0.00 shows 0.13 and 2.68."""
    assert change_words(value) == words


def test_the_feedback_pack_rounds_by_the_reports_rule():
    assert num(3.25) == rounded(3.25) == "3.3" and num(2.45) == "2.5" and num(None) == "\u2013"


HOSTILE = '<script>alert(1)</script>'
FORMULA = '=HYPERLINK("http://evil.example","x")'


class _Frames:
    """Just what the change writers read of a store's frames, with hostile text where a return's text goes."""

    def changes(self) -> pd.DataFrame:
        row = ["mini", "S1", HOSTILE, "a1", "Area one", "2", "1", 2, 3.0, 2.5, 0.5, "", True, FORMULA, HOSTILE]
        return pd.DataFrame([row], columns=CHANGE_COLUMNS)

    def statement_changes(self) -> pd.DataFrame:
        row = ["mini", "a1", "Area one", "1.1", HOSTILE, "2", "1", 1, 1, 0, 0, 1.0, ""]
        return pd.DataFrame([row], columns=STATEMENT_CHANGE_COLUMNS)


@dataclass
class _Round:
    name: str


@dataclass
class _Collection:
    round: _Round
    compare: _Round
    store: None = None

    def frames(self):
        return FRAMES


FRAMES = _Frames()


def test_returned_text_in_the_change_sections_stays_inert(tmp_path):
    info = FrameworkInfo("mini", "1.0", "Mini", (("a1", "Area one"),), ((1, "One"), (2, "Two"), (3, "Three")))
    collection = _Collection(_Round("2"), _Round("<i>1</i>"))
    page = "".join(change_sections(collection, FRAMES, [info]))
    assert HOSTILE not in page and "<i>1</i>" not in page and html.escape(HOSTILE) in page
    assert html.escape(f"Changed: was {HOSTILE}, now {FORMULA}") in page
    path = tmp_path / "c.xlsx"
    wb = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS)
    change_sheets(lambda name: Sheet(wb.add_worksheet(name), formats(wb), wb), wb, collection, FRAMES, [info])
    wb.close()
    cells = [c for row in openpyxl.load_workbook(path)["Change"].iter_rows() for c in row if c.value]
    assert {c.data_type for c in cells if isinstance(c.value, str) and FORMULA in c.value} == {"s"}
    assert any(c.value == HOSTILE for c in cells)
