"""Reading generated workbooks back in tests, with openpyxl (an independent reader from our generator)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

from maturity_xl.layout import ACTIONS, ASSESSMENT, START, Layout, cell
from maturity_xl.reading import SheetInfo, Workbook


def metadata_sections(ws) -> dict[str, list[list]]:
    """The metadata sheet as {section: rows}; the [workbook] section as key/value rows."""
    sections: dict[str, list[list]] = {}
    current = None
    for row in ws.iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        if isinstance(row[0], str) and row[0].startswith("["):
            current = row[0].strip("[]")
            sections[current] = []
            continue
        sections[current].append([v for v in row])
    return sections


def expected_unlocked(layout: Layout) -> dict[str, set[str]]:
    """Every input cell the layout promises, by sheet."""
    fw = layout.framework
    out = {START: {cell(f.row, 1) for f in layout.respondent}, ASSESSMENT: set(), ACTIONS: set()}
    for c in layout.statement_cells:
        out[ASSESSMENT] |= {cell(c.row, layout.A_RATING), cell(c.row, layout.A_RATIONALE),
                            cell(c.row, layout.A_EVIDENCE)}
        if layout.A_TARGET is not None:  # a framework that asks each statement for a target
            out[ASSESSMENT].add(cell(c.row, layout.A_TARGET))
        out[ACTIONS] |= {cell(c.action_row, layout.action_col(col.id)) for col in fw.action_columns}
    return out


def unlocked_cells(ws) -> set[str]:
    return {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}


def validations_by_cell(ws) -> dict[str, list]:
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(rng)
            for r in range(min_row, max_row + 1):
                for c in range(min_col, max_col + 1):
                    out.setdefault(f"{get_column_letter(c)}{r}", []).append(dv)
    return out


def load(path: Path, data_only: bool = False):
    return openpyxl.load_workbook(path, data_only=data_only)


def fill_cells(layout: Layout, filled, source, target: Path) -> None:
    """Type `filled`'s answers into the cells `layout` gives them (openpyxl), whatever its column order."""
    import io

    wb = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source)
    for field in layout.respondent:
        if filled.respondent.get(field.key) is not None:
            wb[START][cell(field.row, layout.VALUE_COL)] = filled.respondent[field.key]
    for c in layout.statement_cells:
        ws = wb[ASSESSMENT]
        for col, value in ((layout.A_RATING, filled.ratings.get(c.statement_id)),
                           (layout.A_RATIONALE, filled.rationale.get(c.statement_id)),
                           (layout.A_EVIDENCE, filled.evidence.get(c.statement_id))):
            if value is not None and value != "":
                ws[cell(c.row, col)] = value
        if layout.A_TARGET is not None and filled.targets.get(c.statement_id) is not None:
            ws[cell(c.row, layout.A_TARGET)] = filled.targets[c.statement_id]
        for cid, value in filled.actions.get(c.statement_id, {}).items():
            if value is not None:
                wb[ACTIONS][cell(c.action_row, layout.action_col(cid))] = value
    wb.save(target)


def one_sheet_workbook(sheet: bytes, strings: bytes = b"") -> Workbook:
    """A reader's Workbook over a package of one sheet part ("S") and, if given, a shared-strings part: for
    tests of the reader on XML written by hand."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        if strings:
            zf.writestr("xl/sharedStrings.xml", strings)
    return Workbook(zipfile.ZipFile(io.BytesIO(buf.getvalue())),
                    {"S": SheetInfo("S", "xl/worksheets/sheet1.xml", "visible")},
                    shared_strings_path="xl/sharedStrings.xml" if strings else None)


def returns_of_every_framework(folder: Path, rng, completions: tuple[float, ...], **options) -> None:
    """A filled return of every bundled framework for each of `completions` in `folder` (`{framework}-{i}.xlsx`,
    service `{framework[:3]}-{i}`, completed on 1 October 2026 + i days); `options` go to random_answers."""
    from datetime import date

    from conftest import FRAMEWORKS, PINNED
    from maturity_xl.batch import Template
    from maturity_xl.generate import Service
    from maturity_xl.simulate import filled_workbook, random_answers
    from maturity_xl.spec import load_framework

    for fid in FRAMEWORKS:
        fw = load_framework(fid)
        template = Template(fw, generated_at=PINNED)
        for i, completion in enumerate(completions):
            blank = template.personalise(Service(f"{fid[:3]}-{i}", f"Service {i} of {fid}"))
            answers = random_answers(fw, rng, completion=completion, completed_on=date(2026, 10, 1 + i), **options)
            (folder / f"{fid}-{i}.xlsx").write_bytes(filled_workbook(fw, blank, answers))


def stop_run(proc, child_pid: Path, how: str, meanwhile=lambda: None):
    """Wait until the run `proc` has written the pid of its forked child to `child_pid`, call `meanwhile()`, then
    stop the run as a user would (SIGTERM; Ctrl-C, which a terminal sends to the whole process group; SIGKILL) and
    wait for it and for the child, whose psutil.Process is returned (TimeoutExpired if it outlives the run). The
    run is killed whatever happens."""
    import os
    import signal
    import time

    import psutil

    try:
        deadline = time.monotonic() + 60
        while not child_pid.exists() or not child_pid.read_text():
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        child = psutil.Process(int(child_pid.read_text()))
        assert child.ppid() == proc.pid
        meanwhile()
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        elif how == "Ctrl-C":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.kill()
        proc.wait(timeout=30)
        child.wait(timeout=10)
        return child
    finally:
        proc.kill()
        proc.wait()
