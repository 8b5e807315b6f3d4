"""Geodesy on WGS84, checked against published survey values and textbook figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from geo import geodesy
from geo.errors import GeoValueError
from geo.models import Place


def dms(degrees: float, minutes: float, seconds: float) -> float:
    sign = -1.0 if degrees < 0 else 1.0
    return sign * (abs(degrees) + minutes / 60 + seconds / 3600)


def place(lat: float, lon: float, name: str = "p") -> Place:
    return Place(id=name, name=name, lat=lat, lon=lon, kind="site", country="")


# Geoscience Australia's worked example (GRS80, which matches WGS84 to well under a mm here):
# Flinders Peak to Buninyong is 54 972.271 m at an initial azimuth of 306° 52' 05.37".
FLINDERS = place(dms(-37, 57, 3.72030), dms(144, 25, 29.52440), "Flinders Peak")
BUNINYONG = place(dms(-37, 39, 10.15610), dms(143, 55, 35.38390), "Buninyong")


def test_distance_matches_the_published_survey_line() -> None:
    assert geodesy.distance_km(FLINDERS, BUNINYONG) == pytest.approx(54.972271, abs=1e-5)


def test_initial_bearing_matches_the_published_azimuth() -> None:
    assert geodesy.bearing_deg(FLINDERS, BUNINYONG) == pytest.approx(dms(306, 52, 5.37), abs=1e-4)


def test_a_degree_along_the_equator_and_the_meridian() -> None:
    # 2*pi*a/360 with a = 6378.137 km; a meridian degree at the equator is 110.574 km.
    assert geodesy.distance_between(0, 0, 0, 1) == pytest.approx(111.3195, abs=1e-3)
    assert geodesy.distance_between(0, 0, 1, 0) == pytest.approx(110.574, abs=1e-2)


def test_cardinal_bearings() -> None:
    origin = place(0.0, 0.0)
    assert geodesy.bearing_deg(origin, place(1.0, 0.0)) == pytest.approx(0.0, abs=1e-9)
    assert geodesy.bearing_deg(origin, place(0.0, 1.0)) == pytest.approx(90.0)
    assert geodesy.bearing_deg(origin, place(-1.0, 0.0)) == pytest.approx(180.0)
    assert geodesy.bearing_deg(origin, place(0.0, -1.0)) == pytest.approx(270.0)


def test_angle_between_wraps_round_north() -> None:
    assert geodesy.angle_between(350, 10) == 20
    assert geodesy.angle_between(10, 350) == 20
    assert geodesy.angle_between(0, 180) == 180
    assert geodesy.angle_between(725, 5) == 0


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lon=st.floats(-179, 179),
    bearing=st.floats(0, 359.9),
    km=st.floats(0.5, 2000),
)
def test_destination_round_trips(lat: float, lon: float, bearing: float, km: float) -> None:
    lat2, lon2 = geodesy.destination(lat, lon, bearing, km)
    assert geodesy.distance_between(lat, lon, lat2, lon2) == pytest.approx(km, rel=1e-9)
    back = geodesy.bearing_deg(place(lat, lon), place(lat2, lon2))
    assert geodesy.angle_between(back, bearing) < 1e-6


def test_vectorised_functions_agree_with_scalar_ones() -> None:
    lats = [FLINDERS.lat, 0.0, 41.7]
    lons = [FLINDERS.lon, 1.0, 44.8]
    distances = geodesy.distances_from(lats, lons, BUNINYONG.lat, BUNINYONG.lon)
    bearings = geodesy.bearings_from(lats, lons, BUNINYONG.lat, BUNINYONG.lon)
    for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        assert distances[i] == pytest.approx(
            geodesy.distance_between(BUNINYONG.lat, BUNINYONG.lon, lat, lon)
        )
        assert bearings[i] == pytest.approx(geodesy.bearing_deg(BUNINYONG, place(lat, lon)))
    assert geodesy.distances_from([], [], 0, 0).size == 0
    assert np.allclose(geodesy.place_distances_km([FLINDERS], BUNINYONG), [54.972271])


def test_vectorised_input_is_validated() -> None:
    with pytest.raises(GeoValueError, match="coordinate 1"):
        geodesy.distances_from([0.0, 95.0], [0.0, 0.0], 0, 0)
    with pytest.raises(GeoValueError, match="latitudes"):
        geodesy.bearings_from([0.0], [0.0, 1.0], 0, 0)
    with pytest.raises(GeoValueError, match="outside WGS84"):
        geodesy.distance_between(0, 0, 0, 181)


def test_ring_is_counter_clockwise_and_at_the_radius() -> None:
    shape = geodesy.ring(41.7, 44.8, 35.0, segments=64)
    assert isinstance(shape, Polygon) and shape.is_valid
    assert shape.exterior.is_ccw  # RFC 7946 right-hand rule
    lons, lats = shape.exterior.coords.xy
    distances = geodesy.distances_from(list(lats), list(lons), 41.7, 44.8)
    assert np.allclose(distances, 35.0, rtol=1e-9)
    with pytest.raises(GeoValueError):
        geodesy.ring(41.7, 44.8, 0)


def _xs(geometry: object) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(geometry)[:, 0]


def test_ring_across_the_antimeridian_is_cut_into_parts_in_range() -> None:
    """RFC 7946 3.1.9: a ring over +/-180 degrees is two polygons, each counter-clockwise,
    every longitude in range, together as large as the circle."""
    shape = geodesy.ring(-17.0, 179.9, 100.0)
    assert isinstance(shape, MultiPolygon) and shape.is_valid and len(shape.geoms) == 2
    assert all(part.exterior.is_ccw for part in shape.geoms)
    assert np.all(np.abs(_xs(shape)) <= 180.0)
    east, west = sorted(shape.geoms, key=lambda p: -p.centroid.x)
    assert east.bounds[2] == pytest.approx(180.0) and west.bounds[0] == pytest.approx(-180.0)
    whole = geodesy.ring(-17.0, 10.0, 100.0)  # the same circle away from the antimeridian
    assert shape.area == pytest.approx(whole.area, rel=1e-3)


def test_arcs_and_paths_across_the_antimeridian_are_cut_in_range() -> None:
    arc = geodesy.arc(-18.1, 178.4, 200.0, bearing=90.0)
    assert isinstance(arc, MultiLineString)
    assert np.all(np.abs(_xs(arc)) <= 180.0)
    path = geodesy.path_line([place(-18.0, 179.0), place(-17.0, -179.0), place(-16.0, -178.0)])
    assert isinstance(path, MultiLineString) and np.all(np.abs(_xs(path)) <= 180.0)
    assert path.length < 5  # the short way round, not across the whole globe
    assert isinstance(geodesy.path_line([place(41.7, 44.8), place(42.0, 43.0)]), LineString)


def test_arc_spans_the_given_sector() -> None:
    line = geodesy.arc(41.7, 44.8, 50.0, bearing=270.0, half_width=45.0, segments=9)
    assert isinstance(line, LineString) and len(line.coords) == 9
    origin = place(41.7, 44.8)
    first, middle, last = line.coords[0], line.coords[4], line.coords[-1]
    assert geodesy.bearing_deg(origin, place(first[1], first[0])) == pytest.approx(225.0)
    assert geodesy.bearing_deg(origin, place(middle[1], middle[0])) == pytest.approx(270.0)
    assert geodesy.bearing_deg(origin, place(last[1], last[0])) == pytest.approx(315.0)
    with pytest.raises(GeoValueError):
        geodesy.arc(41.7, 44.8, 50.0, bearing=0.0, half_width=0.0)


def test_closest_approach_of_a_path() -> None:
    # A path along the equator from 0 E to 2 E; a point 1 degree north of its middle.
    path = [place(0.0, 0.0, "a"), place(0.0, 2.0, "b")]
    expected = geodesy.distance_between(1.0, 1.0, 0.0, 1.0)
    assert geodesy.closest_approach_km(path, 1.0, 1.0) == pytest.approx(expected, abs=0.05)
    # the end point is not the closest point: the middle is
    assert geodesy.distance_between(1.0, 1.0, 0.0, 2.0) > expected + 40
    assert geodesy.closest_approach_km(path[:1], 1.0, 1.0) == pytest.approx(
        geodesy.distance_between(1.0, 1.0, 0.0, 0.0)
    )
    with pytest.raises(GeoValueError):
        geodesy.closest_approach_km([], 0, 0)


def test_path_distances_give_end_point_and_closest_approach() -> None:
    origin = place(1.0, 1.0, "o")
    path = [place(0.0, 0.0, "a"), place(0.0, 2.0, "b")]
    end, closest = geodesy.path_distances_km(path, origin)
    assert end == pytest.approx(geodesy.distance_between(1.0, 1.0, 0.0, 2.0))
    assert closest == pytest.approx(geodesy.distance_between(1.0, 1.0, 0.0, 1.0), abs=0.05)
    single_end, single_closest = geodesy.path_distances_km(path[:1], origin)
    assert single_end == single_closest


def test_path_line_and_points_are_lon_lat() -> None:
    line = geodesy.path_line([place(41.0, 44.0), place(42.0, 45.0)])
    assert list(line.coords) == [(44.0, 41.0), (45.0, 42.0)]
    assert geodesy.point(41.0, 44.0).coords[0] == (44.0, 41.0)
    with pytest.raises(GeoValueError):
        geodesy.path_line([place(41.0, 44.0)])


@pytest.mark.parametrize(
    ("word", "bearing"),
    [
        ("north", 0.0),
        ("North-East", 45.0),
        ("north east", 45.0),
        ("northeast", 45.0),
        ("NE", 45.0),
        ("south-southwest", 202.5),
        ("WNW", 292.5),
        ("western", 270.0),
        ("southeastern", 135.0),
    ],
)
def test_compass_words(word: str, bearing: float) -> None:
    assert geodesy.compass_bearing(word) == bearing


def test_unknown_compass_word() -> None:
    assert geodesy.compass_bearing("upstream") is None
    assert math.isclose(geodesy.COMPASS["north-west"], 315.0)
