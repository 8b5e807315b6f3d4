"""How ``geo map`` scales on hostile inputs: time and peak RSS at 1x, 2x and 4x.

Each case (issue 18, item 6) is built at three sizes and mapped in its own process with a
time limit; the ratio to the size before shows whether the cost is near-linear (the
target: within 2.5x per doubling).

- ``conflicts``: one-line reports, half saying Igoeti is 30 km from Tbilisi, half 45 km.
- ``repeated``: the same sentence in every one of many documents (same-event merging).
- ``unpunctuated``: one document of words with no full stop and no line break.
- ``lines``: one file of many short lines.

Usage::

    python bench/scaling.py [--cases conflicts,repeated,unpunctuated,lines] [--scale 1]
                            [--timeout 300] [--jobs 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: Base sizes (the 1x input of each case); ``--scale`` multiplies them.
BASE: dict[str, int] = {
    "conflicts": 500,  # documents
    "repeated": 1500,  # documents
    "unpunctuated": 250_000,  # bytes
    "lines": 100_000,  # lines
}
WORDS = "the convoy moved slowly along the road near Gori while villagers watched and waited "


def _front(doc: str, body: str) -> str:
    return f"---\nid: {doc}\npublished: 2008-08-19\n---\n{body}\n"


def build_conflicts(folder: Path, n: int) -> None:
    with (folder / "claims.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(n):
            km = 30 if i % 2 else 45
            text = f"Russian troops held a checkpoint at Igoeti, {km} km from Tbilisi."
            record = {"id": f"c{i}", "published": "2008-08-19", "text": text}
            handle.write(json.dumps(record) + "\n")


def build_repeated(folder: Path, n: int) -> None:
    text = "Russian tanks drove out of Gori on Tuesday, heading north to Tskhinvali."
    with (folder / "same.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(n):
            record = {"id": f"r{i}", "published": "2008-08-19", "text": text}
            handle.write(json.dumps(record) + "\n")


def build_unpunctuated(folder: Path, size: int) -> None:
    body = (WORDS * (size // len(WORDS) + 1))[:size]
    (folder / "wall.txt").write_text(_front("wall", body), encoding="utf-8")


def build_lines(folder: Path, n: int) -> None:
    line = "Troops near Gori\n"
    (folder / "lines.txt").write_text(_front("lines", line * n), encoding="utf-8")


BUILDERS: dict[str, Callable[[Path, int], None]] = {
    "conflicts": build_conflicts,
    "repeated": build_repeated,
    "unpunctuated": build_unpunctuated,
    "lines": build_lines,
}

RUN = """
import json, resource, sys, time
from geo.cli import main
started = time.perf_counter()
code = main(["-q", "map", sys.argv[1], "-o", sys.argv[2], "--jobs", sys.argv[3]])
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "rss": max(rss, workers)}))
"""


def _size(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def measure(case: str, n: int, timeout: float, jobs: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        inputs, out = Path(folder) / "in", Path(folder) / "out"
        inputs.mkdir()
        BUILDERS[case](inputs, n)
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", RUN, str(inputs), str(out), jobs],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                cwd=folder,  # so that PYTHONPATH, not this checkout, says which geo runs
            )
        except subprocess.TimeoutExpired:
            return f"over {timeout:.0f} s (stopped)"
        if done.returncode != 0 or not done.stdout.strip():
            tail = (done.stderr.strip().splitlines() or ["failed"])[-1]
            return f"failed after {time.perf_counter() - started:.1f} s: {tail}"
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        checks = out / "checks.csv"
        return (
            f"{figures['seconds']:7.1f} s  peak RSS {figures['rss']:6.0f} MB  "
            f"input {_size(inputs):6.1f} MB  output {_size(out):6.1f} MB"
            + (f" (checks.csv {checks.stat().st_size / 1e6:.2f} MB)" if checks.exists() else "")
            + f"  exit {figures['code']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(BUILDERS), help="comma-separated cases")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the 1x sizes")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--jobs", default="1", help="--jobs of the map runs")
    args = parser.parse_args()
    for case in args.cases.split(","):
        if case not in BUILDERS:
            parser.error(f"unknown case {case!r}: choose from {', '.join(BUILDERS)}")
        print(f"\n{case}")
        for factor in (1, 2, 4):
            n = int(BASE[case] * args.scale * factor)
            print(f"  {factor}x ({n:>9,}): {measure(case, n, args.timeout, args.jobs)}", flush=True)


if __name__ == "__main__":
    main()
