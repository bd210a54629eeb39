"""Issue 11, "Speed of the whole job": what the faster report must still say, and parse's one rounding rule.

Timing stays in bench/run.py (bench/endtoend.py); these tests hold what a change for speed could break."""

from __future__ import annotations

from maturity_xl.cli.returns import _summary
from maturity_xl.response import Rating, Response
from maturity_xl.rounding import rounded


def _response(ratings: list[int]) -> Response:
    return Response("r.xlsx", "fw", "1", service_id="S1", service_name="One", area_ids=("a",),
                    ratings=[Rating(f"s{i}", "a", v, "", "") for i, v in enumerate(ratings)])


def test_parse_summary_rounds_means_by_excels_rule():
    # 25/8 = 3.125 exactly in binary: f"{x:.2f}" rounds half to even ("3.12"); Excel shows 3.13.
    text = _summary(_response([3, 3, 3, 3, 3, 3, 3, 4]))
    assert "mean 3.13" in text and "3.12" not in text
    # 2.675 is 2.67499999... as a binary float: f"{x:.2f}" gives "2.67"; Excel shows 2.68.
    assert rounded(2.675, 2) == "2.68" and f"{2.675:.2f}" == "2.67"


def test_parse_summary_and_reports_share_one_rule():
    from maturity_xl.report import common

    assert common.rounded is rounded


def test_defuse_frame_column_by_column_equals_every_cell_through_defuse_text():
    import pandas as pd

    from maturity_xl.csvsafe import defuse_frame, defuse_text

    texts = ["plain", "=1+1", "\x00=HYPERLINK(1)", "_x0000_=2", " +3", "\u200b-4", "\uff1d5", "@x", "\tTab", "9 ok",
             "", "\u3164=6", "Zed", "_x003D_7", "-", "ok-", None]
    frame = pd.DataFrame({"text": texts, "n": range(len(texts)), "when": [None] * len(texts),
                          "typed": pd.array(texts, dtype="string")})
    frame["mixed"] = [1.5 if i % 2 else t for i, t in enumerate(texts)]
    before = frame.text.tolist()
    expected = frame.astype(object).map(defuse_text)
    got = defuse_frame(frame)
    for column in frame.columns:
        assert [v if isinstance(v, str) else None for v in got[column].tolist()] == \
            [v if isinstance(v, str) else None for v in expected[column].tolist()], column
    assert got.n.tolist() == list(range(len(texts)))
    assert frame.text.tolist()[:-1] == before[:-1] == texts[:-1]  # the input frame is left as it was


def test_bulk_rows_read_back_as_the_cell_by_cell_writer_writes_them(tmp_path):
    """report/bulk.py writes detail rows as sheet XML: every value must read back (openpyxl) as Sheet.put's."""
    from datetime import date, datetime

    import numpy as np
    import openpyxl
    import pandas as pd
    import xlsxwriter

    from maturity_xl.report.bulk import Block, Column, Formula, fast_deflate
    from maturity_xl.report.sheet import EXCEL_MAX_TEXT, WORKBOOK_OPTIONS, Sheet, formats

    values = ["plain", " lead", "trail ", "a & b < c > d", "=1+1", "http://example.com", "line\nbreak",
              "ctl\x01\x1fend", "cr\rhere", "_x0041_ literal", "x" * (EXCEL_MAX_TEXT + 5), "", None, float("nan"),
              pd.NA, 3, 2.5, np.int64(7), np.float64(1.25), True, np.bool_(False), date(2026, 1, 5),
              datetime(2026, 1, 5, 12, 30), pd.Timestamp("2026-02-01"), pd.NaT, "\u00e9t\u00e9 \u2013 ok"]
    paths = {}
    for how in ("cells", "bulk"):
        path = paths[how] = tmp_path / f"{how}.xlsx"
        wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        fmt = formats(wb)
        s = Sheet(wb.add_worksheet("S"), fmt, wb)
        s.put(0, 0, "title", fmt["title"])
        if how == "cells":
            for i, value in enumerate(values):
                s.put(1 + i, 0, value, fmt["wrap"])
        else:
            Block(s, 1, [Column(values, fmt["wrap"], width=20)])
        s.put(len(values) + 2, 0, "after")
        with fast_deflate():
            wb.close()
    cells = openpyxl.load_workbook(paths["cells"])["S"]
    bulk = openpyxl.load_workbook(paths["bulk"])["S"]
    literal = 2 + values.index("_x0041_ literal")
    # A literal _xHHHH_ is written with the escape's escape, as the spec and Excel read it in any string; openpyxl
    # takes it off shared strings only (XlsxWriter's), so it shows it on an inline string (bulk's).
    assert bulk.cell(literal, 1).value == "_x005F_x0041_ literal"
    assert cells.cell(literal, 1).value == values[literal - 2]
    for row in [r for r in range(1, len(values) + 4) if r != literal]:
        a, b = cells.cell(row, 1), bulk.cell(row, 1)
        assert (a.value, a.number_format, a.alignment.wrap_text) == (b.value, b.number_format, b.alignment.wrap_text), \
            (row, values[row - 2] if 1 < row <= len(values) + 1 else None)
    assert bulk.cell(2 + values.index("line\nbreak"), 1).value == "line\nbreak"
    assert bulk.row_dimensions[2 + values.index("x" * (EXCEL_MAX_TEXT + 5))].height == 409
    # A formula cell keeps its formula and the value every application shows before recalculating.
    path = tmp_path / "formula.xlsx"
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    s = Sheet(wb.add_worksheet("S"), formats(wb), wb)
    Block(s, 0, [Column([1.5, 2]), Column([Formula('IF(A1>1,"a & b","<none>")', "a & b"), Formula("A2*2", 4)])])
    wb.close()
    assert openpyxl.load_workbook(path)["S"]["B1"].value == '=IF(A1>1,"a & b","<none>")'
    shown = openpyxl.load_workbook(path, data_only=True)["S"]
    assert (shown["B1"].value, shown["B2"].value) == ("a & b", 4)


def test_csv_writer_writes_what_pandas_to_csv_writes(tmp_path):
    """report/csv.py writes the frames column by column through the csv module: byte for byte pandas' output."""
    from datetime import date, datetime

    import numpy as np
    import pandas as pd

    from maturity_xl.report.csv import _to_csv

    frame = pd.DataFrame({
        "text": ["a", 'quote "q"', "comma, here", "line\nbreak", None, "", "\u00e9", "'=1", "x"],
        "number": [1.5, np.nan, 3.0, 1e16, 0.1 + 0.2, -0.0, 2.0, 7.25, 1.0],
        "int": list(range(9)),
        "nullable": pd.array([1, None, 3, 4, 5, None, 7, 8, 9], dtype="Int64"),
        "flag": [True, False] * 4 + [True],
        "day": [date(2026, 1, 5), None, date(2026, 12, 31)] * 3,
        "when": pd.to_datetime(["2026-01-05 10:00", None, "2026-02-01 00:00"] * 3),
        "mixed": [1, "two", 3.5, None, np.nan, pd.NA, True, np.float64("nan"), datetime(2026, 1, 1, 9, 30)],
        "typed": pd.array(["a", None, "c", "d", "e", "f", "g", "h", "i"], dtype="string"),
    })
    frame["object_text"] = frame["text"].astype(object)
    for empty in (False, True):
        data = frame.iloc[:0] if empty else frame
        ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
        _to_csv(data, ours)
        data.to_csv(theirs, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        assert ours.read_bytes() == theirs.read_bytes()


def test_the_page_lists_at_most_page_action_limit_actions_and_says_where_the_rest_are(monkeypatch):
    from datetime import date

    from maturity_xl.collect import Collection
    from maturity_xl.parse import default_registry
    from maturity_xl.report import html
    from maturity_xl.response import Action
    from maturity_xl.spec import load_framework

    registry, fw = default_registry(), load_framework("lincolnshire")
    st, area = fw.statements[0].id, fw.areas[0].id
    action = fw.role_columns()["action"]
    heads = [Response(f"r{i}.xlsx", fw.id, fw.version, service_id=f"S{i}", service_name=f"Service {i}",
                      area_ids=(area,), ratings=[Rating(st, area, 1, "", "")],
                      actions=[Action(st, area, {action: f"Do thing {i}"})]) for i in range(5)]
    monkeypatch.setattr(html, "PAGE_ACTION_LIMIT", 3)
    page = html.render_html(Collection(heads, [], None, registry, today=date(2026, 1, 1)))
    section = page.split("<h3>Actions with no lead</h3>")[1]
    assert [f"Do thing {i}<" in section for i in range(5)] == [True, True, True, False, False]
    assert "The first 3 of 5" in section and "actions.csv" in section
