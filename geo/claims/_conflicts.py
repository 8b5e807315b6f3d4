"""Sources that contradict each other about the same pair of places."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING

from geo import geodesy
from geo.claims._quantities import claim_bounds
from geo.claims._verdicts import check_claim
from geo.models import Check, Claim
from geo.settings import Tolerance

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


def _pair_key(claim: Claim) -> frozenset[str] | None:
    target = claim.subject
    if target is None or claim.reference is None or claim.vague or target.id == claim.reference.id:
        return None
    return frozenset((target.id, claim.reference.id))


def _oriented_bearing(claim: Claim, anchor: Claim) -> float | None:
    """The claim's bearing seen from ``anchor``'s reference (flipped if the roles swap)."""
    if claim.bearing_deg is None or claim.reference is None or anchor.reference is None:
        return None
    if claim.reference.id == anchor.reference.id:
        return claim.bearing_deg
    return (claim.bearing_deg + 180.0) % 360.0


def _who(claim: Claim) -> str:
    """The document id, with its source when that says more ("doc-7 (Reuters)")."""
    if claim.source and claim.source != claim.doc:
        return f"{claim.doc} ({claim.source})"
    return claim.doc


def _conflict(first: Claim, second: Claim, tolerance: Tolerance) -> Check | None:
    low1, high1 = claim_bounds(first)
    low2, high2 = claim_bounds(second)
    gap = max(0.0, low1 - high2, low2 - high1)
    scale = max(v for v in (first.claimed_km, second.claimed_km) if math.isfinite(v))
    notes: list[str] = []
    if gap > tolerance.allowed_km(scale):
        notes.append(
            f"{_who(first)} says {first.claimed_text}, {_who(second)} says {second.claimed_text}"
        )
    bearing1, bearing2 = _oriented_bearing(first, first), _oriented_bearing(second, first)
    if (
        bearing1 is not None
        and bearing2 is not None
        and geodesy.angle_between(bearing1, bearing2) > tolerance.bearing_deg
    ):
        notes.append(f"'{first.direction_text}' versus '{second.direction_text}'")
    if not notes:
        return None
    assert first.subject is not None and first.reference is not None
    computed = geodesy.distance_km(first.reference, first.subject)
    errors = {
        c.doc: max(0.0, lo - computed, computed - hi)
        for c, lo, hi in ((first, low1, high1), (second, low2, high2))
    }
    closer = first if errors[first.doc] < errors[second.doc] else second
    if errors[first.doc] != errors[second.doc]:
        notes.append(f"geodesy ({computed:.1f} km) supports {_who(closer)}")
    return Check(
        first,
        "inconsistent",
        computed_km=computed,
        difference_km=gap,
        kind="conflict",
        other=second,
        note="; ".join(notes),
    )


def find_conflicts(claims: Sequence[Claim], tolerance: Tolerance | None = None) -> list[Check]:
    """Conflict checks: claims from different documents about the same pair of places that
    disagree with each other beyond tolerance (distance or direction)."""
    tolerance = tolerance or Tolerance()
    groups: dict[frozenset[str], list[Claim]] = {}
    for claim in claims:
        key = _pair_key(claim)
        if key is not None:
            groups.setdefault(key, []).append(claim)
    conflicts: list[Check] = []
    for group in groups.values():
        for first, second in combinations(group, 2):
            if first.doc == second.doc:
                continue
            conflict = _conflict(first, second, tolerance)
            if conflict is not None:
                conflicts.append(conflict)
    return conflicts


def check_claims(claims: Sequence[Claim], tolerance: Tolerance | None = None) -> list[Check]:
    """One distance check per claim (in order), then one conflict check per contradiction."""
    tolerance = tolerance or Tolerance()
    checks = [check_claim(claim, tolerance) for claim in claims]
    checks.extend(find_conflicts(claims, tolerance))
    counts = Counter(c.verdict for c in checks if c.kind == "distance")
    log.info(
        "checks: %d claims (%s), %d conflicts",
        len(claims),
        ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none",
        len(checks) - len(claims),
    )
    return checks


# -- estimated locations ------------------------------------------------------------------
