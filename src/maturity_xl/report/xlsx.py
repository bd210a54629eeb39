"""The consolidated report workbook: overview, each service's profile, charts, statements, actions, text,
missing returns, the file log, and the tidy frames as Excel tables for pivots and Power BI."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..chase import chase_frame
from ..collect import Collection
from ..frames import Frames
from ..model import ACTION_ROLES
from .common import HIGH, LOW, MID, atomic_write, blank, level_colour, mean_text, rounded
from .sheet import WORKBOOK_OPTIONS, Sheet, formats
from .tables import (
    AREA_MEANS_ARE,
    BLANK_DOES_NOT_COUNT,
    NO_RETURNS,
    NOT_A_LEAGUE_TABLE,
    FrameworkInfo,
    area_means,
    framework_infos,
    framework_means,
    headline,
    heatmap,
    level_distribution,
    overview_rows,
    statement_table,
)

# The log is not among them: the File log sheet is its table (tbl_log), so its rows are written once.
DATA_FRAMES = ("ratings", "actions", "responses", "problems")
# Detail sheets (text, data tables) hold at most this many rows: past it a workbook takes minutes to write and
# is slow to open; the CSV export always has every row.
DETAIL_LIMIT = 50_000
# The frames keep the statements nobody rated (Frames.statement_stats), and so does the Statements sheet.
UNRATED_LAST = "Counts of services at each level; statements no service rated come last, with no mean."


def write_workbook(collection: Collection, path: Path) -> None:
    """The consolidated workbook: overview, profiles, spreads, actions, text, the log and tidy tables."""
    atomic_write(Path(path), lambda tmp: _build_workbook(collection, tmp))


def _build_workbook(collection: Collection, path: Path) -> None:
    frames = collection.frames()
    infos = framework_infos(collection, frames)
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    # A creation date from the run date, so the same collection gives the same file.
    wb.set_properties({"title": "Self-assessment returns",
                       "created": datetime.combine(collection.today, time())})
    fmt = formats(wb)

    def sheet(name: str) -> Sheet:
        return Sheet(wb.add_worksheet(name), fmt, wb)

    _overview_sheet(sheet("Overview"), collection, frames, infos)
    if collection.expected is not None:
        _chase_sheet(sheet("Chase"), collection)
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


OVERVIEW_HEADERS = ["Framework", "Title", "Expected", "Received", "Missing", "Of which incomplete",
                    "Returned blank", "Rejected", "Duplicates", "Superseded", "Ignored"]
OVERVIEW_KEYS = ["framework", "title", "expected", "received", "missing", "incomplete", "blank", "rejected",
                 "duplicates", "superseded", "ignored"]


def _overview_sheet(s: Sheet, collection: Collection, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """The run at a glance: the headline figures, each framework's means, the returns per framework, and every
    file handed in by status (adding up to the whole log)."""
    s.widths([30, 40, 12, 12, 12, 12, 12, 12, 12, 12, 12])
    s.printable()
    s.put(0, 0, "Self-assessment returns", s.fmt["title"])
    s.put(1, 0, "Run date")
    s.put(1, 1, collection.today, s.fmt["left_date"])
    s.note(2, NOT_A_LEAGUE_TABLE, last_col=6)
    row = 4
    if not collection.heads:
        s.put(row, 0, NO_RETURNS, s.fmt["bold"])
        row += 2
    row = _headline_block(s, collection, row) + 2
    row = _means_block(s, frames, infos, row) + 2
    s.put(row, 0, "Returns per framework", s.fmt["h2"])
    s.header(row + 1, OVERVIEW_HEADERS)
    row += 2
    for item in overview_rows(collection):
        s.row(row, [item[k] for k in OVERVIEW_KEYS])
        if item["expected"] is None:
            s.put(row, OVERVIEW_KEYS.index("expected"), "no manifest")
            s.put(row, OVERVIEW_KEYS.index("missing"), "no manifest")
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


def _headline_block(s: Sheet, collection: Collection, row: int) -> int:
    """Expected, returned complete, incomplete, blank, missing, rejected and the response rate."""
    h = headline(collection)
    known = h.expected is not None
    figures = [
        ("Expected returns (in the manifest)", h.expected if known else "no manifest", None),
        ("Returned complete (every statement rated)", h.complete, None),
        ("Returned incomplete (some statements not rated)", h.incomplete, None),
        ("Returned blank (no statement rated; not counted as returned)", h.blank, None),
        ("Missing (expected, with no return that counts)", h.missing if known else "no manifest", None),
        ("Files rejected (could not be read)", h.rejected, None),
        ("Response rate (expected services with a return that counts)",
         h.response_rate if known else "no manifest", s.fmt["percent"]),
    ]
    s.put(row, 0, "Headline", s.fmt["h2"])
    s.header(row + 1, ["Figure", "Value"])
    for i, (label, value, fmt) in enumerate(figures):
        s.put(row + 2 + i, 0, label, s.fmt["wrap"])
        s.put(row + 2 + i, 1, value, None if type(value) is str else fmt or s.fmt["figure"])
        s.ws.set_row(row + 2 + i, 30)
    last = row + 1 + len(figures)
    s.note(last + 1, BLANK_DOES_NOT_COUNT, last_col=6, lines=1)
    return last + 1


MEANS_HEADERS = ["Framework", "Title", "Services", "Statements rated", "Statements sent", "Mean of all ratings",
                 "Mean of the services' means"]


def _means_block(s: Sheet, frames: Frames, infos: list[FrameworkInfo], row: int) -> int:
    """Each framework's means, with how many statements they rest on."""
    s.put(row, 0, "Means per framework", s.fmt["h2"])
    s.header(row + 1, MEANS_HEADERS)
    table = framework_means(frames, infos)
    for i, item in enumerate(table.itertuples(index=False)):
        r = row + 2 + i
        s.row(r, [item.framework_id, item.title])
        s.row(r, [item.services, item.rated, item.statements], s.fmt["int"], col=2)
        s.row(r, [item.mean_of_ratings, item.mean_of_services], s.fmt["mean"], col=5)
    if table.empty:
        s.put(row + 2, 0, "No ratings yet.", s.fmt["aside"])
    return row + 2 + max(len(table), 1) - 1


CHASE_HEADERS = {"framework_id": "Framework", "framework_version": "Version", "service_id": "Service ID",
                 "service_name": "Service", "contact": "Contact", "state": "State", "reason": "Reason",
                 "ask": "What to ask for", "file_sent": "File sent", "file_received": "File received"}


def _chase_sheet(s: Sheet, collection: Collection) -> None:
    """Every expected service to chase (missing, rejected, blank, incomplete, in conflict), as an Excel table a
    mail merge can read, with what to ask each for."""
    s.put(0, 0, "Chasing list", s.fmt["title"])
    s.widths([14, 9, 12, 28, 28, 15, 40, 50, 30, 30])
    s.note(1, "Every service in the manifest whose return the team still needs, with what to ask for. The same "
              "list is chase.csv, ready for a mail merge.", last_col=7, lines=1)
    s.printable((3, 3))
    frame = chase_frame(collection)
    wrap = s.fmt["wrap"]
    for i, values in enumerate(zip(*(frame[c].tolist() for c in CHASE_HEADERS))):
        s.row(4 + i, values, wrap)
        s.fit(4 + i, values)
    if frame.empty:
        s.put(5, 0, "Nobody to chase: every service in the manifest has returned a complete workbook.",
              s.fmt["aside"])
    # Declared with its headers only: the cells are written by type above, so returned text stays text.
    s.ws.add_table(3, 0, 3 + max(len(frame), 1), len(CHASE_HEADERS) - 1,
                   {"name": "tbl_chase", "style": "Table Style Light 9",
                    "columns": [{"header": h, "header_format": s.fmt["header"]} for h in CHASE_HEADERS.values()]})
    s.ws.freeze_panes(4, 0)


def _scores_sheet(s: Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """Each service's own profile: mean per area, coloured and with the number shown."""
    s.put(0, 0, "Mean rating per area, for each service", s.fmt["title"])
    s.widths([14, 34] + [14] * 12)
    # Each framework's In words column is wide, unless another framework has a figure in that column.
    figures = {c for info in infos for c in range(2, 5 + len(info.areas))}
    for info in infos:
        if 5 + len(info.areas) not in figures:
            s.ws.set_column(5 + len(info.areas), 5 + len(info.areas), 44)
    s.note(1, NOT_A_LEAGUE_TABLE, last_col=7)
    s.printable()
    s.ws.freeze_panes(0, 2)
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _heatmap_block(s, frames, info, row) + 2


def _heatmap_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    """One framework's services x areas: each mean with (statements rated/in the area) in its cell, coloured on
    the scale, each row's colours said in words, and a key to the colours under the table."""
    table = heatmap(frames, info)
    s.put(row, 0, f"{info.title} ({info.id} {info.version}): scale {info.low} to {info.high}", s.fmt["h2"])
    areas = [a for a, _ in info.areas]
    titles = [t for _, t in info.areas]
    n = len(areas)
    mean_col, words_col = 4 + n, 5 + n
    s.header(row + 1, ["Service ID", "Service", *titles, "Rated", "Total", "Overall mean", "In words"])
    first = row + 2
    counted = _counted_formats(s)
    low_col, high_col = _col(2), _col(1 + n)
    names = f"${low_col}${row + 2}:${high_col}${row + 2}"  # the area titles in the header row
    mean_fmt, int_fmt, words_fmt = s.fmt["mean"], s.fmt["int"], s.fmt["words"]
    for i, item in enumerate(table.to_dict("records")):
        r = first + i
        s.row(r, [item["service_id"], item["service_name"]])
        for j, aid in enumerate(areas):
            s.put(r, 2 + j, item[aid], counted(item[f"rated:{aid}"], item[f"total:{aid}"]))
        s.row(r, [item["rated"], item["total"]], int_fmt, col=2 + n)
        s.put(r, mean_col, item["mean"], mean_fmt)
        cells = f"{low_col}{r + 1}:{high_col}{r + 1}"
        overall = f"{_col(mean_col)}{r + 1}"
        formula = (f'=IF({overall}="","not rated",{_level_choice(info, overall)}&"; lowest: "'
                   f'&INDEX({names},MATCH(MIN({cells}),{cells},0))&" ("&TEXT(MIN({cells}),"0.0")&")")')
        s.ws.write_formula(r, words_col, formula, words_fmt, _row_words(item, areas, titles, info))
    last = first + len(table) - 1
    if len(table):
        # The In words formula reads both coloured ranges: the area means and the overall mean.
        s.ws.conditional_format(first, 2, last, 1 + n, _colour_scale(info))
        s.ws.conditional_format(first, mean_col, last, mean_col, _colour_scale(info))
    return _colour_key(s, info, max(last, first) + 1)


def _col(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _quoted(value: str) -> str:
    """A string literal for a formula ("" doubles a quotation mark)."""
    return '"' + str(value).replace('"', '""') + '"'


def _colour_scale(info: FrameworkInfo) -> dict:
    return {"type": "3_color_scale", "min_type": "num", "min_value": info.low, "mid_type": "num",
            "mid_value": (info.low + info.high) / 2, "max_type": "num", "max_value": info.high,
            "min_color": LOW, "mid_color": MID, "max_color": HIGH}


def _colour_key(s: Sheet, info: FrameworkInfo, row: int) -> int:
    """The key to the colour scale, in cells filled with its three colours and labelled with their values;
    returns its last row."""
    mid = (info.low + info.high) / 2
    s.put(row, 1, "Key: colour shows the mean on the scale", s.fmt["aside"])
    for j, (value, colour) in enumerate(((info.low, LOW), (mid, MID), (info.high, HIGH))):
        s.put(row, 2 + j, f"{_level_words(info, value)}", s.key_format(colour))
    s.put(row + 1, 1, "Each area: the mean rating, with statements rated / statements in the area in brackets.",
          s.fmt["aside"])
    return row + 1


def _level_words(info: FrameworkInfo, value: float) -> str:
    """A point of the scale as words: "0 \u2013 None" for a level, "1.5" between two."""
    if float(value).is_integer():
        label = dict(info.levels).get(int(value), str(int(value)))
        return info.level_header(int(value), label)
    return rounded(value)


def _level_choice(info: FrameworkInfo, cell: str) -> str:
    """A formula naming the level nearest a mean (ROUND in Excel is half away from zero, as `rounded`)."""
    labels = dict(info.levels)
    choices = ",".join(_quoted(info.level_header(v, labels.get(v, str(v))))
                       for v in range(info.low, info.high + 1))
    return f"CHOOSE(ROUND({cell},0)-({info.low})+1,{choices})"


def _level_text(info: FrameworkInfo, mean: float) -> str:
    labels = dict(info.levels)
    value = int(float(rounded(mean, 0)))
    return info.level_header(value, labels.get(value, str(value)))


def _row_words(item: dict, areas: list[str], titles: list[str], info: FrameworkInfo) -> str:
    """The cached value of a heatmap row's In words formula, so every application shows it before recalculating."""
    if blank(item["mean"]):
        return "not rated"
    rated = [(item[a], t) for a, t in zip(areas, titles) if not blank(item[a])]
    low = min(rated, key=lambda pair: pair[0]) if rated else None
    lowest = f"{low[1]} ({rounded(low[0])})" if low else ""
    return f"{_level_text(info, item['mean'])}; lowest: {lowest}"


def _counted_formats(s: Sheet):
    """A mean's format that also shows (rated/total): the cell stays a number for the colour scale and pivots."""
    made: dict[tuple[int, int], object] = {}

    def get(rated: int, total: int):
        key = (int(rated), int(total))
        if key not in made:
            made[key] = s.wb.add_format({"num_format": f'0.0" ({key[0]}/{key[1]})"', "border": 1,
                                         "align": "center", "valign": "top"})
        return made[key]

    return get


def _charts_sheet(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, infos: list[FrameworkInfo]) -> None:
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


def _area_means_block(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, info: FrameworkInfo,
                      row: int) -> int:
    means = area_means(frames, info)
    s.put(row, 0, f"{info.title}: mean of each area across services", s.fmt["h2"])
    s.header(row + 1, ["Area", "Mean of service means", "Services"])
    first = row + 2
    for i, item in enumerate(means.itertuples(index=False)):
        s.put(first + i, 0, item.area)
        s.put(first + i, 1, item.mean, s.fmt["mean"])
        s.put(first + i, 2, item.services, s.fmt["int"])
    last = first + max(len(means), 1) - 1
    s.note(last + 1, AREA_MEANS_ARE[0].upper() + AREA_MEANS_ARE[1:] + ".", last_col=2, lines=3)
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Mean of service means", "categories": [s.ws.name, first, 0, last, 0],
                      "values": [s.ws.name, first, 1, last, 1], "fill": {"color": "#4A6FA5"},
                      "data_labels": {"value": True, "num_format": "0.0"}})
    chart.set_title({"name": f"{info.title}: area means (mean of each service's area mean)",
                     "name_font": {"size": 11}})
    chart.set_x_axis({"min": info.low, "max": info.high, "major_unit": 1})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    height = max(220, 60 + 28 * len(means))
    chart.set_size({"width": 560, "height": height})
    words = "; ".join(f"{item.area} {mean_text(item.mean)}" for item in means.itertuples(index=False))
    s.ws.insert_chart(row + 1, 4, chart, {"description": _alt(
        f"Bar chart of {info.title}: each area's mean rating on the scale {info.low} to {info.high}, the mean "
        f"of the services' own area means. {words}. The numbers are in the table beside the chart.")})
    return max(last + 1, row + 2 + height // 20)


def _alt(text: str) -> str:
    """Alt text within what Excel keeps (its dialog takes a few thousand characters; keep it readable)."""
    return text if len(text) <= 1000 else text[:999] + "\u2026"


def _distribution_block(s: Sheet, wb: xlsxwriter.Workbook, frames: Frames, info: FrameworkInfo,
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
                          "fill": {"color": level_colour(j, len(info.levels))}, "gap": 60})
    # Shares, not counts: areas have different numbers of statements, and the spread is what matters.
    chart.set_title({"name": f"{info.title}: share of ratings at each level", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "0%", "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    height = max(260, 110 + 30 * len(dist))
    chart.set_size({"width": 640, "height": height})
    levels = ", ".join(info.level_header(v, lab) for v, lab in info.levels)
    s.ws.insert_chart(row + 1, 2 + len(info.levels), chart, {"description": _alt(
        f"Stacked bar chart of {info.title}: for each area, the share of all ratings at each level ({levels}). "
        f"The counts are in the table beside the chart.")})
    return max(last, row + 2 + height // 20)


def _statements_sheet(s: Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
    """How each statement's ratings spread across the levels, weakest first."""
    s.put(0, 0, "Statements: the spread of ratings, weakest first", s.fmt["title"])
    s.widths([12, 26, 60] + [11] * 10)
    s.note(1, UNRATED_LAST, 6, 1)
    s.printable()
    s.ws.freeze_panes(0, 3)
    if not infos:
        s.put(3, 0, NO_RETURNS, s.fmt["bold"])
    row = 3
    for info in infos:
        row = _statement_block(s, frames, info, row) + 2


def _statement_block(s: Sheet, frames: Frames, info: FrameworkInfo, row: int) -> int:
    stats = statement_table(frames, info)
    s.put(row, 0, info.title, s.fmt["h2"])
    levels = [f"level_{v}" for v, _ in info.levels]
    headers = [info.level_header(v, lab) for v, lab in info.levels]
    s.header(row + 1, ["Statement ID", "Area", "Statement", *headers, "Rated", "Mean", "Nearest level"])
    first = row + 2
    mean_col = 4 + len(levels)
    letter = _col(mean_col)
    for i, item in enumerate(stats.to_dict("records")):
        r = first + i
        s.row(r, [item["statement_id"], item["area"], item["statement"]], s.fmt["wrap"])
        s.fit(r, [item["statement_id"], item["area"], item["statement"]])
        s.row(r, [item[c] for c in levels] + [item["rated"]], s.fmt["int"], col=3)
        s.put(r, mean_col, item["mean"], s.fmt["mean"])
        # The colour's meaning in words, beside it (a colour scale alone fails WCAG 1.4.1).
        cell = f"{letter}{r + 1}"
        s.ws.write_formula(r, mean_col + 1, f'=IF({cell}="","not rated",{_level_choice(info, cell)})', None,
                           "not rated" if blank(item["mean"]) else _level_text(info, item["mean"]))
    last = first + len(stats) - 1
    if len(stats):
        s.ws.conditional_format(first, mean_col, last, mean_col, _colour_scale(info))
    return max(last, first)


# The Actions sheet's columns (frame column, heading, width): who and which statement, then one per role of
# ACTION_ROLES, then the framework's own columns gathered as details; a Flag column follows.
ACTION_SHEET = [("framework_id", "Framework", 14), ("service_id", "Service ID", 12), ("service_name", "Service", 24),
                ("statement_id", "Statement ID", 11), ("statement", "Statement", 34),
                *((role.field, role.header, role.width) for role in ACTION_ROLES), ("details", "Details", 30)]
ACTION_FIELDS = [field for field, _, _ in ACTION_SHEET]
ACTION_HEADERS = [header for _, header, _ in ACTION_SHEET] + ["Flag"]
_DATED = {role.field for role in ACTION_ROLES if role.kinds == ("date",)}


def _flag(item: dict) -> str:
    flags = (("Overdue", item["overdue"]), ("No lead", item["ownerless"]))
    return ", ".join(word for word, on in flags if on)


def _actions_sheet(s: Sheet, frames: Frames) -> None:
    """Every action, the overdue and ownerless ones first, flagged in words and by fill; only they print."""
    s.put(0, 0, "Actions", s.fmt["title"])
    s.widths([width for _, _, width in ACTION_SHEET] + [16])
    s.note(1, "Overdue: the deadline has passed and the status is not done. "
              "No lead: nobody is named to lead it.", 6, 1)
    s.header(3, ACTION_HEADERS)
    actions = frames.actions
    # The flagged actions first: they are what a reader acts on, what the sheet prints, and none of them is
    # among the rows past DETAIL_LIMIT left to the CSV export.
    flagged = actions.overdue.astype(bool) | actions.ownerless.astype(bool)
    actions = pd.concat([actions[flagged], actions[~flagged]])
    actions = _capped(s, actions, 2)
    shown = min(int(flagged.sum()), len(actions))
    s.printable((3, 3))
    s.ws.print_area(0, 0, 3 + max(shown, 1), len(ACTION_HEADERS) - 1)
    s.ws.set_header(f"&LActions: the {shown:,} flagged (overdue or with no lead) are printed; all "
                    f"{len(frames.actions):,} are on screen and in the CSV export")
    records = (dict(zip(actions.columns, values)) for values in zip(*(actions[c].tolist() for c in actions.columns)))
    fmt = s.fmt
    plain = [fmt["date" if field in _DATED else "wrap"] for field in ACTION_FIELDS]
    flagged = [fmt["flag_date" if field in _DATED else "flag"] for field in ACTION_FIELDS]
    for i, item in enumerate(records):
        flag = _flag(item)
        values = [item[field] for field in ACTION_FIELDS]
        for j, (value, style) in enumerate(zip(values, flagged if flag else plain)):
            s.put(4 + i, j, value, style)
        s.put(4 + i, len(ACTION_FIELDS), flag, fmt["flag_bold"] if flag else None)
        s.fit(4 + i, values)
    if actions.empty:
        s.put(4, 0, "No actions were returned.", s.fmt["aside"])
    else:
        s.ws.autofilter(3, 0, 3 + len(actions), len(ACTION_HEADERS) - 1)
    s.ws.freeze_panes(4, 0)


def _text_sheet(s: Sheet, frames: Frames) -> None:
    """What services wrote in support of their ratings, for reading alongside the numbers."""
    s.put(0, 0, "Rationale and evidence", s.fmt["title"])
    s.widths([14, 12, 24, 11, 34, 8, 60, 60])
    s.header(2, ["Framework", "Service ID", "Service", "Statement ID", "Statement", "Rating", "Rationale",
                 "Evidence"])
    ratings = frames.ratings
    keep = ratings.rationale.fillna("").astype(str).str.strip().ne("") | \
        ratings.evidence.fillna("").astype(str).str.strip().ne("")
    rows = _capped(s, ratings[keep], 1)
    s.not_printed(2, 7, len(rows), "Rationale and evidence")
    columns = ("framework_id", "service_id", "service_name", "statement_id", "statement", "rating", "rationale",
               "evidence")
    wrap = s.fmt["wrap"]
    for i, values in enumerate(zip(*(rows[c].tolist() for c in columns))):
        s.row(3 + i, values, wrap)
        s.fit(3 + i, values)
    if rows.empty:
        s.put(3, 0, "No rationale or evidence text was returned.", s.fmt["aside"])
    s.ws.freeze_panes(3, 0)


def _missing_sheet(s: Sheet, frames: Frames) -> None:
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
               "framework_version": "Version", "completed": "Completed", "rated": "Statements rated",
               "statements": "Statements", "warnings": "Warnings", "errors": "Errors",
               "same_as": "Same as / superseded by", "code": "Problem code", "size": "Bytes", "sha256": "SHA-256"}
LOG_WIDTHS = [40, 20, 40, 40, 12, 24, 16, 8, 11, 10, 10, 9, 8, 30, 16, 10, 66]


def _log_sheet(s: Sheet, frames: Frames) -> None:
    """Every file handed in and what became of it, so nothing is silently dropped: one Excel table (tbl_log)
    that is both the page to read and the data for pivots, so the log is written once, not twice."""
    s.put(0, 0, "File log", s.fmt["title"])
    s.widths(LOG_WIDTHS)
    log = frames.log
    s.not_printed(2, len(LOG_HEADERS) - 1, len(log), "File log")
    wrap = s.fmt["wrap"]
    columns = [log[c].tolist() if c in log else [""] * len(log) for c in LOG_HEADERS]
    completed = list(LOG_HEADERS).index("completed")
    for i, values in enumerate(zip(*columns)):
        s.row(3 + i, values, wrap)
        s.fit(3 + i, values[:-1])  # the SHA-256 column is wide enough for its one line
        s.put(3 + i, completed, values[completed], s.fmt["date"])
    # Declared with its headers only: the cells are written by type above, so returned text stays text.
    s.ws.add_table(2, 0, 2 + max(len(log), 1), len(LOG_HEADERS) - 1,
                   {"name": "tbl_log", "style": "Table Style Light 9",
                    "columns": [{"header": h, "header_format": s.fmt["header"]} for h in LOG_HEADERS.values()]})
    s.ws.freeze_panes(3, 1)


def _data_sheet(s: Sheet, name: str, frame: pd.DataFrame) -> None:
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
    s.not_printed(0, len(columns) - 1, total, f"Data {name} (an Excel table for pivots)")


def _column_writer(s: Sheet, series: pd.Series):
    """A writer for one column, chosen once by its dtype: numbers stay numbers, everything else is put() by type."""
    ws = s.ws
    if pd.api.types.is_bool_dtype(series.dtype):
        return lambda r, c, v: ws.write_boolean(r, c, bool(v)) if not blank(v) else ws.write_blank(r, c, None)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return lambda r, c, v: ws.write_blank(r, c, None) if blank(v) else ws.write_number(r, c, float(v))
    return s.put


def _capped(s: Sheet, frame: pd.DataFrame, note_row: int) -> pd.DataFrame:
    """The first DETAIL_LIMIT rows, with a note saying where the rest are."""
    if len(frame) <= DETAIL_LIMIT:
        return frame
    s.put(note_row, 0, f"The first {DETAIL_LIMIT:,} of {len(frame):,} rows; the CSV export (--csv-dir) has them "
                       f"all.", s.fmt["aside"])
    return frame.iloc[:DETAIL_LIMIT]
