"""What one returned workbook says: the Response, its problems, and its scores computed in Python."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from math import fsum
from operator import attrgetter
from typing import TYPE_CHECKING

from .catalogue import RETURN as _RETURN
from .catalogue import Severity, refuse

if TYPE_CHECKING:
    from .model import Framework


def _pickled_by_constructor(cls):
    """Pickle a frozen slots dataclass as (class, field values): the default for slots calls dataclasses.fields()
    for every object, which was half the cost of reading 50,000 ratings back from a collection's spill file."""
    values = attrgetter(*(f.name for f in fields(cls)))
    cls.__reduce__ = lambda self: (cls, values(self))
    return cls


@_pickled_by_constructor
@dataclass(frozen=True, slots=True)
class Problem:
    """One thing found in a returned file, located as precisely as possible (sheet and cell may be empty).

    Its code must be in the catalogue (catalogue.RETURN) with this severity allowed, or building it raises
    catalogue.UnknownCode; without advice it takes the catalogue's.
    """

    severity: Severity
    code: str
    message: str
    sheet: str = ""
    cell: str = ""
    advice: str = ""  # what the sender should do (the catalogue's unless given)

    def __post_init__(self) -> None:
        entry = _RETURN.get(self.code)  # one dict lookup: collection builds and unpickles thousands of these
        if entry is None or self.severity not in entry.severities:
            refuse(self.severity, self.code)
        if not self.advice and entry.advice:
            object.__setattr__(self, "advice", entry.advice)

    def where(self) -> str:
        if self.sheet and self.cell:
            return f"sheet '{self.sheet}', cell {self.cell}"
        return f"sheet '{self.sheet}'" if self.sheet else ""

    def __str__(self) -> str:
        where = self.where()
        return f"{self.severity}: {where}: {self.message}" if where else f"{self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "sheet": self.sheet, "cell": self.cell,
                "message": self.message, "advice": self.advice}


@_pickled_by_constructor
@dataclass(frozen=True, slots=True)
class Rating:
    statement_id: str
    area_id: str
    rating: int | None
    rationale: str
    evidence: str
    target: int | None = None
    """The target level the service chose (frameworks with rating.target_per_statement); None when blank or not
    usable (off the scale, below the rating), when the target is the next level up (Scale.target_of)."""


@_pickled_by_constructor
@dataclass(frozen=True, slots=True)
class Action:
    statement_id: str
    area_id: str
    values: dict[str, object]  # action column id -> str, date or None


@dataclass(frozen=True, slots=True)
class Score:
    rated: int
    total: int
    mean: float | None

    def to_dict(self) -> dict:
        return {"rated": self.rated, "total": self.total, "mean": self.mean}


@_pickled_by_constructor
@dataclass(slots=True)
class Response:
    file: str
    framework_id: str = ""
    framework_version: str = ""
    fingerprint: str = ""
    service_id: str = ""
    service_name: str = ""
    generated_at: str = ""
    signature: str = ""  # from the metadata sheet
    signature_property: str = ""  # the same, from the custom document properties
    respondent: dict[str, object] = field(default_factory=dict)
    ratings: list[Rating] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    area_ids: tuple[str, ...] = ()
    round: str = ""  # the round the workbook was generated for (`generate --round`), "" if it names none

    @property
    def rejected(self) -> bool:
        return any(p.severity == "fatal" for p in self.problems)

    @property
    def status(self) -> str:
        """By the collector's documented rule (settle.status): the worst problem, then how much is rated."""
        from .settle import status

        return status(self, sum(r.rating is not None for r in self.ratings), len(self.ratings))

    @property
    def completed_on(self) -> date | None:
        value = self.respondent.get("date_completed")
        return value if isinstance(value, date) else None

    def scores(self) -> dict[str, Score]:
        """Per area (in framework order) and 'overall': how many rated, of how many, and the mean."""
        out: dict[str, Score] = {}
        for area in self.area_ids:
            rows = [r for r in self.ratings if r.area_id == area]
            out[area] = _score(rows)
        out["overall"] = self.overall()
        return out

    def overall(self) -> Score:
        return _score(self.ratings)

    def to_dict(self, framework: Framework | None = None) -> dict:
        """The return as `parse --json` gives it (docs/parse.schema.json): the same keys for every framework,
        named as in the CSV export; each action's values by role (the framework's own columns in `details`)."""
        from .layout import RESPONDENT_FIELDS

        scores = self.scores()
        levels = {lv.value: lv.label for lv in framework.scale.levels} if framework else {}
        return {
            "schema": JSON_SCHEMA_ID,
            "file": self.file,
            "status": self.status,
            "framework": {"id": self.framework_id, "version": self.framework_version,
                          "title": framework.title if framework else ""},
            "service": {"id": self.service_id, "name": self.service_name},
            "respondent": {key: _jsonable(self.respondent.get(key)) for key, *_rest in RESPONDENT_FIELDS},
            "ratings": [{"statement_id": r.statement_id, "area_id": r.area_id, "rating": r.rating,
                         "level": levels.get(r.rating) if r.rating is not None else None,
                         "rationale": r.rationale, "evidence": r.evidence, "target": r.target}
                        for r in self.ratings],
            "actions": [_action_json(a, framework) for a in self.actions],
            "scores": {"areas": {k: v.to_dict() for k, v in scores.items() if k != "overall"},
                       "overall": scores["overall"].to_dict()},
            "problems": [p.to_dict() for p in self.problems],
        }


JSON_SCHEMA_ID = "maturity-xl/parse/1"


def _action_json(action: Action, framework: Framework | None) -> dict:
    """One action with a key per role (None where the framework has no such column), as the actions CSV names
    them, and the framework's own columns under `details` (every column there when the framework is unknown)."""
    from .model import ACTION_ROLES

    by_role = {c.role: c.id for c in framework.action_columns if c.role} if framework else {}
    out: dict[str, object] = {"statement_id": action.statement_id, "area_id": action.area_id}
    for role in ACTION_ROLES:
        column = by_role.get(role.name)
        out[role.field] = _jsonable(action.values.get(column)) if column else None
    taken = set(by_role.values())
    out["details"] = {k: _jsonable(v) for k, v in action.values.items() if k not in taken}
    return out


def _score(rows: list[Rating]) -> Score:
    return score_of([r.rating for r in rows])


def score_of(ratings: Sequence[int | None]) -> Score:
    """How many of `ratings` are rated, of how many, and their mean (a response's or an area's Score)."""
    values = [v for v in ratings if v is not None]
    # fsum / n is statistics.fmean's own arithmetic, without importing statistics (fractions, decimal) in
    # every collecting process and worker before it starts reading.
    return Score(len(values), len(ratings), fsum(values) / len(values) if values else None)


RatingColumns = tuple[tuple[str, ...], tuple[str, ...], tuple[int | None, ...], tuple[str, ...],
                      tuple[str, ...], tuple[int | None, ...]]
"""A response's ratings as one tuple per field of Rating, in its order: statement ids, area ids, ratings,
rationales, evidence, targets."""
ActionRow = tuple[str, str, dict[str, object]]
"""An action as (statement id, area id, values): the fields of Action, in its order."""
Answers = tuple[RatingColumns, tuple[ActionRow, ...]]
"""What a Response holds beyond its head (who, when, its problems): its ratings as columns and its actions as
rows. Plain tuples, strings, numbers, dates and dicts: pickled and read back with no object of ours built, and
what the frames gather their columns from."""

_RATING_FIELDS = tuple(attrgetter(f.name) for f in fields(Rating))
action_row = attrgetter(*(f.name for f in fields(Action)))
"""An Action (or anything with its fields: store/frames.py gives its own) as an ActionRow."""


def answers_of(response: Response) -> Answers:
    """The ratings and actions of `response`, as Answers."""
    ratings = response.ratings
    columns = tuple(tuple(map(get, ratings)) for get in _RATING_FIELDS)
    return columns, tuple(map(action_row, response.actions))  # type: ignore[return-value]


def with_answers(head: Response, answers: Answers) -> Response:
    """`head` with `answers` as its ratings and actions: the Response they were taken from (answers_of). Its
    lists and dicts are its own, so changing the response cannot change the head it was made from."""
    columns, actions = answers
    return replace(head, respondent=dict(head.respondent), problems=list(head.problems),
                   ratings=list(map(Rating, *columns)), actions=[Action(s, a, dict(v)) for s, a, v in actions])


def answer_columns(responses: Iterable[Response]) -> Iterator[tuple[Response, RatingColumns, tuple[ActionRow, ...]]]:
    """Each response with its answers as columns and rows, as the frames read them (collect.Collection's own
    `answer_columns` gives the same from its spill file without building a Rating)."""
    for response in responses:
        columns, actions = answers_of(response)
        yield response, columns, actions


def _jsonable(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
