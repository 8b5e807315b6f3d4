"""Word units of a sentence (geo.events._units): the fast tokeniser gives the plain tokens."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.events._units import _TOKEN, Unit, units_from
from geo.text._sentences import Sentence

_ALPHABET = "ab Zé_19'’.,-;\"()\n\tΣσİ"


def _plain_units(text: str) -> list[tuple[str, str, int, int]]:
    """Every ``_TOKEN`` match with its span, lower case and "’" as "'": the rule."""
    return [
        (m.group(), m.group().lower().replace("’", "'"), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def _units(text: str) -> list[Unit]:
    return units_from(text, Sentence(0, len(text), text, 0, 0), [])


def _words(units: list[Unit]) -> list[tuple[str, str, int, int]]:
    return [(u.text, u.low, u.start, u.end) for u in units]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_units_are_the_plain_tokens(text: str) -> None:
    assert _words(_units(text)) == _plain_units(text)


def test_units_of_mixed_words_are_the_plain_tokens() -> None:
    rng = random.Random(3)
    words = (
        "Gori,",
        "don't",
        "isn’t",
        "Georgia's",
        "U.S.",
        "3.5km",
        "said.",
        "“Poti”",
        "north-west",
        "o'clock",
        "ÅLAND",
        "straße",
        "snake_case",
        "'s",
        "...",
        "x’",
    )
    for _ in range(300):
        text = "".join(rng.choice(words) + rng.choice((" ", "  ", "\n", "")) for _ in range(8))
        assert _words(_units(text)) == _plain_units(text), text


def test_a_word_that_is_lower_case_is_its_own_low_form() -> None:
    """The fast path keeps a lower-case run as it is: true of every character."""
    for code in range(0x30000):
        char = chr(code)
        word = "a" + char
        if word.isalnum() and word.islower():
            assert word.lower() == word, hex(code)
