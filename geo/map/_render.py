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
    crowded,
    esc,
    js,
    opening_zoom,
)
from geo.map._elements import PayloadLayer, RawCall, RawLayer
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


def _point_coords(events: gpd.GeoDataFrame | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per kind, the longitudes and latitudes of its point features."""
    if events is None or len(events) == 0 or "kind" not in events.columns:
        return {}
    geoms = events.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    is_point &= ~shapely.is_empty(geoms)
    kinds = events["kind"].astype(str).to_numpy()
    out = {}
    for kind in set(kinds[is_point].tolist()):
        pts = geoms[is_point & (kinds == kind)]
        out[kind] = (shapely.get_x(pts), shapely.get_y(pts))
    return out


def _kind_layers(
    m: folium.Map,
    by_kind: dict[str, KindPayload],
    actors: list[dict[str, str]],
    crowd: dict[str, bool],
) -> tuple[list[tuple[PayloadLayer, list[int]]], dict[str, int], int]:
    """One layer per kind that has events (clustered where its points crowd), actor toggles
    under it."""
    layers: list[tuple[PayloadLayer, list[int]]] = []
    counts: dict[str, int] = {}
    undated = 0
    for kind in [k for k in EVENT_KINDS if k in by_kind] + sorted(
        k for k in by_kind if k not in EVENT_KINDS
    ):
        data = by_kind[kind]
        if not len(data):
            continue
        label = styles.KIND_STYLE.get(kind, {}).get("label", kind.capitalize())
        cluster = crowd.get(kind, False)
        detail = len(data) - data.points <= DETAIL_MAX_LINES
        payload = data.json(
            {
                "kind": esc(kind),
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


def _add_static(m: folium.Map, layer: PayloadLayer) -> None:
    """Add a static layer unless it is empty (an empty layer is not listed)."""
    if layer.count:
        m.add_child(layer)


def rings_in_range(
    events: gpd.GeoDataFrame | None,
    places: Sequence[PlaceTally],
    reference: Place,
    radii_km: Sequence[float],
) -> list[float]:
    """The reference rings worth drawing: none when no event (or, without events, no
    place) comes within the largest ring; else the rings up to the first one that holds
    every vertex of them that is within the largest ring."""
    geoms = _precise(events)
    if geoms is not None:
        coords = shapely.get_coordinates(geoms.to_numpy())  # every vertex, vectorised
    else:
        coords = shapely.get_coordinates(np.asarray(precise_points(places), dtype=object))
    radii = sorted(radii_km)
    if not len(coords) or not radii:
        return []
    distances = geodesy.distances_from(coords[:, 1], coords[:, 0], reference.lat, reference.lon)
    near = distances[distances <= radii[-1]]
    if not len(near):
        return []
    farthest = float(near.max())
    return [r for i, r in enumerate(radii) if i == 0 or radii[i - 1] < farthest]


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
    radii = rings_in_range(events, tallies, reference, ring_radii_km)
    # keep the opening view clear of the controls (corners) and the time window (bottom)
    bounds = view_bounds(events, tallies, targets, reference, radii or ring_radii_km)
    m.fit_bounds(bounds, padding_top_left=(50, 20), padding_bottom_right=(50, 110), max_zoom=11)
    zoom = opening_zoom(bounds)
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

    by_kind, regions = event_payloads(events, actor_index)
    crowd = {
        kind: crowded(lon, lat, zoom, cluster_min_points)
        for kind, (lon, lat) in _point_coords(events).items()
    }
    kind_layers, kind_counts, undated = _kind_layers(m, by_kind, actors, crowd)
    if len(regions):
        m.add_child(RawCall(f"GeoMap.regionEvents({regions.json({'kind': 'region'})});"))

    place_list, mentions = place_items(tallies)
    cluster_places = crowded(
        [i["g"]["coordinates"][0] for i in place_list if i["g"]["type"] == "Point"],
        [i["g"]["coordinates"][1] for i in place_list if i["g"]["type"] == "Point"],
        zoom,
        cluster_min_points,
    )
    _add_static(
        m,
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
        ),
    )
    _add_static(
        m,
        _static(
            "staticLayer",
            {
                "items": ring_items(reference, radii) if radii else [],
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
        ),
    )
    checked, undrawn = check_items(checks)
    n_checks = sum(1 for c in checks if c.kind == "distance")
    _add_static(m, _static("staticLayer", {"items": checked}, f"Distance checks ({n_checks})"))
    conflicts = conflict_items(checks)
    _add_static(
        m,
        _static(
            "staticLayer", {"items": conflicts}, f"Conflicts between sources ({len(conflicts)})"
        ),
    )
    estimated = estimate_items(estimates)
    _add_static(
        m,
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
        ),
    )

    all_days = [d for _, days in kind_layers for d in days]
    all_days += [d for d in regions.days if d is not None]
    dated = bool(all_days)
    if dated:
        window = {"start": min(all_days) * _DAY_MS, "end": max(all_days) * _DAY_MS}
        m.add_child(RawCall(f"GeoMap.timeWindow({m.get_name()}, {js(window)});"))
    Fullscreen(position="topleft").add_to(m)
    measure = MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="miles",
        primary_area_unit="sqkilometers",
    )
    measure.add_to(m)
    m.add_child(RawCall(f"GeoMap.fixMeasure({measure.get_name()});"))
    folium.LayerControl(collapsed=True).add_to(m)
    legend = legend_html(actors, kind_counts, undated, reference.name, dated)
    m.add_child(RawCall(f"GeoMap.legend({m.get_name()}, {js(legend)});"))
    m.add_child(RawCall(f"GeoMap.eventList({m.get_name()});"))
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
