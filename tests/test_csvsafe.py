"""CSV formula defusing after every kind of invisible prefix, checked by rule and by LibreOffice itself."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from libreoffice import soffice
from maturity_xl.csvsafe import dangerous, defuse_frame, defuse_text, first_significant

LINK = '=HYPERLINK("http://attacker.example/","Click")'
PREFIXES = {
    "none": "", "NUL": "\x00", "SOH": "\x01", "ESC": "\x1b", "US": "\x1f", "DEL": "\x7f", "tab": "\t", "CR": "\r",
    "LF": "\n", "space": " ", "spaces-and-NUL": "  \x00 ", "NBSP": "\u00a0", "em-space": "\u2003",
    "ideographic-space": "\u3000", "NEL": "\x85", "C1": "\x9b", "LSEP": "\u2028", "PSEP": "\u2029",
    "ZWSP": "\u200b", "ZWNJ": "\u200c", "ZWJ": "\u200d", "LRM": "\u200e", "RLM": "\u200f", "RLO": "\u202e",
    "word-joiner": "\u2060", "BOM": "\ufeff", "soft-hyphen": "\u00ad", "CGJ": "\u034f", "mongolian-vs": "\u180e",
    "variation-selector": "\ufe0f", "hangul-filler": "\u3164", "tag-space": "\U000e0020",
    "excel-NUL": "_x0000_", "excel-tab": "_x0009_", "excel-ZWSP": "_x200B_", "excel-lower": "_x001b_",
    "mixed": "\ufeff_x0000_\u200b \x00",
}
TRIGGERS = ["=", "+", "-", "@", "\uff1d"]


@pytest.mark.parametrize("trigger", TRIGGERS, ids=["equals", "plus", "minus", "at", "fullwidth-equals"])
@pytest.mark.parametrize("prefix", list(PREFIXES.values()), ids=list(PREFIXES))
def test_every_invisible_prefix_is_seen_through(prefix, trigger):
    text = prefix + trigger + LINK[1:]
    assert dangerous(text)
    assert defuse_text(text) == "'" + text


@pytest.mark.parametrize("text", ["_x003D_1+1", "_x002B_1", "\x00_x0040_SUM(A1)", "_x002D_2"])
def test_an_escaped_trigger_is_a_trigger(text):
    assert dangerous(text)


@pytest.mark.parametrize("text", ["Riverside", "3", "", "   ", "\x00", "a=b", "'=already quoted", "_x0041_=1",
                                  "x_x003D_", "£5", "\u200bRiverside", "(=)", "#REF!"])
def test_harmless_text_is_left_as_it_is(text):
    assert not dangerous(text)
    assert defuse_text(text) == text


def test_values_that_are_not_text_pass_through():
    for value in (3, 2.5, None, True, pd.Timestamp("2026-01-01")):
        assert defuse_text(value) is value or defuse_text(value) == value


def test_first_significant_reads_escapes_and_skips_the_invisible():
    assert first_significant("\ufeff_x0000_\u200b=1") == "="
    assert first_significant("_x0041_=1") == "A"
    assert first_significant("\x00\u200b") == ""


def test_a_frame_is_defused_cell_by_cell():
    frame = pd.DataFrame({"text": ["\x00" + LINK, "fine", None], "n": [1, 2, 3]})
    out = defuse_frame(frame)
    assert out["text"].tolist()[:2] == ["'\x00" + LINK, "fine"] and out["n"].tolist() == [1, 2, 3]
    assert defuse_frame(frame.iloc[:0]).empty


def _libreoffice_cells(csv_path: Path, workdir: Path) -> list[tuple[str, str]]:
    """Open a CSV in LibreOffice headless with formula evaluation on (the dangerous setting), save it as xlsx, and
    return (kind, value) for each cell: 'f' for a formula."""
    from openpyxl import load_workbook

    profile = workdir / "profile"
    out = workdir / "out"
    # CSV import options: comma, double quote, UTF-8, from line 1, default columns, en-US, quoted fields not
    # forced to text, special numbers detected, ..., token 13: evaluate formulas = true.
    options = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--nologo", f"--infilter={options}", "--convert-to", "xlsx", "--outdir", str(out),
                    str(csv_path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(workdir)})
    converted = out / f"{csv_path.stem}.xlsx"
    with zipfile.ZipFile(converted) as zf:
        links = [n for n in zf.namelist() if "externalLink" in n]
    assert not links
    wb = load_workbook(converted)
    return [(cell.data_type, str(cell.value)) for row in wb.active.iter_rows(min_row=2) for cell in row]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_runs_no_formula_from_a_defused_csv(tmp_path):
    texts = [prefix + trigger + LINK[1:] for prefix in PREFIXES.values() for trigger in ("=", "+", "-", "@")]
    raw = tmp_path / "raw.csv"
    safe = tmp_path / "safe.csv"
    pd.DataFrame({"text": texts}).to_csv(raw, index=False, encoding="utf-8-sig")
    defuse_frame(pd.DataFrame({"text": texts})).to_csv(safe, index=False, encoding="utf-8-sig")
    undefused = _libreoffice_cells(raw, tmp_path / "a")
    # The check can fail: without defusing LibreOffice makes formulas, the NUL-prefixed link among them.
    assert ("f", LINK) in undefused and undefused[texts.index("\x00" + LINK)][0] == "f"
    defused = _libreoffice_cells(safe, tmp_path / "b")
    assert len(defused) == len(texts)
    assert [v for kind, v in defused if kind == "f"] == []


def test_the_collected_csv_export_defuses_a_nul_prefixed_link(frameworks, generated, tmp_path):
    import csv
    import random

    from maturity_xl.collect import collect
    from maturity_xl.report import write_csvs
    from maturity_xl.simulate import filled_workbook, random_answers

    fw = frameworks["lincolnshire"]
    answers = random_answers(fw, random.Random(1))
    first = fw.statements[0].id
    answers.rationale[first] = "_x0000_" + LINK  # as a return's XML holds it; the reader decodes the escape
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "r.xlsx").write_bytes(filled_workbook(fw, generated["lincolnshire"].read_bytes(), answers))
    collection = collect([returns], workers=1)
    assert [e.status for e in collection.log] != ["rejected"]
    cells = [cell for path in write_csvs(collection, tmp_path / "csv")
             for row in csv.reader(path.open(encoding="utf-8-sig", newline="")) for cell in row]
    assert any(LINK in cell for cell in cells)
    assert [cell for cell in cells if dangerous(cell) and not cell.startswith("'")] == []
