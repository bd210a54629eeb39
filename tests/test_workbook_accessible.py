"""The three frameworks' workbooks pass every rule of tests/accessibility.py (Excel's Accessibility Checker rules
and WCAG where they apply; issue 14), blank and personalised; and the fixes the rules asked for are in place."""

from __future__ import annotations

import openpyxl
import pytest

import accessibility as a11y
from maturity_xl.generate import Service, generate
from maturity_xl.layout import ACTIONS, ASSESSMENT, SUMMARY, Layout

FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]


@pytest.fixture(scope="module")
def books(frameworks, tmp_path_factory):
    folder = tmp_path_factory.mktemp("a11y")
    out = {}
    for fid in FRAMEWORKS:
        for kind, service in (("blank", None), ("personalised", Service("S1", "Riverside & Co Practice"))):
            path = folder / f"{fid}-{kind}.xlsx"
            generate(frameworks[fid], path, service=service)
            out[(fid, kind)] = path
    return out


@pytest.mark.parametrize("kind", ["blank", "personalised"])
@pytest.mark.parametrize("check", a11y.CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_every_rule_passes(fid, check, kind, books):
    assert [str(v) for v in check(books[(fid, kind)])] == []


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_header_names_point_at_each_tables_header_row(fid, frameworks, books):
    wb = openpyxl.load_workbook(books[(fid, "blank")])
    layout = Layout(frameworks[fid])
    for sheet in (ASSESSMENT, ACTIONS, SUMMARY):
        names = wb[sheet].defined_names
        assert "Title1" in names, sheet
        assert names["Title1"].attr_text.endswith(f"!$A${layout.HEADER_ROW + 1}")


def test_the_old_grey_would_fail_the_contrast_rule():
    """The checker's contrast rule is the one the grey rows were failing (2.17:1)."""
    assert a11y.contrast_ratio((0xA6,) * 3, (0xF2,) * 3) < 4.5 <= a11y.contrast_ratio((0x59,) * 3, (0xF2,) * 3)
