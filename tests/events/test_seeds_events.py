"""Acceptance: the events of the three real wire reports (../shared/seeds), via the pipeline.

Skips where ../shared is absent (the seeds_dir fixture says why).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, Point

PUBLISHED = date(2008, 8, 19)


@pytest.fixture(scope="module")
def result(seeds_dir: Path):  # type: ignore[no-untyped-def]
    from geo.engine._pipeline import run

    return run([seeds_dir], published=PUBLISHED)


@pytest.fixture(scope="module")
def frame(result):  # type: ignore[no-untyped-def]
    return result.events_frame


def rows(frame, **conditions: Any) -> list[Any]:  # type: ignore[no-untyped-def]
    found = []
    for _, row in frame.iterrows():
        if all(row[key] == value for key, value in conditions.items()):
            found.append(row)
    return found


def test_line_gori_tskhinvali_vladikavkaz(frame) -> None:  # type: ignore[no-untyped-def]
    [line] = rows(
        frame, kind="movement", actor="Russia", places=["Gori", "Tskhinvali", "Vladikavkaz"]
    )
    assert line["date"] == "2008-08-19" and line["date_precision"] == "day"
    assert line["status"] == "reported"
    assert isinstance(line.geometry, LineString) and len(line.geometry.coords) == 3


def test_line_gori_vladikavkaz(frame) -> None:  # type: ignore[no-untyped-def]
    [line] = rows(frame, kind="movement", actor="Russia", places=["Gori", "Vladikavkaz"])
    assert line["date"] == "2008-08-19"
    assert isinstance(line.geometry, LineString)


def test_departures_from_gori(frame) -> None:  # type: ignore[no-untyped-def]
    # leaving Gori with no destination in the clause: a withdrawal from it
    [departure] = rows(frame, kind="withdrawal", actor="Russia", places=["Gori"])
    assert isinstance(departure.geometry, Point) and departure["direction"] == "outbound"
    assert departure["source_count"] >= 2
    assert departure["date"] == "2008-08-19"


def test_senaki_reoccupied_on_monday(frame) -> None:  # type: ignore[no-untyped-def]
    [senaki] = rows(frame, kind="occupation", places=["Senaki"])
    assert senaki["actor"] == "Russia"
    assert senaki["date"] == "2008-08-18"
    assert senaki["status"] == "claimed"  # Georgia's foreign ministry says so


def test_poti_seized_as_georgia_claims(frame) -> None:  # type: ignore[no-untyped-def]
    [poti] = rows(frame, kind="occupation", places=["Poti"])
    assert poti["actor"] == "Russia" and poti["status"] == "claimed"


def test_checkpoint_at_igoeti(frame) -> None:  # type: ignore[no-untyped-def]
    [checkpoint] = rows(frame, kind="checkpoint", places=["Igoeti"])
    assert checkpoint["actor"] == "Russia"


def test_prisoner_exchange_at_igoeti_merged_from_three_reports(frame) -> None:  # type: ignore[no-untyped-def]
    [exchange] = rows(frame, kind="exchange")
    assert exchange["places"] == ["Igoeti"]
    assert exchange["source_count"] == 3
    assert len({s["doc"] for s in exchange["sources"]}) == 3
    assert set(exchange["actor"].split(" & ")) == {"Georgia", "Russia"}
    assert exchange["date"] == "2008-08-19" and exchange["status"] == "reported"


def test_unnamed_checkpoints_are_estimated(frame) -> None:  # type: ignore[no-untyped-def]
    estimated = rows(frame, kind="checkpoint", estimated=True)
    assert len(estimated) == 1
    checkpoint = estimated[0]
    assert checkpoint["actor"] == "Russia" and checkpoint["places"] == []
    assert checkpoint.geometry.geom_type in ("Polygon", "LineString", "Point")


def test_no_troop_event_at_seats_of_government_or_signatures(frame) -> None:  # type: ignore[no-untyped-def]
    named = {name for places in frame["places"] for name in places}
    assert not named & {"Brussels", "Moscow", "London"}


def test_advance_on_tbilisi_is_only_hypothetical(frame) -> None:  # type: ignore[no-untyped-def]
    at_tbilisi = [row for _, row in frame.iterrows() if "Tbilisi" in row["places"]]
    assert at_tbilisi, "the speculation about taking Tbilisi should be kept as hypothetical"
    assert {row["status"] for row in at_tbilisi} == {"hypothetical"}


def test_every_feature_keeps_evidence(seeds_dir: Path, frame) -> None:  # type: ignore[no-untyped-def]
    from geo.text._articles import read_articles

    texts = {a.doc: a.text for a in read_articles([seeds_dir], PUBLISHED).articles}
    for _, row in frame.iterrows():
        for source in row["sources"]:
            assert (
                texts[source["doc"]][source["char_start"] : source["char_end"]] == source["quote"]
            )
        assert 0 < row["confidence"] <= 1
        assert row["rule"]
