"""The toponym stage's fast paths give exactly what the plain rules give.

Each test runs a quick form of a step and a plain, obviously correct form of it (written
here, as the step was before it was made fast) on varied or random inputs, and asks for the
same answer to the last bit.
"""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

from geo.gazetteer._names import _ASCII_TABLE, _NON_ASCII, _match_non_ascii, fold, match_form
from geo.models import AREA_KINDS, Candidate, Place
from geo.toponyms._match import (
    _CODE_BIT,
    _ENTRY_SHIFT,
    Recogniser,
    Span,
    _capital_starts,
    _case_rule,
    _dateline,
    _longest,
    _longest_first,
    _scan,
    _shouting,
)
from geo.toponyms._resolve import (
    CITY_OVER_REGION,
    EARTH_RADIUS_KM,
    FOCUS,
    NEAR,
    QUALIFIER,
    REGION,
    Name,
    Resolver,
    _argmax,
    _contains,
    _haversine,
    qualifies,
    round_share,
    shares,
)
from geo.toponyms._toponyms import (
    _BARE_CAPITAL,
    _CAPITAL_OF,
    DEMONYM_SCORE,
    MAX_ALTERNATIVES,
    Toponymizer,
    _bare_phrases,
    _capital_words,
    _shared,
)


# -- names.match_form -------------------------------------------------------------------
def plain_match_form(text: str) -> str:
    """Character by character: the rule for each character that is not ASCII, then the
    ASCII table."""
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _match_non_ascii(m.group(0)), text)
    return text.translate(_ASCII_TABLE)


def test_match_form_of_every_code_point_is_the_plain_rules() -> None:
    for low in range(0, 0x110000, 1000):  # long strings: the table path
        text = "".join(chr(code) for code in range(low, min(low + 1000, 0x110000)))
        assert match_form(text) == plain_match_form(text), hex(low)


def test_match_form_of_mixed_texts_is_the_plain_rules() -> None:
    rng = random.Random(11)
    pools = [(0, 128), (128, 0x2070), (0x2070, 0x30000), (0xD800, 0xE000)]
    for _ in range(2000):
        length = rng.choice([rng.randrange(0, 30), rng.randrange(200, 700)])
        weights = [rng.random() for _ in pools]
        text = "".join(chr(rng.randrange(*rng.choices(pools, weights)[0])) for _ in range(length))
        assert match_form(text) == plain_match_form(text), repr(text)
        ascii_text = "".join(chr(rng.randrange(128)) for _ in range(length))
        assert match_form(ascii_text) == plain_match_form(ascii_text)


# -- toponym_match ----------------------------------------------------------------------
def test_capital_starts_are_spaces_before_capitals() -> None:
    rng = random.Random(12)
    letters = "aBcD xY.,'-’É é Ω ω\n\t(«»[@`{Z"
    for _ in range(3000):
        text = "".join(rng.choice(letters) for _ in range(rng.randrange(0, 60)))
        if rng.random() < 0.5:
            text = text.encode("ascii", "ignore").decode()
        padded = " " + match_form(text) + " "
        expected = [
            i
            for i, char in enumerate(text)
            if padded[i] == " " and char.isupper() and ("A" <= char <= "Z" or ord(char) > 127)
        ]
        assert _capital_starts(text, padded) == expected, repr(text)


def plain_longest(
    hits: list[tuple[int, int, tuple[str, ...], str]],
) -> list[tuple[int, int, tuple[str, ...], str]]:
    """The longest hits first (ties: the earlier), each kept when it overlaps none taken."""
    taken: list[tuple[int, int, tuple[str, ...], str]] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= other[0] or other[1] <= hit[0] for other in taken):
            taken.append(hit)
    return sorted(taken, key=lambda h: h[0])


def test_longest_hits_are_the_plain_choice() -> None:
    rng = random.Random(13)
    for _ in range(3000):
        hits: list[tuple[int, int, tuple[str, ...], str]] = []
        for _ in range(rng.randrange(0, 12)):
            start = rng.randrange(0, 400)
            hits.append((start, start + rng.randrange(1, 30), (f"k{start}",), ""))
        if rng.random() < 0.8:
            hits.sort(key=lambda h: h[0])  # as the scan gives them, mostly
        assert _longest(hits) == plain_longest(hits)
        assert _longest_first(hits) == plain_longest(hits)


# -- toponyms: capital phrases ------------------------------------------------------------
_PIECES = [
    "the", "The", "THE", "capital", "Capital", "capitals", "city", "of", "the", "Georgia",
    "markets", "former", "thecapital", "capital-city", " ", "  ", "\n", ",", "(", "-", "'s",
]  # fmt: skip


def test_capital_phrases_are_found_where_a_search_finds_them() -> None:
    rng = random.Random(14)
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) + rng.choice(["", " ", "  ", "\n"]) for _ in range(15))
        found = [m.span() for m in _CAPITAL_OF.finditer(text)]
        at_words = [
            match.span()
            for at in _capital_words(text)
            if (match := _CAPITAL_OF.match(text, at)) is not None
        ]
        assert at_words == found, repr(text)
        plain = [m.span() for m in _BARE_CAPITAL.finditer(text)]
        bare = [(p.start, p.end) for p in _bare_phrases(text)]
        assert set(bare) <= set(plain)
        # what the bare phrases leave out is "the capital of" or a compound, as before
        for span in set(plain) - set(bare):
            after = text[span[1] :]
            assert re.match(r"\s+of\b", after) or re.match(r"\s+[a-z]+\b", after), repr(text)


# -- toponym_resolve ----------------------------------------------------------------------
def test_round_share_is_round_to_three_places() -> None:
    rng = random.Random(15)
    values = [rng.random() for _ in range(200_000)]
    values += [0.0, -0.0, 1.0, 5e-324, 1e-300, 1.5, -0.25, math.inf, math.nan]
    for k in range(1001):  # ties and their neighbours
        tie = (k + 0.5) / 1000
        values += [tie, k / 1000]
        up = down = tie
        for _ in range(20):
            up, down = math.nextafter(up, 2.0), math.nextafter(down, -1.0)
            values += [up, down]
    for value in values:
        quick, plain = round_share(value), round(value, 3)
        assert quick == plain or (math.isnan(quick) and math.isnan(plain)), value
        assert math.copysign(1.0, quick) == math.copysign(1.0, plain), value


def test_argmax_is_the_first_of_the_highest() -> None:
    rng = random.Random(16)
    for _ in range(2000):
        values = [float(rng.randrange(4)) for _ in range(rng.randrange(1, 10))]
        first = next(i for i, v in enumerate(values) if v == max(values))
        assert _argmax(values) == first


def plain_haversine(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def test_haversine_table_is_the_plain_formula_to_the_bit() -> None:
    rng = np.random.default_rng(17)
    for _ in range(300):
        rows, columns = rng.integers(1, 40), rng.integers(1, 10)
        degrees = np.stack(
            [rng.uniform(-90, 90, rows + columns), rng.uniform(-180, 180, rows + columns)]
        )
        degrees[:, rng.integers(0, rows + columns)] = [90.0, 180.0]  # the edges too
        radians = np.radians(degrees)
        coordinates = np.concatenate([radians, np.cos(radians[:1])])
        quick = _haversine(coordinates[:, :rows, None], coordinates[:, None, rows:])
        plain = plain_haversine(
            radians[0, :rows, None],
            radians[1, :rows, None],
            radians[0, None, rows:],
            radians[1, None, rows:],
        )
        assert np.array_equal(quick, plain)


class PlainResolver:
    """The resolver's rules read candidate by candidate (as they were before
    :class:`geo.toponyms._resolve.Facts`)."""

    def __init__(self, capitals: frozenset[str]) -> None:
        self.resolver = Resolver(capitals)

    def resolve(
        self, names: list[Name], qualifiers: list[tuple[int, int]], span_names: list[int]
    ) -> None:
        for name in names:
            name.notes = [list(notes) for notes in name.notes]  # type: ignore[misc]
        self._qualify(names, qualifiers, span_names)
        self._focus(names)
        self._city_over_region(names)
        for name in names:
            name.best = self._argmax(name.scores)
        self._regions(names)
        self._coherence(names)
        for name in names:
            name.best = self._argmax(name.scores)
            name.notes = [tuple(notes) for notes in name.notes]

    @staticmethod
    def _argmax(values: list[float]) -> int:
        best = 0
        for i in range(1, len(values)):
            if values[i] > values[best]:
                best = i
        return best

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
                        inner.notes[i].append(f"qualified by {area.name!r}")  # type: ignore[attr-defined]
                        hit_outer.add(j)
                        break
            if outer.demonym is None:
                for j in hit_outer:
                    outer.scores[j] += QUALIFIER
                    outer.notes[j].append("qualifies a place inside it")  # type: ignore[attr-defined]

    def _focus(self, names: list[Name]) -> None:
        weights: dict[str, float] = {}
        own: list[tuple[str, float]] = []
        for name in names:
            place = name.demonym or (
                name.candidates[self._argmax(name.scores)] if name.candidates else None
            )
            if place is None or not place.country:
                own.append(("", 0.0))
                continue
            weight = 2.0 if place.kind == "country" else 1.5 if name.demonym else 1.0
            weight *= 1.0 + math.log(len(name.spans))
            weights[place.country] = weights.get(place.country, 0.0) + weight
            own.append((place.country, weight))
        total = sum(weights.values())
        for name, (own_country, own_weight) in zip(names, own, strict=True):
            rest = total - own_weight
            if rest <= 0 or name.demonym is not None:
                continue
            for i, place in enumerate(name.candidates):
                country = place.country
                if country not in weights:
                    continue
                share = (weights[country] - (own_weight if country == own_country else 0.0)) / rest
                if share > 0:
                    name.scores[i] += FOCUS * share
                    name.notes[i].append(f"{country} is {share:.0%} of the document")  # type: ignore[attr-defined]

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
                        name.notes[j].append(f"the city, not the region {region.name!r}")  # type: ignore[attr-defined]
                        break

    def _regions(self, names: list[Name]) -> None:
        regions = [
            (n, place)
            for n, name in enumerate(names)
            if name.demonym is None and (place := name.place) is not None and place.kind == "admin1"
        ]
        for n, name in enumerate(names):
            if name.demonym is not None or len(name.candidates) < 2:
                continue
            for i, place in enumerate(name.candidates):
                for m, region in regions:
                    if m != n and _contains(region, place):
                        name.scores[i] += REGION
                        name.notes[i].append(f"in {region.name}, named in the text")  # type: ignore[attr-defined]
                        break

    def _coherence(self, names: list[Name]) -> None:
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
        radians = np.radians(
            [
                [p.lat for _, _, p in rows] + [p.lat for _, p in anchors],
                [p.lon for _, _, p in rows] + [p.lon for _, p in anchors],
            ]
        )
        count = len(rows)
        d = plain_haversine(
            radians[0, :count, None],
            radians[1, :count, None],
            radians[0, None, count:],
            radians[1, None, count:],
        )
        column = {n: k for k, (n, _) in enumerate(anchors)}
        for r, (n, _, _) in enumerate(rows):
            if n in column:
                d[r, column[n]] = np.inf
        for (n, i, _), km in zip(rows, d.min(axis=1).tolist(), strict=True):
            for limit, bonus in NEAR:
                if km <= limit:
                    names[n].scores[i] += bonus
                    names[n].notes[i].append(f"{km:.0f} km from another place in the text")  # type: ignore[attr-defined]
                    break


def _random_places(rng: random.Random) -> list[Place]:
    places = []
    kinds = ["country", "admin1", "region", "city", "town", "village", "base", "river"]
    for k in range(40):
        kind = rng.choice(kinds)
        country = rng.choice(["AA", "BB", "CC", ""])
        prefix = "region" if kind == "region" and rng.random() < 0.5 else "gn"
        places.append(
            Place(
                id=f"{prefix}:{k}",
                name=rng.choice(["North", "South", "Mill", "north", "Central"]),
                lat=rng.uniform(40.0, 46.0),
                lon=rng.uniform(40.0, 48.0),
                kind=kind,
                country=country,
                admin1=rng.choice(["", "North", "north", "South", "-", "."]),
                population=rng.choice([0, 5_000, 150_000, 2_000_000]),
                curated=rng.random() < 0.2,
            )
        )
    return places


def test_resolution_is_the_plain_rules_to_the_bit() -> None:
    rng = random.Random(18)
    resolver = Resolver(frozenset({"gn:3", "gn:7"}))
    for _ in range(400):
        places = _random_places(rng)
        started = []
        for k in range(rng.randrange(1, 9)):
            if rng.random() < 0.15:
                country = rng.choice([p for p in places if p.kind == "country"] or places)
                name = Name(key=(f"d{k}",), candidates=[country], demonym=country)
            else:
                name = Name(key=(f"n{k}",), candidates=rng.sample(places, rng.randrange(1, 14)))
            resolver.start(name)
            started.append(name)
        spans = [rng.randrange(len(started)) for _ in range(len(started) + rng.randrange(4))]
        span_names = sorted(set(range(len(started))) | set(spans))
        quick = [name.copy() for name in started]
        plain = [name.copy() for name in started]
        for names in (quick, plain):
            for position, n in enumerate(span_names):
                names[n].spans.append(position)
        qualifiers = [(s, s + 1) for s in range(len(span_names) - 1) if rng.random() < 0.3]
        resolver.resolve(quick, qualifiers, span_names)
        PlainResolver(frozenset({"gn:3", "gn:7"})).resolve(plain, qualifiers, span_names)
        for a, b in zip(quick, plain, strict=True):
            assert a.scores == b.scores
            assert a.notes == b.notes
            assert a.best == b.best


@pytest.mark.parametrize("seed", range(3))
def test_a_broken_rule_is_caught_by_the_comparison(seed: int) -> None:
    """The comparison above can fail: a resolver that skips the region bonus differs."""
    rng = random.Random(seed)
    resolver = Resolver(frozenset())
    differs = False
    for _ in range(200):
        places = _random_places(rng)
        started = [Name(key=(f"n{k}",), candidates=rng.sample(places, 6)) for k in range(5)]
        for name in started:
            resolver.start(name)
        quick = [name.copy() for name in started]
        plain = [name.copy() for name in started]
        for names in (quick, plain):
            for n, name in enumerate(names):
                name.spans.append(n)
        span_names = list(range(5))
        broken = Resolver(frozenset())
        broken._regions = lambda names: None  # type: ignore[method-assign]
        broken.resolve(quick, [], span_names)
        PlainResolver(frozenset()).resolve(plain, [], span_names)
        differs |= any(a.scores != b.scores for a, b in zip(quick, plain, strict=True))
    assert differs


# -- toponyms._shared -----------------------------------------------------------------
def plain_shared(
    name: Name,
) -> tuple[Place | None, str, float, tuple[Candidate, ...]]:
    """The softmax of every score, then the best and the next readings in score order."""
    if name.demonym is not None:
        return name.demonym, "demonym", DEMONYM_SCORE, ()
    best, scores = name.best, name.scores
    if len(scores) == 1:
        return name.candidates[best], "toponym", 1.0, ()
    weights = shares(scores)
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    runners_up = [i for i in order if i != best][:MAX_ALTERNATIVES]
    alternatives = [Candidate(name.candidates[i], round_share(weights[i])) for i in runners_up]
    return name.candidates[best], "toponym", round_share(weights[best]), tuple(alternatives)


def test_shared_readings_are_the_plain_softmax() -> None:
    rng = random.Random(21)
    for _ in range(4000):
        places = _random_places(rng)
        candidates = rng.sample(places, rng.randrange(1, 14))
        scores = [
            rng.choice([float(rng.randrange(3)), rng.uniform(-5.0, 12.0), 700.0, -700.0])
            for _ in candidates
        ]
        name = Name(key=("x",), candidates=candidates, scores=scores)
        name.best = _argmax(scores) if rng.random() < 0.8 else rng.randrange(len(scores))
        if rng.random() < 0.05:
            name.demonym = candidates[0]
        assert _shared(name) == plain_shared(name), (scores, name.best)


# -- toponym_match: hits and spans ------------------------------------------------------
_WORDS = re.findall(
    r"\S+",
    """Berlin Madrid Georgia Reading Police Jackson Paris Hilton Washington Victoria Central
    President Gen. Lt. Major-General Ivan Andrew Petrovich Kelly said told in near of at
    University Tech Street the The Russian Germans French US NATO Nato BERLIN MADRID
    South Dakota North Dakota Atlanta New York Lyon Porto Nice Bremen troops moved
    Çorum Zürich İstanbul Kraków São Paulo d'Ivoire Côte Mr. and city capital""",
)
_GAPS = [" ", " ", " ", "  ", ", ", ". ", "\n", " (", ") ", " - ", "'s ", "’s ", ": ", ""]
_GAPS += [" in ", " in eastern ", " in the south-western ", " in  the   north ", ",  "]


def _random_text(rng: random.Random) -> str:
    text = "".join(rng.choice(_WORDS) + rng.choice(_GAPS) for _ in range(rng.randrange(1, 60)))
    return text.upper() if rng.random() < 0.05 else text


def plain_hits(recogniser: Recogniser, text: str) -> list[tuple[int, int, tuple[str, ...], str]]:
    """Each hit's case rule and keys read afresh from the text (nothing remembered)."""
    padded = " " + match_form(text) + " "
    hits = []
    for start, space, value in _scan(recogniser._forms, padded, text, {}):
        end = space - 1
        surface = text[start:end]
        shouting_matters, problem = _case_rule(
            surface, bool(value & _CODE_BIT), recogniser._lower_ok
        )
        if shouting_matters and not (_shouting(text, start, end) or _dateline(text, start, end)):
            problem = "an all-capitals word that is no known code"
        if problem:
            continue
        index = value >> _ENTRY_SHIFT
        keys, demonym = recogniser._entries[index] if index else ((padded[start + 1 : space],), "")
        hits.append((start, end, keys, demonym))
    return hits


@pytest.fixture(scope="module")
def recogniser(gazetteer) -> Recogniser:  # type: ignore[no-untyped-def]
    return Recogniser(gazetteer)


def test_hits_with_remembered_surfaces_are_the_plain_reading(recogniser: Recogniser) -> None:
    rng = random.Random(22)
    for _ in range(1500):  # the same surfaces come back in other texts and places
        text = _random_text(rng)
        assert recogniser._hits(text, None) == plain_hits(recogniser, text), repr(text)


def test_spans_without_a_person_rule_are_the_full_loop(recogniser: Recogniser) -> None:
    """Without ``rejected`` and with no name read as a person, the spans are built at once;
    asking for the rejected hits takes the full loop, which must give the same spans."""
    rng = random.Random(23)
    for _ in range(1500):
        text = _random_text(rng)
        assert recogniser.spans(text) == recogniser.spans(text, []), repr(text)


def plain_names(
    toponymizer: Toponymizer, text: str, spans: list[Span]
) -> tuple[list[tuple[tuple[str, ...], list[int]]], list[int], list[Span], list[tuple[int, int]]]:
    """Names grouped span by span, asking :func:`qualifies` of every span and the one before."""
    names: list[Name] = []
    index: dict[tuple[tuple[str, ...], str, tuple[str, ...]], int] = {}
    span_names: list[int] = []
    kept: list[Span] = []
    pairs: list[tuple[int, int]] = []
    previous = -1
    for j, span in enumerate(spans):
        qualifying = j > 0 and qualifies(text, spans[j - 1].end, span.start)
        inner = spans[j - 1].keys if qualifying else ()
        group = (span.keys, span.demonym, inner)
        n = index.get(group)
        if n is None:
            name = toponymizer._name(span)
            if name is None:
                previous = -1
                continue
            n = index[group] = len(names)
            names.append(name)
        if qualifying and previous >= 0:
            pairs.append((previous, len(kept)))
        previous = len(kept)
        names[n].spans.append(previous)
        span_names.append(n)
        kept.append(span)
    return [(name.key, name.spans) for name in names], span_names, kept, pairs


def test_names_and_qualifier_pairs_are_the_plain_grouping(gazetteer) -> None:  # type: ignore[no-untyped-def]
    toponymizer = Toponymizer(gazetteer)
    rng = random.Random(24)
    for _ in range(1500):
        text = _random_text(rng)
        spans = toponymizer.recogniser.spans(text)
        names, span_names, kept, pairs = toponymizer._names(text, spans)
        quick = ([(name.key, name.spans) for name in names], span_names, kept, pairs)
        assert quick == plain_names(toponymizer, text, spans), repr(text)
