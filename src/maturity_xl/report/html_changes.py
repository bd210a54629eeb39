"""The page's Change and Trend sections, for a report read from a programme store: the same tables as the
workbook's Change and Trend sheets (report.changes), each figure rounded by the one rule, each change with its sign,
an arrow and a word, and the trend as an SVG chart with its numbers in a table beside it. Returned text (service
names, who completed a return) is escaped."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

import pandas as pd

from ..collect import Collection
from ..frames import Frames
from .changes import (
    COMPARED_ONLY,
    NOT_A_RACE,
    TREND_IS,
    area_summary,
    area_titles,
    comparing,
    mean2,
    respondent_words,
    rounds_compared,
    service_changes,
    statement_changes,
    trend_table,
)
from .common import escaped, html_table, mean_text
from .svg_trend import trend_lines
from .tables import FrameworkInfo

FLAG_STYLE = ' style="background:#fdd9b5;font-weight:bold"'  # the colour repeats the cell's words


def change_sections(collection: Collection, frames: Frames, infos: list[FrameworkInfo]) -> list[str]:
    """The Change section (with a round to compare with) and the Trend section (two rounds or more), as HTML."""
    parts = []
    if comparing(collection):
        parts.append(_change(collection, frames, infos))
    tables = [(info, table) for info in infos if (table := trend_table(collection, info)) is not None]
    if tables:
        parts.append(_trend(collection, tables))
    return parts


def _change(collection: Collection, frames: Frames, infos: list[FrameworkInfo]) -> str:
    now, last = rounds_compared(collection)
    parts = [f'<h2 id="change">Change: round {escaped(now)} compared with round '
             f"{escaped(last)}</h2>", f'<p class="note">{escaped(COMPARED_ONLY)} {escaped(NOT_A_RACE)}</p>']
    for info in infos:
        parts += [f'<h3 class="change-area" data-framework="{escaped(info.id)}">{escaped(info.title)}: each area '
                  "across services</h3>", _areas(frames, info, now, last),
                  f'<h3 class="change-service" data-framework="{escaped(info.id)}">{escaped(info.title)}: each '
                  "service and area</h3>", _services(frames, info, now, last),
                  f'<h3 class="change-statement" data-framework="{escaped(info.id)}">{escaped(info.title)}: each '
                  "statement across services, the ones that moved most first</h3>", _statements(frames, info)]
    return "\n".join(parts)


def _areas(frames: Frames, info: FrameworkInfo, now: str, last: str) -> str:
    table = area_summary(frames, info)
    rows = [[a.area, a.services, a.improved, a.same, a.declined, mean2(a.this_mean), mean2(a.last_mean), a.words]
            for a in table.itertuples(index=False)]
    return html_table(["Area", "Services compared", "Improved", "Same", "Declined", f"Mean {now}", f"Mean {last}",
                   "Change"], rows, numeric=range(1, 7), cls="change-areas", nowrap=7)


def _services(frames: Frames, info: FrameworkInfo, now: str, last: str) -> str:
    """One row per service, a cell per area (as the page's heatmap): the change in words, then both means and
    how many statements were compared. One row a service, not one a service and area, keeps the page small
    at thousands of services; the workbook's Change sheet and changes.csv have a row per service and area."""
    table = service_changes(frames, info)
    if table.empty:
        return '<p class="muted">No service returned in both rounds.</p>'
    present = set(table["area_id"])
    areas = [(aid, title) for aid, title in info.areas if aid in present]
    areas += [(aid, title) for aid, title in dict.fromkeys(zip(table["area_id"], table["area"])) if
              aid not in dict(areas)]
    headers = ["Service ID", "Service", *[title for _aid, title in areas], "Respondent changed"]
    head = "".join(f'<th scope="col">{escaped(h)}</th>' for h in headers)
    now_shown, last_shown = escaped(now), escaped(last)
    shown = _Shown()
    lines = []
    for (sid, name), group in groupby(_records(table), key=attrgetter("service_id", "service_name")):
        cells = {c.area_id: c for c in group}
        first = next(iter(cells.values()))
        tds = [f"<td>{shown.text(sid)}</td><td>{shown.text(name)}</td>"]
        for aid, _title in areas:
            c = cells.get(aid)
            tds.append("<td>\u2013</td>" if c is None else
                       f'<td><span style="white-space:nowrap">{shown.text(c.words)}</span><br><small>{now_shown}: '
                       f"{shown.mean(c.this_mean)} \u00b7 {last_shown}: {shown.mean(c.last_mean)} \u00b7 "
                       f"{c.compared} compared</small></td>")
        flag = FLAG_STYLE if first.respondent_changed else ""
        tds.append(f"<td{flag}>{escaped(respondent_words(first))}</td>")
        lines.append("<tr>" + "".join(tds) + "</tr>")
    legend = (f'<p class="legend">In each cell: the change in the area\'s mean, then the mean in {escaped(now)} and '
              f"in {escaped(last)} over the statements the service rated in both, and how many those were.</p>")
    return (f'{legend}<table class="change-services"><thead><tr>{head}</tr></thead><tbody>\n'
            + "\n".join(lines) + "\n</tbody></table>")


def _records(table: pd.DataFrame) -> Iterator[tuple]:
    """table.itertuples(index=False), the same values, without pandas taking text columns apart cell by cell."""
    columns = [table[c].tolist() if isinstance(table[c].dtype, pd.StringDtype) or table[c].dtype.kind in "biuf"
               else list(table[c]) for c in table.columns]
    return map(namedtuple("Pandas", table.columns, rename=True)._make, zip(*columns))


class _Shown:
    """Text escaped, and means as shown (two decimals by the one rule), each distinct one worked out once."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.means: dict[float, str] = {}

    def text(self, value: object) -> str:
        if type(value) is not str:
            return escaped(value)
        shown = self.texts.get(value)
        if shown is None:
            shown = self.texts[value] = escaped(value)
        return shown

    def mean(self, value: object) -> str:
        if type(value) is not float or not value or value != value:  # 0.0 == -0.0, shown as "-0.00"
            return mean2(value)
        shown = self.means.get(value)
        if shown is None:
            shown = self.means[value] = mean2(value)
        return shown


def _statements(frames: Frames, info: FrameworkInfo) -> str:
    table = statement_changes(frames, info)
    if table.empty:
        return '<p class="muted">No statement was rated by the same service in both rounds.</p>'
    rows = [[s.statement_id, s.statement, s.area, s.compared, s.improved, s.same, s.declined, s.words]
            for s in table.itertuples(index=False)]
    return html_table(["ID", "Statement", "Area", "Services compared", "Improved", "Same", "Declined", "Mean change"],
                  rows, numeric=range(3, 7), cls="change-statements", nowrap=7)


def _trend(collection: Collection, tables) -> str:
    parts = ['<h2 id="trend">Trend: each area\'s mean in every round</h2>', f'<p class="muted">{escaped(TREND_IS)} '
             f"{escaped(NOT_A_RACE)}</p>"]
    for info, table in tables:
        areas = area_titles(collection, info, table)
        label = (f"Line chart of {info.title}: each area's mean rating in every round, on the scale {info.low} to "
                 f"{info.high}; the numbers are in the table below.")
        rows = [[str(item["round"]), *[mean_text(item[aid]) for aid, _t in areas], item["services"]]
                for item in table.to_dict("records")]
        parts += [f'<h3 class="trend" data-framework="{escaped(info.id)}">{escaped(info.title)}: mean of each '
                  "area, round by round</h3>", trend_lines(table, areas, info, label),
                  html_table(["Round", *[title for _aid, title in areas], "Services"], rows,
                         numeric=range(1, len(areas) + 2), cls="trend")]
    return "\n".join(parts)


__all__ = ["change_sections"]
