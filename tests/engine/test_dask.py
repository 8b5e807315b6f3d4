"""The Dask engine: partitions on a local cluster give the single-process features."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed", reason="Dask is not installed (pip install 'geo[dask]')")
geopandas = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")

from geo.cli import main  # noqa: E402
from geo.engine._dask import (  # noqa: E402
    PARQUET_DIR,
    DaskEngineError,
    _swap_folder,
    dask_client,
    write_partitioned,
)


def small_frame() -> Any:
    rows = []
    for i in range(7):
        rows.append(
            {
                "id": f"f{i}",
                "actor": "Blue" if i >= 4 else None,  # all null in the first parts
                "places": ["Upper", "Lower"][: i % 3],
                "sources": [{"doc": f"d{i}", "quote": "a line"}] if i % 2 else [],
                "distance_km": i * 1.5,
                "geometry": shapely.Point(40 + i / 10, 41)
                if i % 2
                else shapely.LineString([(40, 41), (40.5, 41.25)]),
            }
        )
    return geopandas.GeoDataFrame(rows, crs="EPSG:4326")


def test_partitioned_geoparquet_reads_back_as_one_dataset(tmp_path: Path) -> None:
    frame = small_frame()
    assert write_partitioned(frame, tmp_path / "events", 3) == 3
    names = sorted(p.name for p in (tmp_path / "events").iterdir())
    assert names == ["part.0.parquet", "part.1.parquet", "part.2.parquet"]
    back = geopandas.read_parquet(tmp_path / "events")
    assert back.crs.to_epsg() == 4326
    assert list(back["id"]) == list(frame["id"])
    assert back.geometry.geom_equals(frame.geometry).all()
    assert [list(p) for p in back["places"]] == list(frame["places"])
    assert back["actor"].isna().sum() == 4 and set(back["actor"].dropna()) == {"Blue"}


def test_dask_geopandas_reads_the_parts_as_partitions(tmp_path: Path) -> None:
    dask_geopandas = pytest.importorskip("dask_geopandas")
    write_partitioned(small_frame(), tmp_path / "p", 3)
    lazy = dask_geopandas.read_parquet(tmp_path / "p")
    assert lazy.npartitions == 3
    assert sorted(lazy.compute()["id"]) == [f"f{i}" for i in range(7)]


def test_empty_frame_writes_one_empty_part(tmp_path: Path) -> None:
    assert write_partitioned(small_frame().iloc[:0], tmp_path / "none", 4) == 1
    assert len(geopandas.read_parquet(tmp_path / "none")) == 0


def test_folder_swap_replaces_the_previous_parts(tmp_path: Path) -> None:
    target = tmp_path / PARQUET_DIR
    (target / "events").mkdir(parents=True)
    (target / "events" / "part.0.parquet").write_text("old", encoding="utf-8")
    staging = tmp_path / ".staging"
    (staging / "events").mkdir(parents=True)
    (staging / "events" / "part.0.parquet").write_text("new", encoding="utf-8")
    _swap_folder(staging, target)
    assert (target / "events" / "part.0.parquet").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [PARQUET_DIR]


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with (
        pytest.raises(DaskEngineError, match="cannot reach the Dask scheduler"),
        dask_client("tcp://127.0.0.1:9", 1, timeout_s=1),
    ):
        pass


def test_engine_dask_on_two_local_workers_gives_the_single_process_features(
    tmp_path: Path,
) -> None:
    """Documents in several partitions on 2 worker processes; features identical."""
    from geo.engine import _pipeline as pipeline
    from geo.engine._dask import run_dask
    from geo.settings import Settings
    from geo.text._articles import sample_corpus_path

    settings = Settings(jobs=2)
    gazetteer = pipeline.load_gazetteer(settings)
    single = pipeline.run([sample_corpus_path()], Settings())
    result, partitions = run_dask(
        [sample_corpus_path()], settings, partition_size=1, gazetteer=gazetteer
    )
    assert partitions == single.summary.read > 1
    assert result.summary == single.summary
    assert [a.doc for a in result.articles] == [a.doc for a in single.articles]
    assert result.mentions == single.mentions
    assert result.events == single.events
    assert result.claims == single.claims
    assert result.events_frame.to_json() == single.events_frame.to_json()
    assert result.places_frame.to_json() == single.places_frame.to_json()
    # the workers' places come back as the driver's own gazetteer objects, not copies
    placed = [m.place for m in result.mentions if m.place is not None]
    assert placed and all(p is gazetteer.get(p.id) for p in placed)


def test_cli_engine_dask_writes_parquet_and_the_same_geojson(tmp_path: Path) -> None:
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    assert main(["-q", "map", "-o", str(local)]) == 0
    assert main(["-q", "map", "-o", str(dask_out), "--engine", "dask", "--jobs", "2"]) == 0
    for name in ("events.geojson", "places.geojson"):
        ours = json.loads((dask_out / name).read_text(encoding="utf-8"))
        theirs = json.loads((local / name).read_text(encoding="utf-8"))
        assert ours == theirs, name
    events = geopandas.read_parquet(dask_out / PARQUET_DIR / "events")
    geojson = json.loads((local / "events.geojson").read_text(encoding="utf-8"))
    assert sorted(events["id"]) == sorted(f["properties"]["id"] for f in geojson["features"])
    places = geopandas.read_parquet(dask_out / PARQUET_DIR / "places")
    assert len(places) == len(
        json.loads((local / "places.geojson").read_text(encoding="utf-8"))["features"]
    )
    record = json.loads((dask_out / "run.json").read_text(encoding="utf-8"))
    assert record["read"] == record["processed"] + len(record["skipped"])


def test_cli_scheduler_uses_an_existing_cluster(tmp_path: Path) -> None:
    """``--scheduler ADDRESS``: the work goes to a cluster started elsewhere (here a local
    one of 2 worker processes), with the single-process result."""
    import distributed

    local, remote = tmp_path / "local", tmp_path / "remote"
    assert main(["-q", "map", "-o", str(local)]) == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        code = main(["-q", "map", "-o", str(remote), "--scheduler", cluster.scheduler_address])
        with distributed.Client(cluster) as client:
            built = client.run(lambda: len(__import__("geo.engine._dask").engine._dask._ANALYSERS))
    assert code == 0
    assert len(built) == 2 and sum(built.values()) >= 1  # the analysis ran on the workers
    for name in ("events.geojson", "places.geojson", "checks.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
    assert sorted(p.name for p in (remote / PARQUET_DIR).iterdir()) == ["events", "places"]


def _hostile_folder(folder: Path) -> int:
    """Hostile inputs of issue 18 beside one good report; returns how many must be skipped."""
    folder.mkdir()
    line = "A column of armoured vehicles left Gori on Monday and drove towards Tskhinvali."
    (folder / "good.txt").write_text(line + "\n", encoding="utf-8")
    (folder / "feb30.md").write_text(f"---\npublished: 2008-02-30\n---\n{line}\n", "utf-8")
    (folder / "late.md").write_text(
        f"---\npublished: 9999-12-31\n---\nTroops will leave Gori next week. {line}\n", "utf-8"
    )
    records = [
        '{"id": "surrogate", "text": "Troops left Gori \\ud800 on Monday."}',
        '{"id": "deep", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "huge", "text": "Troops left Gori.", "published": ' + "9" * 5000 + "}",
    ]
    (folder / "lines.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    return 3  # feb30, the deep line and the huge number; the rest is read as far as it goes


def test_hostile_inputs_skip_alike_on_the_dask_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "hostile"
    must_skip = _hostile_folder(folder)
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    assert main(["-q", "map", str(folder), "--no-world", "-o", str(local)]) == 0
    dask_args = ["--engine", "dask", "--jobs", "2"]
    code = main(["-q", "map", str(folder), "--no-world", "-o", str(dask_out), *dask_args])
    assert code == 0
    assert "Traceback" not in capsys.readouterr().err
    ours = json.loads((dask_out / "run.json").read_text(encoding="utf-8"))
    theirs = json.loads((local / "run.json").read_text(encoding="utf-8"))
    assert ours["read"] == theirs["read"] == 6
    assert len(ours["skipped"]) == len(theirs["skipped"]) == must_skip
    assert ours["processed"] == theirs["processed"] == 6 - must_skip
    for name in ("events.geojson", "places.geojson", "checks.csv"):
        assert (dask_out / name).read_bytes() == (local / name).read_bytes(), name
