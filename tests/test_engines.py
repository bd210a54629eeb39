"""Engines that are not ours check what the project writes.

- openxml-audit validates every kind of file the project writes against Office's schemas (and its semantic
  rules): the blank workbooks, a personalised (mail-merged) workbook, a filled workbook re-saved by LibreOffice, and
  the consolidated report. Each must have 0 errors, Excel's "We found a problem with some content" being the cost.
- Gnumeric recalculates filled workbooks from scratch; the Summary it shows must equal what the parser reads.
"""

from __future__ import annotations

import io
import random
import re
import statistics
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gnumeric import recalculated_sheets, ssconvert
from libreoffice import convert, soffice
from maturity_xl.batch import generate_batch, read_services
from maturity_xl.demo import example_services, run_demo
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.parse import parse
from maturity_xl.simulate import filled_workbook, random_answers

FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]

openxml_audit = pytest.importorskip("openxml_audit", reason="openxml-audit (the test extra) is not installed")


def audit_errors(path: Path) -> list[str]:
    """openxml-audit's errors for one file, validated as Microsoft 365 opens it."""
    validator = openxml_audit.OpenXmlValidator(file_format=openxml_audit.FileFormat.MICROSOFT_365, max_errors=50)
    return [str(e) for e in validator.validate(path).errors]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo's whole output: blanks, mail-merges, simulated returns, report.xlsx."""
    out = tmp_path_factory.mktemp("demo")
    for _message in run_demo(out):
        pass
    return out


def written_files(demo: Path) -> dict[str, Path]:
    files = {f"blank {fid}": demo / f"{fid}.xlsx" for fid in FRAMEWORKS}
    for fid in FRAMEWORKS:
        files[f"personalised {fid}"] = sorted((demo / "mailmerge" / fid).glob("*.xlsx"))[0]
    files["report"] = demo / "report.xlsx"
    return files


@pytest.mark.parametrize("kind", [*(f"blank {f}" for f in FRAMEWORKS), *(f"personalised {f}" for f in FRAMEWORKS),
                                  "report"])
def test_written_files_pass_the_schema_validator(kind, demo):
    path = written_files(demo)[kind]
    assert path.is_file()
    assert audit_errors(path) == []


# LibreOffice 7.4 writes no theme part when it saves xlsx (ours has one; it drops it), and openxml-audit counts a
# workbook without one as an error. It is LibreOffice's own output, not ours, and every other rule must hold.
LIBREOFFICE_NO_THEME = ("A required relationship type "
                        "'http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme' is missing.")
# LibreOffice 7.4 re-saves cell comments (the statements' provenance) as VML whose <v:shapetype> and <v:shape> ids
# repeat (one shapetype a comment, all "_x0000_t202"; shapes "shape_0" on each sheet); ours are unique (a blank
# workbook passes with 0 errors). Excel reads VML leniently; the exception covers only LibreOffice's own output.
LIBREOFFICE_VML = re.compile(r"^\[semantic\] /xl/drawings/vmlDrawing\d+\.vml:/xml\[1\]/shape(type)?\[\d+\]: "
                             r"Attribute 'id' should have unique value\.")


def test_signed_password_protected_mail_merge_passes_the_schema_validator(frameworks, tmp_path):
    """The options a programme can add to a mail-merge (a signing key, a sheet password) keep the file valid."""
    services = read_services(example_services())[:1]
    manifest = generate_batch(frameworks["lincolnshire"], services, tmp_path, password="agreed", key=b"k" * 32)
    path = next(tmp_path.glob("*.xlsx"))
    assert manifest.is_file() and b"password" in zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml")
    assert audit_errors(path) == []


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_workbooks_filled_and_saved_by_libreoffice_pass_the_schema_validator(demo, tmp_path):
    # One return per framework, as the manifest names them (the demo also leaves a duplicate "... (1).xlsx").
    returns = [sorted(p for p in (demo / "returns" / fid).glob("*.xlsx") if "(" not in p.name)[0]
               for fid in FRAMEWORKS]
    saved = convert(returns, 'xlsx:"Calc MS Excel 2007 XML"', tmp_path / "lo", recalc=True)
    for path in saved:
        with zipfile.ZipFile(path) as z:
            assert not any("theme" in n for n in z.namelist()), "LibreOffice now writes a theme: drop the exception"
        assert openpyxl.load_workbook(path).sheetnames[:2] == ["Start here", "Assessment"], path.name
        own = [e for e in audit_errors(path) if LIBREOFFICE_NO_THEME not in e and not LIBREOFFICE_VML.search(e)]
        assert own == [], path.name


def test_schema_validator_finds_a_misplaced_element(demo, tmp_path):
    """The check can fail: <sheetProtection> after <dataValidations> is the schema-order mistake Excel repairs."""
    data = (demo / "lincolnshire.xlsx").read_bytes()
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zout:
        moved = 0
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet") and b"<dataValidations" in body and not moved:
                text = body.decode("utf-8")
                protection = re.search(r"<sheetProtection[^>]*/>", text).group(0)
                text = text.replace(protection, "").replace("</dataValidations>", "</dataValidations>" + protection)
                body, moved = text.encode("utf-8"), 1
            zout.writestr(info, body)
    assert moved
    path = tmp_path / "broken.xlsx"
    path.write_bytes(broken.getvalue())
    errors = audit_errors(path)
    assert errors and any("sheetProtection" in e for e in errors), errors


def summary_figures(rows: list[list[str]], fw) -> dict[str, dict[str, str]]:
    """The Summary sheet's figures as Gnumeric shows them, found by their labels, not by coordinates.

    {area title or 'Overall': {column heading: text}} and {'levels': {'3 - Growing': count}}.
    """
    header_at = next(i for i, row in enumerate(rows) if "Rated" in row and "Mean" in row)
    header = rows[header_at]
    out: dict[str, dict[str, str]] = {}
    for row in rows[header_at + 1:]:
        if row and row[0] in {*(a.title for a in fw.areas), "Overall"}:
            out[row[0]] = dict(zip(header[1:], row[1:]))
    levels = {f"{lv.value} - {lv.label}" for lv in fw.scale.levels}
    out["levels"] = {row[0]: row[1] for row in rows if row and row[0] in levels}
    return out


def number(text: str) -> float | None:
    return float(text) if text.strip() else None


@pytest.fixture(scope="module")
def filled(frameworks, tmp_path_factory):
    """For each framework, a workbook filled as a service would (ratings, text, actions), and what was filled."""
    work = tmp_path_factory.mktemp("filled")
    out = {}
    for i, fid in enumerate(FRAMEWORKS):
        fw = frameworks[fid]
        blank = generate_bytes(fw, service=Service(f"S{i}", "Riverside Practice"))
        answers = random_answers(fw, random.Random(100 + i), completion=0.8)
        path = work / f"filled-{fid}.xlsx"
        path.write_bytes(filled_workbook(fw, blank, answers))
        out[fid] = path
    return out


@pytest.mark.skipif(ssconvert() is None, reason="Gnumeric (ssconvert) is not installed")
@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_gnumeric_recalculates_the_summary_the_parser_reads(fid, frameworks, filled, tmp_path):
    fw = frameworks[fid]
    response = parse(filled[fid])
    assert not response.rejected, response.problems
    rated = {r.statement_id: r.rating for r in response.ratings if r.rating is not None}
    assert 0 < len(rated) < len(fw.statements)  # some blanks: the figures must skip them

    # The filled file still carries the blank workbook's cached figures, so equal figures below are Gnumeric's own.
    cached = openpyxl.load_workbook(filled[fid], data_only=True)["Summary"]
    assert len(rated) not in [c.value for row in cached.iter_rows() for c in row]

    sheets = recalculated_sheets(filled[fid], tmp_path)
    figures = summary_figures(sheets["Summary"], fw)
    groups = {a.title: [rated[s.id] for s in a.statements if s.id in rated] for a in fw.areas}
    groups["Overall"] = list(rated.values())
    scores = response.scores()
    for title, values in groups.items():
        shown = figures[title]
        score = scores["overall" if title == "Overall" else next(a.id for a in fw.areas if a.title == title)]
        assert int(shown["Rated"]) == score.rated == len(values), title
        if values:
            assert number(shown["Mean"]) == pytest.approx(score.mean), title
            assert number(shown["Lowest"]) == min(values) and number(shown["Highest"]) == max(values), title
            at_target = next(v for k, v in shown.items() if k.startswith("At or above"))
            assert number(at_target) == pytest.approx(sum(v >= fw.scale.target for v in values) / len(values))
        else:
            assert shown["Mean"] == "", title
    assert figures["levels"] == {f"{lv.value} - {lv.label}": str(sum(v == lv.value for v in rated.values()))
                                 for lv in fw.scale.levels}
    counter = next(c for row in sheets["Start here"] for c in row if re.match(r"\d+ of \d+ ", c))
    assert counter.startswith(f"{len(rated)} of {len(fw.statements)} ")


@pytest.mark.skipif(ssconvert() is None, reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_reads_the_mean_the_parser_reads_to_full_precision(frameworks, filled, tmp_path):
    """Means such as 7/3 differ in their last digits if an engine rounds: compare the overall mean exactly."""
    fw = frameworks["lincolnshire"]
    rated = [r.rating for r in parse(filled["lincolnshire"]).ratings if r.rating is not None]
    shown = summary_figures(recalculated_sheets(filled["lincolnshire"], tmp_path)["Summary"], fw)["Overall"]
    assert abs(float(shown["Mean"]) - statistics.fmean(rated)) < 1e-12
