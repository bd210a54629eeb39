"""Writing one collection into the store: its files, responses, ratings and plans, and which response counts."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import date

from ..collect import DUPLICATE, IGNORED, SUPERSEDED, Collection, LogEntry, SpilledResponses, service_key
from ..response import Problem, Response
from ..settle import CONFLICT, Candidate, settle, signed_ok, status
from .codec import encode, encode_plan


def response_key(response: Response) -> str:
    return service_key(response)[1]


def all_heads(collection: Collection) -> list[Response]:
    """Every accepted response's head, including those another return from the same service superseded."""
    responses = collection.responses
    if isinstance(responses, SpilledResponses):
        return list(responses.added_heads)
    return list(responses)


def all_responses(collection: Collection) -> Iterator[Response]:
    responses = collection.responses
    if isinstance(responses, SpilledResponses):
        return responses.every()
    return iter(responses)


def _mtime(name: str) -> float:
    try:
        return os.stat(name.split("!", 1)[0]).st_mtime
    except OSError:
        return 0.0


def file_values(entry: LogEntry) -> dict:
    return {"sha256": entry.sha256, "file": entry.file, "status": entry.status, "reason": entry.reason,
            "advice": entry.advice, "size": entry.size, "mtime": _mtime(entry.file),
            "framework_id": entry.framework_id, "framework_version": entry.framework_version,
            "service_id": entry.service_id, "service_name": entry.service_name,
            "completed": entry.completed.isoformat() if entry.completed else None, "warnings": entry.warnings,
            "errors": entry.errors, "same_as": entry.same_as, "code": entry.code, "rated": entry.rated,
            "statements": entry.statements}



def add_files(conn: sqlite3.Connection, log: list[LogEntry], named: dict[str, str], round_ids: dict[str, int],
              fallback: int | None, run: int) -> tuple[dict[str, int], int, int]:
    """Insert the log's new files; returns {file: id} of those that bring a response, how many were inserted
    and how many were known already. The files already stored are read once for the whole log, and the new ones
    written in one executemany."""
    by_sha, blank = _stored_files(conn, log)
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM files").fetchone()[0]
    file_ids: dict[str, int] = {}
    added_rounds: dict[str, int | None] = {}
    rows: list[dict] = []
    known = 0
    for entry in log:
        same = by_sha.setdefault(entry.sha256, []) if entry.sha256 else []  # this very file, or the same bytes
        if any(row[0] == entry.file for row in same) or (not entry.sha256 and entry.file in blank):
            known += 1
            continue
        values = file_values(entry)
        round_id = round_ids.get(named[entry.file]) if entry.file in named else fallback
        earlier = next((row for row in same if row[6] != DUPLICATE), None) \
            if entry.sha256 and entry.status not in (DUPLICATE, IGNORED) else None
        if earlier is not None:  # the same bytes as a file an earlier collection stored
            values.update(status=DUPLICATE, reason="the same bytes as another file", advice="",
                          same_as=earlier[0], framework_id=earlier[2], framework_version=earlier[3],
                          service_id=earlier[4], service_name=earlier[5], completed=None, warnings=0, errors=0,
                          code="", rated=0, statements=0)
            round_id = earlier[1]
        elif entry.status == DUPLICATE:
            round_id = added_rounds.get(entry.same_as, fallback)
        rows.append({**values, "id": next_id, "run": run, "round": round_id})
        same.append((entry.file, round_id, values["framework_id"], values["framework_version"], values["service_id"],
                     values["service_name"], values["status"]))  # seen by the log's later entries, as if read
        if not entry.sha256:
            blank.add(entry.file)
        added_rounds[entry.file] = round_id
        if earlier is None and entry.file in named:
            file_ids[entry.file] = next_id
        next_id += 1
    conn.executemany(FILES_INSERT, rows)
    return file_ids, len(added_rounds), known


FILES_INSERT = (
    "INSERT INTO files (id, run_id, round_id, sha256, path, status, reason, advice, size, mtime, framework_id, "
    "framework_version, service_id, service_name, completed, warnings, errors, same_as, code, rated, statements) "
    "VALUES (:id, :run, :round, :sha256, :file, :status, :reason, :advice, :size, :mtime, :framework_id, "
    ":framework_version, :service_id, :service_name, :completed, :warnings, :errors, :same_as, :code, :rated, "
    ":statements)")


def _stored_files(conn: sqlite3.Connection, log: list[LogEntry]) -> tuple[dict[str, list[tuple]], set[str]]:
    """The stored files with the content of a log entry, by content hash in the order they were stored, and the
    paths of the log's files stored without content (missing, ignored: known by their path alone)."""
    by_sha: dict[str, list[tuple]] = {}
    blank: set[str] = set()
    shas = sorted({e.sha256 for e in log if e.sha256})
    paths = sorted({e.file for e in log if not e.sha256})
    for start in range(0, len(shas), 500):
        part = shas[start:start + 500]
        for sha, *row in conn.execute(
                "SELECT sha256, path, round_id, framework_id, framework_version, service_id, service_name, status "
                f"FROM files WHERE sha256 IN ({','.join('?' * len(part))}) ORDER BY id", part):
            by_sha.setdefault(sha, []).append(tuple(row))
    for start in range(0, len(paths), 500):
        part = paths[start:start + 500]
        blank.update(path for (path,) in conn.execute(
            f"SELECT path FROM files WHERE sha256 = '' AND path IN ({','.join('?' * len(part))})", part))
    return by_sha, blank


class Batch:
    """Rows gathered to be written many responses at a time (one executemany a table, not one execute a row). The
    responses' ids are given here: the transaction holds the store, so the next id is known."""

    def __init__(self, next_id: int):
        self.next_id = next_id
        self.responses: list[tuple] = []
        self.ratings: list[tuple] = []
        self.actions: list[tuple] = []
        self.problems: list[tuple] = []
        self.touched: dict[tuple[int, str, str], int] = {}  # (round, framework, service key) -> its last response

    def rows(self) -> tuple[list[tuple], ...]:
        return self.responses, self.ratings, self.actions, self.problems


INSERTS = (
    "INSERT INTO responses (id, round_id, file_id, sha256, service_key, framework_id, framework_version, "
    "fingerprint, service_id, service_name, generated_at, respondent, organisation, completed_by, role, "
    "date_completed, email, area_ids, rated, total, mean, status, warnings, errors, file) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO actions VALUES (?, ?)",
    "INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
)
# The area_sums rows (schema.py) of the responses numbered from ? to ?: as the third migration works them out.
AREA_SUMS = ("INSERT INTO area_sums SELECT response_id, area_id, COUNT(rating), SUM(rating) FROM ratings "
             "WHERE response_id BETWEEN ? AND ? AND rating IS NOT NULL GROUP BY response_id, area_id")


RATINGS_BATCH = 20_000  # rating rows gathered before the batch is written


def write_rows(conn: sqlite3.Connection, batch: Batch) -> None:
    """Insert a batch's rows, and the area sums of its responses."""
    for sql, rows in zip(INSERTS, batch.rows()):
        conn.executemany(sql, rows)
    if batch.responses:  # worked out from the ratings just written: one statement, all of it in SQLite
        conn.execute(AREA_SUMS, (batch.responses[0][0], batch.responses[-1][0]))


def batches(responses: Iterator[Response], next_id: int, file_ids: dict[str, int], round_ids: dict[str, int],
            named: dict[str, str], sha: dict[str, str]) -> Iterator[Batch]:
    """The rows of the responses that bring a new file (in `file_ids`), a batch at a time, their ids from
    `next_id` on."""
    batch = Batch(next_id)
    for response in responses:
        file_id = file_ids.get(response.file)
        if file_id is None:
            continue
        round_id = round_ids[named[response.file]]
        key = response_key(response)
        batch.touched[(round_id, response.framework_id, key)] = insert_response(
            response, round_id, file_id, sha[response.file], key, batch)
        if len(batch.ratings) >= RATINGS_BATCH:
            yield batch
            batch = Batch(batch.next_id)
    if batch.responses:
        yield batch


def insert_response(r: Response, round_id: int, file_id: int, sha256: str, key: str, batch: Batch) -> int:
    """Add one response's rows to `batch`; returns the id it is given."""
    respondent = r.respondent
    completed = respondent.get("date_completed")
    overall = r.overall()
    warnings = sum(p.severity == "warning" for p in r.problems)
    errors = sum(p.severity == "error" for p in r.problems)
    response_id = batch.next_id
    batch.next_id += 1
    batch.responses.append((
        response_id, round_id, file_id, sha256, key, r.framework_id, r.framework_version, r.fingerprint,
        r.service_id, r.service_name, r.generated_at, encode(respondent), str(respondent.get("organisation") or ""),
        str(respondent.get("completed_by") or ""), str(respondent.get("role") or ""),
        completed.isoformat() if isinstance(completed, date) else None, str(respondent.get("email") or ""),
        json.dumps(list(r.area_ids)), overall.rated, overall.total, overall.mean,
        status(r, overall.rated, overall.total), warnings, errors, r.file))
    batch.ratings += [(response_id, i, x.statement_id, x.area_id, x.rating, x.rationale, x.evidence, x.target)
                      for i, x in enumerate(r.ratings)]
    if r.actions:
        batch.actions.append((response_id, encode_plan(r.actions)))
    if r.problems:
        batch.problems += [(response_id, i, p.severity, p.code, p.message, p.sheet, p.cell, p.advice)
                           for i, p in enumerate(r.problems)]
    return response_id


def decide_all(conn: sqlite3.Connection, touched: dict[tuple[int, str, str], int]) -> None:
    """decide() for every (round, framework, service key) this run added a response to: a group whose only
    response is the new one (the usual case) counts it, in one statement for all; the others are decided one by
    one over everything the store holds for them."""
    groups = sorted(touched.items())
    conn.executemany("INSERT OR IGNORE INTO counted VALUES (?, ?, ?, ?)", [(*g, rid) for g, rid in groups])
    rounds = sorted({g[0] for g in touched})
    shared = set(conn.execute(
        f"SELECT round_id, framework_id, service_key FROM responses WHERE round_id IN ({','.join('?' * len(rounds))})"
        " GROUP BY round_id, framework_id, service_key HAVING COUNT(*) > 1", rounds)) if rounds else set()
    for group, response_id in groups:
        if group in shared:
            decide(conn, *group, newest=response_id)


def decide(conn: sqlite3.Connection, round_id: int, framework_id: str, key: str, newest: int) -> None:
    """Which of a service's responses in a round counts, by collect's own rule (settle.py) over every response
    the store holds for it; the others are set aside, with why (a conflict of organisations counts none).

    `newest` is the last response this run added to the group: when it is the group's only one (the usual case),
    it counts and nothing else needs reading."""
    if conn.execute("INSERT OR IGNORE INTO counted VALUES (?, ?, ?, ?)", (round_id, framework_id, key, newest)
                    ).rowcount and conn.execute("SELECT COUNT(*) FROM responses WHERE round_id = ? AND "
                                                "framework_id = ? AND service_key = ?",
                                                (round_id, framework_id, key)).fetchone()[0] == 1:
        return
    candidates = _candidates(conn, round_id, framework_id, key)
    winner, outcomes = settle(candidates.values())
    conn.execute("DELETE FROM counted WHERE round_id = ? AND framework_id = ? AND service_key = ?",
                 (round_id, framework_id, key))
    if winner is not None:
        conn.execute("INSERT INTO counted VALUES (?, ?, ?, ?)", (round_id, framework_id, key, winner.number))
        conn.execute("UPDATE responses SET set_aside = NULL WHERE id = ?", (winner.number,))
        conn.execute("UPDATE files SET status = (SELECT status FROM responses WHERE id = ?), same_as = '', "
                     "reason = '' WHERE id = (SELECT file_id FROM responses WHERE id = ?) AND status IN (?, ?)",
                     (winner.number, winner.number, SUPERSEDED, CONFLICT))
    for outcome in outcomes:
        conn.execute("UPDATE responses SET set_aside = ? WHERE id = ?", (outcome.reason, outcome.number))
        conn.execute("UPDATE files SET status = ?, same_as = ?, reason = ? WHERE id = (SELECT file_id FROM "
                     "responses WHERE id = ?)", (outcome.status, outcome.winner_file, outcome.reason, outcome.number))


def _candidates(conn: sqlite3.Connection, round_id: int, framework_id: str, key: str) -> dict[int, Candidate]:
    """A service's stored responses in a round, with what settle.py ranks them by (their respondent and the
    codes of their problems; their answers are not read)."""
    out: dict[int, Candidate] = {}
    for rid, file, sha, organisation, completed_by, completed, rated in conn.execute(
            "SELECT id, file, sha256, organisation, completed_by, date_completed, rated FROM responses "
            "WHERE round_id = ? AND framework_id = ? AND service_key = ? ORDER BY id", (round_id, framework_id, key)):
        respondent = {"organisation": organisation, "completed_by": completed_by,
                      "date_completed": date.fromisoformat(completed) if completed else None}
        response = Response(file, framework_id=framework_id, respondent=respondent)
        out[rid] = Candidate(rid, response, file, sha, rated, True)
    marks = ",".join("?" * len(out))
    for rid, severity, code in conn.execute(f"SELECT response_id, severity, code FROM problems WHERE response_id "
                                            f"IN ({marks})", list(out)):
        out[rid].response.problems.append(Problem(severity, code, ""))
    for candidate in out.values():
        candidate.signed_ok = signed_ok(candidate.response, True)
    return out


