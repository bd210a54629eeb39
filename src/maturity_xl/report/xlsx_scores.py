"""The sheets of means coloured on the scale: Scores (each service's mean per area, a heatmap with its colours in
words and a key) and Statements (each statement's spread of ratings, weakest first); the colour scale, its key
and the formulas that name a mean's nearest level."""

from __future__ import annotations

import functools

from xlsxwriter.utility import xl_col_to_name

from ..frames import Frames
from .bulk import Block, Column, Formula
from .common import HIGH, LOW, MID, blank, rounded
from .sheet import Sheet
from .tables import NO_RETURNS, NOT_A_LEAGUE_TABLE, FrameworkInfo, heatmap, statement_table

# The frames keep the statements nobody rated (Frames.statement_stats), and so does the Statements sheet.
UNRATED_LAST = "Counts of services at each level; statements no service rated come last, with no mean."


def scores_sheet(s: Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
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
    mean_col = 4 + n  # then In words
    s.header(row + 1, ["Service ID", "Service", *titles, "Rated", "Total", "Overall mean", "In words"])
    first = row + 2
    counted = _counted_formats(s)
    low_col, high_col = xl_col_to_name(2), xl_col_to_name(1 + n)
    names = f"${low_col}${row + 2}:${high_col}${row + 2}"  # the area titles in the header row
    mean_fmt, int_fmt, words_fmt = s.fmt["mean"], s.fmt["int"], s.fmt["words"]
    mean_letter = xl_col_to_name(mean_col)
    choose = _level_choice(info, "\0")  # the CHOOSE over the scale's labels, built once; "\0" is the cell
    # A mean is one of few values (a ratio of small counts), and rounding one by the decimal rule takes ~10 us:
    # each value is rounded once for the 10,000 rows of a large collection.
    round_once = functools.lru_cache(maxsize=4096)(rounded)
    words = []
    needed = [*areas, "mean"]  # a small dict a row, made as it is used (not 10,000 dicts of every column)
    for i, values in enumerate(zip(*(table[c].tolist() for c in needed))):
        item = dict(zip(needed, values))
        r = first + i + 1
        cells = f"{low_col}{r}:{high_col}{r}"
        overall = f"{mean_letter}{r}"
        formula = (f'IF({overall}="","not rated",{choose.replace(chr(0), overall)}&"; lowest: "'
                   f'&INDEX({names},MATCH(MIN({cells}),{cells},0))&" ("&TEXT(MIN({cells}),"0.0")&")")')
        words.append(Formula(formula, _row_words(item, areas, titles, info, round_once)))
    columns = [Column(table.service_id.tolist()), Column(table.service_name.tolist())]
    columns += [Column(table[aid].tolist(), styles=[
        counted(rated, total) for rated, total in zip(table[f"rated:{aid}"].tolist(), table[f"total:{aid}"].tolist())])
        for aid in areas]
    columns += [Column(table.rated.tolist(), int_fmt), Column(table.total.tolist(), int_fmt),
                Column(table["mean"].tolist(), mean_fmt), Column(words, words_fmt)]
    Block(s, first, columns)
    last = first + len(table) - 1
    if len(table):
        # The In words formula reads both coloured ranges: the area means and the overall mean.
        s.ws.conditional_format(first, 2, last, 1 + n, _colour_scale(info))
        s.ws.conditional_format(first, mean_col, last, mean_col, _colour_scale(info))
    return _colour_key(s, info, max(last, first) + 1)


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


def _level_text(info: FrameworkInfo, mean: float, round_as=rounded) -> str:
    labels = dict(info.levels)
    value = int(float(round_as(mean, 0)))
    return info.level_header(value, labels.get(value, str(value)))


def _row_words(item: dict, areas: list[str], titles: list[str], info: FrameworkInfo, round_as=rounded) -> str:
    """The cached value of a heatmap row's In words formula, so every application shows it before recalculating
    (`round_as`: `rounded`, or a cache of it)."""
    if blank(item["mean"]):
        return "not rated"
    rated = [(item[a], t) for a, t in zip(areas, titles) if not blank(item[a])]
    low = min(rated, key=lambda pair: pair[0]) if rated else None
    lowest = f"{low[1]} ({round_as(low[0])})" if low else ""
    return f"{_level_text(info, item['mean'], round_as)}; lowest: {lowest}"


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


def statements_sheet(s: Sheet, frames: Frames, infos: list[FrameworkInfo]) -> None:
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
    letter = xl_col_to_name(mean_col)
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
