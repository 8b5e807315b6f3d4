"""The folium map built from feature frames: layers, payloads, escaping, offline assets."""

from __future__ import annotations

import json
import re
from typing import Any

import geopandas as gpd
import pytest
import synthetic
from shapely.geometry import Point

from geo import geodesy
from geo.errors import OutputError
from geo.map._common import crowded, esc, opening_zoom
from geo.map._offline import inline_assets, remote_references
from geo.map._render import map_html, render_frames, rings_in_range
from geo.map._styles import ACTOR_COLORS_ENV, KIND_STYLE, actor_colors
from geo.models import EVENT_KINDS

DATA = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)
HOSTILE = (
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> {{ 7*7 }} {% x %}'
)


def payloads(page: str) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in DATA.findall(page)]


def event_payloads(page: str) -> dict[str, dict[str, Any]]:
    return {p["kind"]: p for p in payloads(page) if "kind" in p}


def layer_names(page: str) -> list[str]:
    match = re.search(r"overlays :\s*\{(.*?)\},\s*\};", page, re.S)
    assert match, "no layer control in the page"
    return [
        json.loads(f'"{k}"') for k in re.findall(r'^\s*"((?:[^"\\]|\\.)*)" :', match.group(1), re.M)
    ]


def legend(page: str) -> str:
    match = re.search(r'GeoMap\.legend\([^,]+, ("(?:[^"\\]|\\.)*")\);', page)
    assert match, "no legend in the page"
    return str(json.loads(match.group(1)))


@pytest.fixture(scope="module")
def frames() -> dict[str, Any]:
    pool = synthetic.place_pool(120)
    events = synthetic.events_frame(350, pool=pool)
    return {
        "events": events,
        "places": synthetic.places_frame(events, pool=pool),
        "estimates": synthetic.estimates_frame(),
        "checks": synthetic.checks(pool),
    }


@pytest.fixture(scope="module")
def offline_page(frames: dict[str, Any]) -> str:
    m = render_frames(
        frames["events"],
        frames["places"],
        frames["estimates"],
        frames["checks"],
        synthetic.REFERENCE,
        offline=True,
    )
    return map_html(m)


def test_one_layer_per_kind_with_its_count(frames: dict[str, Any], offline_page: str) -> None:
    counts = frames["events"]["kind"].value_counts().to_dict()
    names = layer_names(offline_page)
    for kind in EVENT_KINDS:
        assert f"{KIND_STYLE[kind]['label']} ({counts.get(kind, 0)})" in names
    data = event_payloads(offline_page)
    assert {k: p["n"] for k, p in data.items() if p["n"]} == counts
    ids = {k: set(p["cols"]["id"]) for k, p in data.items()}
    for kind, group in frames["events"].groupby("kind"):
        assert ids[kind] == set(group["id"])


def test_other_layers_and_actor_sub_layers(frames: dict[str, Any], offline_page: str) -> None:
    names = " | ".join(layer_names(offline_page))
    mentions = len(frames["places"])
    distinct = frames["places"]["place_id"].nunique()
    assert f"Place mentions ({mentions} in {distinct} places)" in names
    assert "Distance rings around Refton" in names
    assert "Distance checks (3)" in names
    assert "Conflicts between sources (1)" in names
    assert "Estimated locations (3)" in names
    movements = frames["events"][frames["events"]["kind"] == "movement"]
    for actor, n in movements["actor"].value_counts().items():
        assert f'data-kind="movement">↳ {actor} ({n})' in names


def test_actor_colours_are_fixed_per_actor_whatever_the_map() -> None:
    one = actor_colors(["Bravo", "Alpha", "Bravo", None, "Charlie", "Alpha", "Bravo"])
    other = actor_colors(["Alpha"] * 9 + ["Delta", "Bravo"])
    assert one["Alpha"] == other["Alpha"] and one["Bravo"] == other["Bravo"]
    assert len(set(one.values())) == 3  # distinct within a map
    # the shipped table fixes the colours of the actors it names
    assert actor_colors(["Russia"])["Russia"] == actor_colors(["Georgia", "Russia"] * 5)["Russia"]
    assert actor_colors(["Russia"])["Russia"] == "#d62728"


def test_actor_colour_table_is_configurable(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "colours.csv"
    table.write_text("actor,color\nAlpha,#123456\n", encoding="utf-8")
    monkeypatch.setenv(ACTOR_COLORS_ENV, str(table))
    assert actor_colors(["Alpha", "Bravo"])["Alpha"] == "#123456"
    bad = tmp_path / "bad.csv"
    bad.write_text("actor,color\nAlpha,red\n", encoding="utf-8")
    monkeypatch.setenv(ACTOR_COLORS_ENV, str(bad))
    with pytest.raises(OutputError, match=r"bad.csv:2: write 'actor,#rrggbb'"):
        actor_colors(["Alpha"])


def test_event_columns_carry_the_evidence(frames: dict[str, Any], offline_page: str) -> None:
    movement = event_payloads(offline_page)["movement"]
    cols, words = movement["cols"], movement["dict"]
    row = frames["events"].set_index("id").loc[cols["id"][0]]
    assert words[cols["pl"][0]] == " → ".join(row["places"])
    assert cols["q"][0] == esc(row["quote"])
    assert cols["km"][0] == round(row["distance_km"], 1)
    assert words[cols["st"][0]] == row["status"]
    assert cols["g"][0]["type"] in ("LineString", "Point")


def test_undated_events_are_kept_and_counted(frames: dict[str, Any], offline_page: str) -> None:
    undated = int(frames["events"]["date"].isna().sum())
    assert undated > 0
    days = [t for p in event_payloads(offline_page).values() for t in p["cols"].get("t", [])]
    assert sum(t is None for t in days) == undated
    assert f"Undated events: {undated} (shown unless switched off)" in legend(offline_page)
    assert "GeoMap.timeWindow(" in offline_page


def test_no_time_slider_without_dates(frames: dict[str, Any]) -> None:
    events = frames["events"].copy()
    events["date"] = None
    page = map_html(render_frames(events, None, None, [], synthetic.REFERENCE, offline=True))
    assert "GeoMap.timeWindow(" not in page
    assert "No dated events, so no time window." in legend(page)


def test_estimated_points_are_areas_not_pins(frames: dict[str, Any]) -> None:
    events = frames["events"].iloc[:3].copy()
    near = geodesy.destination(synthetic.REFERENCE.lat, synthetic.REFERENCE.lon, 90.0, 40.0)
    events["kind"] = "checkpoint"
    events["estimated"] = [True, False, False]
    events["distance_km"] = [40.0, 10.0, 10.0]
    events = events.set_geometry([Point(near[1], near[0]), *events.geometry[1:]])
    page = map_html(render_frames(events, None, None, [], synthetic.REFERENCE, offline=True))
    cols = event_payloads(page)["checkpoint"]["cols"]
    shapes = dict(zip(cols["e"], (g["type"] for g in cols["g"]), strict=False))
    assert shapes[1] == "Polygon"


def test_report_text_is_escaped_everywhere(frames: dict[str, Any]) -> None:
    events = frames["events"].iloc[:20].copy()
    events["quote"] = HOSTILE
    events["actor"] = "Unit {{ 6*7 }} <b>bold</b>"
    events["places"] = [[HOSTILE, "Elsewhere"]] * len(events)
    events["sources"] = [[{"doc": "d<1>", "source": HOSTILE, "quote": HOSTILE}]] * len(events)
    places = frames["places"].iloc[:5].copy()
    places["text"] = HOSTILE
    page = map_html(render_frames(events, places, None, [], synthetic.REFERENCE, offline=True))
    assert "window.__pwned" in page  # the text is there, as data ...
    assert "<script>window" not in page and "<img src=x" not in page  # ... never as markup
    assert "Unit 42" not in page and "&#123;&#123; 6*7 &#125;&#125;" in page
    for payload in payloads(page):
        text = json.dumps(payload)
        assert "<script" not in text and "<img" not in text
    key = legend(page)
    assert (
        "<b>bold</b>" not in key
        and "Unit &#123;&#123; 6*7 &#125;&#125; &lt;b&gt;bold&lt;/b&gt;" in key
    )


def test_offline_page_is_self_contained(offline_page: str) -> None:
    assert remote_references(offline_page) == []
    assert not re.search(r'<(script|img)[^>]+src="https?:', offline_page)
    assert not re.search(r'<link[^>]+href="https?:', offline_page)
    assert "leaflet-1.9.4/leaflet.js" in offline_page  # inlined, with its origin noted
    assert "Country outlines (offline)" in offline_page
    assert "tile.openstreetmap" not in offline_page
    assert "data:image/png;base64," in offline_page  # stylesheet images inlined


def test_online_page_links_pinned_assets_and_tiles(frames: dict[str, Any]) -> None:
    page = map_html(render_frames(frames["events"].iloc[:30], None, None, [], synthetic.REFERENCE))
    links = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)
    assert links and all(u.startswith("https://cdn.jsdelivr.net/npm/") for u in links)
    assert any("leaflet@1.9.4" in u for u in links)
    assert "tile.openstreetmap.org" in page


def test_styles_are_per_layer_not_per_feature(offline_page: str) -> None:
    for payload in event_payloads(offline_page).values():
        assert set(payload["cols"]) <= {
            "g",
            "id",
            "a",
            "t",
            "st",
            "p",
            "e",
            "pl",
            "dp",
            "km",
            "ck",
            "cf",
            "r",
            "dir",
            "w",
            "s0",
            "s1",
            "q",
            "s",
            "sn",
            "cr",  # the reviewer's corrections, text like the quote
            "src",
        }


def test_crowding_is_screen_density_not_a_count() -> None:
    # 40 points on one town crowd at any zoom; 40 points a degree apart do not at zoom 7
    assert crowded([44.0] * 40, [42.0] * 40, 7)
    grid_lon = [40.0 + (i % 8) for i in range(40)]
    grid_lat = [40.0 + (i // 8) for i in range(40)]
    assert not crowded(grid_lon, grid_lat, 7)
    assert crowded(grid_lon, grid_lat, 2)  # ... but do at a world view
    assert opening_zoom([[40.0, 40.0], [45.0, 48.0]]) in (6, 7)
    assert opening_zoom([[-60.0, -170.0], [70.0, 170.0]]) == 2


def test_crowded_point_layers_are_clustered(frames: dict[str, Any]) -> None:
    page = map_html(
        render_frames(frames["events"], None, None, [], synthetic.REFERENCE, offline=True)
    )
    data = event_payloads(page)
    assert data["occupation"]["cluster"] is True  # 350 events on 120 places: they overlap
    assert "leaflet.markercluster-1.5.3/leaflet.markercluster.js" in page  # plugin inlined
    spread = frames["events"].iloc[:15].copy()
    spread["kind"] = "occupation"
    spread = spread.set_geometry([Point(40.0 + i, 42.0 + (i % 3)) for i in range(15)])
    small = map_html(render_frames(spread, None, None, [], synthetic.REFERENCE, offline=True))
    assert not any(p["cluster"] for p in event_payloads(small).values())
    assert "leaflet.markercluster.js" not in small


def test_distance_checks_draw_claimed_rings_at_the_claimed_radius(offline_page: str) -> None:
    items = [i for p in payloads(offline_page) for i in p.get("items", [])]
    rings = [i for i in items if i.get("f", {}).get("role") == "claimed-ring"]
    assert {r["f"]["verdict"] for r in rings} == {"consistent", "inconsistent", "unverifiable"}
    for ring in rings:
        lon, lat = ring["g"]["coordinates"][0][0]
        km = geodesy.distance_between(synthetic.REFERENCE.lat, synthetic.REFERENCE.lon, lat, lon)
        assert km == pytest.approx(ring["f"]["claimed_km"], rel=1e-3)
    assert any(i.get("f", {}).get("role") == "conflict" for i in items)


def test_empty_run_still_maps(frames: dict[str, Any]) -> None:
    empty = gpd.GeoDataFrame({"id": [], "kind": []}, geometry=[], crs="EPSG:4326")
    page = map_html(render_frames(empty, empty, empty, [], synthetic.REFERENCE, offline=True))
    assert "GeoMap.markReady();" in page
    assert not re.search(r"overlays :\s*\{[^}]*(Movements|Attacks|Distance checks)", page)


def test_empty_layers_are_not_listed(frames: dict[str, Any]) -> None:
    events = frames["events"][frames["events"]["kind"] == "movement"]
    page = map_html(render_frames(events, None, None, [], synthetic.REFERENCE, offline=True))
    names = layer_names(page)
    assert f"Movements ({len(events)})" in names
    assert not [n for n in names if n.startswith(("Attacks", "Distance checks", "Estimated"))]
    assert list(event_payloads(page)) == ["movement"]


def test_rings_only_where_events_are_within_range(frames: dict[str, Any]) -> None:
    ref = synthetic.REFERENCE
    events = frames["events"].iloc[:4].copy()

    def at(km: float) -> Point:
        lat, lon = geodesy.destination(ref.lat, ref.lon, 90.0, km)
        return Point(lon, lat)

    near = events.set_geometry([at(10.0), at(20.0), at(30.0), at(3000.0)])
    assert rings_in_range(near, [], ref, (25.0, 50.0, 100.0, 200.0)) == [25.0, 50.0]
    far = events.set_geometry([at(900.0)] * 4)
    assert rings_in_range(far, [], ref, (25.0, 50.0, 100.0, 200.0)) == []
    page = map_html(render_frames(far, None, None, [], ref, offline=True))
    assert not [n for n in layer_names(page) if n.startswith("Distance rings")]
    page = map_html(render_frames(near, None, None, [], ref, offline=True))
    rings = [
        i["f"]["km"]
        for p in payloads(page)
        for i in p.get("items", [])
        if i.get("f", {}).get("role") == "ring"
    ]
    assert rings == [25.0, 50.0]


def test_region_level_events_are_listed_not_drawn(frames: dict[str, Any]) -> None:
    events = frames["events"].iloc[:10].copy()
    events = events.set_geometry([None, *events.geometry[1:]])
    page = map_html(render_frames(events, None, None, [], synthetic.REFERENCE, offline=True))
    drawn = {i for p in event_payloads(page).values() for i in p["cols"]["id"]}
    assert events["id"].iloc[0] not in drawn and len(drawn) == 9
    match = re.search(r"GeoMap\.regionEvents\((\{.*?\})\);\n", page)
    assert match
    region = json.loads(match.group(1))
    assert region["n"] == 1 and region["cols"]["id"] == [events["id"].iloc[0]]
    assert region["dict"][region["cols"]["k"][0]] == events["kind"].iloc[0]


def test_inline_assets_refuses_unpinned_links() -> None:
    page = '<html><head><script src="https://example.org/x.js"></script></head><body></body></html>'
    with pytest.raises(OutputError, match="no pinned offline copy"):
        inline_assets(page)


def test_remote_references_finds_fetches_not_links() -> None:
    page = (
        '<a href="https://example.org/">link</a>'
        '<img src="//example.org/a.png"><style>.x{background:url("https://e.org/b.png")}</style>'
    )
    assert remote_references(page) == ["//example.org/a.png", "https://e.org/b.png"]


def _decoded(payload: dict[str, Any], column: str) -> list[Any]:
    words = payload["dict"]
    return [words[v] for v in payload["cols"][column]]


def test_a_sources_title_links_only_to_http_and_https_urls(frames: dict[str, Any]) -> None:
    events = frames["events"].iloc[:4].copy()
    events["kind"] = "checkpoint"
    urls = [
        "https://news.example/a?x=1&y=2",
        "javascript:window.__pwned=1",
        " https://news.example/space",
        "data:text/html,<b>x</b>",
    ]
    events["sources"] = synthetic.sources_with_urls(events, urls, "Desk <i>", "Report {} <b>")
    page = map_html(render_frames(events, None, None, [], synthetic.REFERENCE, offline=True))
    labels = _decoded(event_payloads(page)["checkpoint"], "w")
    assert labels[0] == (
        '<a href="https://news.example/a?x=1&amp;y=2" target="_blank" '
        'rel="noopener noreferrer">Report 0 &lt;b&gt;</a> · Desk &lt;i&gt; · 2008-08-19'
    )
    for label in labels[1:]:  # not http(s): the title as plain escaped text, never a link
        assert "<a" not in label and "href" not in label and "javascript" not in label
        assert label.startswith("Report ") and "&lt;b&gt; · Desk &lt;i&gt;" in label
    assert "synthetic-checkpoint" in _decoded(event_payloads(page)["checkpoint"], "r")


def test_a_claim_many_reports_repeat_is_drawn_once_with_its_count() -> None:
    """Thirty reports putting Igoeti 45 km from Tbilisi draw one ring, whose popup counts
    them all and lists the first ten; a different distance is its own ring."""
    import geo
    from geo.map._payloads import CLAIM_SOURCES_SHOWN, check_items

    reports = [
        {"id": f"r{n:02d}", "text": "Igoeti lies about 45 km from Tbilisi, officials said."}
        for n in range(30)
    ]
    reports.append({"id": "other", "text": "Igoeti lies about 30 km from Tbilisi."})
    run = geo.extract(reports, published="2008-08-19").run
    assert len([c for c in run.checks if c.kind == "distance"]) == 31
    items, undrawn = check_items(run.checks)
    rings = [i for i in items if i["f"].get("role") == "claimed-ring"]
    assert undrawn == 0 and sorted(r["f"]["claimed_km"] for r in rings) == [30, 45]
    repeated = next(r for r in rings if r["f"]["claimed_km"] == 45)
    assert "Sources (30 reports)" in repeated["pop"]
    assert repeated["pop"].count("<li") == CLAIM_SOURCES_SHOWN
    assert f"and {30 - CLAIM_SOURCES_SHOWN} more" in repeated["pop"]
