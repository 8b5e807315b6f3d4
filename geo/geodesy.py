"""Geodesy on the WGS84 ellipsoid: the only module that knows the lat/lon order.

Everything here takes latitude and longitude as named arguments (or :class:`Place`s) and
returns shapely geometries in GeoJSON order (x = longitude, y = latitude). Functions that
take sequences are vectorised through pyproj.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from pyproj import Geod
from shapely.affinity import translate
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
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


#: COMPASS keyed without hyphens or spaces ("northeast", "northnortheast").
_COMPASS_FOLDED: dict[str, float] = {k.replace("-", ""): v for k, v in COMPASS.items()}
_ABBREVIATIONS: dict[str, str] = {
    "n": "north",
    "nne": "north-northeast",
    "ne": "northeast",
    "ene": "east-northeast",
    "e": "east",
    "ese": "east-southeast",
    "se": "southeast",
    "sse": "south-southeast",
    "s": "south",
    "ssw": "south-southwest",
    "sw": "southwest",
    "wsw": "west-southwest",
    "w": "west",
    "wnw": "west-northwest",
    "nw": "northwest",
    "nnw": "north-northwest",
}


def _check(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise GeoValueError(f"coordinate lat={lat}, lon={lon} is outside WGS84 ranges")


def _check_arrays(lats: np.ndarray, lons: np.ndarray) -> None:
    if lats.shape != lons.shape:
        raise GeoValueError(f"{lats.size} latitudes but {lons.size} longitudes; pass one of each")
    bad = ~((np.abs(lats) <= 90.0) & (np.abs(lons) <= 180.0))
    if bad.any():
        index = int(np.argmax(bad))
        raise GeoValueError(
            f"coordinate {index} (lat={lats[index]}, lon={lons[index]}) is outside WGS84 ranges"
        )


def compass_bearing(word: str) -> float | None:
    """Bearing of a compass word ("north-east", "North East", "NE", "northeastern"), or None."""
    key = word.strip().lower().replace("-", "").replace(" ", "")
    if key.endswith("ern"):
        key = key[:-3]
    if key in _ABBREVIATIONS:
        key = _ABBREVIATIONS[key].replace("-", "")
    return _COMPASS_FOLDED.get(key)


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
    _, metres = _inverse_from(lats, lons, lat0, lon0)
    return metres / 1000.0


def _inverse_from(
    lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray, lat0: float, lon0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Forward azimuths (degrees) and distances (m) from one origin to many points."""
    lat_array = np.asarray(lats, dtype=float)
    lon_array = np.asarray(lons, dtype=float)
    if lat_array.size == 0:
        return np.zeros(0), np.zeros(0)
    _check(lat0, lon0)
    _check_arrays(lat_array, lon_array)
    azimuths, _, metres = WGS84.inv(
        np.full_like(lon_array, lon0), np.full_like(lat_array, lat0), lon_array, lat_array
    )
    return np.asarray(azimuths), np.asarray(metres)


def bearing_deg(a: Place, b: Place) -> float:
    """Initial bearing from ``a`` to ``b``, degrees clockwise from north in [0, 360)."""
    _check(a.lat, a.lon)
    _check(b.lat, b.lon)
    azimuth, _, _ = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
    return float(azimuth) % 360.0


def bearings_from(
    lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray, lat0: float, lon0: float
) -> np.ndarray:
    """Vectorised initial bearings (degrees in [0, 360)) from one origin to many points."""
    azimuths, _ = _inverse_from(lats, lons, lat0, lon0)
    return azimuths % 360.0


def place_distances_km(places: Sequence[Place], origin: Place) -> np.ndarray:
    """Vectorised geodesic distances (km) from ``origin`` to each place."""
    return distances_from([p.lat for p in places], [p.lon for p in places], origin.lat, origin.lon)


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


def path_line(places: Sequence[Place]) -> LineString | MultiLineString:
    """A line through places in order (lon/lat); each leg takes the shorter way round, and
    a line across the antimeridian is cut there (:func:`cut_antimeridian`)."""
    if len(places) < 2:
        raise GeoValueError("a path needs at least two places")
    lons = [places[0].lon]
    for place in places[1:]:
        lons.append(float(_unwrap(np.array([place.lon]), lons[-1])[0]))
    return cut_antimeridian(LineString([(lon, p.lat) for lon, p in zip(lons, places, strict=True)]))


def _unwrap(lons: np.ndarray, lon0: float) -> np.ndarray:
    """Longitudes made continuous around ``lon0`` so a shape across the antimeridian stays
    whole (vertices may lie beyond +/-180 degrees until :func:`cut_antimeridian`)."""
    return lon0 + (np.asarray(lons) - lon0 + 180.0) % 360.0 - 180.0


_WORLD = box(-180.0, -90.0, 180.0, 90.0)


def cut_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """``geometry`` with every coordinate in range (RFC 7946, section 3.1.9): a shape drawn
    continuously across +/-180 degrees is cut there into parts, each shifted by 360 degrees
    into [-180, 180]; a shape already in range is returned as it is."""
    xmin, _, xmax, _ = geometry.bounds
    if xmin >= -180.0 and xmax <= 180.0:
        return geometry
    parts: list[BaseGeometry] = []
    for shift in (-360.0, 0.0, 360.0):
        piece = translate(geometry, xoff=shift).intersection(_WORLD)
        parts.extend(_flat(piece))
    polygons = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    if isinstance(geometry, Polygon | MultiPolygon):
        polygons = [orient(p, sign=1.0) for p in polygons]
        return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    lines = [p for p in parts if isinstance(p, LineString) and not p.is_empty]
    return lines[0] if len(lines) == 1 else MultiLineString(lines)


def _flat(geometry: BaseGeometry) -> list[BaseGeometry]:
    if hasattr(geometry, "geoms"):
        return [part for member in geometry.geoms for part in _flat(member)]
    return [geometry]


def ring(lat: float, lon: float, km: float, segments: int = 128) -> Polygon | MultiPolygon:
    """Geodesic circle of radius ``km`` around (lat, lon), counter-clockwise (RFC 7946),
    cut in two where it crosses the antimeridian."""
    if km <= 0:
        raise GeoValueError(f"a ring needs a positive radius, not {km}")
    _check(lat, lon)
    bearings = np.linspace(0.0, 360.0, segments, endpoint=False)
    if segments < 3:
        raise GeoValueError(f"a ring needs at least 3 segments, not {segments}")
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), bearings, np.full(segments, km * 1000.0)
    )
    circle = orient(Polygon(np.column_stack((_unwrap(lons, lon), lats))), sign=1.0)
    return cut_antimeridian(circle)


def arc(
    lat: float, lon: float, km: float, bearing: float, half_width: float = 45.0, segments: int = 32
) -> LineString | MultiLineString:
    """Geodesic arc at ``km`` from (lat, lon) spanning ``bearing`` +/- ``half_width`` degrees,
    cut where it crosses the antimeridian."""
    if km <= 0:
        raise GeoValueError(f"an arc needs a positive radius, not {km}")
    _check(lat, lon)
    if not 0 < half_width <= 180:
        raise GeoValueError(f"an arc's half width must be in (0, 180] degrees, not {half_width}")
    segments = max(segments, 2)
    bearings = np.linspace(bearing - half_width, bearing + half_width, segments)
    lons, lats, _ = WGS84.fwd(
        np.full(segments, lon), np.full(segments, lat), bearings, np.full(segments, km * 1000.0)
    )
    return cut_antimeridian(LineString(np.column_stack((_unwrap(lons, lon), lats))))


def path_distances_km(line_places: Sequence[Place], origin: Place) -> tuple[float, float]:
    """For a path of places: (distance of its end point, its closest approach) from ``origin``."""
    if not line_places:
        raise GeoValueError("a path needs at least one place")
    end = distance_km(origin, line_places[-1])
    return end, min(end, closest_approach_km(line_places, origin.lat, origin.lon))


def _densify(line_places: Sequence[Place], step_km: float) -> tuple[list[float], list[float]]:
    lats: list[float] = []
    lons: list[float] = []
    for a, b in pairwise(line_places):
        lats.append(a.lat)
        lons.append(a.lon)
        length_km = distance_km(a, b)
        inner = min(int(length_km / step_km), 4096)
        for step_lon, step_lat in WGS84.npts(a.lon, a.lat, b.lon, b.lat, inner) if inner else ():
            lats.append(step_lat)
            lons.append(step_lon)
    lats.append(line_places[-1].lat)
    lons.append(line_places[-1].lon)
    return lats, lons


def closest_approach_km(
    line_places: Sequence[Place], lat0: float, lon0: float, step_km: float = 0.5
) -> float:
    """Smallest geodesic distance (km) from (lat0, lon0) to a path of places.

    Each leg is densified along its geodesic every ``step_km``, so the error is at most
    about half a step.
    """
    if not line_places:
        raise GeoValueError("closest approach needs at least one place")
    if step_km <= 0:
        raise GeoValueError(f"the densifying step must be positive, not {step_km}")
    lats, lons = _densify(line_places, step_km)
    return float(distances_from(lats, lons, lat0, lon0).min())
