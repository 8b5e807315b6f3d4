"""The page's own script and stylesheets: package data in geo/map/assets/, inlined verbatim."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import synthetic

from geo.errors import OutputError
from geo.map import _styles
from geo.map._render import map_html, render_frames
from geo.map._styles import PAGE_ASSETS, page_asset

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "geo" / "map" / "assets"
ESLINT = REPO / "node_modules" / ".bin" / "eslint"


def page(offline: bool) -> str:
    events = synthetic.events_frame(20, pool=synthetic.place_pool(10))
    return map_html(render_frames(events, None, None, [], synthetic.REFERENCE, offline=offline))


def test_every_page_asset_is_package_data_with_its_text() -> None:
    folder = resources.files("geo.map") / "assets"
    for name in PAGE_ASSETS:
        shipped = (folder / name).read_text(encoding="utf-8")
        assert shipped.strip(), f"{name} is empty"
        assert page_asset(name) == shipped


def test_pyproject_package_data_ships_every_asset_file() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["geo"]
    shipped = {p for pattern in patterns for p in (REPO / "geo").glob(pattern) if p.is_file()}
    files = {p for p in ASSETS.iterdir() if p.is_file()}
    assert {ASSETS / name for name in PAGE_ASSETS} <= files
    assert files <= shipped, f"not in package-data: {sorted(p.name for p in files - shipped)}"


def test_offline_page_inlines_script_and_both_stylesheets_verbatim() -> None:
    html = page(offline=True)
    css = f"<style>\n{page_asset('page.css')}\n{page_asset('offline.css')}</style>"
    assert html.count(css) == 1
    assert html.count(f"<script>\n{page_asset('page.js')}</script>") == 1


def test_online_page_inlines_the_script_and_the_page_stylesheet_only() -> None:
    html = page(offline=False)
    assert html.count(f"<style>\n{page_asset('page.css')}</style>") == 1
    assert page_asset("offline.css").strip() not in html
    assert html.count(f"<script>\n{page_asset('page.js')}</script>") == 1


def test_assets_cannot_close_the_element_they_are_inlined_in() -> None:
    assert "</script" not in page_asset("page.js").lower()
    for name in ("page.css", "offline.css"):
        assert "</style" not in page_asset(name).lower()


def test_unknown_asset_name_is_refused() -> None:
    with pytest.raises(ValueError, match=r"page\.js"):
        page_asset("other.js")


def test_missing_asset_says_to_reinstall(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_styles.resources, "files", lambda package: tmp_path)
    with pytest.raises(OutputError, match=r"page\.css is missing.*reinstall geo"):
        page_asset.__wrapped__("page.css")


def test_page_script_passes_eslint() -> None:
    if not ESLINT.exists() or shutil.which("node") is None:
        pytest.skip("eslint is not installed here: run `npm ci` (as .ci/run does)")
    run = subprocess.run(
        [str(ESLINT), "--max-warnings", "0", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
