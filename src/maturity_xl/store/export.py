"""The store's tidy tables in an analyst's database (PostgreSQL, SQL Server, SQLite...) through SQLAlchemy.

Six tables, named for Power BI (lower-case snake_case: PostgreSQL folds unquoted names to lower case, and
Power BI joins tables on key columns of the same name): rounds, services, responses, ratings, actions, file_log.
docs/store.md describes every column. An export replaces the six tables in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from .errors import ExportError
from .frames import StoreFrames, stored_collection
from .store import Store

TABLES = ("rounds", "services", "responses", "ratings", "actions", "file_log")


def tables(store: Store, *, today: date | None = None) -> dict[str, pd.DataFrame]:
    """The six tidy tables, as frames: every round's counted responses, and every response and file received."""
    rounds = store.rounds()
    per_round = [stored_collection(store, r, today=today).frames() for r in rounds]
    return {
        "rounds": _rounds(store),
        "services": _services(store),
        "responses": _responses(store),
        "ratings": _concat([_keyed(f, f.ratings, f.rating_ids, r.id) for f, r in zip(per_round, rounds)]),
        "actions": _concat([_keyed(f, f.actions, f.action_ids, r.id) for f, r in zip(per_round, rounds)]),
        "file_log": _file_log(store),
    }


def export(store: Store, url: str, *, today: date | None = None) -> dict[str, int]:
    """Write the six tables to the database at `url` (an SQLAlchemy URL), replacing them; rows per table.

    Raises:
        ExportError: the URL is wrong, the driver is missing, or the database refused the tables.
    """
    import sqlalchemy as sa

    frames = tables(store, today=today)
    try:
        engine = sa.create_engine(_with_driver(url))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ExportError(f"cannot use the database URL {_hide_password(url)!r}: {exc}") from None
    try:
        with engine.begin() as conn:  # all six or none
            for name, frame in frames.items():
                frame.to_sql(name, conn, if_exists="replace", index=False, dtype=_types(frame), chunksize=5000)
    except sa.exc.SQLAlchemyError as exc:
        raise ExportError(f"the database {_hide_password(url)} refused the export (nothing was changed): "
                          f"{str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
    return {name: len(frame) for name, frame in frames.items()}


def _with_driver(url: str) -> str:
    """postgresql:// means psycopg 3 here (SQLAlchemy would look for psycopg2, which we do not install)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def _hide_password(url: str) -> str:
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL has no password to hide that we can find
        return url


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _service_key(framework_id: str, key: str) -> str:
    return f"{framework_id}/{key}"


def _keyed(frames: StoreFrames, frame: pd.DataFrame, ids, round_id: int) -> pd.DataFrame:
    """A round's rows with the keys Power BI joins on first: response_id, round_id, service_key (`ids`: each
    row's response id)."""
    ids = list(map(int, ids))
    keys = dict(frames.store.query("SELECT r.id, r.framework_id || '/' || r.service_key FROM counted c JOIN "
                                   "responses r ON r.id = c.response_id WHERE c.round_id = ?", (round_id,)))
    front = pd.DataFrame({"response_id": pd.Series(ids, dtype="int64"),
                          "round_id": pd.Series([round_id] * len(ids), dtype="int64"),
                          "service_key": pd.Series([keys[i] for i in ids], dtype=object)})
    rest = frame.drop(columns=["file"]).reset_index(drop=True)
    out = pd.concat([front, rest], axis=1)
    return out[["response_id", "round_id", "round", "service_key",
                *[c for c in rest.columns if c != "round"]]]


def _rounds(store: Store) -> pd.DataFrame:
    rows = store.query(
        "SELECT d.id, d.name, d.opened, d.closed, (SELECT COUNT(*) FROM manifest m WHERE m.round_id = d.id), "
        "(SELECT COUNT(*) FROM counted c WHERE c.round_id = d.id), (SELECT COUNT(*) FROM files f WHERE "
        "f.round_id = d.id) FROM rounds d ORDER BY d.id")
    frame = pd.DataFrame(rows, columns=["round_id", "round", "opened", "closed", "services_expected",
                                        "returns_counted", "files_received"])
    for name in ("opened", "closed"):
        frame[name] = [datetime.fromisoformat(v) if isinstance(v, str) else None for v in frame[name]]
    return frame


def _services(store: Store) -> pd.DataFrame:
    """One row per service seen in a response or a manifest, with its latest name and contact."""
    rows = store.query(
        "SELECT framework_id, service_key, service_id, service_name, round_id, id FROM responses ORDER BY id")
    seen: dict[str, dict] = {}
    for fid, key, sid, name, round_id, _rid in rows:
        item = seen.setdefault(_service_key(fid, key), {"service_key": _service_key(fid, key), "framework_id": fid,
                                                        "service_id": sid, "service_name": name, "contact": "",
                                                        "first_round_id": round_id, "last_round_id": round_id})
        item["service_name"] = name or item["service_name"]
        item["first_round_id"] = min(item["first_round_id"], round_id)
        item["last_round_id"] = max(item["last_round_id"], round_id)
    for fid, sid, name, contact in store.query(
            "SELECT framework_id, service_id, service_name, contact FROM manifest ORDER BY round_id, seq"):
        item = seen.setdefault(_service_key(fid, "id:" + sid), {
            "service_key": _service_key(fid, "id:" + sid), "framework_id": fid, "service_id": sid,
            "service_name": name, "contact": contact, "first_round_id": None, "last_round_id": None})
        item["contact"] = contact or item["contact"]
    columns = ["service_key", "framework_id", "service_id", "service_name", "contact", "first_round_id",
               "last_round_id"]
    frame = pd.DataFrame(list(seen.values()), columns=columns)
    for name in ("first_round_id", "last_round_id"):
        frame[name] = frame[name].astype("Int64")
    return frame


RESPONSE_EXPORT = ["response_id", "round_id", "round", "service_key", "framework_id", "framework_version",
                   "service_id", "service_name", "organisation", "completed_by", "role", "date_completed", "email",
                   "rated", "total", "mean_rating", "status", "warnings", "errors", "counts", "set_aside_reason",
                   "file"]


def _responses(store: Store) -> pd.DataFrame:
    rows = store.query(
        "SELECT r.id, r.round_id, d.name, r.framework_id || '/' || r.service_key, r.framework_id, "
        "r.framework_version, r.service_id, r.service_name, r.organisation, r.completed_by, r.role, "
        "r.date_completed, r.email, r.rated, r.total, r.mean, r.status, r.warnings, r.errors, "
        "c.response_id IS NOT NULL, r.set_aside, r.file FROM responses r JOIN rounds d ON d.id = r.round_id "
        "LEFT JOIN counted c ON c.response_id = r.id ORDER BY r.id")
    frame = pd.DataFrame(rows, columns=RESPONSE_EXPORT)
    frame["date_completed"] = [date.fromisoformat(v) if isinstance(v, str) else None for v in frame["date_completed"]]
    frame["counts"] = frame["counts"].astype(bool)
    frame["mean_rating"] = frame["mean_rating"].astype(float)
    return frame


FILE_LOG_EXPORT = ["file_id", "round_id", "round", "file", "status", "reason", "advice", "sha256", "size",
                   "framework_id", "framework_version", "service_id", "service_name", "completed", "warnings",
                   "errors", "same_as", "collected_at"]


def _file_log(store: Store) -> pd.DataFrame:
    rows = store.query(
        "SELECT f.id, f.round_id, d.name, f.path, f.status, f.reason, f.advice, f.sha256, f.size, f.framework_id, "
        "f.framework_version, f.service_id, f.service_name, f.completed, f.warnings, f.errors, f.same_as, "
        "u.started FROM files f JOIN runs u ON u.id = f.run_id LEFT JOIN rounds d ON d.id = f.round_id "
        "ORDER BY f.id")
    frame = pd.DataFrame(rows, columns=FILE_LOG_EXPORT)
    frame["round_id"] = frame["round_id"].astype("Int64")
    frame["completed"] = [date.fromisoformat(v) if isinstance(v, str) else None for v in frame["completed"]]
    frame["collected_at"] = [datetime.fromisoformat(v) for v in frame["collected_at"]]
    return frame


def _types(frame: pd.DataFrame) -> dict:
    """Column types pandas cannot guess from object columns: dates as DATE, times as TIMESTAMP, text as TEXT."""
    import sqlalchemy as sa

    out = {}
    for name in frame.columns:
        values = frame[name].dropna()
        if frame[name].dtype != object:
            continue
        sample = values.iloc[0] if len(values) else ""
        if isinstance(sample, datetime):
            out[name] = sa.DateTime(timezone=True)
        elif isinstance(sample, date):
            out[name] = sa.Date()
        else:
            out[name] = sa.Text()
    return out


__all__ = ["export", "tables", "TABLES", "ExportError"]
