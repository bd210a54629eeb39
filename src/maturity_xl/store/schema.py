"""The programme store's schema: one SQLite file, its version in `PRAGMA user_version`, migrations in order.

A store is recognised by its `application_id` (so another program's SQLite file is never taken for one) and
read only by a maturity-xl that knows its version: an older one refuses a newer store instead of guessing.

Tables (one row per ...):
    rounds      round of assessment: its name, when it was opened and closed
    manifest    service a round's workbooks were sent to (the mail-merge's manifest.csv)
    runs        collection into the store: who ran it, when, how many files it added
    files       file handed in, once per (content hash, path): its status in the file log
    responses   accepted return, with its respondent, scores and, when another counts instead, why
    ratings     statement rated in a response (rating, rationale, evidence, and the target the service chose:
                NULL when none, when the target is the next level up; added by the second migration)
    actions     response with an action plan: its rows as JSON, [statement id, area id, {column id: value}]
                (the framework's own columns; dates as NUL + ISO text; one row a response, as a plan is read
                and written whole)
    area_sums   area a response rated a statement in: how many it rated there and their sum (the trend's
                figures, so a trend over every round reads one row a service and area, not every rating;
                added by the third migration, which works them out for the ratings already stored)
    problems    problem found in an accepted response
    counted     which response counts for each round, framework and service
    lock        the collection writing to the store now (pid, host, command), so a second one can say who
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x4D584C31  # "MXL1": PRAGMA application_id of every programme store
HEADER = b"SQLite format 3\x00"

V1 = """
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    opened TEXT NOT NULL,
    closed TEXT
);
CREATE TABLE manifest (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    framework_id TEXT NOT NULL,
    framework_version TEXT NOT NULL,
    service_id TEXT NOT NULL,
    service_name TEXT NOT NULL,
    contact TEXT NOT NULL,
    file TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (round_id, framework_id, service_id)
) WITHOUT ROWID;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    command TEXT NOT NULL,
    host TEXT NOT NULL,
    files_added INTEGER NOT NULL DEFAULT 0,
    responses_added INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    round_id INTEGER REFERENCES rounds(id),
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    advice TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    framework_id TEXT NOT NULL,
    framework_version TEXT NOT NULL,
    service_id TEXT NOT NULL,
    service_name TEXT NOT NULL,
    completed TEXT,
    warnings INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    same_as TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    rated INTEGER NOT NULL DEFAULT 0,
    statements INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sha256, path)
);
CREATE INDEX files_round ON files (round_id, id);
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    file_id INTEGER NOT NULL UNIQUE REFERENCES files(id),
    sha256 TEXT NOT NULL,
    service_key TEXT NOT NULL,
    framework_id TEXT NOT NULL,
    framework_version TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    service_id TEXT NOT NULL,
    service_name TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    respondent TEXT NOT NULL,
    organisation TEXT NOT NULL,
    completed_by TEXT NOT NULL,
    role TEXT NOT NULL,
    date_completed TEXT,
    email TEXT NOT NULL,
    area_ids TEXT NOT NULL,
    rated INTEGER NOT NULL,
    total INTEGER NOT NULL,
    mean REAL,
    status TEXT NOT NULL,
    warnings INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    file TEXT NOT NULL,
    set_aside TEXT
);
CREATE INDEX responses_round ON responses (round_id, framework_id, service_key);
CREATE INDEX responses_sha ON responses (sha256);
CREATE TABLE ratings (
    response_id INTEGER NOT NULL REFERENCES responses(id),
    seq INTEGER NOT NULL,
    statement_id TEXT NOT NULL,
    area_id TEXT NOT NULL,
    rating INTEGER,
    rationale TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (response_id, seq)
) WITHOUT ROWID;
CREATE TABLE actions (
    response_id INTEGER PRIMARY KEY REFERENCES responses(id),
    plan TEXT NOT NULL
);
CREATE TABLE problems (
    response_id INTEGER NOT NULL REFERENCES responses(id),
    seq INTEGER NOT NULL,
    severity TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    sheet TEXT NOT NULL,
    cell TEXT NOT NULL,
    advice TEXT NOT NULL,
    PRIMARY KEY (response_id, seq)
) WITHOUT ROWID;
CREATE TABLE counted (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    framework_id TEXT NOT NULL,
    service_key TEXT NOT NULL,
    response_id INTEGER NOT NULL UNIQUE REFERENCES responses(id),
    PRIMARY KEY (round_id, framework_id, service_key)
) WITHOUT ROWID;
CREATE TABLE lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    command TEXT NOT NULL,
    since TEXT NOT NULL
);
"""

# A statement's chosen target level (frameworks with rating.target_per_statement). Stores made before it read back
# with no chosen targets, which is what their returns held: the target is the next level up.
V2 = """
ALTER TABLE ratings ADD COLUMN target INTEGER;
"""

# Each response's rated statements and their sum per area: store/trends.py reads these, 50,000 rows for 10,000
# services in five rounds of five areas, instead of grouping 2.5 million ratings (5 s). A response's rows are
# worked out from its ratings as they are written (writing.py), as this migration does for a store's ratings.
V3 = """
CREATE TABLE area_sums (
    response_id INTEGER NOT NULL REFERENCES responses(id),
    area_id TEXT NOT NULL,
    rated INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (response_id, area_id)
) WITHOUT ROWID;
INSERT INTO area_sums SELECT response_id, area_id, COUNT(rating), SUM(rating) FROM ratings
    WHERE rating IS NOT NULL GROUP BY response_id, area_id;
"""

# Each entry takes the store from version i to i + 1; run in order, each in the transaction that sets the version.
MIGRATIONS: list[str] = [V1, V2, V3]


def schema_version() -> int:
    """The newest schema this maturity-xl writes."""
    return len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, migrations: list[str] | None = None) -> int:
    """Bring the store up to the newest schema, one migration per transaction; returns the version reached.

    The caller has checked the store is not newer than `migrations` knows.
    """
    steps = MIGRATIONS if migrations is None else migrations
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version, len(steps)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would commit first; split so the step and its version move together or not at all.
            for statement in _statements(steps[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(steps)


def _statements(script: str) -> list[str]:
    """The statements of a script, split where SQLite says one is complete (a ';' inside a string is not an end)."""
    out, buffer = [], ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                out.append(buffer.strip())
            buffer = ""
    return out
