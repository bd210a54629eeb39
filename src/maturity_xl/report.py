"""Consolidated reports of a Collection: one Excel workbook, one self-contained HTML page, and CSV exports.

Everything a service typed is untrusted text. In the workbook it is written with `write_string` only
(a rationale starting with "=" stays text, a URL stays inert), in HTML it is escaped, and in CSV a leading
"=", "+", "-", "@", tab or carriage return gets an apostrophe (CWE-1236). Every file is written to a temporary
name beside its target and moved into place, so a reader never sees half a report.

The reports show distributions and each service's own profile, never a ranking: services rated themselves, so
their scores are not comparable as a league table.
"""

from __future__ import annotations

import html
import math
import numbers
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .collect import DUPLICATE, IGNORED, REJECTED, SUPERSEDED, Collection
from .frames import Frames

NOT_A_LEAGUE_TABLE = ("Self-assessments are not league tables: each service rated itself against its own "
                      "understanding of the statements, so these reports show distributions and each "
                      "service's own profile, not a ranking of services.")
NO_RETURNS = "No accepted returns yet: there is nothing to summarise until completed workbooks are collected."
NOT_IDENTIFIED = "(not identified)"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "default_date_format": "dd/mm/yyyy"}
EXCEL_MAX_TEXT = 32767
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# A diverging scale that stays readable for red-green colour blindness; numbers are always shown on top.
LOW, MID, HIGH = "#F4A582", "#F7F7F7", "#92C5DE"
LEVEL_RAMP = ("#C6DBEF", "#08306B")  # lightest to darkest blue, for the levels of a scale
DATA_FRAMES = ("ratings", "actions", "responses", "log", "problems")
# Detail sheets (text, data tables) hold at most this many rows: past it a workbook takes minutes to write and
# is slow to open; the CSV export always has every row.
DETAIL_LIMIT = 50_000
CSV_FRAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected")


@dataclass(frozen=True, slots=True)
class FrameworkInfo:
    """What a report needs about one framework in the collection (falls back to what the data shows)."""

    id: str
    version: str
    title: str
    areas: tuple[tuple[str, str], ...]
    levels: tuple[tuple[int, str], ...]

    @property
    def low(self) -> int:
        return self.levels[0][0] if self.levels else 0

    @property
    def high(self) -> int:
        return self.levels[-1][0] if self.levels else 1

    def level_header(self, value: int, label: str) -> str:
        return f"{value} \u2013 {label}" if label != str(value) else str(value)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: the target is never half-written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.touch(exist_ok=False)  # created through open(), so the report gets the user's normal permissions
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: object) -> str:
    return "" if _blank(value) else str(value)


def _fmt_date(value: object) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else _text(value)


def _mean_text(value: object) -> str:
    return "\u2013" if _blank(value) else f"{float(value):.1f}"


def framework_infos(collection: Collection, frames: Frames) -> list[FrameworkInfo]:
    """Every framework with accepted returns, in the order they first appear."""
    out: dict[str, FrameworkInfo] = {}
    for r in collection.heads:
        if r.framework_id not in out:
            out[r.framework_id] = _info(collection, r.framework_id, r.framework_version, frames.ratings)
    return list(out.values())


def _info(collection: Collection, fid: str, version: str, ratings: pd.DataFrame) -> FrameworkInfo:
    fw = collection.registry.get(fid, version)
    seen = ratings[ratings.framework_id == fid]
    areas = [(a.id, a.title) for a in fw.areas] if fw else []
    if fw:
        levels = [(lv.value, lv.label) for lv in fw.scale.levels]
    else:
        levels = [(int(v), str(int(v))) for v in sorted(seen.rating.dropna().unique())]
    known = {a for a, _ in areas}
    for aid, title in seen[["area_id", "area"]].drop_duplicates().itertuples(index=False):
        if aid not in known:
            areas.append((aid, _text(title) or aid))
            known.add(aid)
    return FrameworkInfo(fid, version, fw.title if fw else fid, tuple(areas), tuple(levels))


def _framework_title(collection: Collection, fid: str) -> str:
    versions = [r.framework_version for r in collection.heads if r.framework_id == fid]
    versions += [e.framework_version for e in collection.log if e.framework_id == fid]
    versions += [e.framework_version for e in collection.expected or [] if e.framework_id == fid]
    for version in versions:
        fw = collection.registry.get(fid, version)
        if fw:
            return fw.title
    return fid or NOT_IDENTIFIED


def overview_rows(collection: Collection) -> list[dict[str, object]]:
    """Per framework: returns expected, received, missing, and what became of the other files.

    Duplicates carry no framework in the log, so they are counted under the file they copy. Files that could
    not be identified (unreadable, ignored) get their own row, so the status columns add up to the whole log.
    """
    by_file = {e.file: e.framework_id for e in collection.log}

    def fid_of(entry) -> str:
        return entry.framework_id or (by_file.get(entry.same_as, "") if entry.status == DUPLICATE else "")

    order = [r.framework_id for r in collection.heads]
    order += [e.framework_id for e in collection.expected or []]
    order += [fid_of(e) for e in collection.log]
    ids = sorted(dict.fromkeys(order), key=lambda f: f == "")
    rows = []
    for fid in ids:
        statuses = [e.status for e in collection.log if fid_of(e) == fid]
        expected = None if collection.expected is None else \
            sum(e.framework_id == fid for e in collection.expected)
        rows.append({
            "framework": fid or NOT_IDENTIFIED, "title": _framework_title(collection, fid) if fid else "",
            "expected": expected, "received": sum(r.framework_id == fid for r in collection.heads),
            "missing": None if expected is None else sum(m.framework_id == fid for m in collection.missing),
            "rejected": statuses.count(REJECTED), "duplicates": statuses.count(DUPLICATE),
            "superseded": statuses.count(SUPERSEDED), "ignored": statuses.count(IGNORED)})
    return rows


def heatmap(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """One framework's service x area means (columns are area ids), plus rated, total and overall mean."""
    scores = frames.area_scores()
    scores = scores[scores.framework_id == info.id]
    ratings = frames.ratings[frames.ratings.framework_id == info.id]
    areas = [a for a, _ in info.areas]
    columns = ["service_id", "service_name", *areas, "rated", "total", "mean"]
    if scores.empty:
        return pd.DataFrame(columns=columns)
    keys = ["service_id", "service_name"]
    # Whole-frame operations, not a loop over services: a regional collection has thousands of them.
    wide = scores.groupby([*keys, "area_id"], sort=False)["mean"].first().unstack("area_id")
    wide = wide.reindex(columns=areas)
    wide.columns = list(areas)
    sums = scores.groupby(keys, sort=False)[["rated", "total"]].sum()
    overall = ratings.groupby(keys, sort=False)["rating"].mean().rename("mean")
    out = wide.join(sums).join(overall).reset_index()
    out["rated"] = out["rated"].astype(int)
    out["total"] = out["total"].astype(int)
    out["mean"] = out["mean"].astype(float)
    return out[columns].sort_values(["service_name", "service_id"], kind="stable").reset_index(drop=True)


def area_means(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """Each area's mean across services (each service counts once) and how many services rated it."""
    scores = frames.area_scores()
    scores = scores[scores.framework_id == info.id]
    rows = []
    for aid, title in info.areas:
        means = scores.loc[scores.area_id == aid, "mean"].dropna()
        rows.append([aid, title, float(means.mean()) if len(means) else None, len(means)])
    return pd.DataFrame(rows, columns=["area_id", "area", "mean", "services"])


def level_distribution(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """Per area, how many ratings fell at each level (all services together), and how many were left blank."""
    ratings = frames.ratings[frames.ratings.framework_id == info.id]
    rows = []
    for aid, title in info.areas:
        area = ratings[ratings.area_id == aid]
        counts = [int((area.rating == value).sum()) for value, _ in info.levels]
        rows.append([aid, title, *counts, int(area.rating.isna().sum())])
    levels = [f"level_{v}" for v, _ in info.levels]
    return pd.DataFrame(rows, columns=["area_id", "area", *levels, "not_rated"])


def statement_table(frames: Frames, info: FrameworkInfo) -> pd.DataFrame:
    """One framework's statement_stats with a count column for every level of its scale, weakest first."""
    stats = frames.statement_stats()
    stats = stats[stats.framework_id == info.id].copy()
    for value, _ in info.levels:
        column = f"level_{value}"
        stats[column] = stats[column].fillna(0).astype(int) if column in stats else 0
    return stats.reset_index(drop=True)


# The Excel workbook


class _Sheet:
    """A worksheet that writes each value by its type, so text never becomes a formula or a link."""

    def __init__(self, ws: Worksheet, fmt: dict[str, object]):
        self.ws, self.fmt = ws, fmt
        self.col_widths: dict[int, float] = {}

    def put(self, row: int, col: int, value: object, fmt: object = None) -> None:
        ws = self.ws
        kind = type(value)
        if kind is str:  # the common case first: a report is mostly text
            if value:
                ws.write_string(row, col, value[:EXCEL_MAX_TEXT], fmt)
            else:
                ws.write_blank(row, col, None, fmt)
            return
        if kind is float or kind is int:
            if value != value:  # NaN
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, value, fmt)
            return
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if _blank(value) or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, (bool, np.bool_)):
            ws.write_boolean(row, col, bool(value), fmt)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(row, col, value, fmt or self.fmt["date"])
        elif isinstance(value, numbers.Number):
            ws.write_number(row, col, float(value), fmt)
        else:
            ws.write_string(row, col, str(value)[:EXCEL_MAX_TEXT], fmt)

    def row(self, row: int, values: Iterable[object], fmt: object = None, col: int = 0) -> None:
        for offset, value in enumerate(values):
            self.put(row, col + offset, value, fmt)

    def header(self, row: int, names: Iterable[str], col: int = 0) -> None:
        """Header cells, with the row tall enough for the wrapped names (no application sizes it for us)."""
        names = list(names)
        self.row(row, names, self.fmt["header"], col)
        lines = max((math.ceil(len(str(n)) / max(self.col_widths.get(col + i, 8.43) - 1, 1))
                     for i, n in enumerate(names)), default=1)
        if lines > 1:
            self.ws.set_row(row, 15 * min(lines, 6))

    def fit(self, row: int, values: Iterable[object], col: int = 0) -> None:
        """Make a row tall enough for its wrapped text (LibreOffice does not resize rows XlsxWriter wrote)."""
        lines = 1
        for i, value in enumerate(values):
            if type(value) is str and value:
                width = max(self.col_widths.get(col + i, 8.43) * 1.1 - 1, 1)
                if len(value) <= width and "\n" not in value:
                    continue  # one line: the common case, without splitting
                lines = max(lines, sum(math.ceil(max(len(part), 1) / width) for part in value.split("\n")))
        if lines > 1:
            self.ws.set_row(row, min(15 * lines, 409))

    def widths(self, widths: Iterable[float]) -> None:
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)
            self.col_widths[col] = width

    def note(self, row: int, text: str, last_col: int = 8, lines: int = 2) -> None:
        """A wrapped note across several columns, so it reads (and prints) in one block."""
        self.ws.merge_range(row, 0, row, last_col, "", self.fmt["note"])
        self.ws.write_string(row, 0, text, self.fmt["note"])
        self.ws.set_row(row, 15 * lines)

    def printable(self, header_rows: tuple[int, int] | None = None) -> None:
        """Landscape A4, one page wide, with the table header repeated on every page."""
        self.ws.set_paper(9)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        if header_rows:
            self.ws.repeat_rows(*header_rows)


def _formats(wb: xlsxwriter.Workbook) -> dict[str, object]:
    add = wb.add_format
    return {
        "title": add({"bold": True, "font_size": 16}),
        "h2": add({"bold": True, "font_size": 13}),
        "note": add({"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"}),
        "aside": add({"italic": True, "font_color": "#555555"}),
        "header": add({"bold": True, "bg_color": "#E7E6E6", "border": 1, "text_wrap": True, "valign": "top"}),
        "wrap": add({"text_wrap": True, "valign": "top"}),
        "date": add({"num_format": "dd/mm/yyyy", "valign": "top"}),
        "left_date": add({"num_format": "dd/mm/yyyy", "align": "left"}),
        "mean": add({"num_format": "0.0", "border": 1, "align": "center", "valign": "top"}),
        "int": add({"num_format": "0", "border": 1, "align": "center", "valign": "top"}),
        "flag": add({"bg_color": "#FDD9B5", "valign": "top", "text_wrap": True}),
        "flag_date": add({"bg_color": "#FDD9B5", "valign": "top", "num_format": "dd/mm/yyyy"}),
        "flag_bold": add({"bg_color": "#FDD9B5", "valign": "top", "bold": True, "font_color": "#9C3A00"}),
        "bold": add({"bold": True}),
    }


def write_workbook(collection: Collection, path: Path) -> None:
    """The consolidated workbook: overview, profiles, spreads, actions, text, the log and tidy tables."""
    _atomic(Path(path), lambda tmp: _build_workbook(collection, tmp))


def _build_workbook(collection: Collection, path: Path) -> None:
    frames = collection.frames()
    infos = framework_infos(collection, frames)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    # A creation date from the run date, so the same collection gives the same file.
    wb.set_properties({"title": "Self-assessment returns",
                       "created": datetime.combine(collection.today, time())})
    fmt = _formats(wb)

    def sheet(name: str) -> _Sheet:
        return _Sheet(wb.add_worksheet(name), fmt)

    _overview_sheet(sheet("Overview"), collection)
    _scores_sheet(sheet("Scores"), frames, infos)
    _charts_sheet(sheet("Charts"), wb, frames, infos)
    _statements_sheet(sheet("Statements"), frames, infos)
    _actions_sheet(sheet("Actions"), frames)
    _text_sheet(sheet("Text"), frames)
    if collection.expected is not None:
        _missing_sheet(sheet("Missing"), frames)
    _log_sheet(sheet("File log"), frames)
    for name in DATA_FRAMES:
        _data_sheet(sheet(f"Data {name}"), name, getattr(frames, name))
    wb.close()


def _overview_sheet(s: _Sheet, collection: Collection) -> None:
    """The run at a glance: per framework, and every file handed in by status (adding up to the whole log)."""
    s.widths([24, 50, 11, 11, 11, 11, 12, 12, 11])
    s.printable()
    s.put(0, 0, "Self-assessment returns", s.fmt["title"])
    s.put(1, 0, "Run date")
    s.put(1, 1, collection.today, s.fmt["left_date"])
    s.note(2, NOT_A_LEAGUE_TABLE)
    row = 4
    if not collection.heads:
        s.put(row, 0, NO_RETURNS, s.fmt["bold"])
        row += 2
    s.put(row, 0, "Returns per framework", s.fmt["h2"])
    s.header(row + 1, ["Framework", "Title", "Expected", "Received", "Missing", "Rejected", "Duplicates",
                       "Superseded", "Ignored"])
    row += 2
    for item in overview_rows(collection):
        s.row(row, item.values())
        if item["expected"] is None:
            s.put(row, 2, "no manifest")
            s.put(row, 4, "no manifest")
        row += 1
    row += 1
    s.put(row, 0, "Files handed in", s.fmt["h2"])
    s.header(row + 1, ["Status", "Files"])
    row += 2
    for status, count in collection.counts().items():
        s.row(row, [status, count])
        row += 1
    s.row(row, ["Total", len(collection.log)], s.fmt["bold"])
    if collection.expected is None:
        s.note(row + 2, "No manifest was given, so expected and missing returns are not known.", lines=1)


def _scores_sheet(s: _Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """Each service's own profile: mean per area, coloured and with the number shown."""
    s.put(0, 0, "Mean rating per area, for each service", s.fmt["title"])
    s.widths([14, 34] + [14] * 12)
    s.note(1, NOT_A_LEAGUE_TABLE, last_col=7)
    s.printable()
    s.ws.freeze_panes(0, 2)
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _heatmap_block(s, frames, info, row) + 2


def _heatmap_block(s: _Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    table = heatmap(frames, info)
    s.put(row, 0, f"{info.title} ({info.id} {info.version}): scale {info.low} to {info.high}", s.fmt["h2"])
    areas = [a for a, _ in info.areas]
    titles = [t for _, t in info.areas]
    s.header(row + 1, ["Service ID", "Service", *titles, "Rated", "Total", "Overall mean"])
    first = row + 2
    for i, item in enumerate(table.itertuples(index=False)):
        r = first + i
        s.row(r, [item[0], item[1]])
        s.row(r, [item[2 + j] for j in range(len(areas))], s.fmt["mean"], col=2)
        s.row(r, [item[2 + len(areas)], item[3 + len(areas)]], s.fmt["int"], col=2 + len(areas))
        s.put(r, 4 + len(areas), item[4 + len(areas)], s.fmt["mean"])
    last = first + len(table) - 1
    if len(table):
        colour = {"type": "3_color_scale", "min_type": "num", "min_value": info.low, "mid_type": "num",
                  "mid_value": (info.low + info.high) / 2, "max_type": "num", "max_value": info.high,
                  "min_color": LOW, "mid_color": MID, "max_color": HIGH}
        s.ws.conditional_format(first, 2, last, 1 + len(areas), colour)
        s.ws.conditional_format(first, 4 + len(areas), last, 4 + len(areas), colour)
    return max(last, first)


def _charts_sheet(s: _Sheet, wb: xlsxwriter.Workbook, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """Pictures of the distributions, each with its numbers beside it."""
    s.put(0, 0, "Area means and the spread of levels", s.fmt["title"])
    s.widths([34, 12, 12, 12, 12, 12, 12, 12])
    s.note(1, NOT_A_LEAGUE_TABLE, last_col=12)
    s.printable()
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _area_means_block(s, wb, frames, info, row) + 2
        row = _distribution_block(s, wb, frames, info, row) + 2


def _area_means_block(s: _Sheet, wb: xlsxwriter.Workbook, frames: Frames, info: FrameworkInfo,
                      row: int) -> int:
    means = area_means(frames, info)
    s.put(row, 0, f"{info.title}: mean of each area across services", s.fmt["h2"])
    s.header(row + 1, ["Area", "Mean", "Services"])
    first = row + 2
    for i, item in enumerate(means.itertuples(index=False)):
        s.put(first + i, 0, item.area)
        s.put(first + i, 1, item.mean, s.fmt["mean"])
        s.put(first + i, 2, item.services, s.fmt["int"])
    last = first + max(len(means), 1) - 1
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Mean across services", "categories": [s.ws.name, first, 0, last, 0],
                      "values": [s.ws.name, first, 1, last, 1], "fill": {"color": "#4A6FA5"},
                      "data_labels": {"value": True, "num_format": "0.0"}})
    chart.set_title({"name": f"{info.title}: area means", "name_font": {"size": 11}})
    chart.set_x_axis({"min": info.low, "max": info.high, "major_unit": 1})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": max(220, 60 + 28 * len(means))})
    s.ws.insert_chart(row + 1, 4, chart)
    return max(last, row + 2 + max(220, 60 + 28 * len(means)) // 20)


def _distribution_block(s: _Sheet, wb: xlsxwriter.Workbook, frames: Frames, info: FrameworkInfo,
                        row: int) -> int:
    dist = level_distribution(frames, info)
    s.put(row, 0, f"{info.title}: how many ratings at each level, per area", s.fmt["h2"])
    s.header(row + 1, ["Area", *[info.level_header(v, lab) for v, lab in info.levels], "Not rated"])
    first = row + 2
    for i, item in enumerate(dist.itertuples(index=False)):
        s.put(first + i, 0, item[1])
        s.row(first + i, item[2:], s.fmt["int"], col=1)
    last = first + max(len(dist), 1) - 1
    chart = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
    for j, _level in enumerate(info.levels):
        chart.add_series({"name": [s.ws.name, row + 1, 1 + j], "categories": [s.ws.name, first, 0, last, 0],
                          "values": [s.ws.name, first, 1 + j, last, 1 + j],
                          "fill": {"color": _level_colour(j, len(info.levels))}, "gap": 60})
    # Shares, not counts: areas have different numbers of statements, and the spread is what matters.
    chart.set_title({"name": f"{info.title}: share of ratings at each level", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    height = max(260, 110 + 30 * len(dist))
    chart.set_size({"width": 640, "height": height})
    s.ws.insert_chart(row + 1, 2 + len(info.levels), chart)
    return max(last, row + 2 + height // 20)


def _statements_sheet(s: _Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """How each statement's ratings spread across the levels, weakest first."""
    s.put(0, 0, "Statements: the spread of ratings, weakest first", s.fmt["title"])
    s.widths([12, 26, 60] + [11] * 10)
    s.note(1, "Counts of services at each level; statements no service rated are not listed.", 6, 1)
    s.printable()
    s.ws.freeze_panes(0, 3)
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _statement_block(s, frames, info, row) + 2


def _statement_block(s: _Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    stats = statement_table(frames, info)
    s.put(row, 0, info.title, s.fmt["h2"])
    levels = [f"level_{v}" for v, _ in info.levels]
    headers = [info.level_header(v, lab) for v, lab in info.levels]
    s.header(row + 1, ["Statement ID", "Area", "Statement", *headers, "Rated", "Mean"])
    first = row + 2
    for i, item in enumerate(stats.to_dict("records")):
        s.row(first + i, [item["statement_id"], item["area"], item["statement"]], s.fmt["wrap"])
        s.fit(first + i, [item["statement_id"], item["area"], item["statement"]])
        s.row(first + i, [item[c] for c in levels] + [item["rated"]], s.fmt["int"], col=3)
        s.put(first + i, 4 + len(levels), item["mean"], s.fmt["mean"])
    last = first + len(stats) - 1
    if len(stats):
        s.ws.conditional_format(first, 4 + len(levels), last, 4 + len(levels), {
            "type": "3_color_scale", "min_type": "num", "min_value": info.low, "mid_type": "num",
            "mid_value": (info.low + info.high) / 2, "max_type": "num", "max_value": info.high,
            "min_color": LOW, "mid_color": MID, "max_color": HIGH})
    return max(last, first)


ACTION_HEADERS = ["Framework", "Service ID", "Service", "Statement ID", "Statement", "Action", "Lead",
                  "Deadline", "Review date", "Status", "Details", "Flag"]
ACTION_FIELDS = ["framework_id", "service_id", "service_name", "statement_id", "statement", "action", "lead",
                 "deadline", "review_date", "status", "details"]


def _flag(item: dict) -> str:
    flags = (("Overdue", item["overdue"]), ("No lead", item["ownerless"]))
    return ", ".join(word for word, on in flags if on)


def _actions_sheet(s: _Sheet, frames: Frames) -> None:
    """Every action, with the overdue and ownerless ones flagged in words and by fill.

    Past DETAIL_LIMIT actions (a regional collection) the flagged ones come first, so none of them is among the
    rows left to the CSV export.
    """
    s.put(0, 0, "Actions", s.fmt["title"])
    s.widths([14, 12, 24, 11, 34, 40, 18, 11, 11, 14, 30, 16])
    s.note(1, "Overdue: the deadline has passed and the status is not done. "
              "No lead: nobody is named to lead it.", 6, 1)
    s.printable((3, 3))
    s.header(3, ACTION_HEADERS)
    actions = frames.actions
    if len(actions) > DETAIL_LIMIT:
        flagged = actions.overdue.astype(bool) | actions.ownerless.astype(bool)
        actions = pd.concat([actions[flagged], actions[~flagged]])
        actions = _capped(s, actions, 2)
    records = (dict(zip(actions.columns, values)) for values in zip(*(actions[c].tolist() for c in actions.columns)))
    fmt = s.fmt
    for i, item in enumerate(records):
        flag = _flag(item)
        for j, field in enumerate(ACTION_FIELDS):
            dated = field in ("deadline", "review_date")
            style = ("flag_date" if dated else "flag") if flag else ("date" if dated else "wrap")
            s.put(4 + i, j, item[field], fmt[style])
        s.put(4 + i, len(ACTION_FIELDS), flag, fmt["flag_bold"] if flag else None)
        s.fit(4 + i, [item[field] for field in ACTION_FIELDS])
    if actions.empty:
        s.put(4, 0, "No actions were returned.", s.fmt["aside"])
    else:
        s.ws.autofilter(3, 0, 3 + len(actions), len(ACTION_HEADERS) - 1)
    s.ws.freeze_panes(4, 0)


def _text_sheet(s: _Sheet, frames: Frames) -> None:
    """What services wrote in support of their ratings, for reading alongside the numbers."""
    s.put(0, 0, "Rationale and evidence", s.fmt["title"])
    s.widths([14, 12, 24, 11, 34, 8, 60, 60])
    s.printable((2, 2))
    s.header(2, ["Framework", "Service ID", "Service", "Statement ID", "Statement", "Rating", "Rationale",
                 "Evidence"])
    ratings = frames.ratings
    keep = ratings.rationale.fillna("").astype(str).str.strip().ne("") | \
        ratings.evidence.fillna("").astype(str).str.strip().ne("")
    rows = _capped(s, ratings[keep], 1)
    columns = ("framework_id", "service_id", "service_name", "statement_id", "statement", "rating", "rationale",
               "evidence")
    wrap = s.fmt["wrap"]
    for i, values in enumerate(zip(*(rows[c].tolist() for c in columns))):
        s.row(3 + i, values, wrap)
        s.fit(3 + i, values)
    if rows.empty:
        s.put(3, 0, "No rationale or evidence text was returned.", s.fmt["aside"])
    s.ws.freeze_panes(3, 0)


def _missing_sheet(s: _Sheet, frames: Frames) -> None:
    """Who has not returned yet, and who returned without being on the manifest."""
    s.put(0, 0, "Missing returns", s.fmt["title"])
    s.widths([22, 12, 14, 34, 30, 50])
    s.printable()
    s.put(2, 0, "Services in the manifest with no accepted return", s.fmt["h2"])
    s.header(3, ["Framework", "Version", "Service ID", "Service", "Contact", "File sent"])
    missing = frames.missing
    for i, item in enumerate(missing.itertuples(index=False)):
        s.row(4 + i, item)
    if missing.empty:
        s.put(4, 0, "None: every service in the manifest has returned.", s.fmt["aside"])
    row = 4 + max(len(missing), 1) + 2
    s.put(row, 0, "Returns from services not in the manifest", s.fmt["h2"])
    s.header(row + 1, ["Framework", "Service ID", "Service", "File"])
    unexpected = frames.unexpected
    for i, item in enumerate(unexpected.itertuples(index=False)):
        s.row(row + 2 + i, item)
    if unexpected.empty:
        s.put(row + 2, 0, "None.", s.fmt["aside"])


LOG_HEADERS = {"file": "File", "status": "Status", "reason": "Reason", "advice": "What the sender should do",
               "service_id": "Service ID", "service_name": "Service", "framework_id": "Framework",
               "framework_version": "Version", "completed": "Completed", "warnings": "Warnings",
               "errors": "Errors", "same_as": "Same as / superseded by", "size": "Bytes", "sha256": "SHA-256"}


def _log_sheet(s: _Sheet, frames: Frames) -> None:
    """Every file handed in and what became of it, so nothing is silently dropped."""
    s.put(0, 0, "File log", s.fmt["title"])
    s.widths([40, 20, 40, 40, 12, 24, 16, 8, 11, 9, 8, 30, 10, 66])
    s.printable((2, 2))
    s.header(2, LOG_HEADERS.values())
    for i, item in enumerate(frames.log.to_dict("records")):
        s.row(3 + i, [item[c] for c in LOG_HEADERS], s.fmt["wrap"])
        s.fit(3 + i, [item[c] for c in LOG_HEADERS if c != "sha256"])
        s.put(3 + i, 8, item["completed"], s.fmt["date"])
    if len(frames.log):
        s.ws.autofilter(2, 0, 2 + len(frames.log), len(LOG_HEADERS) - 1)
    s.ws.freeze_panes(3, 1)


def _data_sheet(s: _Sheet, name: str, frame: pd.DataFrame) -> None:
    """A tidy frame as an Excel table for pivots and Power BI.

    add_table(data=...) would write each cell with write(), which turns "=..." into a formula; so the table is
    declared with its headers only and the cells are written here by type.
    """
    total = len(frame)
    frame = frame.iloc[:DETAIL_LIMIT]
    writers = [_column_writer(s, frame[c]) for c in frame.columns]
    for col, (write, values) in enumerate(zip(writers, (frame[c].tolist() for c in frame.columns))):
        for i, value in enumerate(values):
            write(1 + i, col, value)
    if total > len(frame):
        s.put(len(frame) + 2, 0, f"{total - len(frame):,} more rows are in the CSV export (--csv-dir): Excel "
                                 f"holds the first {len(frame):,} here.", s.fmt["aside"])
    columns = [{"header": str(c)} for c in frame.columns]
    # An Excel table needs one data row, so an empty frame gets one blank row.
    s.ws.add_table(0, 0, max(len(frame), 1), len(columns) - 1,
                   {"name": f"tbl_{name}", "columns": columns, "style": "Table Style Light 9"})
    s.widths([max(10, min(40, len(str(c)) + 4)) for c in frame.columns])
    s.ws.freeze_panes(1, 0)


def _column_writer(s: _Sheet, series: pd.Series):
    """A writer for one column, chosen once by its dtype: numbers stay numbers, everything else is put() by type."""
    ws = s.ws
    if pd.api.types.is_bool_dtype(series.dtype):
        return lambda r, c, v: ws.write_boolean(r, c, bool(v)) if not _blank(v) else ws.write_blank(r, c, None)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return lambda r, c, v: ws.write_blank(r, c, None) if _blank(v) else ws.write_number(r, c, float(v))
    return s.put


def _capped(s: _Sheet, frame: pd.DataFrame, note_row: int) -> pd.DataFrame:
    """The first DETAIL_LIMIT rows, with a note saying where the rest are."""
    if len(frame) <= DETAIL_LIMIT:
        return frame
    s.put(note_row, 0, f"The first {DETAIL_LIMIT:,} of {len(frame):,} rows; the CSV export (--csv-dir) has them "
                       f"all.", s.fmt["aside"])
    return frame.iloc[:DETAIL_LIMIT]


# The HTML page


CSS = """
:root { --ink: #1b1b1b; --muted: #595959; --line: #c8c8c8; --accent: #4a6fa5; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       max-width: 1100px; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.muted { color: var(--muted); }
.note { background: #eef2f8; border-left: 4px solid var(--accent); padding: .6rem .9rem; margin: 1rem 0; }
.stats { display: flex; gap: .8rem; flex-wrap: wrap; margin: 1rem 0; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; min-width: 9rem; }
.stat .n { display: block; font-size: 2rem; font-weight: 700; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #ececec; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.heat th.num { text-align: center; font-size: .8rem; }
table.heat td.num { text-align: center; vertical-align: middle; }
table.heat td:nth-child(2) { min-width: 12em; }
.legend { font-size: .85rem; margin: .3rem 0; }
.key { display: inline-block; width: .9em; height: .9em; margin: 0 .25em 0 .7em; vertical-align: -.1em;
       border: 1px solid #999; }
.dist { display: flex; align-items: center; gap: .5rem; white-space: nowrap; }
.dist small { color: var(--muted); }
svg { max-width: 100%; height: auto; }
svg text { font-family: inherit; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0 2px; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-before: page; }
  h2.flow { break-before: auto; }
  tr, .stat, svg, .note { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def write_html(collection: Collection, path: Path) -> None:
    """One self-contained page (no scripts, no network) that a programme lead can email or print."""
    page = render_html(collection)
    _atomic(Path(path), lambda tmp: tmp.write_text(page, encoding="utf-8"))


def render_html(collection: Collection) -> str:
    """The HTML report as a string; every piece of returned text is escaped."""
    frames = collection.frames()
    infos = framework_infos(collection, frames)
    body = [_html_headline(collection)]
    body += [_html_framework(frames, info) for info in infos]
    body += [_html_actions(frames), _html_missing(collection, frames), _html_log(collection)]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>Self-assessment returns</title>\n<style>" + CSS + "</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _e(value: object) -> str:
    return html.escape(_text(value))


def _table(headers: list[str], rows: Iterable[Iterable[object]], numeric: Iterable[int] = (),
           cls: str = "") -> str:
    """An HTML table; values are escaped here unless already rendered markup (wrapped in _Markup)."""
    numeric = set(numeric)
    num = ' class="num"'
    head = "".join(f"<th{num if i in numeric else ''}>{_e(h)}</th>" for i, h in enumerate(headers))
    lines = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            content = value.html if isinstance(value, _Markup) else _e(value)
            attrs = value.attrs if isinstance(value, _Markup) else ""
            cells.append(f"<td{num if i in numeric else ''}{attrs}>{content}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(lines) + "\n</tbody></table>"


@dataclass(frozen=True, slots=True)
class _Markup:
    """Markup this module built itself (from escaped parts), to place in a table cell unescaped."""

    html: str
    attrs: str = ""


def _html_headline(collection: Collection) -> str:
    expected = len(collection.expected) if collection.expected is not None else None
    figures = [("expected", "expected", "\u2013" if expected is None else expected),
               ("received", "received", len(collection.heads)),
               ("missing", "missing", "\u2013" if expected is None else len(collection.missing)),
               ("rejected", "files rejected", collection.counts()[REJECTED])]
    stats = "".join(f'<div class="stat"><span class="n" id="n-{key}">{_e(n)}</span>{_e(label)}</div>'
                    for key, label, n in figures)
    parts = ["<h1>Self-assessment returns</h1>",
             f'<p class="muted">Run date {_fmt_date(collection.today)}</p>',
             f'<p class="note">{_e(NOT_A_LEAGUE_TABLE)}</p>', f'<div class="stats">{stats}</div>']
    if expected is None:
        parts.append('<p class="muted">No manifest was given, so expected and missing returns are not '
                     'known.</p>')
    if not collection.heads:
        parts.append(f"<p><strong>{_e(NO_RETURNS)}</strong></p>")
    rows = [[r["framework"], r["title"], _dash(r["expected"]), r["received"], _dash(r["missing"]),
             r["rejected"], r["duplicates"], r["superseded"], r["ignored"]]
            for r in overview_rows(collection)]
    parts.append(_table(["Framework", "Title", "Expected", "Received", "Missing", "Rejected", "Duplicates",
                         "Superseded", "Ignored"], rows, numeric=range(2, 9)))
    return "\n".join(parts)


def _dash(value: object) -> object:
    return "\u2013" if value is None else value


def _html_framework(frames: Frames, info: FrameworkInfo) -> str:
    return "\n".join([
        f"<h2>{_e(info.title)} <span class=\"muted\">({_e(info.id)} {_e(info.version)})</span></h2>",
        "<h3>Mean of each area across services</h3>", _svg_area_means(area_means(frames, info), info),
        "<h3>Each service's own profile: mean rating per area</h3>", _html_heatmap(frames, info),
        "<h3>Weakest statements</h3>", _html_weakest(frames, info)])


def _svg_area_means(means: pd.DataFrame, info: FrameworkInfo) -> str:
    """A horizontal bar per area from the bottom of the scale to its mean, with the value at its end."""
    label_w, bar_w, row_h, top = 300, 420, 26, 24
    height = top + row_h * len(means) + 8
    span = max(info.high - info.low, 1)

    def x(value: float) -> float:
        return label_w + bar_w * (value - info.low) / span

    width = label_w + bar_w + 50
    parts = [(f'<svg role="img" aria-label="Mean of each area" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}">')]
    for value, _label in info.levels:
        parts.append(f'<line x1="{x(value):.1f}" y1="{top - 4}" x2="{x(value):.1f}" y2="{height - 8}" '
                     f'stroke="#ddd"/><text x="{x(value):.1f}" y="{top - 8}" font-size="11" '
                     f'text-anchor="middle" fill="#595959">{_e(value)}</text>')
    for i, item in enumerate(means.itertuples(index=False)):
        y = top + i * row_h
        title = _text(item.area)
        short = title if len(title) <= 40 else title[:39] + "\u2026"
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="12" text-anchor="end">'
                     f'<title>{_e(title)}</title>{_e(short)}</text>')
        if _blank(item.mean):
            parts.append(f'<text x="{label_w + 4}" y="{y + 17}" font-size="12" fill="#595959">'
                         'not rated</text>')
            continue
        end = x(float(item.mean))
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(end - label_w, 1):.1f}" '
                     f'height="{row_h - 8}" fill="#4a6fa5"/><text x="{end + 4:.1f}" y="{y + 17}" '
                     f'font-size="12">{_mean_text(item.mean)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_heatmap(frames: Frames, info: FrameworkInfo) -> str:
    table = heatmap(frames, info)
    areas = [a for a, _ in info.areas]
    rows = []
    for item in table.to_dict("records"):
        cells = [_heat_cell(item[a], info) for a in areas]
        rows.append([item["service_id"], item["service_name"], *cells,
                     f"{item['rated']}/{item['total']}", _heat_cell(item["mean"], info)])
    n = len(areas)
    legend = (f'<p class="legend">Colour shows the mean on the scale {info.low} to {info.high}:'
              f'<span class="key" style="background:{LOW}"></span>{info.low}'
              f'<span class="key" style="background:{MID}"></span>{_e((info.low + info.high) / 2)}'
              f'<span class="key" style="background:{HIGH}"></span>{info.high}</p>')
    return legend + _table(["Service ID", "Service", *[t for _, t in info.areas], "Rated", "Overall"], rows,
                           numeric=range(2, n + 4), cls="heat")


def _heat_cell(value: object, info: FrameworkInfo) -> _Markup:
    if _blank(value):
        return _Markup("\u2013")
    return _Markup(_mean_text(value), f' style="background:{_colour(float(value), info.low, info.high)}"')


def _colour(value: float, low: float, high: float) -> str:
    """The same three-colour scale Excel's conditional format uses, low -> mid -> high."""
    t = 0.5 if high == low else min(max((value - low) / (high - low), 0.0), 1.0)
    a, b, f = (LOW, MID, t * 2) if t <= 0.5 else (MID, HIGH, t * 2 - 1)
    return _mix(a, b, f)


def _mix(a: str, b: str, f: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(ca, cb))


def _level_colour(index: int, count: int) -> str:
    return _mix(*LEVEL_RAMP, index / max(count - 1, 1)) if count > 1 else LEVEL_RAMP[1]


def _html_weakest(frames: Frames, info: FrameworkInfo, top: int = 10) -> str:
    stats = statement_table(frames, info).head(top)
    if stats.empty:
        return '<p class="muted">No statement has a rating yet.</p>'
    legend = '<p class="legend">Services at each level:' + "".join(
        f'<span class="key" style="background:{_level_colour(j, len(info.levels))}"></span>'
        f"{_e(info.level_header(v, lab))}" for j, (v, lab) in enumerate(info.levels)) + "</p>"
    rows = []
    for item in stats.to_dict("records"):
        counts = [int(item[f"level_{v}"]) for v, _ in info.levels]
        rows.append([item["statement_id"], item["statement"], item["area"], _mean_text(item["mean"]),
                     item["rated"], _Markup(_svg_stack(counts, info))])
    return legend + _table(["ID", "Statement", "Area", "Mean", "Rated", "Distribution"], rows, numeric=(3, 4))


def _svg_stack(counts: list[int], info: FrameworkInfo, width: int = 160, height: int = 14) -> str:
    """A small stacked bar of counts per level, with the counts written beside it so colour is not needed."""
    total = sum(counts) or 1
    x, parts = 0.0, []
    for j, count in enumerate(counts):
        w = width * count / total
        if w:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                         f'fill="{_level_colour(j, len(counts))}" stroke="#fff" stroke-width="1"/>')
        x += w
    label = " \u00b7 ".join(str(c) for c in counts)
    names = ", ".join(f"{info.level_header(v, lab)}: {c}" for (v, lab), c in zip(info.levels, counts))
    return (f'<span class="dist"><svg role="img" aria-label="{_e(names)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{_e(names)}</title>{"".join(parts)}</svg>'
            f"<small>{_e(label)}</small></span>")


def _html_actions(frames: Frames) -> str:
    actions = frames.actions
    overdue = actions[actions.overdue.astype(bool)]
    ownerless = actions[actions.ownerless.astype(bool)]
    head = ["Framework", "Service", "Statement", "Action", "Lead", "Deadline", "Status"]

    def rows(frame: pd.DataFrame) -> list[list[object]]:
        return [[a["framework_id"], a["service_name"] or a["service_id"], a["statement_id"], a["action"],
                 a["lead"], _fmt_date(a["deadline"]), a["status"]] for a in frame.to_dict("records")]

    none = '<p class="muted">None.</p>'
    return "\n".join([
        "<h2>Actions</h2>",
        (f"<p>{len(actions)} actions returned; {len(overdue)} overdue, "
         f"{len(ownerless)} with no lead named.</p>"),
        "<h3>Overdue actions</h3>", _table(head, rows(overdue)) if len(overdue) else none,
        "<h3>Actions with no lead</h3>", _table(head, rows(ownerless)) if len(ownerless) else none])


def _html_missing(collection: Collection, frames: Frames) -> str:
    parts = ['<h2 class="flow">Missing returns</h2>']
    if collection.expected is None:
        parts.append('<p class="muted">No manifest was given, so missing returns cannot be listed.</p>')
        return "\n".join(parts)
    missing = frames.missing[["framework_id", "service_id", "service_name", "contact"]]
    if len(missing):
        parts.append(_table(["Framework", "Service ID", "Service", "Contact"],
                            missing.itertuples(index=False)))
    else:
        parts.append('<p class="muted">None: every service in the manifest has returned.</p>')
    unexpected = frames.unexpected
    if len(unexpected):
        parts.append("<h3>Returns from services not in the manifest</h3>")
        parts.append(_table(["Framework", "Service ID", "Service", "File"],
                            unexpected.itertuples(index=False)))
    return "\n".join(parts)


def _html_log(collection: Collection) -> str:
    rows = [[status, n] for status, n in collection.counts().items()] + [["Total", len(collection.log)]]
    parts = ['<h2 class="flow">Files handed in</h2>', _table(["Status", "Files"], rows, numeric=(1,))]
    rejected = [e for e in collection.log if e.status == REJECTED]
    if rejected:
        parts.append("<h3>Rejected files</h3>")
        parts.append(_table(["File", "Reason", "What the sender should do"],
                            [[e.file, e.reason, e.advice] for e in rejected]))
    return "\n".join(parts)


# CSV exports


def write_csvs(collection: Collection, folder: Path) -> list[Path]:
    """The tidy frames as CSV (UTF-8 with BOM for Excel), with formula injection defused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    paths = []
    for name in CSV_FRAMES:
        target = folder / f"{name}.csv"
        safe = defuse(getattr(frames, name))
        _atomic(target, lambda tmp, frame=safe: frame.to_csv(tmp, index=False, encoding="utf-8-sig",
                                                             date_format="%Y-%m-%d"))
        paths.append(target)
    return paths


def defuse(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix an apostrophe to any text cell a spreadsheet would run as a formula (CWE-1236)."""
    def cell(value: object) -> object:
        return "'" + value if isinstance(value, str) and value.startswith(CSV_DANGEROUS) else value

    return frame.astype(object).map(cell) if len(frame) else frame


__all__ = ["NOT_A_LEAGUE_TABLE", "area_means", "defuse", "framework_infos", "heatmap", "level_distribution",
           "overview_rows", "render_html", "statement_table", "write_csvs", "write_html", "write_workbook"]
