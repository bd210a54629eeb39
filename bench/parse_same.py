"""Does this checkout parse returns exactly as another (main) does? Every Response compared field by field.

    python bench/parse_same.py /work/main/src                 # this checkout's src against main's
    python bench/parse_same.py /work/main/src FOLDER...        # other folders of returns (first 1,000 of each)

By default: the first 1,000 of /tmp/perf/in1000 and /tmp/perf/own10000, then returns the test suite builds (its
hostile corpus, good returns, a return of every bundled framework at several completions, good returns with
one edit each to the XML of a sheet's cells) written once to
/tmp/parse-same-corpus. Each checkout parses every file in the same order in a child process of its own (so the
memos of reading/ warm up as in a collection) and pickles the Responses; the parent compares them. A difference
is printed with the file and field (values compared with their types, and dicts in order); the exit status
is 1 if there is any.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/tmp/parse-same-corpus")

CHILD = """
import pickle, sys
sys.path.insert(0, {src!r})
from pathlib import Path
from maturity_xl.parse import parse
paths = [Path(line) for line in Path({listing!r}).read_text().splitlines()]
out = []
for path in paths:
    out.append(parse(path))
Path({out!r}).write_bytes(pickle.dumps(out))
"""

BUILD = """
import random, sys
sys.path[:0] = [{src!r}, {tests!r}]
from pathlib import Path
import corpus, workbook_helpers
folder = Path({folder!r})
good = folder / "good"
corpus.good_returns(good, count=150)
hostile = folder / "hostile"
hostile.mkdir(parents=True, exist_ok=True)
for make in corpus.CASES:
    try:
        case = make()
    except Exception as exc:  # a case that needs a tool this machine lacks
        print("skipped", make.__name__, exc)
        continue
    if case is not None:
        (hostile / case.name).write_bytes(case.data)
every = folder / "every"
every.mkdir(parents=True, exist_ok=True)
workbook_helpers.returns_of_every_framework(every, random.Random(5), (0.0, 0.3, 0.7, 1.0, 1.0, 0.95) * 3)
mutated = folder / "mutated"
mutated.mkdir(parents=True, exist_ok=True)
rng = random.Random(7)
EDITS = [(b'</c>', b''), (b'</row>', b'<!-- a note --></row>'), (b'<c r="', b'<x:c r="'), (b'<c r="D', b'<c r="d'),
         (b'"/>', b'"></c>'), (b'</row>', b'<?pi here?></row>'), (b'</c>', b'</c><c>'), (b'</v>', b'&amp;</v>'),
         (b'</c>', b'</c></c>'), (b'"/>', b'"/><c r="ZZ9"/>'), (b'<v>', b'<v>x'), (b'</t>', b'&#1;</t>'),
         (b'<row r="', b'<row r="0'), (b's="6"/>', b's="6" t="inlineStr"><is><t>pasted</t></is></c>'),
         (b'"/>', b'" />'), (b'</c>', b'</c >'), (b'<is>', b'<is><r><rPr><color rgb="FF0000"/></rPr>'),
         (b'<f>', b'<f>:c ')]
goods = sorted(good.glob("*.xlsx"))
for i in range(240):
    source = goods[i % len(goods)].read_bytes()
    old, new = EDITS[i % len(EDITS)]
    sheet = ("Assessment", "Action plan")[(i // len(EDITS)) % 2]
    part = corpus.sheet_part(source, sheet)
    def edit(xml, old=old, new=new):
        places = [j for j in range(len(xml)) if xml.startswith(old, j)][:400]
        at = rng.choice(places)
        return xml[:at] + new + xml[at + len(old):]
    (mutated / ("m%03d.xlsx" % i)).write_bytes(corpus.edit_parts(source, dict([(part, edit)])))
"""


def build_corpus() -> None:
    if CORPUS.exists():
        return
    tests = ROOT / "tests"
    subprocess.run([sys.executable, "-c", BUILD.format(src=str(ROOT / "src"), tests=str(tests), folder=str(CORPUS))],
                   check=True, cwd=tests)


def listing(folders: list[Path]) -> list[Path]:
    out: list[Path] = []
    for folder in folders:
        out += sorted(p for p in folder.rglob("*") if p.is_file())[:1000]
    return out


def parsed(src: Path, paths: list[Path], work: Path, tag: str) -> list:
    files = work / f"{tag}.txt"
    files.write_text("\n".join(map(str, paths)))
    out = work / f"{tag}.pickle"
    code = CHILD.format(src=str(src), listing=str(files), out=str(out))
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return pickle.loads(out.read_bytes())


def differences(a, b) -> list[str]:
    out = []
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x != y or _typed(x) != _typed(y):
            out.append(f"{f.name}: {x!r:.200} != {y!r:.200}")
    return out


def _typed(value: object) -> object:
    """`value` with the type of everything in it (so 1 and 1.0, or a str and a date, do not compare equal), and
    dicts in their order. (Not pickle's bytes: they differ when two equal strings are one object in one
    Response and two in the other, as the memos of decoded cells make them.)"""
    if isinstance(value, dict):
        return [(_typed(k), _typed(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, *map(_typed, value)]
    if hasattr(value, "__dataclass_fields__"):
        return [type(value).__name__, *(_typed(getattr(value, f.name)) for f in fields(value))]
    return type(value).__name__, value


def main() -> None:
    other = Path(sys.argv[1]).resolve()
    folders = [Path(a) for a in sys.argv[2:]]
    if not folders:
        build_corpus()
        folders = [Path("/tmp/perf/in1000"), Path("/tmp/perf/own10000"), CORPUS / "good", CORPUS / "hostile",
                   CORPUS / "every", CORPUS / "mutated"]
    paths = listing(folders)
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(other))  # the classes the pickles name: the same fields in both checkouts
        theirs = parsed(other, paths, Path(tmp), "theirs")
        ours = parsed(ROOT / "src", paths, Path(tmp), "ours")
    bad = 0
    for path, a, b in zip(paths, theirs, ours, strict=True):
        diff = differences(a, b)
        if diff:
            bad += 1
            print(path, *diff, sep="\n  ")
    print(f"{len(paths)} returns compared ({', '.join(str(f) for f in folders)}): {bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
