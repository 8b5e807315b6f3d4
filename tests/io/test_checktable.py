"""The terminal table of checks: aligned columns, verdicts coloured only when asked."""

from __future__ import annotations

import re

from geo.claims._conflicts import check_claims
from geo.io._checktable import STYLES, format_checks
from geo.models import Claim, Place

VERDICT_CELLS = ("consistent", "inconsistent", "unverifiable", "CONFLICT")
ANSI = re.compile(r"\033\[[0-9;]*m")

CAPITAL = Place(
    id="cap", name="Capital City", lat=41.69411, lon=44.83368, kind="city", country="GE"
)
VILLAGE = Place(id="vil", name="Västerby", lat=41.98917, lon=44.41833, kind="village", country="GE")


def claim(
    doc: str, km: float, text: str, subject: Place | None = VILLAGE, **extra: object
) -> Claim:
    return Claim(
        doc=doc,
        quote=f"A sentence made up for the test in {doc}, long enough to be cut in the table.",
        char_start=0,
        char_end=10,
        claimed_km=km,
        claimed_text=text,
        subject=subject,
        reference=CAPITAL,
        subject_text="posts" if subject is None else subject.name,
        reference_text="the capital",
        qualifier="about",
        **extra,  # type: ignore[arg-type]
    )


def sample_checks():  # type: ignore[no-untyped-def]
    return check_claims(
        [
            claim("report-one", 30.0, "30 km"),
            claim("report-two", 45.0, "45 km (28 miles)"),
            claim("report-three", 35.0, "35 km", subject=None),
            claim("report-four", 47.0, "47 km (12 miles)", units_disagree=True),
        ]
    )


def test_plain_table_is_aligned_and_has_every_check() -> None:
    checks = sample_checks()
    table = format_checks(checks, color=False)
    assert not ANSI.search(table)
    lines = table.splitlines()
    header, rule, body, summary = lines[0], lines[1], lines[2:-1], lines[-1]
    assert len(body) == len(checks) == 5  # four claims; one conflict row for the pair of places
    # the rule line marks each column; every line leaves two spaces before each column
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    assert len(starts) == 9
    for line in [header, *body]:
        for start in starts[1:]:
            assert line[start - 2 : start] == "  ", line
        assert line[: starts[1] - 2].strip() in ("verdict", *VERDICT_CELLS)
    assert rule.startswith("------------  ")
    verdicts = [line.split()[0] for line in body]
    assert verdicts == [
        "inconsistent",
        "consistent",
        "unverifiable",
        "consistent",
        "CONFLICT",
    ]
    assert "Västerby" in body[0]
    assert "[units differ]" in body[3]
    assert "report-one says 30 km, report-four says 47 km" in body[4]  # the extremes
    assert summary == "4 claims: 2 consistent, 1 inconsistent, 1 unverifiable; 1 conflict"


def test_long_cells_are_cut_with_an_ellipsis() -> None:
    table = format_checks(sample_checks(), color=False)
    assert all(len(line) < 260 for line in table.splitlines())
    assert "…" in table


def test_colour_marks_only_the_verdict_and_keeps_alignment() -> None:
    checks = sample_checks()
    coloured = format_checks(checks, color=True)
    plain = format_checks(checks, color=False)
    assert ANSI.sub("", coloured) == plain
    lines = coloured.splitlines()
    assert lines[2].startswith(STYLES["inconsistent"] + "inconsistent")
    assert lines[3].startswith(STYLES["consistent"] + "consistent")
    assert lines[4].startswith(STYLES["unverifiable"] + "unverifiable")
    assert lines[6].startswith(STYLES["conflict"] + "CONFLICT")
    assert len(ANSI.findall(lines[2])) == 2  # one colour, one reset


def test_no_checks() -> None:
    assert format_checks([], color=True) == "no distance claims found"
