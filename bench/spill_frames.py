"""The cost of the spill file, from either side: the workers' CPU (they pickle each return's answers) and the
collecting process's time to build the ratings and actions frames from it (it reads every return back).

    python bench/spill_frames.py /tmp/perf/in1000 /work/main/src src [--rounds 3]

Each round runs every source tree once, in a fresh interpreter, alternately (so a busy machine weighs on each
alike), and prints per tree: the collection's wall time, the workers' CPU (os.times of the children), and the
wall and CPU time of `frames().ratings` (which builds the actions frame and the scores in the same pass;
pandas is imported before, as the CLI imports it while the workers read).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

ONE = r"""
import json, os, sys, time
from pathlib import Path
from maturity_xl.collect import collect
import maturity_xl.frames  # pandas: imported beside the reading by the CLI (collect's `meanwhile`), not timed here
folder = Path(sys.argv[1])
before = os.times()
t = time.perf_counter()
c = collect([folder])
collected = time.perf_counter() - t
after = os.times()
t, cpu = time.perf_counter(), time.process_time()
frames = c.frames()
frames.ratings
frames.actions
wall, cpu = time.perf_counter() - t, time.process_time() - cpu
print(json.dumps({"returns": len(c.heads), "collect_s": collected,
                  "workers_cpu_s": after.children_user + after.children_system
                                   - before.children_user - before.children_system,
                  "frames_wall_s": wall, "frames_cpu_s": cpu, "rows": len(frames.ratings)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("trees", nargs="+", help="src folders to import maturity_xl from")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {tree: [] for tree in args.trees}
    for _ in range(args.rounds):
        for tree in args.trees:
            env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
            out = subprocess.run([sys.executable, "-c", ONE, args.folder], env=env, check=True,
                                 capture_output=True, text=True).stdout
            run = json.loads(out.strip().splitlines()[-1])
            runs[tree].append(run)
            print(tree, " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in run.items()),
                  flush=True)
    print("median per tree:")
    for tree, done in runs.items():
        keys = ("collect_s", "workers_cpu_s", "frames_wall_s", "frames_cpu_s")
        print(f"  {tree}: " + " ".join(f"{k}={statistics.median(r[k] for r in done):.3f}" for k in keys))


if __name__ == "__main__":
    main()
