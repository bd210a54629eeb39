"""Honest figures (issue 14): values pasted past the dropdown are counted by the workbook's own Summary exactly as
the parser counts them, after LibreOffice and after Gnumeric recalculate, and the workbook says which answers need
attention.

The rule is the parser's (Scale.read): a number on the scale counts; text that clearly names a level ("3",
" 3 ", "3 - Growing", "growing") counts as that level (the parser adds a warning); anything else (9, 2.5,
"three") counts for nothing, and the level column says "Check this answer: not on the scale".
"""

from __future__ import annotations

import statistics

import openpyxl
import pytest

from gnumeric import recalculated_sheets, ssconvert
from libreoffice import convert, soffice
from maturity_xl.generate import generate_bytes
from maturity_xl.generate.assessment import CHECK
from maturity_xl.layout import ASSESSMENT, START, SUMMARY, Layout, cell
from maturity_xl.parse import parse
from maturity_xl.simulate import patch_cells

FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]
FIELDS = ("rated", "mean", "lowest", "highest", "at_target")


def pasted(fw) -> tuple[dict[str, object], int]:
    """Ratings as a respondent might paste them: most on the scale, some text naming a level, some off the scale;
    and how many are off it."""
    scale = fw.scale
    top, low, mid = scale.maximum, scale.minimum, scale.values[len(scale.values) // 2]
    label = scale.label_of(mid)
    forms: list[object] = [top + 4, 2.5 + low, f"{mid} - {label}", label.upper(), f" {low} ", "three", top, low,
                           mid, f"{top}.0", top + 0.0]
    off = sum(1 for v in forms if v in (top + 4, 2.5 + low, "three"))
    ids = [s.id for s in fw.statements]
    return dict(zip(ids[: len(forms)], forms, strict=False)), off


def figures_from_parser(fw, response) -> dict[str, dict[str, float | None]]:
    out = {}
    groups = {a.title: [r.rating for r in response.ratings if r.area_id == a.id and r.rating is not None]
              for a in fw.areas}
    groups["Overall"] = [r.rating for r in response.ratings if r.rating is not None]
    for title, values in groups.items():
        out[title] = {"rated": len(values), "mean": statistics.fmean(values) if values else None,
                      "lowest": min(values, default=None), "highest": max(values, default=None),
                      "at_target": sum(v >= fw.scale.target for v in values) / len(values) if values else None}
    return out


def as_number(value) -> float | None:
    if value in (None, ""):
        return None
    return float(str(value).rstrip("%")) / (100 if str(value).endswith("%") else 1)


@pytest.fixture(scope="module")
def returns(frameworks, tmp_path_factory):
    folder = tmp_path_factory.mktemp("honest")
    out = {}
    for fid in FRAMEWORKS:
        fw = frameworks[fid]
        layout = Layout(fw)
        answers, off = pasted(fw)
        rows = {c.statement_id: c.row for c in layout.statement_cells}
        values = {(ASSESSMENT, cell(rows[sid], layout.A_RATING)): v for sid, v in answers.items()}
        path = folder / f"{fid}.xlsx"
        path.write_bytes(patch_cells(generate_bytes(fw), values))
        out[fid] = (path, off)
    return out


def check(fw, shown: dict[str, dict[str, object]], response) -> None:
    expected = figures_from_parser(fw, response)
    for title, want in expected.items():
        for key in FIELDS:
            got = as_number(shown[title][key])
            if want[key] is None:
                assert got is None, (title, key, shown[title][key])
            else:
                assert got == pytest.approx(want[key], abs=0.006 if key == "at_target" else 1e-9), (title, key)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_the_parsers_figures_and_marks_the_answers_off_the_scale(frameworks, returns, tmp_path):
    paths = [returns[fid][0] for fid in FRAMEWORKS]
    recalculated = convert(paths, "xlsx", tmp_path / "lo")
    for fid, path in zip(FRAMEWORKS, recalculated, strict=True):
        fw, layout = frameworks[fid], Layout(frameworks[fid])
        response = parse(returns[fid][0])
        wb = openpyxl.load_workbook(path, data_only=True)
        summary = wb[SUMMARY]
        rows = {span.title: span.summary_row for span in layout.area_spans}
        rows["Overall"] = layout.overall_summary_row
        shown = {t: {k: summary[cell(r, layout.summary_col(k))].value for k in FIELDS} for t, r in rows.items()}
        check(fw, shown, response)
        # The highest is never the pasted 9, and the answers off the scale are marked in words.
        assert shown["Overall"]["highest"] == fw.scale.maximum
        levels = [wb[ASSESSMENT][cell(c.row, layout.A_LEVEL)].value for c in layout.statement_cells]
        off = returns[fid][1]
        assert levels.count(CHECK) == off
        assert wb[START][cell(layout.attention_row, layout.VALUE_COL)].value.startswith(f"{off} answers need attention")
        # The action plan follows the rating the collector reads: "3 - Growing" is 3 there, with its gap.
        plan = wb["Action plan"]
        read = {r.statement_id: r.rating for r in response.ratings}
        for c in layout.statement_cells:
            shown = plan[cell(c.action_row, layout.P_RATING)].value
            if read[c.statement_id] is not None:
                assert shown == read[c.statement_id], c.statement_id
                assert plan[cell(c.action_row, layout.P_GAP)].value == \
                    fw.scale.next_value(read[c.statement_id]) - read[c.statement_id]
        rated = sum(1 for r in response.ratings if r.rating is not None)
        assert wb[START][cell(layout.counter_row, layout.VALUE_COL)].value.startswith(f"{rated} of ")


@pytest.mark.skipif(ssconvert() is None, reason="Gnumeric (ssconvert) is not installed")
@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_gnumeric_shows_the_parsers_figures(fid, frameworks, returns, tmp_path):
    fw, layout = frameworks[fid], Layout(frameworks[fid])
    path, off = returns[fid]
    sheets = recalculated_sheets(path, tmp_path)
    summary = sheets[SUMMARY]
    rows = {span.title: span.summary_row for span in layout.area_spans}
    rows["Overall"] = layout.overall_summary_row

    def at(r: int, c: int) -> str:
        row = summary[r] if r < len(summary) else []
        return row[c] if c < len(row) else ""

    shown = {t: {k: at(r, layout.summary_col(k)) for k in FIELDS} for t, r in rows.items()}
    check(fw, shown, parse(path))
    start = sheets[START]
    assert start[layout.attention_row][layout.VALUE_COL].startswith(f"{off} answers need attention")


def test_the_parser_reads_the_pasted_forms_as_the_docstring_says(frameworks, returns):
    """The premise: of the pasted forms, the parser drops exactly the ones the workbook marks."""
    for fid in FRAMEWORKS:
        path, off = returns[fid]
        response = parse(path)
        answers, _ = pasted(frameworks[fid])
        read = {r.statement_id: r.rating for r in response.ratings}
        assert sum(1 for sid in answers if read[sid] is None) == off
