"""Type answers into a workbook through LibreOffice itself (UNO), as a respondent would, then save and print it.

Run by the system Python that has LibreOffice's `uno` module (tests call `fill_and_print`, which starts it):

    /usr/bin/python3 tests/uno_fill.py IN.xlsx CELLS.json OUTDIR

CELLS.json is {"sheet": {"B12": "text", "C12": 3}}. Each value is entered with setString / setValue, which is
what LibreOffice does when a cell is edited: an automatic row (no custom height) is refitted to its text, a custom
one is not (docs/workbook-research.md). Writes OUTDIR/<stem>.xlsx (recalculated) and OUTDIR/<stem>.pdf.

openpyxl cannot stand in for this: LibreOffice 7.4 fits no row on load, so text written by openpyxl stays cut
whatever the file says about the row.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def available() -> bool:
    """True when LibreOffice and a Python with its `uno` module are installed."""
    if shutil.which("soffice") is None or not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


def fill_and_print(path: Path, cells: dict[str, dict[str, object]], outdir: Path) -> tuple[Path, Path]:
    """`path` with `cells` typed in through LibreOffice: the saved xlsx and its PDF."""
    outdir.mkdir(parents=True, exist_ok=True)
    spec = outdir / f"{path.stem}.cells.json"
    spec.write_text(json.dumps(cells, ensure_ascii=False), encoding="utf-8")
    # The bridge's Python has died by SIGSEGV now and then (2 full runs in 4 on 2026-12-02, in different tests,
    # each passing when run again): a run killed by a signal is tried once more, a failure of any other kind not.
    for attempt in (1, 2):
        done = subprocess.run([SYSTEM_PYTHON, __file__, str(path), str(spec), str(outdir)], timeout=300,
                              capture_output=True)
        if done.returncode >= 0 or attempt == 2:
            break
    done.check_returncode()
    xlsx, pdf = outdir / f"{path.stem}.xlsx", outdir / f"{path.stem}.pdf"
    for out in (xlsx, pdf):
        if not out.is_file():
            raise RuntimeError(f"LibreOffice did not write {out}")
    return xlsx, pdf


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _main(source: Path, cells: dict, outdir: Path) -> None:
    import uno  # noqa: PLC0415 - only the system Python has it
    from com.sun.star.beans import PropertyValue  # noqa: PLC0415

    def prop(name, value):
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="lo-uno-") as profile:
        proc = subprocess.Popen(
            ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore", "--nologo",
             "--nodefault", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
            start_new_session=True, env={**os.environ, "HOME": profile},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            for _ in range(120):
                try:
                    ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
                    break
                except Exception:  # noqa: BLE001 - not listening yet
                    time.sleep(0.25)
            else:
                raise RuntimeError("LibreOffice did not start")
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            doc = desktop.loadComponentFromURL(source.resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
            for sheet, values in cells.items():
                ws = doc.Sheets.getByName(sheet)
                for ref, value in values.items():
                    target = ws.getCellRangeByName(ref)
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        target.setValue(value)
                    else:
                        target.setString(str(value))
            doc.calculateAll()
            stem = outdir.resolve() / source.stem
            doc.storeToURL(Path(f"{stem}.xlsx").as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.storeToURL(Path(f"{stem}.pdf").as_uri(), (prop("FilterName", "calc_pdf_Export"),))
            doc.close(True)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    _main(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")), Path(sys.argv[3]))
    # Out without tearing the UNO bridge down: its office is gone by now, and the bridge's teardown at exit is
    # where python3-uno is known to crash (its files are written and closed).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
