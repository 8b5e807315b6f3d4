"""Where something unnamed can be, from a claim about it: a ring, an arc or a point."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shapely.geometry.base import BaseGeometry

from geo import geodesy
from geo.claims._extract import _spread
from geo.models import Claim

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


def estimate_location(claim: Claim, half_width: float = 45.0) -> BaseGeometry | None:
    """Where an unnamed subject may be: an arc when a direction is given, else a ring
    (Polygon whose boundary is the locus); a Point only when the clause puts it near a named
    place (the point at the claimed distance on the line towards that place)."""
    reference = claim.reference
    if claim.subject is not None or reference is None or _spread(reference) or claim.vague:
        return None
    km = claim.claimed_km
    if km <= 0:
        return None
    if claim.near is not None and not _spread(claim.near):
        if claim.near.id == reference.id:
            return None
        bearing = geodesy.bearing_deg(reference, claim.near)
        lat, lon = geodesy.destination(reference.lat, reference.lon, bearing, km)
        return geodesy.point(lat, lon)
    if claim.bearing_deg is not None:
        return geodesy.arc(reference.lat, reference.lon, km, claim.bearing_deg, half_width)
    pole = 90.0 if reference.lat >= 0 else -90.0
    if km >= geodesy.distance_between(reference.lat, reference.lon, pole, reference.lon):
        # a circle round a pole is no polygon in lon/lat: draw it as a closed line
        return geodesy.arc(reference.lat, reference.lon, km, 0.0, 180.0, segments=129)
    return geodesy.ring(reference.lat, reference.lon, km)
