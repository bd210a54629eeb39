"""Last round's answers, read from the programme store, for next round's workbooks (`generate --previous`).

Read only, through the store's own frames (store.collection(round).frames()): for each service with a response
that counts in that round, its ratings (number and level name) and rationale by statement id, and its open
actions (status not done, by the rule the reports use). Statements are matched by id across framework versions:
an id this version does not have was removed; an id it has that last time's workbook did not was added.

`cells()` turns one service's last time into the values of the workbook's "last time" cells, placed by the
layout (layout.last_time_specs); the mail-merge patches them into a template (batch.Template).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .cellpatch import ROW_HEIGHT
from .errors import MaturityXLError
from .generate.actions import ACTION_BOX_LINES
from .generate.assessment import STATEMENT_BOX_LINES
from .generate.book import row_height
from .layout import ACTIONS, ASSESSMENT, SUMMARY, Layout
from .model import ACTION_ROLES, DONE_WORDS, Framework

if TYPE_CHECKING:
    from .parse import Registry

NEW = "New in this version"
NOT_RATED = "Not rated"
CARRIED = "Carried forward from {round}"


class PreviousError(MaturityXLError):
    """Last round's answers cannot be read from the store (no such store or round)."""


@dataclass(frozen=True, slots=True)
class LastAnswer:
    rating: int | None
    level: str  # the level's name as last time's framework named it
    rationale: str


@dataclass(frozen=True, slots=True)
class LastTime:
    """One service's response that counted last round."""

    service_id: str
    framework_version: str
    answers: dict[str, LastAnswer]  # by statement id: every statement of last time's workbook
    actions: dict[str, dict[str, object]]  # statement id -> {role name: value}: the open actions only


@dataclass(frozen=True, slots=True)
class Previous:
    """A round's answers for one framework, by service id, and what changed in the framework since."""

    round: str
    services: dict[str, LastTime]
    removed: tuple[tuple[str, str], ...]  # (id, text) of statements answered last time that this version lacks

    def get(self, service_id: str) -> LastTime | None:
        return self.services.get(service_id)


def read_previous(path: str | Path, framework: Framework, round_name: str | None = None, *,
                  registry: Registry | None = None) -> Previous:
    """The responses that count in `round_name` (default: the store's latest round) for `framework`'s id.

    `registry` knows the frameworks of last round's returns (default: the bundled ones, archived versions too),
    so their actions are read by their columns' roles.

    Raises:
        PreviousError: there is no store at `path`. The store's own errors (not a store, too new, no such round)
            are raised as they are.
    """
    from .store import Store

    path = Path(path)
    if not path.is_file():
        raise PreviousError(f"{path}: there is no programme store here to take last time's answers from")
    with Store(path, create=False) as store:
        found = store.round(round_name)
        frames = store.collection(found.name, registry=registry).frames()
        ratings, actions = frames.ratings, frames.actions
    ratings = ratings[ratings["framework_id"] == framework.id]
    actions = actions[actions["framework_id"] == framework.id]
    return Previous(found.name, _services(ratings, actions), _removed(ratings, framework))


def _services(ratings: pd.DataFrame, actions: pd.DataFrame) -> dict[str, LastTime]:
    # Whole columns as lists (iterating the frames' nullable columns row by row was most of the time).
    open_actions: dict[str, dict[str, dict[str, object]]] = {}
    names = [role.name for role in ACTION_ROLES]
    columns = [actions[c].tolist() for c in ("service_id", "statement_id", *(r.field for r in ACTION_ROLES))]
    for sid, statement, *row in zip(*columns):
        values = {name: value for name, value in zip(names, row) if _present(value)}
        status = values.get("status")
        if values and not (isinstance(status, str) and status.casefold().strip() in DONE_WORDS):
            open_actions.setdefault(sid, {})[statement] = values
    out: dict[str, LastTime] = {}
    numbers = ratings["rating"].to_numpy(dtype="float64", na_value=float("nan")).tolist()
    columns = [ratings[c].tolist() for c in ("service_id", "framework_version", "statement_id", "level",
                                              "rationale")]
    last = None
    for sid, version, statement, level, rationale, number in zip(*columns, numbers):
        if last is None or last.service_id != sid:
            last = out.get(sid) or out.setdefault(sid, LastTime(sid, version, {}, open_actions.get(sid, {})))
        last.answers[statement] = LastAnswer(None if number != number else int(number),
                                             level if isinstance(level, str) else "",
                                             rationale if isinstance(rationale, str) else "")
    return out


def _present(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (isinstance(value, float) and value != value)


def _removed(ratings: pd.DataFrame, framework: Framework) -> tuple[tuple[str, str], ...]:
    current = {s.id for s in framework.statements}
    gone = ratings.loc[~ratings["statement_id"].isin(current), ["statement_id", "statement"]]
    seen: dict[str, str] = {}
    for statement_id, text in gone.itertuples(index=False, name=None):
        seen.setdefault(statement_id, text if isinstance(text, str) else "")
    return tuple(seen.items())


def _longer(*texts: tuple[str, float], lines: int) -> bool:
    """Whether any text may need more than `lines` lines in its column (row_height's measure), which every
    statement's row has room for already."""
    return any("\n" in text or len(text) > int(width * 1.2) * lines for text, width in texts)


def rating_text(answer: LastAnswer | None, framework: Framework) -> str:
    """What the "last time" column says of a statement: "3 - Growing", "Not rated", or "New in this version"."""
    if answer is None:
        return NEW
    if answer.rating is None:
        return NOT_RATED
    label = answer.level or framework.scale.label_of(answer.rating)
    return f"{answer.rating} - {label}" if label else str(answer.rating)


def cells(layout: Layout, last: LastTime, round_name: str) -> dict[str, dict[tuple[int, int], object]]:
    """The values of one service's "last time" cells, {sheet: {(row, col): value}}: every statement's rating and
    rationale last time, each area's mean over the statements it has now, and the open actions carried into the
    action plan (text, lead and dates; a choice only where it is still one of the column's options)."""
    fw = layout.framework
    assessment: dict[tuple[int, int], object] = {}
    plan: dict[tuple[int, int], object] = {}
    summary: dict[tuple[int, int], object] = {}
    rating_col, why_col = layout.last_time_col("last_rating"), layout.last_time_col("last_rationale")
    carried_col = layout.last_time_col("carried")
    by_role = {c.role: c for c in fw.action_columns if c.role}
    a_widths, p_widths = [c.width for c in layout.assessment_columns], [c.width for c in layout.plan_columns]
    for c in layout.statement_cells:
        answer = last.answers.get(c.statement_id)
        shown = assessment[(c.row, rating_col)] = rating_text(answer, fw)
        if answer is not None and answer.rationale:
            assessment[(c.row, why_col)] = answer.rationale
            # Tall enough for last time's words: LibreOffice does not fit a row to its text when it opens a file.
            if _longer((answer.rationale, a_widths[why_col]), lines=STATEMENT_BOX_LINES):
                assessment[(c.row, ROW_HEIGHT)] = row_height((shown, a_widths[rating_col]),
                                                             (answer.rationale, a_widths[why_col]))
        action = last.actions.get(c.statement_id)
        if not action:
            continue
        row = {carried_col: CARRIED.format(round=round_name)}
        for role, value in action.items():
            column = by_role.get(role)
            if column is None or (column.kind == "choice" and value not in column.options):
                continue
            if column.kind == "date" and not isinstance(value, (date, datetime)):
                continue
            row[layout.action_col(column.id)] = value
        plan.update({(c.action_row, col): value for col, value in row.items()})
        texts = [(v, p_widths[col]) for col, v in row.items() if isinstance(v, str)]
        if _longer(*texts, lines=ACTION_BOX_LINES):
            plan[(c.action_row, ROW_HEIGHT)] = row_height(*texts)
    mean_col = layout.last_time_col("last_mean")
    everything: list[int] = []
    for span, area in zip(layout.area_spans, fw.areas, strict=True):
        values = [a.rating for s in area.statements if (a := last.answers.get(s.id)) and a.rating is not None]
        everything += values
        if values:
            summary[(span.summary_row, mean_col)] = sum(values) / len(values)
    if everything:
        summary[(layout.overall_summary_row, mean_col)] = sum(everything) / len(everything)
    return {ASSESSMENT: assessment, ACTIONS: plan, SUMMARY: summary}
