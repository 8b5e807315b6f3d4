"""Throughput of the full per-article pipeline (toponyms, events, claims) against geotext.

Reads the real benchmark news texts in ``../shared/benchmarks/*/*.jsonl`` (repeated with
fresh document ids until there are at least ``--docs`` documents) and reports, each part in
its own fresh process so that peak memory is its own:

- cold start: ``geo --help`` wall time, the import time of the pipeline modules, and the
  wall time of a first answer (``geo places --text ...``: imports, gazetteer, automaton);
- ``geo`` with ``--jobs 1`` and ``--jobs N``: docs/s, MB/s, per-core docs/s, peak RSS,
  setup time (gazetteer load and automaton build), and the speed-up of N jobs over one;
- the ceiling of that speed-up on this machine: N independent single processes, each
  analysing a share of the same documents at the same time (no pickling, no coordination:
  what N busy cores give N processes here, shared caches and clock included);
- ``geo map`` end to end on the same documents as one JSONL file (start-up, reading,
  analysis, checks, the map and every output file) with ``--jobs 1`` and ``--jobs N``;
- optionally (``--dask``) the Dask engine on a local cluster of N workers;
- geotext (a regex + dictionary city/country finder) over the same documents, as a speed
  baseline, and the ratio.

Usage::

    python bench/throughput.py [--docs 5000] [--jobs 2] [--repeat 3] [--dask] [--no-world]
                               [--no-end-to-end] [--json OUT]

Each ``geo`` run is repeated (``--repeat``, each time in a fresh process) and the fastest is
reported, with the docs/s of every run beside it: on a shared or virtual machine the same
run varies by a fifth or more, and the fastest is the one least disturbed by other work.
The runs go in rounds (``--jobs 1``, ``--jobs N``, the independent processes; then the
``geo map`` runs in turn), and speed-ups are also given as the median of the rounds' own:
the machine drifts over minutes, and runs that take turns see the same drift.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO.parent / "shared" / "benchmarks"
PYTHON = sys.executable
GEO = str(Path(sys.executable).with_name("geo"))
PIPELINE_MODULES = (
    "geo.engine._pipeline",
    "geo.engine._parallel",
    "geo.toponyms._toponyms",
    "geo.events._events",
    "geo.claims._extract",
    "geo.features._features",
)


# -- documents ---------------------------------------------------------------------------
def benchmark_texts() -> list[tuple[str, str]]:
    """(doc id, text) of every benchmark document, in file order."""
    files = sorted(BENCHMARKS.glob("*/*.jsonl"))
    if not files:
        sys.exit(f"no benchmark corpora at {BENCHMARKS} (../shared/benchmarks is missing)")
    texts: list[tuple[str, str]] = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                record = json.loads(line)
                texts.append((f"{path.stem}-{record.get('doc_id', number)}", record["text"]))
    return texts


def corpus(count: int) -> list[tuple[str, str]]:
    """At least ``count`` documents: the benchmark texts repeated under fresh ids."""
    base = benchmark_texts()
    docs: list[tuple[str, str]] = []
    repeat = 0
    while len(docs) < count:
        docs.extend((f"{doc}~{repeat}", text) for doc, text in base)
        repeat += 1
    return docs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# -- measured parts (each runs in its own process) ----------------------------------------
def part_geo(count: int, jobs: int, world: bool) -> dict[str, Any]:
    from geo.engine._parallel import Analyser, ArticleOutput, analyse_each
    from geo.gazetteer._gazetteer import Gazetteer
    from geo.models import Article

    docs = corpus(count)
    articles = [Article(doc=doc, text=text) for doc, text in docs]
    megabytes = sum(len(text.encode("utf-8")) for _, text in docs) / 1e6
    started = time.perf_counter()
    gazetteer = Gazetteer.load(world=world)
    loaded = time.perf_counter()
    analyser = Analyser(gazetteer)
    analyser.toponymizer  # noqa: B018 - build the automaton before the clock starts
    built = time.perf_counter()
    cpu_before = cpu_seconds()
    mentions = events = claims = skipped = 0
    for _article, output in analyse_each(articles, analyser, jobs=jobs):
        if isinstance(output, ArticleOutput):
            mentions += len(output.mentions)
            events += len(output.events)
            claims += len(output.claims)
        else:
            skipped += 1
    seconds = time.perf_counter() - built
    cpu = cpu_seconds() - cpu_before
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "engine": f"geo --jobs {jobs}",
        "docs": len(articles),
        "megabytes": round(megabytes, 2),
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(articles) / seconds, 1),
        "mb_per_s": round(megabytes / seconds, 3),
        "docs_per_s_per_core": round(len(articles) / seconds / jobs, 1),
        "docs_per_cpu_s": round(len(articles) / cpu, 1),
        "gazetteer_load_s": round(loaded - started, 3),
        "automaton_build_s": round(built - loaded, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(children, 1) if jobs > 1 else None,
        "mentions": mentions,
        "events": events,
        "claims": claims,
        "skipped": skipped,
    }


def part_share(count: int, shares: int, share: int, world: bool) -> dict[str, Any]:
    """One of ``shares`` independent processes: set up, say "ready", wait for a line on
    stdin, then analyse every ``shares``-th document from ``share`` on, alone."""
    from geo.engine._parallel import Analyser, analyse_each
    from geo.gazetteer._gazetteer import Gazetteer
    from geo.models import Article

    docs = corpus(count)[share::shares]
    articles = [Article(doc=doc, text=text) for doc, text in docs]
    analyser = Analyser(Gazetteer.load(world=world))
    analyser.toponymizer  # noqa: B018
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    for _pair in analyse_each(articles, analyser, jobs=1):
        pass
    return {"docs": len(articles), "seconds": time.perf_counter() - started}


def independent_run(args: argparse.Namespace) -> dict[str, Any]:
    """``--jobs`` single processes started together on shares of the documents: their
    combined docs/s (all documents over the slowest one's time)."""
    children = []
    for share in range(args.jobs):
        command = [PYTHON, __file__, "--part", "share", "--docs", str(args.docs)]
        command += ["--jobs", str(args.jobs), "--share", str(share)]
        command += ["--no-world"] if args.no_world else []
        children.append(
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        )
    for child in children:  # all set up before any starts
        assert child.stdout is not None
        child.stdout.readline()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    shares = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            return {"engine": "independent", "error": ["a share process failed"]}
        shares.append(json.loads(out.strip().splitlines()[-1]))
    seconds = max(share["seconds"] for share in shares)
    docs = sum(share["docs"] for share in shares)
    return {
        "engine": f"{args.jobs} independent processes",
        "docs": docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1),
    }


def map_end_to_end(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Wall times of ``geo map`` on the documents as one JSONL file, ``--jobs 1`` and
    ``--jobs N`` taking turns, ``--repeat`` rounds: the fastest of each, with every run."""
    import tempfile

    docs = corpus(args.docs)
    job_counts = [1, args.jobs] if args.jobs > 1 else [1]
    times: dict[int, list[float]] = {jobs: [] for jobs in job_counts}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for doc, text in docs:
                handle.write(json.dumps({"id": doc, "text": text}) + "\n")
        for _ in range(max(1, args.repeat)):
            for jobs in job_counts:
                command = [GEO, "map", str(path), "--out", str(Path(folder) / "out")]
                command += ["--jobs", str(jobs)] + (["--no-world"] if args.no_world else [])
                started = time.perf_counter()
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    return [{"jobs": jobs, "error": done.stderr.strip().splitlines()[-1:]}]
                times[jobs].append(time.perf_counter() - started)
    return [
        {
            "jobs": jobs,
            "docs": len(docs),
            "seconds": round(min(runs), 3),
            "docs_per_s": round(len(docs) / min(runs), 1),
            "runs_s": [round(t, 2) for t in runs],
        }
        for jobs, runs in times.items()
    ]


def part_dask(count: int, jobs: int, world: bool) -> dict[str, Any]:
    import tempfile

    from geo.engine._dask import run_dask
    from geo.settings import Settings

    docs = corpus(count)
    megabytes = sum(len(text.encode("utf-8")) for _, text in docs) / 1e6
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for doc, text in docs:
                handle.write(json.dumps({"id": doc, "text": text}) + "\n")
        started = time.perf_counter()
        result, partitions = run_dask([path], Settings(jobs=jobs, world=world))
        seconds = time.perf_counter() - started
    return {
        "engine": f"dask, {jobs} local workers",
        "docs": len(docs),
        "megabytes": round(megabytes, 2),
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(docs) / seconds, 1),
        "mb_per_s": round(megabytes / seconds, 3),
        "docs_per_s_per_core": round(len(docs) / seconds / jobs, 1),
        "partitions": partitions,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "mentions": len(result.mentions),
        "events": len(result.events),
        "claims": len(result.claims),
        "note": "includes reading, cluster start-up and the driver's checks",
    }


def part_geotext(count: int) -> dict[str, Any]:
    started = time.perf_counter()
    from geotext import GeoText

    imported = time.perf_counter()
    docs = corpus(count)
    megabytes = sum(len(text.encode("utf-8")) for _, text in docs) / 1e6
    clock = time.perf_counter()
    found = 0
    for _doc, text in docs:
        places = GeoText(text)
        found += len(places.cities) + len(places.countries)
    seconds = time.perf_counter() - clock
    return {
        "engine": "geotext",
        "docs": len(docs),
        "megabytes": round(megabytes, 2),
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(docs) / seconds, 1),
        "mb_per_s": round(megabytes / seconds, 3),
        "docs_per_s_per_core": round(len(docs) / seconds, 1),
        "import_s": round(imported - started, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "mentions": found,
    }


# -- cold start ----------------------------------------------------------------------------
def wall(command: list[str], repeat: int = 5) -> float | None:
    """Median wall time of ``command`` (None if it fails, e.g. a stage is missing)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode != 0:
            return None
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def import_time_s(modules: tuple[str, ...]) -> tuple[float, list[tuple[float, str]]]:
    """Import time of ``modules`` (``python -X importtime``: the top-level imports from the
    first ``geo`` one on, so the interpreter's own start-up is left out), and the slowest."""
    code = "; ".join(f"import {m}" for m in modules)
    run = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    total, started = 0, False
    rows: list[tuple[float, str]] = []
    for line in run.stderr.splitlines():
        fields = line.split("|")
        if not line.startswith("import time:") or len(fields) != 3 or "cumulative" in line:
            continue
        cumulative, name = int(fields[1]), fields[2]
        top_level = len(name) - len(name.lstrip()) == 1
        started = started or (top_level and name.strip().startswith("geo"))
        if started:
            total += cumulative if top_level else 0
            rows.append((cumulative / 1e6, name.strip()))
    rows.sort(reverse=True)
    return total / 1e6, rows[:12]


def cold_start() -> dict[str, Any]:
    present = tuple(m for m in PIPELINE_MODULES if _importable(m))
    total, top = import_time_s(present)
    sample = "A convoy left Gori for Tskhinvali, about 25 km away, on Tuesday."
    return {
        "geo_help_s": wall([GEO, "--help"]),
        "pipeline_import_s": round(total, 3),
        "pipeline_modules": list(present),
        "first_answer_s": wall([GEO, "places", "--text", sample], repeat=3),
        "top_imports": [(round(s, 3), name) for s, name in top],
    }


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# -- driver --------------------------------------------------------------------------------
def run_part(part: str, args: argparse.Namespace, jobs: int = 1) -> dict[str, Any]:
    command = [PYTHON, __file__, "--part", part, "--docs", str(args.docs), "--jobs", str(jobs)]
    if args.no_world:
        command.append("--no-world")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"engine": part, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of ``runs`` (of one engine), with the docs/s of every run under
    ``runs_docs_per_s``."""
    done = [run for run in runs if "error" not in run]
    if not done:
        return runs[0]
    best = dict(min(done, key=lambda run: run["seconds"]))
    best["runs_docs_per_s"] = [run["docs_per_s"] for run in done]
    return best


def median_ratio(numerators: list[dict[str, Any]], denominators: list[dict[str, Any]]) -> float:
    """The median over rounds of one engine's docs/s over another's in the same round."""
    ratios = [
        top["docs_per_s"] / bottom["docs_per_s"]
        for top, bottom in zip(numerators, denominators, strict=True)
        if "error" not in top and "error" not in bottom
    ]
    return statistics.median(ratios) if ratios else float("nan")


def table(rows: list[dict[str, Any]]) -> str:
    header = f"{'engine':<26}{'docs':>7}{'MB':>7}{'s':>8}{'docs/s':>9}{'MB/s':>7}"
    header += f"{'docs/s/core':>12}{'docs/cpu-s':>11}{'peak RSS MB':>12}"
    lines = [header, "-" * len(header)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['engine']:<26}failed: {row['error']}")
            continue
        lines.append(
            f"{row['engine']:<26}{row['docs']:>7}{row['megabytes']:>7}{row['seconds']:>8}"
            f"{row['docs_per_s']:>9}{row['mb_per_s']:>7}{row['docs_per_s_per_core']:>12}"
            f"{row.get('docs_per_cpu_s', '-'):>11}{row['peak_rss_mb']:>12}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents (default 5000)")
    parser.add_argument("--jobs", type=int, default=2, help="processes of the parallel run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each geo engine; the fastest is shown"
    )
    parser.add_argument("--dask", action="store_true", help="also time the Dask engine")
    parser.add_argument("--no-world", action="store_true", help="curated gazetteer only")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--no-end-to-end", action="store_true", help="skip the geo map runs (the slowest part)"
    )
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--share", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.part:
        world = not args.no_world
        parts = {
            "geo": lambda: part_geo(args.docs, args.jobs, world),
            "dask": lambda: part_dask(args.docs, args.jobs, world),
            "geotext": lambda: part_geotext(args.docs),
            "share": lambda: part_share(args.docs, args.jobs, args.share, world),
        }
        print(json.dumps(parts[args.part]()))
        return

    load = os.getloadavg()[0]
    print(
        f"cores available: {len(os.sched_getaffinity(0))}; python {sys.version.split()[0]}; "
        f"load average {load:.2f}"
    )
    start = cold_start()
    print(
        f"cold start: geo --help {start['geo_help_s']} s; pipeline import "
        f"{start['pipeline_import_s']} s; first answer (geo places --text) "
        f"{start['first_answer_s']} s"
    )
    # Rounds: --jobs 1, --jobs N and the independent processes take turns, so that each
    # round's figures share the machine's mood of the moment (it drifts by a fifth).
    singles: list[dict[str, Any]] = []
    parallels: list[dict[str, Any]] = []
    ceilings: list[dict[str, Any]] = []
    for _ in range(max(1, args.repeat)):
        singles.append(run_part("geo", args, jobs=1))
        if args.jobs > 1:
            parallels.append(run_part("geo", args, jobs=args.jobs))
            ceilings.append(independent_run(args))
    rows = [fastest(singles)] + ([fastest(parallels)] if parallels else [])
    if args.dask:
        rows.append(run_part("dask", args, jobs=max(2, args.jobs)))
    rows.append(run_part("geotext", args))
    print(table(rows))
    for row in rows:
        runs = row.get("runs_docs_per_s", ())
        if len(runs) > 1:
            each = ", ".join(f"{value:.0f}" for value in runs)
            print(f"{row['engine']}: fastest of {len(runs)} runs (docs/s: {each})")
    single = rows[0]
    figures: dict[str, Any] = {"cold_start": start, "runs": rows}
    if "error" not in single:
        print(
            f"setup (not in docs/s): gazetteer {single['gazetteer_load_s']} s, "
            f"automaton {single['automaton_build_s']} s; found {single['mentions']} mentions, "
            f"{single['events']} events, {single['claims']} claims"
        )
        parallel = rows[1] if parallels else None
        if parallel and "error" not in parallel:
            speedup = parallel["docs_per_s"] / single["docs_per_s"]
            ceiling = fastest(ceilings)
            most = ceiling["docs_per_s"] / single["docs_per_s"]
            in_rounds = median_ratio(parallels, singles)
            most_in_rounds = median_ratio(ceilings, singles)
            figures.update(
                speedup=round(speedup, 2),
                speedup_median_of_rounds=round(in_rounds, 2),
                ceiling=ceiling,
                ceiling_speedup=round(most, 2),
                ceiling_speedup_median_of_rounds=round(most_in_rounds, 2),
            )
            each = ", ".join(f"{run['docs_per_s']:.0f}" for run in ceilings if "error" not in run)
            print(
                f"{args.jobs} independent single processes on shares of the same documents "
                f"(what this machine gives {args.jobs} busy processes): {ceiling['docs_per_s']:.0f}"
                f" docs/s (runs: {each})"
            )
            print(
                f"--jobs {args.jobs} speed-up over --jobs 1: {speedup:.2f}x fastest against "
                f"fastest, {in_rounds:.2f}x median of rounds; independent processes: "
                f"{most:.2f}x and {most_in_rounds:.2f}x; --jobs {args.jobs} reaches "
                f"{speedup / most:.0%} and {in_rounds / most_in_rounds:.0%} of them"
            )
        baseline = rows[-1]
        if "error" not in baseline:
            ratio = single["docs_per_s"] / baseline["docs_per_s"]
            figures["ratio_to_geotext"] = round(ratio, 3)
            print(f"geo --jobs 1 / geotext docs/s: {ratio:.3f}")
    if not args.no_end_to_end:
        ends = map_end_to_end(args)
        figures["map_end_to_end"] = ends
        for end in ends:
            if "error" in end:
                print(f"geo map --jobs {end['jobs']}: failed: {end['error']}")
                continue
            print(
                f"geo map --jobs {end['jobs']} end to end (start-up, reading, analysis, map, "
                f"files): {end['seconds']} s, {end['docs_per_s']:.0f} docs/s "
                f"(fastest of runs: {', '.join(map(str, end['runs_s']))} s)"
            )
        if len(ends) == 2 and not any("error" in end for end in ends):
            figures["map_speedup"] = round(ends[0]["seconds"] / ends[1]["seconds"], 2)
            print(f"geo map --jobs {args.jobs} speed-up end to end: {figures['map_speedup']:.2f}x")
    print("slowest imports (cumulative s):")
    for seconds, name in start["top_imports"][:8]:
        print(f"  {seconds:>7.3f}  {name}")
    load_after = os.getloadavg()[0]
    if max(load, load_after) > 0.5:
        print(
            f"note: other work was running (load average {load:.2f} before, {load_after:.2f} "
            "after): wall-clock figures and the speed-up are understated; docs per CPU-second "
            "(docs/cpu-s) is not affected"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
