"""Instructions a parse, by valgrind's callgrind (the same figure on a busy or a quiet machine).

    python bench/instructions.py            # about 3 minutes on a quiet machine

Ten returns are synthesised as bench/run.py makes them (coventry-warwickshire, random answers, a fixed seed) and
each parsed once to warm caches; the script then runs under callgrind twice, once stopping there and once parsing
each return three more times, and the difference over the thirty parses is one parse's cost. Runs of the same code
agree to within about 0.3 M.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSES, RETURNS = 3, 10


def child(mode: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from maturity_xl.batch import Template
    from maturity_xl.generate import Service
    from maturity_xl.parse import parse
    from maturity_xl.simulate import filled_workbook, random_answers
    from maturity_xl.spec import load_framework

    fw = load_framework("coventry-warwickshire")
    template = Template(fw, generated_at=datetime(2026, 11, 1, tzinfo=UTC))
    rng = random.Random(20)
    returns = [filled_workbook(fw, template.personalise(Service(f"S{i:05d}", f"Service number {i}")),
                               random_answers(fw, rng)) for i in range(RETURNS)]
    for data in returns:
        assert not parse(data, name="x.xlsx").rejected
    if mode == "measure":
        for _ in range(PASSES):
            for data in returns:
                parse(data, name="x.xlsx")


def total(mode: str, folder: Path) -> int:
    out = folder / f"callgrind.{mode}"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", os.path.realpath(sys.executable),
                    __file__, mode], check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return next(int(line.split()[1]) for line in out.read_text().splitlines() if line.startswith("totals:"))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            per_parse = (total("measure", Path(tmp)) - total("warm", Path(tmp))) / (PASSES * RETURNS)
        print(f"{per_parse / 1e6:.2f} M instructions a parse")
