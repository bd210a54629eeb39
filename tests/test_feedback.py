"""Feedback packs and the commissioner's view of provider plans, on the demo's returns.

The demo's returns are collected once; every figure in a pack is checked against the frames or against this
file's own computation from the parsed responses, and no pack may name another service.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner

from conftest import make_spec
from maturity_xl.cli import main
from maturity_xl.collect import Collection, collect
from maturity_xl.demo import TODAY, example_services, run_demo
from maturity_xl.feedback import (
    MIN_SERVICES,
    build_packs,
    plan_matrix,
    provider_plans,
    render_pack,
    render_provider_plans_html,
    write_feedback,
    write_feedback_for,
    write_provider_plans_csv,
    write_provider_plans_sheet,
)
from maturity_xl.feedback.figures import TOP_REACHED
from maturity_xl.feedback.plans import contrast, level_colours
from maturity_xl.feedback.render import COLOURS
from maturity_xl.parse import Registry
from maturity_xl.response import Action, Rating, Response
from maturity_xl.spec import parse_spec

HAS_PDF = shutil.which("chromium") is not None and shutil.which("pdftotext") is not None
try:
    import playwright  # noqa: F401
except ImportError:
    HAS_PDF = False


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Collection:
    out = tmp_path_factory.mktemp("demo")
    for _line in run_demo(out):
        pass
    manifests = sorted((out / "mailmerge").glob("*/manifest.csv"))
    return collect([out / "returns"], expected=manifests, today=TODAY)


@pytest.fixture(scope="module")
def packs_dir(demo, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("feedback")
    write_feedback_for(demo, out, pdf=HAS_PDF)
    return out


@pytest.fixture(scope="module")
def manifest(packs_dir) -> list[dict]:
    with open(packs_dir / "manifest.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _services() -> list[dict]:
    with open(example_services(), encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_manifest_lists_every_accepted_return_with_its_contact_and_files(demo, manifest, packs_dir):
    heads = {(r.framework_id, r.service_id) for r in demo.heads}
    assert {(m["framework_id"], m["service_id"]) for m in manifest} == heads
    assert len(manifest) == len(demo.heads) == 30
    contacts = {s["id"]: s["contact"] for s in _services()}
    for row in manifest:
        assert row["contact"] == contacts[row["service_id"]]
        assert (packs_dir / row["html"]).is_file()
        if HAS_PDF:
            assert (packs_dir / row["pdf"]).is_file()
    assert len({m["html"] for m in manifest}) == len(manifest)


def test_each_packs_figures_equal_the_frames(demo):
    frames = demo.frames()
    scores = frames.area_scores()
    responses = frames.responses.set_index("file")
    packs = list(build_packs(frames))
    assert len(packs) == len(demo.heads)
    for pack in packs:
        own = scores[(scores.framework_id == pack.framework_id) & (scores.service_id == pack.service_id)]
        assert [a.area_id for a in pack.areas] == own.area_id.tolist()
        for area, row in zip(pack.areas, own.itertuples(index=False)):
            assert (area.rated, area.total) == (row.rated, row.total)
            assert area.mean == pytest.approx(row.mean, nan_ok=True) if area.mean is not None else pd.isna(row.mean)
        assert (pack.rated, pack.total) == (responses.loc[pack.file, "rated"], responses.loc[pack.file, "total"])
        actions = frames.actions[frames.actions.file == pack.file]
        assert [a.statement_id for a in pack.actions] == actions.statement_id.tolist()
        assert [a.overdue for a in pack.actions] == actions.overdue.tolist()
        assert [a.ownerless for a in pack.actions] == actions.ownerless.tolist()


def _own_area_means(demo) -> dict[tuple[str, str], dict[str, float]]:
    """(framework, area) -> service id -> mean, straight from the parsed responses."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    for r in demo.responses:
        by_area: dict[str, list[int]] = {}
        for rating in r.ratings:
            if rating.rating is not None:
                by_area.setdefault(rating.area_id, []).append(rating.rating)
        for area, values in by_area.items():
            out.setdefault((r.framework_id, area), {})[r.service_id] = statistics.fmean(values)
    return out


def test_medians_and_quartiles_equal_our_own_computation(demo, packs_dir, manifest):
    expected = _own_area_means(demo)
    checked = 0
    for pack in build_packs(demo.frames()):
        for area in pack.areas:
            values = list(expected[(pack.framework_id, area.area_id)].values())
            assert len(values) >= MIN_SERVICES
            q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
            assert area.spread.services == len(values)
            assert area.spread.median == pytest.approx(statistics.median(values))
            assert (area.spread.lower, area.spread.median, area.spread.upper) == pytest.approx((q1, q2, q3))
            own = expected[(pack.framework_id, area.area_id)]
            if area.mean is None:  # rated nothing there: the area is listed, with no mean, and not in the spread
                assert pack.service_id not in own
            else:
                assert area.mean == pytest.approx(own[pack.service_id])
            checked += 1
    assert checked > 100
    # and the page shows them: the first pack's table, row by row
    row = manifest[0]
    page = (packs_dir / row["html"]).read_text(encoding="utf-8")
    pack = next(p for p in build_packs(demo.frames()) if p.service_id == row["service_id"]
                and p.framework_id == row["framework_id"])
    for area in pack.areas:
        s = area.spread
        assert f"<td class=\"num\">{s.median:.1f}</td><td>{s.lower:.1f} to {s.upper:.1f}</td>" in page


def test_no_pack_names_or_identifies_another_service(demo, packs_dir, manifest):
    services = _services()
    for row in manifest:
        page = (packs_dir / row["html"]).read_text(encoding="utf-8")
        texts = [page]
        if HAS_PDF:
            texts.append(subprocess.run(["pdftotext", "-layout", str(packs_dir / row["pdf"]), "-"],
                                        capture_output=True, text=True, check=True).stdout)
        for text in texts:
            flat = " ".join(text.split())
            for other in services:
                if other["id"] == row["service_id"]:
                    continue
                for mark in (other["id"], other["name"], _escaped(other["name"]), other["contact"]):
                    assert mark not in flat, (row["html"], mark)
        own = next(s for s in services if s["id"] == row["service_id"])
        assert _escaped(own["name"]) in page and own["id"] in page


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


@pytest.mark.skipif(not HAS_PDF, reason="no Chromium, pdftotext or playwright to make and read the PDFs")
def test_each_pdf_is_one_or_two_a4_pages(manifest, packs_dir):
    pypdf = pytest.importorskip("pypdf")
    for row in manifest:
        reader = pypdf.PdfReader(packs_dir / row["pdf"])
        assert 1 <= len(reader.pages) <= 2, row["pdf"]
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
        text = reader.pages[0].extract_text()
        assert "Your self-assessment" in text and row["service_id"] in text


def test_graded_pack_shows_the_chosen_and_next_statement_of_every_topic(demo, frameworks):
    fw = frameworks["progress-for-providers"]
    response = next(r for r in demo.responses if r.framework_id == fw.id)
    pack = next(p for p in build_packs(demo.frames()) if p.file == response.file)
    chosen = {r.statement_id: r.rating for r in response.ratings}
    assert [c.statement_id for c in pack.choices] == [s.id for s in fw.statements]
    page = render_pack(pack)
    for st, c in zip(fw.statements, pack.choices):
        texts = dict(st.descriptors)
        assert c.chosen == chosen[st.id]
        if c.chosen is None:
            continue
        assert c.chosen_text == texts[c.chosen]
        assert c.next_text == (texts[c.chosen + 1] if c.chosen < 5 else TOP_REACHED)
        assert _escaped(c.chosen_text) in page
    assert "The next statement to work towards" in page


def test_fewer_than_five_services_show_no_spread(demo):
    frames = demo.frames()
    files = frames.responses[frames.responses.framework_id == "lincolnshire"].file.tolist()[:MIN_SERVICES - 1]

    @dataclass
    class Few:  # any object with the three tidy frames will do (a store will hand one in)
        ratings: pd.DataFrame
        actions: pd.DataFrame
        responses: pd.DataFrame

    few = Few(*(getattr(frames, n)[getattr(frames, n).file.isin(files)] for n in ("ratings", "actions", "responses")))
    packs = list(build_packs(few, frameworks=demo.registry.get, today=TODAY))
    assert len(packs) == MIN_SERVICES - 1
    for pack in packs:
        assert not pack.spread_shown and all(a.spread is None for a in pack.areas)
        page = render_pack(pack)
        assert "Median" not in page and "middle half of services" not in page
        assert "at least five services" in page


def test_change_since_last_round_only_with_a_previous_round(demo):
    frames = demo.frames()
    plain = next(build_packs(frames))
    assert not plain.changes and "Change since the last round" not in render_pack(plain)
    again = next(build_packs(frames, previous=frames))
    assert [c.before for c in again.changes] == [a.mean for a in again.areas]
    assert [c.compared for c in again.changes] == [a.rated for a in again.areas]
    assert "Change since the last round" in render_pack(again) and "0.00 \u2192 same" in render_pack(again)


# Returned text stays inert


HOSTILE = ['<script>alert(1)</script>', '<a href="http://evil.example">click</a>', "=HYPERLINK(\"x\")",
           "javascript:alert(1)", '"><img src=x onerror=alert(1)>']


def _hostile_collection() -> Collection:
    registry = Registry([parse_spec(make_spec(), "mini")])
    areas = {"1.1": "a1", "1.2": "a1", "2.1": "a2"}
    responses = []
    for i in range(6):
        sid = f"S{i}"
        responses.append(Response(
            file=f"{sid}.xlsx", framework_id="mini", framework_version="1.0", service_id=sid,
            service_name=HOSTILE[i % len(HOSTILE)] + f" {i}",
            respondent={"date_completed": date(2026, 11, 1), "completed_by": HOSTILE[4]},
            ratings=[Rating(st, areas[st], (i + n) % 4, HOSTILE[0], HOSTILE[1]) for n, st in enumerate(areas)],
            actions=[Action("1.1", "a1", {"action": HOSTILE[1], "lead": HOSTILE[0], "due": date(2026, 1, 1),
                                          "status": HOSTILE[4]})],
            area_ids=("a1", "a2")))
    return Collection(responses, [], None, registry, TODAY)


def test_returned_text_stays_inert_in_a_pack():
    c = _hostile_collection()
    for pack in build_packs(c.frames()):
        page = render_pack(pack)
        assert "<script" not in page and "<a " not in page and "<img" not in page and 'href="' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;a href=&quot;http://evil.example&quot;&gt;click&lt;/a&gt;" in page


def test_manifest_defuses_text_a_spreadsheet_would_run(tmp_path):
    c = _hostile_collection()
    write_feedback_for(c, tmp_path, pdf=False)
    with open(tmp_path / "manifest.csv", encoding="utf-8-sig", newline="") as fh:
        names = [row["service_name"] for row in csv.DictReader(fh)]
    assert names[2] == "'" + HOSTILE[2] + " 2"
    assert all(not n.startswith(("=", "+", "-", "@")) for n in names)
    assert len(list(tmp_path.glob("*.html"))) == 6  # file names made safe: no markup or quotes in them
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", p.name) for p in tmp_path.glob("*.html"))


# Accessibility


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.svgs: list[dict] = []
        self.ids: dict[str, str] = {}
        self.th_scopes: list[str | None] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "svg":
            self.svgs.append(a)
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "th":
            self.th_scopes.append(a.get("scope"))


def test_pack_html_is_accessible(manifest, packs_dir):
    for row in manifest:
        page = (packs_dir / row["html"]).read_text(encoding="utf-8")
        outline = _Outline()
        outline.feed(page)
        assert outline.lang == "en"
        assert outline.headings[0] == 1 and outline.headings.count(1) == 1
        for before, after in zip(outline.headings, outline.headings[1:]):
            assert after <= before + 1, outline.headings  # no level skipped
        assert outline.svgs
        for svg in outline.svgs:
            assert svg.get("role") == "img"
            named = svg["aria-labelledby"].split()
            assert [outline.ids[i] for i in named] == ["title", "desc"]
        assert all(scope in ("col", "row") for scope in outline.th_scopes)
        assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for name, (ink, paper) in COLOURS.items():
        assert contrast(ink, paper) >= 4.5, name


def test_flags_are_words_not_only_colour(demo):
    pack = next(p for p in build_packs(demo.frames()) if any(a.overdue for a in p.actions))
    page = render_pack(pack)
    assert '<td class="flag">Overdue' in page


AXE_DIR = Path(tempfile.gettempdir()) / "maturity-xl-axe-core"


def _axe() -> Path | None:
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script
    if shutil.which("npm") is None:
        return None
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["npm", "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund",
                             "--cache", str(AXE_DIR / "cache"), "axe-core@4"], capture_output=True, text=True,
                            timeout=240)
    return script if result.returncode == 0 and script.exists() else None


@pytest.mark.skipif(not HAS_PDF, reason="no Chromium or playwright to run axe-core in")
def test_axe_core_finds_no_violations_in_chromium(manifest, packs_dir):
    script = _axe()
    if script is None:
        pytest.skip("axe-core could not be installed from the npm registry (npm missing or offline)")
    from playwright.sync_api import sync_playwright

    chosen = [next(r for r in manifest if r["framework_id"] == f) for f in
              ("coventry-warwickshire", "lincolnshire", "progress-for-providers")]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                           "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            for row in chosen:
                page.set_content((packs_dir / row["html"]).read_text(encoding="utf-8"))
                page.add_script_tag(path=str(script))
                result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
                violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
                assert violations == [], (row["html"], json.dumps(violations)[:2000])
                assert any(p["id"] == "color-contrast" for p in result["passes"])
        finally:
            browser.close()


# The commissioner's view


def test_provider_plans_equal_the_choices_in_the_returns(demo, frameworks):
    fw = frameworks["progress-for-providers"]
    plans = provider_plans(demo.frames())
    assert set(plans.framework_id) == {fw.id}  # the graded framework only
    # Progress for Providers' own action columns: what, who is responsible, and when
    roles = {"action": "action", "lead": "responsible", "deadline": "when"}
    assert {c.id for c in fw.action_columns} >= set(roles.values())
    graded = [r for r in demo.responses if r.framework_id == fw.id]
    assert len(plans) == len(graded) * len(fw.statements)
    for r in graded:
        mine = plans[plans.file == r.file].set_index("topic_id")
        actions = {a.statement_id: a.values for a in r.actions}
        for rating in r.ratings:
            row = mine.loc[rating.statement_id]
            texts = dict(next(s for s in fw.statements if s.id == rating.statement_id).descriptors)
            if rating.rating is None:
                assert pd.isna(row.chosen) and pd.isna(row.chosen_text)
            else:
                assert row.chosen == rating.rating and row.chosen_text == texts[rating.rating]
                assert row.next_text == texts.get(rating.rating + 1, TOP_REACHED)
            values = actions.get(rating.statement_id, {})
            assert _none(row.action) == values.get(roles["action"])
            assert _none(row.lead) == values.get(roles["lead"])
            assert _none(row.deadline) == values.get(roles["deadline"])
            assert row.service_id == r.service_id


def _none(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def test_plan_matrix_is_the_chosen_numbers(demo):
    plans = provider_plans(demo.frames())
    matrix = plan_matrix(plans)
    graded = [r for r in demo.responses if r.framework_id == "progress-for-providers"]
    assert matrix.service_id.tolist() == [r.service_id for r in graded]
    for r, row in zip(graded, matrix.to_dict("records")):
        for rating in r.ratings:
            got = row[rating.statement_id]
            assert (None if pd.isna(got) else int(got)) == rating.rating


def test_plan_colours_keep_their_numbers_readable():
    for fill, ink in level_colours([1, 2, 3, 4, 5]).values():
        assert contrast(fill, ink) >= 4.5


def test_plans_csv_html_and_sheet(demo, tmp_path):
    plans = provider_plans(demo.frames())
    path = write_provider_plans_csv(plans, tmp_path / "provider_plans.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == plans.columns.tolist() and len(back) == len(plans)
    assert back.chosen.tolist() == ["" if pd.isna(v) else str(v) for v in plans.chosen]

    section = render_provider_plans_html(plans)
    outline = _Outline()
    outline.feed(section)
    assert outline.headings[0] == 2 and "<script" not in section
    matrix = plan_matrix(plans)
    first = matrix.iloc[0]
    cells = re.findall(r'<tr><td>([^<]*)</td><th scope="row"[^>]*>[^<]*</th>(.*?)</tr>', section)
    assert cells[0][0] == first.service_id
    shown = re.findall(r">(\d|\u2013)</td>", cells[0][1])
    assert shown == ["\u2013" if pd.isna(v) else str(v) for v in first.iloc[2:]]

    book = tmp_path / "plans.xlsx"
    wb = xlsxwriter.Workbook(str(book), {"strings_to_formulas": False, "strings_to_urls": False})
    write_provider_plans_sheet(wb, plans)
    wb.close()
    ws = openpyxl.load_workbook(book)["Provider plans"]
    assert list(ws.tables) == ["tbl_provider_plans"]
    table = ws.tables["tbl_provider_plans"]
    assert table.ref == f"A4:T{4 + len(plans)}"
    assert [ws.cell(5, c).value for c in (3, 7, 9)] == [plans.service_id[0], plans.topic_id[0], plans.chosen[0]]
    # the matrix beside the table: find its header row, then compare every number and its key colour
    col0 = len(plans.columns) + 2
    header = next(r for r in range(1, 40) if ws.cell(r, col0).value == "Service ID")
    colours = level_colours([1, 2, 3, 4, 5])
    for i, row in enumerate(matrix.itertuples(index=False)):
        assert ws.cell(header + 1 + i, col0).value == row[0]
        for j, value in enumerate(row[2:]):
            cell = ws.cell(header + 1 + i, col0 + 2 + j)
            if pd.isna(value):
                assert cell.value is None
            else:
                assert cell.value == value
                assert cell.fill.fgColor.rgb[-6:] == colours[int(value)][0][1:]


def test_plans_for_no_graded_framework_are_empty(demo):
    frames = demo.frames()

    @dataclass
    class Only:
        ratings: pd.DataFrame
        actions: pd.DataFrame
        responses: pd.DataFrame

    lincs = Only(*(getattr(frames, n)[getattr(frames, n).framework_id == "lincolnshire"]
                   for n in ("ratings", "actions", "responses")))
    plans = provider_plans(lincs, frameworks=demo.registry.get)
    assert plans.empty and render_provider_plans_html(plans) == ""


# The command


def test_cli_feedback_writes_what_the_library_writes(demo, tmp_path):
    returns = Path(demo.log[0].file).parent.parent
    manifests = [str(p) for p in sorted((returns.parent / "mailmerge").glob("*/manifest.csv"))]
    args = ["feedback", str(returns), "--out-dir", str(tmp_path / "cli"), "--no-pdf", "--today", TODAY.isoformat()]
    for m in manifests:
        args += ["--expected", m]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "wrote 30 feedback packs" in result.output
    write_feedback(demo.frames(), tmp_path / "lib", pdf=False, frameworks=demo.registry.get, today=TODAY,
                   contacts={(e.framework_id, e.service_id): e.contact for e in demo.expected})
    assert (tmp_path / "cli" / "manifest.csv").read_text() == (tmp_path / "lib" / "manifest.csv").read_text()
    for name in os.listdir(tmp_path / "lib"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes()
