"""The embedded example, end to end: generate, mail-merge, simulate returns, collect, report.

It shows a programme team the whole job on a dozen example services, including what real collections meet:
a service that has not returned, a duplicate attachment, a resubmission, a stray non-workbook and a lock file.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from .batch import generate_batch, read_services
from .generate import generate
from .simulate import filled_workbook, random_answers
from .spec import bundled_frameworks

TODAY = date(2026, 11, 22)


def example_services() -> Path:
    return Path(str(resources.files("maturity_xl") / "examples" / "services.csv"))


def run_demo(out_dir: Path, seed: int = 2026) -> Iterator[str]:
    from .collect import collect
    from .report import write_csvs, write_html, write_workbook

    rng = random.Random(seed)
    services = read_services(example_services())
    stamp = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    returns = out_dir / "returns"
    if returns.exists():
        shutil.rmtree(returns)  # our own simulated returns from a previous demo run
    returns.mkdir(parents=True)
    manifests = []
    for fw in bundled_frameworks():
        out_dir.mkdir(parents=True, exist_ok=True)
        generate(fw, out_dir / f"{fw.id}.xlsx", generated_at=stamp)
        folder = out_dir / "mailmerge" / fw.id
        manifest = generate_batch(fw, services, folder, generated_at=stamp)
        manifests.append(manifest)
        yield f"generated {fw.id} {fw.version}: {out_dir / f'{fw.id}.xlsx'} and {len(services)} personalised " \
              f"workbooks in {folder}"
        sent = list(csv.DictReader(manifest.open(encoding="utf-8")))
        missing = set(rng.sample(range(len(sent)), 2))
        target = returns / fw.id
        target.mkdir()
        for i, row in enumerate(sent):
            if i in missing:
                continue
            blank = (folder / row["file"]).read_bytes()
            # Most services rate every statement; every fifth leaves some for later (an incomplete return).
            answers = random_answers(fw, rng, completed_on=date(2026, 10, 1 + i),
                                     completion=0.7 if i % 5 == 4 else 1.0)
            (target / row["file"]).write_bytes(filled_workbook(fw, blank, answers))
        yield f"simulated {len(sent) - len(missing)} returns for {fw.id} in {target} ({len(missing)} not returned)"
    _messy_extras(returns, rng)
    yield ("added the usual litter: a duplicate attachment, a resubmission, a workbook returned blank, a covering "
           "note and an Excel lock file")
    collection = collect([returns], expected=manifests, today=TODAY)
    write_workbook(collection, out_dir / "report.xlsx")
    write_html(collection, out_dir / "report.html")
    write_csvs(collection, out_dir / "csv")
    counts = ", ".join(f"{n} {s}" for s, n in collection.counts().items() if n)
    yield f"collected {len(collection.log)} files: {counts}; {len(collection.missing)} returns missing"
    yield f"wrote {out_dir / 'report.xlsx'}, {out_dir / 'report.html'} and CSVs in {out_dir / 'csv'}"


def _messy_extras(returns: Path, rng: random.Random) -> None:
    """What a shared inbox folder really holds besides clean returns."""
    from .spec import load_framework

    first = sorted((returns / "lincolnshire").glob("*.xlsx"))
    if len(first) >= 2:
        shutil.copy(first[0], returns / "lincolnshire" / f"{first[0].stem} (1).xlsx")
        fw = load_framework("lincolnshire")
        blank = (returns.parent / "mailmerge" / "lincolnshire" / first[1].name).read_bytes()
        from .parse import parse

        first_return = parse(first[1])
        again = random_answers(fw, rng, completed_on=date(2026, 11, 15),
                               completed_by=str(first_return.respondent.get("completed_by") or "") or None)
        (returns / "lincolnshire" / f"{first[1].stem} - updated.xlsx").write_bytes(
            filled_workbook(fw, blank, again))
        (returns / "lincolnshire" / f"~${first[0].name}").write_bytes(b"\x00" * 162)
    sent = sorted((returns.parent / "mailmerge" / "coventry-warwickshire").glob("*.xlsx"))
    back = {p.name for p in (returns / "coventry-warwickshire").glob("*.xlsx")}
    unreturned = [p for p in sent if p.name not in back]
    if unreturned:  # a service that sends its workbook back as it was sent
        shutil.copy(unreturned[0], returns / "coventry-warwickshire" / unreturned[0].name)
    (returns / "covering note.txt").write_text("Please find our self-assessment attached.\n", encoding="utf-8")
