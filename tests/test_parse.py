"""Parse: generate -> fill -> parse gives back exactly what was filled, however the file travelled."""

from __future__ import annotations

import json
import random
from datetime import date

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import FRAMEWORKS, PINNED
from maturity_xl.cli import main
from maturity_xl.generate import Service, generate_bytes
from maturity_xl.layout import ASSESSMENT, METADATA, METADATA_KEYS, Layout, cell, col_letter
from maturity_xl.parse import Registry, default_registry, parse
from maturity_xl.simulate import Filled, cell_values, filled_workbook, random_answers


def fill_with_openpyxl(fw, source, target, filled: Filled) -> None:
    wb = openpyxl.load_workbook(source)
    for (sheet, ref), value in cell_values(fw, filled).items():
        wb[sheet][ref] = value
    wb.save(target)


def expected_frames(fw, filled: Filled) -> tuple[pd.DataFrame, pd.DataFrame]:
    ratings = pd.DataFrame([{"statement_id": s.id, "area_id": s.area_id, "rating": filled.ratings.get(s.id),
                             "rationale": filled.rationale.get(s.id, ""), "evidence": filled.evidence.get(s.id, ""),
                             "target": filled.targets.get(s.id)} for s in fw.statements])
    actions = pd.DataFrame([{"statement_id": s.id, **{c.id: filled.actions[s.id].get(c.id)
                                                      for c in fw.action_columns}}
                            for s in fw.statements if s.id in filled.actions])
    return _tidy(ratings), _tidy(actions)


def parsed_frames(fw, response) -> tuple[pd.DataFrame, pd.DataFrame]:
    ratings = pd.DataFrame([{"statement_id": r.statement_id, "area_id": r.area_id, "rating": r.rating,
                             "rationale": r.rationale, "evidence": r.evidence, "target": r.target}
                            for r in response.ratings])
    actions = pd.DataFrame([{"statement_id": a.statement_id, **{c.id: a.values.get(c.id)
                                                                for c in fw.action_columns}}
                            for a in response.actions])
    return _tidy(ratings), _tidy(actions)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("rating", "target"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
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
    # Swap two statement rows (every column), as a sort in an unprotected copy would.
    for col in (col_letter(c) for c in range(lay.assessment_last_col + 1)):
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
    assert list(data) == ["schema", "file", "status", "framework", "service", "respondent", "ratings", "actions",
                          "scores", "problems"]
    fw = default_registry().get(data["framework"]["id"], data["framework"]["version"])
    assert data == json.loads(json.dumps(parse(path).to_dict(fw)))


def test_cli_exit_codes(tmp_path, filled_copies):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    assert CliRunner().invoke(main, ["parse", str(bad)]).exit_code == 1
    assert CliRunner().invoke(main, ["parse"]).exit_code == 2
    assert CliRunner().invoke(main, ["parse", str(tmp_path / "missing.xlsx")]).exit_code == 2
    ok = CliRunner().invoke(main, ["parse", str(filled_copies["lincolnshire"][1])])
    # Statements left unrated: read, and named incomplete by the collector's rule (exit 0).
    assert ok.exit_code == 0 and ": incomplete" in ok.output and "Traceback" not in ok.output


def _both_metadata_reads(data: bytes):
    """The (head, map) the parser takes for a known spec (None if it does not take layout.py's), and the
    (head, map) of the metadata sheet read whole."""
    from maturity_xl.parse import default_registry
    from maturity_xl.parse.parser import Parser
    from maturity_xl.reading import open_workbook

    wb = open_workbook(data)
    try:
        parser = Parser(wb, "x.xlsx", default_registry())
        return parser.known_metadata(METADATA), parser.sheet_metadata(METADATA)
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
    assert known is not None and known[1].entries[-1].cells[0] == (lay.statement_cells[-1].row, lay.A_RATING)
    assert whole[1].entries[-1].cells[0] == (998, 2)
    layout_row = METADATA_KEYS.index("layout") + 1
    digest_edited = patch_cells(map_edited, {(METADATA, cell(layout_row, 1)): "0123456789abcdef"})
    known, whole = _both_metadata_reads(digest_edited)
    assert known is None and whole[1].entries[-1].cells[0] == (998, 2)
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
    assert known is None and whole[0].layout == "" and whole[1].entries
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


def _moved_problems(response, code="column-moved"):
    return [p for p in response.problems if p.code == code]


@pytest.mark.parametrize("where", ["before-rating", "at-a"])
def test_a_column_inserted_by_a_respondent_is_read_by_its_header(where, lincs, generated, tmp_path):
    """A respondent unprotects the Assessment sheet and inserts a column (openpyxl, as a respondent's program
    would; it drops cached values): every answer is read from the column its header is in now, with a warning
    naming each moved column. Found in review: before Rating this read 0 ratings and filed the rationale as
    evidence; at A it lost every answer with messages saying rows were deleted."""
    lay = Layout(lincs)
    filled = random_answers(lincs, random.Random(11), completion=1.0)
    path = tmp_path / "filled.xlsx"
    fill_with_openpyxl(lincs, generated["lincolnshire"], path, filled)
    wb = openpyxl.load_workbook(path)
    at = lay.A_RATING if where == "before-rating" else lay.A_ID
    wb[ASSESSMENT].insert_cols(at + 1)  # openpyxl counts columns from 1
    wb.save(path)
    response = parse(path)
    assert_same(lincs, filled, response)
    moved = _moved_problems(response)
    shifted = [c for c in lay.assessment_columns if c.col >= at and c.kind != "shown"]
    assert [p.message.split("'")[1] for p in moved] == [c.header for c in shifted]
    assert all(p.severity == "warning" and p.sheet == ASSESSMENT for p in moved)
    assert {p.code for p in response.problems} == {"column-moved"}


def test_a_column_moved_with_its_header_changed_is_rejected_naming_it(lincs, generated, tmp_path):
    """A column inserted and the rating column's header retyped: which column holds the ratings cannot be told,
    so the return is sent back with a problem that names the column, never accepted with its answers lost."""
    lay = Layout(lincs)
    wb = openpyxl.load_workbook(generated["lincolnshire"])
    ws = wb[ASSESSMENT]
    ws.insert_cols(1)
    ws.cell(lay.A_HEADER_ROW + 1, lay.A_RATING + 2).value = "Score"
    wb.save(tmp_path / "r.xlsx")
    response = parse(tmp_path / "r.xlsx")
    assert response.rejected
    [fatal] = [p for p in response.problems if p.severity == "fatal"]
    header = lay.assessment_columns[lay.A_RATING].header
    assert fatal.code == "column-missing" and f"'{header}'" in fatal.message and fatal.advice


def test_a_header_edited_in_place_reads_the_column_with_a_warning(lincs, generated, tmp_path):
    lay = Layout(lincs)
    filled = random_answers(lincs, random.Random(12), completion=1.0)
    path = tmp_path / "filled.xlsx"
    fill_with_openpyxl(lincs, generated["lincolnshire"], path, filled)
    wb = openpyxl.load_workbook(path)
    wb[ASSESSMENT].cell(lay.A_HEADER_ROW + 1, lay.A_EVIDENCE + 1).value = "What shows it"
    wb.save(path)
    response = parse(path)
    assert_same(lincs, filled, response)
    assert [(p.code, p.cell) for p in response.problems] == [("header-edited", cell(lay.A_HEADER_ROW, lay.A_EVIDENCE))]


def test_an_action_plan_column_inserted_is_read_by_its_header(frameworks, generated, tmp_path):
    fw = frameworks["coventry-warwickshire"]
    lay = Layout(fw)
    filled = random_answers(fw, random.Random(13), completion=1.0)
    path = tmp_path / "filled.xlsx"
    fill_with_openpyxl(fw, generated[fw.id], path, filled)
    wb = openpyxl.load_workbook(path)
    first = lay.action_col(fw.action_columns[0].id)
    wb["Action plan"].insert_cols(first + 1)
    wb.save(path)
    response = parse(path)
    assert_same(fw, filled, response)
    assert {p.code for p in response.problems} == {"column-moved"}


PERMUTED = (("evidence", "rating", "statement_text", "rationale", "statement_id", "level"),
            ("rationale", "statement_id", "evidence", "level", "rating", "statement_text"))


@pytest.mark.parametrize("order", PERMUTED, ids=["evidence-first", "rationale-first"])
@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_a_layout_with_its_columns_permuted_round_trips(fid, order, frameworks, tmp_path):
    """The layout is the one source of every position: a layout with the Assessment's and the Action plan's
    columns in another order generates a workbook that fills and parses back to exactly what was filled."""
    from workbook_helpers import fill_cells

    fw = frameworks[fid]
    plan = tuple(reversed(Layout(fw).plan_column_specs()))
    order += tuple(f for f in Layout(fw).assessment_column_specs() if f not in order)  # a framework's targets
    lay = Layout(fw, assessment_order=order, plan_order=plan)
    assert [c.field for c in lay.assessment_columns] == list(order) and lay.P_ID == len(plan) - 1
    blank = generate_bytes(fw, service=Service("S1", "One"), generated_at=PINNED, layout=lay)
    filled = random_answers(fw, random.Random(21), completion=0.9)
    path = tmp_path / "permuted.xlsx"
    fill_cells(lay, filled, blank, path)
    ws = openpyxl.load_workbook(path)[ASSESSMENT]
    assert ws[cell(lay.A_HEADER_ROW, lay.A_RATING)].value.startswith("Rating")
    response = parse(path)
    assert response.problems == []
    assert_same(fw, filled, response)


def test_a_return_made_before_the_metadata_named_headers_is_read_by_the_specs_headers(lincs, generated, tmp_path):
    """Workbooks sent before the [columns] rows carried headers: the parser takes the headers from the spec's
    layout, so a column inserted in one is still found."""
    filled = random_answers(lincs, random.Random(14), completion=1.0)
    path = tmp_path / "filled.xlsx"
    fill_with_openpyxl(lincs, generated["lincolnshire"], path, filled)
    wb = openpyxl.load_workbook(path)
    meta = wb[METADATA]
    for row in meta.iter_rows():
        if row[0].value in ("column", "[columns]"):
            row[5].value = None  # as the generator wrote it before
        if row[0].value in ("sheet", "[sheets]"):
            row[3].value = None
        if row[0].value == "layout":
            row[1].value = "0123456789abcdef"  # an older layout's digest
    wb[ASSESSMENT].insert_cols(1)
    wb.save(path)
    known, whole = _both_metadata_reads(path.read_bytes())
    assert known is None and not whole[1].has_headers
    response = parse(path)
    assert_same(lincs, filled, response)
    assert {p.code for p in response.problems} == {"column-moved"}


def test_parse_is_exported_from_the_package_root(filled_copies):
    """`maturity_xl.parse(path)`, as the README shows, whether or not the parse package was imported first."""
    import maturity_xl
    import maturity_xl.parse as package

    _filled, path = filled_copies["lincolnshire"]
    assert maturity_xl.parse is package and "parse" in maturity_xl.__all__
    assert maturity_xl.parse(path).to_dict() == package.parse(path).to_dict()


def test_an_action_column_in_the_metadata_that_is_not_a_column_is_reported(lincs, generated):
    """Found by the fuzzer: a [columns] row whose column letter was edited to something that is not a column made
    the Action plan's lookup ask for column None. It is a metadata-damaged error; the other columns still read."""
    from maturity_xl.simulate import patch_cells

    lay = Layout(lincs)
    field = f"action.{lincs.action_columns[0].id}"
    i = next(i for i, row in enumerate(lay.static_rows) if row[:2] == ["column", field])
    layout_row = METADATA_KEYS.index("layout") + 1
    data = patch_cells(generated["lincolnshire"].read_bytes(),
                       {(METADATA, cell(lay.METADATA_HEAD_ROWS + i, 3)): "??",
                        (METADATA, cell(layout_row, 1)): "0123456789abcdef"})  # so the sheet's own map counts
    response = parse(data, name="x.xlsx")
    assert not response.rejected
    assert [p.code for p in response.problems] == ["metadata-damaged"]


class _WithLastTime(Layout):
    """A layout with one more Assessment column, as rounds will add (last time's rating, shown, never read)."""

    def assessment_column_specs(self):
        specs = super().assessment_column_specs()
        at = list(specs).index("rating")
        items = list(specs.items())
        return dict(items[:at] + [("last_rating", ("Last time", 10, "shown"))] + items[at:])


def test_adding_a_column_is_a_change_to_the_layout_alone(lincs, tmp_path):
    """A column added in the layout moves every column after it: the generator writes the header where the layout
    says, the metadata records the columns read, and the parser reads them by header, with no other change."""
    from workbook_helpers import fill_cells

    lay = _WithLastTime(lincs)
    assert lay.A_RATING == Layout(lincs).A_RATING + 1
    blank = generate_bytes(lincs, service=Service("S1", "One"), generated_at=PINNED, layout=lay)
    filled = random_answers(lincs, random.Random(22), completion=1.0)
    path = tmp_path / "added.xlsx"
    fill_cells(lay, filled, blank, path)
    ws = openpyxl.load_workbook(path)[ASSESSMENT]
    assert ws[cell(lay.A_HEADER_ROW, lay.A_RATING - 1)].value == "Last time"
    response = parse(path)
    assert response.problems == []
    assert_same(lincs, filled, response)


def test_a_header_found_twice_after_a_move_is_rejected_naming_the_column(lincs, generated, tmp_path):
    """A column inserted at A whose header a respondent set to the rating column's: two columns now claim the
    ratings, neither where the map puts them, so the return is sent back naming the column."""
    lay = Layout(lincs)
    wb = openpyxl.load_workbook(generated["lincolnshire"])
    ws = wb[ASSESSMENT]
    ws.insert_cols(1)
    header = lay.assessment_columns[lay.A_RATING].header
    ws.cell(lay.A_HEADER_ROW + 1, 1).value = header
    wb.save(tmp_path / "r.xlsx")
    response = parse(tmp_path / "r.xlsx")
    [fatal] = [p for p in response.problems if p.severity == "fatal"]
    assert fatal.code == "column-ambiguous" and f"'{header}'" in fatal.message and fatal.advice
