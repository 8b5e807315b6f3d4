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
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from geo.events._rules import ActorEntry, Lexicon
from geo.models import Mention, Place
from geo.text import Sentence

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

_POSSESSIVE_MARKS = frozenset({"'s", "’s"})
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


def units_from(text: str, sentence: Sentence, chosen: Sequence[_Span]) -> list[Unit]:
    """Words between the spans ``chosen`` and the spans themselves, as units."""
    units: list[Unit] = []
    cursor = sentence.start
    lowered = lowered_text(sentence.text)  # lower case: this sentence's, not the text's
    # without an apostrophe, no unit is "'s" and the tokens are the simple ones
    apostrophe = "'" in sentence.text or "’" in sentence.text
    for start, end, place, actor in chosen:
        pattern = _tokens(text, cursor, start, apostrophe)
        _add_words(units, pattern, text, cursor, start, lowered, sentence.start)
        surface = text[start:end]
        units.append(Unit(surface, surface.lower(), start, end, place, actor))
        cursor = end
    pattern = _tokens(text, cursor, sentence.end, apostrophe)
    _add_words(units, pattern, text, cursor, sentence.end, lowered, sentence.start)
    if apostrophe and has_low(units, _POSSESSIVE_MARKS):
        for index, unit in enumerate(units[:-1]):
            if units[index + 1].low in ("'s", "’s") and unit.end == units[index + 1].start:
                unit.possessive = True
    # no digit or no unit of length, no distance (see ``_mark_references``)
    if has_low(units, _DISTANCE_UNITS) and _DIGIT.search(sentence.text):
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
    shift: int = 0,
) -> None:
    """Append the word units of ``text[start:end]`` (tokens of ``pattern``: ``_TOKEN``, or
    ``_SIMPLE_TOKEN`` where the text has no apostrophe) to ``units`` (``lowered``: the
    ``lowered_text`` of ``text[shift:]`` or of a part of it that holds them, if known).

    No token holds white space, and the patterns read white space as they read the end of
    the text, so the tokens are those of each run of other characters in turn; a run of
    word characters alone (``str.isalnum``: ``\\w`` but "_") is one token, and only the
    other runs go through ``pattern``. Every character but white space is in a token, so
    the tokens of a run follow each other, and each run is the first occurrence of its
    text after the one before.
    """
    append = units.append
    cursor = start
    for run in text[start:end].split():
        # the run starts at the first other character: most often here or after one space
        char = text[cursor]
        if char == " " and text[cursor + 1] == run[0]:
            cursor += 1
        elif char != run[0]:
            cursor = text.find(run, cursor)
        if run.isalnum():  # one token
            first, cursor = cursor, cursor + len(run)
            if run.islower():  # its own lower case (true of every lower-case character)
                low = run
            elif lowered is not None:
                low = lowered[first - shift : cursor - shift]
            else:
                low = _low(run)
            append(Unit(run, low, first, cursor))
            continue
        for word in _run_tokens(run, pattern):  # tokens that follow each other
            first, cursor = cursor, cursor + len(word)
            low = lowered[first - shift : cursor - shift] if lowered is not None else _low(word)
            append(Unit(word, low, first, cursor))


def _low(word: str) -> str:
    """The ``low`` form of a word: lower case, "’" as "'"."""
    low = word.lower()
    return low.replace("’", "'") if "’" in low else low


def _run_tokens(run: str, pattern: re.Pattern[str]) -> Sequence[str]:
    """The tokens of ``pattern`` in ``run`` (no white space in it, not word characters
    alone). Without ``pattern``: one character is one token; word characters then one
    other character ("Gori,", "said.") are two: every token that ``_TOKEN`` finds but by
    its last alternative needs an apostrophe then a letter."""
    if len(run) == 1:
        return (run,)
    last = run[-1]
    if run[:-1].isalnum() and not (last.isalnum() or last == "_"):
        return (run[:-1], last)
    return pattern.findall(run)


def _mark_references(units: list[Unit]) -> None:
    """Places in "N km (M miles) [north] of/from [the capital,] X" are claim references.

    Only where a unit of length follows the number: its ``low`` stripped of final digits,
    dots and commas is empty or starts with a digit, never a unit of length.
    """
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
    for unit in units:  # noqa: SIM110 (faster than ``any``: see ``has_low``)
        if unit.reference:
            return True
    return False


def has_low(units: Iterable[Unit], words: Container[str]) -> bool:
    """Whether the ``low`` of one of ``units`` is in ``words``. (A plain loop: it reads
    the attribute faster than ``map`` with an attribute getter or a generator does.)"""
    for unit in units:  # noqa: SIM110
        if unit.low in words:
            return True
    return False


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
