"""Synthetic feature frames and checks that follow the DESIGN.md / features contract.

Used by the render/export/browser tests and by ``bench/map_scale.py``. Place names are
invented ("Testville 12"); sentences are written for the tests.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from geo import geodesy
from geo.models import EVENT_KINDS, Check, Claim, Place

REFERENCE = Place(id="syn:ref", name="Refton", lat=41.70, lon=44.80, kind="city", country="XX")
ACTORS = ("Northland", "Southland", "Eastern League", "Monitors")
STATUSES = ("reported", "reported", "reported", "claimed", "planned", "hypothetical", "denied")
DATE_PRECISIONS = ("day", "day", "day", "week", "month")
START = date(2031, 3, 1)

EVENT_COLUMNS = [
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
]
PLACE_COLUMNS = [
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
]


def place_pool(n: int = 300, seed: int = 1) -> list[Place]:
    """Invented towns scattered 5-250 km around the reference."""
    rng = random.Random(seed)
    pool = []
    for i in range(n):
        lat, lon = geodesy.destination(
            REFERENCE.lat, REFERENCE.lon, rng.uniform(0, 360), rng.uniform(5, 250)
        )
        pool.append(
            Place(id=f"syn:{i}", name=f"Testville {i}", lat=lat, lon=lon, kind="town", country="XX")
        )
    return pool


def _sentence(rng: random.Random, kind: str, actor: str, names: list[str]) -> str:
    verbs = {
        "movement": "drove a column of trucks",
        "withdrawal": "pulled its units back",
        "occupation": "took and held",
        "checkpoint": "put up a roadblock at",
        "position": "kept artillery dug in near",
        "exchange": "handed over detainees at",
        "attack": "shelled",
    }
    route = " then ".join(names)
    return f"Witnesses said {actor} forces {verbs[kind]} {route} on day {rng.randint(1, 28)}."


def events_frame(
    n: int,
    seed: int = 0,
    pool: list[Place] | None = None,
    undated_share: float = 0.1,
    estimated_share: float = 0.02,
    quote: str | None = None,
) -> gpd.GeoDataFrame:
    """``n`` events of every kind; movements/withdrawals are lines through 2-3 places."""
    rng = random.Random(seed)
    pool = pool or place_pool()
    rows: list[dict[str, Any]] = []
    geoms = []
    for i in range(n):
        kind = EVENT_KINDS[i % len(EVENT_KINDS)]
        actor = ACTORS[rng.randrange(len(ACTORS))] if rng.random() > 0.05 else None
        is_line = kind in ("movement", "withdrawal") and rng.random() < 0.8
        chosen = rng.sample(pool, 3 if rng.random() < 0.3 else 2) if is_line else [rng.choice(pool)]
        estimated = not is_line and rng.random() < estimated_share
        if is_line:
            geom = geodesy.path_line(chosen)
        elif estimated:
            geom = geodesy.ring(REFERENCE.lat, REFERENCE.lon, rng.uniform(10, 60), segments=48)
        else:
            geom = geodesy.place_point(chosen[0])
        end = chosen[-1]
        when = None if rng.random() < undated_share else START + timedelta(days=rng.randrange(30))
        text = (
            quote
            if quote is not None
            else _sentence(rng, kind, actor or "unnamed", [p.name for p in chosen])
        )
        doc = f"doc{i % 97:03d}"
        start = rng.randrange(0, 4000)
        source = {
            "doc": doc,
            "source": f"Wire {i % 5}",
            "quote": text,
            "char_start": start,
            "char_end": start + len(text),
        }
        rows.append(
            {
                "id": f"ev{i:06d}",
                "kind": kind,
                "actor": actor,
                "places": [] if estimated else [p.name for p in chosen],
                "place_ids": [] if estimated else [p.id for p in chosen],
                "date": when.isoformat() if when else None,
                "date_precision": rng.choice(DATE_PRECISIONS) if when else "unknown",
                "status": rng.choice(STATUSES),
                "geo_precision": 2 if estimated else rng.choice((1, 1, 1, 2, 3)),
                "source": source["source"],
                "doc": doc,
                "quote": text,
                "char_start": start,
                "char_end": start + len(text),
                "rule": f"synthetic-{kind}",
                "confidence": round(rng.uniform(0.3, 1.0), 2),
                "distance_km": round(geodesy.distance_km(REFERENCE, end), 3),
                "sources": [source],
                "closest_km": round(
                    geodesy.closest_approach_km(chosen, REFERENCE.lat, REFERENCE.lon), 3
                ),
                "source_count": 1,
                "estimated": estimated,
                "direction": None,
            }
        )
        geoms.append(geom)
    return gpd.GeoDataFrame(rows, columns=EVENT_COLUMNS, geometry=geoms, crs="EPSG:4326")


def sources_with_urls(
    events: gpd.GeoDataFrame, urls: list[str], source: str, title: str
) -> list[list[dict[str, Any]]]:
    """One ``sources`` entry per event row, its own quote and span, with the given URL,
    publisher and title (``title`` formatted with the row number)."""
    rows = zip(
        urls, events["doc"], events["quote"], events["char_start"], events["char_end"], strict=True
    )
    return [
        [
            {
                "source": source,
                "title": title.format(i),
                "url": url,
                "published": "2008-08-19",
                "doc": doc,
                "quote": quote,
                "char_start": start,
                "char_end": end,
            }
        ]
        for i, (url, doc, quote, start, end) in enumerate(rows)
    ]


def places_frame(events: gpd.GeoDataFrame, pool: list[Place] | None = None) -> gpd.GeoDataFrame:
    """One mention per named place of every event (the places.geojson contract)."""
    pool = pool or place_pool()
    by_id = {p.id: p for p in pool}
    rows, geoms = [], []
    for doc, ids, start in zip(
        events["doc"], events["place_ids"], events["char_start"], strict=True
    ):
        for offset, pid in enumerate(ids):
            place = by_id.get(pid)
            if place is None:
                continue
            text_start = int(start) + 10 * offset
            rows.append(
                {
                    "doc": doc,
                    "text": place.name,
                    "name": place.name,
                    "place_id": place.id,
                    "kind": place.kind,
                    "country": place.country,
                    "char_start": text_start,
                    "char_end": text_start + len(place.name),
                    "score": 0.9,
                    "reason": "synthetic gazetteer match",
                    "distance_km": round(geodesy.distance_km(REFERENCE, place), 3),
                }
            )
            geoms.append(Point(place.lon, place.lat))
    return gpd.GeoDataFrame(rows, columns=PLACE_COLUMNS, geometry=geoms, crs="EPSG:4326")


def estimates_frame(n: int = 3) -> gpd.GeoDataFrame:
    """Rings and arcs around the reference for unnamed subjects (features contract)."""
    rows, geoms = [], []
    for i in range(n):
        km = 20.0 + 15 * i
        arc = bool(i % 2)
        rows.append(
            {
                "doc": "doc-est",
                "source": "Wire E",
                "quote": f"Roadblocks were seen some {km:g} km out.",
                "char_start": 0,
                "char_end": 40,
                "claimed_km": km,
                "claimed_text": f"{km:g} km",
                "reference": REFERENCE.name,
                "subject_text": "roadblocks",
                "direction_text": "east" if arc else "",
                "shape": "arc" if arc else "ring",
                "distance_km": km if arc else None,
                "event_ids": [f"ev-est{i}"],
                "event_kinds": ["checkpoint"],
                "actors": [ACTORS[i % len(ACTORS)]],
            }
        )
        geoms.append(
            geodesy.arc(REFERENCE.lat, REFERENCE.lon, km, 90.0 * i)
            if arc
            else geodesy.ring(REFERENCE.lat, REFERENCE.lon, km, segments=64)
        )
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def checks(pool: list[Place] | None = None) -> list[Check]:
    """Two claims about one place (one right, one wrong), a conflict, an unnamed subject."""
    pool = pool or place_pool()
    target = pool[0]
    true_km = geodesy.distance_km(REFERENCE, target)

    def claim(doc: str, km: float, subject: Place | None = target) -> Claim:
        return Claim(
            doc=doc,
            quote=f"The town lies {km:.0f} km from the capital, an official said.",
            char_start=0,
            char_end=50,
            claimed_km=km,
            claimed_text=f"{km:.0f} km",
            subject=subject,
            reference=REFERENCE,
            subject_text=subject.name if subject else "troops",
            source=f"Wire {doc}",
        )

    good, bad = claim("docA", round(true_km)), claim("docB", round(true_km * 2 + 20))
    unnamed = claim("docC", 35.0, subject=None)
    return [
        Check(good, "consistent", computed_km=true_km, difference_km=0.0),
        Check(bad, "inconsistent", computed_km=true_km, difference_km=true_km + 20),
        Check(unnamed, "unverifiable", note="unnamed subject: estimated ring"),
        Check(
            good,
            "inconsistent",
            computed_km=true_km,
            difference_km=true_km,
            kind="conflict",
            other=bad,
            note="docA and docB disagree",
        ),
    ]


def line(a: Place, b: Place) -> LineString:
    return LineString([(a.lon, a.lat), (b.lon, b.lat)])


def coords(frame: gpd.GeoDataFrame) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(frame.geometry.values)
