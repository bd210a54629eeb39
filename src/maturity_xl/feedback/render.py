"""One Pack as a self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched, A4 when printed.

Every piece of returned text is escaped, so it stays inert. The chart reads in black and white (shapes, not
colours, tell the service's mean from the median and the middle half of services) and its numbers are in a table
beside it. Colours used for text pass WCAG's 4.5:1 contrast on their backgrounds (a test checks COLOURS).
"""

from __future__ import annotations

import html
from datetime import date

from ..report.changes import change_words, mean2
from ..report.common import rounded
from .figures import Pack, StatementFigure, short

# (text colour, background) pairs the page uses; the test checks each pair's contrast.
COLOURS = {"ink": ("#1b1b1b", "#ffffff"), "muted": ("#4d4d4d", "#ffffff"), "header": ("#1b1b1b", "#e8e8e8"),
           "note": ("#1b1b1b", "#eef2f8"), "flag": ("#1b1b1b", "#fde3c8"), "chart": ("#1b1b1b", "#ffffff")}

CSS = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1b1b1b; background: #fff;
       max-width: 186mm; margin: 1rem auto; padding: 0 .5rem; font-size: 8.5pt; line-height: 1.28; }
h1 { font-size: 15pt; margin: 0 0 .15rem; }
h2 { font-size: 10.5pt; border-bottom: 1.5px solid #1b1b1b; padding-bottom: .1rem; margin: .7rem 0 .3rem; }
h3 { font-size: 9.5pt; margin: .5rem 0 .2rem; }
p { margin: .2rem 0 .35rem; }
.muted { color: #4d4d4d; }
.note { background: #eef2f8; border-left: 3px solid #1b1b1b; padding: .3rem .5rem; }
table { border-collapse: collapse; width: 100%; margin: .15rem 0 .35rem; font-size: 7.6pt; }
th, td { border: 1px solid #b0b0b0; padding: .12rem .3rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #e8e8e8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.flag { background: #fde3c8; font-weight: bold; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
table.choices { font-size: 6.9pt; line-height: 1.16; }
table.choices td { padding: .08rem .25rem; }
table.fixed { table-layout: fixed; }
.pair { display: flex; gap: .6rem; }
.pair > div { flex: 1; min-width: 0; }
figure { margin: .2rem 0; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
@page { size: A4; margin: 9mm 10mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr, figure, .note { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
}
"""


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(value: float | None) -> str:
    """A figure as the reports show it: common.rounded's one rule (3.25 -> 3.3, as Excel shows it)."""
    return "\u2013" if value is None else rounded(value)


def when(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), widths: list[int] = (),
           flags: set[int] = frozenset(), nowrap: set[int] = frozenset(), cls: str = "") -> str:
    """A table of already-escaped cells (callers escape with e()); widths are percentages of the page."""
    right = ' class="num"'
    head = "".join(f'<th scope="col"{right if i in numeric else ""}>{h}</th>' for i, h in enumerate(headers))
    cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>" if widths else ""
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls_ = "num" if i in numeric else ("flag" if i in flags and value else ("nowrap" if i in nowrap else ""))
            cells.append(f'<td class="{cls_}">{value}</td>' if cls_ else f"<td>{value}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f"{opening}{cols}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_pack(pack: Pack) -> str:
    """The pack as one HTML page."""
    terms = pack.framework.terms if pack.framework else None
    area_term = (terms.area if terms else "Area")
    statement_term = (terms.statement if terms else "Statement")
    parts = [_head(pack, statement_term.lower()), _profile(pack, area_term)]
    parts.append(_extremes(pack, statement_term))
    if pack.choices:
        parts.append(_choices(pack, area_term, statement_term))
    parts.append(_actions(pack, statement_term))
    if pack.changes:
        parts.append(_changes(pack, area_term))
    title = f"Feedback: {pack.title} \u2013 {pack.service_name or pack.service_id}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")


def _head(pack: Pack, statements: str) -> str:
    who = e(pack.service_name or "Your service") + (f" ({e(pack.service_id)})" if pack.service_id else "")
    done = []
    if pack.completed:
        done.append(f"completed {when(pack.completed)}")
    if pack.completed_by:
        done.append(f"by {e(pack.completed_by)}")
    dot = " \u00b7 "
    lines = [f"<h1>Your self-assessment: {e(pack.title)}</h1>",
             f"<p><strong>{who}</strong>{dot + ' '.join(done) if done else ''}{dot}"
             f"<span id=\"rated\">{pack.rated} of {pack.total}</span> {e(statements)}s rated{dot}"
             f"{e(pack.framework_id)} {e(pack.framework_version)} \u00b7 prepared {when(pack.today)}</p>"]
    if pack.spread_shown:
        note = (f"This pack shows your own answers beside the spread of the {pack.services} services that returned "
                f"this framework: the median and the middle half of their means. It is not a ranking: each "
                f"service rated itself, and no other service is named.")
    else:
        note = (f"The spread across services is shown only where at least five services rated an area "
                f"({pack.services} returned this framework), so that no one's answers can be picked out. "
                f"This pack shows your own answers; it is not a ranking.")
    lines.append(f'<p class="note">{e(note)}</p>')
    return "\n".join(lines)


def _profile(pack: Pack, area_term: str) -> str:
    rows = []
    shown = pack.spread_shown
    for a in pack.areas:
        row = [e(a.area), f"{a.rated} of {a.total}", num(a.mean)]
        if shown:
            s = a.spread
            row += [num(s.median), f"{num(s.lower)} to {num(s.upper)}", str(s.services)] if s else \
                ["\u2013", "not shown (fewer than five services)", "\u2013"]
        rows.append(row)
    headers = [e(area_term), "Rated", "Your mean"]
    if shown:
        headers += ["Median", "Middle half (interquartile range)", "Services"]
    table = _table(headers, rows, numeric={1, 2, 3, 5} if shown else {1, 2})
    return "\n".join([f"<h2>Your profile by {e(area_term.lower())}</h2>", _chart(pack, area_term), table])


def _chart(pack: Pack, area_term: str) -> str:
    """Per area, a scale from the lowest level to the highest: a grey band for the middle half of services,
    a thick line for their median and a black dot for this service's mean (shapes, so it prints in grey)."""
    fw = pack.framework
    levels = [lv.value for lv in fw.scale.levels] if fw else list(range(0, 6))
    low, high = levels[0], levels[-1]
    label_w, plot_w, row_h, top = 250, 360, 17 if len(pack.areas) > 6 else 22, 20
    width = label_w + plot_w + 50
    legend_y = top + row_h * len(pack.areas) + 8
    height = legend_y + (22 if pack.spread_shown else 20)
    span = max(high - low, 1)

    def x(value: float) -> float:
        return label_w + plot_w * (value - low) / span

    uid = "chart"
    parts = [f'<figure><svg role="img" aria-labelledby="{uid}-t {uid}-d" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{e(_chart_title(pack, area_term))}</title>',
             f'<desc id="{uid}-d">{e(_chart_desc(pack))}</desc>']
    for value in levels:
        parts.append(f'<line x1="{x(value):.1f}" y1="{top - 4}" x2="{x(value):.1f}" y2="{legend_y - 6}" '
                     f'stroke="#d4d4d4" aria-hidden="true"/><text x="{x(value):.1f}" y="{top - 8}" font-size="10" '
                     f'text-anchor="middle" fill="#1b1b1b" aria-hidden="true">{value}</text>')
    for i, a in enumerate(pack.areas):
        y = top + i * row_h + row_h / 2
        label = short(a.area, 40)
        parts.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" font-size="10.5" text-anchor="end" '
                     f'fill="#1b1b1b">{e(label)}</text>')
        parts.append(f'<line x1="{label_w}" y1="{y:.1f}" x2="{label_w + plot_w}" y2="{y:.1f}" stroke="#8c8c8c" '
                     f'stroke-width="1"/>')
        s = a.spread
        if s:
            parts.append(f'<rect x="{x(s.lower):.1f}" y="{y - 7:.1f}" width="{max(x(s.upper) - x(s.lower), 1.5):.1f}"'
                         f' height="14" fill="#cccccc" stroke="#1b1b1b" stroke-width="1"/>')
            parts.append(f'<line x1="{x(s.median):.1f}" y1="{y - 9:.1f}" x2="{x(s.median):.1f}" y2="{y + 9:.1f}" '
                         f'stroke="#1b1b1b" stroke-width="3"/>')
        if a.mean is None:
            parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + 4:.1f}" font-size="10" fill="#1b1b1b">'
                         'not rated</text>')
        else:
            parts.append(f'<circle cx="{x(a.mean):.1f}" cy="{y:.1f}" r="5.5" fill="#000" stroke="#fff" '
                         f'stroke-width="1.5"/><text x="{label_w + plot_w + 8}" y="{y + 4:.1f}" font-size="10.5" '
                         f'font-weight="bold" fill="#1b1b1b">{num(a.mean)}</text>')
    ly = legend_y + 8
    parts.append(f'<circle cx="{label_w + 6}" cy="{ly}" r="5" fill="#000"/><text x="{label_w + 16}" y="{ly + 4}" '
                 f'font-size="10" fill="#1b1b1b">your mean</text>')
    if pack.spread_shown:
        parts.append(f'<line x1="{label_w + 100}" y1="{ly - 8}" x2="{label_w + 100}" y2="{ly + 8}" stroke="#1b1b1b"'
                     f' stroke-width="3"/><text x="{label_w + 108}" y="{ly + 4}" font-size="10" fill="#1b1b1b">'
                     f'median of services</text><rect x="{label_w + 225}" y="{ly - 7}" width="22" height="14" '
                     f'fill="#cccccc" stroke="#1b1b1b"/><text x="{label_w + 253}" y="{ly + 4}" font-size="10" '
                     f'fill="#1b1b1b">middle half of services</text>')
    parts.append("</svg></figure>")
    return "".join(parts)


def _chart_title(pack: Pack, area_term: str) -> str:
    if pack.spread_shown:
        return f"Your mean rating per {area_term.lower()} beside the median and middle half of all services"
    return f"Your mean rating per {area_term.lower()}"


def _chart_desc(pack: Pack) -> str:
    out = []
    for a in pack.areas:
        line = f"{a.area}: your mean {num(a.mean)}"
        if a.spread:
            s = a.spread
            line += f"; median {num(s.median)}, middle half {num(s.lower)} to {num(s.upper)} ({s.services} services)"
        out.append(line + ".")
    return " ".join(out)


def _extremes(pack: Pack, statement_term: str) -> str:
    """The highest- and lowest-rated statements with their text. For a graded framework, whose every topic
    is listed with its text below, one line each names them."""
    term = statement_term.lower()
    parts = [f"<h2>Your strongest and weakest {e(term)}s</h2>"]
    if not pack.strongest:
        parts.append(f'<p class="muted">You have not rated any {e(term)}s yet.</p>')
        return "\n".join(parts)
    if pack.graded:
        for label, items in (("Strongest", pack.strongest), ("Weakest", pack.weakest)):
            if items:
                parts.append(f"<p><strong>{label}:</strong> " + "; ".join(
                    f"{e(s.statement_id)} {e(s.text)} (statement {s.rating})" for s in items) + "</p>")
        return "\n".join(parts)
    rows = [["Strongest" if i == 0 else "", e(s.statement_id), e(s.text), _rating(s)]
            for i, s in enumerate(pack.strongest)]
    rows += [["Weakest" if i == 0 else "", e(s.statement_id), e(s.text), _rating(s)]
             for i, s in enumerate(pack.weakest)]
    parts.append(_table(["Which", e(statement_term), "Text", "Your rating"], rows, widths=[10, 11, 58, 21],
                        nowrap={0, 1}, cls="fixed"))
    return "\n".join(parts)


def _rating(s: StatementFigure) -> str:
    return f"{s.rating} \u2013 {e(s.level)}" if s.level and s.level != str(s.rating) else str(s.rating)


def _choices(pack: Pack, area_term: str, statement_term: str) -> str:
    rows = []
    for c in pack.choices:
        chosen = f"<strong>{c.chosen}.</strong> {e(c.chosen_text)}" if c.chosen is not None else \
            '<span class="muted">not chosen</span>'
        if c.next is not None:
            nxt = f"<strong>{c.next}.</strong> {e(c.next_text)}"
        else:
            nxt = e(c.next_text) if c.next_text else "\u2013"
        rows.append([f"<strong>{e(c.statement_id)}</strong> {e(c.topic)}", chosen, nxt])
    return "\n".join([f"<h2>The statement you chose in each {e(statement_term.lower())}, and the next one</h2>",
                      _table([e(statement_term), "The statement you chose", "The next statement to work towards"],
                             rows, widths=[11, 44.5, 44.5], cls="choices fixed")])


def _actions(pack: Pack, statement_term: str) -> str:
    overdue = sum(a.overdue for a in pack.actions)
    ownerless = sum(a.ownerless for a in pack.actions)
    term = statement_term.lower()
    parts = ["<h2>Your actions</h2>",
             f"<p>{len(pack.actions)} action{'s' if len(pack.actions) != 1 else ''} in your plan: "
             f"{overdue} overdue (as of {when(pack.today)}), {ownerless} without a lead; "
             f"{len(pack.unplanned)} {e(term)}{'s' if len(pack.unplanned) != 1 else ''} "
             f"rated below the target with no action.</p>"]
    if pack.actions:
        status = any(a.status for a in pack.actions)
        rows = []
        for a in pack.actions:
            row = [e(a.statement_id), e(a.action) or '<span class="muted">(no action written)</span>',
                   e(a.lead) or "\u2013", when(a.deadline) or "\u2013"]
            rows.append(row + ([e(a.status)] if status else []) + [e(", ".join(a.flags))])
        headers = [e(statement_term), "Action", "Lead", "Deadline"] + (["Status"] if status else []) + ["Flag"]
        widths = [10, 50, 15, 10] + ([8, 7] if status else [15])
        parts.append(_table(headers, rows, flags={len(headers) - 1}, nowrap={0, 3}, widths=widths))
    if pack.unplanned and pack.target:
        value, label = pack.target
        parts.append(f"<h3>Rated below the target ({value} \u2013 {e(label)}) with no action</h3>")
        parts.append("<p>" + "; ".join(f"{e(s.statement_id)} {e(short(s.text, 60))} ({s.rating})"
                                       for s in pack.unplanned) + "</p>")
    return "\n".join(parts)


def _changes(pack: Pack, area_term: str) -> str:
    """The report's Change sheet for this service: the same figures, words and rounding rule."""
    rows = []
    for c in pack.changes:
        delta = "\u2013" if c.before is None or c.now is None else change_words(c.now - c.before)
        rows.append([e(c.area), str(c.compared), mean2(c.before), mean2(c.now), e(delta)])
    return "\n".join(["<h2>Change since the last round</h2>",
                      "<p>Each mean is over the statements you rated in both rounds; a statement left blank in "
                      "either round is not compared.</p>",
                      _table([e(area_term), "Statements compared", "Last round", "This round", "Change"], rows,
                             numeric={1, 2, 3}, nowrap={4})])
