"""The blank workbooks as LibreOffice prints them (issue 14): the wide action plan two pages across with the id and
statement repeated, and each sheet's title clear of its subtitle."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest

from libreoffice import convert, soffice
from maturity_xl.generate import generate
from maturity_xl.layout import Layout

pytestmark = pytest.mark.skipif(soffice() is None or shutil.which("pdftotext") is None,
                                reason="LibreOffice and pdftotext are needed")


@pytest.fixture(scope="module")
def printed(frameworks, tmp_path_factory):
    """Each framework's blank workbook and the text of each page LibreOffice prints from it."""
    folder = tmp_path_factory.mktemp("print")
    books = {}
    for fid, fw in frameworks.items():
        books[fid] = folder / f"{fid}.xlsx"
        generate(fw, books[fid])
    pdfs = convert(list(books.values()), "pdf", folder / "pdf")
    pages = {}
    for fid, pdf in zip(books, pdfs, strict=True):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages[fid] = text.split("\f")
    return books, pages


def test_the_wide_action_plan_prints_two_pages_across_with_id_and_statement_on_each(frameworks, printed):
    books, pages = printed
    fw = frameworks["lincolnshire"]
    layout = Layout(fw)
    first = fw.statements[0]
    last_header = layout.plan_columns[-1].header
    left = [p for p in pages["lincolnshire"] if "Gap" in p.split() and layout.plan_columns[-1].header not in p]
    right = [p for p in pages["lincolnshire"] if last_header in p and "Target (next level)" not in p]
    # The plan's first and last columns never share a page, and each half has the same number of pages.
    assert left and len(left) == len(right)
    # The right-hand half repeats the ids and the statements' words.
    assert first.id in right[0].split()
    assert " ".join(first.text.split()[:3]) in " ".join(right[0].split())
    with zipfile.ZipFile(books["lincolnshire"]) as z:
        workbook = z.read("xl/workbook.xml").decode()
        plan = z.read("xl/worksheets/sheet3.xml").decode()
    assert re.search(r"_xlnm.Print_Titles\" localSheetId=\"2\">'Action plan'!\$A:\$B,", workbook)
    assert 'fitToWidth="2"' in plan and 'pageOrder="overThenDown"' in plan and 'orientation="landscape"' in plan


def test_narrower_action_plans_print_one_page_across(frameworks, printed):
    _, pages = printed
    for fid in ("coventry-warwickshire", "progress-for-providers"):
        last_header = Layout(frameworks[fid]).plan_columns[-1].header
        plan_pages = [p for p in pages[fid] if "Gap" in p.split()]
        assert plan_pages and all(last_header.split()[0] in p for p in plan_pages), fid


@pytest.mark.parametrize("fid", ["progress-for-providers", "coventry-warwickshire", "lincolnshire"])
def test_titles_have_a_row_tall_enough_and_subtitles_wrap(fid, printed):
    books, _ = printed
    with zipfile.ZipFile(books[fid]) as z:
        for n in range(1, 5):
            xml = z.read(f"xl/worksheets/sheet{n}.xml").decode()
            rows = dict(re.findall(r'<row r="(\d+)"[^>]*? ht="([\d.]+)"', xml))
            assert float(rows["1"]) >= 16 * 1.4, f"sheet{n}: a 16-point title needs a taller row"
            assert float(rows["2"]) >= 12.75, f"sheet{n}"
