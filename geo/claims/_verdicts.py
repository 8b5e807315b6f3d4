"""The verdict on one distance claim: the claimed distance and bearing against geodesy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from geo import geodesy
from geo.claims._extract import _spread
from geo.claims._quantities import NEAR_KM, ROAD, claim_bounds
from geo.gazetteer import fold
from geo.models import Check, Claim, Place
from geo.settings import Tolerance

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


def _target(claim: Claim) -> Place | None:
    return claim.subject if claim.subject is not None else claim.near


def check_claim(claim: Claim, tolerance: Tolerance | None = None) -> Check:
    """The verdict on one claim: distance within tolerance, and bearing when one is given."""
    tolerance = tolerance or Tolerance()
    target = _target(claim)
    reference = claim.reference
    if reference is None:
        if not claim.reference_text:
            return Check(claim, "unverifiable", note="no reference named or implied nearby")
        return Check(claim, "unverifiable", note=f"reference '{claim.reference_text}' not resolved")
    if target is None:
        shape = "arc" if claim.bearing_deg is not None else "ring"
        note = "vague distance" if claim.vague else f"unnamed subject: estimated {shape}"
        return Check(
            claim, "unverifiable", note=f"{note} {claim.claimed_km:.1f} km around {reference.name}"
        )
    if _spread(target) or _spread(reference):
        return Check(
            claim, "unverifiable", note="a country, region, road or river has no single distance"
        )
    if target.id == reference.id:
        return Check(claim, "unverifiable", note="subject and reference are the same place")
    computed = geodesy.distance_km(reference, target)
    bearing = geodesy.bearing_deg(reference, target)
    if claim.vague:
        return Check(
            claim,
            "unverifiable",
            computed_km=computed,
            computed_bearing_deg=bearing,
            note=f"vague distance ('{claim.claimed_text}')",
        )
    low, high = claim_bounds(claim)
    difference = max(0.0, low - computed, computed - high)
    allowed = tolerance.allowed_km(computed) + (NEAR_KM if claim.subject is None else 0.0)
    notes: list[str] = []
    verdict = "consistent" if difference <= allowed else "inconsistent"
    if verdict == "inconsistent":
        notes.append(f"off by {difference:.1f} km (allowed {allowed:.1f} km)")
    bearing_ok: bool | None = None
    if claim.bearing_deg is not None:
        off = geodesy.angle_between(claim.bearing_deg, bearing)
        bearing_ok = off <= tolerance.bearing_deg
        if not bearing_ok:
            verdict = "inconsistent"
            notes.append(f"direction '{claim.direction_text}' is {off:.0f} degrees off")
    notes.extend(_context_notes(claim))
    return Check(
        claim,
        verdict,
        computed_km=computed,
        difference_km=difference,
        computed_bearing_deg=bearing,
        bearing_ok=bearing_ok,
        note="; ".join(notes),
    )


def _context_notes(claim: Claim) -> list[str]:
    notes: list[str] = []
    if claim.units_disagree:
        notes.append("its two units disagree")
    if claim.near is not None and claim.subject is None:
        notes.append(f"about something near {claim.near.name}")
    if claim.qualifier == ROAD:
        notes.append("road distance: straight line may be shorter")
    reference = claim.reference
    if reference is not None and not claim.reference_text:
        notes.append(f"reference implied: {reference.name}")
    elif reference is not None and not _names_in(reference, claim.reference_text):
        notes.append(f"'{claim.reference_text}' read as {reference.name}")
    return notes


def _names_in(place: Place, text: str) -> bool:
    """Whether ``text`` spells out the place's name or one of its aliases."""
    folded = f" {fold(text)} "
    return any(f" {fold(name)} " in folded for name in (place.name, *place.aliases))
