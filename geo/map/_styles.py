"""How the map looks and behaves: palette, per-kind symbols, and the page's own CSS and
script (read from ``geo/map/assets/``).

Styles are decided here once per layer (kind) or per small category (actor, status,
precision, verdict), never per feature: the page script looks them up in O(1), so a map
with 100k features loads in linear time.
"""

from __future__ import annotations

import csv
import os
import re
import zlib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from geo.errors import OutputError

#: Qualitative colours for actors not in the colour table: an actor's name picks one (a
#: stable hash), so it has the same colour on every map.
ACTOR_PALETTE: tuple[str, ...] = (
    "#ff7f0e",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#2ca02c",
    "#393b79",
    "#a05195",
    "#7f7f00",
    "#00838f",
    "#b15928",
    "#5e3c99",
    "#f781bf",
)
NO_ACTOR_COLOR = "#6b6b6b"

#: Label (plural, for the layer control) and symbol of each event kind. ``ring`` is the
#: outline colour of a point symbol (its fill is the actor's colour).
KIND_STYLE: dict[str, dict[str, Any]] = {
    "movement": {"label": "Movements", "radius": 6, "ring": "#102a43", "weight": 3.5},
    "withdrawal": {"label": "Withdrawals", "radius": 6, "ring": "#2a9d8f", "weight": 3.5},
    "occupation": {"label": "Occupations", "radius": 8, "ring": "#000000", "weight": 3},
    "checkpoint": {"label": "Checkpoints", "radius": 6, "ring": "#ffffff", "weight": 3},
    "position": {"label": "Positions", "radius": 6, "ring": "#4d4d4d", "weight": 1.5},
    "exchange": {"label": "Exchanges", "radius": 7, "ring": "#7b2cbf", "weight": 3},
    "attack": {"label": "Attacks", "radius": 8, "ring": "#b00000", "weight": 3},
}

#: Reported is drawn solid; attributed, planned, hypothetical and denied ever fainter.
STATUS_STYLE: dict[str, dict[str, Any]] = {
    "reported": {"opacity": 0.95, "fillOpacity": 0.85, "dash": None},
    "claimed": {"opacity": 0.75, "fillOpacity": 0.45, "dash": "6 4"},
    "planned": {"opacity": 0.6, "fillOpacity": 0.2, "dash": "2 5"},
    "hypothetical": {"opacity": 0.5, "fillOpacity": 0.15, "dash": "2 5"},
    "denied": {"opacity": 0.4, "fillOpacity": 0.08, "dash": "1 6"},
}

#: Point radius multiplier and fill factor by geo_precision (1 town, 2 near, 3 region).
PRECISION_STYLE: dict[int, dict[str, float]] = {
    1: {"radius": 1.0, "fill": 1.0},
    2: {"radius": 1.7, "fill": 0.55},
    3: {"radius": 3.2, "fill": 0.25},
}
PRECISION_LABEL: dict[int, str] = {1: "named town or site", 2: "near a named place", 3: "region"}

VERDICT_COLOR: dict[str, str] = {
    "consistent": "#1a9850",
    "inconsistent": "#d73027",
    "unverifiable": "#878787",
}
CONFLICT_COLOR = "#c51b7d"
RING_COLOR = "#3d5a80"
PLACE_COLOR = "#333333"
ESTIMATE_COLOR = "#e07a00"


#: The actor colour table shipped with geo (actor,color[,note]); ``GEO_ACTOR_COLORS`` names
#: another CSV of the same form, read instead.
ACTOR_COLORS_ENV = "GEO_ACTOR_COLORS"
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def read_actor_colors(path: Path) -> dict[str, str]:
    """An actor colour table: ``actor,color`` rows, colours as ``#rrggbb``."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise OutputError(
            f"cannot read the actor colours {path} ({exc}); fix {ACTOR_COLORS_ENV}"
        ) from exc
    table = {}
    for line, row in enumerate(rows, start=2):
        actor, color = (row.get("actor") or "").strip(), (row.get("color") or "").strip()
        if not actor or not _HEX.fullmatch(color):
            raise OutputError(f"{path}:{line}: write 'actor,#rrggbb' (got {actor!r}, {color!r})")
        table[actor] = color.lower()
    return table


@cache
def _table(path: str | None) -> dict[str, str]:
    if path:
        return read_actor_colors(Path(path))
    return read_actor_colors(Path(str(resources.files("geo") / "data" / "actor_colors.csv")))


def fixed_actor_colors() -> Mapping[str, str]:
    """The configured actor colour table (``GEO_ACTOR_COLORS``, else the shipped one)."""
    return _table(os.environ.get(ACTOR_COLORS_ENV) or None)


def actor_colors(
    actors: Iterable[str | None], table: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Colours for the distinct actors, in name order: the table's colour, else a palette
    colour picked by a stable hash of the name (the next free one when two actors of this
    map would share it), so an actor keeps its colour from map to map."""
    table = fixed_actor_colors() if table is None else table
    names = sorted({a for a in actors if a})
    out = {a: table[a] for a in names if a in table}
    used = set(out.values())
    palette = [c for c in ACTOR_PALETTE if c not in set(table.values())] or list(ACTOR_PALETTE)
    for name in names:
        if name in out:
            continue
        start = zlib.crc32(name.encode("utf-8")) % len(palette)
        free = [palette[(start + k) % len(palette)] for k in range(len(palette))]
        color = next((c for c in free if c not in used), free[0])
        out[name] = color
        used.add(color)
    return out


def page_config(reference_html: str) -> dict[str, Any]:
    """The style tables the page script reads (one copy per page); ``reference_html`` is
    the reference place's name, already HTML-escaped."""
    kinds = {k: {**v, "singular": k.capitalize()} for k, v in KIND_STYLE.items()}
    return {
        "kinds": kinds,
        "reference": reference_html,
        "precisionLabel": {str(k): v for k, v in PRECISION_LABEL.items()},
        "status": STATUS_STYLE,
        "precision": {str(k): v for k, v in PRECISION_STYLE.items()},
        "noActorColor": NO_ACTOR_COLOR,
        "estimateColor": ESTIMATE_COLOR,
    }


#: The page's own code, package data in ``geo/map/assets/`` (checked by eslint in CI):
#: ``page.js`` builds the layers from compact payloads, filters them by time and actor, draws
#: arrowheads in screen space and opens popups through one shared handler (every string it
#: inserts as HTML was escaped in Python); ``page.css`` styles popups, legend and controls;
#: ``offline.css`` is added to offline pages, which have no tiles.
PAGE_ASSETS: tuple[str, ...] = ("page.js", "page.css", "offline.css")


@cache
def page_asset(name: str) -> str:
    """The text of one of :data:`PAGE_ASSETS`, read once per process."""
    if name not in PAGE_ASSETS:
        raise ValueError(f"{name!r} is not a page asset; choose one of {', '.join(PAGE_ASSETS)}")
    try:
        return (resources.files("geo.map") / "assets" / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"the map's {name} is missing ({exc}); reinstall geo") from exc


def page_head(offline: bool) -> str:
    """The page's stylesheet and script, inlined for the page head (``offline`` adds
    ``offline.css``)."""
    css = "\n" + page_asset("page.css")
    if offline:
        css += "\n" + page_asset("offline.css")
    return f"<style>{css}</style>\n<script>\n{page_asset('page.js')}</script>\n"
