"""The date expressions reports use, as patterns, and the fast scan that finds them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import ahocorasick

log = logging.getLogger(__name__)


_Day = date  # the field ResolvedDate.date shadows the type name

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_MONTH_NAMES = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
)
_MONTH_ABBR = r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_MONTH = rf"(?:{_MONTH_NAMES}|(?:{_MONTH_ABBR})\.?)"
_ORD = r"(?:st|nd|rd|th)?"
_DAY = rf"(?:[12]\d|3[01]|0?[1-9]){_ORD}"
_RANGE_SEP = r"\s*(?:-|–|—|to|and)\s*"
_YEAR = r"(?:1[89]|20)\d\d"
_NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "a few": 3,
}
_NUM = (
    r"(?:\d{1,2}|a couple of|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve)"
)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"

#: (name, pattern) in priority order: longer, more specific forms first.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("iso", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("day_range", rf"\b{_DAY}{_RANGE_SEP}{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b"),
    ("month_range", rf"\b{_MONTH}\s+{_DAY}{_RANGE_SEP}{_DAY}\b(?:,?\s+{_YEAR})?"),
    ("day_month", rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?(?![\w])"),
    ("month_day", rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR})?"),
    ("month_year", rf"\b(?:{_MONTH_NAMES}|(?:{_MONTH_ABBR})\.?)\s+{_YEAR}\b"),
    ("in_month", rf"\b(?:in|early|late|mid-?|since|until|during|by)\s+(?:{_MONTH_NAMES})\b"),
    ("rel_span", r"\b(?:earlier|later|early|late)\s+(?:this|last|next)\s+(?:week|month)\b"),
    ("span", r"\b(?:this|last|next|previous|past)\s+(?:week|month)\b"),
    ("weekend", r"\b(?:at|over|during|until|by|this|last|next|on)\s+(?:the\s+)?weekend\b"),
    (
        "offset_ago",
        rf"\b(?:about\s+|some\s+|nearly\s+|almost\s+)?{_NUM}\s+(?:days?|weeks?)\s+ago\b",
    ),
    ("offset_rel", rf"\b{_NUM}\s+(?:days?|weeks?)\s+(?:later|after|afterwards|earlier|before)\b"),
    (
        "next_day",
        r"\b(?:the\s+)?(?:next|following|previous|preceding)\s+(?:day|morning|evening|night)\b"
        r"|\bthe\s+day\s+(?:before|after)\b(?!\s+(?:yesterday|tomorrow))",
    ),
    ("weekday", rf"\b(?:(?:last|next|this|on|early|late)\s+)?{_WEEKDAY}{_PART}\b"),
    (
        "deictic",
        r"\b(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|overnight"
        r"|this\s+(?:morning|afternoon|evening))\b",
    ),
    ("earlier", r"\bearlier(?:\s+today|\s+in\s+the\s+day|\s+on)?\b(?!\s+(?:than|this|that|in\b))"),
)
_COMPILED = tuple((name, re.compile(p, re.IGNORECASE)) for name, p in _PATTERNS)

_MONTH_WORDS = (*_MONTH_NAMES.split("|"), *_MONTH_ABBR.split("|"))
#: Per pattern (but "iso"), words one of which every match contains as a word of its own
#: (its neighbours are neither ASCII letters nor digits), and how many runs of white
#: space a match can have before that word: a match starts at the start of a word (``\b``
#: then ``\w``) at most that many runs of white space before an occurrence of the word.
_ANCHORS: dict[str, tuple[tuple[str, ...], int]] = {
    "day_range": (_MONTH_WORDS, 4),  # 7 - 8 of August
    "month_range": (_MONTH_WORDS, 0),
    "day_month": (_MONTH_WORDS, 2),  # 7 of August
    "month_day": (_MONTH_WORDS, 0),
    "month_year": (_MONTH_WORDS, 0),
    "in_month": (tuple(_MONTH_NAMES.split("|")), 1),
    "rel_span": (("week", "month"), 2),  # later this week
    "span": (("week", "month"), 1),
    "weekend": (("weekend",), 2),  # at the weekend
    "offset_ago": (("ago",), 5),  # about a couple of days ago
    "offset_rel": (("day", "days", "week", "weeks"), 3),  # a couple of days later
    "next_day": (("day", "morning", "evening", "night"), 2),  # the next day
    "weekday": (WEEKDAYS, 1),  # last Monday
    "deictic": (
        (
            "yesterday",
            "today",
            "tonight",
            "tomorrow",
            "overnight",
            "morning",
            "afternoon",
            "evening",
        ),
        3,  # the day before yesterday
    ),
    "earlier": (("earlier",), 0),
}
#: Every "iso" match contains a hyphen and a digit after it.
_ISO_GATE = re.compile(r"-\d")
_WORD_START = re.compile(r"\b\w")
_NON_SPACE = re.compile(r"\S*")
_SPACE_THEN_NON_SPACE = re.compile(r"\s*\S*")
_SCANS = tuple((name, pattern, re.compile(pattern.pattern)) for name, pattern in _COMPILED)
#: The characters other than A-Z that match an ASCII letter case-insensitively, mapped
#: to that letter (a ``str.translate`` table).
FOLD_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_FOLD_CHARS = tuple(sorted(chr(code) for code in FOLD_TO_ASCII))
#: ASCII letters lower-cased, digits kept, every other byte a space (and so every
#: non-ASCII character, which ``word_mapped`` encodes as "?").
_WORD_MAP = bytes(
    (b | 0x20) if chr(b).isascii() and chr(b).isalpha() else b if chr(b).isdigit() else 0x20
    for b in range(256)
)


@lru_cache(maxsize=4)
def word_mapped(text: str) -> str:
    """``text`` position for position, shifted by one: ASCII letters in lower case, digits
    kept, everything else a space, and a space added at each end.

    A character that matches an ASCII letter case-insensitively (``FOLD_TO_ASCII``; the
    Kelvin sign, the one non-ASCII character whose lower case is ASCII, among them) is
    that letter. A word of ``text`` written in ASCII letters and digits, with neither a
    letter nor a digit next to it, so stands between two spaces (see ``word_key``).
    The last few texts are cached: the date and the event scans map the same text.
    """
    if not text.isascii() and any(char in text for char in _FOLD_CHARS):
        text = text.translate(FOLD_TO_ASCII)
    return " " + text.encode("ascii", "replace").translate(_WORD_MAP).decode("ascii") + " "


def word_key(phrase: str) -> str:
    """How the ASCII ``phrase`` stands in a ``word_mapped`` text as words of their own;
    the key starts at the phrase's offset in the original text."""
    return " " + phrase.lower().encode("ascii").translate(_WORD_MAP).decode("ascii") + " "


def _anchor_automaton() -> Any:
    """Aho-Corasick automaton of the ``_ANCHORS`` words (value: key length, the patterns,
    their runs of white space, the most of these)."""
    patterns: dict[str, list[str]] = {}
    for name, (words, _runs) in _ANCHORS.items():
        for word in words:
            patterns.setdefault(word_key(word), []).append(name)
    automaton = ahocorasick.Automaton()
    for key, names in patterns.items():
        runs = tuple(_ANCHORS[name][1] for name in names)
        automaton.add_word(key, (len(key), tuple(names), runs, max(runs)))
    automaton.make_automaton()
    return automaton


_ANCHOR_AUTOMATON = _anchor_automaton()


def _run_starts(backwards: str, position: int, runs: int) -> list[int]:
    """Where the run of non-white-space characters at ``position`` of a text starts, then
    where each of the ``runs`` runs before it starts (0 once the text's start is reached);
    ``backwards``: the text reversed."""
    size = len(backwards)
    cursor = _matched_end(_NON_SPACE, backwards, size - position)
    bounds = [size - cursor]
    for _ in range(runs):
        cursor = _matched_end(_SPACE_THEN_NON_SPACE, backwards, cursor)
        bounds.append(size - cursor)
    return bounds


def _matched_end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where ``pattern`` (which matches anywhere, if only the empty string) ends when
    matched at ``position``."""
    match = pattern.match(text, position)
    return match.end() if match is not None else position


def _candidates(anchors: Iterable[tuple[int, Any]], search: str) -> dict[str, list[int]]:
    """Per pattern of ``_ANCHORS``, the sorted offsets in ``search`` (a text or its folded
    form, position for position) where a match of it may start; ``anchors``: what
    ``_ANCHOR_AUTOMATON`` finds in the text's ``word_mapped`` form."""
    found: dict[str, set[int]] = {}
    backwards = search[::-1]
    for last, (length, names, runs, most) in anchors:
        word = last - length + 1
        bounds = _run_starts(backwards, word, most)
        starts = [m.start() for m in _WORD_START.finditer(search, bounds[-1], word + 1)]
        for name, count in zip(names, runs, strict=True):
            low = bounds[count]
            positions = found.get(name)
            if positions is None:
                positions = found[name] = set()
            positions.update(starts if count == most else [p for p in starts if p >= low])
    return {name: sorted(positions) for name, positions in found.items()}


def _folded(text: str) -> str | None:
    """``text`` in lower case, position for position, where a case-insensitive pattern
    letter matches exactly the folded letter; None where folding changes the length."""
    if not text.isascii() and any(char in text for char in _FOLD_CHARS):
        text = text.translate(FOLD_TO_ASCII)
    folded = text.lower()
    return folded if len(folded) == len(text) else None


def lower_exact(text: str) -> str | None:
    """``text.lower()`` where a regex written in lower case matches it exactly where the
    same regex matches ``text`` case-insensitively (position for position); else None."""
    return text.lower() if _lower_only_ascii(text) else None


def _lower_only_ascii(text: str) -> bool:
    """Whether lower-casing ``text`` changes only ASCII letters, and no character but an
    ASCII letter matches one case-insensitively: then a lower-case pattern matches the
    lower-cased text exactly where it matches the text case-insensitively."""
    if text.isascii():
        return True
    if any(char in text for char in _FOLD_CHARS):
        return False
    # ``bytes.lower`` changes ASCII letters only (the UTF-8 bytes of other characters
    # are all above 127)
    ascii_lowered = text.encode("utf-8", "surrogatepass").lower()
    return text.lower() == ascii_lowered.decode("utf-8", "surrogatepass")


def _matches_at(
    pattern: re.Pattern[str], text: str, starts: Sequence[int]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` where every match starts at one of ``starts`` (sorted):
    the pattern is tried only there."""
    cursor = 0
    for position in starts:
        if position < cursor:
            continue
        match = pattern.match(text, position)
        if match is not None:
            yield match
            cursor = max(match.end(), position + 1)


def _scan(
    kind: str, pattern: re.Pattern[str], text: str, candidates: dict[str, list[int]] | None
) -> Iterable[re.Match[str]]:
    """The matches of the pattern ``kind`` in ``text`` (``candidates``: see ``_candidates``;
    None: scan the whole text)."""
    if candidates is None:
        return pattern.finditer(text)
    if kind == "iso":
        return pattern.finditer(text) if _ISO_GATE.search(text) else ()
    starts = candidates.get(kind)
    return _matches_at(pattern, text, starts) if starts else ()
