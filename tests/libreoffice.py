"""LibreOffice headless as an independent spreadsheet engine for tests: convert many files in one call.

Recalculation on load is forced through a throw-away profile; without it a converted file keeps XlsxWriter's
cached values and a test would pass when it should not (see ../shared/EXCEL-FACTS.md).

One soffice call costs about 1.7 s of start-up; each further file in the same call about 0.3 s, so tests
should gather their files and convert them together.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

# 0 = "always recalculate" for files from Excel 2007+ (OOXML) and for ODF files; the default (1, "never")
# keeps whatever cached values the file carries.
RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """Path of the LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert_to_argument(to: str) -> tuple[str, str]:
    """The output extension and the --convert-to argument as soffice wants it from an argv (no shell).

    'xlsx:"Calc MS Excel 2007 XML"' is how the filter is quoted on a shell command line; passed through argv the
    quotes would become part of the filter name and LibreOffice would load the file, then fail to store it.
    """
    ext, colon, rest = to.strip().partition(":")
    if not colon:
        return ext, ext
    name, colon, options = rest.partition(":")
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1]
    return ext, f"{ext}:{name}{colon}{options}"


def convert(paths: list[Path], to: str, outdir: Path, *, recalc: bool = True, timeout: float = 300) -> list[Path]:
    """Convert every file in ONE soffice call and return the outputs in input order.

    `to` is a --convert-to argument ("xlsx", "pdf", "ods", 'xlsx:"Calc MS Excel 2007 XML"'). With `recalc`
    LibreOffice recalculates every formula on load, so outputs hold its own values, not the input's cached ones.
    Each call has its own fresh profile (and HOME), so parallel runs do not clash.

    Raises RuntimeError naming every expected output that is absent: LibreOffice has exited 0 and silently
    skipped files in big batches.
    """
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    paths = [Path(p).resolve() for p in paths]
    if not paths:
        return []
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(p)
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    ext, to = _convert_to_argument(to)
    outputs = [outdir / f"{p.stem}.{ext}" for p in paths]

    dupes = sorted(str(o) for o, n in Counter(outputs).items() if n > 1)
    if dupes:
        raise ValueError(f"inputs with the same name would overwrite each other's output: {dupes}")
    clobbered = sorted(str(o) for o in outputs if o in set(paths))
    if clobbered:
        raise ValueError(f"output would overwrite its own input (use a separate outdir): {clobbered}")
    # A stale output from an earlier run must not pass for a fresh one.
    for o in outputs:
        o.unlink(missing_ok=True)

    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        if recalc:
            (user / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
        env = {**os.environ, "HOME": profile}
        cmd = [binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", to, "--outdir", str(outdir), *map(str, paths)]
        # soffice is a shell script that starts oosplash, which starts soffice.bin: on timeout kill the whole
        # process group, or soffice.bin lives on holding the profile.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RuntimeError(f"LibreOffice took longer than {timeout:g} s converting {len(paths)} file(s) "
                               f"to {to}") from None

    missing = [o for o in outputs if not o.is_file()]
    if missing:
        names = ", ".join(o.name for o in missing)
        raise RuntimeError(
            f"LibreOffice did not write {len(missing)} of {len(outputs)} output(s) in {outdir}: {names} "
            f"(exit {proc.returncode})\nstdout: {stdout[-2000:]}\nstderr: {stderr[-2000:]}")
    return outputs


def recalculated(path: Path, workdir: Path) -> Path:
    """`path` (xlsx) converted to xlsx by LibreOffice with every formula recalculated; the output's path."""
    return convert([path], "xlsx", workdir, recalc=True)[0]


def pdf_to_png(pdf: Path, outdir: Path, dpi: int = 60) -> list[Path]:
    """Every page of `pdf` as a PNG (pdftoppm, from poppler-utils), in page order."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm (poppler-utils) is not installed")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(outdir / "page")], check=True,
                   capture_output=True, timeout=300)
    # pdftoppm pads page numbers to the width of the last one (page-01 .. page-12), so names sort in order.
    return sorted(outdir.glob("page-*.png"))


# What LibreOffice writes into a cell whose formula fails (Excel's error values, and LibreOffice's own "Err:NNN").
ERRORS = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")


def error_cells(book, layout=None) -> list[str]:
    """Every cell of `book` (openpyxl, loaded with data_only) that holds an error, as "Sheet!A1 = value". The
    metadata sheet is data, not formulas; with the workbook's `layout`, the Summary's hidden chart column is left
    out too: it is #N/A by design where an area has nothing rated (a gap in the chart, not a bar at zero)."""
    from maturity_xl.layout import METADATA, SUMMARY  # noqa: PLC0415 - this module is also run without the package

    chart_col = layout.summary_chart_col + 1 if layout is not None else None
    return [f"{ws.title}!{c.coordinate} = {c.value}" for ws in book if ws.title != METADATA
            for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith(ERRORS)
            and not (ws.title == SUMMARY and c.column == chart_col)]
