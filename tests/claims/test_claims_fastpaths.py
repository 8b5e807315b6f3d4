"""The claims stage's fast paths find exactly what the plain scans find.

The plain rules: a document has a unit of distance where the unit pattern finds one in the
whole text (case-insensitively), and its quantities are every match of ``_QUANTITY`` in the
whole text. The quick forms look for unit marks in an ASCII copy and read the quantity
pattern only from a bound worked out backwards from each mark. Random texts made of the
pattern's own words, digits, separators and look-alike characters (non-ASCII letters, case
folds such as the Kelvin sign, stops) must give the same answers to the character.
"""

from __future__ import annotations

import random
import re
import time

import pytest

from geo.claims import _extract as claims
from geo.claims._extract import _quantity_matches, _unit_marks, may_state_distance
from geo.claims._quantities import _QUANTITY, _QUANTITY_WORDS, _UNIT

_UNIT_ANYWHERE = re.compile(_UNIT, re.IGNORECASE)

_UNITS = [
    "km",
    "kms",
    "KM",
    "kilometres",
    "Kilometers",
    "kilometre",
    "mi",
    "mi.",
    "mile",
    "Miles",
    "metres",
    "meter",
    "nautical miles",
    "nautical  mile",
    "\u212am",  # Kelvin sign: matches "k" case-insensitively
    "m\u0131les",  # dotless i
    "mi\u017fe",  # long s (no unit)
    "kilome",
    "metro",
    "miléage",
    "Kami",
    "summit",
    "parameters",
]
_GLUE = [" ", "  ", "-", " - ", "–", ",", ".", "/", "\n", " (", ") ", "'", "’", "\u00a0", ""]
_OTHER_WORDS = ["the", "was", "town", "north", "of", "from", "Gori", "x", "_", "é", "İ", "ſ"]
_NUMBERS = ["30", "1,500", "2.5", "½", "3¼", "10/3", "1 1/2", "٣", "0", "12345678901234567890"]


def _piece(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        word = rng.choice(sorted(_QUANTITY_WORDS))
        return word.upper() if rng.random() < 0.1 else word
    if kind < 0.5:
        return rng.choice(_NUMBERS)
    if kind < 0.7:
        return rng.choice(_UNITS)
    if kind < 0.8:
        return rng.choice(["about", "within", "more than", "between", "a few", "twenty-five"])
    return rng.choice(_OTHER_WORDS)


def _text(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randrange(1, 40)):
        parts.append(_piece(rng))
        parts.append(rng.choice(_GLUE) if rng.random() < 0.9 else "")
    return "".join(parts)


def _spans(matches: object) -> list[tuple[int, int, dict[str, str | None]]]:
    return [(m.start(), m.end(), m.groupdict()) for m in matches]  # type: ignore[attr-defined]


def _check(text: str) -> None:
    marks = _unit_marks(text)
    assert bool(marks) == (_UNIT_ANYWHERE.search(text) is not None), repr(text)
    assert may_state_distance(text) == bool(marks)
    assert _spans(_quantity_matches(text, marks)) == _spans(_QUANTITY.finditer(text)), repr(text)


def test_quantities_of_random_texts_are_the_plain_scan() -> None:
    rng = random.Random(5)
    for _ in range(6000):
        _check(_text(rng))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "about 30 km (18 miles) north of the town",
        "between 5 and 10 nautical miles off the coast",
        "some twenty-five kilometres away, or 15 miles",
        "It is 3 \u212am from here",
        "5to10km",
        "approx. 1,500 metres",
        "Kami is 4 mi.",
        "x.30 km /30 km _30 km",
        "half a mile, a few dozen metres, hundreds of miles",
        "the ministers met for an hour",
    ],
)
def test_quantities_of_chosen_texts_are_the_plain_scan(text: str) -> None:
    _check(text)


def test_a_long_run_of_quantity_words_is_read_in_linear_time() -> None:
    text = "at" * 20000 + "o" + " 5 km"
    began = time.perf_counter()
    _check(text)
    _check("an" * 20000 + " " + "ten " * 5000 + "miles")
    assert time.perf_counter() - began < 5.0


def test_a_broken_bound_is_caught_by_the_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a word fewer backwards (as if a qualifier were no quantity word) loses
    matches, and the comparison above sees it."""
    original = claims._earliest_start

    def too_late(reverse: str, mark: int) -> int:
        start = original(reverse, mark)
        text = reverse[::-1]
        word = re.compile(r"\w+").match(text, start)
        return word.end() if word is not None and word.end() < mark else start

    monkeypatch.setattr(claims, "_earliest_start", too_late)
    rng = random.Random(5)
    with pytest.raises(AssertionError):
        for _ in range(2000):
            _check(_text(rng))


def test_a_broken_unit_mark_is_caught_by_the_comparison(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Marks found in the ASCII copy alone (missing the Kelvin sign) differ."""
    monkeypatch.setattr(claims, "_FOLD_CHARS", ())
    with pytest.raises(AssertionError):
        _check("It is 3 \u212am from here")


def test_every_word_the_quantity_pattern_reads_is_a_quantity_word() -> None:
    """The backward read (``_earliest_start``) knows only ``_QUANTITY_WORDS``: a word added
    to ``_QUANTITY`` outside those tables must be added there too, or matches are lost."""
    import re

    from geo.claims._quantities import _QUANTITY, _UNIT

    source = _QUANTITY.pattern.replace(_UNIT, "")
    source = re.sub(r"\(\?P<\w+>", "(", source)  # group names
    source = re.sub(r"\\[a-zA-Z]", " ", source)  # escapes such as \d, \s, \b
    assert set(re.findall(r"[a-z]+", source.lower())) <= _QUANTITY_WORDS
