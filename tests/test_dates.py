"""Date expressions resolved against the publication date (geo.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from geo.dates import find_dates, latest_weekday, next_weekday, resolve_date

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
