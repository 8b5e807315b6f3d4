"""Geodesy on the WGS84 ellipsoid: the only module that knows the lat/lon order.

Everything here takes latitude and longitude as named arguments (or :class:`Place`s) and
returns shapely geometries in GeoJSON order (x = longitude, y = latitude). Functions that
take sequences are vectorised through pyproj.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient

from geo.errors import GeoValueError
from geo.models import Place

WGS84 = Geod(ellps="WGS84")

#: Compass words and their bearings in degrees clockwise from north.
COMPASS: dict[str, float] = {
    "north": 0.0,
    "north-northeast": 22.5,
    "northeast": 45.0,
    "north-east": 45.0,
    "east-northeast": 67.5,
    "east": 90.0,
    "east-southeast": 112.5,
    "southeast": 135.0,
    "south-east": 135.0,
    "south-southeast": 157.5,
    "south": 180.0,
    "south-southwest": 202.5,
    "southwest": 225.0,
    "south-west": 225.0,
    "west-southwest": 247.5,
    "west": 270.0,
    "west-northwest": 292.5,
    "northwest": 315.0,
    "north-west": 315.0,
    "north-northwest": 337.5,
}


def _check(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise GeoValueError(f"coordinate lat={lat}, lon={lon} is outside WGS84 ranges")


def distance_km(a: Place, b: Place) -> float:
    """Geodesic distance between two places in kilometres."""
    return distance_between(a.lat, a.lon, b.lat, b.lon)


def distance_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance between two coordinates in kilometres."""
    _check(lat1, lon1)
    _check(lat2, lon2)
    _, _, metres = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(metres) / 1000.0


def distances_from(
    lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray, lat0: float, lon0: float
) -> np.ndarray:
    """Vectorised geodesic distances (km) from one origin to many points."""
    lat_array = np.asarray(lats, dtype=float)
    lon_array = np.asarray(lons, dtype=float)
    if lat_array.size == 0:
        return np.zeros(0)
    _, _, metres = WGS84.inv(
        np.full_like(lon_array, lon0), np.full_like(lat_array, lat0), lon_array, lat_array
    )
    return np.asarray(metres) / 1000.0


def bearing_deg(a: Place, b: Place) -> float:
    """Initial bearing from ``a`` to ``b``, degrees clockwise from north in [0, 360)."""
    _check(a.lat, a.lon)
    _check(b.lat, b.lon)
    azimuth, _, _ = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
    return float(azimuth) % 360.0


def angle_between(bearing1: float, bearing2: float) -> float:
    """Smallest absolute difference between two bearings, in [0, 180]."""
    diff = abs(bearing1 - bearing2) % 360.0
    return min(diff, 360.0 - diff)


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The (lat, lon) reached going ``km`` along ``bearing`` from (lat, lon)."""
    _check(lat, lon)
    lon2, lat2, _ = WGS84.fwd(lon, lat, bearing, km * 1000.0)
    return float(lat2), float(lon2)


def point(lat: float, lon: float) -> Point:
    """A shapely point in GeoJSON order."""
    _check(lat, lon)
    return Point(lon, lat)


def place_point(place: Place) -> Point:
    return point(place.lat, place.lon)


def path_line(places: Sequence[Place]) -> LineString:
    """A line through places in order (lon/lat)."""
    if len(places) < 2:
        raise GeoValueError("a path needs at least two places")
    return LineString([(p.lon, p.lat) for p in places])


def ring(lat: float, lon: float, km: float, segments: int = 128) -> Polygon:
    """Geodesic circle of radius ``km`` around (lat, lon), counter-clockwise (RFC 7946)."""
    if km <= 0:
        raise GeoValueError(f"a ring needs a positive radius, not {km}")
    _check(lat, lon)
    bearings = np.linspace(0.0, 360.0, segments, endpoint=False)
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), bearings, np.full(segments, km * 1000.0)
    )
    return orient(Polygon(zip(lons, lats, strict=True)), sign=1.0)


def arc(
    lat: float, lon: float, km: float, bearing: float, half_width: float = 45.0, segments: int = 32
) -> LineString:
    """Geodesic arc at ``km`` from (lat, lon) spanning ``bearing`` +/- ``half_width`` degrees."""
    if km <= 0:
        raise GeoValueError(f"an arc needs a positive radius, not {km}")
    _check(lat, lon)
    bearings = np.linspace(bearing - half_width, bearing + half_width, segments)
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), bearings, np.full(segments, km * 1000.0)
    )
    return LineString(zip(lons, lats, strict=True))


def closest_approach_km(line_places: Sequence[Place], lat0: float, lon0: float) -> float:
    """Smallest geodesic distance (km) from (lat0, lon0) to a path, densified along it."""
    if not line_places:
        raise GeoValueError("closest approach needs at least one place")
    lats: list[float] = []
    lons: list[float] = []
    for a, b in zip(line_places, line_places[1:], strict=False):
        steps = WGS84.npts(a.lon, a.lat, b.lon, b.lat, 32)
        lats.append(a.lat)
        lons.append(a.lon)
        for step_lon, step_lat in steps:
            lats.append(step_lat)
            lons.append(step_lon)
    lats.append(line_places[-1].lat)
    lons.append(line_places[-1].lon)
    return float(distances_from(lats, lons, lat0, lon0).min())
