"""Gnumeric's ssconvert as a second, independent spreadsheet engine for tests (beside LibreOffice).

`ssconvert --recalc` recalculates every formula after loading, whatever the file's cached values say, and `-S`
writes one CSV per sheet. It warns about parts it ignores (workbook protection, colour-scale conditional formats);
those warnings do not touch the values.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path


def ssconvert() -> str | None:
    """Path of Gnumeric's ssconvert, or None when it is not installed (Debian package `gnumeric`)."""
    return shutil.which("ssconvert")


def recalculated_sheets(path: Path, workdir: Path, *, timeout: float = 120) -> dict[str, list[list[str]]]:
    """Every sheet of `path` after Gnumeric recalculates it: {sheet name: rows of cell texts as CSV shows them}.

    Raises RuntimeError when ssconvert fails or writes no sheet.
    """
    binary = ssconvert()
    if binary is None:
        raise RuntimeError("Gnumeric (ssconvert) is not installed")
    out = Path(workdir) / f"{Path(path).stem}-gnumeric"
    if out.exists():
        shutil.rmtree(out)  # a stale CSV from an earlier run must not pass for a fresh one
    out.mkdir(parents=True)
    proc = subprocess.run([binary, "--recalc", "-S", str(path), str(out / "%s.csv")], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    sheets = {p.stem: list(csv.reader(p.open(encoding="utf-8", newline=""))) for p in sorted(out.glob("*.csv"))}
    if proc.returncode != 0 or not sheets:
        raise RuntimeError(f"ssconvert failed on {path} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return sheets
