"""Instructions a parse, by valgrind's callgrind (the same count on a busy or a quiet machine).

    python bench/callgrind_parse.py          # prints "N.N M instructions a parse"

Builds 12 distinct coventry-warwickshire returns as bench/run.py does, then runs a child interpreter under
callgrind twice: once parsing the first return (warming the registry and the layout's plan), once parsing it and
the next ten. The difference, divided by ten, is the cost of one parse on a warm process, as a collection's worker
parses its files.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

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


def instructions(folder: Path, count: int, out: Path) -> int:
    code = CHILD.format(src=str(ROOT / "src"), folder=str(folder), count=count)
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", code],
                   check=True, capture_output=True)
    summary = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
    assert summary, out
    return int(summary.group(1))


def main() -> None:
    from run import synthesise  # bench/run.py's returns

    from maturity_xl.spec import load_framework

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        synthesise(load_framework("coventry-warwickshire"), 11, work / "returns")
        one = instructions(work / "returns", 1, work / "one.out")
        eleven = instructions(work / "returns", 11, work / "eleven.out")
    print(f"{(eleven - one) / 10 / 1e6:.1f} M instructions a parse")


if __name__ == "__main__":
    main()
