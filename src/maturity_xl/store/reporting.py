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
    notes: tuple[str, ...] = ()  # a report written beside its target (the target open in another program)


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
    """write_reports() for a round already read (bench/run.py times its frames apart from the writers); the
    files are written as `collect` writes its reports (outputs.write_reports: beside each other, each complete or
    not at all)."""
    from ..outputs import write_reports as write_outputs
    from ..report.csv_changes import write_change_csvs

    done = write_outputs(collection, output, html, csv_dir, more_csvs=write_change_csvs)
    assert collection.round is not None
    return Written(collection.round, collection.compare, len(collection.heads), tuple(done.files),
                   tuple(done.notes))
