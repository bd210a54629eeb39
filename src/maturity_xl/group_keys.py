"""Each rating row's groups as numbers (GroupKeys), worked out by frame_rows.RowGatherer as it gathers the rows, for
Frames.statement_stats and Frames.area_scores to group the ratings by instead of hashing their key columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .frame_rows import Lookups
    from .response import Response


@dataclass(slots=True)
class GroupKeys:
    """Each rating row's group, as a number, for the two ways the frames group the ratings: by statement
    (STATEMENT_KEYS: Frames.statement_stats) and by service and area (AREA_KEYS: Frames.area_scores). Two rows
    have the same number when their key columns hold equal values, as pandas would group them; worked out as the
    rows are gathered (while the workers read, once per framework's layout), so the frames need not hash five
    text columns of every rating again to group them (most of their time, on one core, after the reading)."""

    statements: list[int]
    """Each row's statement: its (framework id, area id, area, statement id, statement), numbered."""
    areas: list[int]
    """Each row's (area id, area), numbered."""
    services: list[int]
    """Each response's (framework id, service id, service name), numbered: with `areas`, a row's AREA_KEYS."""
    sizes: list[int] = field(default_factory=list)
    """Each response's rows (Gathered.sizes)."""


STATEMENT_KEYS = ["framework_id", "area_id", "area", "statement_id", "statement"]
AREA_KEYS = ["framework_id", "service_id", "service_name", "area_id", "area"]


class Keyer:
    """GroupKeys of responses' rating rows, added one response after another: a number per distinct key, the
    same across responses, runs and frameworks."""

    __slots__ = ("statements", "areas", "services", "pairs", "layouts", "keys")

    def __init__(self) -> None:
        self.statements: dict[tuple, int] = {}  # (framework id, area id, area, statement id, statement) -> number
        self.areas: dict[tuple, int] = {}  # (area id, area) -> number
        self.services: dict[tuple, int] = {}  # (framework id, service id, service name) -> number
        # Per framework (id, version): (area id, statement id) -> (statement number, area number).
        self.pairs: dict[tuple | None, dict[tuple, tuple[int, int]]] = {}
        # Per framework (id, version): the numbers of the rows of a response in its layout (layout_of).
        self.layouts: dict[tuple | None, tuple[tuple[int, ...], tuple[int, ...]] | None] = {}
        self.keys: GroupKeys | None = GroupKeys([], [], [])

    def add(self, head: Response, key: tuple[str, str] | None, look: Lookups, statement_ids: Sequence[str],
            area_ids: Sequence[str], rows: int, layout: bool) -> None:
        """One response's rows (`rows` of them, of these ids; `layout`: in its framework's layout)."""
        keys = self.keys
        if keys is None:
            return
        who = (head.framework_id, head.service_id, head.service_name)
        if type(who[0]) is not str or type(who[1]) is not str or type(who[2]) is not str:
            self.keys = None  # pandas leaves a row whose key is missing out of every group: group with pandas
            return
        number = self.services.get(who)
        if number is None:
            number = self.services[who] = len(self.services)
        if layout:
            found = self.layouts.get(key, False)
            if found is False:
                found = self.layouts[key] = self._numbered(key, look, area_ids, statement_ids)
        else:
            found = self._numbered(key, look, area_ids, statement_ids)
        if found is None or len(found[0]) != rows:
            self.keys = None
            return
        keys.services.append(number)
        keys.statements += found[0]
        keys.areas += found[1]

    def _numbered(self, key: tuple[str, str] | None, look: Lookups, area_ids: Sequence[str],
                  statement_ids: Sequence[str]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """The (statement numbers, area numbers) of rows of these ids, their area and statement named as
        add_ratings names them; None when a key is not text."""
        memo = self.pairs.setdefault(key, {})
        fid = key[0] if key else None
        statements, areas = [], []
        for pair in zip(area_ids, statement_ids):
            found = memo.get(pair)
            if found is None:
                area_id, statement_id = pair
                area, statement = look.areas.get(area_id, area_id), look.texts.get(statement_id, "")
                whole = (fid, area_id, area, statement_id, statement)
                if any(type(part) is not str for part in whole):
                    return None
                found = memo[pair] = (self.statements.setdefault(whole, len(self.statements)),
                                      self.areas.setdefault((area_id, area), len(self.areas)))
            statements.append(found[0])
            areas.append(found[1])
        return tuple(statements), tuple(areas)
