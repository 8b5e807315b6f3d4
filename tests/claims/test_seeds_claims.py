"""Acceptance on the real reports (../shared/seeds, published 19 Aug 2008): distance checks.

Facts used here, written independently of the code: Tbilisi is GeoNames 611717 at
41.69411 N, 44.83368 E; Igoeti (Wikipedia) is at 41.98722 N, 44.41500 E, about 48 km from
Tbilisi in a straight line.
"""

from __future__ import annotations

import importlib.util
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, Polygon

from geo.claims._conflicts import check_claims
from geo.claims._estimates import estimate_location
from geo.claims._extract import extract_claims
from geo.claims._table import check_rows
from geo.io._checktable import format_checks
from geo.models import Check, Claim

TBILISI = (41.69411, 44.83368)
IGOETI = (41.98722, 44.41500)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def seed_run(seeds_dir: Path, gazetteer: Any) -> tuple[list[Claim], list[Check]]:
    """Claims and checks of the seeds through the real pipeline (claims alone, on the
    curated names, while the toponym and event stages are not in this checkout)."""
    if not all(importlib.util.find_spec(f"geo.{stage}") for stage in ("toponyms", "events")):
        from geo.text._articles import read_articles

        batch = read_articles([seeds_dir], published=date(2008, 8, 19))
        claims = [c for a in batch.articles for c in extract_claims(a, [], gazetteer)]
        return claims, check_claims(claims)
    from geo.engine._pipeline import run

    result = run([seeds_dir], published=date(2008, 8, 19), gazetteer=gazetteer)
    return result.claims, result.checks


def igoeti_checks(checks: list[Check], claimed_km: float) -> list[Check]:
    return [
        c
        for c in checks
        if c.kind == "distance"
        and c.claim.subject is not None
        and c.claim.subject.name == "Igoeti"
        and c.claim.claimed_km == claimed_km
    ]


def test_igoeti_at_30_km_is_inconsistent(seed_run: tuple[list[Claim], list[Check]]) -> None:
    _, checks = seed_run
    (check,) = igoeti_checks(checks, 30.0)
    assert check.claim.reference is not None and check.claim.reference.name == "Tbilisi"
    assert check.claim.claimed_text == "30km (18 miles)"
    assert check.verdict == "inconsistent"
    assert check.computed_km == pytest.approx(haversine_km(TBILISI, IGOETI), abs=1.5)
    assert 46.0 <= check.computed_km <= 50.0


def test_igoeti_at_45_km_is_consistent(seed_run: tuple[list[Claim], list[Check]]) -> None:
    _, checks = seed_run
    (check,) = igoeti_checks(checks, 45.0)
    assert check.claim.reference is not None and check.claim.reference.name == "Tbilisi"
    assert check.claim.claimed_text == "45 km (28 miles)"
    assert check.verdict == "consistent"
    assert not check.claim.units_disagree


def test_the_two_igoeti_claims_conflict(seed_run: tuple[list[Claim], list[Check]]) -> None:
    _, checks = seed_run
    conflicts = [c for c in checks if c.kind == "conflict"]
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict.other is not None
    assert {conflict.claim.claimed_km, conflict.other.claimed_km} == {30.0, 45.0}
    assert conflict.claim.doc != conflict.other.doc
    row = check_rows([conflict])[0]
    assert row["verdict"] == "inconsistent" and row["kind"] == "conflict"
    assert "Igoeti" in row["quote"] and "Igoeti" in row["other_quote"]
    assert {row["doc"], row["other_doc"]} == {conflict.claim.doc, conflict.other.doc}


def test_unnamed_checkpoints_get_a_ring_not_a_point(
    seed_run: tuple[list[Claim], list[Check]],
) -> None:
    claims, checks = seed_run
    (claim,) = [c for c in claims if c.claimed_km == 35.0]
    assert claim.subject is None and claim.near is None
    assert claim.claimed_text == "35km (22 miles)"
    assert claim.reference is not None and claim.reference.name == "Tbilisi"
    assert "checkpoints" in claim.subject_text
    shape = estimate_location(claim)
    assert isinstance(shape, Polygon) and not isinstance(shape, Point)
    for lon, lat in list(shape.exterior.coords)[::8]:
        assert haversine_km(TBILISI, (lat, lon)) == pytest.approx(35.0, abs=0.5)
    (check,) = [c for c in checks if c.claim is claim]
    assert check.verdict == "unverifiable"
    assert check_rows([check])[0]["estimated"] == "ring"


def test_every_claim_has_a_row_and_the_table_shows_it(
    seed_run: tuple[list[Claim], list[Check]],
) -> None:
    claims, checks = seed_run
    rows = check_rows(checks)
    assert len(rows) == len(claims) + 1  # one conflict
    assert [r["verdict"] for r in rows if r["kind"] == "distance"].count("inconsistent") == 1
    assert all(r["quote"] for r in rows)
    table = format_checks(checks, color=False)
    assert table.count("CONFLICT") == 1
    assert table.splitlines()[-1].endswith("; 1 conflict")
