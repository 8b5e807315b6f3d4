"""The public API: ``geo.extract`` and its ``Result``, as a notebook user calls them."""

from __future__ import annotations

import json
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest

import geo

CONVOY = "Russian troops left Gori for Tskhinvali on Tuesday, witnesses said."


@pytest.fixture(scope="module")
def convoy() -> geo.Result:
    return geo.extract(CONVOY, published="2008-08-19")


def test_text_gives_a_movement_line_as_a_geodataframe(convoy: geo.Result) -> None:
    events = convoy.events
    assert isinstance(events, gpd.GeoDataFrame)
    assert events.crs is not None and events.crs.to_epsg() == 4326
    lines = events[events.geometry.geom_type == "LineString"]
    assert len(lines) == 1
    row = lines.iloc[0]
    assert row["actor"] == "Russia" and row["places"] == ["Gori", "Tskhinvali"]
    assert row["date"] == "2008-08-19"


def test_places_checks_and_summary(convoy: geo.Result) -> None:
    assert {"Gori", "Tskhinvali"} <= set(convoy.places["name"])
    assert isinstance(convoy.checks, pd.DataFrame) and convoy.checks.empty
    assert convoy.summary == {"read": 1, "processed": 1, "skipped": []}
    assert "1 of 1 reports" in repr(convoy)


def test_paths_records_and_texts_mix(tmp_path: Path) -> None:
    report = tmp_path / "dispatch.md"
    report.write_text(
        "---\nsource: Desk\npublished: 2008-08-18\n---\nGeorgian police set up a checkpoint "
        "outside Zugdidi on Monday.\n",
        encoding="utf-8",
    )
    result = geo.extract(
        [
            tmp_path,
            {"id": "wire-7", "text": "Russian paratroopers seized the port of Poti on Sunday."},
            {"id": "broken"},
            "Abkhaz fighters entered Gali.",
        ],
        published="2008-08-19",
    )
    assert result.summary["read"] == 4 and result.summary["processed"] == 3
    assert result.summary["skipped"][0]["input"] == "record 3"
    docs = set(result.places["doc"])
    assert {"dispatch", "wire-7", "text-4"} <= docs
    seized = result.events[result.events["kind"] == "occupation"].iloc[0]
    assert seized["doc"] == "wire-7" and seized["date"] == "2008-08-17"


def test_a_one_line_string_that_names_no_file_is_text(tmp_path: Path) -> None:
    result = geo.extract(str(tmp_path / "missing.txt") + " Russian tanks entered Gori.")
    assert result.summary["processed"] == 1


def test_bad_sources_raise_geo_errors(tmp_path: Path) -> None:
    with pytest.raises(geo.InputError, match="no such file"):
        geo.extract(tmp_path / "nowhere")
    with pytest.raises(geo.GeoValueError, match="at least one"):
        geo.extract([])
    with pytest.raises(geo.GeoValueError, match="is a int"):
        geo.extract([7])  # type: ignore[list-item]
    with pytest.raises(geo.ArticleError, match="YYYY-MM-DD"):
        geo.extract(CONVOY, published="last Tuesday")
    with pytest.raises(geo.UnknownPlaceError):
        geo.extract(CONVOY, reference="Nowhereville Zzz")


def test_explore_is_a_folium_map_and_passes_options_on(convoy: geo.Result) -> None:
    m = convoy.explore(width="80%", zoom_start=9)
    assert isinstance(m, folium.Map)
    assert m.width == (80.0, "%")
    html = m.get_root().render()
    assert "Gori" in html and "openstreetmap" in html.lower()
    tiled = convoy.explore(offline=True, tiles="OpenTopoMap")
    children = [type(c).__name__ for c in tiled._children.values()]
    assert "TileLayer" in children


def test_to_files_writes_the_set_geo_map_writes(convoy: geo.Result, tmp_path: Path) -> None:
    written = convoy.to_files(tmp_path / "out", formats=("csv",))
    names = {p.name for p in written}
    assert written[-1].name == "run.json"
    # the paths of the committed set, not of the staging folder it was written in
    assert all(p.parent == tmp_path / "out" and p.is_file() for p in written)
    assert {"events.geojson", "places.geojson", "checks.csv", "map.html", "run.json"} <= names
    assert {"events.csv", "places.csv"} <= names
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["features"] == len(convoy.events) and set(record["outputs"]) == names - {
        "run.json"
    }
    from geo.io import verify

    assert verify(tmp_path / "out") == []
    with pytest.raises(geo.GeoValueError, match="unknown format"):
        convoy.to_files(tmp_path / "other", formats=("shp",))


def test_gazetteer_is_importable_from_the_package() -> None:
    gazetteer = geo.Gazetteer.load(world=False)
    assert gazetteer.resolve("Gori").name == "Gori"
    with pytest.raises(AttributeError):
        geo.NoSuchThing  # noqa: B018


def test_a_records_title_url_and_date_reach_the_features_sources() -> None:
    record = {
        "id": "wire-9",
        "source": "Desk Nine",
        "title": "Convoy seen on the road",
        "url": "https://news.example/convoy",
        "published": "2008-08-19",
        "text": CONVOY,
    }
    events = geo.extract(record).events
    (source,) = events.iloc[0]["sources"]
    assert source["title"] == "Convoy seen on the road"
    assert source["url"] == "https://news.example/convoy"
    assert (source["published"], source["source"], source["doc"]) == (
        "2008-08-19",
        "Desk Nine",
        "wire-9",
    )


def test_run_json_records_version_settings_and_the_hashes_of_inputs_and_gazetteers(
    tmp_path: Path,
) -> None:
    import hashlib

    from geo.gazetteer import default_gazetteer_path

    report = tmp_path / "in" / "dispatch.md"
    report.parent.mkdir()
    report.write_text("---\npublished: 2008-08-19\n---\n" + CONVOY + "\n", encoding="utf-8")
    settings = geo.Settings(world=False, jobs=1)
    result = geo.extract(report, settings=settings)
    result.to_files(tmp_path / "out")
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["version"] == geo.__version__
    assert record["settings"]["world"] is False and record["settings"]["jobs"] == 1
    assert record["settings"]["tolerance"]["absolute_km"] == settings.tolerance.absolute_km
    assert record["inputs"] == [
        {"path": str(report), "sha256": hashlib.sha256(report.read_bytes()).hexdigest()}
    ]
    curated = default_gazetteer_path()
    assert record["gazetteers"] == [
        {
            "name": "curated",
            "path": str(curated),
            "sha256": hashlib.sha256(curated.read_bytes()).hexdigest(),
        }
    ]


def test_run_json_names_the_world_gazetteer_and_keeps_secrets_out_of_urls() -> None:
    from geo.io._provenance import gazetteer_records, settings_record
    from geo.settings import GeocoderSpec

    settings = geo.Settings(
        geocoder=GeocoderSpec("nominatim", url="https://user:secret@geo.example:8080/api?key=k")
    )
    assert settings_record(settings)["geocoder"]["url"] == "https://geo.example:8080/api"
    world = gazetteer_records(settings)[-1]
    assert world["name"] == "world" and len(world["sha256"]) == 64 and world["key"]
