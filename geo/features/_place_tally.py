"""Place mentions counted per distinct place: what the map's place layer shows.

The map draws one marker per place, not per mention, so it needs only a tally per place:
how often and in which documents it was named, as what, and why that reading was chosen.
:func:`tally_mentions` builds the tallies straight from mentions (no per-mention frame, so
a corpus with hundreds of thousands of mentions costs a few bytes per distinct place);
:func:`tally_frame` builds the same tallies from a ``places`` frame.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo import geodesy
from geo.models import AREA_KINDS, Mention, Place

if TYPE_CHECKING:
    import geopandas as gpd


#: How many of a place's documents its tally keeps by name (the most frequent).
TOP_DOCUMENTS = 32


@dataclass
class PlaceTally:
    """One distinct place and how the reports named it."""

    key: str
    name: str
    kind: str | None
    country: str | None
    distance_km: float | None
    geometry: BaseGeometry
    mentions: int = 0
    #: The documents that name the place most often (at most :data:`TOP_DOCUMENTS` kept).
    docs: Counter[str] = field(default_factory=Counter)
    #: How many documents name the place.
    documents: int = 0
    texts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    _last_doc: str | None = field(default=None, repr=False)

    @property
    def is_area(self) -> bool:
        """A country or region: too coarse to frame the map's opening view."""
        return self.kind in AREA_KINDS

    def add(self, doc: Any, text: Any, reason: Any) -> None:
        """Count one mention. A document's mentions arrive together, so the documents are
        counted as they change, and only the :data:`TOP_DOCUMENTS` most frequent of those
        already complete are kept: a tally costs the same for ten documents or a million."""
        self.mentions += 1
        name = str(doc)
        if name != self._last_doc:
            self.documents += 1
            self._last_doc = name
            if len(self.docs) >= 2 * TOP_DOCUMENTS:
                self.docs = Counter(dict(self.docs.most_common(TOP_DOCUMENTS)))
        self.docs[name] += 1
        if text:
            self.texts[str(text)] += 1
        if reason:
            self.reasons[str(reason)] += 1


def tally_mentions(mentions: Iterable[Mention], reference: Place) -> list[PlaceTally]:
    """Tallies of the resolved toponym mentions, in order of first mention."""
    tallies: dict[str, PlaceTally] = {}
    for mention in mentions:
        place = mention.place
        if mention.type != "toponym" or place is None:
            continue
        tally = tallies.get(place.id)
        if tally is None:
            distance = round(geodesy.distance_km(reference, place), 1)
            tally = tallies[place.id] = PlaceTally(
                place.id, place.name, place.kind, place.country, distance,
                geodesy.place_point(place),
            )  # fmt: skip
        tally.add(mention.doc, mention.text, mention.reason)
    return list(tallies.values())


def _values(frame: gpd.GeoDataFrame, name: str) -> list[Any]:
    if name not in frame.columns:
        return [None] * len(frame)
    return [None if null else v for v, null in zip(frame[name], frame[name].isna(), strict=True)]


def tally_frame(frame: gpd.GeoDataFrame | None) -> list[PlaceTally]:
    """Tallies of a ``places`` frame (rows without a geometry are left out)."""
    if frame is None or len(frame) == 0:
        return []
    names = ("doc", "text", "name", "place_id", "kind", "country", "reason", "distance_km")
    cols = {name: _values(frame, name) for name in names}
    tallies: dict[str, PlaceTally] = {}
    for i, geometry in enumerate(frame.geometry):
        if geometry is None or geometry.is_empty:
            continue
        key = str(cols["place_id"][i] or cols["name"][i] or geometry.wkt)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = PlaceTally(
                key,
                str(cols["name"][i] or key),
                cols["kind"][i],
                cols["country"][i],
                cols["distance_km"][i],
                geometry,
            )
        tally.add(cols["doc"][i], cols["text"][i], cols["reason"][i])
    return list(tallies.values())


def as_tallies(places: gpd.GeoDataFrame | Sequence[PlaceTally] | None) -> list[PlaceTally]:
    """``places`` as tallies, whether given as a frame or already tallied."""
    if places is None:
        return []
    if isinstance(places, Sequence):
        return list(places)
    return tally_frame(places)


def precise_points(tallies: Sequence[PlaceTally]) -> list[Point]:
    """The points of the places finer than a country or region."""
    return [t.geometry for t in tallies if not t.is_area and not t.geometry.is_empty]
