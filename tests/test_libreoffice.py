"""The LibreOffice harness itself: it must really recalculate, convert batches, and never report a missing file
as converted. Every other LibreOffice test trusts these properties."""

from __future__ import annotations

import os
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from libreoffice import convert, pdf_to_png, recalculated, soffice

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

if soffice() is None and not IN_CI:
    pytest.skip("LibreOffice is not installed (scripts/test.sh installs it)", allow_module_level=True)


@pytest.fixture(autouse=True, scope="module")
def _libreoffice_present():
    if soffice() is None:  # only reached in CI, where a skip would hide every LibreOffice check
        pytest.fail("CI is set but LibreOffice (soffice) is not installed: scripts/test.sh should have installed it")


def product_workbook(path: Path, a1: float = 2, a2: float = 3, cached: float = 0) -> Path:
    """A1, A2 and A3 = A1*A2 whose cached value is deliberately wrong (`cached`)."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1")
    ws.write_number("A1", a1)
    ws.write_number("A2", a2)
    ws.write_formula("A3", "=A1*A2", None, cached)
    wb.close()
    return path


def value(path: Path, ref: str = "A3"):
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return wb["Sheet1"][ref].value
    finally:
        wb.close()


def formula(path: Path, ref: str = "A3"):
    wb = openpyxl.load_workbook(path)
    try:
        return wb["Sheet1"][ref].value
    finally:
        wb.close()


@pytest.fixture
def wrong(tmp_path) -> Path:
    path = product_workbook(tmp_path / "wrong.xlsx")
    assert value(path) == 0  # the precondition: the file itself says 0
    return path


def test_recalc_replaces_wrong_cached_value(wrong, tmp_path):
    [out] = convert([wrong], "xlsx", tmp_path / "out", recalc=True)
    assert out == (tmp_path / "out" / "wrong.xlsx").resolve()
    assert value(out) == 6
    assert formula(out) == "=A1*A2"  # still a formula, not a pasted value


def test_without_recalc_the_wrong_value_survives(wrong, tmp_path):
    """Proves it is the profile setting that recalculates: without it LibreOffice keeps the cached 0."""
    [out] = convert([wrong], "xlsx", tmp_path / "out", recalc=False)
    assert value(out) == 0
    assert formula(out) == "=A1*A2"


@pytest.mark.parametrize("to", ['xlsx:"Calc MS Excel 2007 XML"', "xlsx:Calc MS Excel 2007 XML"])
def test_explicit_filter_name(to, wrong, tmp_path):
    """The shell-quoted form must work too: through argv its quotes would otherwise be part of the name."""
    [out] = convert([wrong], to, tmp_path / "out")
    assert out.name == "wrong.xlsx"
    assert value(out) == 6


def test_recalculated_helper(wrong, tmp_path):
    out = recalculated(wrong, tmp_path / "work")
    assert out.parent == (tmp_path / "work").resolve() and value(out) == 6


def test_ods_output_recalculated(wrong, tmp_path):
    [ods] = convert([wrong], "ods", tmp_path / "ods")
    assert ods.suffix == ".ods"
    # Read the ODS itself: converting it back would not prove anything, because LibreOffice recalculates
    # ODS files on load even without the profile setting.
    content = zipfile.ZipFile(ods).read("content.xml").decode("utf-8")
    cells = re.findall(r"<table:table-cell[^>]*table:formula=[^>]*>", content)
    assert len(cells) == 1 and 'office:value="6"' in cells[0], cells


def test_pdf_and_pictures(wrong, tmp_path):
    [pdf] = convert([wrong], "pdf", tmp_path / "pdf")
    assert pdf.suffix == ".pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = pdf_to_png(pdf, tmp_path / "png", dpi=30)
    assert len(pages) >= 1
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)


def test_batch_in_one_call_keeps_input_order(tmp_path):
    inputs = [product_workbook(tmp_path / f"in{i}.xlsx", a1=a1, a2=10) for i, a1 in enumerate((7, 1, 4))]
    started = time.perf_counter()
    outputs = convert(inputs, "xlsx", tmp_path / "out")
    elapsed = time.perf_counter() - started
    assert [o.name for o in outputs] == ["in0.xlsx", "in1.xlsx", "in2.xlsx"]
    assert [value(o) for o in outputs] == [70, 10, 40]
    print(f"3 files in one soffice call: {elapsed:.2f} s")


def test_missing_output_raises_naming_it(tmp_path):
    """LibreOffice exits 0 when it cannot load a file; the harness must say so, and a stale output from an
    earlier run must not pass for a fresh one."""
    good = product_workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    out = tmp_path / "out"
    out.mkdir()
    (out / "broken.xlsx").write_bytes(b"stale")
    with pytest.raises(RuntimeError, match=r"broken\.xlsx") as caught:
        convert([good, bad], "xlsx", out)
    assert "good.xlsx" not in str(caught.value).split("output(s) in")[1].split("(exit")[0]
    assert not (out / "broken.xlsx").exists()
    assert value(out / "good.xlsx") == 6


def test_refuses_to_overwrite_inputs_or_collide(tmp_path):
    a = product_workbook(tmp_path / "same.xlsx")
    (tmp_path / "other").mkdir()
    b = product_workbook(tmp_path / "other" / "same.xlsx")
    with pytest.raises(ValueError, match="separate outdir"):
        convert([a], "xlsx", tmp_path)
    with pytest.raises(ValueError, match="same name"):
        convert([a, b], "xlsx", tmp_path / "out")
    assert value(a) == 0  # untouched


def test_timeout_kills_libreoffice(wrong, tmp_path):
    out = tmp_path / "slow-out"
    with pytest.raises(RuntimeError, match="longer than"):
        convert([wrong], "xlsx", out, timeout=0.2)
    time.sleep(0.5)
    survivors = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if str(out.resolve()).encode() in cmdline:
                survivors.append(proc.name)
    assert survivors == []
