"""Escaping, rounding and limits that every part of the map shares.

Safety: every string that comes from a report is HTML-escaped here (``esc``), braces
included, before it reaches the page; payloads are written into the page verbatim
(never through a template engine) with ``<``/``>`` escaped so no text can end a script.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import geodesy
from geo.features import EVENT_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd


log = logging.getLogger(__name__)


#: The event properties the page needs (ids and counts it derives itself).
_EVENT_FIELDS = tuple(c for c in EVENT_COLUMNS if c not in ("place_ids", "source_count"))

#: A kind layer is clustered when its points crowd at the opening view: at least this many
#: of them, and at least CLUSTER_SHARE of them, share a CLUSTER_CELL_PX square of the
#: screen with another point (screen density, not a count of points).
CLUSTER_MIN_POINTS = 12
CLUSTER_SHARE = 0.2
CLUSTER_CELL_PX = 24
#: The screen the opening view is planned for (the page's map area, beside the list).
VIEW_PX = (1040, 800)
#: A kind layer with more lines than this draws them solid, with one arrowhead each
#: (status then shows as opacity only): dashes and extra arrowheads cost paint time.
DETAIL_MAX_LINES = 3000
#: Place mentions get permanent name labels while there are at most this many places.
LABEL_MAX_PLACES = 60
#: Quotes in popups are cut after this many characters.
QUOTE_MAX = 700
#: Sources listed in one popup before "and N more".
SOURCES_MAX = 8
_EPOCH = date(1970, 1, 1).toordinal()
_DIGITS = 6
_DAY_MS = 86_400_000


# -- escaping and small helpers --------------------------------------------------------------
def _clean(value: Any) -> Any:
    """None for None/NaN/NaT/NA, the value otherwise."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, float):
        return None if value != value else value
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


def esc(value: object) -> str:
    """HTML-escape anything for the page ('' for None/NaN). Braces become entities too, so
    report text can never be read as template syntax, and bidi overrides become U+FFFD."""
    if type(value) is not str:
        value = _clean(value)
        if value is None:
            return ""
    text = html.escape(str(value), quote=True)
    if "{" in text or "}" in text:
        text = text.replace("{", "&#123;").replace("}", "&#125;")
    if _BIDI.search(text):  # an override could show a quote in another order than it is
        text = _BIDI.sub("\ufffd", text)
    return text


#: Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _memo_esc() -> Callable[[object], str]:
    """``esc`` with a cache, for the many values that repeat (kinds, docs, places)."""
    cache: dict[object, str] = {}

    def cached(value: object) -> str:
        if value is None:
            return ""
        try:
            return cache[value]
        except KeyError:
            text = cache[value] = esc(value)
            return text
        except TypeError:
            return esc(value)

    return cached


def _list(value: Any) -> list[Any]:
    value = _clean(value)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


def script_safe(text: str) -> str:
    """JSON text made safe inside <script>: nothing can close the element or open a
    comment, and no CSS-looking ``url(``/``@import`` survives from report text."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("(", "\\u0028")
        .replace("@", "\\u0040")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def js(obj: Any) -> str:
    """A JSON literal safe to place inside a <script> element."""
    return script_safe(json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")))


def _day(value: Any) -> int | None:
    """Days since 1970-01-01 of an ISO date (or date), None when undated."""
    value = _clean(value)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.toordinal() - _EPOCH
    try:
        return date.fromisoformat(str(value)[:10]).toordinal() - _EPOCH
    except ValueError:
        return None


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if number != number else f"{number:,.{digits}f}"


def _km(value: Any) -> str:
    text = _num(value)
    return f"{text} km" if text else ""


def _round_geoms(geoms: Sequence[BaseGeometry] | np.ndarray) -> np.ndarray:
    array = np.asarray(geoms, dtype=object)
    return np.asarray(shapely.transform(array, lambda xy: np.round(xy, _DIGITS)), dtype=object)


def geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry (lon/lat) with coordinates rounded to 6 decimals (~0.1 m)."""
    return dict(json.loads(shapely.to_geojson(_round_geoms([geom])[0])))


def _column(frame: gpd.GeoDataFrame | None, name: str, n: int) -> list[Any]:
    """A column as a list with every missing value (NaN, NaT, NA) as None."""
    if frame is None or name not in frame.columns:
        return [None] * n
    series = frame[name]
    values = series.tolist()
    nulls = series.isna().tolist()
    if not any(nulls):
        return values
    return [None if null else v for v, null in zip(values, nulls, strict=True)]


def _geometries(frame: gpd.GeoDataFrame | None) -> np.ndarray:
    if frame is None or len(frame) == 0:
        return np.empty(0, dtype=object)
    return np.asarray(frame.geometry.to_numpy(), dtype=object)


def _area(geom: BaseGeometry, km: Any) -> BaseGeometry:
    """An estimated point is shown as an area: a circle scaled to its distance."""
    if geom.geom_type != "Point":
        return geom
    value = _clean(km)
    radius = max(5.0, 0.2 * float(value)) if value is not None else 10.0
    return geodesy.ring(geom.y, geom.x, radius, segments=48)


def _rows_html(rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows if v)
    return f"<table>{cells}</table>"


# -- screen density --------------------------------------------------------------------------
def _mercator_px(lon: np.ndarray, lat: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at a zoom level (256-pixel tiles, as Leaflet)."""
    scale = 256.0 * 2.0**zoom
    phi = np.radians(np.clip(lat, -85.05, 85.05))
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * scale
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / np.pi) / 2.0 * scale
    return x, y


def opening_zoom(
    bounds: Sequence[Sequence[float]], view_px: tuple[int, int] = VIEW_PX, max_zoom: int = 11
) -> int:
    """The zoom Leaflet's fitBounds picks for ``[[south, west], [north, east]]`` on a map
    of ``view_px`` pixels (between 2 and ``max_zoom``)."""
    (south, west), (north, east) = bounds
    x, y = _mercator_px(np.array([west, east]), np.array([north, south]), 0)
    width, height = max(float(x[1] - x[0]), 1e-9), max(float(y[1] - y[0]), 1e-9)
    zoom = math.floor(math.log2(min(view_px[0] / width, view_px[1] / height)))
    return int(min(max(zoom, 2), max_zoom))


def crowded(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    zoom: int,
    min_points: int = CLUSTER_MIN_POINTS,
) -> bool:
    """Whether points crowd on screen at ``zoom``: at least ``min_points`` and at least
    CLUSTER_SHARE of them share a CLUSTER_CELL_PX square with another point."""
    n = len(lon)
    if n < max(min_points, 2):
        return False
    x, y = _mercator_px(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), zoom)
    cells = np.floor(x / CLUSTER_CELL_PX).astype(np.int64) * 1_000_003 + np.floor(
        y / CLUSTER_CELL_PX
    ).astype(np.int64)
    _, inverse, counts = np.unique(cells, return_inverse=True, return_counts=True)
    shared = int((counts[inverse] >= 2).sum())
    return shared >= min_points and shared >= CLUSTER_SHARE * n
