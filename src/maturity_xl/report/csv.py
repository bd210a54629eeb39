"""The tidy frames as CSV files (UTF-8 with a byte-order mark, which Excel needs to read them as UTF-8): every
row, however many, with text a spreadsheet would run as a formula defused (CWE-1236). The chasing list is one
of them, and is also written on its own (chase.csv beside the report) for a mail merge. provider_plans.csv (the
commissioner's view) is written only when the collection holds returns of a graded framework.

Numbers are written whole, not rounded: a rounded figure is only ever shown, by common.rounded's one rule."""

from __future__ import annotations

from pathlib import Path

from ..chase import chase_frame
from ..collect import Collection
from ..csvsafe import defuse_frame as defuse
from .common import atomic_write
from .provider_plans import CSV_NAME as PLANS_CSV
from .provider_plans import collection_plans

CSV_FRAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected", "chase")


def write_chase_csv(collection: Collection, path: Path) -> None:
    """The chasing list alone, defused, as one CSV a mail merge reads (header only when nobody is to chase)."""
    _to_csv(defuse(chase_frame(collection)), Path(path))


def _to_csv(frame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")


def write_csvs(collection: Collection, folder: Path) -> list[Path]:
    """The tidy frames as CSV (UTF-8 with BOM for Excel), with formula injection defused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    paths = []
    for name in CSV_FRAMES:
        target = folder / f"{name}.csv"
        safe = defuse(chase_frame(collection) if name == "chase" else getattr(frames, name))
        atomic_write(target, lambda tmp, frame=safe: _to_csv(frame, tmp))
        paths.append(target)
    plans = collection_plans(collection, frames)
    if plans is not None:  # only for graded frameworks (Progress for Providers): the commissioner's view
        target = folder / f"{PLANS_CSV}.csv"
        safe = defuse(plans)
        atomic_write(target, lambda tmp: _to_csv(safe, tmp))
        paths.append(target)
    return paths
