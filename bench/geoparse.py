"""Geoparsing benchmark: recognition and resolution on GWN, TR-News and GeoVirus.

Prints, per corpus, recognition precision/recall/F1 (overlap matching), resolution
Acc@161 km, AUC, mean and median error over the recognised gold toponyms, end-to-end
Acc@161 over all gold toponyms with coordinates, and documents per second (recognition +
resolution, one process). On GWN the published outputs of three peer systems (Edinburgh
Geoparser, Yahoo! Placemaker, Europe Media Monitor) are scored by the same code, side by
side. Corpora and metrics: ``../shared/benchmarks/README.md``.

    python bench/geoparse.py                 # all three corpora + peers
    python bench/geoparse.py --corpus gwn    # one corpus
    python bench/geoparse.py --errors 30     # also list the most frequent misses
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.gazetteer._gazetteer import Gazetteer
from geo.models import Article, Mention
from geo.toponyms._toponyms import Toponymizer

BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
MAX_ERROR_KM = 20039.0
#: name, file, and whether the corpus annotates adjectival demonyms ("Russian" troops) as
#: toponyms: GWN and TR-News do, GeoVirus does not, so there our demonym mentions (a
#: separate mention type) are left out of the scoring.
CORPORA = {
    "gwn": ("GeoWebNews", "geowebnews/gwn.jsonl", True),
    "trnews": ("TR-News", "trnews/trnews.jsonl", True),
    "geovirus": ("GeoVirus", "geovirus/geovirus.jsonl", False),
}
REPEATS = 3
PEERS = {"Edinburgh": "gwn_edin.txt", "Yahoo": "gwn_yahoo.txt", "EMM": "gwn_emm.txt"}


@dataclass(frozen=True, slots=True)
class Toponym:
    """A gold or predicted toponym: span, surface and point (None when not geocoded)."""

    start: int
    end: int
    name: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Scores:
    """Every figure of one row of the table."""

    system: str
    precision: float
    recall: float
    f1: float
    acc161: float
    auc: float
    mean_km: float
    median_km: float
    end_to_end: float
    gold: int
    geocoded: int
    docs_per_s: float | None = None


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance (the benchmark literature's error measure)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _overlap(a: Toponym, b: Toponym) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def score(
    system: str,
    gold_docs: Sequence[list[Toponym]],
    predicted_docs: Sequence[list[Toponym]],
    annotated_docs: Sequence[list[Toponym]] | None = None,
) -> tuple[Scores, list[tuple[str, float]]]:
    """Score predictions against gold with overlap matching; also return (name, error) misses.

    Recall and resolution use ``gold_docs``; precision counts a prediction as right when
    it overlaps a span of ``annotated_docs`` (default: the gold). On GWN that is every
    annotated span, as in the published peer figures: a name the annotators marked but
    did not link to GeoNames (a demonym, a non-toponym reading) is not a false alarm.
    """
    n_pred = n_pred_ok = n_gold = n_gold_found = 0
    errors: list[float] = []
    geocoded = 0
    misses: list[tuple[str, float]] = []
    annotated_docs = annotated_docs if annotated_docs is not None else gold_docs
    for gold, predicted, annotated in zip(gold_docs, predicted_docs, annotated_docs, strict=True):
        n_pred += len(predicted)
        n_gold += len(gold)
        n_pred_ok += sum(any(_overlap(p, g) > 0 for g in annotated) for p in predicted)
        for g in gold:
            matches = [p for p in predicted if _overlap(p, g) > 0]
            if matches:
                n_gold_found += 1
            if g.lat is None or g.lon is None:
                continue
            geocoded += 1
            best = max(matches, key=lambda p: _overlap(p, g)) if matches else None
            if best is None or best.lat is None or best.lon is None:
                misses.append((g.name, -1.0))
                continue
            error = great_circle_km(g.lat, g.lon, best.lat, best.lon)
            errors.append(error)
            if error >= 161:
                misses.append((g.name, error))
    precision = n_pred_ok / n_pred if n_pred else 0.0
    recall = n_gold_found / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    hits = sum(e < 161 for e in errors)
    scores = Scores(
        system=system,
        precision=precision,
        recall=recall,
        f1=f1,
        acc161=hits / len(errors) if errors else 0.0,
        auc=(
            sum(math.log(1 + e) for e in errors) / len(errors) / math.log(MAX_ERROR_KM)
            if errors
            else 1.0
        ),
        mean_km=statistics.fmean(errors) if errors else 0.0,
        median_km=statistics.median(errors) if errors else 0.0,
        end_to_end=hits / geocoded if geocoded else 0.0,
        gold=n_gold,
        geocoded=geocoded,
    )
    return scores, misses


# -- corpora ------------------------------------------------------------------------------
def read_corpus(key: str) -> tuple[list[Article], list[list[Toponym]], list[list[Toponym]]]:
    """Articles, gold toponyms (GWN: the GeoNames-linked set, as published) and every
    annotated span of a corpus."""
    _, relative, _ = CORPORA[key]
    path = BENCHMARKS / relative
    articles: list[Article] = []
    gold: list[list[Toponym]] = []
    annotated: list[list[Toponym]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            articles.append(Article(doc=f"{key}-{doc['doc_id']}", text=doc["text"]))
            spans = [
                (Toponym(t["start"], t["end"], t["name"], t["lat"], t["lon"]), t)
                for t in doc["toponyms"]
            ]
            gold.append([t for t, raw in spans if key != "gwn" or raw.get("geonameid")])
            annotated.append([t for t, _ in spans])
    return articles, gold, annotated


def read_published(path: Path) -> list[list[Toponym]]:
    """The published line format: ``name,,surface,,lat,,lon,,start,,end||`` per toponym."""
    docs: list[list[Toponym]] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    for line in lines[:200]:
        toponyms = []
        for item in line.split("||"):
            fields = item.split(",,")
            if len(fields) != 6:
                continue
            _, surface, lat, lon, start, end = fields
            point = (float(lat), float(lon)) if lat and lon else (None, None)
            toponyms.append(Toponym(int(start), int(end), surface, *point))
        docs.append(toponyms)
    return docs


def predict(
    toponymizer: Toponymizer, articles: list[Article], demonyms: bool
) -> list[list[Toponym]]:
    """Our predictions: toponym mentions, and demonym mentions where the corpus has them."""
    mentions = [toponymizer.mentions(article) for article in articles]
    return [[_as_toponym(m) for m in doc if demonyms or m.type != "demonym"] for doc in mentions]


def speed(articles: list[Article], repeats: int = REPEATS) -> tuple[float, float]:
    """Documents per second, best of ``repeats``: a first pass with a freshly loaded
    gazetteer (every name met for the first time) and a second, steady-state pass."""
    first = steady = 0.0
    for _ in range(repeats):
        toponymizer = Toponymizer(Gazetteer.load())
        started = time.perf_counter()
        for article in articles:
            toponymizer.mentions(article)
        middle = time.perf_counter()
        for article in articles:
            toponymizer.mentions(article)
        ended = time.perf_counter()
        first = max(first, len(articles) / (middle - started))
        steady = max(steady, len(articles) / (ended - middle))
    return first, steady


def _as_toponym(mention: Mention) -> Toponym:
    place = mention.place
    return Toponym(
        mention.start,
        mention.end,
        mention.text,
        place.lat if place else None,
        place.lon if place else None,
    )


# -- report -------------------------------------------------------------------------------
def table(title: str, rows: list[Scores]) -> str:
    """A fixed-width table of scores."""
    head = (
        f"{'system':<11} {'P':>5} {'R':>5} {'F1':>5}  {'Acc@161':>7} {'AUC':>5} "
        f"{'mean km':>8} {'median':>7}  {'end-to-end':>10}  {'docs/s':>7}"
    )
    lines = [title, head, "-" * len(head)]
    for s in rows:
        speed = f"{s.docs_per_s:7.0f}" if s.docs_per_s else "      -"
        lines.append(
            f"{s.system:<11} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}  {s.acc161:7.2f} "
            f"{s.auc:5.2f} {s.mean_km:8.0f} {s.median_km:7.0f}  {s.end_to_end:10.2f}  {speed}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", choices=[*CORPORA, "all"], default="all")
    parser.add_argument("--errors", type=int, default=0, help="list the N most frequent misses")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help="speed runs per corpus (0: skip timing)"
    )
    args = parser.parse_args(argv)
    if not BENCHMARKS.exists():
        print(f"benchmarks not found at {BENCHMARKS}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    gazetteer = Gazetteer.load()
    loaded = time.perf_counter()
    toponymizer = Toponymizer(gazetteer)
    ready = time.perf_counter()
    print(
        f"gazetteer load {loaded - started:.2f} s, toponymizer (automaton) "
        f"{ready - loaded:.2f} s, {len(gazetteer):,} places"
    )
    keys = list(CORPORA) if args.corpus == "all" else [args.corpus]
    for key in keys:
        articles, gold, annotated = read_corpus(key)
        predictions = predict(toponymizer, articles, CORPORA[key][2])
        ours, misses = score("geo", gold, predictions, annotated)
        first, steady = speed(articles, args.repeats) if args.repeats else (0.0, 0.0)
        rows = [dataclasses.replace(ours, docs_per_s=first or None)]
        if key == "gwn":
            published_gold = read_published(BENCHMARKS / "geowebnews" / "gwn_full.txt")
            for peer, file in PEERS.items():
                peer_scores, _ = score(
                    peer,
                    published_gold,
                    read_published(BENCHMARKS / "geowebnews" / file),
                    annotated,
                )
                rows.append(peer_scores)
        name = CORPORA[key][0]
        print()
        print(
            table(
                f"{name}: {len(articles)} docs, {ours.gold} gold toponyms, "
                f"{ours.geocoded} with coordinates",
                rows,
            )
        )
        if args.repeats:
            chars = sum(len(a.text) for a in articles) / len(articles)
            print(
                f"speed (one core, best of {args.repeats}, {chars:,.0f} characters a document): "
                f"{first:,.0f} docs/s on a fresh gazetteer, {steady:,.0f} docs/s steady state"
            )
        if args.errors:
            counts = Counter(f"{n} ({'not found' if e < 0 else f'{e:.0f} km'})" for n, e in misses)
            print(f"most frequent misses: {counts.most_common(args.errors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
