"""Import speed of a GeoNames extract and the speed of a ``geo map`` run that uses it.

Writes a synthetic GeoNames-format extract (19 tab-separated columns; ``--rows`` rows, by
default 200,000: villages, towns, districts, rivers, passes and a few features the import
leaves out, each with a handful of alternate names, Latin and Cyrillic, and a few bad
rows), then, each in a fresh process:

- ``geo gazetteer import`` of it (wall time, and the import's own figure);
- the per-article analysis alone (toponyms, events, claims; one process, as
  ``bench/throughput.py`` measures it), docs/s and docs per CPU second, with and without
  the imported gazetteer, on ``--docs`` short dispatches that name its villages and on the
  same dispatches naming world towns instead (what the larger gazetteer costs the same
  work);
- ``geo map`` end to end on the village dispatches, with the imported gazetteer, twice:
  the first run builds the toponym table of the new gazetteer (once; it is cached), the
  second is the steady state; and without it. With the import every dispatch holds
  places, events and distance claims (without it almost none), so the end-to-end figures
  also measure writing those.

Usage::

    python bench/gazetteer_import.py [--rows 200000] [--docs 5000] [--keep DIR]

Nothing here downloads anything; the cache folder is a fresh temporary one unless
``GEO_CACHE_DIR`` is set (then the world cache there is reused).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

GEO = str(Path(sys.executable).with_name("geo"))
SYLLABLES = (
    "no", "vo", "ka", "ra", "lo", "mi", "sha", "pe", "tro", "dni", "zo", "ria", "hor", "ly",
    "ban", "ske", "vet", "ula", "yar", "ku", "pol", "ten", "dov", "gra", "she", "ze", "mar",
)  # fmt: skip
ENDINGS = ("ivka", "ove", "ne", "ka", "sk", "iv", "ychi", "any", "ynka", "ivske")
CYRILLIC = str.maketrans("aeiknoprstvyzlmdgbhu", "аеікнопрствизлмдгбху")
#: (share, feature class, feature code) of the synthetic rows.
FEATURES = (
    (0.90, "P", "PPL"),
    (0.03, "A", "ADM3"),
    (0.02, "H", "STM"),
    (0.01, "T", "PASS"),
    (0.04, "S", "SCH"),  # schools: left out by the import
)


def _name(rng: random.Random) -> str:
    middle = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return (middle + rng.choice(ENDINGS)).capitalize()


def write_extract(path: Path, rows: int, seed: int = 15) -> list[str]:
    """Write ``rows`` GeoNames lines to ``path``; return the names of the villages."""
    rng = random.Random(seed)
    villages: list[str] = []
    shares = [share for share, _, _ in FEATURES]
    with path.open("w", encoding="utf-8") as out:
        for number in range(rows):
            gid = 90_000_000 + number
            if number % 997 == 500:  # a bad row now and then: cut short, or a bad latitude
                out.write(f"{gid}\tBroken\tBroken\n" if number % 2 else _bad_latitude(gid))
                continue
            _, fclass, code = rng.choices(FEATURES, weights=shares)[0]
            name = _name(rng)
            alternates = [name.translate(CYRILLIC), name.replace("iv", "yv"), _name(rng)]
            alternates = alternates[: rng.randint(0, 3)]
            population = rng.choice((0, 0, 120, 800, 2_500, 12_000)) if fclass == "P" else 0
            lat, lon = rng.uniform(44.5, 52.0), rng.uniform(22.5, 40.0)
            fields = [
                str(gid), name, name, ",".join(alternates), f"{lat:.5f}", f"{lon:.5f}",
                fclass, code, "UA", "", f"{rng.randint(1, 25):02d}", "", "", "",
                str(population), "", "150", "Europe/Kyiv", "2024-01-01",
            ]  # fmt: skip
            out.write("\t".join(fields) + "\n")
            if fclass == "P":
                villages.append(name)
    return villages


def _bad_latitude(gid: int) -> str:
    fields = [str(gid), "Nowhere", "Nowhere", "", "123.0", "30.0", "P", "PPL", "UA"]
    return "\t".join(fields + [""] * 10) + "\n"


#: World towns of the same country, for dispatches that need no imported name.
WORLD_TOWNS = ("Kherson", "Mykolaiv", "Zaporizhzhia", "Melitopol", "Berdyansk", "Nikopol")


def write_docs(path: Path, villages: Sequence[str], docs: int, seed: int = 16) -> None:
    """``docs`` short dispatches, one JSONL line each, naming two or three villages."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(docs):
            a, b, c = rng.sample(villages, 3)
            text = (
                f"Ukrainian forces moved from {a} to {b} on Monday, officials said. "
                f"Shelling was reported near {c}, about 20 km east of {b}. "
                "Residents said the road to the village was cut."
            )
            record = {"id": f"d{number}", "text": text, "published": "2022-09-12"}
            out.write(json.dumps(record) + "\n")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, done.stdout.strip()


def analysis_rate(docs: Path, imported: str | None) -> dict[str, Any]:
    """Docs/s of the per-article analysis of ``docs`` in this process (set-up excluded)."""
    from geo.engine._parallel import Analyser, analyse_each
    from geo.gazetteer._gazetteer import Gazetteer
    from geo.models import Article

    lines = docs.read_text(encoding="utf-8").splitlines()
    articles = [Article(doc=r["id"], text=r["text"]) for r in map(json.loads, lines)]
    started = time.perf_counter()
    analyser = Analyser(Gazetteer.load(imported=(imported,) if imported else ()))
    analyser.toponymizer  # noqa: B018 - build the name table before the clock starts
    ready, cpu = time.perf_counter(), time.process_time()
    events = sum(len(getattr(o, "events", ())) for _, o in analyse_each(articles, analyser))
    seconds, cpu = time.perf_counter() - ready, time.process_time() - cpu
    return {
        "setup_s": round(ready - started, 2),
        "docs_per_s": round(len(articles) / seconds),
        "docs_per_cpu_s": round(len(articles) / cpu),
        "events": events,
    }


def analysis_in_fresh_process(docs: Path, imported: str | None, env: dict[str, str]) -> str:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import gazetteer_import as b; "
        "print(json.dumps(b.analysis_rate(b.Path(sys.argv[2]), sys.argv[3] or None)))"
    )
    command = [sys.executable, "-c", code, str(Path(__file__).parent), str(docs), imported or ""]
    _, said = timed(command, env)
    rate = json.loads(said.splitlines()[-1])
    return (
        f"{rate['docs_per_s']:,} docs/s, {rate['docs_per_cpu_s']:,} docs/CPU-s, "
        f"{rate['events']:,} events (set-up {rate['setup_s']} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--docs", type=int, default=5_000)
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="geo-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("GEO_CACHE_DIR", str(folder / "cache"))

    extract = folder / "UA.txt"
    villages = write_extract(extract, args.rows)
    size_mb = extract.stat().st_size / 1e6
    print(f"extract: {args.rows:,} rows, {size_mb:.1f} MB ({extract})")
    seconds, said = timed([GEO, "gazetteer", "import", str(extract), "--name", "bench-ua"], env)
    print(f"geo gazetteer import: {seconds:.2f} s wall ({args.rows / seconds:,.0f} rows/s)")
    print(f"  {said}")

    docs = folder / "docs.jsonl"
    write_docs(docs, villages, args.docs)
    towns = folder / "towns.jsonl"
    write_docs(towns, WORLD_TOWNS, args.docs)
    for label, corpus in (("naming its villages", docs), ("naming world towns", towns)):
        for imported in ("bench-ua", None):
            rate = analysis_in_fresh_process(corpus, imported, env)
            used = "with the import" if imported else "without it"
            print(f"analysis, {args.docs:,} dispatches {label}, {used}: {rate}")
    base = [GEO, "-q", "map", str(docs), "--reference", "Kyiv", "-o", str(folder / "out")]
    runs = (
        ("with it, first run (builds the name table)", [*base, "--gazetteer", "bench-ua"]),
        ("with it, second run", [*base, "--gazetteer", "bench-ua"]),
        ("without it (curated and world only)", base),
    )
    for label, command in runs:
        seconds, _ = timed(command, env)
        rate = args.docs / seconds
        print(f"geo map, {args.docs:,} docs, {label}: {seconds:.2f} s, {rate:,.0f} docs/s")
    places = folder / "out" / "places.geojson"
    if places.exists():
        print(f"(outputs of the last run in {places.parent})")


if __name__ == "__main__":
    main()
