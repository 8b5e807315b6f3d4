"""--reference: a name, an id or coordinates; the reports' own capital when none is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import geo
from geo.cli import main


@pytest.fixture(scope="module")
def gazetteer() -> geo.Gazetteer:
    return geo.Gazetteer.load()


def test_coordinates_and_ids_are_references(gazetteer: geo.Gazetteer) -> None:
    point = gazetteer.resolve("36.2, 37.16")
    assert (point.lat, point.lon) == (36.2, 37.16)
    assert gazetteer.resolve("gn:170654").name == "Damascus"
    with pytest.raises(geo.UnknownPlaceError, match="latitude"):
        gazetteer.resolve("95, 10")


def test_a_bare_name_is_the_town_not_its_province(gazetteer: geo.Gazetteer) -> None:
    assert gazetteer.resolve("Kherson").kind in ("city", "town")


def test_a_name_two_countries_share_asks_for_the_id(gazetteer: geo.Gazetteer) -> None:
    with pytest.raises(geo.UnknownPlaceError, match=r"can mean gn:\d+ \(Tripoli, LY\)"):
        gazetteer.resolve("Tripoli")
    assert gazetteer.resolve("Tbilisi").curated  # the theatre's own rows never ask


def test_the_reference_follows_the_reports(tmp_path: Path) -> None:
    report = tmp_path / "dispatch.md"
    report.write_text(
        "Syrian government troops entered Manbij on Sunday, about 85 km from Aleppo.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["map", str(report), "--published", "2019-10-13", "-o", str(out), "-q"]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["reference"] == "Damascus"
    assert record["reference_basis"] == "focus country SY"
    given = tmp_path / "given"
    assert main(["map", str(report), "--reference", "Aleppo", "-o", str(given), "-q"]) == 0
    assert json.loads((given / "run.json").read_text())["reference_basis"] == "given"
