"""Events and mentions as GeoDataFrames (EPSG:4326), with the same event merged across sources.

- :func:`events_to_frame`: one feature per event, after merging: the same kind, actor,
  places and date (within a day) reported by several documents (or twice in one) becomes
  one feature whose ``sources`` lists every document and quote. Movements and withdrawals
  with two or more places are LineStrings in path order; everything else is a Point. An
  event with no place ("checkpoints about 35 km from the capital") is placed from the
  distance claim of the same sentence (``geo.claims._estimates.estimate_location``) and marked
  ``estimated``.
- :func:`mentions_to_frame`: one Point per resolved toponym mention.
- :func:`estimates_to_frame`: the rings/arcs/points estimated from distance claims about
  unnamed things, with the events they locate.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import groupby
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo import geodesy
from geo.claims import estimate_location
from geo.errors import GeoError, GeoValueError
from geo.events import MOTION_KINDS
from geo.features._corrections import Corrections, correct_feature
from geo.models import ArticleInfo, Claim, Event, Mention, Place

log = logging.getLogger(__name__)

CRS = "EPSG:4326"
EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "actor",
    "places",
    "place_ids",
    "date",
    "date_precision",
    "status",
    "geo_precision",
    "source",
    "doc",
    "quote",
    "char_start",
    "char_end",
    "rule",
    "confidence",
    "distance_km",
    "sources",
    "closest_km",
    "source_count",
    "estimated",
    "direction",
    "corrections",
)
#: Also the order of export.place_feature_texts, which writes them without a frame.
PLACE_COLUMNS: tuple[str, ...] = (
    "doc",
    "text",
    "name",
    "place_id",
    "kind",
    "country",
    "char_start",
    "char_end",
    "score",
    "reason",
    "distance_km",
)
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "doc",
    "source",
    "quote",
    "char_start",
    "char_end",
    "claimed_km",
    "claimed_text",
    "reference",
    "subject_text",
    "direction_text",
    "shape",
    "distance_km",
    "event_ids",
    "event_kinds",
    "actors",
)
#: Statuses that assert the event happened; they merge with each other.
_ASSERTED = ("reported", "claimed")
_PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "report": 3, "unknown": 4}
_ACTOR_SEPARATOR = " & "


# -- ids ------------------------------------------------------------------------------------
def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def event_id(event: Event) -> str:
    """Stable id of one event: a hash of kind, actor, place ids, date, doc and offset."""
    key = "|".join(
        (
            event.kind,
            event.actor or "",
            ",".join(p.id for p in event.places),
            event.date.isoformat() if event.date else "",
            event.doc,
            str(event.char_start),
        )
    )
    return f"ev-{_digest(key)}"


def feature_id(members: Sequence[Event]) -> str:
    """Id of a merged feature: derived from its members' ids, sorted (order-independent)."""
    return _id_of_ids([event_id(e) for e in members])


def _id_of_ids(ids: list[str]) -> str:
    ids.sort()
    return ids[0] if len(ids) == 1 else f"ev-{_digest('+'.join(ids))}"


# -- merging --------------------------------------------------------------------------------
def _status_class(status: str) -> str:
    return "asserted" if status in _ASSERTED else status


def _actors(actor: str | None) -> frozenset[str]:
    return frozenset(actor.split(_ACTOR_SEPARATOR)) if actor else frozenset()


def date_interval(when: date | None, precision: str) -> tuple[date, date] | None:
    """The days a (date, precision) may mean: a day, the 7 days from it, or its month."""
    if when is None or precision == "unknown":
        return None
    if precision == "week":
        return when, when + timedelta(days=6) if when <= date.max - timedelta(days=6) else date.max
    if precision == "month":
        last = calendar.monthrange(when.year, when.month)[1]
        return when.replace(day=1), when.replace(day=last)
    return when, when


#: Days two events' dates may lie apart and still be the same event's.
_SLACK_DAYS = 1


def dates_compatible(a: Event, b: Event, slack_days: int = _SLACK_DAYS) -> bool:
    """Whether two events' dates are both known and may be the same day (within
    ``slack_days``): reports of unknown date never merge, they may be days apart."""
    first = date_interval(a.date, a.date_precision)
    second = date_interval(b.date, b.date_precision)
    if first is None or second is None:
        return False
    gap = max((second[0] - first[1]).days, (first[0] - second[1]).days, 0)
    return gap <= slack_days


def compatible(a: Event, b: Event) -> bool:
    """Same kind, places, status class, actors (one may be unknown or include the other)
    and date (within a day)."""
    if a.kind != b.kind or _status_class(a.status) != _status_class(b.status):
        return False
    if not a.places or tuple(p.id for p in a.places) != tuple(p.id for p in b.places):
        return False
    actors_a, actors_b = _actors(a.actor), _actors(b.actor)
    if actors_a and actors_b and not (actors_a <= actors_b or actors_b <= actors_a):
        return False
    return dates_compatible(a, b)


#: Days before an event's date that its interval can start (a month's first day).
_INTERVAL_LEAD = timedelta(days=31)


def _merge_signature(event: Event) -> tuple[object, ...]:
    """Everything :func:`compatible` reads of an event: events of one signature are
    compatible with exactly the same events."""
    return (
        _status_class(event.status),
        _actors(event.actor),
        date_interval(event.date, event.date_precision),
    )


def _horizon(when: date) -> date:
    """The last day a cluster must reach to stay open to events of ``when`` or later:
    their intervals start at most a month before their dates, and one day of slack."""
    lead = _INTERVAL_LEAD + timedelta(days=_SLACK_DAYS + 1)
    return when - lead if when > date.min + lead else date.min


#: The members a merged feature keeps whole: its ``sources`` and what a reviewer's
#: corrections see. Beyond them a feature keeps only counts, ids and the values its
#: properties need, so one event repeated by a million reports costs what fifty do.
KEPT_MEMBERS = 50


def _merge_key(event: Event) -> tuple[Any, ...]:
    return (
        event.kind,
        tuple(p.id for p in event.places),
        event.date is None,
        event.date or date.min,
        event.doc,
        event.char_start,
        event.rule,
    )


def _confidence_key(event: Event) -> tuple[Any, ...]:
    return (-event.confidence, event.doc, event.char_start)


def _dated_key(event: Event) -> tuple[Any, ...]:
    return (_PRECISION_RANK[event.date_precision], event.date or date.max)


class _Bundle:
    """Events of one kind, path and merge signature (status class, actors, date
    interval): they are compatible with the same events, so they always merge together.
    A bundle keeps its first :data:`KEPT_MEMBERS` members by merge order (all of them when
    ``keep`` is None) and what a feature needs of the rest."""

    __slots__ = (
        "best",
        "count",
        "dated",
        "doc_runs",
        "docs",
        "first",
        "geo_precision",
        "ids",
        "keep",
        "kept",
        "last_doc",
        "miss",
        "reported",
        "signature",
    )  # fmt: skip

    def __init__(self, event: Event, signature: tuple[object, ...], keep: int | None) -> None:
        self.signature = signature
        self.keep = keep
        self.first = self.best = self.dated = event
        self.kept: list[Event] = []
        self.ids: list[int] = []
        self.count = 0
        self.miss = 1.0
        self.reported = False
        self.geo_precision = event.geo_precision
        self.docs: set[str] | None = set()
        self.doc_runs = 0
        self.last_doc: str | None = None
        self.add(event)

    def add(self, event: Event) -> None:
        self.count += 1
        self.ids.append(int(event_id(event)[3:], 16))
        self.miss *= 1.0 - event.confidence
        self.reported = self.reported or event.status == "reported"
        self.geo_precision = min(self.geo_precision, event.geo_precision)
        if _merge_key(event) < _merge_key(self.first):
            self.first = event
        if _confidence_key(event) < _confidence_key(self.best):
            self.best = event
        if _dated_key(event) < _dated_key(self.dated):
            self.dated = event
        if event.doc != self.last_doc:  # a document's events arrive together
            self.doc_runs += 1
            self.last_doc = event.doc
        if self.docs is not None:
            self.docs.add(event.doc)
            if self.keep is not None and len(self.docs) > self.keep:
                self.docs = None  # past this, documents are counted as they change
        self.kept.append(event)
        if self.keep is not None and len(self.kept) >= 2 * self.keep:
            self.kept = sorted(self.kept, key=_merge_key)[: self.keep]

    def members(self) -> list[Event]:
        ordered = sorted(self.kept, key=_merge_key)
        return ordered if self.keep is None else ordered[: self.keep]


def _bundles(events: Iterable[Event], keep: int | None) -> list[_Bundle]:
    """The events grouped by kind, path and signature, in merge order; an event that
    can merge with nothing (no date, no place) is a bundle of its own."""
    grouped: dict[tuple[object, ...], _Bundle] = {}
    alone: list[_Bundle] = []
    for event in events:
        signature = _merge_signature(event)
        if signature[2] is None or not event.places:
            alone.append(_Bundle(event, signature, keep))
            continue
        key = (event.kind, tuple(p.id for p in event.places), signature)
        bundle = grouped.get(key)
        if bundle is None:
            grouped[key] = _Bundle(event, signature, keep)
        else:
            bundle.add(event)
    return sorted([*grouped.values(), *alone], key=lambda b: _merge_key(b.first))


@dataclass
class _Cluster:
    members: list[_Bundle]
    #: One member per distinct signature: what compatibility is checked against.
    kinds: dict[tuple[object, ...], Event]
    #: The last day any member's date may mean.
    last: date


def _merge_bundles(bundles: Sequence[_Bundle]) -> list[list[_Bundle]]:
    """Group bundles (in merge order) that report the same thing: a bundle joins the first
    cluster of its kind and path whose every member it is compatible with.
    Compatibility depends only on a signature, so it is checked once per distinct
    signature of a cluster, and clusters whose dates are over a month behind are no
    longer looked at: near-linear in the number of events."""
    clusters: list[list[_Bundle]] = []
    for _, group in groupby(
        bundles, key=lambda b: (b.first.kind, tuple(p.id for p in b.first.places))
    ):
        open_clusters: list[_Cluster] = []
        for bundle in group:
            event, signature = bundle.first, bundle.signature
            interval = signature[2]
            if interval is None or not event.places:  # never compatible with anything
                clusters.append([bundle])
                continue
            assert isinstance(interval, tuple) and event.date is not None
            open_clusters = [c for c in open_clusters if c.last >= _horizon(event.date)]
            for cluster in open_clusters:
                if signature in cluster.kinds or all(
                    compatible(event, member) for member in cluster.kinds.values()
                ):
                    cluster.members.append(bundle)
                    cluster.kinds.setdefault(signature, event)
                    cluster.last = max(cluster.last, interval[1])
                    break
            else:
                cluster = _Cluster([bundle], {signature: event}, interval[1])
                open_clusters.append(cluster)
                clusters.append(cluster.members)
    return clusters


def merge_events(events: Iterable[Event]) -> list[list[Event]]:
    """Group events that report the same thing; deterministic for the same input.

    In merge order (kind, path, date, document, offset), an event joins the first cluster
    of its kind and path whose every member it is compatible with (see
    :func:`compatible`). Each cluster lists its events in that order.
    """
    return [
        sorted((e for b in cluster for e in b.members()), key=_merge_key)
        for cluster in _merge_bundles(_bundles(events, keep=None))
    ]


@dataclass(frozen=True, slots=True)
class Feature:
    """A merged event: the members it keeps whole and the values chosen for the feature."""

    id: str
    #: Its first members (at most :data:`KEPT_MEMBERS`), by document and offset.
    members: tuple[Event, ...]
    representative: Event
    actor: str | None
    date: date | None
    date_precision: str
    status: str
    geo_precision: int
    confidence: float
    #: How many documents report it (counted as they change past a few thousand).
    source_count: int = 0
    #: How many events were merged into it.
    size: int = 0


def _merged_actor(members: Iterable[Event]) -> str | None:
    parties: set[str] = set()
    for member in members:
        parties |= _actors(member.actor)
    return _ACTOR_SEPARATOR.join(sorted(parties)) if parties else None


def build_feature(members: Sequence[Event]) -> Feature:
    """Choose a merged feature's values: best-dated date, most assertive status, most
    precise location, combined confidence (noisy-or, at most 0.99)."""
    return _feature_of(_bundles(members, keep=None))


def _feature_of(bundles: Sequence[_Bundle]) -> Feature:
    representative = min((b.best for b in bundles), key=_confidence_key)
    dated = min((b.dated for b in bundles), key=_dated_key)
    reported = any(b.reported for b in bundles)
    status = "reported" if reported else representative.status
    miss = 1.0
    for bundle in bundles:
        miss *= bundle.miss
    keep = bundles[0].keep
    kept = sorted((e for b in bundles for e in b.members()), key=lambda e: (e.doc, e.char_start))
    doc_sets = [b.docs for b in bundles]
    if all(docs is not None for docs in doc_sets):
        source_count = len(set().union(*doc_sets))  # type: ignore[arg-type]
    else:
        source_count = sum(b.doc_runs for b in bundles)
    return Feature(
        id=_id_of_ids([f"ev-{number:016x}" for b in bundles for number in b.ids]),
        members=tuple(kept if keep is None else kept[:keep]),
        representative=representative,
        actor=_merged_actor(b.first for b in bundles),
        date=dated.date,
        date_precision=dated.date_precision if dated.date else "unknown",
        status=status,
        geo_precision=min(b.geo_precision for b in bundles),
        confidence=round(min(0.99, 1.0 - miss), 3),
        source_count=source_count,
        size=sum(b.count for b in bundles),
    )


# -- geometry ---------------------------------------------------------------------------------
def _distinct_path(places: Sequence[Place]) -> list[Place]:
    path: list[Place] = []
    for place in places:
        if not path or path[-1].id != place.id:
            path.append(place)
    return path


def located_path(places: Sequence[Place]) -> list[Place]:
    """The places one point can stand for (towns, sites), in order, without repeats: a
    country, region, river or road is never a line's end nor an event's point."""
    return _distinct_path([p for p in places if not p.is_spread])


def event_geometry(event: Event) -> BaseGeometry | None:
    """LineString through a movement's located places in order, else a Point at its place;
    None for a region-level event (only countries, regions, rivers or roads)."""
    path = located_path(event.places)
    if not path:
        return None
    if event.kind in MOTION_KINDS and len(path) >= 2:
        return geodesy.path_line(path)
    return geodesy.place_point(path[0])


def _distance_to(reference: Place, geometry: BaseGeometry) -> float:
    target = geometry.boundary if isinstance(geometry, Polygon | MultiPolygon) else geometry
    point = target.representative_point()
    return geodesy.distance_between(reference.lat, reference.lon, point.y, point.x)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _claim_for(event: Event, claims: Mapping[str, Sequence[Claim]]) -> Claim | None:
    for claim in claims.get(event.doc, ()):
        if (
            claim.doc == event.doc
            and claim.char_start < event.char_end
            and event.char_start < claim.char_end
        ):
            return claim
    return None


def _estimate(
    event: Event, claims: Mapping[str, Sequence[Claim]]
) -> tuple[BaseGeometry, Claim] | None:
    claim = _claim_for(event, claims)
    if claim is None:
        return None
    try:
        geometry = estimate_location(claim)
    except GeoError as exc:  # a claim the estimator cannot place: skip the event, say why
        log.warning("cannot estimate where %r is: %s", event.quote[:60], exc)
        return None
    return (geometry, claim) if geometry is not None else None


#: The keys of each entry of a feature's ``sources``, in order.
SOURCE_KEYS: tuple[str, ...] = (
    "source",
    "title",
    "url",
    "published",
    "doc",
    "quote",
    "char_start",
    "char_end",
)


def _sources(members: Sequence[Event], articles: Mapping[str, ArticleInfo]) -> list[dict[str, Any]]:
    """Each member's provenance: publisher, the report's title, URL and date (from its
    article), document id, quote and span."""
    out = []
    for e in members:
        info = articles.get(e.doc)
        published = info.published if info is not None else None
        out.append(
            {
                "source": e.source,
                "title": info.title if info is not None else None,
                "url": info.url if info is not None else None,
                "published": published.isoformat() if published else None,
                "doc": e.doc,
                "quote": e.quote,
                "char_start": e.char_start,
                "char_end": e.char_end,
            }
        )
    return out


def _row(
    feature: Feature,
    geometry: BaseGeometry | None,
    reference: Place,
    estimated: bool,
    ring_on_reference: bool,
    articles: Mapping[str, ArticleInfo],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    rep = feature.representative
    places = list(rep.places)
    if estimated:
        distance = None if ring_on_reference else _distance_to(reference, geometry)
        closest = distance
    elif geometry is None:  # region-level: no point to measure from
        distance = closest = None
    else:
        located = located_path(places)
        distance = geodesy.distance_km(reference, located[-1])
        closest = (
            geodesy.closest_approach_km(located, reference.lat, reference.lon)
            if isinstance(geometry, LineString | MultiLineString)
            else distance
        )
    return {
        "id": feature.id,
        "kind": rep.kind,
        "actor": feature.actor,
        "places": [p.name for p in places],
        "place_ids": [p.id for p in places],
        "date": feature.date.isoformat() if feature.date else None,
        "date_precision": feature.date_precision,
        "status": feature.status,
        "geo_precision": feature.geo_precision,
        "source": rep.source,
        "doc": rep.doc,
        "quote": rep.quote,
        "char_start": rep.char_start,
        "char_end": rep.char_end,
        "rule": rep.rule,
        "confidence": feature.confidence,
        "distance_km": _round(distance),
        "sources": _sources(feature.members, articles),
        "closest_km": _round(closest),
        "source_count": feature.source_count,
        "estimated": estimated,
        "direction": rep.direction,
        "corrections": list(notes),
        "geometry": geometry,
    }


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame(
            {c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS
        )
    frame = gpd.GeoDataFrame(rows, columns=[*columns, "geometry"], geometry="geometry", crs=CRS)
    return frame


def features_of(events: Iterable[Event], keep: int | None = KEPT_MEMBERS) -> list[Feature]:
    """Merged features of events that have places (estimated ones are kept apart), each
    keeping its first ``keep`` members whole (None: all)."""
    placed = (e for e in events if e.places)
    return [_feature_of(cluster) for cluster in _merge_bundles(_bundles(placed, keep))]


def corrected(
    feature: Feature, corrections: Corrections | None
) -> tuple[Feature, list[str]] | None:
    """``feature`` after a reviewer's corrections, with their notes (None: dropped). The
    id stays the one the analysis gave, so the same file applies again on the next run."""
    if corrections is None:
        return feature, []
    out = correct_feature(feature.id, feature.members, feature.representative, corrections)
    if out is None:
        return None
    rep, changes, notes = out
    when = changes.get("date", feature.date)
    return (
        replace(
            feature,
            representative=rep,
            actor=changes.get("actor", feature.actor),
            status=changes.get("status", feature.status),
            date=when,
            date_precision="day" if "date" in changes else feature.date_precision,
        ),
        list(dict.fromkeys(notes)),
    )


def events_to_frame(
    events: Iterable[Event],
    reference: Place,
    claims: Iterable[Claim] = (),
    corrections: Corrections | None = None,
    articles: Iterable[ArticleInfo] = (),
) -> gpd.GeoDataFrame:
    """Merged event features with the DESIGN.md properties (plus ``closest_km``,
    ``source_count``, ``estimated``, ``direction``, ``corrections``), after the reviewer's
    ``corrections`` when given; each entry of ``sources`` takes the title, URL and date of
    its document from ``articles`` (None when not given)."""
    features = features_of(events)
    unplaced = [e for e in events if not e.places]
    cited = {e.doc for f in features for e in f.members} | {e.doc for e in unplaced}
    by_doc = {info.doc: info for info in articles if info.doc in cited}
    rows: list[dict[str, Any]] = []
    for original in features:
        done = corrected(original, corrections)
        if done is None:
            continue
        feature, notes = done
        try:
            geometry = event_geometry(feature.representative)
            rows.append(
                _row(
                    feature,
                    geometry,
                    reference,
                    estimated=False,
                    ring_on_reference=False,
                    articles=by_doc,
                    notes=notes,
                )
            )
        except GeoValueError as exc:  # a geometry out of range: leave it out, name the report
            _left_out(feature.representative, exc)
    skipped = 0
    unplaced_docs = {e.doc for e in unplaced}
    claims_of: dict[str, list[Claim]] = {}
    for claim in claims if unplaced_docs else ():
        if claim.doc in unplaced_docs:
            claims_of.setdefault(claim.doc, []).append(claim)
    for event in unplaced:
        estimate = _estimate(event, claims_of)
        if estimate is None:
            skipped += 1
            continue
        geometry, claim = estimate
        on_reference = (
            isinstance(geometry, Polygon | MultiPolygon)
            and claim.reference is not None
            and claim.reference.id == reference.id
        )
        done = corrected(build_feature([event]), corrections)
        if done is None:
            continue
        try:
            row = _row(
                done[0],
                geometry,
                reference,
                estimated=True,
                ring_on_reference=on_reference,
                articles=by_doc,
                notes=done[1],
            )
        except GeoValueError as exc:
            _left_out(event, exc)
            continue
        rows.append(row)
    _unique_ids(rows)
    log.info(
        "features: %d event features from %d events (%d unplaced skipped)",
        len(rows),
        sum(f.size for f in features) + len(unplaced),
        skipped,
    )
    return _frame(rows, EVENT_COLUMNS)


def _left_out(event: Event, exc: GeoValueError) -> None:
    log.warning("%s: event %r left out of the map: %s", event.doc, event.quote[:60], exc)


def _unique_ids(rows: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        count = seen.get(row["id"], 0)
        seen[row["id"]] = count + 1
        if count:
            row["id"] = f"{row['id']}-{count + 1}"


def mentions_to_frame(mentions: Iterable[Mention], reference: Place) -> gpd.GeoDataFrame:
    """One Point per resolved toponym mention (demonyms and unresolved names are skipped)."""
    return _frame(list(place_rows(mentions, reference)), PLACE_COLUMNS)


def place_rows(mentions: Iterable[Mention], reference: Place) -> Iterator[dict[str, Any]]:
    """The rows of :func:`mentions_to_frame` (:data:`PLACE_COLUMNS` and a geometry), one
    at a time. A place's distance and point are computed once, and all the rows of one
    place share its point object (places are told apart by what the rows show of them,
    not by object: mentions read back from a spool bring new copies of their places)."""
    per_place: dict[tuple[object, ...], tuple[float | None, Point]] = {}
    for m in mentions:
        place = m.place
        if m.type != "toponym" or place is None:
            continue
        key = (place.id, place.name, place.kind, place.country, place.lat, place.lon)
        known = per_place.get(key)
        if known is None:
            distance = _round(geodesy.distance_km(reference, place))
            known = per_place[key] = (distance, geodesy.place_point(place))
        yield {
            "doc": m.doc,
            "text": m.text,
            "name": place.name,
            "place_id": place.id,
            "kind": place.kind,
            "country": place.country,
            "char_start": m.start,
            "char_end": m.end,
            "score": float(m.score),
            "reason": m.reason,
            "distance_km": known[0],
            "geometry": known[1],
        }


def _shape(geometry: BaseGeometry) -> str:
    if isinstance(geometry, Polygon | MultiPolygon):
        return "ring"
    if isinstance(geometry, LineString | MultiLineString):
        return "arc"
    return "point" if isinstance(geometry, Point) else geometry.geom_type.lower()


def estimates_to_frame(events: Iterable[Event], claims: Iterable[Claim]) -> gpd.GeoDataFrame:
    """Estimated locations (ring, arc or point) of the unnamed subjects of distance claims,
    with the ids, kinds and actors of the unplaced events they locate."""
    unplaced_of: dict[str, list[Event]] = {}
    for event in events:
        if not event.places:
            unplaced_of.setdefault(event.doc, []).append(event)
    rows: list[dict[str, Any]] = []
    for claim in claims:
        try:
            geometry = estimate_location(claim)
        except GeoError as exc:
            log.warning("cannot estimate the location in %r: %s", claim.quote[:60], exc)
            continue
        if geometry is None:
            continue
        located = [
            e
            for e in unplaced_of.get(claim.doc, ())
            if e.doc == claim.doc
            and claim.char_start < e.char_end
            and e.char_start < claim.char_end
        ]
        reference = claim.reference
        centred = isinstance(geometry, Polygon)
        distance = None if reference is None or centred else _distance_to(reference, geometry)
        rows.append(
            {
                "doc": claim.doc,
                "source": claim.source,
                "quote": claim.quote,
                "char_start": claim.char_start,
                "char_end": claim.char_end,
                "claimed_km": claim.claimed_km,
                "claimed_text": claim.claimed_text,
                "reference": reference.name if reference else None,
                "subject_text": claim.subject_text,
                "direction_text": claim.direction_text,
                "shape": _shape(geometry),
                "distance_km": _round(distance),
                "event_ids": [event_id(e) for e in located],
                "event_kinds": [e.kind for e in located],
                "actors": [e.actor for e in located],
                "geometry": geometry,
            }
        )
    return _frame(rows, ESTIMATE_COLUMNS)
