"""Parse: generate -> fill -> parse gives back exactly what was filled, however the file travelled."""

from __future__ import annotations

import json
import random
from datetime import date

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import PINNED
from maturity_xl.cli import main
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.layout import ASSESSMENT, METADATA, METADATA_KEYS, Layout, cell
from maturity_xl.parse import Registry, parse
from maturity_xl.simulate import Filled, cell_values, filled_workbook, random_answers

FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]


def fill_with_openpyxl(fw, source, target, filled: Filled) -> None:
    wb = openpyxl.load_workbook(source)
    for (sheet, ref), value in cell_values(fw, filled).items():
        wb[sheet][ref] = value
    wb.save(target)


def expected_frames(fw, filled: Filled) -> tuple[pd.DataFrame, pd.DataFrame]:
    ratings = pd.DataFrame([{"statement_id": s.id, "area_id": s.area_id, "rating": filled.ratings.get(s.id),
                             "rationale": filled.rationale.get(s.id, ""), "evidence": filled.evidence.get(s.id, "")}
                            for s in fw.statements])
    actions = pd.DataFrame([{"statement_id": s.id, **{c.id: filled.actions[s.id].get(c.id)
                                                      for c in fw.action_columns}}
                            for s in fw.statements if s.id in filled.actions])
    return _tidy(ratings), _tidy(actions)


def parsed_frames(fw, response) -> tuple[pd.DataFrame, pd.DataFrame]:
    ratings = pd.DataFrame([{"statement_id": r.statement_id, "area_id": r.area_id, "rating": r.rating,
                             "rationale": r.rationale, "evidence": r.evidence} for r in response.ratings])
    actions = pd.DataFrame([{"statement_id": a.statement_id, **{c.id: a.values.get(c.id)
                                                                for c in fw.action_columns}}
                            for a in response.actions])
    return _tidy(ratings), _tidy(actions)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    if "rating" in frame:
        frame["rating"] = frame["rating"].astype("Int64")
    return frame.reset_index(drop=True).astype(object).where(frame.notna(), None)


def assert_same(fw, filled, response):
    assert not response.rejected, response.problems
    exp_r, exp_a = expected_frames(fw, filled)
    got_r, got_a = parsed_frames(fw, response)
    pd.testing.assert_frame_equal(got_r, exp_r)
    pd.testing.assert_frame_equal(got_a, exp_a)
    for key, value in filled.respondent.items():
        assert response.respondent[key] == value, key


@pytest.fixture(scope="module")
def filled_copies(frameworks, generated, tmp_path_factory):
    """For each framework: the answers, and a copy filled with openpyxl."""
    folder = tmp_path_factory.mktemp("filled")
    out = {}
    for i, fid in enumerate(f for f in FRAMEWORKS if f in frameworks):
        fw = frameworks[fid]
        filled = random_answers(fw, random.Random(100 + i), completion=0.8)
        path = folder / f"{fid}.xlsx"
        fill_with_openpyxl(fw, generated[fid], path, filled)
        out[fid] = (filled, path)
    return out


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_round_trip_openpyxl_fill(fid, frameworks, filled_copies):
    fw = frameworks[fid]
    filled, path = filled_copies[fid]
    response = parse(path)
    assert response.problems == []
    assert (response.framework_id, response.framework_version) == (fw.id, fw.version)
    assert (response.service_id, response.service_name) == ("S001", "Riverside & Co Practice")
    assert_same(fw, filled, response)


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_round_trip_patched_fill(fid, frameworks, generated):
    fw = frameworks[fid]
    filled = random_answers(fw, random.Random(7), completion=0.95)
    response = parse(filled_workbook(fw, generated[fid].read_bytes(), filled), name="x.xlsx")
    assert response.problems == []
    assert_same(fw, filled, response)


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_scores_are_computed_from_inputs(fid, frameworks, filled_copies):
    fw = frameworks[fid]
    filled, path = filled_copies[fid]
    scores = parse(path).scores()
    for area in fw.areas:
        values = [filled.ratings[s.id] for s in area.statements if filled.ratings.get(s.id) is not None]
        assert scores[area.id].rated == len(values) and scores[area.id].total == len(area.statements)
        assert scores[area.id].mean == (pytest.approx(sum(values) / len(values)) if values else None)


def test_libreoffice_resave_parses_the_same(frameworks, filled_copies, tmp_path):
    from libreoffice import convert, soffice

    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    paths = [filled_copies[f][1] for f in FRAMEWORKS]
    resaved = convert(paths, "xlsx", tmp_path, recalc=False)
    for fid, path in zip(FRAMEWORKS, resaved):
        wb = openpyxl.load_workbook(path)
        assert wb[METADATA].sheet_state in ("hidden", "veryHidden")  # LibreOffice makes it merely hidden
        response = parse(path)
        assert [p for p in response.problems if p.severity != "warning"] == []
        assert_same(frameworks[fid], filled_copies[fid][0], response)


READ_AS_3 = [3, 3.0, "3", " 3 ", "3 - Growing", "Growing", "growing", "3.0", "3\u00a0"]
NOT_ON_SCALE = [7, -1, 2.5, "three", "3 - Thriving", date(2027, 1, 1)]


@pytest.fixture(scope="module")
def lincs(frameworks):
    return frameworks["lincolnshire"]


def parse_with_first_rating(lincs, blank, value, tmp_path):
    """Type `value` into the first rating cell (as a paste would, bypassing the dropdown) and parse."""
    lay = Layout(lincs)
    wb = openpyxl.load_workbook(blank)
    ref = cell(lay.statement_cells[0].row, lay.A_RATING)
    wb[ASSESSMENT][ref] = value
    wb.save(tmp_path / "r.xlsx")
    response = parse(tmp_path / "r.xlsx")
    return response, [p for p in response.problems if p.cell == ref]


@pytest.mark.parametrize("value", READ_AS_3, ids=[repr(v) for v in READ_AS_3])
def test_rating_forms_read_as_3(value, lincs, generated, tmp_path):
    response, problems = parse_with_first_rating(lincs, generated["lincolnshire"], value, tmp_path)
    assert response.ratings[0].rating == 3
    if isinstance(value, (int, float)):
        assert problems == []
    else:
        assert [p.code for p in problems] == ["rating-text"] and problems[0].sheet == ASSESSMENT


@pytest.mark.parametrize("value", NOT_ON_SCALE, ids=[repr(v) for v in NOT_ON_SCALE])
def test_rating_off_the_scale_is_an_error_naming_the_cell(value, lincs, generated, tmp_path):
    response, problems = parse_with_first_rating(lincs, generated["lincolnshire"], value, tmp_path)
    assert response.ratings[0].rating is None
    [problem] = problems
    assert problem.severity == "error" and problem.code == "rating-invalid" and problem.sheet == ASSESSMENT
    assert "0-5" in problem.message
    assert not response.rejected


def test_sorted_rows_and_reordered_sheets_still_read(lincs, generated, tmp_path):
    lay = Layout(lincs)
    filled = random_answers(lincs, random.Random(3), completion=1.0)
    path = tmp_path / "filled.xlsx"
    fill_with_openpyxl(lincs, generated["lincolnshire"], path, filled)
    wb = openpyxl.load_workbook(path)
    ws = wb[ASSESSMENT]
    a, b = lay.statement_cells[0].row + 1, lay.statement_cells[1].row + 1
    for col in "ABCDEF":  # swap two statement rows, as a sort in an unprotected copy would
        ws[f"{col}{a}"].value, ws[f"{col}{b}"].value = ws[f"{col}{b}"].value, ws[f"{col}{a}"].value
    wb.move_sheet(ASSESSMENT, offset=2)
    wb.save(path)
    response = parse(path)
    assert_same(lincs, filled, response)
    moved = [p for p in response.problems if p.code == "row-moved"]
    assert len(moved) == 2 and all(p.sheet == ASSESSMENT for p in moved)


def test_deleted_statement_row_is_named(lincs, generated, tmp_path):
    lay = Layout(lincs)
    wb = openpyxl.load_workbook(generated["lincolnshire"])
    row = lay.statement_cells[2].row + 1
    wb[ASSESSMENT].delete_rows(row)
    wb.save(tmp_path / "d.xlsx")
    response = parse(tmp_path / "d.xlsx")
    missing = [p for p in response.problems if p.code == "statement-missing"]
    assert missing and lay.statement_cells[2].statement_id in missing[0].message


def test_not_a_workbook_is_rejected(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    response = parse(path)
    assert response.rejected and response.status == "rejected"


def test_older_version_parses_against_that_version(frameworks, tmp_path):
    from maturity_xl.spec import load_framework

    old = load_framework("coventry-warwickshire", version="1.0")
    new = frameworks["coventry-warwickshire"]
    assert old.version != new.version
    assert "1.2" in {g.id for g in old.groups} and "1.2.1" in {g.id for g in new.groups}
    filled = random_answers(old, random.Random(5), completion=1.0)
    data = filled_workbook(old, generate_bytes(old, service=Service("S2", "Old"), generated_at=PINNED), filled)
    response = parse(data, name="old.xlsx")
    assert response.framework_version == old.version and response.problems == []
    assert_same(old, filled, response)


def test_unknown_framework_reads_from_the_workbook_map(mini, tmp_path):
    filled = random_answers(mini, random.Random(1), completion=1.0)
    data = filled_workbook(mini, generate_bytes(mini, generated_at=PINNED), filled)
    response = parse(data, name="mini.xlsx", registry=Registry([]))
    assert [p.code for p in response.problems] == ["unknown-framework"]
    assert {r.statement_id: r.rating for r in response.ratings} == filled.ratings


def test_cli_json_equals_library(filled_copies):
    _filled, path = filled_copies["progress-for-providers"]
    result = CliRunner().invoke(main, ["parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["file", "framework", "service", "respondent", "ratings", "actions", "scores", "problems"]
    assert data == json.loads(json.dumps(parse(path).to_dict()))


def test_cli_exit_codes(tmp_path, filled_copies):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    assert CliRunner().invoke(main, ["parse", str(bad)]).exit_code == 1
    assert CliRunner().invoke(main, ["parse"]).exit_code == 2
    assert CliRunner().invoke(main, ["parse", str(tmp_path / "missing.xlsx")]).exit_code == 2
    ok = CliRunner().invoke(main, ["parse", str(filled_copies["lincolnshire"][1])])
    assert ok.exit_code == 0 and "accepted" in ok.output and "Traceback" not in ok.output


def _blank(value):
    """Empty strings as blank cells (a re-save by openpyxl drops them; the parser reads both as "")."""
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return None if value == "" else value


def _both_metadata_reads(data: bytes):
    from maturity_xl.parse import _Parser, default_registry
    from maturity_xl.reading import open_workbook

    wb = open_workbook(data)
    try:
        parser = _Parser(wb, "x.xlsx", default_registry())
        return _blank(parser._known_metadata(METADATA)), _blank(parser._metadata_sheet(METADATA))
    finally:
        wb.close()


def test_known_specs_metadata_from_the_layout_equals_the_sheet_read_whole(frameworks, filled_copies, tmp_path):
    """For a spec it knows, the parser takes the map from layout.py instead of reading ~8 cells a statement; what
    it takes must be exactly what reading the sheet whole gives, for every spec (archived versions too) and for a
    workbook re-saved by openpyxl."""
    from maturity_xl.spec import bundled_frameworks

    for fw in bundled_frameworks(include_archive=True):
        data = generate_bytes(fw, service=Service("S9", "Nine"), generated_at=PINNED)
        known, whole = _both_metadata_reads(data)
        assert known is not None, fw.id
        assert known == whole, fw.id
    for fid, (_filled, path) in filled_copies.items():
        known, whole = _both_metadata_reads(path.read_bytes())
        assert known is not None and known == whole, fid


def test_the_layout_digest_decides_which_map_counts(lincs, generated):
    """A return whose head names a known spec and its layout digest is read with layout.py's map (an edit to the
    hidden map alone changes nothing: the cells are where the generator put them); an edited digest or head
    sends the parser back to reading the sheet whole, and then the workbook's own map counts."""
    from maturity_xl.simulate import patch_cells

    lay = Layout(lincs)
    last = lay.METADATA_HEAD_ROWS + len(lay.static_rows) - 1
    original = generated["lincolnshire"].read_bytes()
    map_edited = patch_cells(original, {(METADATA, cell(last, 4)): "C999"})
    known, whole = _both_metadata_reads(map_edited)
    assert known is not None and known["map"][-1][3] == cell(lay.statement_cells[-1].row, lay.A_RATING)
    assert whole["map"][-1][3] == "C999"
    layout_row = METADATA_KEYS.index("layout") + 1
    digest_edited = patch_cells(map_edited, {(METADATA, cell(layout_row, 1)): "0123456789abcdef"})
    known, whole = _both_metadata_reads(digest_edited)
    assert known is None and whole["map"][-1][3] == "C999"
    edited_head = patch_cells(original, {(METADATA, "A3"): "framework"})
    assert _both_metadata_reads(edited_head)[0] is None


def test_a_return_made_before_the_layout_digest_is_read_with_its_own_map(lincs, generated, tmp_path):
    """Workbooks sent before the head had a `layout` row (13 rows, not 14) are read whole, and read the same."""
    filled = random_answers(lincs, random.Random(5), completion=1.0)
    path = tmp_path / "filled.xlsx"
    fill_with_openpyxl(lincs, generated["lincolnshire"], path, filled)
    wb = openpyxl.load_workbook(path)
    wb[METADATA].delete_rows(METADATA_KEYS.index("layout") + 2)  # as the generator wrote it before
    wb.save(path)
    known, whole = _both_metadata_reads(path.read_bytes())
    assert known is None and "layout" not in whole["workbook"] and whole["map"]
    response = parse(path)
    assert_same(lincs, filled, response)
    assert [p for p in response.problems if p.severity != "info"] == []


def test_a_layout_the_fingerprint_does_not_cover_is_read_from_the_workbooks_own_map(frameworks):
    """The spec's fingerprint covers statements and the scale, not the action columns: a workbook sent when the
    spec listed its columns in another order (same id, version and fingerprint) must be read by its own map, not
    by today's layout (found in review: the action and lead were swapped, with no warning)."""
    import dataclasses

    fw = frameworks["coventry-warwickshire"]
    cols = fw.action_columns
    then = dataclasses.replace(fw, action_columns=(cols[1], cols[0]) + cols[2:])
    assert then.fingerprint == fw.fingerprint
    filled = random_answers(then, random.Random(1), completion=1.0)
    data = filled_workbook(then, generate_bytes(then, service=Service("S1", "One"), generated_at=PINNED), filled)
    response = parse(data, name="x.xlsx", registry=Registry([fw]))
    assert response.problems == []
    for action in response.actions:
        assert {k: v for k, v in action.values.items() if v} == \
            {k: v for k, v in filled.actions[action.statement_id].items() if v}
