"""The Summary's charts say what they show (issue 14): counts step by whole numbers, a mean at the scale's lowest
level is a visible bar while an area with nothing rated is a gap, and each chart has alt text."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from maturity_xl.generate import generate
from maturity_xl.layout import SUMMARY, Layout, cell

FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]


def charts(path) -> dict[str, str]:
    """Each chart's XML by its title."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/charts/chart"):
                xml = z.read(name).decode()
                title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0]))
                out[title] = xml
    return out


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_counts_step_by_one_and_not_rated_is_a_gap_below_the_lowest_level(fid, frameworks, tmp_path):
    fw = frameworks[fid]
    path = tmp_path / "book.xlsx"
    generate(fw, path)
    found = charts(path)
    counts = found["How many are at each level"]
    value_axis = counts.split("<c:valAx>")[1]
    step = re.search(r'<c:majorUnit val="([\d.]+)"/>', value_axis)[1]
    assert step == ("1" if len(fw.statements) <= 20 else "5") and 'formatCode="0"' in value_axis
    means = next(xml for title, xml in found.items() if title.startswith("Mean rating"))
    axis_min = float(re.search(r'<c:min val="(-?[\d.]+)"/>', means.split("<c:valAx>")[1])[1])
    assert axis_min < fw.scale.minimum  # the lowest level's mean is a bar, not nothing ...
    assert '<c:crosses val="min"/>' in means  # ... because the bars start at the axis' minimum, not at 0
    assert "plotVisOnly" not in means  # XlsxWriter's show_hidden_data: the hidden column is plotted
    layout = Layout(fw)
    ref = re.search(r"<c:val><c:numRef><c:f>([^<]+)</c:f>", means)[1]
    ws = openpyxl.load_workbook(path)[SUMMARY]
    first = layout.area_spans[0].summary_row
    assert ref.endswith(f"${cell(first, layout.summary_chart_col)[0]}${first + 1}:"
                        f"${cell(first, layout.summary_chart_col)[0]}${layout.area_spans[-1].summary_row + 1}")
    formula = ws.cell(first + 1, layout.summary_chart_col + 1).value
    assert formula.startswith("=IF(SUM(") and "NA()" in formula
    assert ws.column_dimensions[cell(0, layout.summary_chart_col)[0]].hidden
    with zipfile.ZipFile(path) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    descriptions = re.findall(r'descr="([^"]+)"', drawing)
    assert len(descriptions) == 2 and all(len(d) > 40 for d in descriptions)
