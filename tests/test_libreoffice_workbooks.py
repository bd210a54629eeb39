"""LibreOffice as an independent spreadsheet engine: recalculate generated workbooks and compare.

One batch conversion per session keeps the suite quick (about 0.3 s a file in one call, 1.7 s alone).
"""

from __future__ import annotations

import random
import statistics

import openpyxl
import pytest

from conftest import FRAMEWORKS
from libreoffice import convert, error_cells, pdf_to_png, soffice
from maturity_xl.layout import ACTIONS, ASSESSMENT, START, SUMMARY, Layout, cell

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")


def fill_ratings(fw, layout, source, target, seed):
    """Rate about two thirds of the statements at random, leaving the rest blank; return {id: rating}."""
    rng = random.Random(seed)
    wb = openpyxl.load_workbook(source)
    ws = wb[ASSESSMENT]
    ratings = {}
    for c in layout.statement_cells:
        if rng.random() < 0.67:
            value = rng.choice(fw.scale.values)
            ws[cell(c.row, layout.A_RATING)] = value
            ratings[c.statement_id] = value
    # Make sure both ends of the scale appear, which exercises "no gap" and "top reached".
    for c, value in zip(layout.statement_cells[:2], (fw.scale.maximum, fw.scale.minimum)):
        ws[cell(c.row, layout.A_RATING)] = value
        ratings[c.statement_id] = value
    wb.save(target)
    return ratings


@pytest.fixture(scope="session")
def recalculated(frameworks, generated, tmp_path_factory):
    """Blank and filled copies of every framework, recalculated by LibreOffice in one batch."""
    work = tmp_path_factory.mktemp("lo")
    inputs, filled = [], {}
    for i, fid in enumerate(f for f in FRAMEWORKS if f in frameworks):
        fw = frameworks[fid]
        lay = Layout(fw)
        blank = work / f"blank-{fid}.xlsx"
        blank.write_bytes(generated[fid].read_bytes())
        full = work / f"filled-{fid}.xlsx"
        filled[fid] = fill_ratings(fw, lay, generated[fid], full, seed=i)
        inputs += [blank, full]
    outputs = convert(inputs, "xlsx", work / "out", recalc=True)
    by_name = {p.name: out for p, out in zip(inputs, outputs)}
    return by_name, filled


def values(path, sheet):
    return openpyxl.load_workbook(path, data_only=True)[sheet]


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_cached_values_equal_libreoffice_recalculation(fid, generated, recalculated):
    by_name, _ = recalculated
    ours = openpyxl.load_workbook(generated[fid], data_only=True)
    formulas = openpyxl.load_workbook(generated[fid])
    theirs = openpyxl.load_workbook(by_name[f"blank-{fid}.xlsx"], data_only=True)
    checked = 0
    for sheet in (START, ASSESSMENT, ACTIONS, SUMMARY):
        for row in formulas[sheet].iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    mine = ours[sheet][c.coordinate].value
                    lo = theirs[sheet][c.coordinate].value
                    assert (mine if mine is not None else "") == (lo if lo is not None else ""), \
                        f"{sheet}!{c.coordinate} {c.value}: cached {mine!r}, LibreOffice {lo!r}"
                    checked += 1
    assert checked > 50


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_filled_workbook_recalculates_without_errors(fid, frameworks, recalculated):
    by_name, filled = recalculated
    fw = frameworks[fid]
    lay = Layout(fw)
    wb = openpyxl.load_workbook(by_name[f"filled-{fid}.xlsx"], data_only=True)
    assert error_cells(wb, lay) == []
    ratings = filled[fid]
    # The counter on the first sheet.
    assert wb[START][cell(lay.counter_row, 1)].value.startswith(f"{len(ratings)} of {len(fw.statements)} ")
    # The action plan shows each rating, its level, the target and the gap.
    acts, assess = wb[ACTIONS], wb[ASSESSMENT]
    for c in lay.statement_cells:
        r = c.action_row
        rating = ratings.get(c.statement_id)
        shown = acts[cell(r, lay.P_RATING)].value
        assert (shown if shown != "" else None) == rating, c.statement_id
        label = acts[cell(r, lay.P_LEVEL)].value
        assert (label or None) == (fw.scale.label_of(rating) if rating is not None else None)
        gap = acts[cell(r, lay.P_GAP)].value
        if rating is None:
            assert gap in (None, "")
        else:
            assert gap == fw.scale.next_value(rating) - rating
            target = acts[cell(r, lay.P_TARGET)].value
            if fw.target_mode == "next-descriptor":
                st = next(s for s in fw.statements if s.id == c.statement_id)
                if rating < fw.scale.maximum:
                    assert target == f"{rating + 1}. {st.descriptor(rating + 1)}"
                else:
                    assert target.startswith("Top statement")
            elif rating < fw.scale.maximum:
                nxt = fw.scale.next_value(rating)
                said = " (next level)" if fw.target_per_statement else ""  # no target chosen: the next level up
                assert target == f"{nxt} - {fw.scale.label_of(nxt)}{said}"
            else:  # no gap: said in words, not by the grey alone
                assert target == "No gap: top level reached"
        if c.descriptor_rows:  # the chosen statement is marked, not by colour alone
            marks = [assess[cell(d, lay.A_LEVEL)].value for d in c.descriptor_rows]
            assert [bool(m) for m in marks] == [rating == v for v in fw.scale.values]


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_summary_equals_python(fid, frameworks, recalculated):
    by_name, filled = recalculated
    fw = frameworks[fid]
    lay = Layout(fw)
    ws = values(by_name[f"filled-{fid}.xlsx"], SUMMARY)
    ratings = filled[fid]
    groups = [(span.summary_row, [ratings[s.id] for s in area.statements if s.id in ratings])
              for span, area in zip(lay.area_spans, fw.areas)]
    groups.append((lay.overall_summary_row, list(ratings.values())))
    for r, got in groups:
        assert ws[cell(r, 2)].value == len(got)
        if got:
            assert ws[cell(r, 3)].value == pytest.approx(statistics.mean(got))
            assert ws[cell(r, 4)].value == min(got) and ws[cell(r, 5)].value == max(got)
            share = sum(v >= fw.scale.target for v in got) / len(got)
            assert ws[cell(r, 6)].value == pytest.approx(share)
        else:
            assert ws[cell(r, 3)].value in (None, "")
    first = lay.overall_summary_row + 3
    for i, level in enumerate(fw.scale.levels):
        assert ws[cell(first + i, 1)].value == sum(v == level.value for v in ratings.values())


def test_every_framework_prints_to_pdf(generated, tmp_path):
    paths = [generated[f] for f in FRAMEWORKS]
    pdfs = convert(paths, "pdf", tmp_path, recalc=True)
    for pdf in pdfs:
        assert pdf.read_bytes()[:5] == b"%PDF-"
        pages = pdf_to_png(pdf, tmp_path / pdf.stem, dpi=30)
        assert len(pages) >= 4, pdf.name  # at least one page per visible sheet
