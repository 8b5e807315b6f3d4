"""Distance claims: parsing every claim form, subjects, references, verdicts, conflicts.

All sentences are written for these tests. Coordinates of the test places are GeoNames
facts; expected distances come from a haversine calculation written here (an independent
method, good to ~0.5 %), not from the code under test.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from geo.claims._conflicts import check_claims
from geo.claims._estimates import estimate_location
from geo.claims._extract import extract_claims, sentence_spans
from geo.claims._quantities import parse_quantity, units_disagree
from geo.claims._table import CHECK_COLUMNS, QUOTE_LIMIT, check_rows
from geo.claims._verdicts import check_claim
from geo.gazetteer._gazetteer import Gazetteer
from geo.models import Article, Claim, Mention, Place
from geo.settings import Tolerance

ROWS = """id,name,aliases,lat,lon,kind,country,admin1,population,geonameid,source
ge,Georgia,,42.0,43.5,country,GE,,0,,test country point
ru,Russia,,60.0,100.0,country,RU,,0,,test country point
ua,Ukraine,,49.0,32.0,country,UA,,0,,test country point
e60,East-West Highway,E60,41.98722,44.415,road,GE,,0,,test road point
kakheti,Kakheti,,41.65,45.7,region,GE,,0,,test region point
tbilisi,Tbilisi,Tiflis,41.69411,44.83368,city,GE,,1000000,611717,GeoNames 611717; national capital
igoeti,Igoeti,,41.98917,44.41833,village,GE,,0,,GeoNames
gori,Gori,,41.98422,44.11578,city,GE,,48000,,GeoNames
mtskheta,Mtskheta,,41.84514,44.71875,town,GE,,8000,,GeoNames
rustavi,Rustavi,,41.54949,44.99323,city,GE,,125000,,GeoNames
kaspi,Kaspi,,41.9252,44.42568,town,GE,,14000,,GeoNames
moscow,Moscow,,55.75222,37.61556,city,RU,,12000000,,GeoNames; national capital
kyiv,Kyiv,Kiev,50.45466,30.5238,city,UA,,2800000,,GeoNames; national capital
irpin,Irpin,,50.52175,30.25055,town,UA,,60000,,GeoNames
chernihiv,Chernihiv,,51.50551,31.28487,city,UA,,285000,,GeoNames
brovary,Brovary,,50.5111,30.7909,town,UA,,100000,,GeoNames
"""
DEMONYMS = {"Georgian": "GE", "Russian": "RU", "Ukrainian": "UA"}


def haversine_km(a: Place, b: Place) -> float:
    """Great-circle distance on a sphere of the mean Earth radius (independent check)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def gaz(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    path: Path = tmp_path_factory.mktemp("gaz") / "gazetteer.csv"
    path.write_text(ROWS, encoding="utf-8")
    return Gazetteer.load(path, world=False)


def find_mentions(article: Article, gaz: Gazetteer) -> list[Mention]:
    """A stand-in toponym stage: every curated name and demonym, by exact word match."""
    found: list[Mention] = []
    for place in gaz.curated:
        for name in (place.name, *place.aliases):
            for match in re.finditer(rf"\b{re.escape(name)}\b", article.text):
                found.append(
                    Mention(article.doc, match.group(), match.start(), match.end(), place, 1.0)
                )
    for word, code in DEMONYMS.items():
        country = gaz.country(code)
        for match in re.finditer(rf"\b{word}s?\b", article.text):
            found.append(
                Mention(
                    article.doc,
                    match.group(),
                    match.start(),
                    match.end(),
                    country,
                    1.0,
                    type="demonym",
                )
            )
    return sorted(found, key=lambda m: m.start)


def claims_in(text: str, gaz: Gazetteer, doc: str = "d1") -> list[Claim]:
    article = Article(doc=doc, text=text, source=f"src-{doc}")
    return extract_claims(article, find_mentions(article, gaz), gaz)


def only(claims: list[Claim]) -> Claim:
    assert len(claims) == 1, [c.claimed_text for c in claims]
    return claims[0]


# -- the claim forms of the issue --------------------------------------------------------
def test_km_and_miles_from_a_countrys_capital(gaz: Gazetteer) -> None:
    text = "Soldiers manned a roadblock in Igoeti, roughly 30km (18 miles) from Georgia's capital."
    claim = only(claims_in(text, gaz))
    assert claim.claimed_km == 30
    assert claim.claimed_text == "30km (18 miles)"
    assert claim.qualifier == "about"
    assert claim.subject is not None and claim.subject.name == "Igoeti"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert claim.reference_text == "Georgia's capital"
    assert not claim.units_disagree
    assert claim.quote == text
    check = check_claim(claim)
    assert check.verdict == "inconsistent"
    assert "'Georgia's capital' read as Tbilisi" in check.note
    expected = haversine_km(claim.subject, claim.reference)
    assert expected == pytest.approx(47.5, abs=0.5)
    assert check.computed_km == pytest.approx(expected, rel=0.01)
    assert check.difference_km == pytest.approx(expected - 30, rel=0.02)


def test_direction_without_reference_points_back_to_the_place_just_named(gaz: Gazetteer) -> None:
    text = (
        "Observers drove into Tbilisi on Sunday. "
        "Rustavi, some 12 km (7 miles) to the south, saw no fighting."
    )
    claim = only(claims_in(text, gaz))
    assert claim.claimed_text == "12 km (7 miles)"
    assert claim.subject is not None and claim.subject.name == "Rustavi"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert claim.reference_text == ""  # implied, not named
    assert claim.bearing_deg == 180.0 and claim.direction_text == "south"
    check = check_claim(claim)
    # Rustavi is ~21 km away, 40 degrees off due south: bearing fine, distance not.
    assert check.bearing_ok is True
    assert check.verdict == "inconsistent"
    assert "reference implied: Tbilisi" in check.note


def test_km_west_of_a_named_place(gaz: Gazetteer) -> None:
    claim = only(claims_in("Gori, 60 km west of Tbilisi, was calm at dawn.", gaz))
    assert claim.subject is not None and claim.subject.name == "Gori"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert claim.qualifier == "exact"
    assert claim.bearing_deg == 270.0
    check = check_claim(claim)
    assert haversine_km(claim.subject, claim.reference) == pytest.approx(67.7, abs=0.5)
    assert check.verdict == "consistent"  # 7.7 km off, 20 % of 67.7 km allowed
    assert check.bearing_ok is True


def test_miles_first_with_km_in_brackets_north_east_of(gaz: Gazetteer) -> None:
    claim = only(claims_in("Sirens sounded in Brovary, 12 miles (20 km) north-east of Kyiv.", gaz))
    assert claim.claimed_km == pytest.approx(12 * 1.609344)
    assert claim.claimed_text == "12 miles (20 km)"
    assert claim.direction_text == "north-east" and claim.bearing_deg == 45.0
    assert claim.subject is not None and claim.subject.name == "Brovary"
    assert claim.reference is not None and claim.reference.name == "Kyiv"
    check = check_claim(claim)
    assert check.verdict == "consistent"
    assert check.bearing_ok is True


def test_within_is_an_upper_bound(gaz: Gazetteer) -> None:
    near, far = claims_in(
        "Guns fired from Irpin, within 40 kilometres of Kyiv. "
        "Chernihiv, they said, is within 40 kilometres of Kyiv too.",
        gaz,
    )
    assert near.qualifier == "at most" and near.claimed_km == 40
    assert check_claim(near).verdict == "consistent"
    assert check_claim(near).difference_km == 0.0
    assert far.subject is not None and far.subject.name == "Chernihiv"
    assert far.reference is not None
    far_check = check_claim(far)
    assert far_check.verdict == "inconsistent"
    expected = haversine_km(far.subject, far.reference) - 40
    assert far_check.difference_km == pytest.approx(expected, rel=0.02)


def test_vague_claim_is_unverifiable(gaz: Gazetteer) -> None:
    text = "Tanks rolled through Gori at noon. Guards then stood a few kilometres outside the town."
    claim = only(claims_in(text, gaz))
    assert claim.vague
    assert claim.claimed_text == "a few kilometres"
    assert claim.reference is not None and claim.reference.name == "Gori"  # "the town"
    assert claim.subject is None
    check = check_claim(claim)
    assert check.verdict == "unverifiable"
    assert estimate_location(claim) is None  # a vague distance is not drawn as a ring


def test_mismatched_km_and_miles_are_flagged(gaz: Gazetteer) -> None:
    claim = only(claims_in("The swap happened at Igoeti, 45 km (12 miles) from the capital.", gaz))
    assert claim.units_disagree
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    row = check_rows([check_claim(claim)])[0]
    assert row["units_disagree"] is True
    assert "units disagree" in row["note"]
    agreeing = only(
        claims_in("The swap happened at Igoeti, 45 km (28 miles) from the capital.", gaz)
    )
    assert not agreeing.units_disagree


def test_wrong_bearing_makes_a_claim_inconsistent(gaz: Gazetteer) -> None:
    claim = only(claims_in("Gori lies 65 km east of Tbilisi.", gaz))
    check = check_claim(claim)
    assert check.difference_km is not None and check.difference_km < 5  # distance is fine
    assert check.bearing_ok is False
    assert check.computed_bearing_deg == pytest.approx(299, abs=2)
    assert check.verdict == "inconsistent"
    assert "direction 'east'" in check.note


def test_road_distance_may_exceed_the_straight_line(gaz: Gazetteer) -> None:
    claim = only(claims_in("Gori is 90 km by road from Tbilisi.", gaz))
    assert claim.qualifier == "road"
    assert check_claim(claim).verdict == "consistent"
    short = only(claims_in("Gori is 30 km by road from Tbilisi.", gaz))
    assert check_claim(short).verdict == "inconsistent"  # a road cannot be shorter


# -- subject and reference --------------------------------------------------------------
def test_subject_is_the_place_the_clause_is_about(gaz: Gazetteer) -> None:
    text = (
        "Captives changed hands on a main road inside the hamlet of Igoeti in central "
        "Georgia, roughly 45 km (28 miles) from the capital Tbilisi."
    )
    claim = only(claims_in(text, gaz))
    assert claim.subject is not None and claim.subject.name == "Igoeti"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert check_claim(claim).verdict == "consistent"


def test_a_place_earlier_in_another_clause_is_not_the_subject(gaz: Gazetteer) -> None:
    claim = only(claims_in("Troops left Gori and set up posts 30 km from Tbilisi.", gaz))
    assert claim.subject is None
    assert claim.subject_text == "posts"
    assert check_claim(claim).verdict == "unverifiable"


def test_unnamed_subject_words_stop_at_place_names(gaz: Gazetteer) -> None:
    claim = only(claims_in("In Gori and Kaspi, Russian roadblocks stood 35 km from Tbilisi.", gaz))
    assert claim.subject is None
    assert claim.subject_text == "Russian roadblocks"


def test_a_road_is_not_a_subject(gaz: Gazetteer) -> None:
    claim = only(
        claims_in("Troops manned posts on the East-West Highway, 35 km from Tbilisi.", gaz)
    )
    assert claim.subject is None
    assert isinstance(estimate_location(claim), Polygon)


def test_the_capital_is_the_capital_of_the_subjects_country(gaz: Gazetteer) -> None:
    text = "Russian officials in Moscow said Kaspi, about 40 km from the capital, was quiet."
    claim = only(claims_in(text, gaz))
    assert claim.reference is not None and claim.reference.name == "Tbilisi"


def test_the_capital_for_an_unnamed_subject_is_the_focus_countrys(gaz: Gazetteer) -> None:
    text = (
        "Ukrainian units held Irpin and Brovary on Monday. Russian officials spoke in Moscow. "
        "Enemy outposts were seen about 30 km from the capital."
    )
    claim = only(claims_in(text, gaz))
    assert claim.subject is None
    assert claim.reference is not None and claim.reference.name == "Kyiv"


def test_a_demonym_alone_does_not_say_whose_capital(gaz: Gazetteer) -> None:
    # "Russian" names the force, not where the story is: no named place, no capital
    claim = only(
        claims_in("Russian troops dug in about 35 km from the capital, officials said.", gaz)
    )
    assert claim.reference is None
    assert claim.reference_text == "the capital"
    check = check_claim(claim)
    assert check.verdict == "unverifiable"
    assert "'the capital' not resolved" in check.note


def test_demonym_capital(gaz: Gazetteer) -> None:
    claim = only(claims_in("Mtskheta sits 20 km (12 miles) from the Georgian capital.", gaz))
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert claim.reference_text == "the Georgian capital"
    assert check_claim(claim).verdict == "consistent"


def test_unknown_capital_is_unverifiable_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.csv"
    path.write_text(
        "\n".join(line for line in ROWS.splitlines() if "capital" not in line) + "\n",
        encoding="utf-8",
    )
    bare = Gazetteer.load(path, world=False)
    claim = only(claims_in("Roadblocks stood at Gori, 60 km from Georgia's capital.", bare))
    assert claim.reference is None
    check = check_claim(claim)
    assert check.verdict == "unverifiable"
    assert "reference" in check.note


def test_a_regions_capital_is_not_guessed(gaz: Gazetteer) -> None:
    claim = only(claims_in("Shells fell on Rustavi, 50 km from Kakheti's capital.", gaz))
    assert claim.reference is None
    assert claim.reference_text == "Kakheti's capital"
    assert check_claim(claim).verdict == "unverifiable"


@pytest.mark.parametrize(
    "text",
    [
        "The drive covers roughly 20 km from Tbilisi to Mtskheta.",
        "Buses run the 20 km between Tbilisi and Mtskheta.",
        "Tbilisi and Mtskheta are 20 km apart.",
    ],
)
def test_distance_between_two_named_places(gaz: Gazetteer, text: str) -> None:
    claim = only(claims_in(text, gaz))
    assert claim.subject is not None and claim.reference is not None
    assert {claim.subject.name, claim.reference.name} == {"Tbilisi", "Mtskheta"}
    assert check_claim(claim).verdict == "consistent"


def test_conversion_after_or(gaz: Gazetteer) -> None:
    claim = only(claims_in("Mtskheta, 20 km, or 12 miles, from Tbilisi, was quiet.", gaz))
    assert claim.claimed_text == "20 km, or 12 miles"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert not claim.units_disagree


def test_text_that_is_not_a_distance_claim(gaz: Gazetteer) -> None:
    text = (
        "The column advanced 20 km north towards Gori. Engineers closed a 30-km stretch of road "
        "near Kaspi. Trucks drove at 60 km per hour. Police found 12 km of cable in Rustavi. "
        "Kaspi sits 20 km away."
    )
    assert claims_in(text, gaz) == []


def test_every_claim_in_a_sentence_and_spans(gaz: Gazetteer) -> None:
    text = "Mtskheta is 20 km from Tbilisi and Rustavi is 21 km from Tbilisi."
    first, second = claims_in(text, gaz)
    assert first.subject is not None and first.subject.name == "Mtskheta"
    assert second.subject is not None and second.subject.name == "Rustavi"
    assert text[first.char_start : first.char_end] == "20 km from Tbilisi"
    assert text[second.char_start : second.char_end] == "21 km from Tbilisi"


# -- unnamed subjects: estimated locations ------------------------------------------------
def test_unnamed_subject_gets_a_ring_at_the_claimed_distance(gaz: Gazetteer) -> None:
    claim = only(
        claims_in(
            "Militia checkpoints stood about 35 km (22 miles) from the capital, Tbilisi.", gaz
        )
    )
    assert claim.subject is None and claim.near is None
    assert claim.subject_text == "Militia checkpoints"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    shape = estimate_location(claim)
    assert isinstance(shape, Polygon)
    assert shape.exterior.is_ccw
    centre = claim.reference
    for lon, lat in list(shape.exterior.coords)[::16]:
        vertex = Place(id="v", name="v", lat=lat, lon=lon, kind="site", country="")
        assert haversine_km(centre, vertex) == pytest.approx(35, rel=0.006)
    assert shape.contains(Point(centre.lon, centre.lat))
    assert check_rows([check_claim(claim)])[0]["estimated"] == "ring"


def test_unnamed_subject_with_a_direction_gets_an_arc(gaz: Gazetteer) -> None:
    claim = only(claims_in("Patrols were reported 35 km north-west of Tbilisi.", gaz))
    shape = estimate_location(claim)
    assert isinstance(shape, LineString)
    middle = shape.interpolate(0.5, normalized=True)
    assert middle.y > claim.reference.lat and middle.x < claim.reference.lon  # type: ignore[union-attr]
    assert check_rows([check_claim(claim)])[0]["estimated"] == "arc"


def test_near_a_named_place_gives_an_estimated_point(gaz: Gazetteer) -> None:
    claim = only(
        claims_in("Militia checkpoints near Kaspi, about 40 km from the capital, were busy.", gaz)
    )
    assert claim.subject is None
    assert claim.near is not None and claim.near.name == "Kaspi"
    shape = estimate_location(claim)
    assert isinstance(shape, Point)
    spot = Place(id="p", name="p", lat=shape.y, lon=shape.x, kind="site", country="")
    assert haversine_km(claim.reference, spot) == pytest.approx(40, rel=0.006)  # type: ignore[arg-type]
    assert haversine_km(claim.near, spot) < 4  # on the line towards Kaspi (42.5 km out)
    assert check_claim(claim).verdict == "consistent"
    assert check_rows([check_claim(claim)])[0]["place"] == "Militia checkpoints (near Kaspi)"


def test_a_ring_round_a_pole_is_a_line_all_the_way_round_in_range(gaz: Gazetteer) -> None:
    """A circle round a pole is no polygon in lon/lat: a line round the globe, cut at the
    antimeridian so every longitude is in range (RFC 7946)."""
    claim = only(claims_in("Patrols were reported 5000 km from Moscow.", gaz))
    shape = estimate_location(claim)
    assert isinstance(shape, MultiLineString)
    xmin, _, xmax, _ = shape.bounds
    assert xmin == pytest.approx(-180.0) and xmax == pytest.approx(180.0)
    assert sum(part.length for part in shape.geoms) > 360


def test_named_subject_has_no_estimate(gaz: Gazetteer) -> None:
    claim = only(claims_in("Gori, 60 km west of Tbilisi, was calm.", gaz))
    assert estimate_location(claim) is None


# -- conflicts ------------------------------------------------------------------------------
def test_two_sources_disagreeing_make_a_conflict_row(gaz: Gazetteer) -> None:
    first = claims_in("A post stood in Igoeti, 30 km from Tbilisi.", gaz, doc="a")
    second = claims_in("Tbilisi is 45 km (28 miles) from Igoeti, a witness said.", gaz, doc="b")
    checks = check_claims(first + second)
    assert [c.kind for c in checks] == ["distance", "distance", "conflict"]
    conflict = checks[2]
    assert conflict.verdict == "inconsistent"
    assert conflict.claim.doc == "a" and conflict.other is not None and conflict.other.doc == "b"
    assert conflict.difference_km == pytest.approx(15)
    row = check_rows(checks)[2]
    assert row["other_doc"] == "b" and row["other_quote"].startswith("Tbilisi is 45 km")
    assert "supports b" in row["note"]


def test_agreeing_sources_and_one_source_do_not_conflict(gaz: Gazetteer) -> None:
    agreeing = claims_in("Igoeti, 45 km from Tbilisi.", gaz, doc="a") + claims_in(
        "Igoeti, about 48 km from Tbilisi.", gaz, doc="b"
    )
    assert all(c.kind == "distance" for c in check_claims(agreeing))
    same_doc = claims_in("Igoeti is 30 km from Tbilisi. Igoeti is 45 km from Tbilisi.", gaz)
    assert len(same_doc) == 2
    assert all(c.kind == "distance" for c in check_claims(same_doc))


def test_opposite_directions_conflict(gaz: Gazetteer) -> None:
    claims = claims_in("Mtskheta, 20 km north of Tbilisi.", gaz, doc="a") + claims_in(
        "Mtskheta, 20 km south of Tbilisi.", gaz, doc="b"
    )
    conflicts = [c for c in check_claims(claims) if c.kind == "conflict"]
    assert len(conflicts) == 1
    assert "'north' versus 'south'" in conflicts[0].note


def test_many_sources_make_one_conflict_row_with_the_extremes_and_counts(gaz: Gazetteer) -> None:
    claims: list[Claim] = []
    for i, km in enumerate((31, 30, 32, 30, 46, 45, 45)):
        claims += claims_in(f"A post stood in Igoeti, {km} km from Tbilisi.", gaz, doc=f"d{i}")
    conflicts = [c for c in check_claims(claims) if c.kind == "conflict"]
    assert len(conflicts) == 1  # one per pair of places, not one per pair of claims (12)
    conflict = conflicts[0]
    assert conflict.other is not None
    assert (conflict.claim.doc, conflict.other.doc) == ("d1", "d4")  # 30 km and 46 km
    assert conflict.difference_km == pytest.approx(16)
    assert "7 claims from 7 documents: 30 km (2), 45 km (2), 31 km (1), 32 km (1)" in (
        conflict.note
    )


def test_the_map_marks_a_summarised_conflict_once(gaz: Gazetteer) -> None:
    from geo.map._payloads import conflict_items

    claims: list[Claim] = []
    for i in range(40):
        km = 30 if i % 2 else 45
        claims += claims_in(f"A post stood in Igoeti, {km} km from Tbilisi.", gaz, doc=f"d{i}")
    items = conflict_items(check_claims(claims))
    assert len(items) == 1  # was one marker per disagreeing pair: 400
    assert "40 claims from 40 documents: 45 km (20), 30 km (20)" in items[0]["pop"]


def test_a_pair_of_places_said_many_times_keeps_only_its_distinct_claims(gaz: Gazetteer) -> None:
    """Memory of a conflict does not grow with the reports: per distinct distance the first
    claims of two documents are kept, and the counts say the rest."""
    from geo.claims._conflicts import _Group

    thirty = only(claims_in("A post stood in Igoeti, 30 km from Tbilisi.", gaz))
    forty_five = only(claims_in("A post stood in Igoeti, 45 km from Tbilisi.", gaz))
    group = _Group()
    claims = [replace(forty_five if i % 2 else thirty, doc=f"d{i:04d}") for i in range(2000)]
    for claim in claims:
        group.add(claim)
    assert [c.doc for c in group.claims] == ["d0000", "d0001", "d0002", "d0003"]
    assert (group.count, group.docs) == (2000, 2000)
    (conflict,) = [c for c in check_claims(claims) if c.kind == "conflict"]
    assert conflict.other is not None
    assert (conflict.claim.doc, conflict.other.doc) == ("d0000", "d0001")
    assert "2000 claims from 2000 documents: 30 km (1000), 45 km (1000)" in conflict.note


def test_a_conflict_summary_never_pairs_a_document_with_itself(gaz: Gazetteer) -> None:
    claims = claims_in("Igoeti is 10 km from Tbilisi. Igoeti is 90 km from Tbilisi.", gaz)
    claims += claims_in("A post stood in Igoeti, 46 km from Tbilisi.", gaz, doc="b")
    conflicts = [c for c in check_claims(claims) if c.kind == "conflict"]
    assert len(conflicts) == 1
    pair = conflicts[0].claim, conflicts[0].other
    assert pair[1] is not None and {c.doc for c in pair} == {"d1", "b"}
    assert {c.claimed_km for c in pair} in ({10.0, 46.0}, {90.0, 46.0})


def test_directions_of_many_sources_make_one_conflict(gaz: Gazetteer) -> None:
    claims: list[Claim] = []
    for i, way in enumerate(("north", "north", "north-east", "south")):
        claims += claims_in(f"Mtskheta, 20 km {way} of Tbilisi.", gaz, doc=f"d{i}")
    conflicts = [c for c in check_claims(claims) if c.kind == "conflict"]
    assert len(conflicts) == 1
    assert "'north' versus 'south'" in conflicts[0].note
    assert "4 claims from 4 documents" in conflicts[0].note


def test_checks_csv_quotes_are_bounded_around_the_claim(gaz: Gazetteer) -> None:
    padding = "and the column waited by the road " * 10
    text = f"Witnesses said {padding}that a post stood in Igoeti, 30 km from Tbilisi, {padding}"
    claims = claims_in(text, gaz)
    assert len(claims[0].quote) > 2 * QUOTE_LIMIT - 100
    row = check_rows(check_claims(claims))[0]
    assert len(row["quote"]) == QUOTE_LIMIT
    assert "30 km from Tbilisi" in row["quote"]
    assert row["quote"].startswith("…") and row["quote"].endswith("…")
    short = check_rows(check_claims(claims_in("Igoeti, 30 km from Tbilisi.", gaz)))[0]
    assert short["quote"] == "Igoeti, 30 km from Tbilisi."


# -- tolerance, rows ------------------------------------------------------------------------
def test_tolerances_are_configurable(gaz: Gazetteer) -> None:
    claim = only(claims_in("A post stood in Igoeti, 30 km from Tbilisi.", gaz))
    assert check_claim(claim).verdict == "inconsistent"
    assert check_claim(claim, Tolerance(absolute_km=20.0)).verdict == "consistent"
    west = only(claims_in("Gori, 65 km west of Tbilisi.", gaz))
    assert check_claim(west).verdict == "consistent"
    assert check_claim(west, Tolerance(bearing_deg=10.0)).verdict == "inconsistent"


def test_check_rows_columns_follow_the_design(gaz: Gazetteer) -> None:
    rows = check_rows(check_claims(claims_in("Gori, 60 km west of Tbilisi.", gaz)))
    assert list(rows[0])[:9] == [
        "doc",
        "quote",
        "place",
        "reference",
        "claimed_km",
        "claimed_text",
        "computed_km",
        "difference_km",
        "verdict",
    ]
    assert tuple(rows[0]) == CHECK_COLUMNS
    assert rows[0]["computed_km"] == round(rows[0]["computed_km"], 1)
    assert rows[0]["source"] == "src-d1"


# -- quantities and sentences ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "km", "low", "high", "qualifier"),
    [
        ("between 30 and 40 km", 35.0, 30.0, 40.0, "range"),
        ("25-30 km", 27.5, 25.0, 30.0, "range"),
        ("twenty-five miles", 25 * 1.609344, 25 * 1.609344, 25 * 1.609344, "exact"),
        ("1/2 mile", 0.5 * 1.609344, 0.5 * 1.609344, 0.5 * 1.609344, "exact"),
        ("3 nautical miles", 5.556, 5.556, 5.556, "exact"),
        ("800 metres", 0.8, 0.8, 0.8, "exact"),
        ("nearly 1,200 kilometers", 1200.0, 1200.0, 1200.0, "about"),
        ("more than 50km", 50.0, 50.0, 50.0, "at least"),
        ("several miles", 5 * 1.609344, 5 * 1.609344, 5 * 1.609344, "vague"),
    ],
)
def test_parse_quantity(text: str, km: float, low: float, high: float, qualifier: str) -> None:
    quantity = parse_quantity(text)
    assert quantity is not None
    assert quantity.km == pytest.approx(km)
    assert (quantity.low_km, quantity.high_km) == (pytest.approx(low), pytest.approx(high))
    assert quantity.qualifier == qualifier


def test_units_disagree_threshold() -> None:
    assert not units_disagree(30.0, 18 * 1.609344)  # 30 vs 29.0
    assert not units_disagree(100.0, 90.5)  # inside 10 % + 1 km
    assert units_disagree(100.0, 88.0)
    assert units_disagree(45.0, 12 * 1.609344)


def test_quote_is_the_whole_sentence_despite_abbreviations(gaz: Gazetteer) -> None:
    text = "Gen. Petrov met Mr. Adams in Gori. Later, Mtskheta lay 20 km from Tbilisi. Rain fell."
    claim = only(claims_in(text, gaz))
    assert claim.quote == "Later, Mtskheta lay 20 km from Tbilisi."
    first_start, first_end = sentence_spans(text)[0]
    assert text[first_start:first_end] == "Gen. Petrov met Mr. Adams in Gori."


def test_claims_only_use_their_own_document_mentions(gaz: Gazetteer) -> None:
    article = Article(doc="x", text="Posts stood 30 km from Tbilisi.")
    other = Article(doc="y", text="Gori")
    stray = find_mentions(other, gaz)
    claim = only(extract_claims(article, stray + find_mentions(article, gaz), gaz))
    assert claim.subject is None
    assert claim.reference is not None and claim.reference.name == "Tbilisi"


_PIECES = st.sampled_from(
    [
        "Gori",
        "Tbilisi",
        "Igoeti",
        "Georgia's",
        "the capital",
        "the town",
        " ",
        ", ",
        ". ",
        "\n",
        "about",
        "some",
        "within",
        "30",
        "1/0",
        "9" * 400,
        "½",
        "km",
        "miles",
        "(",
        ")",
        "18 miles",
        "north-east",
        "to the",
        "of",
        "from",
        "away",
        "apart",
        "and",
        "by road",
        "near",
        "a few",
        "kilometres",
        "Russian",
        "posts",
        "-",
        "’s",
    ]
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(_PIECES, max_size=40))
def test_any_text_gives_valid_claims_and_checks(gaz: Gazetteer, pieces: list[str]) -> None:
    text = " ".join(pieces)
    claims = claims_in(text, gaz)
    for claim in claims:
        assert 0 <= claim.char_start < claim.char_end <= len(text)
        assert math.isfinite(claim.claimed_km)
        assert claim.claimed_text
    rows = check_rows(check_claims(claims))
    assert len(rows) >= len(claims)
    for claim in claims:
        estimate_location(claim)


def test_distance_prefilter() -> None:
    from geo.claims._extract import may_state_distance

    assert may_state_distance("a column 40 km north of the town")
    assert may_state_distance("SOME 12 MILES AWAY")
    assert may_state_distance("fifteen kilometres out")
    assert may_state_distance("caf\u00e9 owners said 3 \u212am away")  # Kelvin sign as k
    assert not may_state_distance("The ministers met for an hour in the capital.")
    assert not may_state_distance("")
