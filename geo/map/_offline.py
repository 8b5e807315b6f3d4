"""Self-contained maps: pinned script/style copies, inlined so no request leaves the page.

Every asset the map links is pinned in ``geo/data/vendor/manifest.json`` (folium asset name
-> pinned CDN URL + local copy). Online maps link the pinned URLs; offline maps get each
script and stylesheet inlined (images inside stylesheets become ``data:`` URIs) and a
country-outline basemap (``geo/data/countries.geojson``, Natural Earth 1:110m) instead of
tiles.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from branca.element import Element, Figure

from geo.errors import OutputError

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
VENDOR_DIR = DATA_DIR / "vendor"
COUNTRIES_PATH = DATA_DIR / "countries.geojson"

_SCRIPT_TAG = re.compile(r'<script src="([^"]+)"></script>')
_LINK_TAG = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The vendor manifest (packages and assets)."""
    path = VENDOR_DIR / "manifest.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise OutputError(
            f"{path}: cannot read the vendor manifest ({exc}); reinstall geo"
        ) from exc


def assets_by_name() -> dict[str, dict[str, str]]:
    return {a["name"]: a for a in manifest()["assets"]}


def assets_by_url() -> dict[str, dict[str, str]]:
    return {a["url"]: a for a in manifest()["assets"]}


def _walk(element: Element) -> list[Element]:
    found = [element]
    extra = [element.header, element.html, element.script] if isinstance(element, Figure) else []
    for child in [*extra, *element._children.values()]:
        found.extend(_walk(child))
    return found


def pin_assets(root: Element) -> list[str]:
    """Point every known folium asset of the tree at its pinned URL; return unknown names."""
    pinned = assets_by_name()
    unknown: list[str] = []
    for element in _walk(root):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if not links:
                continue
            new = []
            for name, url in links:
                if name in pinned:
                    new.append((name, pinned[name]["url"]))
                else:
                    unknown.append(name)
                    new.append((name, url))
            setattr(element, attr, new)
    return unknown


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css_urls(css: str, base: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            return match.group(0)
        if "//" in target:
            raise OutputError(f"stylesheet {base.name} links {target}; pin a local copy")
        local = (base.parent / target.split("?")[0].split("#")[0]).resolve()
        if not local.is_file():
            raise OutputError(f"stylesheet {base.name} needs {target}, missing from {base.parent}")
        return f"url({_data_uri(local)})"

    return _CSS_URL.sub(replace, css)


def _vendor_text(asset: dict[str, str]) -> tuple[str, Path]:
    path = VENDOR_DIR / asset["file"]
    try:
        return path.read_text(encoding="utf-8"), path
    except OSError as exc:
        raise OutputError(
            f"pinned asset {asset['name']} is missing at {path}; reinstall geo"
        ) from exc


def inline_assets(html: str) -> str:
    """Replace linked scripts/stylesheets by their pinned local copies, inlined.

    Raises OutputError when the page links something that has no pinned copy, or still
    references a remote resource afterwards.
    """
    by_url = assets_by_url()

    def script(match: re.Match[str]) -> str:
        asset = by_url.get(match.group(1))
        if asset is None:
            raise OutputError(f"the map links {match.group(1)}, which has no pinned offline copy")
        text, _ = _vendor_text(asset)
        text = _SOURCE_MAP.sub("", text).replace("</script", "<\\/script")
        return f"<script>/* {asset['file']} */\n{text}\n</script>"

    def style(match: re.Match[str]) -> str:
        asset = by_url.get(match.group(1))
        if asset is None:
            raise OutputError(f"the map links {match.group(1)}, which has no pinned offline copy")
        text, path = _vendor_text(asset)
        css = _inline_css_urls(text, path).replace("</style", "<\\/style")
        return f"<style>/* {asset['file']} */\n{css}\n</style>"

    head, sep, body = html.partition("</head>")
    head = _LINK_TAG.sub(style, _SCRIPT_TAG.sub(script, head))
    if _SCRIPT_TAG.search(body) or _LINK_TAG.search(body):
        body = _LINK_TAG.sub(style, _SCRIPT_TAG.sub(script, body))
    html = head + sep + body
    remote = remote_references(html)
    if remote:
        raise OutputError(f"the offline map still references {remote[0]!r}; pin a local copy")
    return html


_REMOTE_BEFORE = re.compile(
    r"""(?:\bsrc\s*=\s*["']?|\bhref\s*=\s*["']?|url\(\s*['"]?|@import\s+['"]?)(https?:)?$""",
    re.IGNORECASE,
)
_URL_END = re.compile(r"""["'\s)>]""")


def remote_references(html: str) -> list[str]:
    """Remote resources an HTML page would fetch: a ``//`` URL right after ``src=``,
    ``href=`` (of a script/link/img...), ``url(`` or ``@import``. Plain links (<a href>)
    are not fetched and do not count."""
    found = []
    start = html.find("//")
    while start != -1:
        before = html[max(0, start - 40) : start]
        match = _REMOTE_BEFORE.search(before)
        if match and not _is_anchor(html, start - len(before) + match.start()):
            end = _URL_END.search(html, start)
            found.append(
                html[start - len(match.group(1) or "") : end.start() if end else start + 80]
            )
        start = html.find("//", start + 2)
    return found


def _is_anchor(html: str, position: int) -> bool:
    tag_start = html.rfind("<", 0, position)
    return tag_start != -1 and html[tag_start : tag_start + 2].lower() in ("<a",)


def default_icon_urls() -> dict[str, str]:
    """Leaflet's default marker images as data URIs (for pages with inlined leaflet.css)."""
    images = VENDOR_DIR / "leaflet-1.9.4" / "images"
    return {
        "iconUrl": _data_uri(images / "marker-icon.png"),
        "iconRetinaUrl": _data_uri(images / "marker-icon-2x.png"),
        "shadowUrl": _data_uri(images / "marker-shadow.png"),
    }


class InlineFigure(Figure):
    """A folium/branca Figure whose rendered HTML has every asset inlined."""

    def render(self, **kwargs: Any) -> str:
        return inline_assets(super().render(**kwargs))


def make_offline(element: Element) -> InlineFigure:
    """Move a map into an :class:`InlineFigure` (save, notebook display and render inline)."""
    figure = InlineFigure()
    figure.add_child(element)
    return figure


@lru_cache(maxsize=1)
def countries() -> dict[str, Any]:
    """The offline basemap: country outlines (Natural Earth 1:110m, public domain)."""
    try:
        return dict(json.loads(COUNTRIES_PATH.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{COUNTRIES_PATH}: cannot read the country outlines ({exc})") from exc


def build_countries(source: str | Path, out: str | Path = COUNTRIES_PATH, digits: int = 3) -> Path:
    """Derive ``countries.geojson`` (name, ISO code, rounded outline) from a Natural Earth
    admin-0 file, e.g. the ``naturalearth_lowres`` copy that pyogrio ships."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import mapping
    from shapely.geometry.polygon import orient

    frame = gpd.read_file(source).to_crs(4326)
    features = []
    for name, code, geom in zip(frame["name"], frame["iso_a3"], frame.geometry, strict=True):
        geom = shapely.set_precision(geom, 10.0**-digits)
        parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
        parts = [orient(p, 1.0) for p in parts if not p.is_empty and p.area > 0]
        if not parts:
            continue
        geom = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "iso_a3": code},
                "geometry": mapping(geom),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path = Path(out)
    path.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m geo.map._offline NATURAL_EARTH_ADMIN0_FILE")
    print(build_countries(sys.argv[1]))
