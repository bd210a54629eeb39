"""Collect many returned files into tidy frames, with a log that accounts for every file handed in.

Every file ends in exactly one state (settle.py says which, and which return counts for a service): accepted,
accepted with warnings, accepted with errors, incomplete, returned blank, rejected (with the reason and what the
sender should do), duplicate (same bytes as another), superseded (the same service returned another that counts),
conflict (another organisation or respondent returned the same service's workbook) or ignored (Office lock files
and system litter). Input files are only ever read.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import MaturityXLError
from ..frame_rows import RowGatherer
from ..parse import Registry, default_registry
from ..response import Response
from ..settle import (
    ACCEPTED,
    BLANK,
    CONFLICT,
    COUNTED,
    DUPLICATE,
    ERRORS,
    IGNORED,
    INCOMPLETE,
    REJECTED,
    STATUSES,
    SUPERSEDED,
    WARNINGS,
    Candidate,
    date_problem,
    key_notice,
    settle,
    signed_ok,
    status,
)
from ..stopping import check
from .collection import Collection, Expected, LogEntry, read_manifest
from .sources import MAX_FILE_BYTES, Source, discover, ignored
from .spill import SpilledResponses
from .workers import Limits, Result, parse_all


def collect(paths: Iterable[str | Path], *, expected: Iterable[str | Path] | None = None,
            registry: Registry | None = None, today: date | None = None,
            progress: Callable[[int], None] | None = None, workers: int | None = None,
            limits: Limits | None = None, key: bytes | None = None, password: str | None = None,
            meanwhile: Callable[[], None] | None = None, sources: Iterable[Source] | None = None) -> Collection:
    """Read every return under `paths` into a Collection; never modifies an input file.

    `sources`: what discover(paths) gave, when the caller has listed them already (the CLI, to size its progress
    bar and refuse an empty folder): the folders are not listed a second time.

    `meanwhile` is called once, when the first return has been read and the workers are reading the rest: work
    the caller needs afterwards (the CLI imports the report writers, over a second of pandas and XlsxWriter) then
    runs beside the reading rather than before it with a core idle. The workers are forked by then, so they stay
    free of what it loads.
    """
    # A wrong --expected is said before any return is read, not after every one has been.
    manifest = read_manifest(expected) if expected else None
    registry = registry or default_registry()
    workers = workers if workers is not None else (os.cpu_count() or 1)
    limits = limits or Limits()
    log: list[LogEntry] = []
    seen: dict[str, LogEntry] = {}
    accepted: list[Candidate] = []
    today = today or date.today()
    # The frames' rows are gathered as the returns come in, while the workers read the next ones (the reading is
    # the longer for it by half this process's time, as the cores are shared; afterwards it took all of it).
    store = SpilledResponses(RowGatherer(registry.get, today), registry.get)
    to_read: list[Source] = []
    for source in discover(paths) if sources is None else sources:
        reason = ignored(source.name)
        if reason:
            log.append(LogEntry(source.name, IGNORED, reason, size=max(source.size, 0)))
            if progress:
                progress(1)
        else:
            to_read.append(source)
    results = parse_all(to_read, registry, workers, limits, progress, password)
    with _settled_as_we_go() as tick, _terminate_raises():
        try:
            accepted += _gather(to_read, results, log, seen, Checks(key, today), tick, store, meanwhile)
        finally:
            results.close()  # on an interruption, stops the workers (_parse_all's BaseException handler)
    store.keep(_counted_per_service(accepted, log))
    notices = [n for n in (key_notice(store.heads) if key is not None else "",) if n]
    return Collection(store, log, manifest, registry, today, notices)


class Interrupted(MaturityXLError):
    """The collection was stopped (SIGTERM) before it finished: nothing was written."""


def _terminate_raises():
    """SIGTERM (a service manager, `kill`, a closed terminal's shell) stops the collection as Ctrl-C does: by an
    exception that shuts the workers down and leaves the outputs untouched, rather than dying with them blocked."""
    from ..stopping import terminate_raises

    return terminate_raises(lambda signum: Interrupted(
        f"the collection was stopped (signal {signum}) before it finished; nothing was written"))


@contextmanager
def _settled_as_we_go() -> Iterator[Callable[[], None]]:
    """A tick to call per result: every 1,000 results, what has been kept so far is frozen out of the cycle
    collector's sight (gc.freeze) until the collection is done.

    Thousands of kept responses hold hundreds of thousands of small objects and no reference cycles; every full
    collection walked all of them again, which cost 3 s of the main process's 5.6 s for 10,000 returns. The
    collector stays on for the garbage that parsing in this process makes.
    """
    count = 0
    ours = gc.get_freeze_count() == 0  # a caller that froze objects itself keeps them frozen: leave gc alone

    def tick() -> None:
        nonlocal count
        check()  # a SIGTERM whose exception was swallowed (see stopping.py) stops the collection here
        count += 1
        if ours and count % 1000 == 0:
            gc.freeze()

    try:
        yield tick
    finally:
        if ours:
            gc.unfreeze()


@dataclass(frozen=True, slots=True)
class Checks:
    """What the collecting process checks once a return is read: its signature and its completion date."""

    key: bytes | None
    today: date

    def apply(self, response: Response) -> bool:
        """Add the problems found to the response; True if any was."""
        found = len(response.problems)
        if self.key is not None:
            check_signature(response, self.key)
        problem = date_problem(response, self.today)
        if problem is not None:
            response.problems.append(problem)
        return len(response.problems) != found


def _gather(to_read: list[Source], results: Iterator[Result], log: list[LogEntry], seen: dict[str, LogEntry],
            checks: Checks, tick: Callable[[], None], store: SpilledResponses,
            meanwhile: Callable[[], None] | None = None) -> list[Candidate]:
    """Log each parsed source, and spill the ones with answers to `store` (before resubmissions are settled)."""
    accepted: list[Candidate] = []
    for source, (digest, response, blob, failure, rated, total) in zip(to_read, results):
        tick()
        if meanwhile is not None:  # the workers go on reading (the pool's own thread takes their results)
            meanwhile()
            meanwhile = None
        entry = LogEntry(source.name, REJECTED, sha256=digest, size=max(source.size, 0))
        log.append(entry)
        if failure is not None:
            entry.code, entry.reason, entry.advice = failure.code, failure.message, failure.advice
            continue
        if digest in seen:
            original = seen[digest]
            entry.status, entry.reason, entry.same_as = DUPLICATE, "the same bytes as another file", original.file
            entry.framework_id, entry.framework_version = original.framework_id, original.framework_version
            entry.service_id, entry.service_name = original.service_id, original.service_name
            continue
        seen[digest] = entry
        assert response is not None
        _describe(entry, response)
        if response.rejected:
            fatal = next(p for p in response.problems if p.severity == "fatal")
            entry.code, entry.reason, entry.advice = fatal.code, fatal.message, fatal.advice
            continue
        if checks.apply(response):  # on the head, whose problems the spill's responses are read back with
            _describe(entry, response)
        entry.rated, entry.statements = rated, total
        entry.status = status(response, rated, total)
        if entry.status == BLANK:
            entry.reason = f"no statement is rated (0 of {total}): it was returned as it was sent"
            entry.advice = "Rate each statement in the Assessment sheet, save, and send the workbook again."
            continue
        if entry.status == INCOMPLETE:
            entry.reason = f"{rated} of {total} statements rated"
        accepted.append(Candidate(store.add(response, blob), response, source.name, digest, rated,
                                  signed_ok(response, checks.key is not None)))
    return accepted


def check_signature(response: Response, key: bytes) -> None:
    """Flag a return whose identity does not carry the programme's signature (altered, or copied in)."""
    from ..layout import METADATA
    from ..response import Problem
    from ..sign import verify

    r = response
    if not r.signature and not r.signature_property:
        problem = ("unsigned", "the workbook carries no signature: it was not generated with the programme's key, "
                               "or its identity was removed")
    elif r.signature != r.signature_property:
        problem = ("signature-mismatch", "the signature in the metadata sheet and the one in the document's "
                                         "properties differ: the workbook's identity was edited")
    elif not verify(key, r.signature, r.service_id, r.framework_id, r.framework_version, r.fingerprint):
        problem = ("signature-invalid", f"the signature does not match service '{r.service_id}', framework "
                                        f"{r.framework_id} {r.framework_version}: the identity was altered or "
                                        f"copied from another workbook")
    else:
        return
    r.problems.append(Problem("error", problem[0], problem[1], METADATA))


def _describe(entry: LogEntry, response: Response) -> None:
    entry.framework_id, entry.framework_version = response.framework_id, response.framework_version
    entry.service_id = response.service_id
    entry.service_name = response.service_name or str(response.respondent.get("service") or "")
    entry.completed = response.completed_on
    entry.warnings = sum(p.severity == "warning" for p in response.problems)
    entry.errors = sum(p.severity == "error" for p in response.problems)


def service_key(response: Response) -> tuple[str, str]:
    """Who a return is from: the stamped service id, or for an unpersonalised workbook the names typed in."""
    if response.service_id:
        return response.framework_id, "id:" + response.service_id
    org = str(response.respondent.get("organisation") or "").casefold().strip()
    svc = str(response.respondent.get("service") or "").casefold().strip()
    return response.framework_id, f"name:{org}|{svc}|{response.file if not (org or svc) else ''}"


def _counted_per_service(accepted: list[Candidate], log: list[LogEntry]) -> list[int]:
    """The return that counts for each service (settle.py's rule), as the spill file's numbers in order; the
    others are marked superseded or in conflict in the log."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in accepted:
        groups.setdefault(service_key(candidate.response), []).append(candidate)
    entries = {e.file: e for e in log}
    files = {c.number: c.file for c in accepted}
    keep: list[int] = []
    for group in groups.values():
        winner, outcomes = settle(group)
        if winner is not None:
            keep.append(winner.number)
        for outcome in outcomes:
            entry = entries[files[outcome.number]]
            entry.status, entry.same_as, entry.reason = outcome.status, outcome.winner_file, outcome.reason
            if outcome.status == CONFLICT:
                entry.advice = "Confirm which organisation completed this workbook; a workbook is for one service."
    return sorted(keep)


__all__ = ["Collection", "LogEntry", "Expected", "Limits", "Source", "SpilledResponses", "collect", "discover",
           "read_manifest", "check_signature", "service_key", "MAX_FILE_BYTES", "STATUSES", "COUNTED", "ACCEPTED",
           "WARNINGS", "ERRORS", "INCOMPLETE", "BLANK", "REJECTED", "DUPLICATE", "SUPERSEDED", "CONFLICT", "IGNORED"]
