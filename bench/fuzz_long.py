"""The long property-based run: every property of tests/test_properties.py with 10,000
examples (or ``--examples N``), outside the default test run.

Usage::

    python bench/fuzz_long.py [--examples 10000] [-k EXPRESSION] [--seed N]

Prints pytest's result and hypothesis' per-test statistics (examples run, time per
example), then the total wall time. Exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="per property")
    parser.add_argument("-k", dest="keyword", help="only the properties matching this")
    parser.add_argument("--seed", help="hypothesis seed, to repeat a run (default: random)")
    args = parser.parse_args()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        str(REPO / "tests" / "test_properties.py"),
    ]
    if args.keyword:
        command += ["-k", args.keyword]
    if args.seed:
        command.append(f"--hypothesis-seed={args.seed}")
    env = {**os.environ, "GEO_FUZZ_EXAMPLES": str(args.examples)}
    print(f"{args.examples} examples per property: {' '.join(command[2:])}", flush=True)
    started = time.perf_counter()
    code = subprocess.call(command, cwd=REPO, env=env)
    print(f"total wall time: {time.perf_counter() - started:.1f} s; pytest exit status {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
