"""Consolidated reports of a Collection: one Excel workbook, one self-contained HTML page, and CSV exports.

One module per output, as tablib keeps one per format: `tables` computes the pandas tables every output shares,
`xlsx` (with `sheet`, its typed cell writer) lays them out as a workbook, one module per group of sheets
(`xlsx_overview`, `xlsx_scores`, `xlsx_charts`, `xlsx_detail`; `bulk` and `shared` write the detail sheets' rows
as XML, `deflate` zips each sheet while it is written), `html` (with `svg`, its pictures) as a page, and
`csv` writes the tidy frames whole; `provider_plans` decides when the commissioner's view of graded frameworks
(drawn by feedback.plans) is in all three; `common` holds what they all need.

Everything a service typed is untrusted text. In the workbook it is written with `write_string` only
(a rationale starting with "=" stays text, a URL stays inert), in HTML it is escaped, and in CSV a leading
"=", "+", "-", "@", tab or carriage return gets an apostrophe (CWE-1236). Every file is written to a temporary
name beside its target and moved into place, so a reader never sees half a report.

The reports show distributions and each service's own profile, never a ranking: services rated themselves, so
their scores are not comparable as a league table.
"""

from __future__ import annotations

from .csv import CSV_FRAMES, defuse, write_chase_csv, write_csvs
from .html import render_html, write_html
from .tables import (
    NO_RETURNS,
    NOT_A_LEAGUE_TABLE,
    FrameworkInfo,
    area_means,
    framework_infos,
    heatmap,
    level_distribution,
    overview_rows,
    statement_table,
)
from .xlsx import DETAIL_LIMIT, write_workbook

__all__ = ["CSV_FRAMES", "DETAIL_LIMIT", "NOT_A_LEAGUE_TABLE", "NO_RETURNS", "FrameworkInfo",
           "area_means", "defuse", "framework_infos", "heatmap", "level_distribution", "overview_rows",
           "render_html", "statement_table", "write_chase_csv", "write_csvs", "write_html", "write_workbook"]
