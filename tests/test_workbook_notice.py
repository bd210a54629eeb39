"""Lincolnshire's statements are maturity-xl's, and the Assessment says so where they are (issue 14): the spec's
notice above the table, each statement's provenance in a comment on it. Any framework can use the notice field."""

from __future__ import annotations

import openpyxl
import pytest

from conftest import make_spec
from maturity_xl.generate import generate
from maturity_xl.layout import ASSESSMENT, Layout, cell
from maturity_xl.spec import parse_spec


def test_lincolnshire_assessment_says_the_statements_are_not_the_official_tools(frameworks, tmp_path):
    fw = frameworks["lincolnshire"]
    path = tmp_path / "book.xlsx"
    generate(fw, path)
    ws = openpyxl.load_workbook(path)[ASSESSMENT]
    layout = Layout(fw)
    notice = ws[cell(layout.NOTE_ROW, 0)].value
    assert notice == fw.notice and "not the official tool" in notice.lower() and "maturity-xl" in notice
    assert layout.NOTE_ROW < layout.A_HEADER_ROW  # above the table, on the first screen
    for c in layout.statement_cells:
        st = next(s for s in fw.statements if s.id == c.statement_id)
        comment = ws[cell(c.row, layout.A_TEXT)].comment
        assert comment is not None and st.provenance in comment.text, st.id


@pytest.mark.parametrize("notice", ["", "These statements are a draft for discussion."])
def test_any_framework_can_carry_a_notice(notice, tmp_path):
    fw = parse_spec(make_spec(notice=notice) if notice else make_spec())
    path = tmp_path / "book.xlsx"
    generate(fw, path)
    ws = openpyxl.load_workbook(path)[ASSESSMENT]
    assert ws[cell(Layout(fw).NOTE_ROW, 0)].value == (notice or None)
    assert all(ws[cell(c.row, Layout(fw).A_TEXT)].comment is None for c in Layout(fw).statement_cells)


def test_a_notice_must_be_text(tmp_path):
    from maturity_xl.errors import SpecError

    with pytest.raises(SpecError) as raised:
        parse_spec(make_spec(notice=["a list"]))
    assert any(p.path == "notice" for p in raised.value.problems)
