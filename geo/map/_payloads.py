"""The compact JSON payloads the page script draws: events by kind, places, rings, checks,
conflicts and estimates (styles per layer, never per feature)."""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
import shapely

from geo import geodesy
from geo.features import ESTIMATE_COLUMNS, PlaceTally
from geo.map import _styles as styles
from geo.map._common import (
    _EVENT_FIELDS,
    QUOTE_MAX,
    SOURCES_MAX,
    _area,
    _clean,
    _column,
    _day,
    _geometries,
    _km,
    _list,
    _memo_esc,
    _round_geoms,
    _rows_html,
    esc,
    geometry_json,
    script_safe,
)
from geo.models import Check, Claim, Place

if TYPE_CHECKING:
    import geopandas as gpd


log = logging.getLogger(__name__)


# -- event payloads --------------------------------------------------------------------------
def _present(value: Any) -> bool:
    """Whether a scalar carries something (not None, NaN or the empty string)."""
    if value is None:
        return False
    if isinstance(value, float):
        return value == value
    return value != "" if isinstance(value, str) else _clean(value) is not None


def _quote(value: Any) -> str:
    text = str(value) if _present(value) else ""
    return esc(text[:QUOTE_MAX].rstrip() + "…" if len(text) > QUOTE_MAX else text)


def _span(value: Any) -> int | str | None:
    if not _present(value):
        return None
    return int(value) if isinstance(value, (int, np.integer)) else esc(value)


def link_url(value: Any) -> str | None:
    """``value`` when it is an absolute http or https URL a popup may link to, else None
    (``javascript:``, ``data:``, relative or malformed URLs are never links)."""
    if not isinstance(value, str) or not value or len(value) > 2048:
        return None
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def source_label(src: dict[str, Any], e: Callable[[object], str]) -> str:
    """A source as popup HTML: the report's title (a link when its URL is http/https; the
    document id when it has no title), the publisher and the date, every text escaped."""
    title, url = src.get("title"), src.get("url")
    name = e(title) if _present(title) else e(src.get("doc"))
    safe = link_url(url)
    if safe is not None:
        head = (
            f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer">'
            f"{name or esc(safe)}</a>"
        )
    else:
        head = name or (e(url) if _present(url) else "")
    parts = (head, e(src.get("source")), e(src.get("published")))
    return " · ".join(p for p in parts if p)


def _own_source(sources: Any, doc: Any, start: Any, source: Any) -> dict[str, Any]:
    """The entry of ``sources`` of the row's own quote, else what the row says of it."""
    for src in _list(sources):
        if isinstance(src, dict) and src.get("doc") == doc and src.get("char_start") == start:
            return src
    return {"doc": doc, "source": source}


def _extra_sources(
    sources: Any, own: tuple[Any, ...], e: Callable[[object], str]
) -> tuple[list[list[Any]] | None, int]:
    """The sources list when it says more than the row itself (else None), and its length."""
    listed = [x for x in _list(sources) if isinstance(x, dict)]
    if not listed:
        return None, 1
    if len(listed) == 1:
        one = listed[0]
        if (
            one.get("doc"),
            one.get("source"),
            one.get("quote"),
            one.get("char_start"),
            one.get("char_end"),
        ) == own:
            return None, 1
    out = []
    for src in listed[:SOURCES_MAX]:
        out.append(
            [
                source_label(src, e),
                _span(src.get("char_start")),
                _span(src.get("char_end")),
                _quote(src.get("quote")),
            ]
        )
    return out, len(listed)


#: Event columns sent as indices into one list of distinct strings per layer.
CODED = frozenset({"st", "dp", "r", "w", "dir", "pl", "cr", "src", "k"})


def _float(value: Any, digits: int) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, digits) if math.isfinite(number) else None


@dataclass
class KindPayload:
    """The page data of one kind layer: columns of escaped values, one entry per feature."""

    columns: dict[str, list[Any]]
    geometries: list[str]
    days: list[int | None]
    points: int

    def __len__(self) -> int:
        return len(self.geometries)

    def json(self, head: dict[str, Any]) -> str:
        """``{...head, "n": N, "dict": [...], "cols": {"g": [...], ...}}``, script-safe.

        Columns in CODED hold indices into ``dict`` (each distinct string once)."""
        words: dict[str, int] = {}
        coded = {
            name: [words.setdefault(v, len(words)) for v in values] if name in CODED else values
            for name, values in self.columns.items()
        }
        head = {**head, "n": len(self), "dict": list(words)}
        text = json.dumps(coded, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        geometries = ",".join(self.geometries)
        body = f'{{"g":[{geometries}]' + ("," + text[1:] if len(text) > 2 else "}")
        start = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
        return script_safe(f'{start},"cols":{body}}}')


def event_payloads(
    events: gpd.GeoDataFrame | None, actor_index: dict[str, int]
) -> tuple[dict[str, KindPayload], KindPayload]:
    """Per kind, columns the page script turns into features: geometry (estimated points
    widened into areas), actor index, day, status, precision and the evidence (places,
    date, distances, confidence, quote and sources), every text HTML-escaped. The
    page assembles popups and tooltips from them on demand. Second: the region-level
    events (no geometry, never drawn, listed only), with their kind in column ``k``."""
    n = 0 if events is None else len(events)
    if n == 0:
        return {}, KindPayload(columns={}, geometries=[], days=[], points=0)
    col = {c: _column(events, c, n) for c in _EVENT_FIELDS}
    geoms = _geometries(events)
    keep = [i for i, g in enumerate(geoms) if g is not None and not g.is_empty]
    estimated = [bool(v) for v in col["estimated"]]
    for i in keep:
        if estimated[i]:
            geoms[i] = _area(geoms[i], col["distance_km"][i])
    texts: list[str] = [""] * n
    for i, text in zip(keep, shapely.to_geojson(_round_geoms(geoms[keep])), strict=True):
        texts[i] = str(text)
    e = _memo_esc()
    days = [_day(v) for v in col["date"]]
    extras = [
        _extra_sources(
            col["sources"][i],
            (
                col["doc"][i],
                col["source"][i],
                col["quote"][i],
                col["char_start"][i],
                col["char_end"][i],
            ),
            e,
        )
        for i in range(n)
    ]

    def precision(value: Any) -> int:
        try:
            return int(value or 1)
        except (TypeError, ValueError):
            return 1

    values: dict[str, list[Any]] = {
        "id": [esc(v) for v in col["id"]],
        "a": [actor_index.get(a, -1) if a else -1 for a in col["actor"]],
        "t": days,
        "st": [e(v or "reported") for v in col["status"]],
        "p": [precision(v) for v in col["geo_precision"]],
        "e": [1 if v else 0 for v in estimated],
        "pl": [" → ".join(e(p) for p in _list(v)) for v in col["places"]],
        "dp": [
            e(v) if d is not None else "" for v, d in zip(col["date_precision"], days, strict=True)
        ],
        "km": [_float(v, 1) for v in col["distance_km"]],
        "ck": [_float(v, 1) for v in col["closest_km"]],
        "cf": [_float(v, 2) for v in col["confidence"]],
        "r": [e(v) for v in col["rule"]],
        "dir": [e(v) for v in col["direction"]],
        "w": [
            source_label(_own_source(col["sources"][i], d, s0, s), e)
            for i, (s, d, s0) in enumerate(
                zip(col["source"], col["doc"], col["char_start"], strict=True)
            )
        ],
        "s0": [_span(v) for v in col["char_start"]],
        "s1": [_span(v) for v in col["char_end"]],
        "q": [_quote(v) for v in col["quote"]],
        "s": [x[0] for x in extras],
        "sn": [x[1] for x in extras],
        "cr": ["<br>".join(e(x) for x in _list(v)) for v in col["corrections"]],
        "src": [e(v) for v in col["source"]],
    }
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i in keep:
        by_kind[str(col["kind"][i])].append(i)
    out = {}
    for kind, rows in by_kind.items():
        out[kind] = KindPayload(
            columns={name: [column[i] for i in rows] for name, column in values.items()},
            geometries=[texts[i] for i in rows],
            days=[days[i] for i in rows],
            points=sum(1 for i in rows if texts[i].startswith('{"type":"Point"')),
        )
    drawn = set(keep)
    rows = [i for i in range(n) if i not in drawn]
    regions = KindPayload(
        columns={
            "k": [e(col["kind"][i]) for i in rows],
            **{name: [column[i] for i in rows] for name, column in values.items()},
        },
        geometries=["null"] * len(rows),
        days=[days[i] for i in rows],
        points=0,
    )
    return out, regions


# -- static payloads: places, rings, checks, conflicts, estimates -----------------------------
def place_items(tallies: Sequence[PlaceTally]) -> tuple[list[dict[str, Any]], int]:
    """One item per distinct place (its mentions aggregated) and the number of mentions."""
    items = []
    for tally in tallies:
        key, name = tally.key, tally.name
        table = _rows_html(
            [
                ("Gazetteer", f"{esc(name)} <small>({esc(key)})</small>"),
                ("Kind", esc(tally.kind)),
                ("Country", esc(tally.country)),
                ("From reference", esc(_km(tally.distance_km))),
                ("Mentions", f"{tally.mentions} in {tally.documents} document(s)"),
                ("As written", esc(", ".join(t for t, _ in tally.texts.most_common(6)))),
                ("Documents", esc(", ".join(d for d, _ in tally.docs.most_common(6)))),
                ("Why", esc("; ".join(r for r, _ in tally.reasons.most_common(3)))),
            ]
        )
        items.append(
            {
                "id": esc(key),
                "g": geometry_json(tally.geometry),
                "name": esc(name),
                "f": {"id": key, "name": name, "mentions": tally.mentions},
                "pop": f'<div class="geo-pop"><h4>{esc(name)}</h4>{table}</div>',
                "tip": esc(f"{name}: {tally.mentions} mention(s)"),
            }
        )
    return items, sum(t.mentions for t in tallies)


def _label_point(lat: float, lon: float, km: float, bearing: float) -> dict[str, Any]:
    lat2, lon2 = geodesy.destination(lat, lon, bearing, km)
    return geometry_json(geodesy.point(lat2, lon2))


def ring_items(reference: Place, radii_km: Sequence[float]) -> list[dict[str, Any]]:
    """The reference marker, its geodesic distance rings and their labels."""
    ref_name = esc(reference.name)
    items: list[dict[str, Any]] = [
        {
            "id": f"reference-{esc(reference.id)}",
            "g": geometry_json(geodesy.place_point(reference)),
            "s": {
                "radius": 7,
                "color": "#ffffff",
                "weight": 2,
                "fill": True,
                "fillColor": "#111111",
                "fillOpacity": 1,
                "dashArray": None,
                "opacity": 1,
            },
            "name": f"{ref_name} (reference)",
            "f": {"role": "reference", "name": reference.name},
            "pop": f'<div class="geo-pop"><h4>{ref_name}</h4>Reference place for distances '
            "and rings.</div>",
            "tip": f"{ref_name} (reference)",
        }
    ]
    for km in sorted(radii_km):
        items.append(
            {
                "id": f"ring-{km:g}",
                "g": geometry_json(geodesy.ring(reference.lat, reference.lon, km)),
                "f": {"role": "ring", "km": km},
                "pop": f'<div class="geo-pop">{km:g} km from {ref_name} (geodesic)</div>',
                "tip": f"{km:g} km from {ref_name}",
            }
        )
        items.append(
            {
                "g": _label_point(reference.lat, reference.lon, km, 0.0),
                "lbl": f"{km:g} km",
                "f": {"role": "ring-label", "km": km},
            }
        )
    return items


def _target(claim: Claim) -> Place | None:
    return claim.subject if claim.subject is not None else claim.near


def _claim_line(claim: Claim) -> str:
    who = " · ".join(esc(x) for x in (claim.source, claim.doc) if x)
    return (
        f"<li><b>{who}</b>: {esc(claim.claimed_text)} <small>({claim.claimed_km:g} km)</small> "
        f"<q>{esc(claim.quote[:QUOTE_MAX])}</q></li>"
    )


#: Reports listed in the popup of a claim many reports make; the rest are counted.
CLAIM_SOURCES_SHOWN = 10


def check_popup(check: Check, same: Sequence[Check] = (), total: int = 1) -> str:
    """The popup of a distance check; ``same``: checks of the same claim in other reports
    (listed below it, up to :data:`CLAIM_SOURCES_SHOWN`); ``total``: how many make it."""
    claim = check.claim
    target = _target(claim)
    subject = esc(target.name if target else (claim.subject_text or "unnamed"))
    reference = esc(claim.reference.name if claim.reference else claim.reference_text)
    color = styles.VERDICT_COLOR.get(check.verdict, "#333")
    table = _rows_html(
        [
            ("Verdict", f'<b style="color:{color}">{esc(check.verdict)}</b>'),
            ("Claimed", f"{esc(claim.claimed_text)} ({claim.claimed_km:g} km)"),
            ("Geodesic", esc(_km(check.computed_km))),
            ("Difference", esc(_km(check.difference_km))),
            ("Note", esc(check.note)),
        ]
    )
    shown = [check, *same][:CLAIM_SOURCES_SHOWN]
    lines = "".join(_claim_line(c.claim) for c in shown)
    total = max(total, len(shown))
    heading = "Source" if total == 1 else f"Sources ({total} reports)"
    tail = f"<p>and {total - len(shown)} more</p>" if total > len(shown) else ""
    return (
        f'<div class="geo-pop"><h4>{subject} from {reference}</h4>{table}'
        f'<div class="geo-src"><b>{heading}</b><ol>{lines}</ol>{tail}</div></div>'
    )


def same_claims(checks: Iterable[Check]) -> list[tuple[Check, list[Check], int]]:
    """Distance checks grouped by what they draw (reference, place, claimed distance and
    verdict), in order of first appearance: a claim many reports repeat is drawn once.
    Each group: its first check, the next few (up to :data:`CLAIM_SOURCES_SHOWN` in all)
    and how many checks it holds."""
    groups: dict[tuple[object, ...], tuple[Check, list[Check], list[int]]] = {}
    for check in checks:
        if check.kind != "distance":
            continue
        claim = check.claim
        target = _target(claim)
        key = (
            claim.reference.id if claim.reference is not None else None,
            target.id if target is not None else claim.subject_text,
            claim.claimed_km,
            check.verdict,
        )
        group = groups.get(key)
        if group is None:
            groups[key] = (check, [], [1])
            continue
        group[2][0] += 1
        if len(group[1]) < CLAIM_SOURCES_SHOWN - 1:
            group[1].append(check)
    return [(first, same, count[0]) for first, same, count in groups.values()]


def check_items(checks: Sequence[Check]) -> tuple[list[dict[str, Any]], int]:
    """Per distance claim (the checks of one claim repeated by many reports drawn once): the
    claimed ring (verdict colour), the line to the real place, a marker there and a label.
    Returns the items and how many checks could not be drawn."""
    items: list[dict[str, Any]] = []
    undrawn = 0
    for index, (check, same, total) in enumerate(same_claims(checks)):
        claim, reference = check.claim, check.claim.reference
        if reference is None or claim.claimed_km <= 0:
            undrawn += total
            continue
        target = _target(claim)
        color = styles.VERDICT_COLOR.get(check.verdict, "#333")
        label = target.name if target is not None else (claim.subject_text or "unnamed")
        props = {
            "place": label,
            "claimed_km": claim.claimed_km,
            "verdict": check.verdict,
            "check": index,
        }
        popup = check_popup(check, same, total)
        tip = esc(
            f"{label}: claimed {claim.claimed_km:g} km from {reference.name} — {check.verdict}"
        )
        items.append(
            {
                "id": f"check-{index}-ring",
                "g": geometry_json(geodesy.ring(reference.lat, reference.lon, claim.claimed_km)),
                "s": {
                    "color": color,
                    "weight": 2.5,
                    "dashArray": "8 6",
                    "fill": False,
                    "opacity": 0.9,
                },
                "f": {**props, "role": "claimed-ring"},
                "pop": popup,
                "tip": tip,
            }
        )
        bearing = 45.0 + 30.0 * index
        if target is not None and target.id != reference.id:
            bearing = geodesy.bearing_deg(reference, target)
            items.append(
                {
                    "id": f"check-{index}-line",
                    "g": geometry_json(geodesy.path_line([reference, target])),
                    "s": {"color": color, "weight": 1.5, "dashArray": "2 4", "opacity": 0.9},
                    "f": {**props, "role": "actual-line"},
                    "pop": popup,
                    "tip": tip,
                }
            )
            items.append(
                {
                    "id": f"check-{index}-place",
                    "g": geometry_json(geodesy.place_point(target)),
                    "s": {
                        "radius": 7,
                        "color": color,
                        "weight": 3,
                        "fillColor": "#ffffff",
                        "fillOpacity": 0.9,
                    },
                    "f": {**props, "role": "actual-place"},
                    "pop": popup,
                    "tip": tip,
                }
            )
        items.append(
            {
                "g": _label_point(reference.lat, reference.lon, claim.claimed_km, bearing),
                "lbl": f'<span style="color:{color}">{esc(label)}: {claim.claimed_km:g} km '
                "claimed</span>",
                "cls": "geo-check-label",
                "f": {**props, "role": "claim-label"},
            }
        )
    return items, undrawn


def conflict_items(checks: Sequence[Check]) -> list[dict[str, Any]]:
    """A marker per cross-source conflict at the disputed place, both claims in its popup."""
    items = []
    for index, check in enumerate(c for c in checks if c.kind == "conflict"):
        claim, other = check.claim, check.other
        target = _target(claim)
        if target is None:
            continue
        reference = esc(claim.reference.name if claim.reference else claim.reference_text)
        body = "".join(_claim_line(c) for c in (claim, other) if c is not None)
        table = _rows_html([("Geodesic", esc(_km(check.computed_km))), ("Note", esc(check.note))])
        items.append(
            {
                "id": f"conflict-{index}",
                "g": geometry_json(geodesy.place_point(target)),
                "s": {
                    "radius": 13,
                    "color": styles.CONFLICT_COLOR,
                    "weight": 3,
                    "dashArray": "4 3",
                    "fill": True,
                    "fillOpacity": 0.1,
                    "fillColor": styles.CONFLICT_COLOR,
                },
                "f": {"role": "conflict", "place": target.name},
                "pop": f'<div class="geo-pop"><h4>Conflict: {esc(target.name)} from '
                f'{reference}</h4>{table}<div class="geo-src"><b>Sources disagree</b>'
                f"<ol>{body}</ol></div></div>",
                "tip": esc(f"Sources disagree about {target.name}"),
            }
        )
    return items


def estimate_items(estimates: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    """Estimated locations of unnamed things (``features.estimates_to_frame``): bands for
    rings and arcs, small areas for points; never pins."""
    n = 0 if estimates is None else len(estimates)
    cols = {c: _column(estimates, c, n) for c in ESTIMATE_COLUMNS}
    geoms = _geometries(estimates)
    items = []
    for i in range(n):
        geom = geoms[i]
        if geom is None or geom.is_empty:
            continue
        geom = _area(geom, cols["claimed_km"][i] or cols["distance_km"][i])
        kinds = ", ".join(sorted({str(k) for k in _list(cols["event_kinds"][i]) if k}))
        actors = ", ".join(sorted({str(a) for a in _list(cols["actors"][i]) if a}))
        what = cols["subject_text"][i] or "something unnamed"
        table = _rows_html(
            [
                ("What", esc(what) + (f" <small>({esc(kinds)})</small>" if kinds else "")),
                ("Actor", esc(actors)),
                ("Claimed", esc(cols["claimed_text"][i]) or esc(_km(cols["claimed_km"][i]))),
                ("From", esc(cols["reference"][i])),
                ("Direction", esc(cols["direction_text"][i])),
                ("Shape", esc(cols["shape"][i] or geom.geom_type.lower())),
            ]
        )
        source = ""
        if cols["quote"][i]:
            who = " · ".join(esc(x) for x in (cols["source"][i], cols["doc"][i]) if x)
            source = (
                f'<div class="geo-src"><b>Source</b><ol><li><b>{who}</b>: '
                f"<q>{esc(str(cols['quote'][i])[:QUOTE_MAX])}</q></li></ol></div>"
            )
        items.append(
            {
                "id": f"estimate-{i}",
                "g": geometry_json(geom),
                "f": {"id": f"estimate-{i}", "role": "estimate", "shape": cols["shape"][i]},
                "pop": f'<div class="geo-pop"><h4>Estimated location</h4>{table}{source}</div>',
                "tip": esc(f"Estimated: {what}"),
            }
        )
    return items
