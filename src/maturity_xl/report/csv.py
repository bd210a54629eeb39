"""The tidy frames as CSV files (UTF-8 with a byte-order mark, which Excel needs to read them as UTF-8): every
row, however many, with text a spreadsheet would run as a formula defused (CWE-1236)."""

from __future__ import annotations

from pathlib import Path

from ..collect import Collection
from ..csvsafe import defuse_frame as defuse
from .common import atomic_write

CSV_FRAMES = ("ratings", "actions", "responses", "log", "problems", "missing", "unexpected")


def write_csvs(collection: Collection, folder: Path) -> list[Path]:
    """The tidy frames as CSV (UTF-8 with BOM for Excel), with formula injection defused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = collection.frames()
    paths = []
    for name in CSV_FRAMES:
        target = folder / f"{name}.csv"
        safe = defuse(getattr(frames, name))
        atomic_write(target, lambda tmp, frame=safe: frame.to_csv(tmp, index=False, encoding="utf-8-sig",
                                                             date_format="%Y-%m-%d"))
        paths.append(target)
    return paths
