"""The HTML report: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) that a programme
lead can email or print. Every piece of returned text is escaped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..chase import chase_frame
from ..collect import REJECTED, Collection
from ..feedback.plans import render_provider_plans_html
from ..frames import Frames
from ..heap import give_back
from ..model import ROLES_BY_NAME
from .common import (
    HIGH,
    LOW,
    MID,
    Markup,
    atomic_write,
    blank,
    colour,
    escaped,
    fmt_date,
    fmt_dates,
    html_table,
    level_colour,
    mean_text,
    rounded,
)
from .html_changes import change_sections
from .provider_plans import collection_plans
from .svg import area_means_bars, level_stack
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
    overview_rows,
    statement_table,
)

# A page to email or print lists at most this many overdue (and as many ownerless) actions, as feedback.plans'
# section lists at most HTML_ROW_LIMIT rows: 10,000 returns gave 22 MB of action tables no one reads on a page.
PAGE_ACTION_LIMIT = 2_000
# The roles the page lists for each flagged action; the workbook's Actions sheet has every role.
PAGE_ROLES = [ROLES_BY_NAME[name] for name in ("action", "lead", "due", "status")]

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
@page { size: A4 landscape; margin: 12mm; }
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
    """One self-contained page (no scripts, no network) that a programme lead can email or print, written part
    by part (the page of 10,000 services is some 27 MB: never held whole, joined or encoded at once)."""
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            for part in _page(collection):
                fh.write(part)
                give_back()  # what the part was made with, before the next is made

    atomic_write(Path(path), write)


def render_html(collection: Collection) -> str:
    """The HTML report as a string; every piece of returned text is escaped."""
    return "".join(_page(collection))


def _page(collection: Collection) -> Iterator[str]:
    """The page's text in parts, in order: each section is made only when the one before it has been taken."""
    frames = collection.frames()
    infos = framework_infos(collection, frames)
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>Self-assessment returns</title>\n<style>" + CSS + "</style>\n</head>\n<body>\n")
    yield _html_headline(collection, frames, infos)
    if collection.expected is not None:
        yield "\n" + _html_chase(collection)
    for info in infos:
        yield "\n" + _html_framework(frames, info)
    for part in change_sections(collection, frames, infos):  # from a store: Change (when comparing) and Trend
        yield "\n" + part
    plans = collection_plans(collection, frames)
    if plans is not None:  # only for graded frameworks (Progress for Providers): the commissioner's view
        yield "\n" + render_provider_plans_html(plans, frameworks=collection.registry.get, level=2)
    yield "\n" + _html_actions(frames)
    yield "\n" + _html_missing(collection, frames)
    yield "\n" + _html_log(collection)
    yield "\n</body>\n</html>\n"


def _html_headline(collection: Collection, frames: Frames, infos: list[FrameworkInfo]) -> str:
    h = headline(collection)
    known = h.expected is not None
    rate = h.response_rate
    figures = [("expected", "expected", h.expected if known else "\u2013"),
               ("received", "returned (complete or not)", h.returned),
               ("complete", "returned complete", h.complete),
               ("incomplete", "returned incomplete", h.incomplete),
               ("blank", "returned blank (not counted)", h.blank),
               ("missing", "missing", h.missing if known else "\u2013"),
               ("rejected", "files rejected", h.rejected),
               ("rate", "response rate", f"{rounded(rate * 100, 0)}%" if rate is not None else "\u2013")]
    stats = "".join(f'<div class="stat"><span class="n" id="n-{key}">{escaped(n)}</span>{escaped(label)}</div>'
                    for key, label, n in figures)
    parts = ["<h1>Self-assessment returns</h1>",
             f'<p class="muted">Run date {fmt_date(collection.today)}</p>',
             f'<p class="note">{escaped(NOT_A_LEAGUE_TABLE)}</p>', f'<div class="stats">{stats}</div>',
             f'<p class="muted">{escaped(BLANK_DOES_NOT_COUNT)} The response rate counts the expected services '
             f'with a return that counts, complete or not.</p>']
    if not known:
        parts.append('<p class="muted">No manifest was given, so expected and missing returns are not '
                     'known.</p>')
    if not collection.heads:
        parts.append(f"<p><strong>{escaped(NO_RETURNS)}</strong></p>")
    for note in collection.notices:
        parts.append(f'<p class="note"><strong>Note:</strong> {escaped(note)}</p>')
    means = framework_means(frames, infos)
    if len(means):
        parts.append("<h3>Means per framework</h3>")
        parts.append(html_table(["Framework", "Title", "Services", "Statements rated", "Mean of all ratings",
                             "Mean of the services' means"],
                            [[m.framework_id, m.title, m.services, f"{m.rated:,} of {m.statements:,}",
                              mean_text(m.mean_of_ratings), mean_text(m.mean_of_services)]
                             for m in means.itertuples(index=False)], numeric=range(2, 6)))
    rows = [[r["framework"], r["title"], _dash(r["expected"]), r["received"], _dash(r["missing"]),
             r["incomplete"], r["blank"], r["rejected"], r["duplicates"], r["superseded"], r["ignored"]]
            for r in overview_rows(collection)]
    parts.append("<h3>Returns per framework</h3>")
    parts.append(html_table(["Framework", "Title", "Expected", "Received", "Missing", "Of which incomplete",
                         "Returned blank", "Rejected", "Duplicates", "Superseded", "Ignored"], rows,
                        numeric=range(2, 11)))
    return "\n".join(parts)


CHASE_COLUMNS = {"framework_id": "Framework", "service_id": "Service ID", "service_name": "Service",
                 "contact": "Contact", "state": "State", "reason": "Reason", "ask": "What to ask for"}


def _html_chase(collection: Collection) -> str:
    """The chasing list: every expected service the team still needs a (complete) return from."""
    frame = chase_frame(collection)
    parts = ['<h2 class="flow" id="chase">Chasing list</h2>']
    if frame.empty:
        parts.append('<p class="muted">Nobody to chase: every service in the manifest has returned a complete '
                     'workbook.</p>')
        return "\n".join(parts)
    counts = frame.state.value_counts()
    parts.append("<p>" + escaped(", ".join(f"{n} {state}" for state, n in counts.items())) +
                 ". The same list is chase.csv, ready for a mail merge.</p>")
    parts.append(html_table(list(CHASE_COLUMNS.values()),
                        zip(*(frame[c].tolist() for c in CHASE_COLUMNS)), cls="chase"))
    return "\n".join(parts)


def _dash(value: object) -> object:
    return "\u2013" if value is None else value


def _html_framework(frames: Frames, info: FrameworkInfo) -> str:
    return "\n".join([
        f"<h2>{escaped(info.title)} <span class=\"muted\">({escaped(info.id)} {escaped(info.version)})</span></h2>",
        "<h3>Mean of each area across services</h3>",
        f'<p class="muted">{escaped(AREA_MEANS_ARE[0].upper() + AREA_MEANS_ARE[1:])}.</p>',
        area_means_bars(area_means(frames, info), info), _html_targets(frames, info),
        "<h3>Each service's own profile: mean rating per area</h3>", _html_heatmap(frames, info),
        "<h3>Weakest statements</h3>", _html_weakest(frames, info)])


def _html_targets(frames: Frames, info: FrameworkInfo) -> str:
    """For a framework that asks each statement for a target: each area's mean target beside its mean rating."""
    if not info.targets:
        return ""
    rows = [[item.area, mean_text(item.mean), mean_text(item.target), item.services]
            for item in area_means(frames, info).itertuples(index=False)]
    return ("<h4>Where services are and where they aim to be</h4>"
            '<p class="muted">Each service\'s mean target of the statements it rated (the level it chose, or the '
            "next level up where it chose none), averaged over services like the mean rating.</p>" +
            html_table(["Area", "Mean rating", "Mean target", "Services"], rows, numeric=range(1, 4)))


def _html_heatmap(frames: Frames, info: FrameworkInfo) -> str:
    table = heatmap(frames, info)
    areas = [a for a, _ in info.areas]
    heat_cell = _HeatCells(info)
    # Column by column (as to_dict("records") gives them, without a dict per service).
    column = {name: _values(table[name]) for name in table.columns}
    cells = [list(map(heat_cell, column[a], column[f"rated:{a}"], column[f"total:{a}"])) for a in areas]
    rows = [[sid, name, *area_cells, f"{rated}/{total}", heat_cell(mean)] for sid, name, rated, total, mean, *area_cells
            in zip(column["service_id"], column["service_name"], column["rated"], column["total"], column["mean"],
                   *cells)]
    n = len(areas)
    legend = (f'<p class="legend">Colour shows the mean on the scale {info.low} to {info.high}:'
              f'<span class="key" style="background:{LOW}"></span>{info.low}'
              f'<span class="key" style="background:{MID}"></span>{escaped((info.low + info.high) / 2)}'
              f'<span class="key" style="background:{HIGH}"></span>{info.high}. '
              'Under each mean: statements rated / statements in the area.</p>')
    return legend + html_table(["Service ID", "Service", *[t for _, t in info.areas], "Rated", "Overall"], rows,
                           numeric=range(2, n + 4), cls="heat")


def _values(column: pd.Series) -> list:
    """A column's values as to_dict("records") gives them: Python's own numbers for numpy's."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf":
        return column.tolist()
    return list(column.astype(object)) if isinstance(column.dtype, np.dtype) else column.tolist()


class _HeatCells:
    """A heatmap cell: the mean as shown, on its colour, with the count under it. Each distinct cell is made
    once (thousands of services share a few hundred means, and counts of a few dozen kinds)."""

    def __init__(self, info: FrameworkInfo) -> None:
        self.info = info
        self.made: dict[tuple, Markup] = {}

    def __call__(self, value: object, rated: int | None = None, total: int | None = None) -> Markup:
        # Equal keys make equal cells: float(value) and int(rated) are all a cell uses, except that 0.0 == -0.0
        # (shown "-0.0"), so a zero is never kept.
        key = (value, rated, total)
        cell = self.made.get(key)
        if cell is not None:
            return cell
        count = "" if rated is None else f"<br><small>{int(rated)}/{int(total)}</small>"
        if blank(value):
            return Markup("\u2013" + count)
        number = float(value)
        cell = Markup(mean_text(value) + count,
                      f' style="background:{colour(number, self.info.low, self.info.high)}"')
        if number:
            self.made[key] = cell
        return cell


def _html_weakest(frames: Frames, info: FrameworkInfo, top: int = 10) -> str:
    """The statements with the lowest means; one nobody rated has no mean, so it is not among them (the
    workbook's Statements sheet lists every statement, the unrated last)."""
    stats = statement_table(frames, info)
    stats = stats[stats.rated > 0].head(top)
    if stats.empty:
        return '<p class="muted">No statement has a rating yet.</p>'
    legend = '<p class="legend">Services at each level:' + "".join(
        f'<span class="key" style="background:{level_colour(j, len(info.levels))}"></span>'
        f"{escaped(info.level_header(v, lab))}" for j, (v, lab) in enumerate(info.levels)) + "</p>"
    rows = []
    for item in stats.to_dict("records"):
        counts = [int(item[f"level_{v}"]) for v, _ in info.levels]
        rows.append([item["statement_id"], item["statement"], item["area"], mean_text(item["mean"]),
                     item["rated"], Markup(level_stack(counts, info))])
    return legend + html_table(["ID", "Statement", "Area", "Mean", "Rated", "Distribution"], rows, numeric=(3, 4))


def _html_actions(frames: Frames) -> str:
    actions = frames.actions
    # The rows of each list by position: only the rows shown are taken out of the frame.
    overdue = np.flatnonzero(actions.overdue.astype(bool).to_numpy())
    ownerless = np.flatnonzero(actions.ownerless.astype(bool).to_numpy())
    head = ["Framework", "Service", "Statement", *(role.header for role in PAGE_ROLES)]

    def rows(frame: pd.DataFrame) -> list[list[object]]:
        # Only the columns the page shows, column by column (not a dict of every column per action).
        roles = [fmt_dates(frame[role.field].tolist()) if role.kinds == ("date",)
                 else frame[role.field].tolist() for role in PAGE_ROLES]
        return [[fid, name or sid, statement, *values] for fid, name, sid, statement, *values in
                zip(frame.framework_id.tolist(), frame.service_name.tolist(), frame.service_id.tolist(),
                    frame.statement_id.tolist(), *roles)]

    none = '<p class="muted">None.</p>'

    def listed(positions: np.ndarray) -> str:
        if not len(positions):
            return none
        more = "" if len(positions) <= PAGE_ACTION_LIMIT else (
            f'<p class="muted">The first {PAGE_ACTION_LIMIT:,} of {len(positions):,}: the workbook\'s Actions sheet '
            f"and actions.csv list them all.</p>")
        return html_table(head, rows(actions.iloc[positions[:PAGE_ACTION_LIMIT]])) + more

    return "\n".join([
        "<h2>Actions</h2>",
        (f"<p>{len(actions)} actions returned; {len(overdue)} overdue, "
         f"{len(ownerless)} with no lead named.</p>"),
        "<h3>Overdue actions</h3>", listed(overdue), "<h3>Actions with no lead</h3>", listed(ownerless)])


def _html_missing(collection: Collection, frames: Frames) -> str:
    parts = ['<h2 class="flow">Missing returns</h2>']
    if collection.expected is None:
        parts.append('<p class="muted">No manifest was given, so missing returns cannot be listed.</p>')
        return "\n".join(parts)
    missing = frames.missing[["framework_id", "service_id", "service_name", "contact"]]
    if len(missing):
        parts.append(html_table(["Framework", "Service ID", "Service", "Contact"],
                            missing.itertuples(index=False)))
    else:
        parts.append('<p class="muted">None: every service in the manifest has returned.</p>')
    unexpected = frames.unexpected
    if len(unexpected):
        parts.append("<h3>Returns from services not in the manifest</h3>")
        parts.append(html_table(["Framework", "Service ID", "Service", "File"],
                            unexpected.itertuples(index=False)))
    return "\n".join(parts)


def _html_log(collection: Collection) -> str:
    rows = [[status, n] for status, n in collection.counts().items()] + [["Total", len(collection.log)]]
    parts = ['<h2 class="flow">Files handed in</h2>', html_table(["Status", "Files"], rows, numeric=(1,))]
    rejected = [e for e in collection.log if e.status == REJECTED]
    if rejected:
        parts.append("<h3>Rejected files</h3>")
        parts.append(html_table(["File", "Reason", "What the sender should do"],
                            [[e.file, e.reason, e.advice] for e in rejected]))
    return "\n".join(parts)
