"""Frozen value types shared by every stage: articles -> mentions -> events/claims -> checks.

Each type validates itself on construction (like geopy's ``Point``), so a bad value fails
where it is made, not three stages later.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from typing import Any, Literal, TypeVar

from geo.errors import GeoValueError

EventKind = Literal[
    "movement", "withdrawal", "occupation", "checkpoint", "position", "exchange", "attack"
]
EVENT_KINDS: tuple[str, ...] = (
    "movement",
    "withdrawal",
    "occupation",
    "checkpoint",
    "position",
    "exchange",
    "attack",
)
Status = Literal["reported", "claimed", "denied", "planned", "hypothetical"]
STATUSES: tuple[str, ...] = ("reported", "claimed", "denied", "planned", "hypothetical")
DatePrecision = Literal["day", "week", "month", "report", "unknown"]
DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "report", "unknown")
Verdict = Literal["consistent", "inconsistent", "unverifiable"]
VERDICTS: tuple[str, ...] = ("consistent", "inconsistent", "unverifiable")
MentionType = Literal["toponym", "demonym"]

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle the dataclass ``cls`` as a call ``cls(*values of its fields)``.

    Several times faster than pickle's default for a frozen slotted dataclass, which lists
    the fields and sets them one by one on loading; results travel between processes this
    way (``--jobs``, Dask). The value validates itself again when it is loaded.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    if len(names) < 2:  # attrgetter of one name gives the value, not a tuple
        raise TypeError(f"{cls.__name__}: pickled_by_fields needs two fields or more")
    values: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


#: Place kinds a gazetteer row may carry.
PLACE_KINDS: tuple[str, ...] = (
    "country",
    "region",
    "admin1",
    "city",
    "town",
    "village",
    "base",
    "port",
    "airfield",
    "tunnel",
    "gorge",
    "pass",
    "road",
    "river",
    "dam",
    "pipeline",
    "site",
)
#: Kinds that are areas: an event there has geo_precision 3.
AREA_KINDS: frozenset[str] = frozenset({"country", "region", "admin1"})
#: Place kinds that are lines: their gazetteer point is only a representative point.
LINEAR_KINDS: frozenset[str] = frozenset({"road", "river", "pipeline"})


@dataclass(frozen=True, slots=True)
class Article:
    """One report as read: its text (front matter removed) and metadata."""

    doc: str
    text: str
    source: str | None = None
    published: date | None = None
    title: str | None = None
    url: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if not self.doc:
            raise GeoValueError("an article needs a non-empty document id")
        if not isinstance(self.text, str):
            raise GeoValueError(f"article {self.doc!r}: text must be a string")


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What a run keeps of an analysed article: everything but its text (``chars`` long)."""

    doc: str
    source: str | None = None
    published: date | None = None
    title: str | None = None
    url: str | None = None
    path: str | None = None
    chars: int = 0

    @classmethod
    def of(cls, article: Article) -> ArticleInfo:
        return cls(
            article.doc,
            article.source,
            article.published,
            article.title,
            article.url,
            article.path,
            len(article.text),
        )


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry. ``lat``/``lon`` are WGS84 degrees; only geodesy.py orders them."""

    id: str
    name: str
    lat: float
    lon: float
    kind: str
    country: str
    admin1: str = ""
    population: int = 0
    geonameid: int | None = None
    source: str = ""
    aliases: tuple[str, ...] = ()
    curated: bool = False

    def __post_init__(self) -> None:
        if not self.id:
            raise GeoValueError("a place needs a non-empty id")
        if not self.name:
            raise GeoValueError(f"place {self.id!r}: name is empty")
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise GeoValueError(f"place {self.id!r}: latitude {self.lat} is outside -90..90")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise GeoValueError(f"place {self.id!r}: longitude {self.lon} is outside -180..180")
        if self.population < 0:
            raise GeoValueError(f"place {self.id!r}: population is negative")

    @property
    def is_area(self) -> bool:
        """True for countries and regions (an event there is imprecise)."""
        return self.kind in AREA_KINDS

    @property
    def is_spread(self) -> bool:
        """True for areas and lines (rivers, roads): one point cannot stand for them."""
        return self.kind in AREA_KINDS or self.kind in LINEAR_KINDS


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Candidate:
    """A runner-up reading of a mention, kept so a reader can see what was rejected."""

    place: Place
    score: float


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Mention:
    """A place name (or a demonym such as "Russian") found in one document."""

    doc: str
    text: str
    start: int
    end: int
    place: Place | None
    score: float = 0.0
    reason: str = ""
    type: MentionType = "toponym"
    alternatives: tuple[Candidate, ...] = ()

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise GeoValueError(f"mention {self.text!r}: bad span {self.start}..{self.end}")
        if self.type not in ("toponym", "demonym"):
            raise GeoValueError(f"mention {self.text!r}: bad type {self.type!r}")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Event:
    """Who did what where and when, with the sentence it came from.

    ``places`` are in path order (origin, via..., destination). An event may have no
    place when the report locates it only by a distance ("checkpoints 35 km from the
    capital"); features.py then places it from the matching claim, marked estimated.
    """

    kind: str
    actor: str | None
    places: tuple[Place, ...]
    doc: str
    quote: str
    char_start: int
    char_end: int
    rule: str
    confidence: float
    status: str = "reported"
    date: date | None = None
    date_precision: str = "unknown"
    geo_precision: int = 1
    source: str | None = None
    direction: str | None = None
    place_texts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise GeoValueError(f"event kind {self.kind!r} is not one of {EVENT_KINDS}")
        if self.status not in STATUSES:
            raise GeoValueError(f"event status {self.status!r} is not one of {STATUSES}")
        if self.date_precision not in DATE_PRECISIONS:
            raise GeoValueError(
                f"date precision {self.date_precision!r} is not one of {DATE_PRECISIONS}"
            )
        if self.geo_precision not in (1, 2, 3):
            raise GeoValueError(f"geo_precision {self.geo_precision} is not 1, 2 or 3")
        if not (0.0 <= self.confidence <= 1.0):
            raise GeoValueError(f"confidence {self.confidence} is outside 0..1")
        if not (0 <= self.char_start <= self.char_end):
            raise GeoValueError(f"bad event span {self.char_start}..{self.char_end}")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Claim:
    """A distance (and maybe direction) a report asserts between a subject and a reference.

    ``subject`` is None when the clause is about something unnamed ("checkpoints about
    35 km from the capital"); the claim can then still estimate a location.
    """

    doc: str
    quote: str
    char_start: int
    char_end: int
    claimed_km: float
    claimed_text: str
    subject: Place | None
    reference: Place | None
    subject_text: str = ""
    reference_text: str = ""
    source: str | None = None
    date: date | None = None
    bearing_deg: float | None = None
    direction_text: str = ""
    vague: bool = False
    units_disagree: bool = False
    qualifier: str = ""
    #: For an unnamed subject the clause puts "near"/"outside" a named place: that place.
    near: Place | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.claimed_km) and self.claimed_km >= 0):
            raise GeoValueError(f"claimed distance {self.claimed_km} is not a non-negative number")


@dataclass(frozen=True, slots=True)
class Check:
    """The verdict on one claim, or a conflict between two sources (``kind='conflict'``)."""

    claim: Claim
    verdict: str
    computed_km: float | None = None
    difference_km: float | None = None
    computed_bearing_deg: float | None = None
    bearing_ok: bool | None = None
    kind: Literal["distance", "conflict"] = "distance"
    other: Claim | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise GeoValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How many articles were read, processed and skipped (with reasons)."""

    read: int = 0
    processed: int = 0
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)
