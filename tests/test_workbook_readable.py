"""Rows that grow with their text (issue 14): the row rule, and a workbook filled through LibreOffice with
2,000-character answers printing every word.

The rule (docs/workbook-research.md): every row is written with an estimated height and no customHeight, so it
opens at the estimate in both programs and stays automatic; LibreOffice refits a row when a cell in it is edited,
Excel on open and on entry. A custom height is never refitted, which the control case below shows by printing a
workbook written the old way and finding the answer cut.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from xlsxwriter.worksheet import Worksheet

import maturity_xl.generate as generate_pkg
import uno_fill
from maturity_xl.generate import generate
from maturity_xl.layout import ACTIONS, ASSESSMENT, Layout, cell

FRAMEWORKS = ["progress-for-providers", "coventry-warwickshire", "lincolnshire"]


def sheet_parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_every_row_has_an_estimate_and_none_is_custom(fid, frameworks, tmp_path):
    path = tmp_path / "blank.xlsx"
    generate(frameworks[fid], path)
    heights = 0
    for name, xml in sheet_parts(path).items():
        rows = re.findall(rb"<row [^>]*>", xml)
        assert rows, name
        assert not [r for r in rows if b"customHeight" in r], name
        heights += sum(1 for r in rows if b' ht="' in r)
    layout = Layout(frameworks[fid])
    # Every statement row and every action row carries an estimate (LibreOffice fits nothing on load).
    assert heights >= len(layout.statement_cells) * 2


def answer(tag: str, length: int = 2000) -> str:
    """A 2,000-character answer whose words are numbered, so a cut shows as missing words."""
    words, n = [], 0
    while sum(len(w) + 1 for w in words) < length:
        words.append(f"{tag}{n:03d}")
        n += 1
    return " ".join(words)[:length].rsplit(" ", 1)[0]


def long_answers(layout: Layout) -> dict[str, dict[str, str]]:
    fw = layout.framework
    first, last = layout.statement_cells[0], layout.statement_cells[-1]
    cells = {ASSESSMENT: {cell(first.row, layout.A_RATIONALE): answer("ratio"),
                          cell(last.row, layout.A_EVIDENCE): answer("evide")}}
    text_columns = [c for c in fw.action_columns if c.kind == "text"]
    cells[ACTIONS] = {cell(first.action_row, layout.action_col(text_columns[0].id)): answer("actio")}
    return cells


def printed_words(pdf) -> set[str]:
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return set(text.split())


needs_uno = pytest.mark.skipif(not uno_fill.available() or shutil.which("pdftotext") is None,
                               reason="LibreOffice with UNO and pdftotext are needed")


@needs_uno
@pytest.mark.parametrize("fid", FRAMEWORKS)
def test_long_answers_typed_in_libreoffice_print_whole(fid, frameworks, tmp_path):
    fw = frameworks[fid]
    source = tmp_path / f"{fid}.xlsx"
    generate(fw, source)
    cells = long_answers(Layout(fw))
    _, pdf = uno_fill.fill_and_print(source, cells, tmp_path / "out")
    printed = printed_words(pdf)
    for values in cells.values():
        for text in values.values():
            missing = [w for w in text.split() if w not in printed]
            assert not missing, f"{len(missing)} words of a 2,000-character answer not printed: {missing[:5]}"


@needs_uno
def test_a_custom_height_cuts_the_same_answer(frameworks, tmp_path, monkeypatch):
    """The control: the same workbook with XlsxWriter's custom heights prints the answer cut, so the test above
    could fail."""
    monkeypatch.setattr(generate_pkg._ProtectedWorkbook, "worksheet_class", Worksheet)
    fw = frameworks["lincolnshire"]
    source = tmp_path / "custom.xlsx"
    generate(fw, source)
    assert b'customHeight="1"' in sheet_parts(source)["xl/worksheets/sheet2.xml"]
    cells = long_answers(Layout(fw))
    _, pdf = uno_fill.fill_and_print(source, cells, tmp_path / "out")
    printed = printed_words(pdf)
    text = cells[ASSESSMENT][next(iter(cells[ASSESSMENT]))]
    assert [w for w in text.split() if w not in printed]
