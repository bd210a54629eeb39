"""Which return counts when a service sent more than one, and what a return's status is.

A programme team must be able to predict both from the returns alone, so neither depends on a file's modified
time, its name or the order the files were found in.

The status of a return that was read, by its worst problem and how much of it was answered:

    rejected                a fatal problem: nothing in it could be read
    returned blank          read, but no statement is rated: it does not count as returned
    accepted with errors    some answers could not be used (each error names the cell left out)
    incomplete              no errors, but not every statement is rated
    accepted with warnings  every statement rated; something is worth a look
    accepted                every statement rated, nothing to say

Which return counts for a service, compared in this order (the others are "superseded", or "conflict" when
another respondent filled them in):

    1. with --key: a return whose signature holds beats one whose signature fails or is missing;
    2. a plausible completion date (not after the day of the collection, not before 2000) beats an implausible
       one, which is a warning on its return;
    3. the later completion date;
    4. more statements rated;
    5. the file's SHA-256 (the larger wins): arbitrary, but the same on every run and every machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .response import Problem, Response

ACCEPTED, WARNINGS, ERRORS, INCOMPLETE, BLANK = (
    "accepted", "accepted with warnings", "accepted with errors", "incomplete", "returned blank")
REJECTED, DUPLICATE, SUPERSEDED, CONFLICT, IGNORED = "rejected", "duplicate", "superseded", "conflict", "ignored"
STATUSES = (ACCEPTED, WARNINGS, ERRORS, INCOMPLETE, BLANK, REJECTED, DUPLICATE, SUPERSEDED, CONFLICT, IGNORED)
COUNTED = (ACCEPTED, WARNINGS, ERRORS, INCOMPLETE)  # the statuses of a return whose answers are used

SIGNATURE_CODES = frozenset({"unsigned", "signature-mismatch", "signature-invalid"})
EARLIEST_PLAUSIBLE = date(2000, 1, 1)


def status(response: Response, rated: int, total: int) -> str:
    """The status of a return that was read (see the module's table)."""
    severities = {p.severity for p in response.problems}
    if "fatal" in severities:
        return REJECTED
    if rated == 0:
        return BLANK
    if "error" in severities:
        return ERRORS
    if rated < total:
        return INCOMPLETE
    return WARNINGS if severities else ACCEPTED


def incomplete(entry) -> bool:
    """A logged return that counts but leaves statements unrated (whatever else its status says: an incomplete
    return with an error is "accepted with errors", and still incomplete)."""
    return entry.status in COUNTED and entry.rated < entry.statements


def date_problem(response: Response, today: date) -> Problem | None:
    """A warning for a completion date no one could have typed truthfully (a year mistyped, say)."""
    completed = response.completed_on
    if completed is None:
        return None
    if completed > today:
        why = f"it is after today ({today.isoformat()})"
    elif completed < EARLIEST_PLAUSIBLE:
        why = "it is before 2000"
    else:
        return None
    from .catalogue import message
    from .layout import START

    return Problem("warning", "implausible-date", message("implausible-date", date=completed.isoformat(), why=why),
                   START)


def plausible_date(response: Response) -> date | None:
    """The completion date, unless a warning said it cannot be right."""
    if any(p.code == "implausible-date" for p in response.problems):
        return None
    return response.completed_on


def _norm(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def organisation(response: Response) -> str:
    return _norm(response.respondent.get("organisation"))


def respondent(response: Response) -> str:
    return _norm(response.respondent.get("completed_by"))


@dataclass(slots=True)
class Candidate:
    """One readable, non-blank return of a service, with what ranks it."""

    number: int  # its place in the spill file
    response: Response
    file: str
    sha256: str
    rated: int
    signed_ok: bool  # with --key: its signature holds; without a key, always True

    def rank(self) -> tuple:
        when = plausible_date(self.response)
        return self.signed_ok, when is not None, when or date.min, self.rated, self.sha256


@dataclass(frozen=True, slots=True)
class Outcome:
    """A return set aside: its status, the file that counts instead, and why."""

    number: int
    status: str
    winner_file: str
    reason: str


def signed_ok(response: Response, key_given: bool) -> bool:
    return not key_given or not any(p.code in SIGNATURE_CODES for p in response.problems)


def settle(group: Iterable[Candidate]) -> tuple[Candidate | None, list[Outcome]]:
    """The return that counts for one service (None when organisations conflict), and an outcome for each other.

    Returns typed in by two organisations under one service's workbook are all set aside as a conflict: nothing
    in them says which is genuine, so the team decides (the chasing list asks), and neither counts until then.
    """
    items = sorted(group, key=Candidate.rank)
    orgs = sorted({organisation(c.response) for c in items} - {""})
    if len(orgs) > 1:
        names = "; ".join(f"'{o}' in {', '.join(c.file for c in items if organisation(c.response) == o)}"
                          for o in orgs)
        reason = (f"returns from {len(orgs)} organisations under this service's workbook ({names}): none counts "
                  f"until the one that is not this service's is removed")
        return None, [Outcome(c.number, CONFLICT, "", reason) for c in items]
    winner = items[-1]
    return winner, [Outcome(loser.number, *_set_aside(loser, winner)) for loser in items[:-1]]


def _set_aside(loser: Candidate, winner: Candidate) -> tuple[str, str, str]:
    w = winner.response
    who, counted_who = respondent(loser.response), respondent(w)
    if who and counted_who and who != counted_who:
        return (CONFLICT, winner.file,
                f"completed by another respondent ({who}) than the return that counts ({counted_who}, "
                f"{winner.file}): check which is the service's own")
    if winner.signed_ok and not loser.signed_ok:
        why = "its signature fails and another's holds"
    elif plausible_date(loser.response) is None and plausible_date(w) is not None:
        why = "its completion date cannot be right"
    elif (loser.response.completed_on or date.min) < (w.completed_on or date.min):
        why = "the same service returned again later"
    else:
        why = "the same service returned another with the same completion date (the one counted is chosen by " \
              "the rule in the documentation)"
    when = f", completed {w.completed_on.isoformat()}" if w.completed_on else ""
    return SUPERSEDED, winner.file, f"{why} ({winner.file}{when})"


def key_notice(responses: Iterable[Response]) -> str:
    """When most signed returns fail their signature, the key is the likelier mistake than the returns."""
    signed = failed = 0
    for r in responses:
        if r.signature and r.signature == r.signature_property:
            signed += 1
            failed += any(p.code == "signature-invalid" for p in r.problems)
    if signed >= 2 and failed * 2 > signed:
        return (f"{failed} of {signed} signed returns fail the signature check: the key given is probably not "
                f"the one their workbooks were generated with (check --key)")
    return ""
