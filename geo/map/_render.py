"""The folium map: where the forces are, who says so, and whether the distances hold.

Layers: one per event kind (sub-layers per actor where a kind has several), every place
mention, distance rings around the reference place, the distance checks (claimed ring
against the real place, coloured by verdict), conflicts between sources, and estimated
locations. Each layer is one compact JSON payload read by the page script, so 100k events
load in linear time.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import shapely
from folium.plugins import Fullscreen, MeasureControl

from geo import geodesy
from geo.errors import OutputError
from geo.features import PlaceTally, as_tallies, precise_points
from geo.map import _styles as styles
from geo.map._common import (
    _DAY_MS,
    CLUSTER_MIN_POINTS,
    DETAIL_MAX_LINES,
    LABEL_MAX_PLACES,
    _clean,
    esc,
    js,
)
from geo.map._elements import PayloadLayer, RawCall, RawLayer, TimeSlider
from geo.map._legend import legend_html
from geo.map._offline import assets_by_name, countries, default_icon_urls, make_offline, pin_assets
from geo.map._payloads import (
    KindPayload,
    _target,
    check_items,
    conflict_items,
    estimate_items,
    event_payloads,
    place_items,
    ring_items,
)
from geo.models import EVENT_KINDS, Check, Place
from geo.settings import DEFAULT_RING_RADII_KM

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.engine import Result

log = logging.getLogger(__name__)


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
    tiles: str | None = None,
    **map_options: Any,
) -> folium.Map:
    """Build the layered map from feature frames (the entry the bench calls directly);
    ``places`` is a places frame or its tallies (:mod:`geo.features._place_tally`).
    ``map_options`` go to :class:`folium.Map`; ``tiles`` adds that tile layer as the base."""
    tallies = as_tallies(places)
    assets = assets_by_name()
    options: dict[str, Any] = {
        "location": [reference.lat, reference.lon],
        "zoom_start": 7,
        "prefer_canvas": True,
        "control_scale": True,
    }
    options.update(map_options)
    m = folium.Map(tiles=None, **options)
    if tiles is not None:
        folium.TileLayer(tiles, name=str(tiles)).add_to(m)
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
    m.add_child(
        RawCall(
            f"GeoMap.setup({js(styles.page_config(esc(reference.name)))}, {js(actors)});",
            header=styles.page_head(offline),
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
    m.add_child(RawCall("GeoMap.markReady();"))
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


def build_map(result: Result, offline: bool = False, **kwargs: Any) -> folium.Map:
    """The map of one pipeline run (``geo map``); ``offline`` makes it self-contained;
    ``kwargs`` as :func:`render_frames` takes them (``tiles``, :class:`folium.Map` options)."""
    return render_frames(
        result.events_frame,
        result.place_tallies,
        result.estimates_frame,
        result.checks,
        result.reference,
        ring_radii_km=result.settings.ring_radii_km,
        offline=offline,
        **kwargs,
    )


def map_html(m: folium.Map) -> str:
    """The complete HTML page of a map (assets inlined when the map was built offline)."""
    return str(m.get_root().render())
