"""Data files of a run: GeoJSON (RFC 7946), checks.csv, and on request GeoPackage, CSV with
WKT geometry and GeoParquet. Every write is atomic: a temporary file in the target folder,
then ``os.replace``, so a failed run never leaves half a file behind.

``events.geojson``/``places.geojson``: WGS84 lon/lat, no ``crs`` member, exterior rings
counter-clockwise and holes clockwise, coordinates rounded to 6 decimals, dates as ISO
strings, lists as JSON arrays, NaN as null.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geo.errors import GeoValueError, OutputError
from geo.io._output_set import STAGING_PREFIX
from geo.models import Check, Mention, Place
from geo.settings import OUTPUT_FORMATS

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geo.engine import Result

log = logging.getLogger(__name__)

#: Formats ``write_outputs`` understands. GeoJSON and checks.csv are always written.
FORMATS = OUTPUT_FORMATS
COORDINATE_DIGITS = 6


# -- atomic writes ---------------------------------------------------------------------------
def _output_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    return OutputError(f"{path}: cannot write ({reason}); choose another folder with -o")


@contextlib.contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it into place, else delete it.

    For writers that need a file name (GDAL, pyarrow); raises OutputError when the folder
    cannot be written.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f"{STAGING_PREFIX}{target.stem}.",
            suffix=f".tmp{target.suffix}",
            dir=target.parent,
        )
        os.close(handle)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    temporary = Path(name)
    temporary.unlink()  # writers (GDAL) want to create the file themselves
    try:
        yield temporary
        os.replace(temporary, target)
    except OutputError:
        raise  # said already, once
    except OSError as exc:
        raise _output_error(target, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


@contextlib.contextmanager
def atomic_open(
    path: str | Path, mode: str = "xb", encoding: str | None = None, errors: str | None = None
) -> Iterator[IO[Any]]:
    """A new file to write ``path`` through: flushed to disk and moved into place when the
    block ends without an error, deleted otherwise; OSError becomes OutputError."""
    target = Path(path)
    with atomic_target(target) as temporary:
        try:
            with open(temporary, mode, encoding=encoding, errors=errors) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _output_error(target, exc) from exc


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + rename)."""
    with atomic_open(path) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (a character the encoding cannot hold, a lone
    surrogate, is written as ``?``: no text can break the write)."""
    return atomic_write_bytes(path, text.encode(encoding, errors="replace"))


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Render a folium map (inlined when it was built offline) and write it atomically."""
    return atomic_write_text(path, str(m.get_root().render()))


# -- values ----------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """A JSON-ready copy: None for NaN/NaT/inf, ISO strings for dates, lists for arrays."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime):
        if type(value).__name__ == "NaTType":
            return None
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        return value.date().isoformat() if midnight and value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return str(value)


def rfc7946_geometries(geoms: Iterable[BaseGeometry | None]) -> list[str | None]:
    """GeoJSON geometry texts: 6 decimals, polygon exteriors counter-clockwise."""
    array = np.asarray(list(geoms), dtype=object)
    out: list[str | None] = [None] * len(array)
    present = np.array([g is not None and not g.is_empty for g in array], dtype=bool)
    if not present.any():
        return out
    rounded = shapely.transform(array[present], lambda xy: np.round(xy, COORDINATE_DIGITS))
    oriented = [_orient(g) for g in rounded]
    for index, text in zip(np.flatnonzero(present), shapely.to_geojson(oriented), strict=True):
        out[int(index)] = str(text)
    return out


def _orient(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type == "Polygon":
        return orient(geom, 1.0)
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    if geom.geom_type == "GeometryCollection":
        return shapely.GeometryCollection([_orient(g) for g in geom.geoms])
    return geom


_COLLECTION_HEAD = '{"type":"FeatureCollection","features":[\n'
#: Compact JSON of a Feature's properties (one encoder, not one per feature).
_PROPERTIES_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_COLLECTION_TAIL = "\n]}\n"


def feature_texts(frame: gpd.GeoDataFrame, columns: Sequence[str] | None = None) -> Iterator[str]:
    """Each row of ``frame`` (EPSG:4326) as the compact JSON text of an RFC 7946 Feature."""
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    names = [
        c for c in (columns or frame.columns) if c != frame.geometry.name and c in frame.columns
    ]
    values = {c: frame[c].tolist() for c in names}
    geometries = rfc7946_geometries(frame.geometry)
    for i, geometry in enumerate(geometries):
        properties = {c: jsonable(values[c][i]) for c in names}
        body = _PROPERTIES_ENCODER.encode(properties)
        yield f'{{"type":"Feature","properties":{body},"geometry":{geometry or "null"}}}'


def place_feature_texts(mentions: Iterable[Mention], reference: Place) -> Iterator[str]:
    """The Features of places.geojson, one per resolved toponym mention: the text
    :func:`feature_texts` gives for ``mentions_to_frame(mentions, reference)``, without
    the frame. Each text is put together from parts that are worked out once: a place's
    columns and point (the rows of one place share its point object, see
    :func:`geo.features._features.place_rows`) and each distinct document id, name and reason."""
    from geo.features import place_rows

    # The properties in features.PLACE_COLUMNS order (the tests compare with the frame).
    # Names and reasons repeat across a corpus and are memoised; a document's rows come
    # together, so only its last id is (the memo stays the size of the vocabulary).
    strings: dict[str, str] = {}
    places: dict[int, tuple[BaseGeometry, str, str]] = {}
    last_doc: tuple[Any, str] = (None, "null")
    for row in place_rows(mentions, reference):
        geometry = row["geometry"]
        shared = places.get(id(geometry))
        if shared is None:  # (the point is kept with its parts, so its id stays its own)
            middle = "".join(
                f',"{column}":{_json_text(row[column])}'
                for column in ("name", "place_id", "kind", "country")
            )
            tail = f',"distance_km":{_json_text(row["distance_km"])}}},"geometry":'
            shared = places[id(geometry)] = (geometry, middle, tail + _geometry_text(geometry))
        if row["doc"] != last_doc[0]:
            last_doc = (row["doc"], _json_text(row["doc"]))
        doc = last_doc[1]
        text = strings.get(row["text"]) or _memo(strings, row["text"])
        reason = strings.get(row["reason"]) or _memo(strings, row["reason"])
        start, end = _json_text(row["char_start"]), _json_text(row["char_end"])
        yield (
            f'{{"type":"Feature","properties":{{"doc":{doc},"text":{text}{shared[1]}'
            f',"char_start":{start},"char_end":{end},"score":{_json_text(row["score"])}'
            f',"reason":{reason}{shared[2]}}}'
        )


def _memo(strings: dict[str, str], value: Any) -> str:
    text = strings[value] = _json_text(value)
    return text


def _json_text(value: Any) -> str:
    """``value`` as compact JSON, as :func:`feature_texts` writes it (via :func:`jsonable`)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int or (kind is float and math.isfinite(value)):
        return repr(value)
    return _PROPERTIES_ENCODER.encode(jsonable(value))


def _geometry_text(geometry: BaseGeometry | None) -> str:
    return rfc7946_geometries([geometry])[0] or "null"


def feature_collection_text(frame: gpd.GeoDataFrame, columns: Sequence[str] | None = None) -> str:
    """An RFC 7946 FeatureCollection of ``frame`` (EPSG:4326) as compact JSON text."""
    return _COLLECTION_HEAD + ",\n".join(feature_texts(frame, columns)) + _COLLECTION_TAIL


def feature_collection(
    frame: gpd.GeoDataFrame, columns: Sequence[str] | None = None
) -> dict[str, Any]:
    """The same FeatureCollection as a dict."""
    return dict(json.loads(feature_collection_text(frame, columns)))


def write_geojson(
    frames: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame],
    path: str | Path,
    columns: Sequence[str] | None = None,
) -> Path:
    """Write a FeatureCollection atomically, from one frame or streamed from a sequence of
    frames (chunks of one table): only one chunk's text is in memory at a time."""
    import geopandas as gpd

    chunks = [frames] if isinstance(frames, gpd.GeoDataFrame) else frames
    texts = (text for frame in chunks for text in feature_texts(frame, columns))
    return write_feature_collection(texts, path)


def write_feature_collection(feature_texts: Iterable[str], path: str | Path) -> Path:
    """Write a FeatureCollection of Feature texts atomically, streamed as they come."""
    with atomic_open(path, "x", encoding="utf-8", errors="replace") as handle:
        handle.write(_COLLECTION_HEAD)
        separator = ""
        for text in feature_texts:
            handle.write(separator + text)
            separator = ",\n"
        handle.write(_COLLECTION_TAIL)
    return Path(path)


# -- tables ----------------------------------------------------------------------------------
#: A cell a spreadsheet would read as a formula starts with one of these (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet: text that starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading ``'`` (as OWASP recommends), so it
    is shown as text, never run as a formula; numbers (and numeric text) stay numbers."""
    formula = isinstance(value, str) and value.startswith(_FORMULA_START)
    return "'" + value if formula and _NUMBER.fullmatch(value) is None else value


def _cell(value: Any) -> Any:
    value = jsonable(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def tabular(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy whose list/dict columns are JSON text and dates ISO text (for GPKG/Parquet/CSV)."""
    import geopandas as gpd

    geometry = frame.geometry.name
    data = {c: [_cell(v) for v in frame[c].tolist()] for c in frame.columns if c != geometry}
    return gpd.GeoDataFrame(data, geometry=list(frame.geometry), crs=frame.crs or "EPSG:4326")


def write_csv(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """CSV with every property and the geometry as WKT (6 decimals) in column ``wkt``;
    text cells neutralised against formulas (:func:`csv_safe`)."""
    import pandas as pd

    table = tabular(frame)
    geometry = table.geometry.name
    wkt = [
        shapely.to_wkt(g, rounding_precision=COORDINATE_DIGITS) if g is not None else ""
        for g in table.geometry
    ]
    rows = table.drop(columns=geometry)
    for column in rows.columns:
        if not pd.api.types.is_numeric_dtype(rows[column].dtype):
            rows[column] = [csv_safe(v) for v in rows[column].tolist()]
    rows["wkt"] = wkt
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False)
    return atomic_write_text(path, buffer.getvalue())


def write_checks_csv(checks: Sequence[Check], path: str | Path) -> Path:
    """checks.csv: one row per distance claim and per cross-source conflict; text cells
    neutralised against formulas (:func:`csv_safe`)."""
    from geo.claims import CHECK_COLUMNS, check_rows

    rows = check_rows(checks)
    columns = list(CHECK_COLUMNS) + sorted({k for r in rows for k in r} - set(CHECK_COLUMNS))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else csv_safe(row.get(k)) for k in columns})
    return atomic_write_text(path, buffer.getvalue())


#: Columns written to the GeoPackage as Date fields (QGIS's temporal controller reads them).
DATE_COLUMNS: frozenset[str] = frozenset({"date"})


def _dated(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``table`` with its :data:`DATE_COLUMNS` (ISO text) as Arrow dates, typed even when
    the table is empty, so GDAL writes Date fields."""
    import pandas as pd
    import pyarrow as pa

    for column in DATE_COLUMNS & set(table.columns):
        days = [date.fromisoformat(v) if isinstance(v, str) and v else None for v in table[column]]
        table[column] = pd.array(days, dtype=pd.ArrowDtype(pa.date32()))
    return table


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """One GeoPackage with a layer per frame, every layer written even when empty (lists
    as JSON text, ``date`` as a Date field)."""
    target = Path(path)
    with atomic_target(target) as temporary:
        for name, frame in layers.items():
            table = _dated(tabular(frame))
            try:
                table.to_file(
                    temporary, layer=name, driver="GPKG", engine="pyogrio", use_arrow=True
                )
            except Exception as exc:  # GDAL raises its own error types
                raise OutputError(f"{target}: cannot write layer {name} ({exc})") from exc
    return target


#: The columns of the GeoPackage's ``checks`` and ``check_places`` layers.
CHECK_LAYER_COLUMNS: tuple[str, ...] = ("check", "date", "role")


def check_frames(checks: Sequence[Check]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The checks and conflicts as two map layers, with the checks.csv columns: the ring a
    claim draws (the claimed distance round its reference, geodesic) and the actual place
    the claim is about (a point; only for claims whose place is known). ``check`` numbers
    the row of checks.csv both layers' rows come from."""
    import geopandas as gpd

    from geo import geodesy
    from geo.claims import CHECK_COLUMNS, check_rows

    columns = [*CHECK_LAYER_COLUMNS, *CHECK_COLUMNS]
    rings: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    ring_geoms: list[BaseGeometry | None] = []
    point_geoms: list[BaseGeometry] = []
    for number, (check, row) in enumerate(zip(checks, check_rows(checks), strict=True)):
        claim = check.claim
        when = claim.date.isoformat() if claim.date else None
        reference = claim.reference
        ring = None
        if reference is not None and claim.claimed_km > 0:
            try:
                ring = geodesy.ring(reference.lat, reference.lon, claim.claimed_km)
            except GeoValueError as exc:
                log.warning("%s: no ring for the claim %r: %s", claim.doc, claim.quote[:60], exc)
        rings.append({"check": number, "date": when, "role": "claimed-ring", **row})
        ring_geoms.append(ring)
        target = claim.subject if claim.subject is not None else claim.near
        if target is not None:
            points.append({"check": number, "date": when, "role": "actual-place", **row})
            point_geoms.append(geodesy.place_point(target))

    def frame(rows: list[dict[str, Any]], geoms: Sequence[BaseGeometry | None]) -> Any:
        data = {c: [r.get(c) for r in rows] for c in columns}
        return gpd.GeoDataFrame(
            data, geometry=gpd.GeoSeries(list(geoms), crs="EPSG:4326"), crs="EPSG:4326"
        )

    return frame(rings, ring_geoms), frame(points, point_geoms)


def write_parquet(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """GeoParquet (needs pyarrow: ``pip install 'geo[parquet]'``)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise OutputError("GeoParquet needs pyarrow: pip install 'geo[parquet]'") from exc
    target = Path(path)
    with atomic_target(target) as temporary:
        tabular(frame).to_parquet(temporary, index=False)
    return target


# -- one run ---------------------------------------------------------------------------------
def _formats(formats: Iterable[str]) -> list[str]:
    chosen = [f.strip().lower() for f in formats]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise GeoValueError(
            f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}"
        )
    return chosen


def _folder(out_dir: str | Path) -> Path:
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder; choose another folder with -o")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(folder, exc) from exc
    return folder


def _write_always(
    events: gpd.GeoDataFrame,
    place_features: Iterable[str],
    checks: Sequence[Check],
    folder: Path,
) -> list[Path]:
    """The files of every run: events.geojson, places.geojson (streamed from its Feature
    texts), checks.csv."""
    return [
        write_geojson(events, folder / "events.geojson"),
        write_feature_collection(place_features, folder / "places.geojson"),
        write_checks_csv(checks, folder / "checks.csv"),
    ]


def write_tables(
    events: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    folder: Path,
    formats: Sequence[str],
    estimates: gpd.GeoDataFrame | None = None,
    checks: Sequence[Check] = (),
) -> list[Path]:
    """The tabular formats asked for: geo.gpkg, acled.csv, events.kml, events/places.csv,
    events/places.parquet."""
    written = []
    if "gpkg" in formats:
        from geo.features import estimates_to_frame

        rings, targets = check_frames(checks)
        layers = {
            "events": events,
            "places": places,
            "estimates": estimates if estimates is not None else estimates_to_frame([], []),
            "checks": rings,
            "check_places": targets,
        }
        written.append(write_gpkg(layers, folder / "geo.gpkg"))
    if "acled" in formats or "kml" in formats:
        from geo.io._analyst import write_acled_csv, write_kml

        if "acled" in formats:
            written.append(write_acled_csv(events, folder / "acled.csv"))
        if "kml" in formats:
            written.append(write_kml(events, folder / "events.kml"))
    if "csv" in formats:
        written.append(write_csv(events, folder / "events.csv"))
        written.append(write_csv(places, folder / "places.csv"))
    if "parquet" in formats:
        written.append(write_parquet(events, folder / "events.parquet"))
        written.append(write_parquet(places, folder / "places.parquet"))
    return written


def write_frames(
    events: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    checks: Sequence[Check],
    out_dir: str | Path,
    formats: Iterable[str] = ("geojson",),
    estimates: gpd.GeoDataFrame | None = None,
) -> list[Path]:
    """Write the data files of frames already built; returns the paths written."""
    chosen = _formats(formats)
    folder = _folder(out_dir)
    written = [
        *_write_always(events, feature_texts(places), checks, folder),
        *write_tables(events, places, folder, chosen, estimates, checks),
    ]
    log.info("export: wrote %s", ", ".join(p.name for p in written))
    return written


def write_outputs(
    result: Result, out_dir: str | Path, formats: Iterable[str] = ("geojson",)
) -> list[Path]:
    """Write a run's data files into ``out_dir``: always events.geojson, places.geojson and
    checks.csv; ``gpkg`` adds geo.gpkg (layers events, places, estimates, checks,
    check_places, always all of them), ``acled`` adds acled.csv, ``kml`` adds events.kml,
    ``csv`` adds events.csv/places.csv with WKT geometry, ``parquet`` adds GeoParquet files.

    places.geojson is streamed from the mentions, a row at a time; the whole places frame
    is built only when a tabular format asks for it. The map is written separately."""
    chosen = _formats(formats)
    folder = _folder(out_dir)
    place_features = place_feature_texts(result.mentions, result.reference)
    written = _write_always(result.events_frame, place_features, result.checks, folder)
    if {"gpkg", "csv", "parquet", "acled", "kml"} & set(chosen):
        written += write_tables(
            result.events_frame,
            result.places_frame,
            folder,
            chosen,
            result.estimates_frame,
            result.checks,
        )
    log.info("export: wrote %s", ", ".join(p.name for p in written))
    return written
