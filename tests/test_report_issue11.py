"""The report side of issue 11: the chasing list in every output, blank and incomplete returns everywhere, a
headline first, one rounding rule, printing the summaries only, and an accessible report.xlsx.

The collection is built in memory (as in test_report): S1 complete, S2 incomplete, S3 returned blank, S4 and S5
missing (S5's only file was rejected), and a contact that is a formula.
"""

from __future__ import annotations

import csv
import random
import re
import shutil
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from click.testing import CliRunner

import accessibility as a11y
from conftest import PINNED, make_spec
from maturity_xl.batch import generate_batch
from maturity_xl.cli import main
from maturity_xl.collect import Collection, Expected, LogEntry
from maturity_xl.generate import Service
from maturity_xl.parse import Registry
from maturity_xl.report import CSV_FRAMES, common, render_html, write_csvs, write_html, write_workbook
from maturity_xl.response import Rating, Response
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.spec import parse_spec

TODAY = date(2026, 11, 22)
AREAS = {"1.1": "a1", "1.2": "a1", "2.1": "a2"}
EVIL_CONTACT = '=HYPERLINK("http://evil","x")'
MARKER = "RATIONALE-ONLY-IN-DATA"


def response(sid: str, ratings: dict[str, int | None], note: str = "") -> Response:
    return Response(file=f"{sid}.xlsx", framework_id="mini", framework_version="1.0", service_id=sid,
                    service_name=f"Service {sid}", area_ids=("a1", "a2"),
                    respondent={"date_completed": date(2026, 11, 1)},
                    ratings=[Rating(st, AREAS[st], v, note, "") for st, v in ratings.items()])


def entry(sid: str, status: str, rated: int, reason: str = "") -> LogEntry:
    return LogEntry(f"{sid}.xlsx", status, reason, sha256=sid * 32, framework_id="mini", framework_version="1.0",
                    service_id=sid, rated=rated, statements=3)


@pytest.fixture(scope="module")
def collection() -> Collection:
    registry = Registry([parse_spec(make_spec(), "mini")])
    # Area one: S1 (2, 3) -> 2.5, S2 (2, 2) -> 2.0; across services 2.25, which Excel shows as 2.3.
    heads = [response("S1", {"1.1": 2, "1.2": 3, "2.1": 2}), response("S2", {"1.1": 2, "1.2": 2, "2.1": None})]
    log = [entry("S1", "accepted", 3), entry("S2", "incomplete", 2, "2 of 3 statements rated"),
           entry("S3", "returned blank", 0, "no statement is rated (0 of 3)"),
           LogEntry("S5 scan.pdf", "rejected", "not a workbook", "Send the .xlsx file.", sha256="f" * 64)]
    expected = [Expected("mini", "1.0", sid, f"Service {sid}", f"{sid.lower()}@example.org", f"{sid}.xlsx")
                for sid in ("S1", "S2", "S3", "S4", "S5")]
    expected[3].contact = EVIL_CONTACT
    return Collection(heads, log, expected, registry, TODAY, ["the key is probably not the one they were "
                                                              "generated with"])


@pytest.fixture(scope="module")
def outputs(collection, tmp_path_factory):
    folder = tmp_path_factory.mktemp("issue11")
    write_workbook(collection, folder / "report.xlsx")
    write_html(collection, folder / "report.html")
    write_csvs(collection, folder / "csv")
    return folder


@pytest.fixture(scope="module")
def wb(outputs):
    return openpyxl.load_workbook(outputs / "report.xlsx")


def values(ws) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def row_after(ws, label: str) -> dict[str, object]:
    """The row under the header row that starts with `label`, as header -> value."""
    rows = values(ws)
    i = next(i for i, r in enumerate(rows) if r and r[0] == label)
    return dict(zip(rows[i], rows[i + 1]))


def figures(ws) -> dict[str, object]:
    """The Overview's headline: label -> value, from the rows under its Figure/Value header."""
    rows = values(ws)
    start = next(i for i, r in enumerate(rows) if r[:2] == ["Figure", "Value"]) + 1
    out = {}
    for r in rows[start:]:
        if not r[0] or r[1] is None:
            break
        out[r[0].split(" (")[0]] = r[1]
    return out


# 1. The chasing list reaches every output.

def test_chase_sheet_is_an_excel_table(wb):
    ws = wb["Chase"]
    (name,) = ws.tables
    table = ws.tables[name]
    rows = values(ws)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Framework")
    assert [c.name for c in table.tableColumns] == [c for c in rows[header] if c]
    states = {r[2]: r[5] for r in rows[header + 1:] if r[2]}
    assert states == {"S2": "incomplete", "S3": "returned blank", "S4": "missing", "S5": "missing"}
    assert table.ref.endswith(str(header + 1 + len(states)))
    assert EVIL_CONTACT in [r[4] for r in rows] and ws.cell(header + 4, 5).data_type == "s"
    assert wb.sheetnames[:2] == ["Overview", "Chase"]


def test_chase_in_the_html_and_the_csv_set(outputs):
    page = (outputs / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="chase"'):page.index("</table>", page.index('id="chase"'))]
    assert all(f">{sid}<" in section for sid in ("S2", "S3", "S4", "S5")) and ">S1<" not in section
    assert "Please rate the remaining 1 statement in" in section
    assert "chase" in CSV_FRAMES
    with open(outputs / "csv" / "chase.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["service_id"] for r in rows] == ["S2", "S3", "S4", "S5"]
    assert rows[2]["contact"] == "'" + EVIL_CONTACT  # defused


@pytest.fixture(scope="module")
def sent(frameworks, tmp_path_factory):
    """Four Lincolnshire workbooks from a mail merge: S0 comes back blank, S1 half done, S2 complete, S3 not."""
    fw = frameworks["lincolnshire"]
    root = tmp_path_factory.mktemp("cli11")
    services = [Service(f"S{i}", f"Service {i}", f"s{i}@example.org") for i in range(4)]
    manifest = generate_batch(fw, services, root / "sent", generated_at=PINNED)
    files = {r["service_id"]: root / "sent" / r["file"] for r in csv.DictReader(manifest.open(encoding="utf-8"))}
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "S0.xlsx").write_bytes(files["S0"].read_bytes())
    half = random_answers(fw, random.Random(1), completion=1.0, completed_on=date(2026, 11, 1))
    for sid in list(half.ratings)[:5]:
        half.ratings[sid] = None
    (inbox / "S1.xlsx").write_bytes(filled_workbook(fw, files["S1"].read_bytes(), half))
    full = random_answers(fw, random.Random(2), completion=1.0, completed_on=date(2026, 11, 2))
    (inbox / "S2.xlsx").write_bytes(filled_workbook(fw, files["S2"].read_bytes(), full))
    return inbox, manifest


def test_collect_writes_chase_csv_and_says_blank_and_incomplete(sent, tmp_path):
    inbox, manifest = sent
    out = tmp_path / "out" / "report.xlsx"
    result = CliRunner().invoke(main, ["collect", str(inbox), "-o", str(out), "--expected", str(manifest),
                                       "--today", "2026-11-22"])
    assert result.exit_code == 0, result.output
    with open(out.with_name("chase.csv"), encoding="utf-8-sig", newline="") as fh:
        states = {r["service_id"]: r["state"] for r in csv.DictReader(fh)}
    assert states == {"S0": "returned blank", "S1": "incomplete", "S3": "missing"}
    text = result.output
    assert "1 return complete, 1 incomplete" in text and "1 returned blank (not counted as returned)" in text
    assert "2 expected returns missing" in text  # the blank one is still missing
    assert "3 services to chase" in text and str(out.with_name("chase.csv")) in text
    # --chase chooses the path; without --expected there is no chasing list.
    chosen = tmp_path / "lists" / "to chase.csv"
    result = CliRunner().invoke(main, ["collect", str(inbox / "S2.xlsx"), "-o", str(tmp_path / "r2.xlsx"),
                                       "--expected", str(manifest), "--chase", str(chosen)])
    assert result.exit_code == 0, result.output
    assert chosen.exists() and not (tmp_path / "chase.csv").exists()
    assert result.output.startswith("1 file: 1 accepted\n")  # "1 file", not "1 files"
    result = CliRunner().invoke(main, ["collect", str(inbox / "S2.xlsx"), "-o", str(tmp_path / "r3.xlsx")])
    assert result.exit_code == 0 and not (tmp_path / "chase.csv").exists()
    result = CliRunner().invoke(main, ["collect", str(inbox), "-o", str(tmp_path / "r4.xlsx"), "--chase",
                                       str(tmp_path / "c.csv")])
    assert result.exit_code == 2 and "--chase needs --expected" in result.output


def test_collect_prints_the_collections_notices(sent, tmp_path, monkeypatch):
    import maturity_xl.collect as collect_module

    inbox, _ = sent
    real = collect_module.collect

    def with_notice(*args, **kwargs):
        found = real(*args, **kwargs)
        found.notices.append("most signed returns fail: the key is probably not the one they were generated with")
        return found

    monkeypatch.setattr(collect_module, "collect", with_notice)
    result = CliRunner().invoke(main, ["collect", str(inbox / "S2.xlsx"), "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert "note: most signed returns fail: the key is probably not" in result.output


# 2 and 3. Blank and incomplete in both overviews; the headline first.

def test_headline_is_the_first_sheet(wb):
    ws = wb.worksheets[0]
    got = figures(ws)
    assert got == {"Expected returns": 5, "Returned complete": 1, "Returned incomplete": 1, "Returned blank": 1,
                   "Missing": 3, "Files rejected": 1, "Response rate": pytest.approx(2 / 5)}
    means = row_after(ws, "Framework")  # the first table headed Framework: means per framework
    assert means["Statements rated"] == 5 and means["Statements sent"] == 6
    assert means["Mean of all ratings"] == pytest.approx(11 / 5)
    assert means["Mean of the services' means"] == pytest.approx((7 / 3 + 2) / 2)


def test_overviews_show_blank_and_incomplete(wb, outputs):
    rows = values(wb["Overview"])
    i = next(i for i, r in enumerate(rows) if r and r[0] == "Returns per framework")
    mini = dict(zip(rows[i + 1], rows[i + 2]))
    assert (mini["Received"], mini["Of which incomplete"], mini["Returned blank"], mini["Missing"]) == (2, 1, 1, 3)
    page = (outputs / "report.html").read_text(encoding="utf-8")
    shown = dict(re.findall(r'id="n-(\w+)">([^<]*)<', page))
    assert shown == {"expected": "5", "received": "2", "complete": "1", "incomplete": "1", "blank": "1",
                     "missing": "3", "rejected": "1", "rate": "40%"}
    assert "the key is probably not the one" in page


def test_heatmap_has_a_key_and_rated_counts(wb, outputs):
    ws = wb["Scores"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    key = [c for c in cells if c.value in ("0 \u2013 None", "1.5", "3 \u2013 All")]
    assert [c.fill.fgColor.rgb[-6:] for c in key] == ["F4A582", "F7F7F7", "92C5DE"]
    s2 = next(c for c in cells if c.value == "S2")
    assert ws.cell(s2.row, 3).number_format == '0.0" (2/2)"'
    assert ws.cell(s2.row, 4).value is None and ws.cell(s2.row, 4).number_format == '0.0" (0/1)"'
    page = (outputs / "report.html").read_text(encoding="utf-8")
    assert "2.0<br><small>2/2</small>" in page and "statements rated / statements in the area" in page
    charts = wb["Charts"]
    assert any("mean of the services' own area means" in str(c.value) for row in charts.iter_rows() for c in row)


# 4. One rounding rule.

def excel_shows(value: float, number_format: str) -> str:
    """A number as Excel displays it with a "0.0"-style format: the decimal to 15 digits, rounded half up."""
    places = len(number_format.split('"')[0].partition(".")[2])
    return str(Decimal(f"{value:.15g}").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def test_rounded_is_excels_rule():
    numbers = (3.25, 2.25, 0.05, 2.35, 1 / 3, 2.0)
    assert [common.rounded(x) for x in numbers] == ["3.3", "2.3", "0.1", "2.4", "0.3", "2.0"]
    assert common.rounded(2.675, 2) == "2.68"  # 2.67499999... as a binary float; Excel shows 2.68


def test_both_reports_show_the_same_numbers(wb, collection):
    page = render_html(collection)
    html_heat = re.findall(r"<tr><td>(S\d)</td>.*?</tr>", page[page.index('class="heat"'):])
    heat_rows = re.findall(r"<tr>(<td>S\d</td>.*?)</tr>", page[page.index('class="heat"'):].split("</table>")[0])
    assert len(heat_rows) == 2 == len(html_heat)
    ws = wb["Scores"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Service ID")
    columns = [c.value for c in header]
    for html_row in heat_rows:
        texts = [re.sub(r"<br>.*", "", t) for t in re.findall(r"<td[^>]*>(.*?)</td>", html_row)]
        sid = texts[0]
        xl = next(r for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value == sid)
        shown = [excel_shows(c.value, c.number_format) if c.value is not None else "\u2013"
                 for c in (*xl[2:4], xl[columns.index("Overall mean")])]
        assert texts[2:4] + texts[-1:] == shown, sid
    charts = wb["Charts"]
    head = next(r for r in charts.iter_rows() if r[0].value == "Area")
    xl_means = [excel_shows(r[1].value, r[1].number_format) for r in charts.iter_rows(min_row=head[0].row + 1,
                                                                                        max_row=head[0].row + 2)]
    bars = re.findall(r'font-size="12">(\d\.\d)</text>', page)
    assert xl_means == bars[:2] == ["2.3", "2.0"]  # 2.25 is 2.3 in both


# 5. Printing gives the summaries.

def test_data_sheets_print_their_header_only(wb):
    for name in ("Data ratings", "Data problems", "Text", "File log"):
        ws = wb[name]
        assert ws.print_area, name
        last_row = int(re.findall(r"\$(\d+)", ws.print_area[0] if isinstance(ws.print_area, list)
                                  else ws.print_area)[-1])
        assert last_row <= 3, (name, ws.print_area)
    for name in ("Overview", "Chase", "Scores", "Charts", "Statements"):
        assert not wb[name].print_area, name


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or poppler is not installed")
def test_printed_report_holds_no_data_rows(tmp_path):
    """LibreOffice honours the print areas: text that is only in the data sheets never reaches paper."""
    from libreoffice import convert

    registry = Registry([parse_spec(make_spec(), "mini")])
    heads = [response(f"S{i:03d}", {"1.1": i % 4, "1.2": (i + 1) % 4, "2.1": 2}, note=f"{MARKER} {i}")
             for i in range(150)]
    log = [entry(r.service_id, "accepted", 3) for r in heads]
    write_workbook(Collection(heads, log, None, registry, TODAY), tmp_path / "big.xlsx")
    (pdf,) = convert([tmp_path / "big.xlsx"], "pdf", tmp_path, recalc=False)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert MARKER not in text
    assert "not printed" in text  # the header line of each data sheet says where its rows are
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                              text=True).stdout)[1])
    assert pages <= 20, pages


@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                    reason="chromium or poppler is not installed")
def test_html_heatmap_fits_a4_landscape(tmp_path):
    """Twelve areas with long titles: the printed heatmap keeps its Overall column on the page."""
    areas = [{"id": f"a{i}", "title": f"A rather long area title number {i}",
              "statements": [{"id": f"{i}.1", "text": "A statement."}]} for i in range(12)]
    spec = parse_spec(make_spec(areas=areas), "wide")
    heads = [Response(file=f"W{i}.xlsx", framework_id="mini", framework_version="1.0", service_id=f"W{i}",
                      service_name=f"A service with a long name {i}", area_ids=tuple(a["id"] for a in areas),
                      ratings=[Rating(f"{j}.1", f"a{j}", (i + j) % 4, "", "") for j in range(12)])
             for i in range(5)]
    page = tmp_path / "wide.html"
    write_html(Collection(heads, [], None, Registry([spec]), TODAY), page)
    pdf = tmp_path / "wide.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)" height="([\d.]+)"', box)[1])
    height = float(re.search(r'<page width="([\d.]+)" height="([\d.]+)"', box)[2])
    assert width > height  # landscape
    overall = [float(m) for m in re.findall(r'xMax="([\d.]+)"[^>]*>Overall<', box)]
    assert overall and max(overall) < width - 20, (overall, width)


# 6. Accessibility.

def test_report_passes_the_accessibility_checker(outputs, collection, tmp_path):
    assert [str(v) for v in a11y.check_all(outputs / "report.xlsx")] == []
    bare = Collection(collection.responses, collection.log, None, collection.registry, TODAY)
    write_workbook(bare, tmp_path / "bare.xlsx")
    assert [str(v) for v in a11y.check_all(tmp_path / "bare.xlsx")] == []


def test_charts_have_alt_text_saying_what_they_show(outputs):
    import zipfile

    with zipfile.ZipFile(outputs / "report.xlsx") as zf:
        drawings = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/drawings/drawing"))
    descriptions = re.findall(r'descr="([^"]*)"', drawings)
    assert len(descriptions) == 2
    assert "mean of the services' own area means" in descriptions[0] and "Area one 2.3" in descriptions[0]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_words_beside_the_colours_are_what_libreoffice_computes(outputs, tmp_path):
    """The In words and Nearest level formulas carry cached values; LibreOffice, recalculating, agrees."""
    from libreoffice import convert

    (again,) = convert([outputs / "report.xlsx"], "xlsx", tmp_path, recalc=True)
    ours = openpyxl.load_workbook(outputs / "report.xlsx")
    cached = openpyxl.load_workbook(outputs / "report.xlsx", data_only=True)
    theirs = openpyxl.load_workbook(again, data_only=True)
    checked = 0
    for name in ("Scores", "Statements"):
        for row in ours[name].iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert theirs[name][c.coordinate].value == cached[name][c.coordinate].value, c.coordinate
                    checked += 1
    assert checked >= 5
