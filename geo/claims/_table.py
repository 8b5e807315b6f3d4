"""The rows of ``checks.csv``: one per claim and one per conflict."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geo.models import Check, Claim

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


# -- rows -----------------------------------------------------------------------------------
CHECK_COLUMNS: tuple[str, ...] = (
    "doc",
    "quote",
    "place",
    "reference",
    "claimed_km",
    "claimed_text",
    "computed_km",
    "difference_km",
    "verdict",
    "kind",
    "source",
    "qualifier",
    "direction",
    "bearing_claimed",
    "bearing_computed",
    "bearing_ok",
    "units_disagree",
    "estimated",
    "other_doc",
    "other_quote",
    "other_claimed_km",
    "other_claimed_text",
    "note",
)


#: The longest quote a checks.csv row carries (characters): a longer sentence is cut to a
#: window around the claimed distance, each cut end marked with an ellipsis.
QUOTE_LIMIT = 400


def clip_quote(quote: str, around: str = "", limit: int = QUOTE_LIMIT) -> str:
    """``quote`` if it is at most ``limit`` characters, else a ``limit``-character window
    of it centred on ``around`` (its start when absent), an ellipsis at each cut end."""
    if len(quote) <= limit:
        return quote
    found = quote.find(around) if around else -1
    centre = found + len(around) // 2 if found >= 0 else 0
    start = max(0, min(centre - limit // 2, len(quote) - limit))
    window = quote[start : start + limit]
    if start > 0:
        window = "…" + window[1:]
    if start + limit < len(quote):
        window = window[:-1] + "…"
    return window


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def place_label(claim: Claim) -> str:
    """What the claim is about: the subject's name, "near X", or the unnamed noun."""
    if claim.subject is not None:
        return claim.subject.name
    label = claim.subject_text or "unnamed"
    if claim.near is not None:
        return (
            f"{label} (near {claim.near.name})"
            if claim.subject_text != claim.near.name
            else f"near {claim.near.name}"
        )
    return f"{label} (unnamed)" if claim.subject_text else "(unnamed)"


def reference_label(claim: Claim) -> str:
    if claim.reference is not None:
        return claim.reference.name
    return f"? {claim.reference_text}".strip()


def _estimated(claim: Claim) -> str:
    if claim.subject is not None or claim.reference is None or claim.vague:
        return ""
    if claim.near is not None:
        return "point"
    return "arc" if claim.bearing_deg is not None else "ring"


def check_rows(checks: Sequence[Check]) -> list[dict[str, Any]]:
    """One dict per check with the checks.csv columns (DESIGN.md order, then extras)."""
    rows: list[dict[str, Any]] = []
    for check in checks:
        claim, other = check.claim, check.other
        rows.append(
            {
                "doc": claim.doc,
                "quote": clip_quote(claim.quote, claim.claimed_text),
                "place": place_label(claim),
                "reference": reference_label(claim),
                "claimed_km": _round(claim.claimed_km),
                "claimed_text": claim.claimed_text,
                "computed_km": _round(check.computed_km),
                "difference_km": _round(check.difference_km),
                "verdict": check.verdict,
                "kind": check.kind,
                "source": claim.source or "",
                "qualifier": claim.qualifier,
                "direction": claim.direction_text,
                "bearing_claimed": _round(claim.bearing_deg, 0),
                "bearing_computed": _round(check.computed_bearing_deg, 0),
                "bearing_ok": check.bearing_ok,
                "units_disagree": claim.units_disagree,
                "estimated": _estimated(claim) if check.kind == "distance" else "",
                "other_doc": other.doc if other else "",
                "other_quote": clip_quote(other.quote, other.claimed_text) if other else "",
                "other_claimed_km": _round(other.claimed_km) if other else None,
                "other_claimed_text": other.claimed_text if other else "",
                "note": check.note,
            }
        )
    return rows
