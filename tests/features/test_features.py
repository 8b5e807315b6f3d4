"""Events and mentions as GeoDataFrames, and the merge across sources (geo.features._features)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from shapely.geometry import LineString, Point, Polygon

from geo import geodesy
from geo.features._features import (
    ESTIMATE_COLUMNS,
    EVENT_COLUMNS,
    PLACE_COLUMNS,
    compatible,
    estimates_to_frame,
    event_id,
    events_to_frame,
    feature_id,
    mentions_to_frame,
    merge_events,
)
from geo.models import Claim, Event, Mention


@pytest.fixture(scope="module")
def places(curated_gazetteer):  # type: ignore[no-untyped-def]
    return {
        pid.split("-", 1)[1]: curated_gazetteer.get(pid)
        for pid in (
            "ge-gori",
            "ge-kareli",
            "ge-khashuri",
            "ge-tbilisi",
            "ge-igoeti",
            "ge-georgia",
            "ge-kaspi",
        )
    }


def make(
    places,
    kind="movement",
    actor="Russia",
    where=("gori",),
    doc="a",
    start=0,
    when=date(2008, 8, 19),  # type: ignore[no-untyped-def]
    precision="day",
    status="reported",
    confidence=0.8,
    quote="Troops moved.",
) -> Event:
    return Event(
        kind=kind,
        actor=actor,
        places=tuple(places[w] for w in where),
        doc=doc,
        quote=quote,
        char_start=start,
        char_end=start + len(quote),
        rule=f"{kind}:test",
        confidence=confidence,
        status=status,
        date=when,
        date_precision=precision if when else "unknown",
        source=f"source-{doc}",
        direction="outbound" if kind == "movement" and len(where) == 1 else None,
    )


def test_frame_has_exactly_the_contract_columns(places) -> None:  # type: ignore[no-untyped-def]
    frame = events_to_frame([make(places, where=("khashuri", "gori", "kareli"))], places["tbilisi"])
    assert list(frame.columns) == [*EVENT_COLUMNS, "geometry"]
    assert frame.crs.to_epsg() == 4326
    row = frame.iloc[0]
    assert row["places"] == ["Khashuri", "Gori", "Kareli"]
    assert row["place_ids"] == ["ge-khashuri", "ge-gori", "ge-kareli"]
    assert row["date"] == "2008-08-19" and row["date_precision"] == "day"
    assert row["sources"] == [
        {
            "source": "source-a",
            "title": None,
            "url": None,
            "published": None,
            "doc": "a",
            "quote": "Troops moved.",
            "char_start": 0,
            "char_end": 13,
        }
    ]
    assert row["source_count"] == 1 and not row["estimated"]


def test_line_for_a_path_point_otherwise(places) -> None:  # type: ignore[no-untyped-def]
    events = [
        make(places, where=("khashuri", "gori", "kareli"), start=0),
        make(places, kind="withdrawal", where=("gori", "kaspi"), start=50),
        make(places, where=("gori",), start=100),
        make(places, kind="occupation", where=("kareli",), start=150),
    ]
    frame = events_to_frame(events, places["tbilisi"]).set_index("kind", append=True)
    types = sorted(g.geom_type for g in frame.geometry)
    assert types == ["LineString", "LineString", "Point", "Point"]
    line = next(g for g in frame.geometry if isinstance(g, LineString) and len(g.coords) == 3)
    gori = places["gori"]
    assert line.coords[1] == pytest.approx((gori.lon, gori.lat))  # lon/lat order, path order


def test_distance_is_to_the_end_of_a_line_and_closest_approach_is_kept(places) -> None:  # type: ignore[no-untyped-def]
    reference = places["tbilisi"]
    frame = events_to_frame([make(places, where=("kareli", "kaspi", "khashuri"))], reference)
    row = frame.iloc[0]
    assert row["distance_km"] == pytest.approx(
        geodesy.distance_km(reference, places["khashuri"]), abs=0.1
    )
    assert row["closest_km"] == pytest.approx(
        geodesy.distance_km(reference, places["kaspi"]), abs=1.0
    )
    assert row["closest_km"] < row["distance_km"]


def test_same_event_from_three_sources_is_one_feature(places) -> None:  # type: ignore[no-untyped-def]
    events = [
        make(
            places,
            kind="exchange",
            actor="Georgia & Russia",
            where=("igoeti",),
            doc="d1",
            status="claimed",
            confidence=0.5,
        ),
        make(
            places,
            kind="exchange",
            actor="Russia",
            where=("igoeti",),
            doc="d2",
            start=40,
            confidence=0.8,
        ),
        make(
            places,
            kind="exchange",
            actor=None,
            where=("igoeti",),
            doc="d3",
            start=90,
            when=date(2008, 8, 19),
            precision="report",
            confidence=0.7,
        ),
    ]
    frame = events_to_frame(events, places["tbilisi"])
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["source_count"] == 3
    assert [s["doc"] for s in row["sources"]] == ["d1", "d2", "d3"]
    assert row["status"] == "reported"  # one source reports it outright
    assert row["actor"] == "Georgia & Russia"
    assert row["date"] == "2008-08-19"
    assert row["confidence"] == pytest.approx(1 - 0.5 * 0.2 * 0.3)
    assert row["quote"] == events[1].quote and row["doc"] == "d2"  # the most confident member


@pytest.mark.parametrize(
    ("change", "merges"),
    [
        ({"when": date(2008, 8, 20)}, True),  # within a day
        ({"when": date(2008, 8, 22)}, False),
        ({"when": date(2008, 8, 1), "precision": "month"}, True),
        ({"when": None}, False),  # a report of unknown date may be days apart
        ({"when": date(2008, 8, 19), "precision": "report"}, True),
        ({"actor": "Georgia"}, False),
        ({"actor": None}, True),
        ({"kind": "occupation"}, False),
        ({"where": ("kareli",)}, False),
        ({"status": "claimed"}, True),
        ({"status": "hypothetical"}, False),
        ({"status": "denied"}, False),
    ],
)
def test_merge_rules(places, change: dict, merges: bool) -> None:  # type: ignore[no-untyped-def]
    first = make(places, doc="d1")
    second = make(places, **{"doc": "d2", **change})
    assert compatible(first, second) is merges
    assert len(merge_events([first, second])) == (1 if merges else 2)


def test_ids_are_stable_and_order_independent(places) -> None:  # type: ignore[no-untyped-def]
    a = make(places, doc="d1")
    b = make(places, doc="d2", start=30)
    assert event_id(a) == event_id(make(places, doc="d1"))
    assert event_id(a) != event_id(b)
    assert feature_id([a, b]) == feature_id([b, a])
    first = events_to_frame([a, b], places["tbilisi"])["id"].tolist()
    second = events_to_frame([b, a], places["tbilisi"])["id"].tolist()
    assert first == second and len(first) == 1 and first[0] == feature_id([a, b])


def test_unplaced_event_is_estimated_from_the_claim_in_its_sentence(places) -> None:  # type: ignore[no-untyped-def]
    reference = places["tbilisi"]
    quote = "Russian checkpoints stood about 35 km from the capital."
    event = make(places, kind="checkpoint", where=(), doc="d1", start=100, quote=quote)
    claim = Claim(
        doc="d1",
        quote=quote,
        char_start=130,
        char_end=150,
        claimed_km=35.0,
        claimed_text="35 km",
        subject=None,
        reference=reference,
        subject_text="Russian checkpoints",
    )
    elsewhere = Claim(
        doc="d2",
        quote=quote,
        char_start=130,
        char_end=150,
        claimed_km=35.0,
        claimed_text="35 km",
        subject=None,
        reference=reference,
    )
    frame = events_to_frame([event], reference, claims=[elsewhere, claim])
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["estimated"] and row["places"] == [] and row["distance_km"] is None
    assert isinstance(row.geometry, Polygon)
    assert events_to_frame([event], reference, claims=[elsewhere]).empty  # no claim in its doc


def test_estimated_distance_is_given_when_the_ring_is_not_around_the_reference(places) -> None:  # type: ignore[no-untyped-def]
    quote = "Russian checkpoints stood 10 km from Gori."
    event = make(places, kind="checkpoint", where=(), doc="d1", quote=quote)
    claim = Claim(
        doc="d1",
        quote=quote,
        char_start=26,
        char_end=40,
        claimed_km=10.0,
        claimed_text="10 km",
        subject=None,
        reference=places["gori"],
    )
    row = events_to_frame([event], places["tbilisi"], claims=[claim]).iloc[0]
    gori_km = geodesy.distance_km(places["tbilisi"], places["gori"])
    assert gori_km - 11 <= row["distance_km"] <= gori_km + 11


def test_estimates_frame_links_claims_to_events(places) -> None:  # type: ignore[no-untyped-def]
    quote = "Russian checkpoints stood about 35 km from the capital."
    event = make(places, kind="checkpoint", where=(), doc="d1", quote=quote)
    claim = Claim(
        doc="d1",
        quote=quote,
        char_start=30,
        char_end=50,
        claimed_km=35.0,
        claimed_text="35 km",
        subject=None,
        reference=places["tbilisi"],
        subject_text="Russian checkpoints",
    )
    named = Claim(
        doc="d1",
        quote="Gori is 70 km away.",
        char_start=60,
        char_end=70,
        claimed_km=70.0,
        claimed_text="70 km",
        subject=places["gori"],
        reference=places["tbilisi"],
    )
    frame = estimates_to_frame([event], [claim, named])
    assert list(frame.columns) == [*ESTIMATE_COLUMNS, "geometry"]
    assert len(frame) == 1  # a named subject needs no estimate
    row = frame.iloc[0]
    assert row["shape"] == "ring" and row["event_ids"] == [event_id(event)]
    assert row["actors"] == ["Russia"] and row["reference"] == "Tbilisi"
    assert estimates_to_frame([event], []).empty


def test_mentions_frame(places) -> None:  # type: ignore[no-untyped-def]
    mentions = [
        Mention("d1", "Gori", 10, 14, places["gori"], 0.9, "curated"),
        Mention("d1", "Georgian", 20, 28, places["georgia"], 0.9, "demonym", type="demonym"),
        Mention("d1", "Atlantis", 30, 38, None),
    ]
    frame = mentions_to_frame(mentions, places["tbilisi"])
    assert list(frame.columns) == [*PLACE_COLUMNS, "geometry"]
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["text"], row["name"], row["place_id"], row["kind"], row["country"]) == (
        "Gori",
        "Gori",
        "ge-gori",
        "city",
        "GE",
    )
    assert (row["char_start"], row["char_end"]) == (10, 14)
    assert row["distance_km"] == pytest.approx(
        geodesy.distance_km(places["tbilisi"], places["gori"]), abs=0.1
    )
    assert isinstance(row.geometry, Point) and row.geometry.x == pytest.approx(places["gori"].lon)


def test_empty_inputs_give_empty_frames_with_columns(places) -> None:  # type: ignore[no-untyped-def]
    for frame, columns in (
        (events_to_frame([], places["tbilisi"]), EVENT_COLUMNS),
        (mentions_to_frame([], places["tbilisi"]), PLACE_COLUMNS),
        (estimates_to_frame([], []), ESTIMATE_COLUMNS),
    ):
        assert frame.empty and list(frame.columns) == [*columns, "geometry"]
        assert frame.crs.to_epsg() == 4326


def test_each_source_carries_its_reports_title_url_and_date(places) -> None:  # type: ignore[no-untyped-def]
    from geo.features import SOURCE_KEYS
    from geo.models import ArticleInfo

    first = make(places, doc="a", start=3)
    second = make(places, doc="b", start=9)
    infos = [
        ArticleInfo("a", "Wire A", date(2008, 8, 19), "Troops leave Gori", "https://a.example/1"),
        ArticleInfo("b", "Paper B", None, None, None),
    ]
    frame = events_to_frame([first, second], places["tbilisi"], articles=infos)
    sources = frame.iloc[0]["sources"]
    assert [list(s) for s in sources] == [list(SOURCE_KEYS)] * 2
    assert sources[0] == {
        "source": "source-a",
        "title": "Troops leave Gori",
        "url": "https://a.example/1",
        "published": "2008-08-19",
        "doc": "a",
        "quote": "Troops moved.",
        "char_start": 3,
        "char_end": 16,
    }
    assert (sources[1]["title"], sources[1]["url"], sources[1]["published"]) == (None, None, None)


# -- merging at scale -----------------------------------------------------------------------
def _merge_pairwise(events: list[Event]) -> list[list[Event]]:
    """The plain rule merge_events must agree with: in its order, an event joins the first
    cluster (of its kind and path) whose every member it is compatible with."""
    clusters: list[list[Event]] = []
    for event in sorted(
        events,
        key=lambda e: (
            e.kind,
            tuple(p.id for p in e.places),
            e.date is None,
            e.date or date.min,
            e.doc,
            e.char_start,
            e.rule,
        ),
    ):
        for cluster in clusters:
            if all(compatible(event, member) for member in cluster):
                cluster.append(event)
                break
        else:
            clusters.append([event])
    return clusters


def test_one_event_in_many_documents_merges_with_few_comparisons(places, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import geo.features._features as features

    calls = 0
    real = features.compatible

    def counting(a: Event, b: Event) -> bool:
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(features, "compatible", counting)
    events = [make(places, doc=f"d{i:04d}") for i in range(2000)]
    events += [make(places, doc=f"u{i:04d}", when=None) for i in range(500)]  # never merge
    clusters = features.merge_events(events)
    assert [len(c) for c in clusters] == [2000] + [1] * 500
    assert calls <= 2 * len(events)  # pairwise clustering made about 2 million


def test_hashed_merging_groups_as_the_pairwise_rule_does(places) -> None:  # type: ignore[no-untyped-def]
    import random

    rng = random.Random(18)
    events = []
    for i in range(400):
        day = date(2008, rng.choice((7, 8, 9)), rng.randint(1, 28))
        events.append(
            make(
                places,
                doc=f"d{i:03d}",
                actor=rng.choice(("Russia", "Georgia", None, "Georgia & Russia")),
                when=rng.choice((day, day, None)),
                precision=rng.choice(("day", "day", "week", "month", "report")),
                status=rng.choice(("reported", "claimed", "denied")),
                where=rng.choice((("gori",), ("gori", "kareli"))),
            )
        )
    got = merge_events(events)
    assert [[e.doc for e in c] for c in got] == [
        [e.doc for e in c] for c in _merge_pairwise(events)
    ]


def test_a_feature_reported_many_times_keeps_a_few_members_and_counts_them_all(places) -> None:  # type: ignore[no-untyped-def]
    """Memory of a feature does not grow with its reports: it keeps its first members
    whole, yet its id, confidence, date and document count are those of all of them."""
    from geo.features._features import KEPT_MEMBERS, event_id, features_of

    events = [make(places, doc=f"d{i:04d}", confidence=0.1) for i in range(30 * KEPT_MEMBERS)]
    events.append(make(places, doc="d9999", actor=None, confidence=0.9, when=date(2008, 8, 20)))
    (feature,) = features_of(events)
    assert len(feature.members) == KEPT_MEMBERS
    assert [e.doc for e in feature.members] == [f"d{i:04d}" for i in range(KEPT_MEMBERS)]
    assert feature.size == len(events) and feature.source_count == len(events)
    everything = features_of(events, keep=None)[0]
    assert len(everything.members) == len(events)
    ids = sorted(event_id(e) for e in events)  # the id is that of every member, not the kept
    assert (
        feature.id == everything.id == f"ev-{hashlib.sha1('+'.join(ids).encode()).hexdigest()[:16]}"
    )
    assert feature.confidence == everything.confidence == 0.99
    assert feature.representative.doc == "d9999" and feature.date == date(2008, 8, 19)
    assert feature.actor == "Russia"
