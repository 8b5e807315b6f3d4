"""Date expressions resolved against the publication date (geo.text._dates)."""

from __future__ import annotations

from datetime import date

import pytest

from geo.text._dates import find_dates, latest_weekday, next_weekday, resolve_date

TUESDAY = date(2008, 8, 19)


@pytest.mark.parametrize(
    ("expression", "expected", "precision"),
    [
        ("Tuesday", date(2008, 8, 19), "day"),  # the publication day itself
        ("on Monday", date(2008, 8, 18), "day"),
        ("Sunday night", date(2008, 8, 17), "day"),
        ("on Wednesday", date(2008, 8, 13), "day"),  # latest Wednesday on or before
        ("last Tuesday", date(2008, 8, 12), "day"),
        ("next Friday", date(2008, 8, 22), "day"),
        ("at the weekend", date(2008, 8, 16), "week"),
        ("over the weekend", date(2008, 8, 16), "week"),
        ("until the weekend", date(2008, 8, 23), "week"),
        ("last week", date(2008, 8, 11), "week"),
        ("this week", date(2008, 8, 18), "week"),
        ("this month", date(2008, 8, 1), "month"),
        ("earlier this month", date(2008, 8, 1), "month"),
        ("last month", date(2008, 7, 1), "month"),
        ("on August 7-8", date(2008, 8, 7), "week"),
        ("on 7-8 August", date(2008, 8, 7), "week"),
        ("on 7 August", date(2008, 8, 7), "day"),
        ("Aug. 9", date(2008, 8, 9), "day"),
        ("Sept. 3rd", date(2008, 9, 3), "day"),
        ("19 August 2008", date(2008, 8, 19), "day"),
        ("August 2008", date(2008, 8, 1), "month"),
        ("in May", date(2008, 5, 1), "month"),
        ("Earlier, troops left", date(2008, 8, 19), "day"),
        ("yesterday", date(2008, 8, 18), "day"),
        ("tomorrow", date(2008, 8, 20), "day"),
        ("about two weeks ago", date(2008, 8, 5), "week"),
        ("three days ago", date(2008, 8, 16), "day"),
        ("2008-08-12", date(2008, 8, 12), "day"),
    ],
)
def test_expressions_resolve_against_publication(
    expression: str, expected: date, precision: str
) -> None:
    resolved = resolve_date(expression, TUESDAY)
    assert resolved.date == expected
    assert resolved.precision == precision


def test_year_is_chosen_closest_to_publication() -> None:
    assert resolve_date("on 30 December", date(2009, 1, 4)).date == date(2008, 12, 30)
    assert resolve_date("on 3 January", date(2008, 12, 28)).date == date(2009, 1, 3)


def test_no_publication_date_leaves_relative_dates_unknown() -> None:
    for expression in (
        "Monday",
        "last week",
        "this month",
        "earlier",
        "on 7 August",
        "at the weekend",
    ):
        resolved = resolve_date(expression, None)
        assert resolved.date is None and resolved.precision == "unknown", expression
    assert resolve_date("on 7 August 2008", None).date == date(2008, 8, 7)


def test_anaphoric_expressions_count_from_the_anchor() -> None:
    assert resolve_date("two days later", TUESDAY, anchor=date(2008, 8, 8)).date == date(
        2008, 8, 10
    )
    assert resolve_date("the next day", TUESDAY, anchor=date(2008, 8, 8)).date == date(2008, 8, 9)
    assert resolve_date("the day before", TUESDAY, anchor=date(2008, 8, 8)).date == date(2008, 8, 7)
    assert resolve_date("a week later", TUESDAY, anchor=date(2008, 8, 8)).date == date(2008, 8, 15)


def test_find_dates_moves_the_anchor_through_the_text() -> None:
    text = (
        "Troops reached the town on 10 August. Two days later they left, and a day later returned."
    )
    found = find_dates(text, TUESDAY)
    assert [m.resolved.date for m in found] == [
        date(2008, 8, 10),
        date(2008, 8, 12),
        date(2008, 8, 13),
    ]
    assert all(text[m.start : m.end] == m.text for m in found)


def test_find_dates_offsets_are_shifted() -> None:
    found = find_dates("left on Monday", TUESDAY, offset=100)
    assert [(m.start, m.end) for m in found] == [(105, 114)]


def test_words_that_are_not_dates() -> None:
    assert find_dates("Troops may advance; the march was long.", TUESDAY) == []
    assert find_dates("It took longer than expected, earlier than planned.", TUESDAY) == []
    assert resolve_date("no date here", TUESDAY).date is None


def test_weekday_helpers() -> None:
    assert latest_weekday(1, TUESDAY) == TUESDAY
    assert latest_weekday(0, TUESDAY) == date(2008, 8, 18)
    assert next_weekday(1, TUESDAY) == date(2008, 8, 26)
    assert next_weekday(4, TUESDAY) == date(2008, 8, 22)


def test_invalid_day_is_unknown() -> None:
    assert resolve_date("on 31 February 2008", TUESDAY).date is None


# -- the fast scan matches the plain case-insensitive one ---------------------------------
def test_patterns_are_written_in_lower_case() -> None:
    """The scan runs them on lower-cased text; an upper-case letter would never match."""
    from geo.text._date_patterns import _PATTERNS

    for name, source in _PATTERNS:
        assert source == source.lower(), name


def test_capitals_do_not_change_what_is_found() -> None:
    text = "Shelling resumed on MONDAY; by 12 AUG. the convoy had left, two DAYS LATER it was back."
    lower = text.lower()
    found = [(d.start, d.end, d.kind, d.resolved) for d in find_dates(text, TUESDAY)]
    expected = [(d.start, d.end, d.kind, d.resolved) for d in find_dates(lower, TUESDAY)]
    assert found == expected
    assert [kind for _, _, kind, _ in found] == ["weekday", "day_month", "offset_rel"]
    assert found[1][3].date == date(2008, 8, 12)
    assert found[2][3].date == date(2008, 8, 14)


@pytest.mark.parametrize("odd", ["\u0130", "\u212a", "\u017f", "\u00c9"])
def test_characters_that_fold_oddly_keep_spans_exact(odd: str) -> None:
    """Dotted capital I, Kelvin sign, long s, accented capitals: spans stay on the text."""
    text = f"{odd}zmir aid {odd} arrived last Friday, and on 15 August more came."
    found = find_dates(text, TUESDAY)
    assert [text[d.start : d.end] for d in found] == ["last Friday", "15 August"]
    assert [d.resolved.date for d in found] == [date(2008, 8, 15), date(2008, 8, 15)]


def test_long_s_matches_like_the_case_insensitive_pattern() -> None:
    # re.IGNORECASE lets "s" match the long s; the fast scan must find the same span.
    text = "Due on \u017fept. 3, they said."
    found = find_dates(text, TUESDAY)
    assert [(d.start, d.end, d.kind) for d in found] == [(7, 14, "month_day")]


def test_lower_exact() -> None:
    from geo.text._date_patterns import lower_exact

    assert lower_exact("Troops LEFT Gori") == "troops left gori"
    assert lower_exact("caf\u00e9 \u2019quotes\u2019") == "caf\u00e9 \u2019quotes\u2019"
    assert lower_exact("\u00c9cole") is None  # a non-ASCII capital: no exact lower-casing
    assert lower_exact("\u212a") is None


def test_weekday_with_a_long_s_resolves_instead_of_failing() -> None:
    found = find_dates("The column arrived on ſunday.", date(2008, 8, 19))
    assert [m.resolved.date for m in found] == [date(2008, 8, 17)]


# -- the anchored scan finds what a plain scan of every pattern finds ----------------------
def _plain_scan(text: str) -> list[tuple[int, int, str]]:
    """Each pattern's matches over the whole text, case-insensitively, earlier patterns
    first, overlaps dropped: what find_dates must find (without its short cuts)."""
    import re

    from geo.text._date_patterns import _PATTERNS
    from geo.text._dates import _is_verb_month

    taken: list[tuple[int, int, str]] = []
    used = bytearray(len(text))
    for kind, source in _PATTERNS:
        for match in re.finditer(source, text, re.IGNORECASE):
            start, end = match.span()
            if any(used[start:end]) or _is_verb_month(text[start:end], kind):
                continue
            used[start:end] = b"\x01" * (end - start)
            taken.append((start, end, kind))
    return sorted(taken)


_PIECES = (
    "7 - 8 of August",
    "12th \n to 13th  of Sept. , 2008",
    "about a couple of days ago",
    "a couple of\n\n days later",
    "the  day before\tyesterday",
    "the day before",
    "the following morning",
    "earlier this week",
    "at\nthe weekend",
    "last  Monday morning",
    "mid- August",
    "in May",
    "troops may",
    "2008-08-19",
    "earlier than",
    "Aug. 7-8, 2008",
    "\u017funday",
    "\u212aelvin",
    "the_day",
    "march5",
    "Tuesday's",
)


def test_the_scan_finds_what_a_plain_scan_of_every_pattern_finds() -> None:
    import random

    rng = random.Random(7)
    separators = (" ", "  ", "\n", ", ", ". ", "-", "(", "\u00a0")
    for _ in range(400):
        parts = [rng.choice(_PIECES) for _ in range(rng.randrange(1, 7))]
        text = "".join(part + rng.choice(separators) for part in parts)
        if rng.random() < 0.3:
            text = text.upper()
        found = [(d.start, d.end, d.kind) for d in find_dates(text, TUESDAY)]
        assert found == _plain_scan(text), text


def test_plain_dates_with_of_or_a_line_break_read_like_dateparser() -> None:
    from geo.text._dates import _parse_plain, _parse_with_dateparser

    for text in ("23\n    December", "August\t7th,\n2008", "7  Aug.  2008", "7th OF\nSept."):
        assert _parse_plain(text) is not None
        assert _parse_plain(text) == _parse_with_dateparser(text)
    assert resolve_date("on 23\n    December", TUESDAY).date == date(2008, 12, 23)


# -- dates inside spans: the windowed scan finds what the whole text gives ----------------
_BARRIER_SEPARATORS = (
    " ",
    "; ",
    ". ",
    ": ",
    "! ",
    '" ',
    "(",
    ") ",
    "'",
    "\u201d ",
    ".",
    ", ",
    "\n",
)


def test_no_pattern_matches_a_barrier_character() -> None:
    """What find_dates_within relies on: a barrier never lies inside a match, so a window
    bounded by barriers holds every match that touches its spans."""
    import random

    from geo.text._dates import BARRIERS

    rng = random.Random(11)
    for _ in range(300):
        parts = [rng.choice(_PIECES) for _ in range(rng.randrange(1, 6))]
        text = "".join(part + rng.choice(_BARRIER_SEPARATORS) for part in parts)
        for start, end, _ in _plain_scan(text):
            assert not set(text[start:end]) & set(BARRIERS), text[start:end]


def test_dates_within_spans_are_the_whole_texts_dates_in_them() -> None:
    import random

    from geo.text._dates import find_dates_within

    rng = random.Random(5)
    pieces = (*_PIECES, "two days later", "the next day", "Aug. 12", "on 9 August", "Sept.")
    for _ in range(500):
        parts = [rng.choice(pieces) for _ in range(rng.randrange(1, 9))]
        text = "".join(part + rng.choice(_BARRIER_SEPARATORS) for part in parts)
        if rng.random() < 0.2:
            text = text.upper()
        # span edges anywhere, and often at a punctuation mark (either side of it)
        marks = [i + rng.randrange(2) for i, char in enumerate(text) if not char.isalnum()]
        edges = marks if marks and rng.random() < 0.5 else range(len(text) + 1)
        cuts = sorted(set(rng.choices(edges, k=2 * rng.randrange(1, 4))))
        spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
        published = rng.choice((TUESDAY, None))
        whole = find_dates(text, published)
        expected = [d for d in whole if any(a <= d.start and d.end <= b for a, b in spans)]
        assert find_dates_within(text, published, spans) == expected, (text, spans)


def test_date_windows_look_at_each_full_stop_once_however_many_spans(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import geo.text._dates as dates

    calls = 0
    real = dates._is_barrier

    def counting(text: str, position: int) -> bool:
        nonlocal calls
        calls += 1
        return real(text, position)

    monkeypatch.setattr(dates, "_is_barrier", counting)
    text = "troops came in Aug. " * 2000  # full stops, none of them a barrier
    spans = [(i * 20, i * 20 + 15) for i in range(0, 2000, 2)]
    assert dates._windows(text, spans) == [(0, len(text))]
    assert calls <= 2 * text.count(".")  # a scan per span made about two million
