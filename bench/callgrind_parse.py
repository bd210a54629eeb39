"""Instructions a parse, by valgrind's callgrind (the same count on a busy or a quiet machine).

    python bench/callgrind_parse.py              # prints "N.N M instructions a parse"
    python bench/callgrind_parse.py OTHER/src    # the same, parsing with another checkout's code

Builds 11 distinct coventry-warwickshire returns as bench/run.py does (with the code measured), then runs a child
interpreter under callgrind twice: once parsing the first return (warming the registry and the layout's plan),
once parsing it and the next ten. The difference, divided by ten, is the cost of one parse on a warm process, as
a collection's worker parses its files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# bench/run.py's synthesise(), with the code measured (bench/run.py puts this checkout's src first on the path)
SYNTHESISE = """
import random, sys
sys.path.insert(0, {src!r})
from datetime import UTC, datetime
from pathlib import Path
from maturity_xl.batch import Template
from maturity_xl.generate import Service
from maturity_xl.simulate import filled_workbook, random_answers
from maturity_xl.spec import load_framework
fw = load_framework("coventry-warwickshire")
template = Template(fw, generated_at=datetime(2026, 11, 1, tzinfo=UTC))
rng = random.Random(11)
folder = Path({folder!r})
folder.mkdir(parents=True)
for i in range(11):
    blank = template.personalise(Service(f"S{{i:05d}}", f"Service number {{i}}"))
    (folder / f"return-{{i:05d}}.xlsx").write_bytes(filled_workbook(fw, blank, random_answers(fw, rng)))
"""

CHILD = """
import sys
sys.path.insert(0, {src!r})
from pathlib import Path
from maturity_xl.parse import parse
paths = sorted(Path({folder!r}).glob("*.xlsx"))[:{count}]
for path in paths:
    response = parse(path)
    assert not response.rejected and not [p for p in response.problems if p.severity != "info"], response.problems
"""


def instructions(src: Path, folder: Path, count: int, out: Path) -> int:
    code = CHILD.format(src=str(src), folder=str(folder), count=count)
    # A fixed hash seed: string hashing (and so dict and set order) otherwise moves the count by about 1%.
    # The bundled specs' cache off: the first child would otherwise fill it, and the second read it, so the
    # difference would count the cache's saving, not a parse (a tree not run before: -11.1 M).
    env = {**os.environ, "PYTHONHASHSEED": "0", "MATURITY_XL_CACHE": "off"}
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", code],
                   check=True, capture_output=True, env=env)
    summary = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
    assert summary, out
    return int(summary.group(1))


def main() -> None:
    src = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "src"
    # Byte-compiled first, as an installed package is: where PYTHONDONTWRITEBYTECODE is set (this machine), a tree
    # never compiled has each child compile what it imports, and a module first imported by a later parse puts its
    # compiling in the difference.
    import compileall

    compileall.compile_dir(str(src / "maturity_xl"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # made by the code measured: its layout digest is the one that parser knows
        code = SYNTHESISE.format(src=str(src), folder=str(work / "returns"))
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(src)})
        one = instructions(src, work / "returns", 1, work / "one.out")
        eleven = instructions(src, work / "returns", 11, work / "eleven.out")
    print(f"{(eleven - one) / 10 / 1e6:.1f} M instructions a parse")


if __name__ == "__main__":
    main()
