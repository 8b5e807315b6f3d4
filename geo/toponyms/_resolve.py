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

One sense per document: every occurrence of a name gets the same reading. What a rule reads
of a name's candidates alone (their countries, city/region twins, coordinates) is worked
out once per distinct name (:class:`Facts`, shared by every document's copy of the name).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.gazetteer import fold
from geo.models import AREA_KINDS, Place

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


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules read of a name's candidates alone, the same in every document.

    ``countries``: each country of the candidates (in order of first appearance) with the
    indices of its candidates; ``city_over_region``: the ``(region, city, note)`` pairs of
    :meth:`Resolver._city_over_region`; ``points``: the indices of the candidates that are
    no areas; ``radians`` the latitudes (row 0) and longitudes (row 1) of every candidate
    in radians and the cosines of the latitudes (row 2), ``point_radians`` those of the
    ``points`` and ``columns`` those of each candidate (a column); ``admin1`` the folded
    first-level region of each candidate (None where it has none).
    """

    countries: tuple[tuple[str, tuple[int, ...]], ...]
    city_over_region: tuple[tuple[int, int, str], ...]
    points: tuple[int, ...]
    radians: np.ndarray
    point_radians: np.ndarray
    columns: tuple[np.ndarray, ...]
    admin1: tuple[str | None, ...]

    @classmethod
    def of(cls, candidates: Sequence[Place]) -> Facts:
        countries: dict[str, list[int]] = {}
        for i, place in enumerate(candidates):
            countries.setdefault(place.country, []).append(i)
        points = [i for i, place in enumerate(candidates) if place.kind not in AREA_KINDS]
        radians = np.radians([[p.lat for p in candidates], [p.lon for p in candidates]])
        radians = radians.reshape(2, len(candidates))
        radians = np.concatenate([radians, np.cos(radians[:1])])
        return cls(
            countries=tuple((code, tuple(indices)) for code, indices in countries.items()),
            city_over_region=_city_region_pairs(candidates),
            points=tuple(points),
            radians=radians,
            point_radians=radians[:, points],
            columns=tuple(radians[:, i, None] for i in range(len(candidates))),
            admin1=tuple(fold(p.admin1) if p.admin1 else None for p in candidates),
        )


@dataclass(slots=True)
class Name:
    """One distinct name in a document: its candidates and the spans that carry it."""

    key: tuple[str, ...]
    candidates: list[Place]
    spans: list[int] = field(default_factory=list)
    demonym: Place | None = None
    scores: list[float] = field(default_factory=list)
    #: The notes of each candidate (tuples, so a copy shares them until a rule adds one).
    notes: list[tuple[str, ...]] = field(default_factory=list)
    best: int = 0
    #: The reason of a mention of the best reading, by the note of its span.
    reasons: dict[str, str] = field(default_factory=dict)
    #: What the rules read of the candidates alone (set by :meth:`Resolver.start`).
    facts: Facts | None = None

    def copy(self) -> Name:
        """A fresh copy for another document: no spans, its own scores and notes."""
        return Name(  # positional, in the order of the fields (a document makes many)
            self.key,
            self.candidates,  # shared: never changed in place (``start`` sets a new list)
            [],
            self.demonym,
            list(self.scores),
            list(self.notes),
            0,
            {},
            self.facts,
        )

    @property
    def known(self) -> Facts:
        """:attr:`facts`, worked out now for a name :meth:`Resolver.start` did not score."""
        if self.facts is None:
            self.facts = Facts.of(self.candidates)
        return self.facts

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
        name.notes = [(note,) if note else () for _, _, note in scored]
        name.facts = Facts.of(name.candidates)

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
            areas = [(j, area) for j, area in enumerate(outer_places) if area.is_area]
            hit_outer: set[int] = set()
            for i, place in enumerate(inner.candidates):
                for j, area in areas:  # only an area contains places
                    if _contains(area, place):
                        inner.scores[i] += QUALIFIER
                        inner.notes[i] += (f"qualified by {area.name!r}",)
                        hit_outer.add(j)
                        break
            if outer.demonym is None:
                for j in hit_outer:
                    outer.scores[j] += QUALIFIER
                    outer.notes[j] += ("qualifies a place inside it",)

    def _focus(self, names: list[Name]) -> None:
        """Each candidate gains ``FOCUS`` times the share of the rest of the document that
        is about its country (worked out once per country of the name's candidates)."""
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
            scores, notes = name.scores, name.notes
            for country, indices in name.known.countries:
                if country not in weights:
                    continue  # its share is 0
                share = (weights[country] - (own_weight if country == own_country else 0.0)) / rest
                if share > 0:
                    gain, note = FOCUS * share, f"{country} is {share:.0%} of the document"
                    for i in indices:
                        scores[i] += gain
                        notes[i] += (note,)

    def _city_over_region(self, names: list[Name]) -> None:
        for name in names:
            for i, j, note in name.known.city_over_region:
                name.scores[j] = max(name.scores[j], name.scores[i] + CITY_OVER_REGION / 4)
                name.notes[j] += (note,)

    def _regions(self, names: list[Name]) -> None:
        """Candidates inside a first-level region the document names elsewhere get a bonus."""
        regions = [
            (n, place, fold(place.admin1))
            for n, name in enumerate(names)
            if name.demonym is None
            and (place := name.place) is not None
            and place.kind == "admin1"
            and place.admin1  # else it holds nothing (see _contains)
        ]
        if not regions:
            return
        countries = {region.country for _, region, _ in regions}
        for n, name in enumerate(names):
            if name.demonym is not None or len(name.candidates) < 2:
                continue
            facts = name.known
            for country, indices in facts.countries:
                if country not in countries:
                    continue  # a first-level region holds only places of its country
                for i in indices:
                    place, admin1 = name.candidates[i], facts.admin1[i]
                    for m, region, region_admin1 in regions:
                        # _contains(region, place) for a first-level region
                        if (
                            admin1 == region_admin1
                            and m != n
                            and region.country == country
                            and region.id != place.id
                        ):
                            name.scores[i] += REGION
                            name.notes[i] += (f"in {region.name}, named in the text",)
                            break

    def _coherence(self, names: list[Name]) -> None:
        """Candidates near the other places of the document (not areas) get a bonus."""
        anchors = [
            (n, name)
            for n, name in enumerate(names)
            if name.demonym is None
            and name.candidates
            and name.candidates[name.best].kind not in AREA_KINDS
        ]
        if len(anchors) < 2:
            return
        rows = [
            (n, facts)
            for n, name in enumerate(names)
            if name.demonym is None and len(name.candidates) > 1 and (facts := name.known).points
        ]
        if not rows:
            return
        # one array of coordinates: the rows' places, then the anchors'
        coordinates = np.concatenate(
            [facts.point_radians for _, facts in rows]
            + [name.known.columns[name.best] for _, name in anchors],
            axis=1,
        )
        count = coordinates.shape[1] - len(anchors)
        d = _haversine(coordinates[:, :count, None], coordinates[:, None, count:])
        column = {n: k for k, (n, _) in enumerate(anchors)}
        first = 0
        for n, facts in rows:  # a name is not near itself
            if n in column:
                d[first : first + len(facts.points), column[n]] = np.inf
            first += len(facts.points)
        nearest = np.minimum.reduce(d, axis=1).tolist()
        first = 0
        for n, facts in rows:
            name, stop = names[n], first + len(facts.points)
            for i, km in zip(facts.points, nearest[first:stop], strict=True):
                if km > _FARTHEST:
                    continue
                for limit, bonus in NEAR:
                    if km <= limit:
                        name.scores[i] += bonus
                        name.notes[i] += (f"{km:.0f} km from another place in the text",)
                        break
            first = stop


def qualifies(text: str, end: int, start: int) -> bool:
    """True when the name starting at ``start`` qualifies the one ending at ``end``: only
    ", ", "(" or "in (eastern) " stand between them."""
    return start - end <= 24 and _QUALIFIER_GAP.match(text[end:start]) is not None


def shares(scores: list[float]) -> list[float]:
    """The softmax weights of the candidates (0..1, summing to 1), not rounded (a mention
    quotes the few it shows rounded to 3 places; rounding all of them is slow)."""
    if not scores:
        return []
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


#: A city this populous inside the first-level region of its name is what the bare name
#: means ("Kherson", "Donetsk", "Idlib": the city, not the oblast or governorate).
CITY_OVER_REGION_POPULATION = 10_000


def _city_region_pairs(candidates: Sequence[Place]) -> tuple[tuple[int, int, str], ...]:
    """``(region, city, note)`` for each first-level region among ``candidates`` and the
    first city of 10,000 people in it that shares its name (New York, Kherson)."""
    pairs = []
    for i, region in enumerate(candidates):
        if region.kind != "admin1":
            continue
        for j, city in enumerate(candidates):
            if (
                city.kind in ("city", "town")
                and city.country == region.country
                and fold(city.admin1) == fold(region.admin1 or region.name)
                and city.population >= CITY_OVER_REGION_POPULATION
            ):
                pairs.append((i, j, f"the city, not the region {region.name!r}"))
                break
    return tuple(pairs)


def round_share(weight: float) -> float:
    """``round(weight, 3)`` for a share (0..1), without the decimal conversion that makes
    :func:`round` slow.

    ``scaled = weight * 1000`` is within 2**-43 of the exact product (it is below 1024), so
    when it is not within 0.0001 of a tie, its nearest integer ``k`` is the exact product's,
    which is what :func:`round` rounds to; ``k / 1000`` is then the float nearest to the
    decimal ``k / 1000``, as :func:`round` returns. Near a tie :func:`round` decides.
    """
    if 0.0 < weight <= 1.0:
        scaled = weight * 1000.0
        nearest = round(scaled)
        if abs(scaled - nearest) < 0.4999:
            return nearest / 1000.0
    return round(weight, 3)


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
    """The index of the first of the highest values (scores are finite numbers)."""
    return values.index(max(values)) if len(values) > 1 else 0


def _haversine(points: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (for ranking, not reporting) between ``points`` (rows)
    and ``anchors`` (columns): the first axis of each holds latitudes and longitudes in
    radians and the cosines of the latitudes (see :class:`Facts`); latitude and longitude
    halves go through the same operations at once."""
    half = np.sin((anchors[:2] - points[:2]) / 2) ** 2
    a = half[0] + points[2] * anchors[2] * half[1]
    # a >= 0 (squares, and cosines of latitudes); rounding may take it just over 1
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
