"""The chasing list: every expected service whose return the team still needs, with what to ask for.

A programme team mail-merges this list: one row per service in the manifest that is missing, rejected, blank,
incomplete or in conflict, with its contact, the reason in plain words and what to ask the service to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING

from .settle import BLANK, CONFLICT, COUNTED, REJECTED, incomplete

if TYPE_CHECKING:
    from .collect import Collection, Expected, LogEntry

MISSING, RETURNED_BLANK, INCOMPLETE, REJECTED_STATE, IN_CONFLICT = (
    "missing", "returned blank", "incomplete", "rejected", "conflict")
STATES = (MISSING, REJECTED_STATE, RETURNED_BLANK, INCOMPLETE, IN_CONFLICT)


@dataclass(frozen=True, slots=True)
class ChaseRow:
    framework_id: str
    framework_version: str
    service_id: str
    service_name: str
    contact: str
    state: str
    reason: str
    ask: str
    file_sent: str
    file_received: str


COLUMNS = tuple(f.name for f in fields(ChaseRow))


def chase_list(collection: Collection) -> list[ChaseRow]:
    """One row per expected service to chase, in manifest order; empty without a manifest."""
    if collection.expected is None:
        return []
    entries: dict[tuple[str, str], list[LogEntry]] = {}
    for entry in collection.log:
        if entry.service_id:
            entries.setdefault((entry.framework_id, entry.service_id), []).append(entry)
    rows = []
    for expected in collection.expected:
        found = _state(entries.get((expected.framework_id, expected.service_id), []))
        if found is not None:
            rows.append(_row(expected, *found))
    return rows


def _state(entries: Sequence[LogEntry]) -> tuple[str, str, str, str] | None:
    """(state, reason, ask, file received) for one service's files, or None when nothing is to be asked."""
    counted = next((e for e in entries if e.status in COUNTED), None)
    conflict = next((e for e in entries if e.status == CONFLICT), None)
    if conflict is not None:
        return (IN_CONFLICT, conflict.reason,
                "Confirm which organisation completed this workbook; a workbook is for one service only.",
                conflict.file)
    if counted is not None:
        if incomplete(counted):
            left = counted.statements - counted.rated
            return (INCOMPLETE, f"{counted.rated} of {counted.statements} statements rated",
                    f"Please rate the remaining {left} statement{'s' if left != 1 else ''} in the workbook you "
                    f"returned and send it again.", counted.file)
        return None
    blank = next((e for e in entries if e.status == BLANK), None)
    if blank is not None:
        return (RETURNED_BLANK, "the workbook came back with no statement rated",
                "Please complete the assessment (rate each statement) and send the workbook again.", blank.file)
    rejected = next((e for e in entries if e.status == REJECTED), None)
    if rejected is not None:
        return (REJECTED_STATE, f"the file we received could not be used: {rejected.reason}",
                rejected.advice or "Please send the completed workbook again.", rejected.file)
    return MISSING, "no return received", "Please complete the workbook we sent you and return it.", ""


def _row(expected: Expected, state: str, reason: str, ask: str, received: str) -> ChaseRow:
    return ChaseRow(expected.framework_id, expected.framework_version, expected.service_id, expected.service_name,
                    expected.contact, state, reason, ask, expected.file, received)


def chase_frame(collection: Collection):
    """The chasing list as a DataFrame (for the report's sheet and its CSV)."""
    import pandas as pd

    return pd.DataFrame([astuple(r) for r in collection.chase()], columns=list(COLUMNS), dtype=object)


def counts(collection: Collection) -> dict[str, int]:
    """How many expected services are in each state to chase (every state, zero or not)."""
    out = dict.fromkeys(STATES, 0)
    for row in collection.chase():
        out[row.state] += 1
    return out
