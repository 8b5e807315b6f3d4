"""How the map looks and behaves: palette, per-kind symbols, and the page's own CSS and
script (read from ``geo/map/assets/``).

Styles are decided here once per layer (kind) or per small category (actor, status,
precision, verdict), never per feature: the page script looks them up in O(1), so a map
with 100k features loads in linear time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from geo.errors import OutputError

#: Qualitative colours handed to actors in order of how often they appear.
ACTOR_PALETTE: tuple[str, ...] = (
    "#1f5fb4",
    "#d62728",
    "#ff7f0e",
    "#6a3d9a",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#2ca02c",
    "#393b79",
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


def actor_colors(actors: Iterable[str | None]) -> dict[str, str]:
    """Colours for actors: the most frequent first, ties by name; cycles past the palette."""
    counts = Counter(a for a in actors if a)
    ordered = sorted(counts, key=lambda a: (-counts[a], a))
    return {a: ACTOR_PALETTE[i % len(ACTOR_PALETTE)] for i, a in enumerate(ordered)}


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
