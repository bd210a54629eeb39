"""Reports of one round from the store, through the same writers as `collect` (no workbook is opened)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .frames import StoredCollection, stored_collection
from .store import Round, Store

CHANGE_FRAMES = ("changes", "statement_changes")


@dataclass(frozen=True, slots=True)
class Written:
    round: Round
    compare: Round | None
    responses: int
    paths: tuple[Path, ...]


def round_collection(store: Store, round: str | None = None, compare: str | None = None, *,
                     today: date | None = None, registry=None) -> StoredCollection:
    """`round` (default: the latest) as a Collection, compared with `compare` (default: the round before it)."""
    current = store.round(round)
    other = store.round(compare) if compare else store.previous(current)
    if other is not None and other.id == current.id:
        other = None
    return stored_collection(store, current, compare=other, registry=registry, today=today)


def write_reports(store: Store, output: Path, *, html: Path | None = None, csv_dir: Path | None = None,
                  round: str | None = None, compare: str | None = None, today: date | None = None) -> Written:
    """report.xlsx (and the HTML and CSVs) for one round; the CSVs add the changes since the round compared."""
    return write_round(round_collection(store, round, compare, today=today), output, html=html, csv_dir=csv_dir)


def write_round(collection: StoredCollection, output: Path, *, html: Path | None = None,
                csv_dir: Path | None = None) -> Written:
    """write_reports() for a round already read (bench/run.py times its frames apart from the writers)."""
    from .. import report
    from ..report.csv_changes import write_change_csvs

    written = [output]
    output.parent.mkdir(parents=True, exist_ok=True)
    report.write_workbook(collection, output)
    if html:
        html.parent.mkdir(parents=True, exist_ok=True)
        report.write_html(collection, html)
        written.append(html)
    if csv_dir:
        written += report.write_csvs(collection, csv_dir)
        written += write_change_csvs(collection, csv_dir)  # changes, statement_changes, area_trend
    assert collection.round is not None
    return Written(collection.round, collection.compare, len(collection.heads), tuple(written))
