"""The consolidated report workbook: overview, each service's profile, charts, statements, actions, text,
missing returns, the file log, and the tidy frames as Excel tables for pivots and Power BI."""

from __future__ import annotations

import gc
from datetime import datetime, time
from pathlib import Path

import xlsxwriter

from ..collect import Collection
from ..feedback.plans import write_provider_plans_sheet
from ..heap import give_back
from ..xlsxsafe import InertWorksheet
from .common import atomic_write
from .deflate import fast_deflate
from .provider_plans import SHEET as PLANS_SHEET
from .provider_plans import collection_plans
from .sheet import WORKBOOK_OPTIONS, Sheet, formats
from .tables import framework_infos
from .xlsx_changes import change_sheets
from .xlsx_charts import charts_sheet
from .xlsx_detail import (
    ACTION_HEADERS,
    DETAIL_LIMIT,
    LOG_HEADERS,
    actions_sheet,
    data_sheet,
    log_sheet,
    missing_sheet,
    text_sheet,
)
from .xlsx_overview import chase_sheet, overview_sheet
from .xlsx_scores import UNRATED_LAST, scores_sheet, statements_sheet

__all__ = ["ACTION_HEADERS", "DATA_COLUMNS", "DATA_FRAMES", "DETAIL_LIMIT", "LOG_HEADERS", "UNRATED_LAST",
           "write_workbook"]

# The log and the actions are not among them: the File log and Actions sheets are their tables (tbl_log,
# tbl_actions), so their rows are written once.
DATA_FRAMES = ("ratings", "responses", "problems")
# The ratings table leaves out the text that is elsewhere in the workbook: statement and area titles (the
# Statements and Scores sheets), rationale and evidence (the Text sheet). ratings.csv has every column.
DATA_COLUMNS = {"ratings": ["framework_id", "framework_version", "service_id", "service_name", "area_id",
                            "statement_id", "rating", "level", "target", "target_chosen", "gap", "file"]}


def write_workbook(collection: Collection, path: Path) -> None:
    """The consolidated workbook: overview, profiles, spreads, actions, text, the log and tidy tables."""
    try:
        atomic_write(Path(path), lambda tmp: _build_workbook(collection, tmp))
    finally:
        # XlsxWriter's workbook, sheets and string table refer to one another, so what they held (23 MB at 1,000
        # returns) waited for the cycle collector, and was still held while the page and the CSVs were written:
        # the job's peak. Freed here, at once (outputs.write_reports then gives the pages back).
        gc.collect()


def _build_workbook(collection: Collection, path: Path) -> None:
    frames = collection.frames()
    infos = framework_infos(collection, frames)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    # A creation date from the run date, so the same collection gives the same file.
    wb.set_properties({"title": "Self-assessment returns",
                       "created": datetime.combine(collection.today, time())})
    fmt = formats(wb)

    def sheet(name: str) -> Sheet:
        return Sheet(wb.add_worksheet(name, worksheet_class=InertWorksheet), fmt, wb)

    overview_sheet(sheet("Overview"), collection, frames, infos)
    if collection.expected is not None:
        chase_sheet(sheet("Chase"), collection)
    scores_sheet(sheet("Scores"), frames, infos)
    charts_sheet(sheet("Charts"), wb, frames, infos)
    change_sheets(sheet, wb, collection, frames, infos)  # from a store: Change (when comparing) and Trend
    statements_sheet(sheet("Statements"), frames, infos)
    actions_sheet(sheet("Actions"), frames)
    plans = collection_plans(collection, frames)
    if plans is not None:  # only for graded frameworks (Progress for Providers): the commissioner's view
        write_provider_plans_sheet(wb, plans, frameworks=collection.registry.get, name=PLANS_SHEET)
    text_sheet(sheet("Text"), frames)
    if collection.expected is not None:
        missing_sheet(sheet("Missing"), frames)
    log_sheet(sheet("File log"), frames)
    for name in DATA_FRAMES:  # the ratings without their free texts, which this table leaves out
        frame = frames.lean_ratings if name == "ratings" else getattr(frames, name)
        data_sheet(sheet(f"Data {name}"), name, frame, DATA_COLUMNS.get(name))
    give_back()  # what the sheets' figures were worked out with, before the rows are made
    with fast_deflate(workbook=wb):  # each sheet deflated by a second thread as it is written
        wb.close()
