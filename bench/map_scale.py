"""How the map scales: generation time, file size and headless-Chromium load time.

For 1k, 10k and 100k synthetic events (every kind, lines and points, dated and undated,
with place mentions, distance checks and estimates; see tests/synthetic.py) this builds
the offline map with ``geo.map._render.render_frames``, writes it, and opens it in Debian's
Chromium (no network: every request that is not file:/data: is aborted and counted).

Printed per size:
  gen_s       render_frames + HTML rendering (frames built beforehand, not counted)
  size_MB     map.html size
  ready_s     navigation start -> every layer built and the first frame painted
  settled_s   ... -> clustered layers finished their chunked clustering too
  features    features the page holds (must equal the events)
Targets at 100k: gen_s <= 5, ready_s <= 5.

With ``--repeat N`` every page is loaded N times and the median load is printed (the best
in brackets): on a shared 2-core machine single loads vary by a second or more.

    python bench/map_scale.py [--sizes 1000,10000,100000] [--repeat 3] [--online] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import synthetic  # noqa: E402

from geo.map._render import map_html, render_frames  # noqa: E402

CHROMIUM = os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
COUNT_JS = """() => GeoMap.layers.reduce((n, g) => n + g.getLayers().length, 0)"""


def generate(n: int, offline: bool, folder: Path) -> tuple[float, Path, int]:
    pool = synthetic.place_pool(max(300, n // 50))
    events = synthetic.events_frame(n, pool=pool)
    places = synthetic.places_frame(events, pool=pool)
    estimates, checks = synthetic.estimates_frame(), synthetic.checks(pool)
    start = time.perf_counter()
    page = map_html(
        render_frames(events, places, estimates, checks, synthetic.REFERENCE, offline=offline)
    )
    elapsed = time.perf_counter() - start
    path = folder / f"map_{n}.html"
    path.write_text(page, encoding="utf-8")
    return elapsed, path, len(events)


def load(path: Path, timeout_s: float = 180.0) -> tuple[float, float, int, int, int]:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):  # type: ignore[no-untyped-def]
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=timeout_s * 1000)
        page.wait_for_selector("body[data-geo-ready]", state="attached", timeout=timeout_s * 1000)
        ready = time.perf_counter() - start
        page.wait_for_selector("body[data-geo-settled]", state="attached", timeout=timeout_s * 1000)
        settled = time.perf_counter() - start
        features = int(page.evaluate(COUNT_JS))
        browser.close()
    return ready, settled, features, len(outside), len(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--online", action="store_true", help="tile basemap, CDN links")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="loads per page (median printed)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    browser = not args.no_browser and Path(CHROMIUM).exists()
    print(
        f"{'events':>8} {'gen_s':>7} {'size_MB':>8} {'ready_s (best)':>15} {'settled_s':>9} "
        f"{'features':>9} {'outside':>7} {'errors':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="geo-map-scale-") as tmp:
        for n in sizes:
            gen, path, count = generate(n, not args.online, Path(tmp))
            size = path.stat().st_size / 1e6
            if not browser:
                print(f"{count:>8} {gen:>7.2f} {size:>8.1f} {'-':>15} {'-':>9}", flush=True)
                continue
            runs = sorted((load(path) for _ in range(max(1, args.repeat))), key=lambda r: r[0])
            ready, settled, features, outside, errors = runs[len(runs) // 2]
            shown = f"{ready:.2f} ({runs[0][0]:.2f})" if len(runs) > 1 else f"{ready:.2f}"
            print(
                f"{count:>8} {gen:>7.2f} {size:>8.1f} {shown:>15} {settled:>9.2f} "
                f"{features:>9} {outside:>7} {errors:>6}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
