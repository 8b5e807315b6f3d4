"""`geo map` end to end on the bundled sample: the four outputs and their contract."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from geo.cli import main

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
PLACE_PROPERTIES = {
    "doc",
    "text",
    "name",
    "place_id",
    "kind",
    "country",
    "char_start",
    "char_end",
    "score",
    "reason",
    "distance_km",
}
CHECK_COLUMNS = [
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


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-map")
    assert main(["map", "-o", str(out), "-q"]) == 0
    return out


def test_the_four_outputs_and_the_run_summary_exist(sample_output: Path) -> None:
    for name in ("map.html", "events.geojson", "places.geojson", "checks.csv", "run.json"):
        assert (sample_output / name).stat().st_size > 0, name
    run = json.loads((sample_output / "run.json").read_text())
    assert run["read"] == run["processed"] + len(run["skipped"]) == 4


def test_events_geojson_contract(sample_output: Path) -> None:
    collection = json.loads((sample_output / "events.geojson").read_text())
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert collection["features"]
    for feature in collection["features"]:
        assert set(feature["properties"]) >= EVENT_PROPERTIES
        assert feature["geometry"]["type"] in {"Point", "LineString", "Polygon"}


def test_sample_movement_line_runs_gori_tskhinvali_vladikavkaz(sample_output: Path) -> None:
    collection = json.loads((sample_output / "events.geojson").read_text())
    paths = [
        f["properties"]["places"]
        for f in collection["features"]
        if f["properties"]["kind"] == "movement" and f["geometry"]["type"] == "LineString"
    ]
    assert ["Gori", "Tskhinvali", "Vladikavkaz"] in paths


def test_places_geojson_contract(sample_output: Path) -> None:
    collection = json.loads((sample_output / "places.geojson").read_text())
    assert collection["features"]
    names = set()
    for feature in collection["features"]:
        assert set(feature["properties"]) >= PLACE_PROPERTIES
        assert feature["geometry"]["type"] == "Point"
        names.add(feature["properties"]["name"])
    assert {"Gori", "Igoeti", "Poti", "Senaki", "Tbilisi"} <= names


def test_checks_csv_has_both_igoeti_verdicts_and_a_conflict(sample_output: Path) -> None:
    with (sample_output / "checks.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None
        assert reader.fieldnames[: len(CHECK_COLUMNS)] == CHECK_COLUMNS
        rows = list(reader)
    igoeti = {
        round(float(r["claimed_km"])): r["verdict"]
        for r in rows
        if r["place"] == "Igoeti" and r.get("kind", "distance") == "distance"
    }
    assert igoeti == {30: "inconsistent", 45: "consistent"}
    assert any(r.get("kind") == "conflict" for r in rows)


def test_places_jsonl_prints_the_same_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["places", "--format", "jsonl", "-q"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines
    assert all(set(record) >= PLACE_PROPERTIES for record in lines)
