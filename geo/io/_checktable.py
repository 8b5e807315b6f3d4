"""The checks as an aligned terminal table (``geo check``), verdicts highlighted with ANSI."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from geo.claims import check_rows
from geo.models import Check
from geo.terminal import printable

RESET = "\033[0m"
#: ANSI styles per verdict; a conflict row is shown as CONFLICT.
STYLES: dict[str, str] = {
    "consistent": "\033[32m",  # green
    "inconsistent": "\033[1;31m",  # bold red
    "unverifiable": "\033[33m",  # yellow
    "conflict": "\033[1;35m",  # bold magenta
}
#: (header, row key, maximum width) of each column, in order.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("verdict", "verdict", 12),
    ("doc", "doc", 22),
    ("place", "place", 34),
    ("reference", "reference", 18),
    ("claimed", "claimed", 40),
    ("computed", "computed", 9),
    ("diff", "diff", 7),
    ("bearing", "bearing", 15),
    ("note", "note", 60),
)


def _width(text: str) -> int:
    """Display width: wide East Asian characters take two cells, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _fit(text: str, limit: int) -> str:
    """One printable line (no control or escape characters), cut to ``limit`` cells with
    an ellipsis."""
    flat = printable(" ".join(text.split()))
    if _width(flat) <= limit:
        return flat
    out = ""
    for char in flat:
        if _width(out + char) > limit - 1:
            break
        out += char
    return out + "…"


def _km(value: object) -> str:
    return "" if value is None else f"{float(str(value)):.1f}"


def _bearing(row: dict[str, object]) -> str:
    if not row["direction"]:
        return ""
    computed = row["bearing_computed"]
    mark = {True: "ok", False: "OFF", None: ""}[row["bearing_ok"]]  # type: ignore[index]
    shown = f"{row['direction']}"
    if computed is not None:
        shown += f" ({float(str(computed)):.0f}°) {mark}"
    return shown.strip()


def _cells(row: dict[str, object]) -> dict[str, str]:
    conflict = row["kind"] == "conflict"
    claimed = (
        f"{row['qualifier']} {row['claimed_text']}"
        if row["qualifier"]
        not in (
            "exact",
            "range",
            "",
        )
        else str(row["claimed_text"])
    )
    if conflict:
        claimed = f"{row['claimed_text']} vs {row['other_claimed_text']}"
    return {
        "verdict": "CONFLICT" if conflict else str(row["verdict"]),
        "doc": str(row["doc"]),
        "place": str(row["place"]),
        "reference": str(row["reference"]),
        "claimed": claimed + (" [units differ]" if row["units_disagree"] else ""),
        "computed": _km(row["computed_km"]),
        "diff": _km(row["difference_km"]),
        "bearing": _bearing(row),
        "note": str(row["note"] or row["quote"]),
    }


def _style(verdict_cell: str, color: bool) -> str:
    if not color:
        return ""
    return STYLES["conflict"] if verdict_cell == "CONFLICT" else STYLES.get(verdict_cell, "")


def format_checks(checks: Sequence[Check], color: bool = False) -> str:
    """An aligned table of the checks, one line each, with a summary line at the end."""
    if not checks:
        return "no distance claims found"
    cells = [_cells(row) for row in check_rows(checks)]
    fitted = [{key: _fit(c[key], limit) for _, key, limit in COLUMNS} for c in cells]
    widths = {
        key: max(_width(header), *(_width(f[key]) for f in fitted)) for header, key, _ in COLUMNS
    }
    right = {"computed", "diff"}

    def line(values: dict[str, str], style: str = "") -> str:
        parts = []
        for _, key, _limit in COLUMNS:
            value = values[key]
            pad = " " * (widths[key] - _width(value))
            text = pad + value if key in right else value + pad
            if key == "verdict" and style:
                text = f"{style}{text}{RESET}"
            parts.append(text)
        return "  ".join(parts).rstrip()

    header = {key: header for header, key, _ in COLUMNS}
    rule = {key: "-" * widths[key] for _, key, _ in COLUMNS}
    lines = [line(header), line(rule)]
    lines.extend(line(f, _style(f["verdict"], color)) for f in fitted)
    lines.append(_summary(checks))
    return "\n".join(lines)


def _summary(checks: Sequence[Check]) -> str:
    counts = Counter(c.verdict for c in checks if c.kind == "distance")
    conflicts = sum(1 for c in checks if c.kind == "conflict")
    parts = [f"{counts[v]} {v}" for v in ("consistent", "inconsistent", "unverifiable")]
    total = sum(counts.values())
    plural = "" if conflicts == 1 else "s"
    return f"{total} claims: " + ", ".join(parts) + f"; {conflicts} conflict{plural}"
