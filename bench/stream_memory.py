"""Peak memory of large inputs: a 50 MB JSONL (with a broken line in the middle) read
streaming, and mapped end to end, against a 5 MB one to show how memory grows; issue 18's
target is ``--small-mb 50 --mb 500``: the large map's peak RSS within 20 % of the small's.

The documents are the real benchmark texts in ``../shared/benchmarks`` repeated under fresh
ids (or, where that folder is absent, sentences written for this script). Each measurement
runs in its own process and reports that process's peak RSS.

Usage::

    python bench/stream_memory.py [--mb 50] [--small-mb 5] [--jobs 1] [--skip-map]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO.parent / "shared" / "benchmarks"
FALLBACK = (
    "Armoured vehicles rolled out of Gori on Monday and headed north towards Tskhinvali.",
    "A checkpoint stood at Igoeti, roughly 45 km west of Tbilisi, witnesses said.",
)


def texts() -> list[str]:
    found = [
        json.loads(line)["text"]
        for path in sorted(BENCHMARKS.glob("*/*.jsonl"))
        for line in path.open(encoding="utf-8")
    ]
    return found or [" ".join(FALLBACK * 6)]


def write_jsonl(path: Path, megabytes: float) -> tuple[int, int]:
    """About ``megabytes`` MB of records with one broken line halfway; (lines, bytes)."""
    base = texts()
    target = int(megabytes * 1e6)
    size = lines = 0
    broken = False
    with path.open("w", encoding="utf-8") as handle:
        while size < target:
            if not broken and size >= target // 2:
                line = '{"id": "cut-short", "text": "this record never ends\n'
                broken = True
            else:
                record = {
                    "id": f"d{lines}",
                    "published": "2008-08-19",
                    "text": base[lines % len(base)],
                }
                line = json.dumps(record) + "\n"
            handle.write(line)
            size += len(line.encode("utf-8"))
            lines += 1
    return lines, size


READ_ONLY = """
import resource, sys, time
from geo.text._articles import Skipped, iter_articles
started = time.perf_counter()
read = skipped = 0
for item in iter_articles([sys.argv[1]]):
    read += 1
    skipped += isinstance(item, Skipped)
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{read} {skipped} {seconds:.2f} {rss:.1f} 0")
"""

MAP = """
import json, resource, sys, time
from geo.cli import main
started = time.perf_counter()
code = main(["-q", "map", sys.argv[1], "-o", sys.argv[2], "--jobs", sys.argv[3]])
seconds = time.perf_counter() - started
record = json.load(open(sys.argv[2] + "/run.json"))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{record['read']} {len(record['skipped'])} {seconds:.2f} {rss:.1f} {workers:.1f}")
"""


def measure(script: str, *argv: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": tail}  # type: ignore[dict-item]
    read, skipped, seconds, rss, workers = done.stdout.split()[-5:]
    return {
        "read": int(read),
        "skipped": int(skipped),
        "seconds": float(seconds),
        "peak_rss_mb": float(rss),
        "worker_peak_rss_mb": float(workers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the large input")
    parser.add_argument("--small-mb", type=float, default=5.0, help="size of the small input")
    parser.add_argument("--jobs", default="1", help="--jobs of the map runs")
    parser.add_argument("--skip-map", action="store_true", help="measure reading only")
    args = parser.parse_args()
    peaks: dict[float, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for megabytes in (args.small_mb, args.mb):
            path = Path(folder) / f"corpus-{megabytes:g}mb.jsonl"
            started = time.perf_counter()
            lines, size = write_jsonl(path, megabytes)
            print(
                f"\n{path.name}: {lines} lines, {size / 1e6:.1f} MB "
                f"(written in {time.perf_counter() - started:.1f} s)"
            )
            steps = [("read (stream)", READ_ONLY, [str(path)])]
            if not args.skip_map:
                out = str(Path(folder) / f"out-{megabytes:g}")
                steps.append((f"geo map --jobs {args.jobs}", MAP, [str(path), out, args.jobs]))
            for label, script, argv in steps:
                figures = measure(script, *argv)
                if "error" in figures:
                    print(f"  {label:<22} failed: {figures['error']}")
                    continue
                ok = "ok" if figures["read"] == lines and figures["skipped"] == 1 else "MISMATCH"
                if script is MAP:
                    peaks[megabytes] = figures["peak_rss_mb"]
                print(
                    f"  {label:<22} {figures['read']} read, {figures['skipped']} skipped ({ok}); "
                    f"{figures['seconds']:.1f} s, {size / 1e6 / figures['seconds']:.2f} MB/s; "
                    f"peak RSS {figures['peak_rss_mb']:.0f} MB"
                    + (
                        f" (workers {figures['worker_peak_rss_mb']:.0f} MB)"
                        if figures["worker_peak_rss_mb"]
                        else ""
                    )
                )
    if len(peaks) == 2:
        ratio = peaks[args.mb] / peaks[args.small_mb]
        print(
            f"\ngeo map peak RSS, {args.mb:g} MB against {args.small_mb:g} MB: "
            f"{ratio:.2f}x ({(ratio - 1) * 100:+.0f} %)"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this driver: peak RSS {own:.0f} MB)")


if __name__ == "__main__":
    main()
