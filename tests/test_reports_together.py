"""The reports of a run put in place together (outputs.write_reports): a failure in any writer leaves every report
as it was and nothing behind; `report --store` writes the same way and never over the store."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner

from maturity_xl.cli import main


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def collected(tmp_path, frameworks, generated):
    """Three filled returns collected once, with every report."""
    import random

    from maturity_xl.simulate import filled_workbook, random_answers

    fw = frameworks["lincolnshire"]
    folder = tmp_path / "returns"
    folder.mkdir()
    rng = random.Random(3)
    for i in range(3):
        blank = generated["lincolnshire"].read_bytes()
        (folder / f"r{i}.xlsx").write_bytes(filled_workbook(fw, blank, random_answers(fw, rng)))
    out = tmp_path / "out"
    result = invoke("collect", folder, "-o", out / "report.xlsx", "--html", out / "report.html",
                    "--csv-dir", out / "csv")
    assert result.exit_code == 0, result.output
    return folder, out


def _state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("failing", ["write_workbook", "write_html", "write_csvs"])
def test_a_failure_in_any_writer_leaves_every_report_as_it_was(collected, monkeypatch, failing):
    import maturity_xl.report as report

    folder, out = collected
    before = _state(out)

    def full(_collection, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report, failing, full)
    result = invoke("collect", folder, "-o", out / "report.xlsx", "--html", out / "report.html",
                    "--csv-dir", out / "csv")
    assert result.exit_code == 1 and "the disk is full" in result.output, result.output
    assert _state(out) == before  # not one report replaced, and no temporary file left
    assert sorted(p.name for p in out.iterdir()) == ["csv", "report.html", "report.xlsx"]


def test_report_from_a_store_never_writes_over_the_store(tmp_path, collected):
    folder, out = collected
    store = tmp_path / "programme.db"
    result = invoke("collect", folder, "--store", store, "--round", "2026", "-o", out / "report.xlsx")
    assert result.exit_code == 0, result.output
    kept = store.read_bytes()
    for option, path in (("-o", store), ("--html", store), ("--csv-dir", tmp_path)):
        result = invoke("report", "--store", store, option, path)
        assert result.exit_code == 1 and "programme store" in result.output, (option, result.output)
    assert store.read_bytes() == kept
    result = invoke("collect", folder, "--store", store, "-o", store)
    assert result.exit_code == 1 and "would replace the store" in result.output
    assert store.read_bytes() == kept
    result = invoke("report", "--store", store, "-o", out / "r.xlsx", "--html", out / "r.html", "--csv-dir",
                    out / "store-csv")
    assert result.exit_code == 0, result.output
    assert (out / "r.xlsx").stat().st_size and (out / "r.html").stat().st_size
    assert (out / "store-csv" / "area_trend.csv").exists()

