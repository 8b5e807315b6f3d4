"""Units of a sentence for the event rules: words, place mentions and actor names.

A sentence becomes a list of :class:`Unit`: the place mentions of the toponym stage and
the actor names of ``data/actors.csv`` ("Russian", "Moscow", "OSCE") as single units, the
words between them as tokens ("didn't" -> "did", "n't"; "Russia's" -> "Russia", "'s").
Places inside a distance phrase ("35 km from the capital, Tbilisi") are marked as
references of a claim, not event places.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from geo.event_rules import ActorEntry, Lexicon
from geo.models import Mention, Place
from geo.sentences import Sentence

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

_REFERENCE = attrgetter("reference")
#: The ``low`` of a unit, as a key function.
unit_low = attrgetter("low")


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
    return units_from(text, sentence, unit_spans(text, sentence, mentions, lexicon))


def unit_spans(
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


def units_from(
    text: str, sentence: Sentence, chosen: Sequence[_Span], lowered: str | None = None
) -> list[Unit]:
    """Words between the spans ``chosen`` and the spans themselves, as units
    (``lowered``: ``lowered_text(text)``, if known)."""
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


def lowered_text(text: str) -> str | None:
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
