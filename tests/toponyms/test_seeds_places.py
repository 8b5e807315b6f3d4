"""Acceptance on the real reports: the places they name resolve where they really are.

Reference coordinates are GeoNames' (ids given), or for Igoeti, which GeoNames'
populated-places extract lacks, its Wikipedia coordinates. They are facts written here
independently of gazetteer.csv, so a wrong gazetteer row or a wrong resolution fails.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from geo.geodesy import distance_between

EXPECTED = {
    # name: (lat, lon, where the coordinate comes from)
    "Gori": (41.98532, 44.11290, "GeoNames 614455"),
    "Tskhinvali": (42.22764, 43.96861, "GeoNames 611403"),
    "Vladikavkaz": (43.04101, 44.66986, "GeoNames 473249"),
    "Senaki": (42.27077, 42.06334, "GeoNames 612053"),
    "Poti": (42.14272, 41.67384, "GeoNames 612366"),
    "Tbilisi": (41.69411, 44.83368, "GeoNames 611717"),
    "Igoeti": (41.98722, 44.41500, "Wikipedia: Igoeti, 41°59′14″N 44°24′54″E"),
}


@pytest.fixture(scope="module")
def seed_mentions(seeds_dir: Path, gazetteer):  # type: ignore[no-untyped-def]
    from geo.text._articles import read_articles
    from geo.toponyms._toponyms import Toponymizer

    batch = read_articles([seeds_dir], published=date(2008, 8, 19))
    toponymizer = Toponymizer(gazetteer)
    return [m for a in batch.articles for m in toponymizer.mentions(a)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_place_resolves_within_5_km(seed_mentions, name: str) -> None:  # type: ignore[no-untyped-def]
    lat, lon, origin = EXPECTED[name]
    found = [m for m in seed_mentions if m.type == "toponym" and m.text == name]
    assert found, f"{name} is named in the seed reports but was not found"
    for mention in found:
        assert mention.place is not None, f"{name} at {mention.start} did not resolve"
        error = distance_between(mention.place.lat, mention.place.lon, lat, lon)
        assert error <= 5.0, f"{name} resolved {error:.1f} km from {origin}"


def test_poti_is_the_georgian_port_not_the_brazilian_city(seed_mentions) -> None:  # type: ignore[no-untyped-def]
    poti = [m for m in seed_mentions if m.text == "Poti"]
    assert poti
    assert all(m.place is not None and m.place.country == "GE" for m in poti)
