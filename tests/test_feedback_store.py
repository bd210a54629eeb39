"""`feedback --store`: packs from a programme store's round, read without opening a workbook, each with the change
since the round before for a service that returned in both (issues 12 and 13)."""

from __future__ import annotations

import csv
import random
from datetime import date

from click.testing import CliRunner

from conftest import PINNED
from maturity_xl.batch import generate_batch
from maturity_xl.cli import main
from maturity_xl.collect import collect
from maturity_xl.generate import Service
from maturity_xl.report.changes import change_words
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.store import Store


def test_packs_from_a_store_show_change_since_the_round_before(frameworks, tmp_path):
    fw = frameworks["lincolnshire"]
    services = [Service(f"L{i}", f"Service {i}") for i in range(3)]
    manifest = generate_batch(fw, services, tmp_path / "sent", generated_at=PINNED)
    files = [tmp_path / "sent" / row["file"] for row in csv.DictReader(manifest.open(encoding="utf-8"))]
    rng = random.Random(3)
    means = {}
    for year, count in (("2025", 2), ("2026", 3)):  # L2 returns only in 2026
        inbox = tmp_path / year
        inbox.mkdir()
        for i in range(count):
            answers = random_answers(fw, rng, completion=1.0, completed_on=date(int(year), 10, 1),
                                     completed_by="A. Patel")
            (inbox / files[i].name).write_bytes(filled_workbook(fw, files[i].read_bytes(), answers))
            area = fw.areas[0]
            values = [answers.ratings[s.id] for s in area.statements]
            means[(year, services[i].id)] = sum(values) / len(values)
        with Store(tmp_path / "programme.db") as store:
            store.add(collect([inbox], today=date(2026, 12, 1), workers=1), round=year)
    out = tmp_path / "feedback"
    result = CliRunner().invoke(main, ["feedback", "--store", str(tmp_path / "programme.db"), "--round", "2026",
                                       "--out-dir", str(out), "--no-pdf", "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8-sig")))
    assert sorted(r["service_id"] for r in rows) == ["L0", "L1", "L2"]
    for row in rows:
        page = (out / row["html"]).read_text(encoding="utf-8") if not row["html"].startswith("/") else \
            open(row["html"], encoding="utf-8").read()
        if row["service_id"] == "L2":  # nothing to compare with
            assert "Change since the last round" not in page
            continue
        assert "Change since the last round" in page
        change = means[("2026", row["service_id"])] - means[("2025", row["service_id"])]
        assert change_words(change) in page


def test_feedback_takes_returns_or_a_store_not_both(tmp_path):
    (tmp_path / "programme.db").write_bytes(b"")
    both = CliRunner().invoke(main, ["feedback", str(tmp_path), "--store", str(tmp_path / "programme.db")])
    neither = CliRunner().invoke(main, ["feedback"])
    assert both.exit_code == neither.exit_code == 2
