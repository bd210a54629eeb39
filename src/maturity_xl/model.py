"""The framework model: what a spec file says, as frozen, typed data.

Everything downstream (layout, generator, parser, reports) reads these objects, never the raw YAML.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["text", "date", "choice", "person"]
RatingMode = Literal["level", "descriptor"]
TargetMode = Literal["next-level", "next-descriptor"]


@dataclass(frozen=True, slots=True)
class Level:
    value: int
    label: str
    description: str


_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)$")
_NUMBER_LABEL = re.compile(r"^([-+]?\d+(?:\.0+)?)\s*[-\u2013\u2014:.)]?\s+(.+)$")


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True, slots=True)
class RatingRead:
    """A rating cell read back: the value (None when blank or unreadable) and what was wrong, if anything."""

    value: int | None
    severity: Literal["warning", "error"] | None = None
    message: str = ""


MAX_LEVEL = 100  # the largest rating value (either sign) a scale may have: specs are checked, and a workbook's own
# scale is trusted no further, so no rating read builds anything as wide as an edited metadata cell


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    levels: tuple[Level, ...]
    target: int
    # The reads of a blank cell and of each level as the dropdown writes it (a float): most cells of a return.
    _plain: dict[float | None, RatingRead] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain: dict[float | None, RatingRead] = {float(lv.value): RatingRead(lv.value) for lv in self.levels}
        plain[None] = RatingRead(None)
        object.__setattr__(self, "_plain", plain)

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    @property
    def minimum(self) -> int:
        return self.levels[0].value

    @property
    def maximum(self) -> int:
        return self.levels[-1].value

    def label_of(self, value: int) -> str:
        for level in self.levels:
            if level.value == value:
                return level.label
        raise KeyError(value)

    def read(self, raw: object) -> RatingRead:
        """Read a rating cell's value back, whatever form it arrived in.

        The dropdown's own form is a number (3). Text that clearly means a level (" 3 ", "3.0", "3 - Growing",
        "Growing") is accepted with a warning; anything else is an error and the statement counts as unrated.
        """
        if raw is None or type(raw) is float:
            plain = self._plain.get(raw)
            if plain is not None:
                return plain
        if isinstance(raw, str) and not raw.replace("\u00a0", " ").strip():  # (None is in the table above)
            return RatingRead(None)
        contiguous = self.maximum - self.minimum + 1 == len(set(self.values))  # no range(): values are untrusted
        allowed = f"{self.minimum}-{self.maximum}" if contiguous else ", ".join(str(v) for v in self.values)
        if isinstance(raw, bool):
            return RatingRead(None, "error", f"{raw!r} is not a rating; choose {allowed} from the list")
        if isinstance(raw, (int, float)):
            if float(raw).is_integer() and int(raw) in self.values:
                return RatingRead(int(raw))
            return RatingRead(None, "error", f"{_number(raw)} is not on the scale; choose {allowed} from the list")
        if not isinstance(raw, str):
            return RatingRead(None, "error", f"{raw!s} is not on the scale; choose {allowed} from the list")
        text = " ".join(raw.replace("\u00a0", " ").split())
        labels = {lv.label.casefold(): lv.value for lv in self.levels}
        number = _NUMBER.match(text)
        value: int | None = None
        if number:
            n = float(number.group(1))
            if n.is_integer() and int(n) in self.values:
                value = int(n)
        else:
            with_label = _NUMBER_LABEL.match(text)
            if with_label and float(with_label.group(1)).is_integer():
                n = int(float(with_label.group(1)))
                if n in self.values and labels.get(with_label.group(2).casefold()) == n:
                    value = n
            elif text.casefold() in labels:
                value = labels[text.casefold()]
        if value is None:
            return RatingRead(None, "error", f"'{raw}' is not on the scale; choose {allowed} from the list")
        return RatingRead(value, "warning", f"'{raw}' was typed or pasted as text; read as {value}")

    def next_value(self, value: int) -> int:
        """The level to work towards from `value`: the next one up, or the top when already there."""
        higher = [v for v in self.values if v > value]
        return higher[0] if higher else self.maximum

    def target_of(self, rating: int | None, chosen: int | None) -> int | None:
        """The level a statement is worked towards: the one the service chose, else the next level up from its
        rating (None when neither is known). The parser keeps a chosen target only when it is on the scale and
        not below the rating, the rule the workbook's own formulas follow."""
        if chosen is not None:
            return chosen
        return None if rating is None else self.next_value(rating)


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    text: str
    area_id: str
    group_id: str | None = None
    title: str | None = None
    descriptors: tuple[tuple[int, str], ...] = ()
    provenance: str | None = None

    def descriptor(self, value: int) -> str:
        return dict(self.descriptors)[value]


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    title: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    title: str
    description: str | None
    statements: tuple[Statement, ...]
    """Every statement of the area in order, whether it sits in a group or directly in the area."""
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionRole:
    """What an action column with this `role:` means, to the spec checker, the frames and the reports alike."""

    name: str
    kinds: tuple[ColumnKind, ...]
    """The column kinds that can play the role (a deadline must be a date to be compared with today)."""
    field: str
    """The role's column in the actions frame, its CSV and the report's Data actions table."""
    header: str
    """Its heading in the reports' action lists."""
    width: float
    """Its column's width on the report workbook's Actions sheet."""


# The one table of roles. Frameworks name their columns as they like (Lead / Who will be responsible /
# Responsible); a column's role, not its id or name, says what it holds. Columns with no role are the
# framework's own: the frames gather them into `details`. An action with no lead is flagged; one past its due
# date is overdue unless its status is one of DONE_WORDS.
ACTION_ROLES: tuple[ActionRole, ...] = (
    ActionRole("action", ("text",), "action", "Action", 40),
    ActionRole("lead", ("person", "text"), "lead", "Lead", 18),
    ActionRole("due", ("date",), "deadline", "Deadline", 11),
    ActionRole("review", ("date",), "review_date", "Review date", 11),
    ActionRole("status", ("choice", "text"), "status", "Status", 14),
    ActionRole("priority", ("choice", "text"), "priority", "Priority", 12),
)
ROLES_BY_NAME: dict[str, ActionRole] = {role.name: role for role in ACTION_ROLES}
DONE_WORDS = ("complete", "completed", "done", "closed", "achieved")  # a status that means done, case aside


@dataclass(frozen=True, slots=True)
class ActionColumn:
    id: str
    name: str
    kind: ColumnKind
    help: str = ""
    options: tuple[str, ...] = ()
    role: str | None = None
    """One of ACTION_ROLES' names, or None for a column of the framework's own."""


@dataclass(frozen=True, slots=True)
class Terms:
    area: str = "Area"
    group: str = "Group"
    statement: str = "Statement"


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    title: str
    version: str
    source: str
    credit: str
    introduction: str
    instructions: tuple[str, ...]
    scale: Scale
    areas: tuple[Area, ...]
    action_columns: tuple[ActionColumn, ...]
    rating_mode: RatingMode = "level"
    target_mode: TargetMode = "next-level"
    # The service chooses a target level per statement on the Assessment (blank: the next level up), and the
    # Action plan's target and gap follow it (spec `rating.target_per_statement`).
    target_per_statement: bool = False
    rationale_label: str = "Rationale"
    rationale_help: str = ""
    evidence_label: str = "Evidence"
    evidence_help: str = ""
    notes: tuple[str, ...] = ()
    # Shown where the statements are (the Assessment, above its table): what a reader must know about whose the
    # statements are, e.g. that they are not the official tool's. Each statement's provenance is beside it.
    notice: str = ""
    # For the programme team that keeps the spec (how to change it, its history): never written into a workbook.
    maintainer_notes: tuple[str, ...] = ()
    terms: Terms = field(default_factory=Terms)
    path: str | None = field(default=None, compare=False)
    _fingerprint: str = field(default="", init=False, repr=False, compare=False)

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(s for area in self.areas for s in area.statements)

    @property
    def groups(self) -> tuple[Group, ...]:
        return tuple(g for area in self.areas for g in area.groups)

    def role_columns(self) -> dict[str, str]:
        """The id of the action column playing each role the framework has, by role name."""
        return {c.role: c.id for c in self.action_columns if c.role}

    @property
    def fingerprint(self) -> str:
        """A hash of what a rating means: statement ids and texts, descriptors and the scale (and, for a
        framework that asks for one, that each statement has a chosen target).

        Two workbooks with the same fingerprint ask the same questions on the same scale, so their
        returns can be pooled; wording-only edits elsewhere (introduction, help) do not change it.
        """
        if not self._fingerprint:  # computed once: the mail-merge and the parser ask for it per workbook
            payload = {
                "scale": [[lv.value, lv.label, lv.description] for lv in self.scale.levels],
                "statements": [
                    [s.id, s.area_id, s.text, [list(d) for d in s.descriptors]] for s in self.statements
                ],
            }
            if self.target_per_statement:  # a workbook that asks for targets asks more: only then in the payload
                payload["target_per_statement"] = True
            digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
            object.__setattr__(self, "_fingerprint", digest.hexdigest()[:16])
        return self._fingerprint
