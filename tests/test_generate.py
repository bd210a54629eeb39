"""The generated workbook's structure, read back with openpyxl."""

from __future__ import annotations

import zipfile

import pytest

from conftest import FRAMEWORKS, PINNED
from maturity_xl.generate import Service, generate, generate_bytes, legacy_password_hash
from maturity_xl.layout import ACTIONS, ASSESSMENT, METADATA, SHEETS, START, SUMMARY, Layout, cell, col_letter
from workbook_helpers import expected_unlocked, load, metadata_sections, unlocked_cells, validations_by_cell


@pytest.fixture(params=FRAMEWORKS)
def case(request, frameworks, generated):
    fw = frameworks[request.param]
    return fw, Layout(fw), generated[request.param]


def test_sheets_in_order_and_metadata_very_hidden(case):
    _fw, _lay, path = case
    wb = load(path)
    assert wb.sheetnames == list(SHEETS)
    assert [ws.sheet_state for ws in wb] == ["visible"] * 4 + ["veryHidden"]
    assert wb.security is not None and wb.security.lockStructure


def test_every_sheet_protected_and_only_inputs_unlocked(case):
    _fw, lay, path = case
    wb = load(path)
    expected = expected_unlocked(lay)
    for ws in wb:
        assert ws.protection.sheet, ws.title
        assert ws.protection.insertRows and ws.protection.deleteRows  # True: inserting/deleting rows is blocked
        assert unlocked_cells(ws) == expected.get(ws.title, set()), ws.title
    # Rows and columns can be resized; the action plan can be filtered.
    assert wb[ASSESSMENT].protection.formatRows is False  # False means "not protected" in openpyxl's model
    assert wb[ASSESSMENT].protection.formatColumns is False
    assert wb[ACTIONS].protection.autoFilter is False
    assert wb[ACTIONS].auto_filter.ref


def test_rating_cells_have_a_list_of_exactly_the_scale(case):
    fw, lay, path = case
    ws = load(path)[ASSESSMENT]
    by_cell = validations_by_cell(ws)
    values = ",".join(str(v) for v in fw.scale.values)
    for c in lay.statement_cells:
        ref = cell(c.row, lay.A_RATING)
        dvs = by_cell.get(ref, [])
        assert len(dvs) == 1, ref
        dv = dvs[0]
        assert dv.type == "list" and dv.formula1 == f'"{values}"'
        assert dv.errorStyle in (None, "stop") and dv.showErrorMessage
        assert dv.prompt and dv.promptTitle
        assert ws[cell(c.row, lay.A_ID)].value == c.statement_id


def test_action_plan_links_to_the_right_assessment_rows(case):
    fw, lay, path = case
    ws = load(path)[ACTIONS]
    for c in lay.statement_cells:
        r = c.action_row + 1
        assert ws[f"{col_letter(lay.P_ID)}{r}"].value == f"=Assessment!{cell(c.row, lay.A_ID)}"
        assert ws[f"{col_letter(lay.P_TEXT)}{r}"].value == f"=Assessment!{cell(c.row, lay.A_TEXT)}"
        assert f"Assessment!{cell(c.row, lay.A_RATING)}" in ws[f"{col_letter(lay.P_RATING)}{r}"].value
        assert ws[f"{col_letter(lay.P_LEVEL)}{r}"].value == f"=Assessment!{cell(c.row, lay.A_LEVEL)}"
        if fw.target_mode == "next-descriptor":
            first, last = c.descriptor_rows[0] + 1, c.descriptor_rows[-1] + 1
            assert f"Assessment!$B${first}:$B${last}" in ws[f"{col_letter(lay.P_TARGET)}{r}"].value
            assert last - first == len(fw.scale.levels) - 1


def test_action_inputs_are_validated_by_kind(case):
    fw, lay, path = case
    ws = load(path)[ACTIONS]
    by_cell = validations_by_cell(ws)
    for col in fw.action_columns:
        ref = cell(lay.statement_cells[0].action_row, lay.action_col(col.id))
        dvs = by_cell.get(ref, [])
        if col.kind == "date":
            assert dvs and dvs[0].type == "date", (col.id, ref)
            assert ws[ref].number_format == "dd/mm/yyyy"
        elif col.kind == "choice":
            assert dvs and dvs[0].type == "list"
            formula = dvs[0].formula1
            if formula.startswith('"'):
                assert formula.strip('"').split(",") == list(col.options)
            else:
                assert formula.startswith(f"{METADATA}!")
        else:
            assert ws[ref].number_format == "@", (col.id, ref)  # free text stays text


def test_metadata_is_complete(case):
    fw, lay, path = case
    sections = metadata_sections(load(path)[METADATA])
    info = {row[0]: row[1] for row in sections["workbook"]}
    assert info["framework_id"] == fw.id and info["framework_version"] == fw.version
    assert info["fingerprint"] == fw.fingerprint
    assert info["service_id"] == "S001" and info["service_name"] == "Riverside & Co Practice"
    assert info["generated_at"] == PINNED.isoformat()
    assert info["generator_version"]
    mapped = [row[1] for row in sections["map"]]
    assert mapped == [s.id for s in fw.statements]
    for row, c in zip(sections["map"], lay.statement_cells):
        assert row[2] == c.area_id
        assert row[4] == cell(c.row, lay.A_RATING)
        assert row[5] == cell(c.row, lay.A_RATIONALE) and row[6] == cell(c.row, lay.A_EVIDENCE)
        assert row[7] == c.action_row + 1
    assert [r[1] for r in sections["scale"]] == list(fw.scale.values)
    assert {r[1] for r in sections["respondent"]} == {"organisation", "service", "completed_by", "role",
                                                        "date_completed", "email"}
    assert {r[1] for r in sections["columns"]} >= {"rating", "rationale", "evidence"} | {
        f"action.{c.id}" for c in fw.action_columns}


def test_cached_values_are_right_for_the_blank_workbook(case):
    fw, lay, path = case
    wb = load(path, data_only=True)
    counter = wb[START][cell(lay.counter_row, 1)].value
    assert counter.startswith(f"0 of {len(fw.statements)} ")
    first = lay.statement_cells[0]
    assert wb[ACTIONS][cell(first.action_row, lay.P_ID)].value == first.statement_id
    assert wb[SUMMARY][cell(lay.overall_summary_row, 2)].value == 0


def test_service_is_stamped_in(case):
    _fw, lay, path = case
    wb = load(path)
    service_cell = next(f for f in lay.respondent if f.key == "service")
    assert wb[START][cell(service_cell.row, 1)].value == "Riverside & Co Practice"


def test_statement_text_with_formula_or_link_stays_text(write_spec, tmp_path):
    from conftest import make_spec
    from maturity_xl.spec import load_spec

    spec = make_spec()
    spec["areas"][0]["statements"][0]["text"] = "=HYPERLINK(\"http://evil.example\",\"x\") and http://x.example"
    fw = load_spec(write_spec(spec))
    path = tmp_path / "x.xlsx"
    generate(fw, path)
    ws = load(path)[ASSESSMENT]
    lay = Layout(fw)
    c = ws[cell(lay.statement_cells[0].row, lay.A_TEXT)]
    assert c.data_type == "s" and c.value.startswith("=HYPERLINK")
    assert not ws._hyperlinks


def test_password_protects_sheets_and_structure(mini, tmp_path):
    path = tmp_path / "pw.xlsx"
    generate(mini, path, password="s3cret")
    wb = load(path)
    assert wb[ASSESSMENT].protection.password == legacy_password_hash("s3cret")
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode()
    assert f'<workbookProtection workbookPassword="{legacy_password_hash("s3cret")}" lockStructure="1"/>' in xml
    # Excel needs it after workbookPr and before bookViews, or it "repairs" the file.
    assert xml.index("<workbookPr") < xml.index("<workbookProtection") < xml.index("<bookViews>")


def test_generation_is_deterministic(mini):
    one = generate_bytes(mini, service=Service("S1", "One"), generated_at=PINNED)
    two = generate_bytes(mini, service=Service("S1", "One"), generated_at=PINNED)
    assert one == two


def test_long_choice_lists_live_in_a_hidden_range(write_spec, tmp_path):
    from conftest import make_spec
    from maturity_xl.spec import load_spec

    plan = make_spec()["action_plan"]
    plan["columns"][3]["options"] = [f"Option number {i} with a long description" for i in range(12)]
    fw = load_spec(write_spec(make_spec(action_plan=plan)))
    path = tmp_path / "long.xlsx"
    generate(fw, path)
    lay = Layout(fw)
    ws = load(path)[ACTIONS]
    dv = validations_by_cell(ws)[cell(lay.statement_cells[0].action_row, lay.action_col("status"))][0]
    assert dv.formula1.startswith(f"{METADATA}!$C$")
    meta = load(path)[METADATA]
    first, last = lay.choice_rows["status"]
    assert [meta[f"C{r + 1}"].value for r in range(first, last + 1)] == list(plan["columns"][3]["options"])
