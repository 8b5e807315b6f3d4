"""Typed settings with their defaults, validated on construction (osmnx-style, but frozen)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from geo.errors import GeoValueError

#: The reference place when none is given and the reports have no clear focus country
#: (data, not logic: override with ``--reference``).
DEFAULT_REFERENCE = "Tbilisi"

#: Data formats of `geo map --format`; events.geojson, places.geojson and checks.csv are
#: always written, the others are added on request.
OUTPUT_FORMATS: tuple[str, ...] = ("geojson", "gpkg", "csv", "parquet", "acled", "kml")

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
class GeocoderSpec:
    """Which service to ask and how: a geopy service name, an optional server URL, the
    least time between two requests and the time-out of one (seconds)."""

    service: str
    url: str | None = None
    delay_s: float = 1.0
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if not (self.delay_s >= 0 and self.timeout_s > 0):
            raise GeoValueError("--geocoder-delay must be >= 0 and --geocoder-timeout > 0")

    @property
    def endpoint(self) -> str:
        """The server asked: the URL given, else the service's default."""
        return self.url.rstrip("/") if self.url else self.service


@dataclass(frozen=True, slots=True)
class Settings:
    """Options of one run; the CLI and the notebook both build one."""

    #: The place distances are measured from; None: the capital of the reports' focus
    #: country, else DEFAULT_REFERENCE.
    reference: str | None = None
    gazetteer_path: str | None = None
    world: bool = True
    tolerance: Tolerance = field(default_factory=Tolerance)
    ring_radii_km: tuple[float, ...] = DEFAULT_RING_RADII_KM
    offline: bool = False
    jobs: int = 1
    formats: tuple[str, ...] = ("geojson",)
    #: Names of gazetteers imported with ``geo gazetteer import``, used beside the others.
    imported: tuple[str, ...] = ()
    #: The online fallback (``--geocoder``): None keeps every run offline.
    geocoder: GeocoderSpec | None = None
    #: A reviewer's corrections file (YAML, ``--corrections``), applied on every run.
    corrections: str | None = None

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise GeoValueError(f"--jobs must be at least 1, not {self.jobs}")
        if any(r <= 0 for r in self.ring_radii_km):
            raise GeoValueError("ring radii must be positive kilometres")
