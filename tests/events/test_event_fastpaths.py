"""Short cuts of the event stage, each checked against the plain rule it stands for."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from event_support import article, find_mentions, load_devset

from geo.events._events import _keep, extract_frames
from geo.events._rules import load_lexicon
from geo.events._triggers import Hit
from geo.text._dates import find_dates, resolvable_spans
from geo.text._sentences import _NEXT_WORD, _boundary_after, _is_abbreviation, _word_before

# -- dates: the sentences that can hold a date that resolves -------------------------------
_DATE_PIECES = (
    "on 12 August 2008",
    "Aug. 7-8, 2008",
    "2008-08-19",
    "1500-03-04",
    "7 August 1812",
    "\u0662\u0660\u0660\u0668-\u0660\u0668-\u0661\u0669",  # an ISO date in other digits
    "19 August 20\u0660\u0668",  # a year ending in other digits
    "August 1999",
    "two days later",
    "the next day",
    "a couple of\n days later",
    "the day before",
    "the following morning",
    "\u017fix DAYS later",
    "two wee\u212as later",
    "on Monday",
    "last week",
    "yesterday",
    "7 August",
    "20 km away",
    "in 1800",
    "120 troops",
    "mid-1990s",
    "troops moved",
    "the town",
)
_SEPARATORS = (" ", ". ", ", ", "; ", "\n", "(", ") ", "-", "")


def _date_text(rng: random.Random) -> str:
    parts = [rng.choice(_DATE_PIECES) for _ in range(rng.randrange(1, 9))]
    text = "".join(part + rng.choice(_SEPARATORS) for part in parts)
    return text.upper() if rng.random() < 0.2 else text


def test_every_date_that_resolves_lies_in_a_kept_span() -> None:
    rng = random.Random(29)
    for _ in range(1500):
        text = _date_text(rng)
        cuts = sorted(set(rng.choices(range(len(text) + 1), k=2 * rng.randrange(1, 5))))
        spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
        kept = resolvable_spans(text, None, spans)
        assert set(kept) <= set(spans)
        for mention in find_dates(text, None):
            if not mention.resolved.known:
                continue
            for span in spans:
                if span[0] <= mention.start and mention.end <= span[1]:
                    assert span in kept, (text, mention, span)
        assert resolvable_spans(text, date(2008, 8, 19), spans) == spans


def test_spans_without_a_mark_or_an_anaphoric_word_are_left_out() -> None:
    text = "Troops moved 35 km on Monday. They left in 1995. Two days later it ended."
    spans = [(0, 29), (30, 48), (49, len(text))]
    assert resolvable_spans(text, None, spans) == spans[1:]
    assert resolvable_spans("Troops moved on Monday.", None, [(0, 23)]) == []
    assert resolvable_spans("Two days later it ended.", None, [(0, 24)]) == []
    text = "They met on 1500-03-04. Two days later it ended."
    assert find_dates(text, None)[-1].resolved.known  # counted from the ISO date
    assert resolvable_spans(text, None, [(24, len(text))]) == [(24, len(text))]


# -- events: frames that nothing reads -----------------------------------------------------
_QUIET = ["It was quiet.", "Nothing else was reported.", "Officials said nothing changed."]
_MOVES = [
    "The troops moved on at first light.",
    "Russian forces advanced again.",
    "They withdrew after two days.",
    "The soldiers took up positions nearby.",
    "Georgian units pulled back overnight.",
    "They entered Gori in the afternoon.",
    "The column then reached Kaspi.",
    "Later they took control of the bridge near Igoeti.",
]


def _clause(rng: random.Random, with_places: list[str]) -> str:
    """A sentence, or two or three run into one (so that one holds several triggers),
    now and then with a date."""
    pieces = [rng.choice(with_places if rng.random() < 0.5 else _MOVES)]
    for _ in range(rng.randrange(0, 3)):
        pieces.append(rng.choice(_JOINS) + rng.choice(_MOVES + with_places)[:1].lower())
        pieces[-1] += rng.choice(_MOVES + with_places)[1:]
    sentence = "".join(piece.rstrip(".") for piece in pieces) + "."
    if rng.random() < 0.3:
        sentence = rng.choice(_DATES) + " " + sentence[:1].lower() + sentence[1:]
    return sentence


_JOINS = (", and ", " and then ", ", where ", "; the ", ", after the ")
_DATES = ("On 12 August 2008", "Two days later", "The next day", "On Monday", "In 2008,")


def test_frames_left_out_change_no_event(curated_gazetteer: Any) -> None:
    rng = random.Random(17)
    with_places = [case["text"] for case in load_devset()]
    for round_ in range(500):
        parts: list[str] = []
        for _ in range(rng.randrange(1, 6)):
            parts.append(_clause(rng, with_places))
            parts += [rng.choice(_QUIET) for _ in range(rng.randrange(0, 5))]
        text = " ".join(parts) if round_ % 2 else "\n\n".join(parts)
        source = article(text, published=date(2008, 8, 19) if round_ % 3 else None)
        mentions = find_mentions(text, curated_gazetteer)
        every = [f for f in extract_frames(source, mentions) if _keep(f)]
        needed = [f for f in extract_frames(source, mentions, placeless=False) if _keep(f)]
        assert needed == every, text


# -- triggers: a hit keeps its first and last positions as fields --------------------------
def test_a_hit_keeps_its_first_and_last_positions() -> None:
    for spec in load_lexicon().triggers[:20]:
        for positions in ((0,), (3, 4), (2, 5, 6)):
            hit, again = Hit(spec, positions), Hit(spec, positions)
            assert (hit.first, hit.last) == (positions[0], positions[-1])
            assert hit == again
            assert hash(hit) == hash(again)


# -- sentences ------------------------------------------------------------------------------
def _plain_word_before(text: str, end: int, start: int) -> str:
    first = end
    while first > start and (text[first - 1].isalnum() or text[first - 1] in "_.’'"):
        first -= 1
    return text[first:end]


def test_word_before_is_the_plain_run() -> None:
    rng = random.Random(5)
    alphabet = ["a", "B", "é", "1", "٣", ".", "'", "’", "_", " ", "  ", "-", "(", "\n", "\u00a0"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 20)))
        end = rng.randrange(1, len(text) + 1)
        start = rng.randrange(0, end + 1)
        assert _word_before(text, end, start) == _plain_word_before(text, end, start), text


def test_a_stop_at_the_end_of_its_line_ends_the_sentence() -> None:
    for text in ("He left.", "He left.\nThen", "U.S.", "Gen.\n"):
        end = text.index("\n") if "\n" in text else len(text)
        assert _NEXT_WORD.match(text, end, end) is None  # what the plain rule reads
        assert _boundary_after(text, end - 1, end, end)


def test_abbreviation_is_a_pure_function_of_the_word() -> None:
    for word in ("Mr.", "U.S.", "J.", "said.", "e.g.", "Aug.", "x.y.", "."):
        assert _is_abbreviation(word) == _is_abbreviation.__wrapped__(word)
