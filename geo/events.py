"""Who moved where, when: clause-level rules that turn report sentences into events.

For each sentence the extractor

1. builds *units*: words, place mentions (from the toponym stage) and actor names (from
   ``data/actors.csv``: "Russian", "Moscow", "OSCE"...); places inside a distance phrase
   ("35 km from the capital, Tbilisi") are references of a claim, not event places;
2. finds *triggers* (``data/event_lexicon.yaml``): verbs and nouns of movement, withdrawal,
   occupation, checkpoints, positions, exchanges and attacks;
3. reads each trigger's clause: the places in the prepositional phrases attached to it
   (from/out of = origin, to/for/into = destination, through/via = waypoint, in/at/near =
   location; appositions and relative clauses skipped), the subject (the force that acts;
   a minister, a reporter or a seat of government that only *talks* is not a force), the
   status (negation, denial, modality, attribution), and the date;
4. links clauses across sentences: "they were heading for B" after "the column left A"
   becomes A -> B; "the exchange in X" takes its actor from "Russia and Georgia exchanged
   prisoners" the sentence before.

Negated statements and demands ("NATO urged Moscow to pull out of X") yield no event.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import attrgetter, itemgetter
from typing import Any

import ahocorasick

from geo.dates import DateMention, ResolvedDate, find_dates, word_key, word_mapped
from geo.event_rules import MOTION_KINDS, ActorEntry, Lexicon, Phrase, TriggerSpec, load_lexicon
from geo.models import Article, Event, Mention, Place
from geo.sentences import Sentence, split_sentences

log = logging.getLogger(__name__)

_TOKEN = re.compile(
    r"\w+?(?=n['’]t\b)|n['’]t\b|\w+(?:[-.]\w+)*(?=['’]s\b)|['’]s\b|\w+(?:[-'’.]\w+)*|[^\w\s]"
)
#: ``_TOKEN`` on a text without an apostrophe (' or ’): each of its first four
#: alternatives needs one, and the other two are these.
_SIMPLE_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
_DIGIT = re.compile(r"\d")
_DISTANCE_NUMBER = re.compile(r"\d+(?:[.,]\d+)?(?:km|kms|mi|miles?)?")
_DISTANCE_UNITS = frozenset(
    {"km", "kms", "kilometres", "kilometers", "kilometre", "kilometer", "miles", "mile", "mi"}
)
_DETERMINERS = frozenset(
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
_LINEAR_KINDS = frozenset({"road", "river", "pipeline"})
_APPOSITION_STARTERS = frozenset(
    {
        "the",
        "a",
        "an",
        "about",
        "some",
        "around",
        "roughly",
        "nearly",
        "approximately",
        "just",
        "almost",
        "only",
        "now",
        "once",
        "itself",
        "home",
    }
)
#: "Moscow-backed", "rebel-held": a modifier, not a word that ends a place phrase.
_AFFILIATED = re.compile(r"[\w'’]+-(?:backed|held|controlled|led|based|occupied|run|allied)")
_STOP_PRONOUNS = frozenset({"it", "they", "he", "she", "we", "i", "you"})
_ASPECTUAL_TO = frozenset(
    {
        "began",
        "begin",
        "begun",
        "beginning",
        "begins",
        "started",
        "start",
        "starting",
        "starts",
        "continued",
        "continue",
        "continues",
        "continuing",
        "managed",
        "resumed",
    }
)
_NEGATION_TRANSPARENT = frozenset(
    {
        "try",
        "tried",
        "trying",
        "attempt",
        "attempted",
        "manage",
        "managed",
        "plan",
        "planned",
        "intend",
        "intended",
        "want",
        "wanted",
        "seem",
        "seemed",
        "appear",
        "appeared",
        "dare",
        "bother",
        "begin",
        "began",
        "start",
        "started",
    }
)
_ADDRESSEE_VERBS = frozenset(
    {"told", "tell", "tells", "telling", "informed", "assured", "reminded"}
)
_REFERENCE = attrgetter("reference")
_LOW = attrgetter("low")
_MAX_UNKNOWN_RUN = 5
_ANAPHOR_SENTENCES = 3
_CONTINUATION_SENTENCES = 4


# -- units ---------------------------------------------------------------------------------
@dataclass(slots=True)
class Unit:
    """A word, a place mention or an actor name, with its span in the document."""

    text: str
    low: str
    start: int
    end: int
    place: Place | None = None
    actor: ActorEntry | None = None
    reference: bool = False
    possessive: bool = False

    @property
    def is_word(self) -> bool:
        return self.low[:1].isalnum()


def _aligned(text: str, start: int, end: int) -> bool:
    """A mention is a word of its own, not part of "Moscow-backed" or "Georgian"."""
    before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "-'’")
    after_ok = end >= len(text) or not (text[end].isalnum() or text[end] == "-")
    return before_ok and after_ok


def _actor_from_mention(mention: Mention, lexicon: Lexicon) -> ActorEntry | None:
    entry = lexicon.actor_for(mention.text)
    if entry is not None:
        return entry
    if mention.place is not None:
        return ActorEntry(mention.text, mention.place.name, "demonym", False)
    return None


_Span = tuple[int, int, Place | None, ActorEntry | None]


def build_units(
    text: str, sentence: Sentence, mentions: Sequence[Mention], lexicon: Lexicon
) -> list[Unit]:
    """The units of one sentence, in order; offsets are document offsets."""
    return _units_from(text, sentence, _unit_spans(text, sentence, mentions, lexicon))


def _unit_spans(
    text: str,
    sentence: Sentence,
    mentions: Sequence[Mention],
    lexicon: Lexicon,
    first: int = 0,
    actor_at: Sequence[int] | None = None,
) -> list[_Span]:
    """The place and actor spans of one sentence, in order, overlaps resolved.

    ``mentions`` are sorted by start; ``first``: the first one that can start in the
    sentence; ``actor_at``: offsets where an actor name may start (``scan_document``).
    """
    spans: list[_Span] = []
    for position in range(first, len(mentions)):
        mention = mentions[position]
        if mention.start >= sentence.end:
            break
        if not (sentence.start <= mention.start and mention.end <= sentence.end):
            continue
        if mention.end <= mention.start or not _aligned(text, mention.start, mention.end):
            continue
        if mention.type == "demonym":
            spans.append((mention.start, mention.end, None, _actor_from_mention(mention, lexicon)))
        elif mention.place is not None:
            spans.append(
                (mention.start, mention.end, mention.place, lexicon.actor_for(mention.text))
            )
    for pattern in _actor_patterns(lexicon, sentence, actor_at):
        for match in _actor_matches(pattern, text, sentence, actor_at):
            start, end = match.span()
            entry = lexicon.actor_for(match.group(0))
            if entry is not None and not any(s == start and e == end for s, e, _, _ in spans):
                spans.append((start, end, None, entry))
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), s[2] is None)):
        if chosen and span[0] < chosen[-1][1]:
            last = chosen[-1]
            if (span[0], span[1]) == (last[0], last[1]):
                chosen[-1] = (last[0], last[1], last[2] or span[2], last[3] or span[3])
            continue
        chosen.append(span)
    return chosen


def _units_from(
    text: str, sentence: Sentence, chosen: Sequence[_Span], lowered: str | None = None
) -> list[Unit]:
    """Words between the spans ``chosen`` and the spans themselves, as units
    (``lowered``: ``_lowered(text)``, if known)."""
    units: list[Unit] = []
    cursor = sentence.start
    # without an apostrophe, no unit is "'s" and the tokens are the simple ones
    apostrophe = "'" in sentence.text or "’" in sentence.text
    for start, end, place, actor in chosen:
        _add_words(units, _tokens(text, cursor, start, apostrophe), text, cursor, start, lowered)
        surface = text[start:end]
        units.append(Unit(surface, surface.lower(), start, end, place, actor))
        cursor = end
    pattern = _tokens(text, cursor, sentence.end, apostrophe)
    _add_words(units, pattern, text, cursor, sentence.end, lowered)
    if apostrophe:
        for index, unit in enumerate(units[:-1]):
            if units[index + 1].low in ("'s", "’s") and unit.end == units[index + 1].start:
                unit.possessive = True
    if _DIGIT.search(sentence.text):  # no digit, no distance
        _mark_references(units)
    return units


def _tokens(text: str, start: int, end: int, apostrophe: bool = True) -> re.Pattern[str]:
    """``_TOKEN``, or ``_SIMPLE_TOKEN`` where ``text[start:end]`` has no apostrophe (known
    where ``apostrophe`` is False), on which the two find the same tokens."""
    if apostrophe and (text.find("'", start, end) >= 0 or text.find("’", start, end) >= 0):
        return _TOKEN
    return _SIMPLE_TOKEN


def _lowered(text: str) -> str | None:
    """``text`` with each word's ``low`` form in its place: lower case, "’" as "'"; None
    where lower-casing a word alone may differ (a capital sigma, whose lower case depends
    on what follows it) or the length changes."""
    if "\u03a3" in text:
        return None
    lowered = text.lower()
    return lowered.replace("’", "'") if len(lowered) == len(text) else None


def _add_words(
    units: list[Unit],
    pattern: re.Pattern[str],
    text: str,
    start: int,
    end: int,
    lowered: str | None = None,
) -> None:
    """Append the word units of ``text[start:end]`` (tokens of ``pattern``: ``_TOKEN``, or
    ``_SIMPLE_TOKEN`` where the text has no apostrophe) to ``units``.

    Only white space separates the tokens (every other character starts one), so each
    token is the first occurrence of its text after the one before.
    """
    append = units.append
    find = text.find
    cursor = start
    for word in pattern.findall(text, start, end):
        first = find(word, cursor)
        cursor = first + len(word)
        if lowered is not None:
            low = lowered[first:cursor]
        else:
            low = word.lower()
            if "’" in low:
                low = low.replace("’", "'")
        append(Unit(word, low, first, cursor))


def _mark_references(units: list[Unit]) -> None:
    """Places in "N km (M miles) [north] of/from [the capital,] X" are claim references."""
    for index, unit in enumerate(units):
        if not (unit.low[:1].isdecimal() and _DISTANCE_NUMBER.fullmatch(unit.low)):
            continue  # (a number starts with a digit: \d is a decimal digit)
        has_unit = unit.low.rstrip("0123456789.,") in _DISTANCE_UNITS or (
            index + 1 < len(units) and units[index + 1].low in _DISTANCE_UNITS
        )
        if not has_unit:
            continue
        for follower in units[index + 1 : index + 16]:
            if follower.low in (".", ";", "and", "but", "which", "where", "who"):
                break
            if follower.place is not None:
                follower.reference = True
                if not follower.possessive:
                    break


def has_distance(units: Sequence[Unit]) -> bool:
    """Whether the sentence states a distance ("about 35 km from ...")."""
    return any(map(_REFERENCE, units))


# -- triggers ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hit:
    """A trigger matched at unit positions ``positions``."""

    spec: TriggerSpec
    positions: tuple[int, ...]

    @property
    def first(self) -> int:
        return self.positions[0]

    @property
    def last(self) -> int:
        return self.positions[-1]


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


# -- the document-level scan -----------------------------------------------------------------
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
                if not all(any(key in segment for key in slot) for slot in slots):
                    continue
            chosen.append(position)
            break
    return chosen, sorted(actor_at)


def _actor_patterns(
    lexicon: Lexicon, sentence: Sentence, starts: Sequence[int] | None
) -> tuple[re.Pattern[str], ...]:
    """The actor patterns, case-sensitive first; none where no offset of ``starts`` (see
    ``_actor_matches``) is in the sentence."""
    if starts is not None:
        first = bisect.bisect_left(starts, sentence.start)
        if first == len(starts) or starts[first] >= sentence.end:
            return ()
    return (lexicon.actor_pattern_cs, lexicon.actor_pattern)


def _actor_matches(
    pattern: re.Pattern[str], text: str, sentence: Sentence, starts: Sequence[int] | None
) -> Iterable[re.Match[str]]:
    """``pattern.finditer(sentence.text)`` with document offsets, trying ``pattern`` only
    at ``starts`` (all offsets where it may match; None: everywhere)."""
    if starts is None:
        yield from pattern.finditer(text, sentence.start, sentence.end)
        return
    cursor = sentence.start
    for position in starts[bisect.bisect_left(starts, sentence.start) :]:
        if position >= sentence.end:
            return
        if position < cursor:
            continue
        match = pattern.match(text, position, sentence.end)
        if match is not None:
            yield match
            cursor = match.end()


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


# -- phrases ---------------------------------------------------------------------------------
_PHRASE_INDEX: dict[int, tuple[object, dict[str, tuple[Phrase, ...]]]] = {}


def _phrase_index(phrases: Sequence[Phrase]) -> dict[str, tuple[Phrase, ...]]:
    """Phrases by first word, longest first (cached per phrase collection)."""
    cached = _PHRASE_INDEX.get(id(phrases))
    if cached is not None and cached[0] is phrases:
        return cached[1]
    index: dict[str, list[Phrase]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        if phrase:
            index.setdefault(phrase[0], []).append(phrase)
    frozen = {word: tuple(found) for word, found in index.items()}
    if len(_PHRASE_INDEX) > 512:
        _PHRASE_INDEX.clear()
    _PHRASE_INDEX[id(phrases)] = (phrases, frozen)
    return frozen


def _phrase_at(units: Sequence[Unit], index: int, phrases: Sequence[Phrase]) -> Phrase | None:
    """The longest of ``phrases`` that starts at ``units[index]``."""
    return _indexed_phrase_at(units, index, _phrase_index(phrases))


def _indexed_phrase_at(
    units: Sequence[Unit], index: int, firsts: dict[str, tuple[Phrase, ...]]
) -> Phrase | None:
    """The first of the phrases ``firsts`` lists under ``units[index].low`` (longest
    first, see ``_phrase_index``) that starts at ``units[index]``."""
    if index >= len(units):
        return None
    candidates = firsts.get(units[index].low)
    if candidates is None:
        return None
    for phrase in candidates:
        size = len(phrase)
        if size == 1:  # its one word is the unit's
            return phrase
        if index + size <= len(units) and all(
            units[index + k].low == phrase[k] for k in range(1, size)
        ):
            return phrase
    return None


def _has_cue(units: Sequence[Unit], lo: int, hi: int, phrases: Sequence[Phrase]) -> bool:
    """Whether one of ``phrases`` starts at a unit in ``[lo, hi)``."""
    firsts = _phrase_index(phrases)
    lo, hi = max(lo, 0), min(hi, len(units))
    if firsts.keys().isdisjoint(map(_LOW, units[lo:hi])):
        return False
    for i in range(lo, hi):
        if units[i].low in firsts and _indexed_phrase_at(units, i, firsts) is not None:
            return True
    return False


# -- arguments ---------------------------------------------------------------------------------
@dataclass(slots=True)
class PlaceRef:
    place: Place
    text: str
    precision: int
    index: int


@dataclass(slots=True)
class Args:
    """The places attached to a trigger, by role, and where the scan stopped."""

    origin: list[PlaceRef] = field(default_factory=list)
    via: list[PlaceRef] = field(default_factory=list)
    destinations: list[list[PlaceRef]] = field(default_factory=list)
    locations: list[list[PlaceRef]] = field(default_factory=list)
    direction: str | None = None
    end: int = 0
    last_place: int = -1
    object_found: bool = False
    agent: list[Unit] = field(default_factory=list)
    absorbed: set[int] = field(default_factory=set)
    extra_actors: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.origin or self.via or self.destinations or self.locations)


#: A role phrase and the role it gives ("out of" -> origin).
Role = tuple[Phrase, str]
_ROLE_MAPS: dict[int, tuple[object, tuple[tuple[Phrase, ...], dict[Phrase, str]]]] = {}


def _role_map(
    table: tuple[tuple[Phrase, str], ...],
) -> tuple[tuple[Phrase, ...], dict[Phrase, str]]:
    """A role table as (phrases, phrase -> role), cached per table."""
    cached = _ROLE_MAPS.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    value = (tuple(p for p, _ in table), dict(table))
    _ROLE_MAPS[id(table)] = (table, value)
    return value


_MERGED_ROLES: dict[tuple[int, int], tuple[object, object, dict[str, tuple[Role, ...]]]] = {}


def _merged_roles(
    first: tuple[tuple[Phrase, str], ...], second: tuple[tuple[Phrase, str], ...]
) -> dict[str, tuple[Role, ...]]:
    """The phrases of two role tables by first word, in the order ``_Scanner.role_at``
    prefers them: longer first, then the first table's, then each table's own order (that
    of ``_phrase_index``); each with its role (cached per pair of tables)."""
    key = (id(first), id(second))
    cached = _MERGED_ROLES.get(key)
    if cached is not None and cached[0] is first and cached[1] is second:
        return cached[2]
    entries: list[tuple[int, int, int, Phrase, str]] = []
    for rank, table in enumerate((first, second)):
        phrases, roles = _role_map(table)
        for order, phrase in enumerate(sorted(phrases, key=len, reverse=True)):
            if phrase:
                entries.append((-len(phrase), rank, order, phrase, roles[phrase]))
    entries.sort(key=itemgetter(0, 1, 2))
    merged: dict[str, list[Role]] = {}
    for _size, _rank, _order, phrase, role in entries:
        merged.setdefault(phrase[0], []).append((phrase, role))
    frozen = {word: tuple(found) for word, found in merged.items()}
    if len(_MERGED_ROLES) > 512:
        _MERGED_ROLES.clear()
    _MERGED_ROLES[key] = (first, second, frozen)
    return frozen


class _Scanner:
    """Reads the prepositional phrases after a trigger (see :func:`scan_args`)."""

    def __init__(
        self, units: Sequence[Unit], hit: Hit, hits_at: dict[int, Hit], lexicon: Lexicon
    ) -> None:
        self.units = units
        self.hit = hit
        self.spec = hit.spec
        self.kind = hit.spec.kind
        self.hits_at = hits_at
        self.lex = lexicon
        self.tables = _tables(lexicon)
        self.motion = self.kind in MOTION_KINDS
        self.roles = _merged_roles(
            self.spec.preps, lexicon.motion_roles if self.motion else lexicon.point_roles
        )
        self.args = Args()
        self.pending: str | None = None
        self.pending_precision = 1
        self.pending_is_object = False
        self.possessive: PlaceRef | None = None
        self.last_role: str | None = None
        self.new_slot = True
        self.direction_before = False
        self.vague_before = False
        self.unknown_run = 0
        self.after_place_noun = False
        self.between = False
        self.party_list = False
        self.coordinating = False

    # -- role lookup
    def role_at(self, index: int) -> Role | None:
        """The longest role phrase at ``index`` (the trigger's own first, at equal length)."""
        units = self.units
        best: Role | None = None
        if index < len(units):
            for phrase, role in self.roles.get(units[index].low, ()):
                size = len(phrase)
                if size == 1 or (
                    index + size <= len(units)
                    and all(units[index + k].low == phrase[k] for k in range(1, size))
                ):
                    best = (phrase, role)
                    break
        if (
            best is not None
            and self.motion
            and best[0] in (("for",), ("on",))
            and best not in self.spec.preps
        ):
            return None
        return best

    def set_pending(self, role: str, precision: int, is_object: bool = False) -> None:
        self.flush_possessive()
        self.pending = role
        self.pending_precision = precision
        self.pending_is_object = is_object
        self.direction_before = False
        self.vague_before = False
        self.new_slot = True

    def flush_possessive(self) -> None:
        if self.pending and self.possessive is not None:
            ref = self.possessive
            self.possessive = None
            self.assign(replace(ref, precision=3))
        self.possessive = None

    def clear(self) -> None:
        self.flush_possessive()
        self.pending = None

    def assign(self, ref: PlaceRef) -> None:
        role = self.pending or self.last_role
        if role is None:
            return
        args = self.args
        if role == "origin":
            args.origin.append(ref)
        elif role == "via":
            args.via.append(ref)
        elif role == "destination":
            if self.new_slot or not args.destinations:
                args.destinations.append([ref])
            else:
                args.destinations[-1].append(ref)
        elif self.new_slot or not args.locations:
            args.locations.append([ref])
        else:
            args.locations[-1].append(ref)
        if self.pending_is_object:
            args.object_found = True
        args.last_place = max(args.last_place, ref.index)
        self.last_role = role
        self.pending = None
        self.new_slot = False

    def precision_for(self, index: int) -> int:
        unit = self.units[index]
        assert unit.place is not None
        precision = self.pending_precision if self.pending else 1
        if unit.place.is_area or self.direction_before:
            precision = 3
        if self.vague_before:
            precision = max(precision, 2)
        if unit.place.kind in _LINEAR_KINDS:
            precision = max(precision, 2)
        following = self.units[index + 1].low if index + 1 < len(self.units) else ""
        if self.lex.word("region_place_noun", following):
            precision = 3
        elif self.lex.word("vague_place_noun", following):
            precision = max(precision, 2)
        return precision

    # -- the scan
    def start_index(self) -> int:
        last = self.hit.last
        if self.role_at(last) is not None:
            return last
        return last + 1

    def run(self) -> Args:
        units = self.units
        index = self.start_index()
        if self.spec.object_role and self.spec.pos != "noun" and index == self.hit.last + 1:
            self.set_pending(self.spec.object_role, 1, is_object=True)
        while index < len(units):
            step = self.step(index)
            if step is None:
                break
            index = step
        self.flush_possessive()
        self.args.end = index
        return self.args

    def chain_ahead(self, index: int) -> bool:
        """A motion verb or continuation follows ("moved on", "to head to", "and then on to")."""
        units = self.units
        if index >= len(units):
            return False
        if self.chained(index) or _indexed_phrase_at(units, index, self.tables.continuations):
            return True
        return units[index].low in ("to", "and", "then") and self.chain_ahead(index + 1)

    def chained(self, index: int) -> Hit | None:
        hit = self.hits_at.get(index)
        if (
            hit is None
            or not self.motion
            or hit.spec.kind not in MOTION_KINDS
            or not hit.spec.chain
        ):
            return None
        return hit

    def step(self, index: int) -> int | None:
        units, lex = self.units, self.lex
        unit = units[index]
        low = unit.low
        tables = self.tables
        if low in tables.pass_through:
            passing = _indexed_phrase_at(units, index, tables.pass_through)
            if passing is not None:
                return index + len(passing)
        continuation = (
            _indexed_phrase_at(units, index, tables.continuations)
            if self.motion and low in tables.continuations
            else None
        )
        if continuation is not None:
            self.set_pending("destination", 1)
            return index + len(continuation)
        hit = self.hits_at.get(index)
        if (
            hit is not None
            and hit is not self.hit
            and self.pending
            and _is_noun_use(units, hit, lex)
        ):
            if self.motion:
                self.args.absorbed.add(hit.first)
            self.after_place_noun = True
            return hit.last + 1
        if hit is not None and hit is not self.hit:
            chained = self.chained(index)
            if chained is None:
                return None
            self.args.absorbed.add(chained.first)
            after = chained.last + 1
            if self.role_at(chained.last) is not None:
                after = chained.last
            elif chained.spec.object_role:
                self.set_pending(chained.spec.object_role, 1)
                return after
            self.clear()
            return after
        if self.pending and self.after_place_noun:
            inner = _indexed_phrase_at(units, index, tables.point_roles)
            if inner is not None and inner != ("on",):
                if inner in lex.near_preps:
                    self.pending_precision = max(self.pending_precision, 2)
                self.between = self.between or inner == ("between",)
                self.after_place_noun = False
                return index + len(inner)
        role = self.role_at(index) if low in self.roles else None
        if role is not None and not (low == "to" and self.chained(index + 1)):
            phrase, name = role
            near = phrase in lex.near_preps
            self.set_pending(name, 2 if near else 1)
            self.between = phrase == ("between",)
            self.unknown_run = 0
            return index + len(phrase)
        if low == "by" and index + 1 < len(units):
            self.args.agent = list(units[index + 1 : index + 8])
        if self.is_stop(index):
            return None
        if low == ",":
            return self.comma(index)
        if low in ("and", "or", "then", "to"):
            nxt = index + 1
            if nxt < len(units) and (
                self.chained(nxt) or _indexed_phrase_at(units, nxt, tables.continuations)
            ):
                return nxt
            if low in ("and", "or") and self.last_role is not None and self.coordinated(nxt):
                self.coordinating = True
                return nxt
            if low == "and" and self.party_list:
                return nxt
            if low in ("and", "or"):
                return None
            self.clear()
            return nxt
        if unit.place is not None and not unit.reference:
            return self.place(index)
        if (
            self.motion
            and lex.word("compass", low)
            and not (index + 1 < len(units) and units[index + 1].low == "of")
        ):
            self.args.direction = self.args.direction or low
            return index + 1
        if self.filler(unit):
            if lex.word("direction_adjective", low):
                self.direction_before = True
            if lex.word("vague_place_noun", low):
                self.vague_before = True
            if unit.actor is not None and self.kind == "exchange":
                self.args.extra_actors.append(unit.actor.actor)
            self.after_place_noun = lex.word("place_noun", low)
            self.unknown_run = 0
            return index + 1
        # an unknown word: the phrase being read is not about a place
        self.after_place_noun = False
        self.coordinating = False
        if self.pending:
            self.clear()
        if self.kind == "exchange" and unit.actor is not None:
            self.args.extra_actors.append(unit.actor.actor)
        self.unknown_run += 1
        if self.unknown_run > _MAX_UNKNOWN_RUN:
            return None
        return index + 1

    def filler(self, unit: Unit) -> bool:
        low = unit.low
        return (
            low in self.tables.filler
            or (unit.actor is not None and unit.place is None)
            or unit.reference
            or ("-" in low and _AFFILIATED.fullmatch(low) is not None)
            or low in ("-", "’", "'")
        )

    def is_stop(self, index: int) -> bool:
        low = self.units[index].low
        if low in self.tables.stops:
            return True
        return not self.pending and (low == "that" or low in _STOP_PRONOUNS)

    def coordinated(self, index: int) -> bool:
        """A place (after fillers) follows: "Gori and Kareli"."""
        units = self.units
        while index < len(units) and self.filler(units[index]) and units[index].place is None:
            index += 1
        return index < len(units) and units[index].place is not None and not units[index].reference

    def comma(self, index: int) -> int | None:
        units = self.units
        nxt = index + 1
        if nxt >= len(units):
            return None
        after_place = self.args.last_place >= 0 and self.args.last_place >= index - 2
        if after_place and (units[nxt].low in _APPOSITION_STARTERS or units[nxt].low[:1].isdigit()):
            skip = nxt
            while (
                skip < len(units)
                and units[skip].low != ","
                and units[skip].low not in self.tables.hard
            ):
                if units[skip].low in self.tables.relative:
                    return None
                skip += 1
            return skip if skip < len(units) and units[skip].low == "," else None
        if self.motion and self.chain_ahead(nxt):
            return nxt
        if units[nxt].low in ("and", "or") and self.last_role is not None:
            return nxt
        if self.last_role is not None and self.coordinated(nxt):
            self.coordinating = True
            return nxt
        return None

    def place(self, index: int) -> int:
        units = self.units
        unit = units[index]
        assert unit.place is not None
        ref = PlaceRef(unit.place, unit.text, self.precision_for(index), index)
        if self.kind == "exchange" and unit.actor is not None and unit.actor.type == "state":
            self.args.extra_actors.append(unit.actor.actor)  # a side, not the venue
            self.party_list = True
            return index + 1
        if unit.possessive:
            if self.pending:
                self.possessive = ref
            return index + 1
        following = units[index + 1].low if index + 1 < len(units) else ""
        after = units[index + 2].low if index + 2 < len(units) else ""
        if self.lex.word("place_noun", following) and after == "of":
            return index + 1  # "the Black Sea port of Poti": a modifier
        self.possessive = None
        if self.pending or (self.coordinating and self.last_role is not None):
            self.assign(ref)
            if self.between:
                self.last_role = None
                self.between = False
        self.after_place_noun = False
        self.coordinating = False
        self.unknown_run = 0
        return index + 1


def scan_args(units: Sequence[Unit], hit: Hit, hits: Sequence[Hit], lexicon: Lexicon) -> Args:
    """The places attached to ``hit`` by role, read left to right from the trigger."""
    hits_at = {h.first: h for h in hits}
    return _Scanner(units, hit, hits_at, lexicon).run()


# -- clause: boundary, subject, status ------------------------------------------------------------
@dataclass(slots=True)
class Subject:
    """The subject noun phrase of a trigger's clause, classified."""

    kind: str  # force, state, pronoun, person, other, none
    actors: list[str] = field(default_factory=list)
    start: int = -1
    end: int = -1
    possessive_pronoun: bool = False
    groups: list[str] = field(default_factory=list)
    places: list[Unit] = field(default_factory=list)
    definite: bool = False


_BOUNDARY_CATEGORIES = (
    "hard",
    "relative",
    "subordinator",
    "conjunction",
    "perception",
    "communication",
    "cognition",
)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Word sets and phrase indexes of a lexicon that the clause rules test often."""

    closing: frozenset[str]  # every word at which ``left_boundary`` can stop
    subject: frozenset[str]  # words that are a subject candidate on their own
    collective: frozenset[str]  # ... when "of" follows ("a column of ...")
    stops: frozenset[str]  # words at which the argument scan always stops
    filler: frozenset[str]  # filler words, place nouns and direction adjectives
    hard: frozenset[str]
    relative: frozenset[str]
    perception: frozenset[str]
    communication: frozenset[str]
    cognition: frozenset[str]
    speech: frozenset[str]  # perception and communication words
    pass_through: dict[str, tuple[Phrase, ...]]
    continuations: dict[str, tuple[Phrase, ...]]
    point_roles: dict[str, tuple[Phrase, ...]]
    directive: dict[str, tuple[Phrase, ...]]


_TABLES: dict[int, tuple[Lexicon, _Tables]] = {}


def _tables(lexicon: Lexicon) -> _Tables:
    """The ``_Tables`` of ``lexicon`` (cached per lexicon)."""
    cached = _TABLES.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    words, boundaries = lexicon.words, lexicon.boundaries
    empty: frozenset[str] = frozenset()

    def union(table: dict[str, frozenset[str]], *names: str) -> frozenset[str]:
        return frozenset().union(*(table.get(name, empty) for name in names))

    tables = _Tables(
        closing=union(boundaries, *_BOUNDARY_CATEGORIES) | {"that", "as", ","},
        subject=union(words, "force", "person") | {"they", "it", "we"},
        collective=words.get("collective", empty),
        # every boundary category but cognition, and the end of a sentence
        stops=union(boundaries, *_BOUNDARY_CATEGORIES[:-1]) | {".", "!", "?"},
        filler=union(words, "filler", "place_noun", "direction_adjective"),
        hard=boundaries.get("hard", empty),
        relative=boundaries.get("relative", empty),
        perception=boundaries.get("perception", empty),
        communication=boundaries.get("communication", empty),
        cognition=boundaries.get("cognition", empty),
        speech=union(boundaries, "perception", "communication"),
        pass_through=_phrase_index(lexicon.cues.get("pass_through", ())),
        continuations=_phrase_index(lexicon.continuations),
        point_roles=_phrase_index(_role_map(lexicon.point_roles)[0]),
        directive=_phrase_index(lexicon.cues.get("directive", ())),
    )
    if len(_TABLES) > 64:
        _TABLES.clear()
    _TABLES[id(lexicon)] = (lexicon, tables)
    return tables


def left_boundary(units: Sequence[Unit], index: int, lexicon: Lexicon) -> tuple[int, str]:
    """Index and type of the unit that closes the trigger's clause on the left."""
    seen = False
    tables = _tables(lexicon)
    closing = tables.closing
    j = index - 1
    while j >= 0:
        unit = units[j]
        low = unit.low
        if low not in closing:  # none of the checks below can close the clause here
            if not seen and _is_candidate(tables, units, j):
                seen = True
            j -= 1
            continue
        nxt = units[j + 1].low if j + 1 < len(units) else ""
        prev = units[j - 1].low if j > 0 else ""
        if low in tables.hard:
            return j, "hard"
        if low in tables.relative:
            return j, f"relative:{low}"
        if low == "that" and (
            prev in tables.communication
            or prev in tables.cognition
            or prev in ("and", ",", "so", "ensure", "sure")
        ):
            return j, "complement"
        if low == "as" and (
            prev in ("such", "well", "far") or nxt in ("far", "well", "much", "many", "part", "a")
        ):
            j -= 1
            continue
        if lexicon.boundary("subordinator", low):
            return j, f"subordinator:{low}"
        if lexicon.boundary("conjunction", low):
            return j, "conjunction"
        if low in tables.perception and not lexicon.word("be", prev):
            return j, "perception"
        if low in tables.communication and not lexicon.word("be", prev):
            return j, "communication"
        if low in tables.cognition:
            return j, "cognition"
        if low == "," and seen:
            return j, "comma"
        if not seen and _is_candidate(tables, units, j):
            seen = True
        j -= 1
    return -1, "start"


def _candidate(unit: Unit, units: Sequence[Unit], index: int, lexicon: Lexicon) -> bool:
    """Whether ``unit`` (``units[index]``) can head the subject: an actor, a force, a
    person, a pronoun."""
    return _is_candidate(_tables(lexicon), units, index)


def _is_candidate(tables: _Tables, units: Sequence[Unit], index: int) -> bool:
    """``_candidate`` of ``units[index]`` with the lexicon's tables."""
    unit = units[index]
    if unit.actor is not None:
        return True
    low = unit.low
    if low in tables.subject:
        return True
    return low in tables.collective and index + 1 < len(units) and units[index + 1].low == "of"


def analyse_subject(units: Sequence[Unit], lo: int, hi: int, lexicon: Lexicon) -> Subject:
    """Classify the subject noun phrase found in ``units[lo:hi]``."""
    tables = _tables(lexicon)
    start = next((k for k in range(lo, hi) if _is_candidate(tables, units, k)), None)
    if start is None:
        return Subject("none")
    end = start
    while end < hi and not _ends_noun_phrase(units, end, lexicon):
        if (
            end > start
            and units[end].low in _DETERMINERS
            and units[end - 1].low not in ("of", "and", ",")
        ):
            break  # "told journalists | his men ...": a new noun phrase starts
        end += 1
    np = units[start:end] if end > start else units[start : start + 1]
    end = max(end, start + 1)
    subject = Subject("other", start=start, end=end)
    subject.definite = start > lo and units[start - 1].low in (
        "the",
        "this",
        "that",
        "these",
        "those",
        "his",
        "its",
        "their",
    )
    lows = [u.low for u in np]
    actors: list[str] = []
    for position, unit in enumerate(np):
        if unit.actor is None:
            continue
        if unit.actor.type == "group":
            subject.groups.append(unit.actor.actor)
            continue
        coordinated = position > 0 and np[position - 1].low in ("and", ",") and actors
        if (not actors or coordinated) and unit.actor.actor not in actors:
            actors.append(unit.actor.actor)
    subject.actors = actors
    subject.places = [u for u in np if u.place is not None and not u.reference]
    head = np[-1].low
    if lexicon.word("person", head) and not lexicon.word("force", head):
        subject.kind = "person"
        return subject
    if any(lexicon.word("force", w) for w in lows) or subject.groups:
        subject.kind = "force"
        owner_words = [*lows, units[start - 1].low if start > lo else ""]
        subject.possessive_pronoun = not actors and any(w in ("its", "their") for w in owner_words)
        return subject
    if any(lexicon.word("person", w) for w in lows) or head in ("he", "she", "i", "you"):
        subject.kind = "person"
    elif actors:
        subject.kind = "state"
    elif head in ("they", "it", "we"):
        subject.kind = "pronoun"
    return subject


def _ends_noun_phrase(units: Sequence[Unit], index: int, lexicon: Lexicon) -> bool:
    low = units[index].low
    if units[index].actor is not None or units[index].place is not None:
        return False
    if lexicon.word("aux", low) or lexicon.word("be", low) or low in (",", ";", ":", '"'):
        return low not in ("all", "both", "some", "each")
    return lexicon.boundary("communication", low) or lexicon.boundary("perception", low)


def _patient(
    units: Sequence[Unit], lo: int, index: int, lexicon: Lexicon, fallback: Subject
) -> Subject:
    """The noun phrase a passive verb is about: the last one before its auxiliaries."""
    tables = _tables(lexicon)
    last = next(
        (
            k
            for k in range(index - 1, lo, -1)
            if _is_candidate(tables, units, k) or units[k].place is not None
        ),
        None,
    )
    if last is None:
        return fallback
    start = last
    stops = {
        w
        for phrase in lexicon.cues.get("planned", ()) + lexicon.cues.get("hypothetical", ())
        for w in phrase
    }
    while start - 1 > lo:
        low = units[start - 1].low
        if (
            lexicon.word("aux", low)
            or lexicon.word("be", low)
            or low in stops
            or low in (",", "and", "that")
        ):
            break
        start -= 1
    patient = analyse_subject(units, start, index, lexicon)
    if patient.kind == "none" and units[last].place is not None:
        patient = Subject("other", start=last, end=last + 1, places=[units[last]])
    return patient


def _who_antecedent(units: Sequence[Unit], who: int, lexicon: Lexicon) -> Subject:
    lo, _ = left_boundary(units, who, lexicon)
    return analyse_subject(units, lo + 1, who, lexicon)


def _nearest_actor_left(units: Sequence[Unit], index: int, groups: bool = False) -> str | None:
    for unit in reversed(units[:index]):
        if unit.actor is not None and (groups or unit.actor.type != "group"):
            return unit.actor.actor
    return None


def _sentence_org(units: Sequence[Unit]) -> str | None:
    for unit in units:
        if unit.actor is not None and unit.actor.type == "org":
            return unit.actor.actor
    return None


def _is_noun_use(units: Sequence[Unit], hit: Hit, lexicon: Lexicon) -> bool:
    if hit.spec.pos == "noun":
        return True
    previous = units[hit.first - 1] if hit.first > 0 else None
    if previous is None:
        return False
    low = previous.low
    before = units[hit.first - 2].low if hit.first > 1 else ""
    if low in _DETERMINERS or previous.possessive or low == "no":
        return True
    if low in _NOUN_ADJECTIVES:
        ahead = units[hit.first - 2] if hit.first > 1 else None
        return (
            ahead is None
            or before in _DETERMINERS
            or not ahead.is_word
            or (ahead.actor is not None and ahead.actor.type == "demonym")
        )
    if previous.actor is not None and previous.actor.type == "demonym":
        return True
    return previous.place is not None and previous.actor is None and before in _DETERMINERS


def _verb_group(units: Sequence[Unit], subject: Subject, lo: int, index: int) -> tuple[int, int]:
    start = subject.end if subject.end > 0 else lo + 1
    for j in range(index - 1, start - 1, -1):
        if units[j].low in ("and", "or", ","):
            return j + 1, index
    return start, index


def _negated(units: Sequence[Unit], start: int, index: int, lexicon: Lexicon) -> bool:
    """A negator in the verb group with only auxiliaries between it and the trigger."""
    negators = _phrase_index(lexicon.cues.get("negation", ()))
    if negators.keys().isdisjoint(map(_LOW, units[max(start, 0) : index])):
        return False
    for j in range(start, index):
        phrase = _indexed_phrase_at(units, j, negators)
        if phrase is None:
            continue
        between = units[j + len(phrase) : index]
        if all(
            lexicon.word("aux", u.low)
            or lexicon.word("be", u.low)
            or u.low in _NEGATION_TRANSPARENT
            or u.low in ("to", "yet", "even", "ever", "actually", "really", "longer")
            for u in between
        ):
            return True
    return False


def _prevented(units: Sequence[Unit], lo: int, index: int, lexicon: Lexicon) -> bool:
    if index == 0 or units[index - 1].low != "from":
        return False
    return _has_cue(units, max(lo, 0), index, lexicon.cues.get("prevent", ()))


def _directive(units: Sequence[Unit], index: int, lexicon: Lexicon) -> bool:
    """Inside a demand: "urged Moscow to pull out", "demanded that Moscow pull troops"."""
    tables = _tables(lexicon)
    if tables.directive.keys().isdisjoint(map(_LOW, units[:index])):
        return False  # no demand before the trigger
    for j in range(index - 1, -1, -1):
        low = units[j].low
        if low in (",", ";", ":") or low in tables.hard:
            return False
        phrase = _indexed_phrase_at(units, j, tables.directive)
        if phrase is not None:
            tail = [u.low for u in units[j + len(phrase) : index]]
            return "to" in tail or "that" in tail or (bool(tail) and len(tail) <= 4)
    return False


def _speaker_neutral(words: Sequence[Unit], lexicon: Lexicon) -> bool:
    text = " " + " ".join(u.low for u in words) + " "
    return any(f" {' '.join(p)} " in text for p in lexicon.cues.get("neutral_speaker", ()))


def _attribution(units: Sequence[Unit], hit: Hit, end: int, lexicon: Lexicon) -> str:
    """``claimed`` when a party is quoted for the clause, else ``reported``."""
    tables = _tables(lexicon)
    for j in range(hit.first - 1, -1, -1):
        low = units[j].low
        if low not in tables.speech:
            continue
        if low in tables.perception:
            return "reported"
        if low in tables.communication:
            if low == "according":
                speaker = list(units[j + 2 : j + 10])
            else:
                lo, _ = left_boundary(units, j, lexicon)
                speaker = list(units[lo + 1 : j]) or list(units[j + 1 : j + 8])
            return "reported" if _speaker_neutral(speaker, lexicon) else "claimed"
    tail_start = max(end, hit.last + 1)
    for j in range(tail_start, len(units)):
        if units[j].low == "according" and j + 1 < len(units) and units[j + 1].low == "to":
            return "reported" if _speaker_neutral(units[j + 2 : j + 10], lexicon) else "claimed"
    commas = [j for j in range(tail_start, len(units)) if units[j].low == ","]
    if commas:
        tail = units[commas[-1] + 1 :]
        if len(tail) <= 10 and any(u.low in tables.communication for u in tail):
            return "reported" if _speaker_neutral(tail, lexicon) else "claimed"
    return "reported"


_WITHOUT_WOULD: dict[int, tuple[Lexicon, tuple[Phrase, ...]]] = {}


def _without_would(lexicon: Lexicon) -> tuple[Phrase, ...]:
    """Hypothetical cues except "would" (which is a reported future after "said")."""
    cached = _WITHOUT_WOULD.get(id(lexicon))
    if cached is None or cached[0] is not lexicon:
        phrases = tuple(p for p in lexicon.cues.get("hypothetical", ()) if p != ("would",))
        cached = _WITHOUT_WOULD[id(lexicon)] = (lexicon, phrases)
    return cached[1]


def decide_status(
    units: Sequence[Unit],
    hit: Hit,
    lo: int,
    btype: str,
    subject: Subject,
    noun: bool,
    end: int,
    lexicon: Lexicon,
) -> str | None:
    """The event's status, or None when the clause is negated or a demand."""
    cues = lexicon.cues
    index = hit.first
    group_start, _ = _verb_group(units, subject, lo, index)
    if noun:
        if any(u.low == "no" for u in units[max(lo + 1, index - 4) : index]):
            return None
        if _has_cue(
            units, max(lo + 1, index - 6), index, (("no", "sign", "of"), ("no", "evidence", "of"))
        ):
            return None
    elif _negated(units, group_start, index, lexicon) or _prevented(units, lo, index, lexicon):
        return None
    if _directive(units, index, lexicon):
        return None
    if _has_cue(units, 0, index, cues.get("deny", ())):
        return "denied"
    window_lo = lo + 1
    tables = _tables(lexicon)
    if btype in ("subordinator:if", "subordinator:unless", "subordinator:whether", "cognition"):
        return "hypothetical"
    hypothetical = _without_would(lexicon)
    if _has_cue(units, window_lo, index, hypothetical):
        return "hypothetical"
    if _has_cue(units, window_lo, index, (("would",),)):
        reported_future = any(u.low in tables.communication for u in units[:index])
        return "planned" if reported_future else "hypothetical"
    if any(u.low in tables.cognition for u in units[:index]) and _has_cue(
        units, 0, index, (("may",), ("might",), ("could",))
    ):
        return "hypothetical"
    if _has_cue(units, window_lo, index, cues.get("planned", ())):
        return "planned"
    if noun:
        after = _verb_after_noun(units, hit, lexicon)
        if _has_cue(units, after, after + 3, hypothetical):
            return "hypothetical"
        if _has_cue(units, after, after + 3, cues.get("planned", ())):
            return "planned"
    if not noun and index > 0 and units[index - 1].low == "to":
        governing = units[index - 2].low if index > 1 else ""
        if governing not in _ASPECTUAL_TO and not lexicon.word("aspectual", governing):
            return "planned"
    return _attribution(units, hit, end, lexicon)


# -- dates -----------------------------------------------------------------------------------------
def _verb_after_noun(units: Sequence[Unit], hit: Hit, lexicon: Lexicon) -> int:
    """Where the verb group after a nominal trigger starts ("the swap *is planned* ...")."""
    for k in range(hit.last + 1, min(len(units), hit.last + 10)):
        low = units[k].low
        if lexicon.word("aux", low) or lexicon.word("be", low):
            return k
        if low in (",", ";", ".") or lexicon.boundary("relative", low):
            break
    return len(units)


def _unit_at(units: Sequence[Unit], offset: int) -> int:
    for k, unit in enumerate(units):
        if unit.end > offset:
            return k
    return len(units)


def choose_date(
    units: Sequence[Unit],
    hit: Hit,
    lo: int,
    btype: str,
    args: Args,
    noun: bool,
    dates: Sequence[DateMention],
    published: date | None,
    lexicon: Lexicon,
    status: str = "reported",
) -> tuple[ResolvedDate | None, str]:
    """The date of the clause: in it, in a simultaneous matrix clause, a sentence-initial
    adverbial, or the publication date for a present-tense statement."""
    if not dates and published is None:
        return None, ""
    placed = [(_unit_at(units, d.start), d) for d in dates if d.resolved.known]
    region_end = min(args.end, max(args.last_place, hit.last) + 5)
    inside = [(abs(k - hit.first), d) for k, d in placed if lo < k < region_end]
    if inside:
        return min(inside, key=lambda pair: pair[0])[1].resolved, "clause"
    if btype in ("subordinator:as", "subordinator:when", "subordinator:while", "perception"):
        outer, _ = left_boundary(units, max(lo, 0), lexicon)
        matrix = [(lo - k, d) for k, d in placed if outer < k < lo]
        if matrix:
            return min(matrix, key=lambda pair: pair[0])[1].resolved, "matrix"
    if not btype.startswith("relative"):
        for k, mention in placed:
            if k <= 2 and ((k + 1 < len(units) and units[k + 1].low == ",") or k == 0):
                return mention.resolved, "sentence"
    if published is not None and status in ("reported", "claimed", "denied"):
        window = units[max(lo + 1, 0) : hit.first]
        present = lexicon.cues.get("present", ())
        state_verb = (
            not noun
            and _phrase_at(units, hit.first, lexicon.cues.get("present_state", ())) is not None
        )
        modal = any(lexicon.word("aux", u.low) or lexicon.word("be", u.low) for u in window[-2:])
        if (
            _has_cue(window, 0, len(window), present)
            or any(u.low in ("is", "are", "am") for u in window[-3:])
            or (state_verb and not modal)
        ):
            return ResolvedDate(published, "day", published), "present"
    return None, ""


# -- frames --------------------------------------------------------------------------------------
@dataclass(slots=True)
class Frame:
    """An event being built: everything known about one trigger."""

    kind: str
    rule: str
    sentence: Sentence
    places: list[PlaceRef]
    actor: str | None
    actor_source: str
    subject_kind: str
    status: str
    date: ResolvedDate | None
    date_source: str
    direction: str | None
    confidence: float
    definite: bool
    estimable: bool
    origin_only: bool = False
    destination_only: bool = False
    position: int = 0

    @property
    def place_ids(self) -> tuple[str, ...]:
        return tuple(p.place.id for p in self.places)


def _paths(kind: str, args: Args) -> list[tuple[list[PlaceRef], str | None]]:
    """Place sequences (one per alternative destination/location) and a direction."""
    if kind in MOTION_KINDS:
        origin = args.origin[:1]
        if args.destinations:
            middle = [slot[0] for slot in args.destinations[:-1]]
            return [
                (origin + args.via + middle + [alt], args.direction)
                for alt in args.destinations[-1]
            ]
        if origin or args.via:
            return [(origin + args.via, args.direction or ("outbound" if origin else None))]
        return []
    slots = args.locations
    if not slots:
        return []
    specific = [slot for slot in slots if any(not r.place.is_area for r in slot)]
    chosen = specific[0] if specific else slots[0]
    refs = [r for r in chosen if not r.place.is_area] if specific else chosen
    return [([ref], None) for ref in refs]


def _relative_antecedent(units: Sequence[Unit], boundary: int) -> Unit | None:
    for unit in reversed(units[max(0, boundary - 14) : boundary]):
        if unit.place is not None and not unit.reference:
            return unit
        if unit.low in (";", ":") or unit.low in ("said", "says"):
            return None
    return None


def _actor_of(
    units: Sequence[Unit], hit: Hit, noun: bool, subject: Subject, args: Args, lexicon: Lexicon
) -> tuple[str | None, str]:
    """The acting party and where it came from."""
    if noun:
        for unit in reversed(units[max(0, hit.first - 4) : hit.first]):
            if unit.actor is not None and unit.actor.type != "group":
                return unit.actor.actor, "premodifier"
            if unit.low in (",", ";") or lexicon.word("aux", unit.low):
                break
        inside = [units[k] for k in range(hit.first, hit.last + 1) if units[k].actor is not None]
        if inside and inside[0].actor is not None:
            return inside[0].actor.actor, "premodifier"
    agent = [u for u in args.agent if u.actor is not None and u.actor.type != "group"]
    if agent and agent[0].actor is not None:
        return agent[0].actor.actor, "agent"
    if subject.actors:
        return " & ".join(sorted(subject.actors)) if len(subject.actors) > 1 else subject.actors[
            0
        ], "subject"
    if subject.possessive_pronoun:
        owner = _nearest_actor_left(units, subject.start, groups=True)
        if owner is not None:
            return owner, "possessive"
    if subject.groups:
        group = subject.groups[0]
        if group == "monitors":
            return _sentence_org(units) or group, "subject"
        return group, "subject"
    if subject.kind in ("force", "pronoun") or noun:
        nearest = _nearest_actor_left(units, subject.start if subject.start >= 0 else hit.first)
        if nearest is not None:
            return nearest, "sentence"
    return None, ""


def _confidence(frame_noun: bool, actor_source: str, precision: int, extra: float = 0.0) -> float:
    value = 0.7 if frame_noun else 0.8
    if actor_source in ("sentence", "discourse", "anaphor"):
        value -= 0.15
    elif not actor_source:
        value -= 0.2
    value -= {1: 0.0, 2: 0.05, 3: 0.1}[precision]
    value += extra
    return round(min(0.95, max(0.05, value)), 2)


def _context_ok(
    spec: TriggerSpec, units: Sequence[Unit], hit: Hit, memory: Sequence[Frame]
) -> bool:
    if not spec.context:
        return True
    if any(u.low in spec.context for u in units):
        return True
    definite = hit.first > 0 and units[hit.first - 1].low in ("the", "this", "that")
    return definite and any(f.kind == spec.kind for f in memory)


def frames_for_sentence(
    units: list[Unit],
    sentence: Sentence,
    dates: Sequence[DateMention],
    published: date | None,
    memory: Sequence[Frame],
    lexicon: Lexicon,
    hits: Sequence[Hit] | None = None,
) -> list[Frame]:
    """Frames for every trigger in one sentence (``hits``: its triggers, if found already)."""
    if hits is None:
        hits = find_triggers(units, lexicon)
    frames: list[Frame] = []
    absorbed: set[int] = set()
    estimable = has_distance(units)
    for hit in hits:
        if hit.first in absorbed:
            continue
        frame_list = _frames_for_hit(
            units, hit, hits, sentence, dates, published, memory, estimable, lexicon, absorbed
        )
        frames.extend(frame_list)
    return frames


def _frames_for_hit(
    units: list[Unit],
    hit: Hit,
    hits: Sequence[Hit],
    sentence: Sentence,
    dates: Sequence[DateMention],
    published: date | None,
    memory: Sequence[Frame],
    estimable: bool,
    lexicon: Lexicon,
    absorbed: set[int],
) -> list[Frame]:
    spec = hit.spec
    noun = _is_noun_use(units, hit, lexicon)
    if noun and spec.pos == "verb":
        return []
    if not _context_ok(spec, units, hit, memory):
        return []
    lo, btype = left_boundary(units, hit.first, lexicon)
    if btype == "relative:who":
        subject = _who_antecedent(units, lo, lexicon)
    else:
        subject = analyse_subject(units, lo + 1, hit.first, lexicon)
        if lo >= 0 and units[lo].low in _ADDRESSEE_VERBS and 0 <= subject.end < hit.first:
            inner = analyse_subject(units, subject.end, hit.first, lexicon)  # "told journalists
            if inner.kind != "none":  # his men were ...": the first phrase is the addressee
                subject = inner
    if not noun and subject.kind in ("person", "other"):
        return []
    if spec.force_subject and subject.kind not in ("force", "pronoun"):
        return []
    args = scan_args(units, hit, hits, lexicon)
    absorbed.update(args.absorbed)
    rule = spec.rule + ("/noun" if noun else "")
    extra = 0.0
    passive = (
        not noun
        and any(lexicon.word("be", u.low) for u in units[max(lo + 1, hit.first - 3) : hit.first])
        and (
            units[hit.first].low.endswith("ed")
            or lexicon.word("participle_irregular", units[hit.first].low)
        )
    )
    if passive:
        subject = _patient(units, lo, hit.first, lexicon, subject)
    role = spec.object_role or ("location" if spec.kind not in MOTION_KINDS else None)
    if args.empty() and role and not noun:
        antecedent = None
        if btype in ("relative:which", "complement") or (
            btype == "relative:where" and role == "location"
        ):
            antecedent = _relative_antecedent(units, lo)
            rule += "+relative"
        elif passive and subject.places:
            antecedent = subject.places[0]
            rule += "+passive"
        if antecedent is not None and antecedent.place is not None:
            ref = PlaceRef(
                antecedent.place,
                antecedent.text,
                3 if antecedent.place.is_area else 1,
                units.index(antecedent),
            )
            _assign_role(args, role, ref)
            args.object_found = True
            extra -= 0.05
    if spec.object_required and not args.object_found:
        return []
    status = decide_status(units, hit, lo, btype, subject, noun, args.end, lexicon)
    if status is None:
        return []
    actor, actor_source = _actor_of(units, hit, noun, subject, args, lexicon)
    if spec.kind == "exchange":
        actor = _exchange_parties(actor, args.extra_actors)
    resolved, date_source = choose_date(
        units, hit, lo, btype, args, noun, dates, published, lexicon, status
    )
    paths = _paths(spec.kind, args)
    definite = (
        subject.kind == "pronoun"
        or subject.definite
        or (noun and hit.first > 0 and units[hit.first - 1].low in ("the", "this", "that"))
    )
    frames = []
    for places, direction in paths or [([], None)]:
        precision = max((p.precision for p in places), default=3)
        frames.append(
            Frame(
                kind=spec.kind,
                rule=rule,
                sentence=sentence,
                places=places,
                actor=actor,
                actor_source=actor_source,
                subject_kind="nominal" if noun else subject.kind,
                status=status,
                date=resolved,
                date_source=date_source,
                direction=direction,
                confidence=_confidence(noun, actor_source, precision, extra),
                definite=definite,
                estimable=estimable,
                origin_only=bool(args.origin) and not args.destinations,
                destination_only=bool(args.destinations) and not args.origin and not args.via,
                position=hit.first,
            )
        )
    return frames


def _exchange_parties(actor: str | None, others: Sequence[str]) -> str | None:
    """Both sides of an exchange: the actor and the sides named with the prisoners."""
    parties = set(actor.split(" & ")) if actor else set()
    if actor is None and len(set(others)) < 2:
        return None
    parties.update(others)
    return " & ".join(sorted(parties)) if parties else None


def _assign_role(args: Args, role: str, ref: PlaceRef) -> None:
    if role == "origin":
        args.origin.append(ref)
    elif role == "via":
        args.via.append(ref)
    elif role == "destination":
        args.destinations.append([ref])
    else:
        args.locations.append([ref])


# -- discourse -----------------------------------------------------------------------------------
def _recent(memory: Sequence[Frame], frame: Frame, window: int) -> list[Frame]:
    return [
        m
        for m in reversed(memory)
        if m is not frame
        and frame.sentence.index - window <= m.sentence.index <= frame.sentence.index
        and (m.sentence.index < frame.sentence.index or m.position < frame.position)
    ]


def link_discourse(frames: list[Frame]) -> None:
    """Fill actors, origins and dates from earlier clauses of the same document."""
    for position, frame in enumerate(frames):
        earlier = frames[:position]
        if frame.kind in MOTION_KINDS and frame.destination_only and frame.definite:
            _continue_movement(frame, earlier)
        if frame.actor is None or frame.date is None:
            _inherit(frame, earlier)


def _continue_movement(frame: Frame, earlier: Sequence[Frame]) -> None:
    for previous in _recent(earlier, frame, _CONTINUATION_SENTENCES):
        target = frame.places[-1].place.id if frame.places else None
        if previous.kind in MOTION_KINDS and target in previous.place_ids[1:]:
            # a restatement: "they were bound for C" after "left A for B and C"
            frame.places = previous.places[: previous.place_ids.index(target) + 1]
            _take_over(frame, previous)
            return
        if previous.kind in MOTION_KINDS and previous.origin_only and previous.places:
            if previous.places[0].place.id in frame.place_ids:
                return
            frame.places = [previous.places[0], *frame.places]
            _take_over(frame, previous)
            return


def _take_over(frame: Frame, previous: Frame) -> None:
    frame.destination_only = False
    frame.rule += "+continuation"
    frame.confidence = round(max(0.05, frame.confidence - 0.1), 2)
    if frame.actor is None and previous.actor is not None:
        frame.actor, frame.actor_source = previous.actor, "anaphor"
    if frame.date is None and previous.date is not None:
        frame.date, frame.date_source = previous.date, "anaphor"


def _inherit(frame: Frame, earlier: Sequence[Frame]) -> None:
    candidates = _recent(earlier, frame, _ANAPHOR_SENTENCES)
    same_kind = [c for c in candidates if c.kind == frame.kind]
    shared = [c for c in same_kind if set(c.place_ids) & set(frame.place_ids)]
    antecedent: Frame | None = None
    if frame.definite and same_kind:
        antecedent = same_kind[0]
    elif shared:
        antecedent = shared[0]
    if frame.actor is None:
        source = antecedent
        if source is None and frame.subject_kind in ("force", "pronoun"):
            source = next(
                (
                    c
                    for c in candidates
                    if c.actor is not None and c.sentence.index >= frame.sentence.index - 2
                ),
                None,
            )
        if source is not None and source.actor is not None:
            frame.actor, frame.actor_source = source.actor, "discourse"
            frame.confidence = round(max(0.05, frame.confidence - 0.1), 2)
    if frame.date is None and antecedent is not None and antecedent.date is not None:
        frame.date, frame.date_source = antecedent.date, "anaphor"


# -- public ----------------------------------------------------------------------------------------
def _to_event(frame: Frame, article: Article) -> Event:
    sentence = frame.sentence
    resolved = frame.date
    return Event(
        kind=frame.kind,
        actor=frame.actor,
        places=tuple(p.place for p in frame.places),
        doc=article.doc,
        quote=sentence.text,
        char_start=sentence.start,
        char_end=sentence.end,
        rule=frame.rule,
        confidence=frame.confidence,
        status=frame.status,
        date=resolved.date if resolved is not None else None,
        date_precision=resolved.precision if resolved is not None and resolved.known else "unknown",
        geo_precision=max((p.precision for p in frame.places), default=3),
        source=article.source,
        direction=frame.direction,
        place_texts=tuple(p.text for p in frame.places),
    )


def _keep(frame: Frame) -> bool:
    if frame.places:
        return True
    return frame.estimable and frame.actor is not None and frame.kind not in MOTION_KINDS


def _dedupe(frames: Iterable[Frame]) -> list[Frame]:
    best: dict[tuple[int, str, str | None, tuple[str, ...], str], Frame] = {}
    order: list[tuple[int, str, str | None, tuple[str, ...], str]] = []
    for frame in frames:
        key = (frame.sentence.index, frame.kind, frame.actor, frame.place_ids, frame.status)
        if key not in best:
            order.append(key)
            best[key] = frame
        elif frame.confidence > best[key].confidence:
            best[key] = frame
    return [best[key] for key in order]


def extract_frames(
    article: Article, mentions: Sequence[Mention], lexicon: Lexicon | None = None
) -> list[Frame]:
    """Every frame of a document (including place-less ones), linked across sentences."""
    lexicon = lexicon or load_lexicon()
    text = article.text
    own = sorted(
        (m for m in mentions if m.doc == article.doc and 0 <= m.start <= m.end <= len(text)),
        key=lambda m: m.start,
    )
    starts = [m.start for m in own]
    dates: list[DateMention] | None = None  # found on the first sentence with a trigger
    frames: list[Frame] = []
    sentences = split_sentences(text)
    candidates, actor_at = scan_document(text, sentences, lexicon)
    lowered = _lowered(text) if candidates else None
    for position in candidates:
        sentence = sentences[position]
        first = bisect.bisect_left(starts, sentence.start)
        chosen = _unit_spans(text, sentence, own, lexicon, first, actor_at)
        units = _units_from(text, sentence, chosen, lowered)
        hits = find_triggers(units, lexicon)
        if not hits:
            continue
        if dates is None:
            dates = find_dates(text, article.published)
        sentence_dates = [d for d in dates if sentence.start <= d.start and d.end <= sentence.end]
        recent = [
            f for f in frames[-40:] if f.sentence.index >= sentence.index - _ANAPHOR_SENTENCES
        ]
        frames.extend(
            frames_for_sentence(
                units, sentence, sentence_dates, article.published, recent, lexicon, hits
            )
        )
    link_discourse(frames)
    return frames


def extract_events(article: Article, mentions: Sequence[Mention]) -> list[Event]:
    """Events of one article: kind, actor, ordered places, status, date and evidence."""
    frames = [f for f in extract_frames(article, mentions) if _keep(f)]
    events = [_to_event(f, article) for f in _dedupe(frames)]
    log.debug("events: %d in %s", len(events), article.doc)
    return events
