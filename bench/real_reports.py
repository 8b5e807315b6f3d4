"""Score ``geo`` on the real-report corpus (``bench/realreports/``): is what it draws what
the reports say?

Run: ``python bench/real_reports.py [--round 1] [--round 2] [-v] [--corpus bench/dispatches]``
(prints figures; no assertions). Each report is analysed on its own through the public API,
as a user would.

A drawn feature matches a gold event when the kind is one the annotator allowed, the actor
is one the annotator allowed, and the places agree: a line's first and last places within
25 km of the gold path's first and last (a one-place gold path: the line's end), a point
within 25 km of one of the gold places; a region-level gold event (only countries,
provinces, rivers, fronts) is matched only by a feature that is itself region-level, never
by a point. Strict scoring also needs the same date. Matching is one-to-one, greedy.

Precision is over the drawn features (those with a geometry: what the map shows); recall
is over the gold events, which region-level features (listed, not drawn) may match too.
Distances here are computed by this script's own haversine, never by ``geo``.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "bench" / "realreports"
NEAR_KM = 25.0
PLACE_KM = 10.0  # a named place is resolved when geo puts it within this of the gold point
REGION_KM = 300.0
EARTH_KM = 6371.0088

#: Names of the same force as annotators and the tool may write them (evaluation only).
ACTOR_SYNONYMS = {
    "isis": "islamic state",
    "isil": "islamic state",
    "daesh": "islamic state",
    "is": "islamic state",
    "syrian government": "syria",
    "syrian army": "syria",
    "iraqi army": "iraq",
    "sudanese army": "sudan",
    "saf": "sudan",
    "sudanese armed forces": "sudan",
    "lna": "libyan national army",
    "ypg": "sdf",
    "sna": "syrian national army",
    "houthi": "houthis",
    "ansar allah": "houthis",
    "gaddafi forces": "libya",
    "free syrian army": "syrian rebels",
    "donetsk people's republic": "pro-russian separatists",
    "luhansk people's republic": "pro-russian separatists",
    "yemen": "yemeni government",
}


#: Words that say only that a phrase is a force ("pro-Russian forces", "Syrian fighters"):
#: left out when asking whether the tool's name is a less specific one of the annotator's.
GENERIC_FORCE_WORDS = frozenset({"forces", "force", "troops", "fighters", "soldiers", "units"})


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def norm_actor(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = re.sub(r"\([^)]*\)", "", str(value)).strip().lower()
    text = re.sub(r"^the\s+", "", text)
    return ACTOR_SYNONYMS.get(text, text)


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


@dataclass
class Place:
    name: str
    lat: float
    lon: float
    region: bool


@dataclass
class Gold:
    kinds: set[str]
    actors: set[str | None]
    places: list[Place]
    date: str | None
    status: str
    quote: str

    @property
    def region_level(self) -> bool:
        return all(p.region for p in self.places)

    @property
    def towns(self) -> list[Place]:
        return [p for p in self.places if not p.region]


@dataclass
class Drawn:
    kind: str
    actor: str | None
    places: list[Place]
    date: str | None
    status: str
    quote: str
    geometry_type: str | None

    @property
    def region_level(self) -> bool:
        return all(p.region for p in self.places)


@dataclass
class Tally:
    gold: int = 0
    drawn: int = 0  # features with a geometry (what the map draws)
    listed: int = 0  # region-level features: in the data and the list, not drawn
    strict: int = 0
    loose: int = 0
    strict_drawn: int = 0
    loose_drawn: int = 0
    dated: int = 0
    region_points: int = 0
    status_right: int = 0
    claims: int = 0
    claims_found: int = 0
    verdicts_right: int = 0
    places: int = 0  # gold places of reports that list them (``places:``)
    places_near: int = 0  # of those, resolved within PLACE_KM of the gold point
    failures: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "gold",
            "drawn",
            "listed",
            "strict",
            "loose",
            "strict_drawn",
            "loose_drawn",
            "dated",
            "region_points",
            "status_right",
            "claims",
            "claims_found",
            "verdicts_right",
            "places",
            "places_near",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures


def gold_events(report: dict[str, Any]) -> list[Gold]:
    out = []
    for event in report.get("events") or []:
        places = [
            Place(p["name"], float(p["lat"]), float(p["lon"]), p.get("level") == "region")
            for p in event["places"]
        ]
        out.append(
            Gold(
                kinds=set(as_list(event["kind"])),
                actors={norm_actor(a) for a in as_list(event["actor"])},
                places=places,
                date=str(event["date"]) if event.get("date") else None,
                status=str(event.get("status", "reported")),
                quote=str(event.get("quote", "")),
            )
        )
    return out


def drawn_features(result: Any, gazetteer: Any) -> list[Drawn]:
    from geo.models import AREA_KINDS

    out = []
    for row in result.events.itertuples(index=False):
        places = []
        for pid in row.place_ids:
            place = gazetteer.get(pid)
            places.append(Place(place.name, place.lat, place.lon, place.kind in AREA_KINDS))
        geometry = row.geometry
        out.append(
            Drawn(
                kind=row.kind,
                actor=norm_actor(row.actor),
                places=places,
                date=row.date if isinstance(row.date, str) else None,
                status=row.status,
                quote=str(row.quote),
                geometry_type=None if geometry is None or geometry.is_empty else geometry.geom_type,
            )
        )
    return out


def places_agree(drawn: Drawn, gold: Gold) -> bool:
    if gold.region_level or drawn.region_level:
        if not (gold.region_level and drawn.region_level):
            return False
        return any(
            haversine(d.lat, d.lon, g.lat, g.lon) <= REGION_KM
            for d in drawn.places
            for g in gold.places
        )
    towns = [p for p in drawn.places if not p.region]
    targets = gold.towns
    if not towns or not targets:
        return False

    def near(a: Place, b: Place) -> bool:
        return haversine(a.lat, a.lon, b.lat, b.lon) <= NEAR_KM

    if len(towns) >= 2 and len({(p.lat, p.lon) for p in towns}) >= 2:
        if len(targets) >= 2:
            return near(towns[0], targets[0]) and near(towns[-1], targets[-1])
        return near(towns[-1], targets[0])
    return any(near(towns[0], g) for g in targets)


def actor_agrees(drawn: str | None, gold: set[str | None]) -> bool:
    """The same force, or a less specific name of it ("rebels" for "Syrian rebels",
    "pro-Russian forces" for "pro-Russian separatists": words that only say "a force" are
    left out); a merged feature's actors ("A & B") agree when one of them does."""
    if drawn is None:
        return None in gold or "unknown" in gold
    for part in drawn.split(" & "):
        words = set(part.split()) - GENERIC_FORCE_WORDS or set(part.split())
        if any(g is not None and (part == g or words <= set(g.split())) for g in gold):
            return True
    return False


def compatible(drawn: Drawn, gold: Gold, with_date: bool) -> bool:
    if drawn.kind not in gold.kinds:
        return False
    if not actor_agrees(drawn.actor, gold.actors):
        return False
    if with_date and drawn.date != gold.date:
        return False
    return places_agree(drawn, gold)


def match(drawn: list[Drawn], gold: list[Gold], with_date: bool) -> list[tuple[int, int]]:
    pairs = []
    used_gold: set[int] = set()
    for i, d in enumerate(drawn):
        for j, g in enumerate(gold):
            if j not in used_gold and compatible(d, g, with_date):
                pairs.append((i, j))
                used_gold.add(j)
                break
    return pairs


def score_claims(report: dict[str, Any], result: Any, tally: Tally) -> None:
    checks = [c for c in result.run.checks if c.kind == "distance"]
    for gold in report.get("claims") or []:
        tally.claims += 1
        subject, reference = gold["subject"], gold["reference"]
        found = None
        for check in checks:
            claim = check.claim
            target = claim.subject
            if target is None or claim.reference is None:
                continue
            ends = [
                (target.lat, target.lon, subject),
                (claim.reference.lat, claim.reference.lon, reference),
            ]
            same = all(haversine(la, lo, g["lat"], g["lon"]) <= NEAR_KM for la, lo, g in ends)
            swapped = all(
                haversine(la, lo, g["lat"], g["lon"]) <= NEAR_KM
                for (la, lo, _), g in zip(ends, (reference, subject), strict=True)
            )
            if (same or swapped) and abs(claim.claimed_km - float(gold["claimed_km"])) < 1.0:
                found = check
                break
        if found is None:
            tally.failures.append(
                f"  claim missed: {subject['name']} - {reference['name']} {gold['claimed_km']} km"
            )
            continue
        tally.claims_found += 1
        if found.verdict == gold["verdict"]:
            tally.verdicts_right += 1
        else:
            tally.failures.append(
                f"  claim verdict: {subject['name']} {gold['claimed_km']} km: geo says "
                f"{found.verdict}, gold {gold['verdict']}"
            )


def score_report(report: dict[str, Any], gazetteer: Any) -> Tally:
    import geo

    record = {
        "id": report["id"],
        "text": report["text"],
        "published": str(report["published"]),
        "source": report.get("source"),
        "title": report.get("title"),
        "url": report.get("url"),
    }
    result = geo.extract([record], gazetteer=gazetteer)
    gold = gold_events(report)
    drawn = drawn_features(result, gazetteer)
    tally = Tally(gold=len(gold), drawn=sum(1 for d in drawn if d.geometry_type))
    strict = match(drawn, gold, with_date=True)
    loose = match(drawn, gold, with_date=False)
    tally.strict, tally.loose = len(strict), len(loose)
    tally.strict_drawn = sum(1 for i, _ in strict if drawn[i].geometry_type)
    tally.loose_drawn = sum(1 for i, _ in loose if drawn[i].geometry_type)
    tally.listed = len(drawn) - tally.drawn
    tally.dated = sum(1 for d in drawn if d.date)
    tally.region_points = sum(
        1 for d in drawn if d.geometry_type == "Point" and d.places and d.region_level
    )
    tally.status_right = sum(1 for i, j in loose if drawn[i].status == gold[j].status)
    matched_drawn = {i for i, _ in loose}
    matched_gold = {j for _, j in loose}
    for i, d in enumerate(drawn):
        if i not in matched_drawn:
            tally.failures.append(
                f"  FP {report['id']}: {d.kind} {d.actor} "
                f"{' > '.join(p.name for p in d.places)} {d.date} | {d.quote[:110]}"
            )
    for j, g in enumerate(gold):
        if j not in matched_gold:
            tally.failures.append(
                f"  FN {report['id']}: {'/'.join(sorted(g.kinds))} "
                f"{'/'.join(str(a) for a in g.actors)} "
                f"{' > '.join(p.name for p in g.places)} {g.date} | {g.quote[:110]}"
            )
    for i, j in loose:
        if (i, j) not in strict and drawn[i].date != gold[j].date:
            tally.failures.append(
                f"  DATE {report['id']}: {drawn[i].kind} "
                f"{' > '.join(p.name for p in gold[j].places)} "
                f"geo {drawn[i].date}, gold {gold[j].date}"
            )
    score_claims(report, result, tally)
    score_places(report, result, tally)
    return tally


def score_places(report: dict[str, Any], result: Any, tally: Tally) -> None:
    """Each gold place (``places:``, as spelled in the text) against the places geo resolved
    under that spelling: right when one lies within PLACE_KM."""
    frame = result.places
    for gold in report.get("places") or []:
        tally.places += 1
        spelled = str(gold["name"]).casefold()
        rows = frame[frame["text"].str.casefold() == spelled] if len(frame) else frame
        near = [
            haversine(gold["lat"], gold["lon"], point.y, point.x)
            for point in rows.geometry
            if point is not None and not point.is_empty
        ]
        if near and min(near) <= PLACE_KM:
            tally.places_near += 1
        else:
            got = f"{min(near):.0f} km off" if near else "not found"
            tally.failures.append(f"  PLACE {report['id']}: {gold['name']} {got}")


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def line(name: str, t: Tally) -> str:
    return (
        f"{name:<18} gold {t.gold:>3} drawn {t.drawn:>3} (+{t.listed} listed) | strict P "
        f"{ratio(t.strict_drawn, t.drawn)} R {ratio(t.strict, t.gold)} | dates aside P "
        f"{ratio(t.loose_drawn, t.drawn)} R {ratio(t.loose, t.gold)} | dated "
        f"{ratio(t.dated, t.drawn + t.listed)} | region points {t.region_points} | status "
        f"{ratio(t.status_right, t.loose)} | claims found "
        f"{t.claims_found}/{t.claims}, verdicts right {t.verdicts_right}"
        + (f" | places within {PLACE_KM:g} km {ratio(t.places_near, t.places)}" if t.places else "")
        + f" | F1 strict {f1(t.strict_drawn, t.drawn, t.strict, t.gold)}"
    )


def f1(hits_drawn: int, drawn: int, hits_gold: int, gold: int) -> str:
    if not drawn or not gold or not (hits_drawn or hits_gold):
        return "n/a" if not drawn or not gold else "0.000"
    precision, recall = hits_drawn / drawn, hits_gold / gold
    return f"{2 * precision * recall / (precision + recall):.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=int, action="append", help="rounds to score (default all)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="folder of roundN/ folders (default: bench/realreports; bench/dispatches too)",
    )
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    from geo import Gazetteer

    folders = sorted(p for p in corpus.glob("round*") if p.is_dir())
    if args.round:
        folders = [f for f in folders if int(f.name.removeprefix("round")) in args.round]
    if not folders:
        print(f"no rounds found under {corpus}")
        return 0
    gazetteer = Gazetteer.load()
    total = Tally()
    started = time.perf_counter()
    reports = 0
    for folder in folders:
        round_total = Tally()
        for path in sorted(folder.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            conflict = Tally()
            for report in data["reports"]:
                conflict.add(score_report(report, gazetteer))
                reports += 1
            print(line(f"{folder.name}/{path.stem}", conflict))
            if args.verbose:
                print("\n".join(conflict.failures))
            round_total.add(conflict)
        print(line(f"{folder.name} (all)", round_total))
        total.add(round_total)
    if len(folders) > 1:
        print(line("all rounds", total))
    kinds: Counter[str] = Counter()
    for failure in total.failures:
        kinds[failure.split()[0]] += 1
    print(
        f"misses by type: {dict(kinds)}; {reports} reports in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
