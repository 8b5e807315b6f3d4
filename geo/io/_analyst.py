"""Files for other tools: an ACLED-style CSV (``acled.csv``) and KML for Google Earth
(``events.kml``), both one row or Placemark per event feature.

The mapping to ACLED's codes (README, "ACLED-style CSV"):

- ``event_type``/``sub_event_type`` from the kind (:data:`ACLED_TYPES`);
- ``geo_precision``: ours already means what ACLED's does (1 a named town or site, 2 near
  a named place, 3 a region);
- ``time_precision`` from the date precision (:data:`ACLED_TIME_PRECISION`).

Only events said to have happened (``reported``, ``claimed``) are ACLED rows; denied,
planned and hypothetical ones are not events in ACLED's sense. The KML holds every feature.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from geo.io._export import COORDINATE_DIGITS, atomic_write_text, csv_safe, jsonable

if TYPE_CHECKING:
    import geopandas as gpd

#: Our kind -> ACLED's event type and sub-event type.
ACLED_TYPES: dict[str, tuple[str, str]] = {
    "movement": ("Strategic developments", "Change to group/activity"),
    "withdrawal": ("Strategic developments", "Change to group/activity"),
    "position": ("Strategic developments", "Change to group/activity"),
    "occupation": ("Strategic developments", "Non-violent transfer of territory"),
    "checkpoint": ("Strategic developments", "Headquarters or base established"),
    # prisoner exchanges and handovers: ACLED codes them as agreements
    "exchange": ("Strategic developments", "Agreement"),
    # attacks, clashes, shelling and air strikes are one kind here; ACLED would code the
    # shelling and strikes as Explosions/Remote violence
    "attack": ("Battles", "Armed clash"),
}
#: Our date precision -> ACLED's time_precision (1 day, 2 week, 3 month); undated: empty.
ACLED_TIME_PRECISION: dict[str, int] = {"day": 1, "report": 2, "week": 2, "month": 3}
#: Statuses that make an ACLED row (the event is said to have happened).
ACLED_STATUSES: frozenset[str] = frozenset({"reported", "claimed"})
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "time_precision",
    "source",
    "notes",
)


def _text(value: Any) -> str:
    value = jsonable(value)
    return "" if value is None else str(value)


def _list(value: Any) -> list[Any]:
    value = jsonable(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _site(geometry: BaseGeometry | None) -> tuple[float, float] | None:
    """(lat, lon) of a point, or a line's end (its destination); None for areas and null."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type == "Point":
        return geometry.y, geometry.x
    if geometry.geom_type in ("LineString", "MultiLineString"):
        line = geometry if geometry.geom_type == "LineString" else geometry.geoms[-1]
        lon, lat = line.coords[-1][:2]
        return lat, lon
    return None


def _publishers(sources: Any, fallback: Any) -> str:
    names: list[str] = []
    for src in _list(sources):
        name = src.get("source") or src.get("doc") if isinstance(src, dict) else None
        if name and name not in names:
            names.append(str(name))
    return "; ".join(names) or _text(fallback)


def acled_rows(events: gpd.GeoDataFrame) -> Iterator[dict[str, Any]]:
    """One ACLED-style row per reported or claimed event feature (:data:`ACLED_COLUMNS`)."""
    records = events.drop(columns=events.geometry.name).to_dict("records")
    for row, geometry in zip(records, events.geometry, strict=True):
        if row.get("status") not in ACLED_STATUSES:
            continue
        places = [str(p) for p in _list(row.get("places"))]
        line = geometry is not None and "LineString" in geometry.geom_type
        site = _site(geometry)
        event_type, sub_type = ACLED_TYPES.get(str(row.get("kind")), ("", ""))
        when = _text(row.get("date"))
        notes = _text(row.get("quote"))
        if row.get("status") == "claimed":
            notes = f"(claimed) {notes}"
        if row.get("estimated"):
            notes += " (location estimated from a distance claim)"
        yield {
            "event_id_cnty": _text(row.get("id")),
            "event_date": when,
            "event_type": event_type,
            "sub_event_type": sub_type,
            "actor1": _text(row.get("actor")),
            "location": (places[-1] if line else places[0]) if places else "",
            "latitude": round(site[0], COORDINATE_DIGITS) if site else None,
            "longitude": round(site[1], COORDINATE_DIGITS) if site else None,
            "geo_precision": int(row.get("geo_precision") or 1),
            "time_precision": ACLED_TIME_PRECISION.get(str(row.get("date_precision")))
            if when
            else None,
            "source": _publishers(row.get("sources"), row.get("source")),
            "notes": notes,
        }


def write_acled_csv(events: gpd.GeoDataFrame, path: str | Path) -> Path:
    """acled.csv: :func:`acled_rows`, text cells neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ACLED_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in acled_rows(events):
        writer.writerow({k: "" if v is None else csv_safe(v) for k, v in row.items()})
    return atomic_write_text(path, buffer.getvalue())


# -- KML ------------------------------------------------------------------------------------
_KML_NS = "http://www.opengis.net/kml/2.2"
#: Properties written as each Placemark's ExtendedData.
KML_DATA: tuple[str, ...] = (
    "id",
    "kind",
    "actor",
    "date",
    "date_precision",
    "status",
    "geo_precision",
    "confidence",
    "places",
    "source_count",
    "estimated",
)


#: Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _put(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    """A child element holding ``text``, without characters XML cannot hold."""
    child = ET.SubElement(
        parent, tag, {k: _NOT_XML.sub("\ufffd", v) for k, v in attributes.items()}
    )
    child.text = _NOT_XML.sub("\ufffd", text)
    return child


def _coordinates(coords: Any) -> str:
    return " ".join(
        f"{round(x, COORDINATE_DIGITS)!r},{round(y, COORDINATE_DIGITS)!r}" for x, y, *_ in coords
    )


def _kml_geometry(parent: ET.Element, geometry: BaseGeometry) -> None:
    kind = geometry.geom_type
    if kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _coordinates(
            geometry.coords
        )
    elif kind == "LineString":
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _coordinates(geometry.coords)
    elif kind == "Polygon":
        polygon = ET.SubElement(parent, "Polygon")
        ET.SubElement(polygon, "tessellate").text = "1"
        rings = [("outerBoundaryIs", geometry.exterior)]
        rings += [("innerBoundaryIs", ring) for ring in geometry.interiors]
        for tag, ring in rings:
            linear = ET.SubElement(ET.SubElement(polygon, tag), "LinearRing")
            ET.SubElement(linear, "coordinates").text = _coordinates(ring.coords)
    elif hasattr(geometry, "geoms"):
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geometry.geoms:
            _kml_geometry(multi, part)


def _when(parent: ET.Element, row: dict[str, Any]) -> None:
    """A TimeStamp for a day, a TimeSpan for a week or month (Google Earth's time slider)."""
    from geo.features._features import date_interval

    text = row.get("date")
    if not isinstance(text, str) or not text:
        return
    interval = date_interval(date.fromisoformat(text), str(row.get("date_precision")))
    if interval is None:
        return
    first, last = interval
    if first == last:
        ET.SubElement(ET.SubElement(parent, "TimeStamp"), "when").text = first.isoformat()
    else:
        span = ET.SubElement(parent, "TimeSpan")
        ET.SubElement(span, "begin").text = first.isoformat()
        ET.SubElement(span, "end").text = last.isoformat()


def _description(row: dict[str, Any]) -> str:
    """The balloon's HTML: every source (title linked only for http/https URLs, publisher,
    date) and its quote, every text from reports HTML-escaped."""
    from geo.map._common import _memo_esc, esc
    from geo.map._payloads import source_label

    e = _memo_esc()
    items = []
    sources = [s for s in _list(row.get("sources")) if isinstance(s, dict)]
    if not sources:
        sources = [{"doc": row.get("doc"), "source": row.get("source"), "quote": row.get("quote")}]
    for src in sources:
        items.append(f"<li><b>{source_label(src, e)}</b>: <q>{esc(src.get('quote'))}</q></li>")
    places = " → ".join(esc(p) for p in _list(row.get("places")))
    return f"<p>{places}</p><ol>{''.join(items)}</ol>"


def kml_text(events: gpd.GeoDataFrame) -> str:
    """A KML 2.2 document: a Folder per kind, a Placemark per event feature (region-level
    events without a geometry too), with its time, its sources and its properties."""
    kml = ET.Element("kml", xmlns=_KML_NS)
    document = ET.SubElement(kml, "Document")
    _put(document, "name", "geo events")
    folders: dict[str, ET.Element] = {}
    records = events.drop(columns=events.geometry.name).to_dict("records")
    for row, geometry in zip(records, events.geometry, strict=True):
        kind = _text(row.get("kind"))
        folder = folders.get(kind)
        if folder is None:
            folder = folders[kind] = ET.SubElement(document, "Folder")
            _put(folder, "name", kind)
        mark = ET.SubElement(folder, "Placemark", id=_NOT_XML.sub("\ufffd", _text(row.get("id"))))
        title = " · ".join(x for x in (kind, _text(row.get("actor")), _text(row.get("date"))) if x)
        _put(mark, "name", title)
        _put(mark, "description", _description(row))
        _when(mark, row)
        data = ET.SubElement(mark, "ExtendedData")
        for key in KML_DATA:
            value = jsonable(row.get(key))
            as_json = isinstance(value, (list, bool))
            text = json.dumps(value, ensure_ascii=False) if as_json else value
            item = ET.SubElement(data, "Data", name=key)
            _put(item, "value", "" if text is None else str(text))
        if geometry is not None and not geometry.is_empty:
            _kml_geometry(mark, geometry)
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode")


def write_kml(events: gpd.GeoDataFrame, path: str | Path) -> Path:
    """events.kml for Google Earth (:func:`kml_text`), written atomically."""
    return atomic_write_text(path, kml_text(events) + "\n")
