"""What one returned workbook says: the Response, its problems, and its scores computed in Python."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter

from .catalogue import RETURN as _RETURN
from .catalogue import Severity, refuse


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

    @property
    def rejected(self) -> bool:
        return any(p.severity == "fatal" for p in self.problems)

    @property
    def status(self) -> str:
        if self.rejected:
            return "rejected"
        return "accepted with warnings" if self.problems else "accepted"

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

    def to_dict(self) -> dict:
        scores = self.scores()
        return {
            "file": self.file,
            "framework": {"id": self.framework_id, "version": self.framework_version},
            "service": {"id": self.service_id, "name": self.service_name},
            "respondent": {k: _jsonable(v) for k, v in self.respondent.items()},
            "ratings": [{"statement_id": r.statement_id, "area_id": r.area_id, "rating": r.rating,
                         "rationale": r.rationale, "evidence": r.evidence} for r in self.ratings],
            "actions": [{"statement_id": a.statement_id, "area_id": a.area_id,
                         **{k: _jsonable(v) for k, v in a.values.items()}} for a in self.actions],
            "scores": {"areas": {k: v.to_dict() for k, v in scores.items() if k != "overall"},
                       "overall": scores["overall"].to_dict()},
            "problems": [p.to_dict() for p in self.problems],
        }


def _score(rows: list[Rating]) -> Score:
    values = [r.rating for r in rows if r.rating is not None]
    return Score(len(values), len(rows), statistics.fmean(values) if values else None)


def _jsonable(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
