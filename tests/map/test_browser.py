"""The offline map in real headless Chromium (Debian's /usr/bin/chromium, driven by
playwright): it loads with no script error and no outside request, lists every layer,
holds exactly the features of events.geojson, runs nothing hidden in report text, and
its time slider and actor toggles filter. Screenshots go to output/test-screenshots/."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import synthetic

from geo.io._export import save_map, write_frames
from geo.map._render import render_frames
from geo.map._styles import KIND_STYLE

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = REPO / "output" / "test-screenshots"
SCRIPT_TAG = "<script>window.__pwned=1</script>"
IMG_TAG = '<img src=x onerror="window.__pwned=1">'

#: Everything the page knows about its layers, read through Leaflet itself.
PAGE_STATE = """() => {
  const key = Object.keys(window).find(k => /^layer_control_\\w+_layers$/.test(k));
  const map = Object.values(window).find(v => v instanceof L.Map);
  const overlays = window[key].overlays;
  const kinds = {}, shown = {};
  for (const group of GeoMap.layers) {
    kinds[group.geoKind] = group.getLayers().map(l => GeoMap.featureId(l));
    shown[group.geoKind] = map.hasLayer(group);
  }
  return {kinds, shown, names: Object.keys(overlays).length,
          labels: [...document.querySelectorAll('.leaflet-control-layers label')]
                    .map(l => l.textContent.trim())};
}"""


class Browser:
    """One Chromium for the module; pages record errors, dialogs and outside requests."""

    def __init__(self, playwright: Any) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

    def open(self, path: Path) -> tuple[Any, dict[str, list[str]]]:
        page = self.browser.new_page(viewport={"width": 1400, "height": 900})
        seen: dict[str, list[str]] = {"errors": [], "outside": [], "dialogs": [], "console": []}
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)

        def dialog(d: Any) -> None:
            seen["dialogs"].append(d.message)
            d.dismiss()

        page.on("dialog", dialog)

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                seen["outside"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-geo-ready]", state="attached", timeout=60_000)
        return page, seen


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        driver = Browser(playwright)
        yield driver
        driver.browser.close()


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic run whose report text tries to run script, mapped offline."""
    pool = synthetic.place_pool(60)
    events = synthetic.events_frame(240, pool=pool)
    events.loc[0, "quote"] = f"Before {SCRIPT_TAG} and {IMG_TAG} after."
    events.at[0, "sources"] = [
        {
            "doc": "doc000",
            "source": "Wire 0",
            "quote": events.loc[0, "quote"],
            "char_start": 1,
            "char_end": 9,
        }
    ]
    events.at[1, "places"] = [f"Town {IMG_TAG}", f"Village {SCRIPT_TAG}"]
    # a region-level event: no geometry, listed beside the map, never drawn
    events.loc[2, "geo_precision"] = 3
    events = events.set_geometry([g if i != 2 else None for i, g in enumerate(events.geometry)])
    places = synthetic.places_frame(events, pool=pool)
    places.loc[0, "text"] = f"As written {SCRIPT_TAG}"
    places.loc[0, "name"] = f"Named {IMG_TAG}"
    out = tmp_path_factory.mktemp("browser-map")
    write_frames(events, places, synthetic.checks(pool), out)
    m = render_frames(
        events,
        places,
        synthetic.estimates_frame(),
        synthetic.checks(pool),
        synthetic.REFERENCE,
        offline=True,
    )
    save_map(m, out / "map.html")
    return out


def _events(folder: Path) -> list[dict[str, Any]]:
    return [f for f in json.loads((folder / "events.geojson").read_text())["features"]]


def _drawn(folder: Path) -> list[dict[str, Any]]:
    return [f for f in _events(folder) if f["geometry"] is not None]


#: The ids of the event features on the map (clustered ones included), sorted.
SHOWN_IDS = """() => GeoMap.layers.flatMap(g => g._map ? g.getLayers() : [])
                 .map(l => GeoMap.featureId(l)).sort()"""


def test_offline_map_loads_without_errors_or_outside_requests(
    browser: Browser, hostile_map: Path
) -> None:
    page, seen = browser.open(hostile_map / "map.html")
    page.wait_for_timeout(300)
    assert seen["errors"] == [] and seen["console"] == []
    assert seen["outside"] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "synthetic-offline-map.png"))
    page.close()


def test_measure_and_fullscreen_controls_work(browser: Browser, hostile_map: Path) -> None:
    page, seen = browser.open(hostile_map / "map.html")
    assert page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    page.locator(".leaflet-control-measure").hover()  # expands the control
    page.locator(".leaflet-control-measure .js-start").click()
    box = page.locator(".leaflet-container").bounding_box()
    assert box is not None
    for x, y in ((300, 300), (500, 420)):
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(400)
    results = page.inner_text(".leaflet-control-measure .results")
    assert "Path distance" in results and "Kilometers" in results
    assert seen["errors"] == [] and seen["console"] == [] and seen["outside"] == []
    page.close()


def test_layer_control_lists_every_layer(browser: Browser, hostile_map: Path) -> None:
    page, _ = browser.open(hostile_map / "map.html")
    state = page.evaluate(PAGE_STATE)
    counts = Counter(f["properties"]["kind"] for f in _drawn(hostile_map))
    labels = state["labels"]
    for kind, style in KIND_STYLE.items():
        if counts.get(kind):
            assert f"{style['label']} ({counts[kind]})" in labels
        else:  # an empty layer is not listed
            assert not any(label.startswith(style["label"]) for label in labels)
    for fixed in (
        "Country outlines (offline)",
        "Distance rings around Refton",
        "Distance checks (3)",
        "Conflicts between sources (1)",
        "Estimated locations (3)",
    ):
        assert fixed in labels
    assert any(label.startswith("Place mentions (") for label in labels)
    movements = Counter(
        f["properties"]["actor"]
        for f in _drawn(hostile_map)
        if f["properties"]["kind"] == "movement" and f["properties"]["actor"]
    )
    for actor, n in movements.items():
        assert f"↳ {actor} ({n})" in labels
    assert len(labels) == state["names"] + 1  # every overlay plus the one base layer
    page.close()


def test_feature_counts_match_events_geojson(browser: Browser, hostile_map: Path) -> None:
    page, _ = browser.open(hostile_map / "map.html")
    state = page.evaluate(PAGE_STATE)
    expected: dict[str, set[str]] = {}
    for feature in _drawn(hostile_map):
        expected.setdefault(feature["properties"]["kind"], set()).add(feature["properties"]["id"])
    on_page = {kind: ids for kind, ids in state["kinds"].items() if ids}
    assert {k: sorted(v) for k, v in on_page.items()} == {k: sorted(v) for k, v in expected.items()}
    assert all(len(ids) == len(set(ids)) for ids in on_page.values())
    assert all(state["shown"].values())
    regions = [f["properties"]["id"] for f in _events(hostile_map) if f["geometry"] is None]
    assert len(regions) == 1
    assert page.evaluate("() => GeoMap.regions._cols.id") == regions
    page.close()


def test_report_text_runs_nothing(browser: Browser, hostile_map: Path) -> None:
    page, seen = browser.open(hostile_map / "map.html")
    opened = page.evaluate(
        """() => {
          let n = 0;
          for (const group of GeoMap.layers.concat(GeoMap.statics)) {
            for (const layer of group.getLayers()) {
              if (GeoMap.openPopup(layer)) { n += 1; }
              GeoMap.tooltipHtml(layer);
            }
          }
          return n;
        }"""
    )
    assert opened > 240
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.close()
    # a real click, on a fresh page, on the event whose quote carries the markup
    page, seen = browser.open(hostile_map / "map.html")
    page.evaluate(
        """() => {
          const group = GeoMap.layers.find(g => g.geoKind === 'movement');
          const layer = group.getLayers().find(l => GeoMap.featureId(l) === 'ev000000');
          const map = layer._map;
          // leave only that feature on the map, so the click cannot land on another one
          for (const other of GeoMap.layers.concat(GeoMap.statics)) {
            if (other !== group) { map.removeLayer(other); }
          }
          for (const l of group.getLayers()) { if (l !== layer) { group.removeLayer(l); } }
          const at = layer.getLatLng ? layer.getLatLng() : layer.getCenter();
          map.setView(at, 12, {animate: false});
        }"""
    )
    page.wait_for_timeout(200)
    point = page.evaluate(
        """() => {
          const group = GeoMap.layers.find(g => g.geoKind === 'movement');
          const layer = group.getLayers().find(l => GeoMap.featureId(l) === 'ev000000');
          const at = layer.getCenter ? layer.getCenter() : layer.getLatLng();
          const p = layer._map.latLngToContainerPoint(at);
          const box = layer._map.getContainer().getBoundingClientRect();
          return [box.left + p.x, box.top + p.y];
        }"""
    )
    page.mouse.move(point[0], point[1])
    page.mouse.click(point[0], point[1])
    page.wait_for_function(
        "() => (document.querySelector('.leaflet-popup-content') || {})"
        ".textContent?.includes('Before')",
        timeout=5000,
    )
    text = page.inner_text(".leaflet-popup-content")
    assert SCRIPT_TAG in text and IMG_TAG in text  # shown as text ...
    assert page.evaluate("typeof window.__pwned") == "undefined"  # ... never run
    assert (
        page.evaluate(
            "document.querySelectorAll("
            "'.leaflet-popup-content img, .leaflet-popup-content script').length"
        )
        == 0
    )
    assert seen["dialogs"] == [] and seen["errors"] == []
    page.close()


def test_time_window_shows_exactly_the_features_of_its_days(
    browser: Browser, hostile_map: Path
) -> None:
    page, seen = browser.open(hostile_map / "map.html")
    features = _drawn(hostile_map)
    days = sorted({f["properties"]["date"] for f in features if f["properties"]["date"]})
    assert page.evaluate(SHOWN_IDS) == sorted(f["properties"]["id"] for f in features)
    low, high = days[3], days[8]
    epoch = date(1970, 1, 1).toordinal()
    # move the two sliders as a user does (keyboard on the range inputs)
    page.locator(".geo-time .geo-from").fill(str(date.fromisoformat(low).toordinal() - epoch))
    page.locator(".geo-time .geo-to").fill(str(date.fromisoformat(high).toordinal() - epoch))
    page.wait_for_timeout(100)

    def window(undated: bool) -> list[str]:
        return sorted(
            f["properties"]["id"]
            for f in features
            if (f["properties"]["date"] is None and undated)
            or (f["properties"]["date"] is not None and low <= f["properties"]["date"] <= high)
        )

    expected = window(True)
    assert 0 < len(expected) < len(features)
    assert page.evaluate(SHOWN_IDS) == expected
    label = page.inner_text(".geo-time .geo-window")
    assert label == f"{low} – {high} · {len(expected)} events shown"
    page.locator(".geo-time .geo-undated").uncheck()
    page.wait_for_timeout(100)
    assert page.evaluate(SHOWN_IDS) == window(False)
    # the list follows the date filter (zoomed out so every feature is in view)
    page.evaluate(
        "() => { Object.values(window).find(v => v instanceof L.Map).setView([0, 0], 1, "
        "{animate: false}); }"
    )
    page.wait_for_timeout(100)
    listed = page.locator(".geo-list li .geo-when").all_inner_texts()
    assert listed and all(low <= d <= high for d in listed)
    # play steps the window by one day, keeping its width
    page.locator(".geo-time .geo-play").click()
    page.wait_for_function(
        f"() => GeoMap.filters.from > {date.fromisoformat(low).toordinal() - epoch}",
        timeout=5000,
    )
    page.locator(".geo-time .geo-play").click()  # pause
    assert page.evaluate("() => GeoMap.filters.to - GeoMap.filters.from") == (
        date.fromisoformat(high).toordinal() - date.fromisoformat(low).toordinal()
    )
    page.evaluate("() => { GeoMap.setWindow(-1e9, 1e9); }")
    page.locator(".geo-time .geo-undated").check()
    page.wait_for_timeout(100)
    assert len(page.evaluate(SHOWN_IDS)) == len(features)
    assert seen["errors"] == [] and seen["console"] == [] and seen["outside"] == []
    page.close()


def test_actor_toggles_in_the_collapsed_layer_control(browser: Browser, hostile_map: Path) -> None:
    page, seen = browser.open(hostile_map / "map.html")
    features = _drawn(hostile_map)
    actor, n = Counter(
        f["properties"]["actor"]
        for f in features
        if f["properties"]["kind"] == "movement" and f["properties"]["actor"]
    ).most_common(1)[0]
    assert not page.get_by_text(f"↳ {actor} ({n})").first.is_visible()  # collapsed
    page.locator(".leaflet-control-layers").hover()  # expands it
    page.get_by_text(f"↳ {actor} ({n})").first.click()
    page.wait_for_timeout(100)
    left = page.evaluate(
        "() => GeoMap.layers.find(g => g.geoKind === 'movement').getLayers().length"
    )
    movements = sum(1 for f in features if f["properties"]["kind"] == "movement")
    assert left == movements - n
    assert seen["errors"] == [] and seen["console"] == [] and seen["outside"] == []
    page.close()


LIST_STATE = """() => ({
  count: document.querySelector('#geo-side .geo-count').textContent,
  rows: [...document.querySelectorAll('#geo-side .geo-list li')].map(li => li.textContent),
  shown: GeoMap.shownCount()})"""


def test_list_follows_the_filters_and_a_click_opens_the_popup(
    browser: Browser, hostile_map: Path
) -> None:
    page, seen = browser.open(hostile_map / "map.html")
    everything = _events(hostile_map)
    page.evaluate(
        "() => { Object.values(window).find(v => v instanceof L.Map).setView([0, 0], 1, "
        "{animate: false}); }"
    )
    page.wait_for_timeout(100)
    state = page.evaluate(LIST_STATE)
    assert state["count"].startswith(f"{len(everything)} events in view (1 region-level)")
    assert sum("region-level" in row for row in state["rows"]) == 1
    actor = Counter(f["properties"]["actor"] for f in everything if f["properties"]["actor"])
    name, n = actor.most_common(1)[0]
    page.select_option("#geo-side select[data-f=actor]", label=name)
    page.wait_for_timeout(100)
    state = page.evaluate(LIST_STATE)
    assert state["count"].startswith(f"{n} events in view")
    assert all(f" {name} · " in row for row in state["rows"])
    drawn = sum(1 for f in _drawn(hostile_map) if f["properties"]["actor"] == name)
    assert state["shown"] == drawn  # the map follows the same filter
    kind = "attack"
    page.select_option("#geo-side select[data-f=kind]", label="Attack")
    page.wait_for_timeout(100)
    both = [
        f
        for f in everything
        if f["properties"]["actor"] == name and f["properties"]["kind"] == kind
    ]
    state = page.evaluate(LIST_STATE)
    assert state["count"].startswith(f"{len(both)} events in view")
    page.select_option("#geo-side select[data-f=actor]", label="every actor")
    page.select_option("#geo-side select[data-f=kind]", label="every kind")
    # confidence threshold
    page.locator("#geo-side input[data-f=conf]").fill("0.8")
    page.wait_for_timeout(100)
    sure = [f for f in everything if (f["properties"]["confidence"] or 0) >= 0.8 - 1e-9]
    assert page.evaluate(LIST_STATE)["count"].startswith(f"{len(sure)} events in view")
    page.locator("#geo-side input[data-f=conf]").fill("0")
    # the search box looks in places and quotes, report text escaped as it is on the page
    page.locator("#geo-side input[data-f=q]").fill("<script>")
    page.wait_for_timeout(100)
    state = page.evaluate(LIST_STATE)
    hits = [
        f
        for f in everything
        if "<script>" in (f["properties"]["quote"] or "")
        or any("<script>" in p for p in f["properties"]["places"] or [])
    ]
    assert hits and state["count"].startswith(f"{len(hits)} events in view")
    page.locator("#geo-side input[data-f=q]").fill("")
    page.wait_for_timeout(100)
    # the list follows the view: zoomed in, fewer rows
    page.evaluate(
        """() => { const m = Object.values(window).find(v => v instanceof L.Map);
                   const l = GeoMap.layers[0]._all[0];
                   m.setView(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter(), 12,
                             {animate: false}); }"""
    )
    page.wait_for_timeout(100)
    near = page.evaluate(LIST_STATE)
    assert 1 <= int(near["count"].split()[0]) < len(everything)
    # a click on a drawn row flies there and opens that feature's popup
    row = page.locator("#geo-side .geo-list li:not(.geo-region)").first
    place = row.inner_text().split(" · ")[2].split("\n")[0]
    row.click()
    page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert place in page.inner_text(".leaflet-popup-content")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert seen["errors"] == [] and seen["console"] == [] and seen["outside"] == []
    page.close()


def test_seed_reports_map_shows_the_war(browser: Browser, seeds_dir: Path, tmp_path: Path) -> None:
    """`geo map ../shared/seeds --published 2008-08-19 --offline`: the line Gori ->
    Tskhinvali -> Vladikavkaz, the Senaki, Poti and Igoeti points, the rings around
    Tbilisi and the two Igoeti distance claims are all on the opening view."""
    from geo.cli import main

    assert (
        main(
            [
                "map",
                str(seeds_dir),
                "--published",
                date(2008, 8, 19).isoformat(),
                "--offline",
                "-o",
                str(tmp_path),
                "-q",
            ]
        )
        == 0
    )
    features = _events(tmp_path)
    line = next(
        f
        for f in features
        if f["geometry"] is not None
        and f["geometry"]["type"] == "LineString"
        and f["properties"]["places"] == ["Gori", "Tskhinvali", "Vladikavkaz"]
    )
    page, seen = browser.open(tmp_path / "map.html")
    state = page.evaluate(
        """(lineId) => {
          const map = Object.values(window).find(v => v instanceof L.Map);
          const view = map.getBounds();
          const visible = (layer) => !!layer._map && (layer.getLatLng
                                                          ? view.contains(layer.getLatLng())
                                                          : view.intersects(layer.getBounds()));
          const movement = GeoMap.layers.find(g => g.geoKind === 'movement');
          const line = movement.getLayers().find(l => GeoMap.featureId(l) === lineId);
          const points = {};
          for (const group of GeoMap.layers.concat(GeoMap.statics)) {
            for (const layer of group.getLayers()) {
              const item = GeoMap.item(layer) || {};
              const name = (item.f && item.f.name) || '';
              if (layer.getLatLng && visible(layer) && name) { points[name] = true; }
            }
          }
          const checks = [], rings = [];
          for (const group of GeoMap.statics) {
            for (const layer of group.getLayers()) {
              const f = (layer.feature || {}).properties || {};
              if (f.role === 'claimed-ring' && visible(layer)) {
                checks.push([f.place, f.claimed_km, f.verdict]);
              }
              if (f.role === 'ring' && visible(layer)) { rings.push(f.km); }
            }
          }
          return {line: !!line && visible(line), arrows: line ? line.getLatLngs().length : 0,
                  points, checks, rings};
        }""",
        line["properties"]["id"],
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "seeds-offline-map.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    assert state["line"] and state["arrows"] > 1  # the path plus its arrowheads
    assert {"Senaki", "Poti", "Igoeti", "Tbilisi"} <= set(state["points"])
    assert len(state["rings"]) >= 3
    igoeti = sorted((km, verdict) for place, km, verdict in state["checks"] if place == "Igoeti")
    assert [km for km, _ in igoeti] == [30, 45]
    assert [v for _, v in igoeti] == ["inconsistent", "consistent"]
    page.close()


def test_popup_links_a_sources_title_only_for_web_urls(browser: Browser, tmp_path: Path) -> None:
    pool = synthetic.place_pool(10)
    events = synthetic.events_frame(2, pool=pool, estimated_share=0.0)
    events["kind"] = "checkpoint"
    events = events.set_geometry(events.geometry.representative_point())
    urls = ["https://news.example/convoy", "javascript:window.__pwned=1"]
    events["sources"] = synthetic.sources_with_urls(events, urls, "Desk", "Title {}")
    save_map(
        render_frames(events, None, None, [], synthetic.REFERENCE, offline=True),
        tmp_path / "map.html",
    )
    page, seen = browser.open(tmp_path / "map.html")
    popup = """id => {
      for (const group of GeoMap.layers) {
        for (const layer of group.getLayers()) {
          if (GeoMap.featureId(layer) === id) {
            const box = document.createElement('div');  // what the popup shows
            box.innerHTML = GeoMap.popupHtml(layer);
            const a = box.querySelector('a[href]');
            return {text: box.textContent, href: a && a.getAttribute('href'),
                    target: a && a.target, rel: a && a.rel, link: a && a.textContent};
          }
        }
      }
      return null;
    }"""
    linked = page.evaluate(popup, "ev000000")
    assert linked["href"] == "https://news.example/convoy" and linked["link"] == "Title 0"
    assert linked["target"] == "_blank" and "noopener" in linked["rel"]
    assert "Desk" in linked["text"] and "2008-08-19" in linked["text"]
    assert "synthetic-checkpoint" not in linked["text"]  # no internal rule name
    plain = page.evaluate(popup, "ev000001")
    assert plain["href"] is None and "Title 1" in plain["text"]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert seen["errors"] == [] and seen["outside"] == []
    page.close()
