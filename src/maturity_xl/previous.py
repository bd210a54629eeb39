"""Last round's answers, read from the programme store, for next round's workbooks (`generate --previous`).

Read only, straight from the store's tables (store/answers.py: three queries for one framework, not the round's
frames): for each service with a response that counts in that round, its ratings (number and level name) and
rationale by statement id, and its open actions (status not done, by the rule the reports use). Statements are
matched by id across framework versions: an id this version does not have was removed; an id it has that last
time's workbook did not was added.

`cells()` turns one service's last time into the values of the workbook's "last time" cells, placed by the
layout (layout.last_time_specs); the mail-merge patches them into a template (batch.Template).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

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
    so their level names are known and their actions are read by their columns' roles.

    Raises:
        PreviousError: there is no store at `path`. The store's own errors (not a store, too new, no such round)
            are raised as they are.
    """
    from .parse import default_registry
    from .store import Store
    from .store.answers import counted_heads, decoded, plans_of, ratings_of

    path = Path(path)
    if not path.is_file():
        raise PreviousError(f"{path}: there is no programme store here to take last time's answers from")
    with Store(path, create=False) as store:
        found = store.round(round_name)
        heads = counted_heads(store.conn, found.id, framework.id)
        ratings = ratings_of(store.conn, found.id, framework.id)
        plans = plans_of(store.conn, found.id, framework.id)
        registry = registry or default_registry()
        looks: dict[str, _Lookups] = {}
        by_id = {rid: (sid, version, looks.get(version) or looks.setdefault(
            version, _Lookups.of(registry.get(framework.id, version)))) for rid, sid, version in heads}
    open_actions = _open_actions(plans, by_id, decoded)
    current = {s.id for s in framework.statements}
    services, removed = _services(ratings, by_id, open_actions, current)
    return Previous(found.name, services, removed)


@dataclass(frozen=True, slots=True)
class _Lookups:
    """What last time's rows need of the framework version they were answered on (nothing if it is unknown)."""

    labels: dict[int, str]  # level name by value
    texts: dict[str, str]  # statement text (or title) by id
    roles: tuple[tuple[str, str, bool], ...]  # (role name, the column playing it, whether it holds dates), in
    # ACTION_ROLES' order, for the roles the framework has

    @classmethod
    def of(cls, fw: Framework | None) -> _Lookups:
        if fw is None:
            return cls({}, {}, ())
        labels = {lv.value: fw.scale.label_of(lv.value) for lv in fw.scale.levels}
        columns = fw.role_columns()
        return cls({k: v for k, v in labels.items() if isinstance(v, str)},
                   {s.id: (s.title or s.text) for s in fw.statements},
                   tuple((role.name, columns[role.name], role.kinds == ("date",)) for role in ACTION_ROLES
                         if role.name in columns))


def _open_actions(plans: list[tuple[int, list]], by_id: dict[int, tuple[str, str, _Lookups]],
                  decoded: Callable[[object], object]) -> dict[str, dict[str, dict[str, object]]]:
    """Service id -> statement id -> {role: value} of the actions not done, by the reports' rule (frames.Frames:
    a date role holds dates only; a status is text; blanks are no value; done is one of DONE_WORDS); a later row
    for a statement wins. One loop with the rule inline: a round holds tens of thousands of actions."""
    out: dict[str, dict[str, dict[str, object]]] = {}
    for rid, plan in plans:
        sid, _version, look = by_id[rid]
        for statement, _area, row in plan:
            values = {}
            for name, column, dated in look.roles:
                value = row.get(column)
                if type(value) is str:
                    if not value.strip():
                        continue
                    if value[0] <= "\x01":  # a date, as stored
                        value = decoded(value)
                    elif dated:
                        continue
                elif value is None or dated:
                    continue  # JSON holds no dates: a date role's number is no date
                elif type(value) is float and value != value and name != "status":
                    continue
                if name == "status":
                    if not value:
                        continue
                    value = str(value)
                values[name] = value
            status = values.get("status")
            if values and not (status is not None and status.casefold().strip() in DONE_WORDS):
                out.setdefault(sid, {})[statement] = values
    return out


def _services(ratings: list[tuple[int, str, int | None, str]], by_id: dict[int, tuple[str, str, _Lookups]],
              open_actions: dict[str, dict[str, dict[str, object]]],
              current: set[str]) -> tuple[dict[str, LastTime], tuple[tuple[str, str], ...]]:
    """Each service's last time, and the statements answered then that `current` (this version's ids) lacks."""
    out: dict[str, LastTime] = {}
    answers: dict[str, LastAnswer] = {}
    labels: dict[int | None, str] = {}
    last_rid = None
    for rid, statement, rating, rationale in ratings:  # rationale: TEXT NOT NULL
        if rid != last_rid:
            sid, version, look = by_id[rid]
            last = out.get(sid) or out.setdefault(sid, LastTime(sid, version, {}, open_actions.get(sid, {})))
            answers, labels, last_rid = last.answers, look.labels, rid
        answers[statement] = LastAnswer(rating, labels.get(rating, ""), rationale)
    removed: dict[str, str] = {}
    for rid, statement, _rating, _rationale in ratings:
        if statement not in current and statement not in removed:
            removed[statement] = by_id[rid][2].texts.get(statement, "")
    return out, tuple(removed.items())


def rating_text(answer: LastAnswer | None, framework: Framework) -> str:
    """What the "last time" column says of a statement: "3 - Growing", "Not rated", or "New in this version"."""
    if answer is None:
        return NEW
    if answer.rating is None:
        return NOT_RATED
    label = answer.level or framework.scale.label_of(answer.rating)
    return f"{answer.rating} - {label}" if label else str(answer.rating)


def cells(layout: Layout, last: LastTime, round_name: str) -> dict[str, dict[tuple[int, int], object]]:
    """The values of one service's "last time" cells, {sheet: {(row, col): value}} (see Placing.cells)."""
    return Placing(layout, round_name).cells(last)


class Placing:
    """Where one layout's "last time" cells are, worked out once for a mail-merge; `cells` then places each
    service's last time (a workbook's few hundred cells are most of what is left of its time)."""

    def __init__(self, layout: Layout, round_name: str):
        fw = self.framework = layout.framework
        self.rating_col, self.why_col = layout.last_time_col("last_rating"), layout.last_time_col("last_rationale")
        self.carried_col, self.mean_col = layout.last_time_col("carried"), layout.last_time_col("last_mean")
        a_widths, p_widths = [c.width for c in layout.assessment_columns], [c.width for c in layout.plan_columns]
        self.rating_width, self.why_width = a_widths[self.rating_col], a_widths[self.why_col]
        self.why_limit = _limit(self.why_width, STATEMENT_BOX_LINES)
        # role -> (its column, options a choice must be one of (None: any value), whether it holds dates)
        self.roles = {c.role: (layout.action_col(c.id), frozenset(c.options) if c.kind == "choice" else None,
                               c.kind == "date") for c in fw.action_columns if c.role}
        self.widths = {col: (p_widths[col], _limit(p_widths[col], ACTION_BOX_LINES))
                       for col in (self.carried_col, *(col for col, _o, _d in self.roles.values()))}
        self.carried = CARRIED.format(round=round_name)
        self.statements = [(c.statement_id, c.row, c.action_row) for c in layout.statement_cells]
        self.areas = [(span.summary_row, [s.id for s in area.statements])
                      for span, area in zip(layout.area_spans, fw.areas, strict=True)]
        self.overall_row = layout.overall_summary_row
        self._shown: dict[tuple[int, str], str] = {}

    def cells(self, last: LastTime) -> dict[str, dict[tuple[int, int], object]]:
        """The values of one service's "last time" cells: every statement's rating and rationale last time,
        each area's mean over the statements it has now, and the open actions carried into the action plan
        (text, lead and dates; a choice only where it is still one of the column's options)."""
        assessment: dict[tuple[int, int], object] = {}
        plan: dict[tuple[int, int], object] = {}
        rating_col, why_col, why_limit = self.rating_col, self.why_col, self.why_limit
        answers, actions = last.answers, last.actions
        for statement_id, row, action_row in self.statements:
            answer = answers.get(statement_id)
            shown = assessment[(row, rating_col)] = self._text(answer)
            if answer is not None and (why := answer.rationale):
                assessment[(row, why_col)] = why
                # Tall enough for last time's words: LibreOffice does not fit a row to its text when it opens it.
                if len(why) > why_limit or "\n" in why:
                    assessment[(row, ROW_HEIGHT)] = row_height((shown, self.rating_width), (why, self.why_width))
            action = actions.get(statement_id)
            if action:
                self._carry(plan, action_row, action)
        summary: dict[tuple[int, int], object] = {}
        everything: list[int] = []
        for summary_row, ids in self.areas:
            values = [a.rating for s in ids if (a := answers.get(s)) is not None and a.rating is not None]
            everything += values
            if values:
                summary[(summary_row, self.mean_col)] = sum(values) / len(values)
        if everything:
            summary[(self.overall_row, self.mean_col)] = sum(everything) / len(everything)
        return {ASSESSMENT: assessment, ACTIONS: plan, SUMMARY: summary}

    def _text(self, answer: LastAnswer | None) -> str:
        if answer is None:
            return NEW
        key = (answer.rating, answer.level)
        found = self._shown.get(key)
        if found is None:
            found = self._shown[key] = rating_text(answer, self.framework)
        return found

    def _carry(self, plan: dict[tuple[int, int], object], action_row: int, action: dict[str, object]) -> None:
        """An open action into its statement's row of the action plan, marked as carried forward."""
        row = {self.carried_col: self.carried}
        roles = self.roles
        for role, value in action.items():
            found = roles.get(role)
            if found is None:
                continue
            col, options, dated = found
            if (options is not None and value not in options) or (dated and not isinstance(value, date)):
                continue
            row[col] = value
        long = False
        for col, value in row.items():
            plan[(action_row, col)] = value
            if type(value) is str and (len(value) > self.widths[col][1] or "\n" in value):
                long = True
        if long:
            plan[(action_row, ROW_HEIGHT)] = row_height(*((v, self.widths[col][0]) for col, v in row.items()
                                                          if isinstance(v, str)))


def _limit(width: float, lines: int) -> int:
    """The characters a column holds in `lines` lines (row_height's measure), which every statement's row has
    room for already."""
    return int(width * 1.2) * lines
