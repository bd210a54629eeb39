"""The HTML page and the CSV set written in a forked child while this process writes report.xlsx.

Writing a collection's reports holds the interpreter's lock throughout, so in one process they follow one another
on one core while the other waits (report.xlsx's deflate thread uses a little of it). A child forked once the
frames are built sees them without copying or pickling them, writes the page and the CSVs into the temporary file
and folder this process staged for them, and sends back only the CSV files' names, or its failure.

What outputs.write_reports promises holds here too:

- The child never puts anything in place: this process commits every report, in the same order as one process
  would, and only once both sides are done, so a failure on either side leaves every report as it was.
- A failure in the child (the disk full, permission denied, an exception) is raised here as the same OutputError,
  or the same exception, the writer would have raised in this process; a child that dies without a word (killed,
  out of memory) is an OutputError naming its exit code. Either way nothing is committed (forked.Child).
- The child is killed whenever this side stops, and dies with this process however that dies. It writes
  only inside what was staged for it (the page in a folder of its own, so the writer's own temporary file beside it
  goes too), which this side removes once the child is reaped: no temporary file or folder is left behind.

Memory: a page of the frames stays shared until either process writes to it, and CPython writes an object's
reference count whenever it reads the object, so what both sides read ends up in both. The ratings' free texts are
not in the frames (each side reads them back from the spill file: texts.RatingTexts), and the cycle collector,
which writes to every object it walks, is kept off the inherited objects by gc.freeze() before the fork; the
copies still grow with what the frames hold (the actions' texts). So when this process holds more than
MEMORY_APART once they are built, below APART_FROM responses, without fork (Windows), with one core, or inside a
daemonic process (a pool's worker may not start one), the reports are written one after another in this process.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence

from . import forked
from .heap import give_back

APART_FROM = 500  # responses that count: below this, forking costs more than the second core saves
# This process's own memory (anonymous, resident) once the frames are built, above which the reports are written
# one after another: the two processes end up copying part of what they share (measured with the ratings' texts
# still in the frames: 10,000 returns of stock answers 200 MB held, 65-85 MB copied; in their own words 415 MB
# held, 330 MB copied). Without those texts, 10,000 returns in their own words fork and peak at 395 MB in all.
MEMORY_APART = 256 << 20

Job = tuple  # (outputs.Staged, the writer that fills it)


def wanted(collection) -> bool:
    """Whether to write the page and the CSVs of `collection` in a forked child: a collection big enough, and a
    fork to be had (forked.possible). Only `collect`'s own Collection: a store's round (a subclass) is written in
    one process, since its frames may read the store, whose SQLite connection must not be used across a fork."""
    from .collect import Collection

    if type(collection) is not Collection:
        return False
    # `collect` has shut its pool's threads down by now: another thread running is someone else's, and no fork.
    return len(collection.heads) >= APART_FROM and forked.possible()


def prepare(collection) -> bool:
    """Build, here, everything both sides read: every frame the reports write and the tables the workbook and the
    page share (frameworks, area scores, heatmaps), so the child inherits them rather than building them twice.
    Returns whether this process is small enough, then, to fork (MEMORY_APART)."""
    from .report import CSV_FRAMES
    from .report.tables import framework_infos, heatmap

    frames = collection.frames()
    for name in CSV_FRAMES:
        if name != "chase":  # the ratings without their free texts: the writers read those from the spill file
            getattr(frames, "lean_ratings" if name == "ratings" else name)
    for info in framework_infos(collection, frames):
        heatmap(frames, info)
    give_back()
    held = _held()
    return held is None or held <= MEMORY_APART


def _held() -> int | None:
    """This process's anonymous resident memory in bytes (what a forked child could end up copying), or None where
    /proc does not say (not Linux)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            resident, shared = (int(n) for n in fh.read().split()[1:3])
    except (OSError, ValueError):
        return None
    return (resident - shared) * os.sysconf("SC_PAGE_SIZE")


def fill_apart(here: Sequence[Job], there: Sequence[Job], fill: Callable) -> None:
    """`fill(staged, write)` for each job of `here` in this process and of `there` in a forked child, at once.

    Returns once both sides have filled every job (a folder's Staged gets the names of the files the child wrote).
    Raises the first failure, this side's before the child's (the order one process would meet them in), with
    the child killed and reaped before the exception leaves: the caller then discards every staged output.
    """
    def child_side() -> list:
        for staged, write in there:
            fill(staged, write)
        return [staged.names for staged, _ in there]

    ours = gc.get_freeze_count() == 0
    gc.freeze()  # the objects that exist now are left out of the collector's walks, in both processes
    try:
        try:
            # before the workbook's deflate thread starts: fork copies only the calling thread
            child = forked.Child(child_side, "writing the HTML report and the CSV files")
        except OSError:  # no process to be had (EAGAIN, ENOMEM): everything here, one after another
            for staged, write in [*here, *there]:
                fill(staged, write)
            return
        try:
            for staged, write in here:
                fill(staged, write)
            for (staged, _), names in zip(there, child.result(), strict=True):
                staged.names = names
        finally:
            child.stop()
    finally:
        if ours:
            gc.unfreeze()


__all__ = ["APART_FROM", "fill_apart", "prepare", "wanted"]
