"""Split report text into sentences with exact character spans.

A small rule-based splitter for wire copy: a sentence ends at ``.``, ``!``, ``?`` (and a
closing quote or bracket after them) followed by whitespace and an upper-case letter, a
digit or an opening quote; a line break always ends one (headlines, captions, signature
lines). Abbreviations ("Mr.", "Gen.", "Aug.", "U.S.", "J.") do not end a sentence unless a
common sentence opener follows them ("... ties with the U.S. The talks ...").
"""

from __future__ import annotations

import re
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

_END = re.compile(r"[.!?]+[\"'”’)\]]*")
_WORD_BEFORE = re.compile(r"([\w.’']+)$")
_NEXT_WORD = re.compile(r"\s+[\"“'‘(\[]*(\w+)")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its text and its span ``[start, end)`` in the document."""

    start: int
    end: int
    text: str
    index: int
    paragraph: int


def _is_abbreviation(token: str) -> bool:
    bare = token.rstrip(".").lower()
    if bare in ABBREVIATIONS:
        return True
    if re.fullmatch(r"(?:[a-z]\.)+[a-z]?", token.lower()):  # U.S. / U.N. / e.g.
        return True
    return len(bare) == 1 and bare.isalpha()  # an initial: "J. Smith"


def _boundary_after(text: str, match: re.Match[str], limit: int) -> bool:
    """Whether the punctuation ``match`` ends a sentence (``limit``: end of its line)."""
    after = text[match.end() : min(limit, match.end() + 120)]
    if after and not after[0].isspace():
        return False
    following = _NEXT_WORD.match(after)
    if following is None:
        return not after.strip()  # end of the line
    word = following.group(1)
    if not (word[0].isupper() or word[0].isdigit()):
        return False
    if match.group(0).startswith("."):
        before = _WORD_BEFORE.search(text[max(0, match.start() - 60) : match.start() + 1])
        if before and _is_abbreviation(before.group(1)):
            return word.lower() in SENTENCE_OPENERS
    return True


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; ``text[s.start:s.end] == s.text`` for each.

    The last few texts are cached: the events and claims stages split the same text.
    """
    return list(_split_cached(text))


@lru_cache(maxsize=8)
def _split_cached(text: str) -> tuple[Sentence, ...]:
    return tuple(_split(text))


def _split(text: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    paragraph = 0
    for block in re.finditer(r"[^\n]+", text):
        if sentences and "\n\n" in text[sentences[-1].end : block.start()].replace("\r", ""):
            paragraph += 1
        cursor = block.start()
        for match in _END.finditer(text, block.start(), block.end()):
            if _boundary_after(text, match, block.end()):
                _append(sentences, text, cursor, match.end(), paragraph)
                cursor = match.end()
        _append(sentences, text, cursor, block.end(), paragraph)
    return sentences


def _append(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    start, end = _trimmed(text, start, end)
    if start < end:
        sentences.append(Sentence(start, end, text[start:end], len(sentences), paragraph))
