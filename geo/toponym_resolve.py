"""Toponym resolution: pick the right place for each recognised name, with visible evidence.

Every candidate gets a score from named, general signals, and the reason of the winner
lists the ones that counted:

- ``prior``: a curated row; the kind of place (country, region, city) and its population;
  whether the text uses the place's own name or only an alternate one; a capital city;
- ``focus``: how much of the rest of the document is about the candidate's country
  (countries and demonyms it names, the likely readings of its other places);
- ``qualifier``: "Atlanta, Georgia", "Gori (Georgia)", "Kareli in eastern Georgia": the
  second name contains the first;
- ``coherence``: the candidate lies near the other places resolved in the document;
- ``city over region``: a city that shares its name with the region around it (New York).

One sense per document: every occurrence of a name gets the same reading.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.models import AREA_KINDS, Candidate, Place
from geo.names import fold

#: Weights of the signals (log-odds-like points); see the module docstring.
CURATED = 2.0
KIND = {"country": 3.0, "admin1": 1.5, "region": 2.5, "river": 1.0}
ADMIN2 = 0.3
POPULATION = 0.4
OWN_NAME = 1.0
CAPITAL = 2.0
FOCUS = 3.0
QUALIFIER = 4.0
CITY_OVER_REGION = 2.0
REGION = 1.5
NEAR = ((50.0, 1.5), (200.0, 1.0), (500.0, 0.5))
_FARTHEST = max(limit for limit, _ in NEAR)
MAX_CANDIDATES = 12
EARTH_RADIUS_KM = 6371.0088

_QUALIFIER_GAP = re.compile(
    r"^(?:\s*,\s*|\s*\(\s*|\s+in\s+(?:the\s+)?(?:(?:north|south|east|west|central|"
    r"northern|southern|eastern|western|north-?eastern|north-?western|south-?eastern|"
    r"south-?western|northeast|northwest|southeast|southwest|central)\s+)?)$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Name:
    """One distinct name in a document: its candidates and the spans that carry it."""

    key: tuple[str, ...]
    candidates: list[Place]
    spans: list[int] = field(default_factory=list)
    demonym: Place | None = None
    scores: list[float] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)
    best: int = 0
    #: The confidence of the best reading (set, with ``alternatives``, when first quoted).
    score: float | None = None
    alternatives: tuple[Candidate, ...] = ()
    #: The reason of a mention of the best reading, by the note of its span.
    reasons: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Name:
        """A fresh copy for another document: no spans, its own scores and notes."""
        return Name(
            key=self.key,
            candidates=list(self.candidates),
            demonym=self.demonym,
            scores=list(self.scores),
            notes=[list(notes) for notes in self.notes],
        )

    @property
    def place(self) -> Place | None:
        if self.demonym is not None:
            return self.demonym
        return self.candidates[self.best] if self.candidates else None


class Resolver:
    """Scores candidates; holds per-place caches so a long run stays fast."""

    def __init__(self, capitals: frozenset[str]) -> None:
        self._capitals = capitals
        self._prior: dict[tuple[str, str], tuple[float, str]] = {}

    # -- prior ---------------------------------------------------------------------------
    def prior(self, place: Place, surface_key: str) -> tuple[float, str]:
        """Score and note from what the place is, before reading the document."""
        cache_key = (place.id, surface_key)
        cached = self._prior.get(cache_key)
        if cached is not None:
            return cached
        score = POPULATION * math.log10(place.population + 10)
        notes = []
        if place.curated:
            score += CURATED
            notes.append("curated row")
        if place.id.startswith("admin2:"):
            score += ADMIN2
        else:
            score += KIND.get(place.kind, 0.0)
        if place.kind in ("country", "admin1") or place.id.startswith("region:"):
            notes.append(place.kind)
        if place.curated or place.id.startswith("region:") or fold(place.name) == surface_key:
            score += OWN_NAME
        if place.id in self._capitals:
            score += CAPITAL
            notes.append("capital")
        if place.population:
            notes.append(f"population {place.population:,}")
        result = (score, ", ".join(notes))
        self._prior[cache_key] = result
        return result

    # -- the document ---------------------------------------------------------------------
    def resolve(
        self, names: list[Name], qualifiers: list[tuple[int, int]], span_names: list[int]
    ) -> None:
        """Choose ``best`` for every name (in place), filling ``scores`` and ``notes``.

        ``qualifiers`` are (qualified span, qualifying span) pairs, ``span_names`` maps a
        span to its index in ``names``. A name whose ``scores`` are filled already (a copy
        of one :meth:`start` scored) is not started again.
        """
        for name in names:
            if not name.scores:
                self.start(name)
        self._qualify(names, qualifiers, span_names)
        self._focus(names)
        self._city_over_region(names)
        for name in names:
            name.best = _argmax(name.scores)
        self._regions(names)
        self._coherence(names)
        for name in names:
            name.best = _argmax(name.scores)

    def start(self, name: Name) -> None:
        """Score the candidates by :meth:`prior` alone, best first (at most
        ``MAX_CANDIDATES``); the same for a name in every document."""
        surface_key = name.key[0] if name.key else ""
        scored = []
        for place in name.candidates:
            score, note = self.prior(place, surface_key)
            scored.append((score, place, note))
        scored.sort(key=lambda item: -item[0])
        scored = scored[:MAX_CANDIDATES]
        name.candidates = [place for _, place, _ in scored]
        name.scores = [score for score, _, _ in scored]
        name.notes = [[note] if note else [] for _, _, note in scored]

    def _qualify(
        self, names: list[Name], qualifiers: list[tuple[int, int]], span_names: list[int]
    ) -> None:
        done: set[tuple[int, int]] = set()
        for inner_span, outer_span in qualifiers:
            pair = (span_names[inner_span], span_names[outer_span])
            if pair in done or pair[0] == pair[1]:
                continue
            done.add(pair)
            inner, outer = names[pair[0]], names[pair[1]]
            outer_places = [outer.demonym] if outer.demonym else outer.candidates
            hit_outer: set[int] = set()
            for i, place in enumerate(inner.candidates):
                for j, area in enumerate(outer_places):
                    if _contains(area, place):
                        inner.scores[i] += QUALIFIER
                        inner.notes[i].append(f"qualified by {area.name!r}")
                        hit_outer.add(j)
                        break
            if outer.demonym is None:
                for j in hit_outer:
                    outer.scores[j] += QUALIFIER
                    outer.notes[j].append("qualifies a place inside it")

    def _focus(self, names: list[Name]) -> None:
        weights: dict[str, float] = defaultdict(float)
        own: list[tuple[str, float]] = []
        for name in names:
            place = name.demonym or (
                name.candidates[_argmax(name.scores)] if name.candidates else None
            )
            if place is None or not place.country:
                own.append(("", 0.0))
                continue
            weight = 2.0 if place.kind == "country" else 1.5 if name.demonym else 1.0
            weight *= 1.0 + math.log(len(name.spans))
            weights[place.country] += weight
            own.append((place.country, weight))
        total = sum(weights.values())
        for name, (own_country, own_weight) in zip(names, own, strict=True):
            rest = total - own_weight
            if rest <= 0 or name.demonym is not None:
                continue
            for i, place in enumerate(name.candidates):
                country = place.country
                if country not in weights:
                    continue  # its share is 0
                share = (weights[country] - (own_weight if country == own_country else 0.0)) / rest
                if share > 0:
                    name.scores[i] += FOCUS * share
                    name.notes[i].append(f"{country} is {share:.0%} of the document")

    def _city_over_region(self, names: list[Name]) -> None:
        for name in names:
            for i, region in enumerate(name.candidates):
                if region.kind != "admin1":
                    continue
                for j, city in enumerate(name.candidates):
                    if (
                        city.kind in ("city", "town")
                        and city.country == region.country
                        and fold(city.admin1) == fold(region.admin1 or region.name)
                        and city.population >= 100_000
                    ):
                        name.scores[j] = max(name.scores[j], name.scores[i] + CITY_OVER_REGION / 4)
                        name.notes[j].append(f"the city, not the region {region.name!r}")
                        break

    def _regions(self, names: list[Name]) -> None:
        """Candidates inside a first-level region the document names elsewhere get a bonus."""
        regions = [
            (n, place)
            for n, name in enumerate(names)
            if name.demonym is None and (place := name.place) is not None and place.kind == "admin1"
        ]
        if not regions:
            return
        countries = {region.country for _, region in regions}
        for n, name in enumerate(names):
            if name.demonym is not None or len(name.candidates) < 2:
                continue
            for i, place in enumerate(name.candidates):
                if place.country not in countries:
                    continue  # a first-level region holds only places of its country
                for m, region in regions:
                    if m != n and _contains(region, place):
                        name.scores[i] += REGION
                        name.notes[i].append(f"in {region.name}, named in the text")
                        break

    def _coherence(self, names: list[Name]) -> None:
        """Candidates near the other places of the document (not areas) get a bonus."""
        anchors = [
            (n, place)
            for n, name in enumerate(names)
            if name.demonym is None
            and name.candidates
            and (place := name.candidates[name.best]).kind not in AREA_KINDS
        ]
        if len(anchors) < 2:
            return
        rows = [
            (n, i, place)
            for n, name in enumerate(names)
            if name.demonym is None and len(name.candidates) > 1
            for i, place in enumerate(name.candidates)
            if place.kind not in AREA_KINDS
        ]
        if not rows:
            return
        # one array of radians: the rows' places, then the anchors'
        radians = np.radians(
            [
                [p.lat for _, _, p in rows] + [p.lat for _, p in anchors],
                [p.lon for _, _, p in rows] + [p.lon for _, p in anchors],
            ]
        )
        count = len(rows)
        d = _haversine(
            radians[0, :count, None],
            radians[1, :count, None],
            radians[0, None, count:],
            radians[1, None, count:],
        )
        column = {n: k for k, (n, _) in enumerate(anchors)}
        own = [(r, column[n]) for r, (n, _, _) in enumerate(rows) if n in column]
        if own:  # a name is not near itself
            d[[r for r, _ in own], [k for _, k in own]] = np.inf
        nearest = d.min(axis=1).tolist()
        for (n, i, _), km in zip(rows, nearest, strict=True):
            if km > _FARTHEST:
                continue
            for limit, bonus in NEAR:
                if km <= limit:
                    names[n].scores[i] += bonus
                    names[n].notes[i].append(f"{km:.0f} km from another place in the text")
                    break


def qualifier_pairs(text: str, starts: Sequence[int], ends: Sequence[int]) -> list[tuple[int, int]]:
    """(qualified, qualifying) span pairs: "Atlanta, Georgia", "Kareli in eastern Georgia"."""
    pairs = []
    for i in range(len(starts) - 1):
        gap = text[ends[i] : starts[i + 1]]
        if len(gap) <= 24 and _QUALIFIER_GAP.match(gap):
            pairs.append((i, i + 1))
    return pairs


def shares(scores: list[float]) -> list[float]:
    """The softmax weights of the candidates (0..1, summing to 1), not rounded (a mention
    quotes the few it shows rounded to 3 places; rounding all of them is slow)."""
    if not scores:
        return []
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _contains(area: Place, place: Place) -> bool:
    """True when ``place`` lies in ``area`` by the gazetteer's country/admin1 fields."""
    if area.id == place.id or not area.is_area:
        return False
    if area.kind == "country":
        return bool(place.country) and place.country == area.country
    if area.admin1 and (area.kind == "admin1" or area.kind == "region"):
        region_name = fold(area.admin1)
        if place.country == area.country and place.admin1 and fold(place.admin1) == region_name:
            return True
    if area.kind == "region" and not area.id.startswith("gn:"):
        return _km(area, place) <= 200.0
    return False


def _km(a: Place, b: Place) -> float:
    """Great-circle distance in km (for ranking, not reporting: geodesy.py reports)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _argmax(values: list[float]) -> int:
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def _haversine(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between arrays of radians (for ranking, not reporting)."""
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
