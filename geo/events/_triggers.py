"""Finding triggers: the verbs and nouns (``data/event_lexicon.yaml``) that start an event.

Two passes. :func:`scan_document` runs one Aho-Corasick automaton over the whole document
and keeps the sentences in which some trigger can match (and the offsets where an actor
name can start), an exact pre-filter; :func:`find_triggers` then matches the triggers on
the units of each kept sentence. :func:`is_noun_use` tells whether a trigger is used as a
noun ("the withdrawal", "a new advance").
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import ahocorasick

from geo.events._rules import Lexicon, TriggerSpec
from geo.events._units import Unit
from geo.text import Sentence, word_key, word_mapped

DETERMINERS = frozenset(
    {
        "a",
        "an",
        "the",
        "this",
        "that",
        "its",
        "their",
        "his",
        "her",
        "our",
        "these",
        "those",
        "'s",
        "’s",
    }
)
_NOUN_ADJECTIVES = frozenset(
    {
        "new",
        "fresh",
        "major",
        "massive",
        "heavy",
        "huge",
        "renewed",
        "further",
        "ground",
        "air",
        "artillery",
        "rocket",
        "full-scale",
        "large-scale",
        "overnight",
        "surprise",
        "failed",
        "brief",
        "first",
        "latest",
        "final",
        "planned",
        "promised",
        "slow",
        "gradual",
        "partial",
        "full",
        "complete",
        "quick",
        "rapid",
        "swift",
        "prisoner",
        "military",
    }
)


# -- the sentence pre-filter and the document-level scan ------------------------------------
def _trigger_index(lexicon: Lexicon) -> dict[str, list[TriggerSpec]]:
    index: dict[str, list[TriggerSpec]] = {}
    for spec in lexicon.triggers:
        first = spec.slots[0]
        assert first is not None
        for word in first:
            index.setdefault(word, []).append(spec)
    return index


_INDEX_CACHE: dict[int, tuple[Lexicon, dict[str, list[TriggerSpec]], frozenset[str], Any]] = {}


def _trigger_tables(lexicon: Lexicon) -> tuple[dict[str, list[TriggerSpec]], frozenset[str], Any]:
    """Triggers by first word, the set of those words and an Aho-Corasick automaton of
    every trigger word (None where a word is not ASCII) -- cached per lexicon."""
    cached = _INDEX_CACHE.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1], cached[2], cached[3]
    index = _trigger_index(lexicon)
    words = {word for spec in lexicon.triggers for slot in spec.slots if slot for word in slot}
    automaton: Any = None
    if words and all(word.isascii() for word in words):
        automaton = ahocorasick.Automaton()
        for word in words:
            automaton.add_word(word, word)
        automaton.make_automaton()
    if len(_INDEX_CACHE) > 64:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[id(lexicon)] = (lexicon, index, frozenset(index), automaton)
    return index, frozenset(index), automaton


def _spec_possible(
    index: dict[str, list[TriggerSpec]], firsts: frozenset[str], present: set[str]
) -> bool:
    """Whether some trigger has each of its word slots filled by a word in ``present``."""
    return any(
        all(slot is None or not slot.isdisjoint(present) for slot in spec.slots[1:])
        for word in firsts.intersection(present)
        for spec in index[word]
    )


def may_contain_trigger(sentence_text: str, lexicon: Lexicon) -> bool:
    """A cheap test on the raw sentence: False only where no trigger can match in it.

    Every trigger word (ASCII, lower case) of a unit is a substring of the lower-cased
    sentence, so a sentence lacking the words of every trigger has none.
    """
    index, firsts, automaton = _trigger_tables(lexicon)
    if automaton is None:
        return True
    lowered = sentence_text.lower().replace("’", "'")
    present = set(map(itemgetter(1), automaton.iter(lowered)))
    return _spec_possible(index, firsts, present)


def _word_keys(word: str) -> tuple[str, ...]:
    """The forms of a lower-case ASCII ``word`` in a ``word_mapped`` text where it is a
    word unit: between spaces, or followed by "n't" ("did" in "didn't")."""
    key = word_key(word)
    return (key, key[:-1] + "n ") if word[-1:].isalnum() else (key,)


@dataclass(frozen=True, slots=True)
class _DocumentScan:
    """One automaton over a ``word_mapped`` text for the anchor slot of each trigger and
    for the actor names (value: the key's length, the numbers of the triggers anchored
    there, whether it is an actor name); per trigger (by number), the keys of each of its
    other word slots."""

    automaton: Any
    others: tuple[tuple[tuple[str, ...], ...], ...]


_SCAN_CACHE: dict[int, tuple[Lexicon, _DocumentScan | None]] = {}


def _anchor_slot(spec: TriggerSpec) -> int:
    """The word slot of ``spec`` the scan looks for first: the one whose shortest word is
    longest ("control" in "in control of"), so rarely a function word."""
    return max(
        (index for index, slot in enumerate(spec.slots) if slot is not None),
        key=lambda index: (min(map(len, spec.slots[index] or ())), -index),
    )


def _document_scan(lexicon: Lexicon) -> _DocumentScan | None:
    """The document scan of ``lexicon`` (None where a trigger word or an actor name is not
    ASCII), cached per lexicon."""
    cached = _SCAN_CACHE.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    _index, _firsts, trigger_automaton = _trigger_tables(lexicon)
    terms = {entry.term.lower() for entry in lexicon.actors}
    scan: _DocumentScan | None = None
    if trigger_automaton is not None and all(term.isascii() for term in terms):
        keys: dict[str, tuple[list[int], list[bool]]] = {}
        others = []
        for number, spec in enumerate(lexicon.triggers):
            anchor = _anchor_slot(spec)
            for word in spec.slots[anchor] or ():
                for key in _word_keys(word):
                    keys.setdefault(key, ([], []))[0].append(number)
            others.append(
                tuple(
                    tuple(key for word in sorted(slot) for key in _word_keys(word))
                    for index, slot in enumerate(spec.slots)
                    if slot is not None and index != anchor
                )
            )
        for term in terms:
            keys.setdefault(word_key(term), ([], []))[1].append(True)
        automaton = ahocorasick.Automaton()
        for key, (numbers, actor) in keys.items():
            automaton.add_word(key, (len(key), tuple(numbers), bool(actor)))
        automaton.make_automaton()
        scan = _DocumentScan(automaton, tuple(others))
    if len(_SCAN_CACHE) > 64:
        _SCAN_CACHE.clear()
    _SCAN_CACHE[id(lexicon)] = (lexicon, scan)
    return scan


def _all_present(segment: str, slots: tuple[tuple[str, ...], ...]) -> bool:
    """Whether ``segment`` holds a key of each of ``slots`` (plain loops: faster here than
    ``all`` and ``any`` over generators)."""
    for slot in slots:
        for key in slot:
            if key in segment:
                break
        else:
            return False
    return True


def scan_document(
    text: str, sentences: Sequence[Sentence], lexicon: Lexicon
) -> tuple[list[int], list[int] | None]:
    """Indexes of the ``sentences`` of ``text`` in which a trigger may match, and the
    sorted offsets where an actor pattern may match (None: anywhere).

    Exact as a pre-filter. A trigger matches units whose ``low`` is a trigger word; such
    a unit is a token of ``_TOKEN`` or an actor name, and neither starts after a letter
    or digit nor ends before one (unless "n't" follows), so in the ``word_mapped`` text
    each of its words stands as one of its ``_word_keys``. A match of an actor pattern
    ``(?<![\\w-])term(?![\\w-])`` (letters compared case-insensitively) stands there as
    the term, mapped the same way, between spaces.
    """
    scan = _document_scan(lexicon)
    if scan is None:
        return [s.index for s in sentences if may_contain_trigger(s.text, lexicon)], None
    mapped = word_mapped(text)
    starts = [s.start for s in sentences]
    found: dict[int, set[int]] = {}
    actor_at: set[int] = set()
    for last, (length, numbers, actor) in scan.automaton.iter(mapped):
        # a key starts with the space before its word: at the word's offset in ``text``
        # (the padding shifts the mapped text by one)
        offset = last - length + 1
        if actor:
            actor_at.add(offset)
        if numbers:
            found.setdefault(bisect.bisect_right(starts, offset) - 1, set()).update(numbers)
    chosen = []
    for position in sorted(found):
        if position < 0:
            continue
        sentence = sentences[position]
        segment = ""
        for number in found[position]:
            slots = scan.others[number]
            if slots:
                segment = segment or mapped[sentence.start : sentence.end + 2]
                if not _all_present(segment, slots):
                    continue
            chosen.append(position)
            break
    return chosen, sorted(actor_at)


# -- triggers on units -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hit:
    """A trigger matched at unit positions ``positions``, ``first`` to ``last`` (kept as
    fields: the clause rules read them often)."""

    spec: TriggerSpec
    positions: tuple[int, ...]
    first: int = field(init=False)
    last: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "first", self.positions[0])
        object.__setattr__(self, "last", self.positions[-1])


def _match_slots(
    units: Sequence[Unit], index: int, slots: Sequence[frozenset[str] | None]
) -> tuple[int, ...] | None:
    if not slots:
        return ()
    slot = slots[0]
    if slot is None:
        for gap in range(0, 4):
            if gap and (index + gap - 1 >= len(units) or not units[index + gap - 1].is_word):
                break
            rest = _match_slots(units, index + gap, slots[1:])
            if rest is not None:
                return rest
        return None
    if index < len(units) and units[index].place is None and units[index].low in slot:
        rest = _match_slots(units, index + 1, slots[1:])
        return None if rest is None else (index, *rest)
    return None


def find_triggers(units: Sequence[Unit], lexicon: Lexicon) -> list[Hit]:
    """Trigger matches, longest first where they overlap."""
    index, _firsts, _automaton = _trigger_tables(lexicon)
    hits: list[Hit] = []
    for position, unit in enumerate(units):
        specs = index.get(unit.low)
        if specs is None or unit.place is not None:  # a trigger's first word is no place
            continue
        for spec in specs:
            if len(spec.slots) == 1:
                hits.append(Hit(spec, (position,)))
                continue
            matched = _match_slots(units, position, spec.slots)
            if matched:
                hits.append(Hit(spec, matched))
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (-len(h.positions), h.first))
    taken: set[int] = set()
    chosen: list[Hit] = []
    for hit in hits:
        if taken.isdisjoint(hit.positions):
            chosen.append(hit)
            taken.update(hit.positions)
    chosen.sort(key=lambda h: h.first)
    return chosen


def is_noun_use(units: Sequence[Unit], hit: Hit, lexicon: Lexicon) -> bool:
    if hit.spec.pos == "noun":
        return True
    previous = units[hit.first - 1] if hit.first > 0 else None
    if previous is None:
        return False
    low = previous.low
    before = units[hit.first - 2].low if hit.first > 1 else ""
    if low in DETERMINERS or previous.possessive or low == "no":
        return True
    if low in _NOUN_ADJECTIVES:
        ahead = units[hit.first - 2] if hit.first > 1 else None
        return (
            ahead is None
            or before in DETERMINERS
            or not ahead.is_word
            or (ahead.actor is not None and ahead.actor.type == "demonym")
        )
    if previous.actor is not None and previous.actor.type == "demonym":
        return True
    return previous.place is not None and previous.actor is None and before in DETERMINERS
