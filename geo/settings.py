"""Typed settings with their defaults, validated on construction (osmnx-style, but frozen)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from geo.errors import GeoValueError

#: The theatre's default reference place (data, not logic: override with ``--reference``).
DEFAULT_REFERENCE = "Tbilisi"

#: Data formats of `geo map --format`; events.geojson, places.geojson and checks.csv are
#: always written, the others are added on request.
OUTPUT_FORMATS: tuple[str, ...] = ("geojson", "gpkg", "csv", "parquet")

#: Radii (km) of the labelled distance rings drawn around the reference place.
DEFAULT_RING_RADII_KM: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0)


@dataclass(frozen=True, slots=True)
class Tolerance:
    """When a claimed distance counts as consistent with the computed one.

    Consistent when ``|claimed - computed| <= max(absolute_km, relative * computed)``; a
    claimed direction must lie within ``bearing_deg`` of the computed bearing.
    """

    absolute_km: float = 5.0
    relative: float = 0.20
    bearing_deg: float = 45.0

    def __post_init__(self) -> None:
        finite = all(map(math.isfinite, (self.absolute_km, self.relative, self.bearing_deg)))
        if (
            not finite
            or self.absolute_km < 0
            or not 0 <= self.relative <= 1
            or not 0 < self.bearing_deg <= 180
        ):
            raise GeoValueError(
                "tolerance needs finite numbers: absolute_km >= 0, 0 <= relative <= 1 "
                "and 0 < bearing_deg <= 180"
            )

    def allowed_km(self, computed_km: float) -> float:
        return max(self.absolute_km, self.relative * computed_km)


@dataclass(frozen=True, slots=True)
class Settings:
    """Options of one run; the CLI and the notebook both build one."""

    reference: str = DEFAULT_REFERENCE
    gazetteer_path: str | None = None
    world: bool = True
    #: Names of gazetteers imported with ``geo gazetteer import``, used beside the others.
    imported: tuple[str, ...] = ()
    tolerance: Tolerance = field(default_factory=Tolerance)
    ring_radii_km: tuple[float, ...] = DEFAULT_RING_RADII_KM
    offline: bool = False
    jobs: int = 1
    formats: tuple[str, ...] = ("geojson",)

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise GeoValueError(f"--jobs must be at least 1, not {self.jobs}")
        if any(r <= 0 for r in self.ring_radii_km):
            raise GeoValueError("ring radii must be positive kilometres")
