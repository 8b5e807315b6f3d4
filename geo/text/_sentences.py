"""Split report text into sentences with exact character spans.

A small rule-based splitter for wire copy: a sentence ends at ``.``, ``!``, ``?`` (and a
closing quote or bracket after them) followed by whitespace and an upper-case letter, a
digit or an opening quote; a line break always ends one (headlines, captions, signature
lines). Abbreviations ("Mr.", "Gen.", "Aug.", "U.S.", "J.") do not end a sentence unless a
common sentence opener follows them ("... ties with the U.S. The talks ...").
A run of text longer than :data:`MAX_SENTENCE` characters without an end (a page with no
punctuation) is cut into pieces of at most that length at white space, so no later stage
ever sees an unbounded sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

#: Abbreviations that take a full stop but rarely end a sentence (folded, without the dot).
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "sgt",
        "capt",
        "cpl",
        "pte",
        "adm",
        "cmdr",
        "brig",
        "rev",
        "st",
        "mt",
        "ft",
        "jr",
        "sr",
        "sen",
        "rep",
        "gov",
        "pres",
        "amb",
        "no",
        "nos",
        "vs",
        "etc",
        "approx",
        "est",
        "dept",
        "univ",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "e.g",
        "i.e",
        "cf",
        "al",
        "km",
        "sq",
    }
)

#: Words that, capitalised after an abbreviation's dot, still start a new sentence.
SENTENCE_OPENERS: frozenset[str] = frozenset(
    {
        "the",
        "a",
        "an",
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "this",
        "that",
        "these",
        "those",
        "but",
        "and",
        "in",
        "on",
        "at",
        "meanwhile",
        "earlier",
        "later",
        "there",
        "his",
        "her",
        "their",
        "its",
        "our",
        "some",
        "many",
        "both",
        "however",
        "after",
    }
)

#: The longest sentence (characters); longer runs are cut at the last white space before.
MAX_SENTENCE = 1000

_END = re.compile(r"[.!?]+[\"'”’)\]]*")
_NEXT_WORD = re.compile(r"\s+[\"“'‘(\[]*(\w+)")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]?")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its text and its span ``[start, end)`` in the document."""

    start: int
    end: int
    text: str
    index: int
    paragraph: int


@lru_cache(maxsize=1024)
def _is_abbreviation(token: str) -> bool:
    bare = token.rstrip(".").lower()
    if bare in ABBREVIATIONS:
        return True
    lowered = token.lower()
    if lowered[1:2] == "." and _INITIALS.fullmatch(lowered):  # U.S. / U.N. / e.g.
        return True
    return len(bare) == 1 and bare.isalpha()  # an initial: "J. Smith"


def _word_before(text: str, end: int, start: int) -> str:
    """The word before a full stop at ``end - 1``: the longest run of word characters,
    dots and apostrophes in ``text[start:end]`` that ends at ``end``."""
    space = text.rfind(" ", start, end)
    word = text[space + 1 if space >= 0 else start : end]
    if word.replace(".", "").isalnum():  # (most often) the run is all since a space
        return word
    first = end
    while first > start:
        char = text[first - 1]
        if not (char.isalnum() or char in "_.’'"):
            break
        first -= 1
    return text[first:end]


def _boundary_after(text: str, start: int, end: int, limit: int) -> bool:
    """Whether the punctuation ``text[start:end]`` (an ``_END`` match that white space or
    the end of its line follows) ends a sentence (``limit``: the end of its line)."""
    if end == limit:
        return True  # the end of the line (no word follows on it)
    stop = end + 120 if end + 120 < limit else limit
    following = _NEXT_WORD.match(text, end, stop)
    if following is None:
        return not text[end:stop].strip()  # end of the line
    word = following.group(1)
    if not (word[0].isupper() or word[0].isdigit()):
        return False
    if text[start] == "." and word.lower() not in SENTENCE_OPENERS:
        # after an abbreviation only an opener starts a sentence
        before = _word_before(text, start + 1, max(0, start - 60))
        return not _is_abbreviation(before)
    return True


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; ``text[s.start:s.end] == s.text`` for each.

    The last texts are cached: the events and claims stages split the same text, a chunk
    of articles apart (they run stage by stage over chunks of 32, ``geo.engine._parallel``).
    """
    return list(_split_cached(text))


@lru_cache(maxsize=64)
def _split_cached(text: str) -> tuple[Sentence, ...]:
    return tuple(_split(text))


def _split(text: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    paragraph = 0
    stops = _stop_positions(text)
    next_stop = 0
    for first, limit in _lines(text):
        if sentences and "\n\n" in text[sentences[-1].end : first].replace("\r", ""):
            paragraph += 1
        cursor = first
        reach = first  # where the search for the next end of a sentence goes on
        while next_stop < len(stops) and stops[next_stop] < limit:
            position = stops[next_stop]
            next_stop += 1
            if position < reach:
                continue
            # as ``_END.finditer(text, first, limit)``, whose matches start at stops: the
            # mark alone where white space or the end of the line follows it
            end = reach = position + 1
            if end < limit and not text[end].isspace():
                match = _END.match(text, position, limit)
                assert match is not None  # it matches at every stop
                end = reach = match.end()
                if end < limit and not text[end].isspace():
                    continue  # inside a word or number ("U.S", "3.5"): no boundary
            if _boundary_after(text, position, end, limit):
                _append(sentences, text, cursor, end, paragraph)
                cursor = end
        _append(sentences, text, cursor, limit, paragraph)
    return sentences


def _stop_positions(text: str) -> list[int]:
    """The offsets of ".", "!" and "?" in ``text``, in order."""
    positions: list[int] = []
    for char in ".!?":
        position = text.find(char)
        while position >= 0:
            positions.append(position)
            position = text.find(char, position + 1)
    positions.sort()
    return positions


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """The spans of the lines of ``text`` that are not empty (``[^\\n]+``)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield start, len(text)
            return
        if end > start:
            yield start, end
        start = end + 1


def _append(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    """Append ``text[start:end]`` without its surrounding white space, unless empty; a
    piece longer than :data:`MAX_SENTENCE` as several, cut at white space."""
    while end - start > MAX_SENTENCE:
        cut = _cut(text, start, start + MAX_SENTENCE)
        _append_one(sentences, text, start, cut, paragraph)
        start = cut
    _append_one(sentences, text, start, end, paragraph)


def _cut(text: str, start: int, limit: int) -> int:
    """Where to cut ``text[start:limit]``: after its last white space past the first half
    (``limit`` when there is none: one word that long is cut inside)."""
    for space in (" ", "\t", "\r"):
        position = text.rfind(space, start + (limit - start) // 2, limit)
        if position >= 0:
            return position + 1
    return limit


def _append_one(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if stripped:
        start += segment.find(stripped[0])  # white space alone comes before it
        # a new Sentence, built by its slots' setters (faster than the frozen __init__)
        sentence = _NEW(Sentence)
        _SET_START(sentence, start)
        _SET_END(sentence, start + len(stripped))
        _SET_TEXT(sentence, stripped)
        _SET_INDEX(sentence, len(sentences))
        _SET_PARAGRAPH(sentence, paragraph)
        sentences.append(sentence)


_NEW = object.__new__
_SET_START, _SET_END, _SET_TEXT, _SET_INDEX, _SET_PARAGRAPH = (
    Sentence.__dict__[name].__set__ for name in ("start", "end", "text", "index", "paragraph")
)
