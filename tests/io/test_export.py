"""Data files: RFC 7946 GeoJSON that round-trips through geopandas, checks.csv, GeoPackage,
CSV with WKT, GeoParquet, atomic writes and clear errors."""

from __future__ import annotations

import csv
import json
import math
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geojson_validator
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import synthetic
from shapely.geometry import LineString, Point, Polygon

from geo.errors import GeoValueError, OutputError
from geo.io._export import (
    atomic_target,
    atomic_write_text,
    feature_collection,
    save_map,
    write_checks_csv,
    write_frames,
    write_geojson,
)
from geo.map._render import render_frames

EVENT_PROPERTIES = {
    "id",
    "kind",
    "actor",
    "places",
    "place_ids",
    "date",
    "date_precision",
    "status",
    "geo_precision",
    "source",
    "doc",
    "quote",
    "char_start",
    "char_end",
    "rule",
    "confidence",
    "distance_km",
    "sources",
}


@pytest.fixture(scope="module")
def frames() -> dict[str, Any]:
    pool = synthetic.place_pool(80)
    events = synthetic.events_frame(160, pool=pool, estimated_share=0.2)
    return {
        "events": events,
        "places": synthetic.places_frame(events, pool=pool),
        "estimates": synthetic.estimates_frame(),
        "checks": synthetic.checks(pool),
    }


@pytest.fixture(scope="module")
def written(frames: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    write_frames(
        frames["events"],
        frames["places"],
        frames["checks"],
        out,
        ("geojson", "gpkg", "csv", "parquet"),
        estimates=frames["estimates"],
    )
    return out


def _same(a: Any, b: Any) -> bool:
    """Value equality across the reader's types (numpy arrays, NaN for null)."""
    if isinstance(a, np.ndarray):
        a = a.tolist()
    if isinstance(b, np.ndarray):
        b = b.tolist()
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    missing_a = a is None or (isinstance(a, float) and math.isnan(a))
    missing_b = b is None or (isinstance(b, float) and math.isnan(b))
    if missing_a or missing_b:
        return missing_a and missing_b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
    return bool(a == b)


def test_events_geojson_is_rfc7946(written: Path) -> None:
    document = json.loads((written / "events.geojson").read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection" and "crs" not in document
    assert geojson_validator.validate_structure(document, check_crs=True) == {}
    report = geojson_validator.validate_geometries(document)
    assert report["invalid"] == {}
    for criterion in (
        "outside_lat_lon_boundaries",
        "excessive_coordinate_precision",
        "3d_coordinates",
    ):
        assert criterion not in report["problematic"]
    types = {f["geometry"]["type"] for f in document["features"]}
    assert types == {"Point", "LineString", "Polygon"}
    for feature in document["features"]:
        assert set(feature["properties"]) >= EVENT_PROPERTIES
        for lon, lat in shapely.get_coordinates(
            shapely.from_geojson(json.dumps(feature["geometry"]))
        ):
            assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_places_geojson_is_rfc7946(written: Path, frames: dict[str, Any]) -> None:
    document = json.loads((written / "places.geojson").read_text(encoding="utf-8"))
    assert geojson_validator.validate_structure(document, check_crs=True) == {}
    assert geojson_validator.validate_geometries(document)["invalid"] == {}
    assert len(document["features"]) == len(frames["places"])
    assert {f["geometry"]["type"] for f in document["features"]} == {"Point"}


@pytest.mark.parametrize("name", ["events", "places"])
def test_geojson_round_trips_through_geopandas(
    written: Path, frames: dict[str, Any], name: str
) -> None:
    frame = frames[name]
    back = gpd.read_file(written / f"{name}.geojson", datetime_as_string=True)
    assert list(back.columns) == list(frame.columns)
    assert len(back) == len(frame)
    for column in frame.columns:
        if column == "geometry":
            continue
        for ours, theirs in zip(frame[column].tolist(), back[column].tolist(), strict=True):
            assert _same(ours, theirs), (column, ours, theirs)
    assert back.geometry.geom_equals_exact(frame.geometry, tolerance=1e-6).all()


def test_rings_are_written_counter_clockwise_with_clockwise_holes(tmp_path: Path) -> None:
    shell = [(44.0, 41.0), (44.0, 42.0), (45.0, 42.0), (45.0, 41.0)]  # clockwise
    hole = [(44.2, 41.2), (44.8, 41.2), (44.8, 41.8), (44.2, 41.8)]  # counter-clockwise
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Polygon(shell, [hole])], crs="EPSG:4326")
    assert not Polygon(shell).exterior.is_ccw
    geometry = feature_collection(frame)["features"][0]["geometry"]
    written = shapely.from_geojson(json.dumps(geometry))
    assert written.exterior.is_ccw and not written.interiors[0].is_ccw
    assert geojson_validator.validate_geometries(feature_collection(frame))["invalid"] == {}


def test_properties_become_plain_json(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "when": [date(2031, 3, 4), pd.NaT],
            "stamp": [datetime(2031, 3, 4, 12, 30), None],
            "score": [float("nan"), 1.5],
            "count": np.array([3, 4], dtype=np.int64),
            "names": [("a", "b"), []],
            "nested": [[{"doc": "d1", "n": np.int32(2)}], None],
        },
        geometry=[Point(44.123456789, 41.987654321), LineString([(44, 41), (45, 42)])],
        crs="EPSG:4326",
    )
    path = write_geojson(frame, tmp_path / "x.geojson")
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text
    first, second = (f["properties"] for f in json.loads(text)["features"])
    assert first == {
        "when": "2031-03-04",
        "stamp": "2031-03-04T12:30:00",
        "score": None,
        "count": 3,
        "names": ["a", "b"],
        "nested": [{"doc": "d1", "n": 2}],
    }
    assert second["when"] is None and second["stamp"] is None and second["names"] == []
    point = json.loads(text)["features"][0]["geometry"]["coordinates"]
    assert point == [44.123457, 41.987654]


def test_projected_frames_are_written_in_wgs84(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(44.8, 41.7)], crs="EPSG:4326")
    path = write_geojson(frame.to_crs(3857), tmp_path / "x.geojson")
    lon, lat = json.loads(path.read_text())["features"][0]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((44.8, 41.7), abs=1e-6)


def test_checks_csv_has_the_contract_columns_and_a_conflict(written: Path) -> None:
    with (written / "checks.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert reader.fieldnames is not None
    assert reader.fieldnames[:9] == [
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
    assert [r["verdict"] for r in rows if r["kind"] == "distance"] == [
        "consistent",
        "inconsistent",
        "unverifiable",
    ]
    conflict = next(r for r in rows if r["kind"] == "conflict")
    assert conflict["other_doc"] == "docB"


def test_geopackage_csv_and_parquet(written: Path, frames: dict[str, Any]) -> None:
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(written / "geo.gpkg")}
    assert layers == {"events", "places", "estimates", "checks", "check_places"}
    events = gpd.read_file(written / "geo.gpkg", layer="events")
    assert len(events) == len(frames["events"])
    assert json.loads(events["places"].iloc[0]) == list(frames["events"]["places"].iloc[0])
    table = pd.read_csv(written / "events.csv")
    geometries = shapely.from_wkt(table["wkt"])
    assert shapely.equals_exact(geometries, frames["events"].geometry.values, tolerance=1e-6).all()
    assert json.loads(table["sources"].iloc[0])[0]["quote"] == frames["events"]["quote"].iloc[0]
    parquet = gpd.read_parquet(written / "events.parquet")
    assert parquet.crs.to_epsg() == 4326 and len(parquet) == len(frames["events"])


def test_no_temporary_files_are_left(written: Path) -> None:
    assert not [p.name for p in written.iterdir() if p.name.startswith(".")]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "events.geojson"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_target(target) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("writer crashed")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["events.geojson"]


def test_a_failed_rename_is_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "checks.csv"
    target.write_text("old", encoding="utf-8")

    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match=r"checks\.csv: cannot write .*Permission denied"):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["checks.csv"]


def test_unwritable_folder_is_a_clear_error(tmp_path: Path, frames: dict[str, Any]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_frames(frames["events"], frames["places"], [], blocker)
    with pytest.raises(OutputError, match="choose another folder"):
        write_frames(frames["events"], frames["places"], [], blocker / "inside")


def test_unknown_format_is_refused(tmp_path: Path, frames: dict[str, Any]) -> None:
    with pytest.raises(GeoValueError, match="unknown format shp"):
        write_frames(frames["events"], frames["places"], [], tmp_path, ("geojson", "shp"))


def test_write_checks_csv_with_no_checks(tmp_path: Path) -> None:
    path = write_checks_csv([], tmp_path / "checks.csv")
    assert path.read_text(encoding="utf-8").startswith("doc,quote,place,reference,claimed_km")


def test_save_map_writes_the_page_atomically(tmp_path: Path, frames: dict[str, Any]) -> None:
    m = render_frames(frames["events"].iloc[:10], None, None, [], synthetic.REFERENCE, offline=True)
    path = save_map(m, tmp_path / "map.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "GeoMap.markReady" in page
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


# -- CSV cells are safe to open in a spreadsheet ----------------------------------------------
def test_csv_cells_that_look_like_formulas_are_neutralised(
    curated_gazetteer: Any, tmp_path: Path
) -> None:
    """Ids, sources and quotes that start as a formula would (a bullet list in a report
    is enough) come out with a leading quote in checks.csv, events.csv and places.csv;
    numbers, negative ones too, stay numbers."""
    from geo.engine._pipeline import analyse_articles
    from geo.io._export import csv_safe, write_outputs
    from geo.models import Article
    from geo.settings import Settings

    text = (
        "- Soldiers set up a checkpoint outside Senaki, about 30 km (19 miles) from Poti.\n"
        "- A column of armoured vehicles left Gori and drove towards Tskhinvali.\n"
    )
    articles = [
        Article(doc="=HYPERLINK(1)", text=text, source="@SUM(1+1)"),
        Article(doc="+cmd", text=text, source="\tTab"),
    ]
    result = analyse_articles(articles, curated_gazetteer, Settings(world=False))
    write_outputs(result, tmp_path, formats=("geojson", "csv"))
    cells = []
    for name in ("checks.csv", "events.csv", "places.csv"):
        with (tmp_path / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert len(rows) > 1, name
        cells += [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c.startswith("-") and not _is_number(c)]
    assert {"'=HYPERLINK(1)", "'+cmd", "'@SUM(1+1)", "'\tTab"} <= set(cells)
    assert any(c.startswith("'- Soldiers") for c in cells)
    assert [csv_safe(v) for v in (-3.5, "-3.5", "+2", "1e-3", "-", "=1+1")] == [
        -3.5,
        "-3.5",
        "+2",
        "1e-3",
        "'-",
        "'=1+1",
    ]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_a_claim_near_the_antimeridian_maps_with_every_coordinate_in_range(
    gazetteer: Any, tmp_path: Path
) -> None:
    """200 km east of Suva lies past 180 degrees: the run goes on and events.geojson holds
    only longitudes in range (the arc cut at the antimeridian)."""
    from geo.engine._pipeline import analyse_articles
    from geo.io._export import write_outputs
    from geo.models import Article
    from geo.settings import Settings

    text = "Russian checkpoints stood 200 km east of Suva. A second ring lay 150 km from Suva."
    settings = Settings(reference="Suva")
    result = analyse_articles([Article(doc="fiji", text=text)], gazetteer, settings)
    write_outputs(result, tmp_path)
    features = json.loads((tmp_path / "events.geojson").read_text(encoding="utf-8"))["features"]
    assert features
    for feature in features:
        xs = shapely.get_coordinates(shapely.from_geojson(json.dumps(feature["geometry"])))[:, 0]
        assert np.all(np.abs(xs) <= 180.0), feature["properties"]["quote"]


def test_a_geometry_out_of_range_leaves_its_event_out_naming_the_report(
    curated_gazetteer: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from geo.engine._pipeline import analyse_articles
    from geo.features import _features
    from geo.models import Article
    from geo.settings import Settings

    text = "A column of armoured vehicles left Gori and drove towards Tskhinvali."
    result = analyse_articles(
        [Article(doc="report-7", text=text)], curated_gazetteer, Settings(world=False)
    )
    assert result.events

    def out_of_range(event: Any) -> None:
        raise GeoValueError("coordinate lat=1, lon=181 is outside WGS84 ranges")

    monkeypatch.setattr(_features, "event_geometry", out_of_range)
    frame = _features.events_to_frame(result.events, result.reference)
    assert len(frame) == 0
    assert "report-7: event" in caplog.text and "lon=181" in caplog.text


def test_geopackage_dates_are_date_fields_and_read_back_as_the_same_days(
    written: Path, frames: dict[str, Any]
) -> None:
    import pyogrio

    info = pyogrio.read_info(written / "geo.gpkg", layer="events")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["date"] == "OFTDate"
    events = gpd.read_file(written / "geo.gpkg", layer="events")
    assert pd.api.types.is_datetime64_any_dtype(events["date"])
    back = [None if pd.isna(d) else d.date().isoformat() for d in events["date"]]
    assert back == [None if pd.isna(d) else d for d in frames["events"]["date"]]
    assert None in back  # undated events stay undated
    assert set(events["id"]) == set(frames["events"]["id"])


def test_geopackage_checks_layers_hold_the_claimed_rings_and_actual_places(
    written: Path, frames: dict[str, Any]
) -> None:
    rings = gpd.read_file(written / "geo.gpkg", layer="checks")
    places = gpd.read_file(written / "geo.gpkg", layer="check_places")
    checks = frames["checks"]
    assert list(rings["check"]) == list(range(len(checks)))
    assert set(rings["role"]) == {"claimed-ring"} and set(places["role"]) == {"actual-place"}
    first = checks[0].claim
    ring = rings.geometry.iloc[0]
    assert ring.geom_type in ("Polygon", "MultiPolygon")
    edge = (
        ring.exterior.coords[0] if ring.geom_type == "Polygon" else ring.geoms[0].exterior.coords[0]
    )
    from geo import geodesy

    km = geodesy.distance_between(first.reference.lat, first.reference.lon, edge[1], edge[0])
    assert km == pytest.approx(first.claimed_km, rel=0.01)
    with_place = [i for i, c in enumerate(checks) if (c.claim.subject or c.claim.near)]
    assert list(places["check"]) == with_place
    target = checks[with_place[0]].claim.subject or checks[with_place[0]].claim.near
    point = places.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((target.lon, target.lat))
    assert "conflict" in set(rings["kind"])


def test_geopackage_lists_every_layer_when_the_run_found_nothing(tmp_path: Path) -> None:
    import pyogrio

    from geo.features import estimates_to_frame, events_to_frame, mentions_to_frame

    events = events_to_frame([], synthetic.REFERENCE)
    places = mentions_to_frame([], synthetic.REFERENCE)
    write_frames(events, places, [], tmp_path, ("gpkg",), estimates=estimates_to_frame([], []))
    path = tmp_path / "geo.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"events", "places", "estimates", "checks", "check_places"}
    for layer in layers:
        assert gpd.read_file(path, layer=layer).empty
    info = pyogrio.read_info(path, layer="events")
    assert dict(zip(info["fields"], info["ogr_types"], strict=True))["date"] == "OFTDate"


def test_a_full_disk_is_said_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from geo.io import _export

    def no_space(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_export.os, "fsync", no_space)
    with pytest.raises(OutputError) as raised:
        _export.atomic_write_text(tmp_path / "map.html", "<html></html>")
    message = str(raised.value)
    assert message.count("No space left on device") == 1
    assert message.count("choose another folder") == 1
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind
