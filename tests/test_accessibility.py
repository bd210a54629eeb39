"""The accessibility checker (tests/accessibility.py) on tiny workbooks made by hand: one passing and one failing
workbook per rule, so each check is known to find what it is for and to pass what is right.

The bundled frameworks' workbooks are asserted in test_workbook_accessible.py; report.xlsx is not asserted yet
(see docs/workbook-research.md for what it fails).
"""

from __future__ import annotations

import xlsxwriter

import accessibility as a11y


def book(tmp_path, name, build) -> str:
    """A workbook written by `build(workbook, worksheet)` on one sheet called 'Assessment'."""
    path = tmp_path / f"{name}.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Assessment")
    build(wb, ws)
    wb.close()
    return str(path)


def rules(violations) -> list[str]:
    return [v.rule for v in violations]


def chart_book(tmp_path, name, options):
    def build(wb, ws):
        ws.write_column(0, 0, ["Area one", "Area two"])
        ws.write_column(0, 1, [2, 3])
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"categories": "=Assessment!$A$1:$A$2", "values": "=Assessment!$B$1:$B$2"})
        ws.insert_chart("D2", chart, options)

    return book(tmp_path, name, build)


def test_alt_text(tmp_path):
    described = {"description": "Bar chart: mean rating per area, Area one 2, Area two 3."}
    assert a11y.check_alt_text(chart_book(tmp_path, "alt", described)) == []
    assert a11y.check_alt_text(chart_book(tmp_path, "decorative", {"decorative": True})) == []
    missing = a11y.check_alt_text(chart_book(tmp_path, "no-alt", {}))
    assert [(v.rule, v.sheet, v.where) for v in missing] == [("alt-text", "Assessment", "Chart 1")]
    file_name = a11y.check_alt_text(chart_book(tmp_path, "file-name", {"description": "chart1.png"}))
    assert rules(file_name) == ["alt-text"] and "file name" in file_name[0].message


def test_sheet_names(tmp_path):
    def build(wb, ws):
        wb.add_worksheet("Action plan")

    assert a11y.check_sheet_names(book(tmp_path, "named", build)) == []

    def defaults(wb, ws):
        wb.add_worksheet()  # Sheet2
        wb.add_worksheet("Chart 3")

    bad = a11y.check_sheet_names(book(tmp_path, "default", defaults))
    assert [(v.rule, v.sheet) for v in bad] == [("sheet-name", "Sheet2"), ("sheet-name", "Chart 3")]


def grid(ws, first_row=0):
    ws.write_row(first_row, 0, ["ID", "Statement", "Rating"])
    for i in range(3):
        ws.write_row(first_row + 1 + i, 0, [f"S{i}", f"Statement {i}", i])


def test_header_names(tmp_path):
    def titled(wb, ws):
        grid(ws)
        wb.define_name("Assessment!Title1", "=Assessment!$A$1")  # column and row headers start here

    def as_table(wb, ws):
        ws.add_table(0, 0, 3, 2, {"columns": [{"header": "ID"}, {"header": "Statement"}, {"header": "Rating"}],
                                  "data": [[f"S{i}", f"Statement {i}", i] for i in range(3)]})

    def paragraphs(wb, ws):
        ws.write_column(0, 0, ["A page of text", "with one column", "and no grid"])

    assert a11y.check_header_names(book(tmp_path, "titled", titled)) == []
    assert a11y.check_header_names(book(tmp_path, "table", as_table)) == []
    assert a11y.check_header_names(book(tmp_path, "paragraphs", paragraphs)) == []
    bad = a11y.check_header_names(book(tmp_path, "plain", lambda wb, ws: grid(ws)))
    assert [(v.rule, v.sheet) for v in bad] == [("header-names", "Assessment")]


def test_merged_inputs(tmp_path):
    def heading_merge(wb, ws):
        ws.merge_range("A1:C1", "Area one", wb.add_format({"bold": True}))
        ws.write_blank("C2", None, wb.add_format({"locked": False}))

    def input_merge(wb, ws):
        ws.merge_range("B2:C2", "", wb.add_format({"locked": False, "text_wrap": True}))

    assert a11y.check_merged_inputs(book(tmp_path, "heading", heading_merge)) == []
    bad = a11y.check_merged_inputs(book(tmp_path, "input", input_merge))
    assert [(v.rule, v.where) for v in bad] == [("merged-input", "B2:C2")]


def test_contrast_ratio_matches_wcag():
    assert a11y.contrast_ratio((0, 0, 0), (255, 255, 255)) == 21
    assert round(a11y.contrast_ratio((0x76, 0x76, 0x76), (255, 255, 255)), 2) == 4.54  # WCAG's lightest AA grey
    assert round(a11y.contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)), 2) == 4.48


def test_contrast(tmp_path):
    def good(wb, ws):
        ws.write("A1", "Core area", wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864"}))
        ws.write("A2", "Growing", wb.add_format({"bg_color": "#FFE699"}))
        ws.write("A3", "Large", wb.add_format({"font_size": 18, "font_color": "#949494"}))  # 3.03:1, large text
        ws.write_blank("A4", None, wb.add_format({"locked": False, "bg_color": "#FFF2CC"}))
        ws.conditional_format("B1:B3", {"type": "cell", "criteria": "==", "value": 0,
                                        "format": wb.add_format({"font_color": "#595959", "bg_color": "#F2F2F2"})})
        ws.write_column("B1", [0, 1, 2])

    def bad_cell(wb, ws):
        ws.write("A1", "Faint", wb.add_format({"font_color": "#A6A6A6"}))

    def bad_input(wb, ws):  # an empty input cell still gets text: yellow on white
        ws.write_blank("A1", None, wb.add_format({"locked": False, "font_color": "#FFC000"}))

    def bad_rule(wb, ws):
        ws.write_column("A1", [0, 1])
        ws.conditional_format("A1:A2", {"type": "cell", "criteria": "==", "value": 0,
                                        "format": wb.add_format({"font_color": "#A6A6A6", "bg_color": "#F2F2F2"})})

    def bad_scale(wb, ws):
        ws.write_column("A1", [0, 1, 2], wb.add_format({"font_color": "#FFFFFF"}))
        ws.conditional_format("A1:A3", {"type": "3_color_scale", "min_color": "#F8CBAD", "mid_color": "#FFE699",
                                        "max_color": "#A9D08E"})

    def light_grey(wb, ws):  # the grey of "Background 1, darker 25%", as RGB
        ws.write("A1", "Text", wb.add_format({"font_color": "#BFBFBF"}))

    assert a11y.check_contrast(book(tmp_path, "good", good)) == []
    for name, build, where in [("cell", bad_cell, "A1"), ("input", bad_input, "A1"), ("rule", bad_rule, "A1:A2"),
                               ("scale", bad_scale, "A1"), ("grey", light_grey, "A1")]:
        found = a11y.check_contrast(book(tmp_path, name, build))
        assert found and {v.rule for v in found} == {"contrast"}, name
        assert found[0].where == where, (name, found)


def test_contrast_reads_theme_colours(tmp_path):
    import openpyxl
    from openpyxl.styles import Color, Font

    path = tmp_path / "theme.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Assessment"
    ws["A1"] = "Dark text"
    ws["A1"].font = Font(color=Color(theme=1))  # dark 1: black, passes
    ws["A2"] = "Background 1, darker 25%"
    ws["A2"].font = Font(color=Color(theme=0, tint=-0.249977111117893))  # BFBFBF on white: 1.8:1
    wb.save(path)
    found = a11y.check_contrast(path)
    assert [(v.where, v.message.split(":")[0]) for v in found] == [("A2", "text #BFBFBF on #FFFFFF")]


def test_input_messages(tmp_path):
    def within(wb, ws):
        ws.data_validation("C2", {"validate": "list", "source": ["0", "1", "2"], "input_title": "Rating (0-5)",
                                  "input_message": "Choose the level that fits your service best."})

    assert a11y.check_input_messages(book(tmp_path, "ok", within)) == []

    path = tmp_path / "long.xlsx"
    book(tmp_path, "long", within)
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "long.xlsx")  # XlsxWriter refuses these, a hand-edited file may not
    dv = wb["Assessment"].data_validations.dataValidation[0]
    dv.promptTitle = "A title that is longer than Excel allows"
    dv.prompt = "x" * 256
    wb.save(path)
    found = a11y.check_input_messages(path)
    assert [v.message.split(" of ")[0] for v in found] == ["input title", "input message"]


def test_colour_cues(tmp_path):
    def worded(wb, ws):
        ws.write_row(0, 0, ["ID", "Rating", "Level"])
        for r in range(1, 4):
            ws.write_number(r, 1, r - 1)
            ws.write_formula(r, 2, f'=IF(B{r + 1}="","",CHOOSE(B{r + 1}+1,"None","Some","Most"))')
        ws.conditional_format("B2:B4", {"type": "3_color_scale"})
        # A row greyed out when the gap is 0, and a words column that says so.
        for r in range(5, 8):
            ws.write_number(r, 1, r % 2)
            ws.write_formula(r, 2, f'=IF(B{r + 1}=0,"No gap: top level reached","")')
        ws.conditional_format("A6:C8", {"type": "formula", "criteria": "=$B6=0",
                                        "format": wb.add_format({"bg_color": "#F2F2F2"})})

    def colour_only(wb, ws):
        ws.write_row(0, 0, ["ID", "Rating", "Gap"])
        for r in range(1, 4):
            ws.write_number(r, 1, r - 1)
            ws.write_formula(r, 2, f"=3-B{r + 1}")  # a number, not words
        ws.conditional_format("A2:C4", {"type": "formula", "criteria": "=$C2=0",
                                        "format": wb.add_format({"bg_color": "#F2F2F2", "font_color": "#595959"})})
        ws.conditional_format("B2:B4", {"type": "3_color_scale"})

    assert a11y.check_colour_cues(book(tmp_path, "worded", worded)) == []
    found = a11y.check_colour_cues(book(tmp_path, "colour-only", colour_only))
    assert [(v.rule, v.where) for v in found] == [("colour-cue", "A2:C4"), ("colour-cue", "B2:B4")]


def test_check_all_names_every_rule(tmp_path):
    def everything_wrong(wb, ws):
        grid(ws)
        ws.merge_range("D2:E2", "", wb.add_format({"locked": False, "font_color": "#C0C0C0"}))
        ws.data_validation("C2", {"validate": "any", "input_title": "Rating", "input_message": "x"})
        ws.conditional_format("C2:C4", {"type": "3_color_scale"})
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"values": "=Assessment!$C$2:$C$4"})
        ws.insert_chart("G2", chart)
        wb.add_worksheet()

    found = a11y.check_all(book(tmp_path, "all", everything_wrong))
    assert {v.rule for v in found} == {"alt-text", "sheet-name", "header-names", "merged-input", "contrast",
                                       "colour-cue"}
    assert all(str(v).startswith(f"[{v.rule}] ") for v in found)
