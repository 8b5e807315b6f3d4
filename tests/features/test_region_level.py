"""No invented locations: a country, region, river or road is never drawn as a point."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import Point

import geo


def _features(text: str) -> list[dict]:  # type: ignore[type-arg]
    result = geo.extract(text, published="2008-08-19")
    return result.events.to_dict("records")


def _spread_points(result: geo.Result) -> list[str]:
    """Features drawn as a point although every place they name is an area or a line."""
    gazetteer = geo.Gazetteer.load()
    drawn = []
    for row in result.events.itertuples():
        places = [gazetteer.get(pid) for pid in row.place_ids]
        if row.geometry is not None and places and all(p.is_spread for p in places):
            drawn.append(f"{row.kind} at {row.places}")
    return drawn


def test_an_event_in_a_region_only_has_no_point() -> None:
    [feature] = _features("Georgian troops moved into Abkhazia on Monday.")
    assert feature["places"] == ["Abkhazia"]
    assert feature["geometry"] is None
    assert feature["geo_precision"] == 3 and feature["distance_km"] is None
    assert feature["date"] == "2008-08-18"


def test_a_line_stops_at_the_last_named_town_before_a_region() -> None:
    [feature] = _features("Russian armour withdrew from Gori into Russia on Monday.")
    assert feature["places"] == ["Gori", "Russia"]  # the text's places, kept in the data
    gori = geo.Gazetteer.load().resolve("Gori")
    assert isinstance(feature["geometry"], Point)
    assert feature["geometry"].distance(Point(gori.lon, gori.lat)) < 1e-3


def test_the_sample_draws_nothing_at_a_region_point() -> None:
    assert _spread_points(geo.extract(Path(geo.__file__).parent / "data" / "sample")) == []


def test_the_seeds_draw_nothing_at_a_region_point(seeds_dir: Path) -> None:
    result = geo.extract(seeds_dir, published="2008-08-19")
    assert len(result.events) > 0
    assert _spread_points(result) == []


@pytest.mark.parametrize("text", ["Russian troops seized Senaki.", "Russian troops seized Senaki"])
def test_every_event_of_a_dated_report_carries_a_date(text: str) -> None:
    [feature] = _features(text)
    assert (feature["date"], feature["date_precision"]) == ("2008-08-19", "report")
