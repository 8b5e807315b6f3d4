"""The files for other tools: the ACLED-style CSV and KML (geo.io._analyst), read back with
pyogrio and geopandas."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import synthetic
from shapely.geometry import LineString, Point

from geo.io._analyst import ACLED_COLUMNS, ACLED_TYPES
from geo.io._export import write_frames

HOSTILE = '<script>window.__pwned=1</script> & "quoted"'


@pytest.fixture(scope="module")
def events() -> gpd.GeoDataFrame:
    pool = synthetic.place_pool(40)
    frame = synthetic.events_frame(120, pool=pool, estimated_share=0.1)
    frame.loc[0, "quote"] = '=HYPERLINK("http://x.example")'
    frame.loc[0, "status"] = "reported"
    frame.loc[1, "quote"] = HOSTILE
    frame.at[1, "sources"] = [
        {
            "source": "Desk",
            "title": "A title",
            "url": "javascript:alert(1)",
            "published": "2008-08-19",
            "doc": "d1",
            "quote": HOSTILE + "\x0b",
            "char_start": 0,
            "char_end": 5,
        }
    ]
    return frame


@pytest.fixture(scope="module")
def written(events: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analyst")
    paths = write_frames(events, synthetic.places_frame(events), [], out, ("acled", "kml"))
    assert {"acled.csv", "events.kml"} <= {p.name for p in paths}
    return out


def _site(geometry: Any) -> tuple[float, float] | None:
    if isinstance(geometry, Point):
        return geometry.x, geometry.y
    if isinstance(geometry, LineString):
        return geometry.coords[-1]
    return None


def test_acled_csv_has_one_row_per_asserted_event_at_its_place(
    written: Path, events: gpd.GeoDataFrame
) -> None:
    with (written / "acled.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == list(ACLED_COLUMNS)
    asserted = events[events["status"].isin(["reported", "claimed"])]
    assert 0 < len(rows) == len(asserted) < len(events)
    by_id = {r["event_id_cnty"]: r for r in rows}
    assert set(by_id) == set(asserted["id"])
    for _, event in asserted.iterrows():
        row = by_id[event["id"]]
        assert (row["event_type"], row["sub_event_type"]) == ACLED_TYPES[event["kind"]]
        assert row["geo_precision"] == str(event["geo_precision"])
        site = _site(event.geometry)
        if site is None:  # an estimated area: no made-up point
            assert row["latitude"] == row["longitude"] == ""
        else:
            assert (float(row["longitude"]), float(row["latitude"])) == pytest.approx(site)
        if isinstance(event["date"], str):
            assert row["event_date"] == event["date"]
            expected = {"day": "1", "report": "2", "week": "2", "month": "3"}
            assert row["time_precision"] == expected[event["date_precision"]]
        else:
            assert row["event_date"] == row["time_precision"] == ""
    assert by_id[events["id"][0]]["notes"].startswith("'=HYPERLINK")  # never a formula


def test_acled_csv_reads_back_as_points_with_pyogrio(
    written: Path, events: gpd.GeoDataFrame
) -> None:
    frame = pyogrio.read_dataframe(
        written / "acled.csv", X_POSSIBLE_NAMES="longitude", Y_POSSIBLE_NAMES="latitude"
    )
    placed = frame[~frame.geometry.is_empty & frame.geometry.notna()]
    expected = {
        i: _site(g)
        for i, g, s in zip(events["id"], events.geometry, events["status"], strict=True)
        if s in ("reported", "claimed") and _site(g) is not None
    }
    assert len(placed) == len(expected)
    for event_id, point in zip(placed["event_id_cnty"], placed.geometry, strict=True):
        assert (point.x, point.y) == pytest.approx(expected[event_id])


def test_kml_reads_back_with_the_same_features(written: Path, events: gpd.GeoDataFrame) -> None:
    path = written / "events.kml"
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert sorted(layers) == sorted(set(events["kind"]))  # a folder per kind
    back = pd.concat([gpd.read_file(path, layer=name) for name in layers], ignore_index=True)
    assert sorted(back["id"]) == sorted(events["id"])  # the Placemark ids
    originals = dict(zip(events["id"], events.geometry, strict=True))
    for event_id, geometry in zip(back["id"], back.geometry, strict=True):
        original = originals[event_id]
        if original is None:
            assert geometry is None
        else:
            assert geometry.equals_exact(original, 1e-6), event_id
    dates = dict(zip(events["id"], events["date"], strict=True))
    for event_id, kind, when in zip(back["id"], back["kind"], back["date"], strict=True):
        assert kind == dict(zip(events["id"], events["kind"], strict=True))[event_id]
        assert (when or None) == (dates[event_id] if isinstance(dates[event_id], str) else None)


def test_kml_text_from_reports_is_escaped_and_only_web_urls_are_links(written: Path) -> None:
    text = (written / "events.kml").read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" not in text
    assert "&amp;lt;script&amp;gt;" in text  # HTML-escaped for the balloon, then XML-escaped
    assert "javascript:" not in text and "\x0b" not in text
    assert "<TimeStamp>" in text and "<TimeSpan>" in text
