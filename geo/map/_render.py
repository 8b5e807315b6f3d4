"""The folium map: where the forces are, who says so, and whether the distances hold.

Layers: one per event kind (sub-layers per actor where a kind has several), every place
mention, distance rings around the reference place, the distance checks (claimed ring
against the real place, coloured by verdict), conflicts between sources, and estimated
locations. Each layer is one compact JSON payload read by the page script in
``styles.py`` (styles per layer, never per feature), so 100k events load in linear time.

Safety: every string that comes from a report is HTML-escaped here (``esc``), braces
included, before it reaches the page; payloads are written into the page verbatim
(never through a template engine) with ``<``/``>`` escaped so no text can end a script.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.map import Layer
from folium.plugins import Fullscreen, MeasureControl, TimelineSlider
from folium.template import Template
from folium.utilities import JsCode
from shapely.geometry.base import BaseGeometry

from geo import geodesy
from geo.errors import OutputError
from geo.features._features import ESTIMATE_COLUMNS, EVENT_COLUMNS
from geo.features._place_tally import PlaceTally, as_tallies, precise_points
from geo.map import _styles as styles
from geo.map._offline import assets_by_name, countries, default_icon_urls, make_offline, pin_assets
from geo.models import EVENT_KINDS, Check, Claim, Place
from geo.settings import DEFAULT_RING_RADII_KM

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.engine._pipeline import Result

log = logging.getLogger(__name__)

#: The event properties the page needs (ids and counts it derives itself).
_EVENT_FIELDS = tuple(c for c in EVENT_COLUMNS if c not in ("place_ids", "source_count"))

#: A kind layer with more points than this is clustered.
CLUSTER_MIN_POINTS = 2000
#: A kind layer with more lines than this draws them solid, with one arrowhead each
#: (status then shows as opacity only): dashes and extra arrowheads cost paint time.
DETAIL_MAX_LINES = 3000
#: Place mentions get permanent name labels while there are at most this many places.
LABEL_MAX_PLACES = 60
#: Quotes in popups are cut after this many characters.
QUOTE_MAX = 700
#: Sources listed in one popup before "and N more".
SOURCES_MAX = 8
_EPOCH = date(1970, 1, 1).toordinal()
_DIGITS = 6
_DAY_MS = 86_400_000


# -- escaping and small helpers --------------------------------------------------------------
def _clean(value: Any) -> Any:
    """None for None/NaN/NaT/NA, the value otherwise."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, float):
        return None if value != value else value
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


def esc(value: object) -> str:
    """HTML-escape anything for the page ('' for None/NaN). Braces become entities too, so
    report text can never be read as template syntax."""
    if type(value) is not str:
        value = _clean(value)
        if value is None:
            return ""
    text = html.escape(str(value), quote=True)
    if "{" in text or "}" in text:
        text = text.replace("{", "&#123;").replace("}", "&#125;")
    return text


def _memo_esc() -> Callable[[object], str]:
    """``esc`` with a cache, for the many values that repeat (kinds, docs, places)."""
    cache: dict[object, str] = {}

    def cached(value: object) -> str:
        if value is None:
            return ""
        try:
            return cache[value]
        except KeyError:
            text = cache[value] = esc(value)
            return text
        except TypeError:
            return esc(value)

    return cached


def _list(value: Any) -> list[Any]:
    value = _clean(value)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


def script_safe(text: str) -> str:
    """JSON text made safe inside <script>: nothing can close the element or open a
    comment, and no CSS-looking ``url(``/``@import`` survives from report text."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("(", "\\u0028")
        .replace("@", "\\u0040")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def js(obj: Any) -> str:
    """A JSON literal safe to place inside a <script> element."""
    return script_safe(json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")))


def _day(value: Any) -> int | None:
    """Days since 1970-01-01 of an ISO date (or date), None when undated."""
    value = _clean(value)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.toordinal() - _EPOCH
    try:
        return date.fromisoformat(str(value)[:10]).toordinal() - _EPOCH
    except ValueError:
        return None


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if number != number else f"{number:,.{digits}f}"


def _km(value: Any) -> str:
    text = _num(value)
    return f"{text} km" if text else ""


def _round_geoms(geoms: Sequence[BaseGeometry] | np.ndarray) -> np.ndarray:
    array = np.asarray(geoms, dtype=object)
    return np.asarray(shapely.transform(array, lambda xy: np.round(xy, _DIGITS)), dtype=object)


def geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry (lon/lat) with coordinates rounded to 6 decimals (~0.1 m)."""
    return dict(json.loads(shapely.to_geojson(_round_geoms([geom])[0])))


def _column(frame: gpd.GeoDataFrame | None, name: str, n: int) -> list[Any]:
    """A column as a list with every missing value (NaN, NaT, NA) as None."""
    if frame is None or name not in frame.columns:
        return [None] * n
    series = frame[name]
    values = series.tolist()
    nulls = series.isna().tolist()
    if not any(nulls):
        return values
    return [None if null else v for v, null in zip(values, nulls, strict=True)]


def _geometries(frame: gpd.GeoDataFrame | None) -> np.ndarray:
    if frame is None or len(frame) == 0:
        return np.empty(0, dtype=object)
    return np.asarray(frame.geometry.to_numpy(), dtype=object)


def _area(geom: BaseGeometry, km: Any) -> BaseGeometry:
    """An estimated point is shown as an area: a circle scaled to its distance."""
    if geom.geom_type != "Point":
        return geom
    value = _clean(km)
    radius = max(5.0, 0.2 * float(value)) if value is not None else 10.0
    return geodesy.ring(geom.y, geom.x, radius, segments=48)


def _rows_html(rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows if v)
    return f"<table>{cells}</table>"


# -- raw page elements (no template engine between the data and the page) ---------------------
class RawScript(Element):
    """A piece of page script inserted verbatim."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _figure(element: Element) -> Figure:
    root = element.get_root()
    if not isinstance(root, Figure):
        raise OutputError(f"{element.get_name()}: render the map, not a part of it")
    return root


class RawLayer(Layer):
    """A layer whose script is a fixed string: ``var NAME = <expression>;``."""

    def __init__(
        self,
        expression: str,
        name: str,
        *,
        overlay: bool = True,
        show: bool = True,
        control: bool = True,
        js_links: Sequence[str] = (),
        css_links: Sequence[str] = (),
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "GeoLayer"
        self.expression = expression
        assets = assets_by_name()
        self.default_js = [(n, assets[n]["url"]) for n in js_links]
        self.default_css = [(n, assets[n]["url"]) for n in css_links]

    def render(self, **kwargs: Any) -> str:
        figure = _figure(self)
        for asset, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=asset)
        for asset, url in self.default_css:
            figure.header.add_child(CssLink(url), name=asset)
        name = self.get_name()
        figure.script.add_child(RawScript(f"var {name} = {self.expression};\n"), name=name)
        if self.show:
            parent = self._parent.get_name() if self._parent is not None else ""
            figure.script.add_child(RawScript(f"{name}.addTo({parent});\n"), name=name + "_add")
        return ""


class PayloadLayer(RawLayer):
    """A layer the page script builds from one JSON payload: ``GeoMap.<factory>(payload)``.

    The payload travels in a ``<script type="application/json">`` element (read with
    ``JSON.parse``, several times faster than a script literal of the same size)."""

    def __init__(self, factory: str, payload: str, name: str, count: int, **kwargs: Any) -> None:
        super().__init__("", name, **kwargs)
        self.expression = f"GeoMap.{factory}(GeoMap.data('{self.get_name()}_data'))"
        self.count = count
        self.payload = payload

    def render(self, **kwargs: Any) -> str:
        figure = _figure(self)
        element_id = f"{self.get_name()}_data"
        figure.html.add_child(
            RawScript(
                f'<script type="application/json" id="{element_id}">{self.payload}</script>\n'
            ),
            name=element_id,
        )
        return super().render(**kwargs)


class RawCall(Element):
    """Page-script statements (setup, legend, ready flag) placed verbatim."""

    def __init__(self, code: str, header: str = "") -> None:
        super().__init__()
        self._name = "GeoScript"
        self.code = code
        self.header = header

    def render(self, **kwargs: Any) -> str:
        figure = _figure(self)
        if self.header:
            figure.header.add_child(RawScript(self.header), name=self.get_name() + "_head")
        figure.script.add_child(RawScript(self.code + "\n"), name=self.get_name())
        return ""


class TimeSlider(TimelineSlider):
    """folium's TimelineSlider over the kind layers: shows events dated up to the chosen
    day (undated ones always), opens on the latest day, and needs no moment.js."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          var {{ this.get_name() }} = L.timelineSliderControl({{ this.options|tojavascript }});
          {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
          {% for timeline in this.timelines %}
          {{ this.get_name() }}.addTimelines({{ timeline.get_name() }});
          {% endfor %}
          GeoMap.showLatest({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, start_ms: int, end_ms: int) -> None:
        super().__init__(
            auto_play=False,
            start=start_ms,
            end=end_ms,
            enable_keyboard_controls=True,
            show_ticks=True,
            steps=max(1, (end_ms - start_ms) // _DAY_MS),
            playback_duration=6000,
        )
        self.default_js = [("timeline", assets_by_name()["timeline"]["url"])]
        options: dict[str, Any] = self.options
        options["format_output"] = JsCode("GeoMap.formatTime")


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
        who = " · ".join(e(x) for x in (src.get("source"), src.get("doc")) if _present(x))
        out.append(
            [
                who,
                _span(src.get("char_start")),
                _span(src.get("char_end")),
                _quote(src.get("quote")),
            ]
        )
    return out, len(listed)


#: Event columns sent as indices into one list of distinct strings per layer.
CODED = frozenset({"st", "dp", "r", "w", "dir", "pl"})


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
) -> dict[str, KindPayload]:
    """Per kind, columns the page script turns into features: geometry (estimated points
    widened into areas), actor index, day, status, precision and the evidence (places,
    date, distances, confidence, rule, quote and sources), every text HTML-escaped. The
    page assembles popups and tooltips from them on demand."""
    n = 0 if events is None else len(events)
    if n == 0:
        return {}
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
            " · ".join(e(x) for x in (s, d) if _present(x))
            for s, d in zip(col["source"], col["doc"], strict=True)
        ],
        "s0": [_span(v) for v in col["char_start"]],
        "s1": [_span(v) for v in col["char_end"]],
        "q": [_quote(v) for v in col["quote"]],
        "s": [x[0] for x in extras],
        "sn": [x[1] for x in extras],
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
    return out


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
                ("Mentions", f"{tally.mentions} in {len(tally.docs)} document(s)"),
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


def check_popup(check: Check) -> str:
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
    return (
        f'<div class="geo-pop"><h4>{subject} from {reference}</h4>{table}'
        f'<div class="geo-src"><b>Source</b><ol>{_claim_line(claim)}</ol></div></div>'
    )


def check_items(checks: Sequence[Check]) -> tuple[list[dict[str, Any]], int]:
    """Per distance check: the claimed ring (verdict colour), the line to the real place, a
    marker there and a label. Returns the items and how many checks could not be drawn."""
    items: list[dict[str, Any]] = []
    undrawn = 0
    for index, check in enumerate(c for c in checks if c.kind == "distance"):
        claim, reference = check.claim, check.claim.reference
        if reference is None or claim.claimed_km <= 0:
            undrawn += 1
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
        popup = check_popup(check)
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


# -- legend ----------------------------------------------------------------------------------
def legend_html(
    actors: list[dict[str, str]],
    kinds: dict[str, int],
    undated: int,
    reference_name: str,
    time_control: bool,
) -> str:
    rows = [
        f'<div class="row"><span class="geo-sw" style="background:{a["color"]};'
        f'border-color:{a["color"]}"></span>{a["name"]}</div>'
        for a in actors
    ]
    rows.append(
        f'<div class="row"><span class="geo-sw" style="background:{styles.NO_ACTOR_COLOR}"></span>'
        "actor unknown</div>"
    )
    kind_rows = []
    for kind, n in kinds.items():
        style = styles.KIND_STYLE.get(kind, {"label": kind, "ring": "#333"})
        if kind in ("movement", "withdrawal"):
            symbol = '<span class="geo-ln"></span>'
        else:
            symbol = (
                f'<span class="geo-sw" style="background:#bbb;border-color:{style["ring"]}"></span>'
            )
        kind_rows.append(f'<div class="row">{symbol}{esc(style["label"])} ({n})</div>')
    verdicts = "".join(
        f'<div class="row"><span class="geo-ln" style="border-top:3px dashed {c}"></span>'
        f"{esc(v)}</div>"
        for v, c in styles.VERDICT_COLOR.items()
    )
    time_note = (
        "Time slider: events dated up to the chosen day."
        if time_control
        else "No dated events, so no time slider."
    )
    return (
        "<details open><summary>Legend</summary>"
        f"<h5>Actors (fill / line colour)</h5>{''.join(rows)}"
        f"<h5>Kinds (outline; lines carry arrowheads)</h5>{''.join(kind_rows)}"
        "<h5>Status</h5><div>solid = reported; dashed and fainter = claimed, planned, "
        "hypothetical, denied</div>"
        "<h5>Precision</h5><div>small dot = named town; larger, paler = near a place; "
        "large faint disc = region; wide translucent band = estimated from a distance claim</div>"
        f"<h5>Distance checks (dashed ring = claimed distance from {esc(reference_name)} or "
        f"another reference; dot = the real place)</h5>{verdicts}"
        f'<div class="row"><span class="geo-sw" style="border:3px dashed {styles.CONFLICT_COLOR}">'
        "</span>sources disagree</div>"
        f"<h5>Time</h5><div>{time_note} Undated events: {undated} (always shown).</div>"
        "</details>"
    )


# -- the map ---------------------------------------------------------------------------------
def _precise(frame: gpd.GeoDataFrame | None) -> gpd.GeoSeries | None:
    """Geometries of a frame that locate something finer than a country or region."""
    if frame is None or len(frame) == 0:
        return None
    keep = frame.geometry.notna() & ~frame.geometry.is_empty
    if "geo_precision" in frame.columns:
        keep &= pd.to_numeric(frame["geo_precision"], errors="coerce").fillna(1) < 3
    geoms = frame.geometry[keep]
    return geoms if len(geoms) else None


def view_bounds(
    events: gpd.GeoDataFrame | None,
    places: Sequence[PlaceTally],
    targets: Iterable[Place],
    reference: Place,
    radii_km: Sequence[float],
) -> list[list[float]]:
    """The opening view: where the events are (or, without events, the places named),
    the places distance claims are about, and the reference with its smallest ring.
    Countries and regions do not widen it: a mention of a far capital would shrink the
    theatre to a dot."""
    boxes = []
    geoms = _precise(events)
    if geoms is not None:
        boxes.append(np.asarray(geoms.total_bounds))
    elif points := precise_points(places):
        boxes.append(shapely.total_bounds(points))
    boxes.extend(np.array([p.lon, p.lat, p.lon, p.lat]) for p in targets if not p.is_area)
    ring = geodesy.ring(reference.lat, reference.lon, min(radii_km) if radii_km else 25.0, 32)
    boxes.append(np.asarray(ring.bounds))
    stacked = np.vstack(boxes)
    return [
        [float(stacked[:, 1].min()), float(stacked[:, 0].min())],
        [float(stacked[:, 3].max()), float(stacked[:, 2].max())],
    ]


def _actors(events: gpd.GeoDataFrame | None) -> tuple[list[dict[str, str]], dict[str, int]]:
    names: list[str] = []
    if events is not None and len(events) and "actor" in events.columns:
        names = [str(a) for a in (_clean(x) for x in events["actor"].tolist()) if a]
    colors = styles.actor_colors(names)
    ordered = list(colors)
    return (
        [{"name": esc(a), "color": colors[a]} for a in ordered],
        {a: i for i, a in enumerate(ordered)},
    )


def _static(factory: str, payload: dict[str, Any], name: str, **kwargs: Any) -> PayloadLayer:
    return PayloadLayer(factory, js(payload), name, len(payload.get("items", ())), **kwargs)


def _kind_layers(
    m: folium.Map,
    by_kind: dict[str, KindPayload],
    actors: list[dict[str, str]],
    cluster_min_points: int,
) -> tuple[list[tuple[PayloadLayer, list[int]]], dict[str, int], int]:
    """One layer per kind (all seven, so an empty kind says so), actor toggles under it."""
    layers: list[tuple[PayloadLayer, list[int]]] = []
    counts: dict[str, int] = {}
    undated = 0
    empty = KindPayload(columns={}, geometries=[], days=[], points=0)
    for kind in list(EVENT_KINDS) + sorted(k for k in by_kind if k not in EVENT_KINDS):
        data = by_kind.get(kind, empty)
        label = styles.KIND_STYLE.get(kind, {}).get("label", kind.capitalize())
        cluster = data.points > cluster_min_points
        detail = len(data) - data.points <= DETAIL_MAX_LINES
        payload = data.json(
            {
                "kind": kind,
                "arrows": kind in ("movement", "withdrawal"),
                "cluster": cluster,
                "detail": detail,
            }
        )
        layer = PayloadLayer(
            "eventLayer",
            payload,
            f"{esc(label)} ({len(data)})",
            len(data),
            js_links=("markerclusterjs",) if cluster else (),
            css_links=("markerclustercss", "markerclusterdefaultcss") if cluster else (),
        )
        m.add_child(layer)
        days = [d for d in data.days if d is not None]
        undated += len(data) - len(days)
        counts[kind] = len(data)
        layers.append((layer, days))
        per_actor = Counter(a for a in data.columns.get("a", []) if a >= 0)
        if len(per_actor) >= 2:
            for index in sorted(per_actor, key=lambda i: (-per_actor[i], i)):
                name = (
                    f'<span class="geo-sub" data-kind="{esc(kind)}">↳ {actors[index]["name"]} '
                    f"({per_actor[index]})</span>"
                )
                m.add_child(RawLayer(f"GeoMap.actorToggle({layer.get_name()}, {index})", name))
    return layers, counts, undated


def render_frames(
    events: gpd.GeoDataFrame | None,
    places: gpd.GeoDataFrame | Sequence[PlaceTally] | None,
    estimates: gpd.GeoDataFrame | None,
    checks: Sequence[Check],
    reference: Place,
    ring_radii_km: Sequence[float] = DEFAULT_RING_RADII_KM,
    offline: bool = False,
    cluster_min_points: int = CLUSTER_MIN_POINTS,
) -> folium.Map:
    """Build the layered map from feature frames (the entry the bench calls directly);
    ``places`` is a places frame or its tallies (:mod:`geo.features._place_tally`)."""
    tallies = as_tallies(places)
    assets = assets_by_name()
    m = folium.Map(
        location=[reference.lat, reference.lon],
        zoom_start=7,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    m.options.update({"max_zoom": 16, "min_zoom": 2})
    m.default_js = [("leaflet", assets["leaflet"]["url"])]
    m.default_css = [("leaflet_css", assets["leaflet_css"]["url"])]
    targets = [t for c in checks if (t := _target(c.claim)) is not None]
    # keep the opening view clear of the layer list and legend (right) and the slider (bottom)
    m.fit_bounds(
        view_bounds(events, tallies, targets, reference, ring_radii_km),
        padding_top_left=(60, 20),
        padding_bottom_right=(300, 70),
        max_zoom=11,
    )
    actors, actor_index = _actors(events)
    css = styles.PAGE_CSS + (styles.OFFLINE_CSS if offline else "")
    m.add_child(
        RawCall(
            f"GeoMap.setup({js(styles.page_config(esc(reference.name)))}, {js(actors)});",
            header=f"<style>{css}</style>\n<script>{styles.PAGE_JS}</script>\n",
        )
    )
    if offline:
        m.add_child(RawCall(f"GeoMap.defaultIcons({js(default_icon_urls())});"))
        outline = {"color": "#8c8c8c", "weight": 0.8, "fillColor": "#f4f1ea", "fillOpacity": 1}
        m.add_child(
            RawLayer(
                f"GeoMap.outlineLayer({js(countries())}, {js(outline)})",
                "Country outlines (offline)",
                overlay=False,
            )
        )
    else:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", max_zoom=19).add_to(m)

    by_kind = event_payloads(events, actor_index)
    kind_layers, kind_counts, undated = _kind_layers(m, by_kind, actors, cluster_min_points)

    place_list, mentions = place_items(tallies)
    cluster_places = len(place_list) > cluster_min_points
    m.add_child(
        _static(
            "staticLayer",
            {
                "items": place_list,
                "cluster": cluster_places,
                "permanentLabels": len(place_list) <= LABEL_MAX_PLACES,
                "style": {
                    "radius": 4,
                    "color": "#ffffff",
                    "weight": 1.5,
                    "fillColor": styles.PLACE_COLOR,
                    "fillOpacity": 0.9,
                },
            },
            f"Place mentions ({mentions} in {len(place_list)} places)",
            js_links=("markerclusterjs",) if cluster_places else (),
            css_links=("markerclustercss", "markerclusterdefaultcss") if cluster_places else (),
        )
    )
    m.add_child(
        _static(
            "staticLayer",
            {
                "items": ring_items(reference, ring_radii_km),
                "permanentLabels": True,
                "style": {
                    "color": styles.RING_COLOR,
                    "weight": 1.2,
                    "dashArray": "4 6",
                    "fill": False,
                    "opacity": 0.8,
                },
            },
            f"Distance rings around {esc(reference.name)}",
        )
    )
    checked, undrawn = check_items(checks)
    n_checks = sum(1 for c in checks if c.kind == "distance")
    m.add_child(_static("staticLayer", {"items": checked}, f"Distance checks ({n_checks})"))
    conflicts = conflict_items(checks)
    m.add_child(
        _static(
            "staticLayer", {"items": conflicts}, f"Conflicts between sources ({len(conflicts)})"
        )
    )
    estimated = estimate_items(estimates)
    m.add_child(
        _static(
            "staticLayer",
            {
                "items": estimated,
                "style": {
                    "color": styles.ESTIMATE_COLOR,
                    "weight": 8,
                    "opacity": 0.35,
                    "lineCap": "butt",
                    "fill": False,
                },
            },
            f"Estimated locations ({len(estimated)})",
        )
    )

    dated = [layer for layer, days in kind_layers if days]
    if dated:
        all_days = [d for _, days in kind_layers for d in days]
        slider = TimeSlider(min(all_days) * _DAY_MS, max(all_days) * _DAY_MS)
        slider.add_timelines(*dated)
        m.add_child(slider)
    Fullscreen(position="topleft").add_to(m)
    measure = MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="miles",
        primary_area_unit="sqkilometers",
    )
    measure.add_to(m)
    m.add_child(RawCall(f"GeoMap.fixMeasure({measure.get_name()});"))
    folium.LayerControl(collapsed=False).add_to(m)
    legend = legend_html(actors, kind_counts, undated, reference.name, bool(dated))
    m.add_child(RawCall(f"GeoMap.legend({m.get_name()}, {js(legend)});"))
    m.add_child(RawCall(f"GeoMap.markReady({m.get_name()});"))
    unknown = pin_assets(m.get_root())
    if offline:
        if unknown:
            raise OutputError(
                f"no pinned offline copy of {', '.join(sorted(set(unknown)))}; add it to "
                "geo/data/vendor"
            )
        make_offline(m)
    log.info(
        "map: %d event features in %d kind layers, %d places, %d checks (%d not drawable), "
        "%d conflicts",
        sum(kind_counts.values()),
        len(kind_counts),
        len(place_list),
        n_checks,
        undrawn,
        len(conflicts),
    )
    return m


def build_map(result: Result, offline: bool = False) -> folium.Map:
    """The map of one pipeline run (``geo map``); ``offline`` makes it self-contained."""
    return render_frames(
        result.events_frame,
        result.place_tallies,
        result.estimates_frame,
        result.checks,
        result.reference,
        ring_radii_km=result.settings.ring_radii_km,
        offline=offline,
    )


def map_html(m: folium.Map) -> str:
    """The complete HTML page of a map (assets inlined when the map was built offline)."""
    return str(m.get_root().render())
