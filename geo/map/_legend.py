"""The map's legend."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from geo.map import _styles as styles
from geo.map._common import esc

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


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
        "Time window: events dated from the first to the second day chosen."
        if time_control
        else "No dated events, so no time window."
    )
    return (
        "<details><summary>Legend</summary>"
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
        f"<h5>Time</h5><div>{time_note} Undated events: {undated} "
        "(shown unless switched off).</div>"
        "</details>"
    )
