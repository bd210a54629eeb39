"""The whole job as a team waits for it: `maturity-xl collect FOLDER -o report.xlsx --html report.html --csv-dir
csv/`, run as the command itself (a child process of this one, PYTHONPATH pointing at a tree's src), timed from
start to exit, with the memory of all its processes (the collecting process and its workers) sampled together.

Beside it, `pandas.read_excel(path, sheet_name=None)` on files of the same run: what an analyst's loop over the
returns costs before any report is written. And a breakdown by phase (another child: files to frames, each report)
to say where the time goes; the end-to-end figure is the one the target is about.

Each tree is byte-compiled first (`compileall`, into its own __pycache__ folders), as `pip install` does for an
installed package: without it, where PYTHONDONTWRITEBYTECODE is set (this machine sets it), every run would compile
the package's modules from source again, about 0.35 s of CPU that no installed copy spends.

Memory: in a run of its own (the timed runs are not sampled), every 50 ms the tree's processes are listed and two
sums kept, of resident sets (RSS: a page shared by the collecting process and a forked worker counts twice, so it
overstates) and of proportional sets (PSS, from /proc/PID/smaps_rollup: a shared page split between its sharers, so
the sum is the memory the job takes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_tree(command: list[str], env: dict[str, str], sample: bool = True) -> dict:
    """Run `command`, sampling its process tree's memory (unless `sample` is false: reading /proc/PID/smaps_rollup
    takes the process's memory lock and slows it, so the timed runs are not sampled); returns seconds, peak RSS
    and PSS sums (MB), the most processes seen at once, and the child's exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak_rss = peak_pss = most = 0
    while sample and proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = pss = 0
        for p in tree:
            try:
                rss += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            pss += _pss_kb(p.pid) * 1024
        peak_rss, peak_pss, most = max(peak_rss, rss), max(peak_pss, pss), max(most, len(tree))
        time.sleep(SAMPLE_SECONDS)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_mb": peak_rss / 2**20, "pss_mb": peak_pss / 2**20, "processes": most,
            "code": proc.returncode, "stdout": out.decode(errors="replace"), "stderr": err.decode(errors="replace")}


def compiled(src: Path) -> None:
    """The tree's modules byte-compiled, as an installed package's are (see the module's docstring)."""
    import compileall

    compileall.compile_dir(str(src / "maturity_xl"), quiet=1)


def collect_cli(src: Path, folder: Path, out: Path, sample: bool = True) -> dict:
    """`maturity-xl collect` with every report, as a user runs it, from the tree at `src`."""
    compiled(src)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "maturity_xl", "collect", str(folder), "-o", str(out / "report.xlsx"),
               "--html", str(out / "report.html"), "--csv-dir", str(out / "csv")]
    result = run_tree(command, env, sample)
    if result["code"] != 0:
        raise RuntimeError(f"collect exited {result['code']}: {result['stderr'][-2000:]}")
    for name in ("report.xlsx", "report.html", "csv/ratings.csv"):
        assert (out / name).stat().st_size > 0, name
    return result


def pandas_per_file(paths: list[Path]) -> float:
    """Seconds per file of pandas.read_excel(path, sheet_name=None) (openpyxl), one core, over `paths`."""
    import pandas as pd

    start = time.perf_counter()
    for path in paths:
        pd.read_excel(path, sheet_name=None)
    return (time.perf_counter() - start) / len(paths)


PHASES_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
start = time.perf_counter()
from maturity_xl.collect import collect
from maturity_xl.report import write_csvs, write_html, write_workbook
imported = time.perf_counter()
c = collect([{folder!r}])
read = time.perf_counter()
f = c.frames()
f.ratings, f.actions, f.responses
frames = time.perf_counter()
out = Path({out!r})
write_workbook(c, out / "report.xlsx")
xlsx = time.perf_counter()
write_html(c, out / "report.html")
html = time.perf_counter()
(out / "csv").mkdir(exist_ok=True)
write_csvs(c, out / "csv")
end = time.perf_counter()
print(json.dumps({{"imports": imported - start, "read": read - imported, "frames": frames - read,
                   "xlsx": xlsx - frames, "html": html - xlsx, "csv": end - html, "accepted": len(c.heads)}}))
"""


def phases(src: Path, folder: Path, out: Path) -> dict:
    """Where the time goes: the same job in one child, timed phase by phase."""
    compiled(src)
    out.mkdir(parents=True, exist_ok=True)
    code = PHASES_CHILD.format(src=str(src), folder=str(folder), out=str(out))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def end_to_end(row, src: Path, folder: Path, n: int, work: Path, pandas_sample: list[Path],
               repeat: int = 2) -> dict:
    """The whole job on `n` returns, best of `repeat` (a shared machine's noise only ever adds), with pandas on
    `pandas_sample` between the runs, and the phase breakdown; adds rows to the table through `row`."""
    runs, pandas_runs = [], []
    for _ in range(repeat):
        runs.append(collect_cli(src, folder, work / f"e2e-{n}", sample=False))
        pandas_runs.append(pandas_per_file(pandas_sample))
    best = min(runs, key=lambda r: r["seconds"])
    per = best["seconds"] / n
    pandas = min(pandas_runs)
    sampled = collect_cli(src, folder, work / f"e2e-{n}", sample=True)  # memory, in a run of its own
    peak_pss, peak_rss = sampled["pss_mb"], sampled["rss_mb"]
    row(f"end to end, {n:,} returns: `maturity-xl collect` to report.xlsx, report.html and the CSVs",
        f"{best['seconds']:.1f} s, **{per * 1000:.2f} ms a return**",
        f"(best of {repeat}; target 4 ms; pandas.read_excel {pandas * 1000:.1f} ms a file, measured on "
        f"{len(pandas_sample)} of them: **{pandas / per:.1f}x**)")
    row(f"  peak memory, all processes, {n:,} returns", f"**{peak_pss:.0f} MB** (sum of PSS)",
        f"(sum of RSS {peak_rss:.0f} MB, counting pages shared with the workers twice; up to "
        f"{sampled['processes']} processes; target 500 MB; sampled every {SAMPLE_SECONDS * 1000:.0f} ms in a run "
        f"of its own, {sampled['seconds'] / n * 1000:.1f} ms a return)")
    p = phases(src, folder, work / f"phases-{n}")
    assert p["accepted"] == n, p
    row("  where the time goes (one more run, phase by phase)",
        ", ".join(f"{k} {p[k] / n * 1000:.2f}" for k in ("imports", "read", "frames", "xlsx", "html", "csv"))
        + " ms a return")
    return {"per": per, "pandas": pandas, "pss_mb": peak_pss, "rss_mb": peak_rss, "phases": p}


def alternately(trees: dict[str, tuple[Path, Path]], n: int, work: Path, rounds: int = 3) -> dict[str, list[float]]:
    """`maturity-xl collect` with every report, each tree's (label: (src, returns folder)) in turn, `rounds` times:
    seconds a return of each run, by tree. Alternating run by run, a swing of the machine's speed falls on both
    trees alike, which the best of runs made one tree after the other did not."""
    seconds: dict[str, list[float]] = {label: [] for label in trees}
    for _ in range(rounds):
        for label, (src, folder) in trees.items():
            seconds[label].append(collect_cli(src, folder, work / f"alt-{n}", sample=False)["seconds"] / n)
    return seconds
