"""The commissioner's view of provider plans, for any framework of graded statements (Progress for Providers).

`provider_plans` is one row per provider and topic: the statement the provider chose (number and text), the next
statement to work towards, and the provider's action with who leads it and when. `plan_matrix` is the provider x
topic matrix of chosen statement numbers. Both come out as a CSV, an HTML section and an Excel sheet (the rows as
an Excel table, the matrix beside them coloured with a key, the numbers always shown). Returned text stays text:
escaped in HTML, written with write_string in Excel, defused in CSV.
"""

from __future__ import annotations

import html
import os
import secrets
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ..model import Framework
from ..xlsxsafe import InertWorksheet
from .figures import FrameworkLookup, _blank, choice_of, default_lookup

PLAN_COLUMNS = ["framework_id", "framework_version", "service_id", "service_name", "area_id", "area", "topic_id",
                "topic", "chosen", "chosen_level", "chosen_text", "next", "next_text", "action", "lead",
                "deadline", "status", "overdue", "ownerless", "file"]
PLAN_HEADERS = ["Framework", "Version", "Service ID", "Service", "Section ID", "Section", "Topic ID", "Topic",
                "Chosen", "Chosen level", "Chosen statement", "Next", "Next statement", "Action", "Lead", "When",
                "Status", "Overdue", "No lead", "File"]
RAMP = ("#DEEBF7", "#08306B")  # light to dark blue, one shade per statement number
HTML_ROW_LIMIT = 2_000  # the HTML section lists at most this many rows; the CSV and the sheet have them all
SHEET_ROW_LIMIT = 50_000


def graded(fw: Framework | None) -> bool:
    return bool(fw and fw.rating_mode == "descriptor")


def provider_plans(frames, *, frameworks: FrameworkLookup | None = None) -> pd.DataFrame:
    """One row per provider (accepted return) and graded topic, in the framework's order of topics."""
    lookup = frameworks or default_lookup(frames)
    # The ratings without their free texts where the frames have them so (frames.Frames.lean_ratings): none is read.
    ratings = frames.lean_ratings if hasattr(frames, "lean_ratings") else frames.ratings
    responses, actions = frames.responses, frames.actions
    rows: list[list] = []
    first_action = {}
    if len(actions):
        for a in actions.to_dict("records"):
            first_action.setdefault((a["file"], a["statement_id"]), a)
    by_file = {k: g for k, g in ratings.groupby("file", sort=False)} if len(ratings) else {}
    for resp in responses.to_dict("records"):
        fw = lookup(resp["framework_id"], resp["framework_version"])
        if not graded(fw):
            continue
        file = resp["file"]
        own = by_file.get(file)
        values = {} if own is None else {sid: (None if _blank(v) else int(v))
                                         for sid, v in zip(own["statement_id"], own["rating"])}
        for area in fw.areas:
            for st in area.statements:
                if not st.descriptors:
                    continue
                c = choice_of(fw, st.id, values.get(st.id), area.title)
                a = first_action.get((file, st.id), {})
                rows.append([resp["framework_id"], resp["framework_version"], resp["service_id"],
                             resp["service_name"], area.id, area.title, st.id, c.topic, c.chosen,
                             fw.scale.label_of(c.chosen) if c.chosen is not None else None, c.chosen_text or None,
                             c.next, c.next_text or None, _value(a.get("action")), _value(a.get("lead")),
                             a.get("deadline") if isinstance(a.get("deadline"), date) else None,
                             _value(a.get("status")), bool(a.get("overdue", False)), bool(a.get("ownerless", False)),
                             file])
    out = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    for column in ("chosen", "next"):
        out[column] = out[column].astype("Int64")
    return out


def _value(value: object) -> object:
    return None if _blank(value) or value == "" else value


def plan_matrix(plans: pd.DataFrame, framework_id: str | None = None) -> pd.DataFrame:
    """Provider x topic: the chosen statement number (blank where none was chosen), topics in framework order.

    One framework at a time (the first in `plans` unless `framework_id` says which); rows are providers in the
    order of the plans, keyed by service id and name (and the file, for returns without an id)."""
    if plans.empty:
        return pd.DataFrame(columns=["service_id", "service_name"])
    fid = framework_id or plans["framework_id"].iloc[0]
    part = plans[plans.framework_id == fid]
    topics = list(dict.fromkeys(part["topic_id"]))
    wide = part.pivot_table(index="file", columns="topic_id", values="chosen", aggfunc="first", sort=False)
    wide = wide.reindex(index=list(dict.fromkeys(part["file"])), columns=topics)
    names = part.drop_duplicates("file").set_index("file")[["service_id", "service_name"]]
    out = names.join(wide.astype("Int64")).reset_index(drop=True)
    out.columns.name = None
    return out


def level_colours(levels: list[int]) -> dict[int, tuple[str, str]]:
    """Statement number -> (fill, text colour): a ramp from light to dark, with black or white text, whichever
    contrasts more (at least 4.5:1 on every fill of the ramp)."""
    out = {}
    for i, value in enumerate(levels):
        fill = _mix(*RAMP, i / max(len(levels) - 1, 1))
        out[value] = (fill, "#000000" if contrast(fill, "#000000") >= contrast(fill, "#FFFFFF") else "#FFFFFF")
    return out


def _mix(a: str, b: str, f: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * f):02X}" for x, y in zip(ca, cb))


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #RRGGBB colour."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _frameworks_in(plans: pd.DataFrame, lookup: FrameworkLookup) -> list[Framework]:
    out = []
    for fid, version in plans[["framework_id", "framework_version"]].drop_duplicates().itertuples(index=False):
        fw = lookup(fid, version)
        if fw and fw.id not in {f.id for f in out}:
            out.append(fw)
    return out


def write_provider_plans_csv(plans: pd.DataFrame, path: Path) -> Path:
    """The plans as CSV (UTF-8 with BOM for Excel), text that a spreadsheet would run as a formula defused by the
    same rule as every other CSV (csvsafe: after any invisible prefix too), written by report.csv's writer."""
    from ..report.csv import _to_csv

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        _to_csv(plans, tmp, defused=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _e(value: object) -> str:
    return "" if _blank(value) else html.escape(str(value), quote=True)


def render_provider_plans_html(plans: pd.DataFrame, *, frameworks: FrameworkLookup | None = None,
                               level: int = 2) -> str:
    """An HTML section (headings from `level` down) per graded framework: the matrix with its key, then the rows.

    Self-contained markup with inline styles only, to place inside a report's <body>; "" without graded returns.
    """
    if plans.empty:
        return ""
    lookup = frameworks or default_lookup(None)
    h, h3 = f"h{level}", f"h{min(level + 1, 6)}"
    parts = []
    for fw in _frameworks_in(plans, lookup):
        part = plans[plans.framework_id == fw.id]
        colours = level_colours(list(fw.scale.values))
        parts.append(f"<section><{h}>Provider plans: {_e(fw.title)}</{h}>")
        parts.append(f"<p>{part['file'].nunique()} providers, {len(part['topic_id'].unique())} topics. "
                     "Each cell is the number of the statement the provider chose (a blank: none chosen). "
                     "Self-assessments are not league tables: read each provider's own plan, not a ranking.</p>")
        parts.append(f"<{h3}>Chosen statement in each topic</{h3}>")
        key = "".join(f'<span style="display:inline-block;padding:0 .4em;margin-right:.3em;background:{bg};'
                      f'color:{fg};border:1px solid #595959">{v} \u2013 {_e(fw.scale.label_of(v))}</span>'
                      for v, (bg, fg) in colours.items())
        parts.append(f'<p>Key: {key}</p>')
        parts.append(_matrix_html(plan_matrix(plans, fw.id), colours))
        topics = part.drop_duplicates("topic_id")[["topic_id", "topic"]]
        parts.append("<p>Topics: " + "; ".join(f"{_e(t)} {_e(n)}" for t, n in topics.itertuples(index=False))
                     + "</p>")
        parts.append(f"<{h3}>Each provider's chosen and next statement, and its action</{h3}>")
        shown = part.iloc[:HTML_ROW_LIMIT]
        if len(part) > len(shown):
            parts.append(f"<p>The first {len(shown):,} of {len(part):,} rows; the CSV and the workbook have them "
                         "all.</p>")
        parts.append(_rows_html(shown))
        parts.append("</section>")
    return "\n".join(parts)


def _matrix_html(matrix: pd.DataFrame, colours: dict[int, tuple[str, str]]) -> str:
    topics = [c for c in matrix.columns if c not in ("service_id", "service_name")]
    head = ('<th scope="col">Service ID</th><th scope="col">Service</th>'
            + "".join(f'<th scope="col" style="text-align:center">{_e(t)}</th>' for t in topics))
    rows = []
    for item in matrix.itertuples(index=False):
        cells = [f"<td>{_e(item[0])}</td>", f'<th scope="row" style="font-weight:normal">{_e(item[1])}</th>']
        for value in item[2:]:
            if _blank(value):
                cells.append('<td style="text-align:center">\u2013</td>')
            else:
                bg, fg = colours.get(int(value), ("#FFFFFF", "#000000"))
                cells.append(f'<td style="text-align:center;background:{bg};color:{fg}">{int(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="plan-matrix"><thead><tr>{head}</tr></thead><tbody>' + "\n".join(rows)
            + "</tbody></table>")


def _rows_html(part: pd.DataFrame) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("Service", "Topic", "Chosen statement", "Next statement", "Action", "Lead", "When", "Flag"))
    rows = []
    for r in part.to_dict("records"):
        chosen = f"<strong>{r['chosen']}.</strong> {_e(r['chosen_text'])}" if not _blank(r["chosen"]) else "\u2013"
        nxt = (f"<strong>{r['next']}.</strong> " if not _blank(r["next"]) else "") + _e(r["next_text"])
        flags = ", ".join(w for w, on in (("Overdue", r["overdue"]), ("No lead", r["ownerless"])) if on)
        deadline = r["deadline"].strftime("%d/%m/%Y") if isinstance(r["deadline"], date) else ""
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            _e(r["service_name"] or r["service_id"]), f"{_e(r['topic_id'])} {_e(r['topic'])}", chosen,
            nxt or "\u2013", _e(r["action"]), _e(r["lead"]), deadline, flags)) + "</tr>")
    return f'<table class="plans"><thead><tr>{head}</tr></thead><tbody>' + "\n".join(rows) + "</tbody></table>"


def write_provider_plans_sheet(workbook, plans: pd.DataFrame, *, frameworks: FrameworkLookup | None = None,
                               name: str = "Provider plans"):
    """Add a sheet to an xlsxwriter Workbook: the plans as an Excel table, and beside it a provider x topic matrix
    per framework, each cell its chosen statement's number on a colour from the key. Returns the worksheet.

    Every text is written with write_string, so returned text never becomes a formula or a link whatever the
    workbook's options. Past SHEET_ROW_LIMIT rows a note says the CSV has the rest.
    """
    lookup = frameworks or default_lookup(None)
    ws = workbook.add_worksheet(name, worksheet_class=InertWorksheet)
    add = workbook.add_format
    fmt = {"title": add({"bold": True, "font_size": 14}), "note": add({"italic": True, "font_color": "#4D4D4D"}),
           "wrap": add({"text_wrap": True, "valign": "top"}),
           "date": add({"num_format": "dd/mm/yyyy", "valign": "top"}), "h2": add({"bold": True, "font_size": 12}),
           "head": add({"bold": True, "bg_color": "#E7E6E6", "border": 1}),
           "cell": add({"border": 1, "align": "center"}), "top": add({"valign": "top"})}
    ws.write_string(0, 0, "Provider plans: the statement each provider chose in each topic, the next one, and its "
                          "action", fmt["title"])
    ws.write_string(1, 0, "Self-assessments are not league tables: read each provider's own plan. The matrix "
                          "beside the table shows the chosen statement numbers; colour follows the key.", fmt["note"])
    first = 3
    shown = plans.iloc[:SHEET_ROW_LIMIT]
    widths = [20, 8, 12, 28, 9, 26, 8, 26, 8, 18, 60, 7, 60, 50, 20, 11, 14, 9, 9, 30]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width, fmt["wrap"] if width >= 26 else fmt["top"])
    records = shown.to_dict("records")
    for i, r in enumerate(records):
        for j, column in enumerate(PLAN_COLUMNS):
            _put(ws, first + 1 + i, j, r[column], fmt)
    ws.add_table(first, 0, first + max(len(records), 1), len(PLAN_COLUMNS) - 1,
                 {"name": "tbl_provider_plans", "style": "Table Style Light 9",
                  "columns": [{"header": h} for h in PLAN_HEADERS]})
    if len(plans) > len(shown):
        ws.write_string(2, 0, f"The first {len(shown):,} of {len(plans):,} rows; the CSV export has them all.",
                        fmt["note"])
    col = len(PLAN_COLUMNS) + 1
    row = first
    for fw in _frameworks_in(plans, lookup):
        row = _matrix_block(workbook, ws, plans, fw, row, col, fmt) + 2
    ws.freeze_panes(first + 1, 0)
    return ws


def _put(ws, row: int, col: int, value: object, fmt: dict) -> None:
    if _blank(value) or value == "":
        ws.write_blank(row, col, None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, (date, datetime)):
        ws.write_datetime(row, col, value, fmt["date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    elif hasattr(value, "__int__") and not isinstance(value, str):
        ws.write_number(row, col, int(value))
    else:
        ws.write_string(row, col, str(value)[:32767])


def _matrix_block(workbook, ws, plans: pd.DataFrame, fw: Framework, row: int, col: int, fmt: dict) -> int:
    colours = level_colours(list(fw.scale.values))
    styles = {v: workbook.add_format({"bg_color": bg, "font_color": fg, "border": 1, "align": "center"})
              for v, (bg, fg) in colours.items()}
    ws.write_string(row, col, f"{fw.title}: chosen statement in each topic", fmt["h2"])
    ws.write_string(row + 1, col, "Key", fmt["head"])
    for i, (value, style) in enumerate(styles.items()):  # one line each, so every label reads in full
        ws.write_number(row + 1 + i, col + 1, value, style)
        ws.write_string(row + 1 + i, col + 2, fw.scale.label_of(value))
    matrix = plan_matrix(plans, fw.id)
    topics = [c for c in matrix.columns if c not in ("service_id", "service_name")]
    header = row + 2 + len(styles)
    for j, text in enumerate(["Service ID", "Service", *topics]):
        ws.write_string(header, col + j, str(text), fmt["head"])
    for i, item in enumerate(matrix.itertuples(index=False)):
        r = header + 1 + i
        ws.write_string(r, col, str(item[0] or ""))
        ws.write_string(r, col + 1, str(item[1] or ""))
        for j, value in enumerate(item[2:]):
            if _blank(value):
                ws.write_blank(r, col + 2 + j, None, fmt["cell"])
            else:
                ws.write_number(r, col + 2 + j, int(value), styles.get(int(value), fmt["cell"]))
    ws.set_column(col, col, 12)
    ws.set_column(col + 1, col + 1, 30)
    ws.set_column(col + 2, col + 1 + len(topics), 6)
    return header + len(matrix)
