"""Find date expressions in report text and resolve them against the publication date.

Conventions (each resolution carries a ``precision`` of ``day``, ``week``, ``month`` or
``unknown``):

- a weekday name is the latest such day on or before the publication date ("Tuesday" in a
  Tuesday paper is that Tuesday); "next Friday" is the first one after it;
- "at the weekend" is the latest weekend on or before the publication date, "until/by the
  weekend" the coming one; a weekend is a two-day span, so its precision is ``week``;
- "last week" / "this week" start on the Monday of that week (precision ``week``); "this
  month" / "earlier this month" / "last month" start on the 1st (precision ``month``);
- "earlier" on its own is the news-day convention of wire copy: earlier on the day of
  publication (precision ``day``);
- "two days later", "the next day", "the day before" count from the *anchor*: the latest
  day-precise date the document mentioned before, else the publication date;
- absolute dates ("7 August", "Aug. 7-8", "19 August 2008") are parsed with dateparser; a
  date with no year takes the year that puts it closest to the publication date; a range
  gives its first day, with precision ``day`` for one day, ``week`` up to seven days;
- with no publication date, anything relative (and any date with no year) stays unknown.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from geo.text._date_patterns import (
    _ANCHOR_AUTOMATON,
    _ANCHORS,
    _ISO_GATE,
    _MONTH,
    _MONTH_ABBR,
    _MONTH_NAMES,
    _NUM,
    _NUMBER_WORDS,
    _SCANS,
    _YEAR,
    WEEKDAYS,
    _candidates,
    _Day,
    _folded,
    _lower_only_ascii,
    _scan,
    word_key,
    word_mapped,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    """A resolved date: its first day, last day and precision (``unknown``: no date)."""

    date: _Day | None
    precision: str = "unknown"
    end: _Day | None = None

    @property
    def known(self) -> bool:
        return self.date is not None


UNKNOWN = ResolvedDate(None, "unknown", None)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression found in a text, with its span and resolution."""

    start: int
    end: int
    text: str
    kind: str
    resolved: ResolvedDate

    @property
    def anaphoric(self) -> bool:
        """True for "two days later"-style expressions that count from the anchor."""
        return self.kind in ("offset_rel", "next_day")


# -- small calendar helpers --------------------------------------------------------------
def latest_weekday(day_index: int, on_or_before: date) -> date:
    """The latest date with weekday ``day_index`` (Monday 0) on or before a date."""
    return on_or_before - timedelta(days=(on_or_before.weekday() - day_index) % 7)


def next_weekday(day_index: int, after: date) -> date:
    """The first date with weekday ``day_index`` strictly after a date."""
    return after + timedelta(days=(day_index - after.weekday() - 1) % 7 + 1)


def _span(start: date, end: date) -> ResolvedDate:
    days = (end - start).days
    precision = "day" if days <= 0 else "week" if days <= 6 else "month"
    return ResolvedDate(start, precision, max(start, end))


def _month_start(day: date, months_back: int = 0) -> date:
    month = day.month - months_back
    year = day.year
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


def _month_end(first: date) -> date:
    following = _month_start(first.replace(day=28) + timedelta(days=4))
    return following - timedelta(days=1)


def _number(text: str) -> int | None:
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    return _NUMBER_WORDS.get(text)


def _closest_year(month: int, day: int, published: date) -> date | None:
    best: date | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - published).days) < abs((best - published).days):
            best = candidate
    return best


_PLAIN_DAY = r"(0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_PLAIN_YEAR = rf"(?:,?\s+({_YEAR}))?"
_PLAIN_MONTH = rf"({_MONTH_NAMES}|(?:{_MONTH_ABBR})\.?)"
_PLAIN_DAY_MONTH = re.compile(rf"(?ai){_PLAIN_DAY}\s+(?:of\s+)?{_PLAIN_MONTH}{_PLAIN_YEAR}")
_PLAIN_MONTH_DAY = re.compile(rf"(?ai){_PLAIN_MONTH}\s+{_PLAIN_DAY}{_PLAIN_YEAR}")
_MONTH_INDEX = {name[:3]: number for number, name in enumerate(_MONTH_NAMES.split("|"), 1)}


def _parse_plain(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of a plain "7 August", "7th of Aug.", "August 7th, 2008";
    None for any other form (left to dateparser, which reads these the same way: the "of"
    is dropped before it reads them, and it reads a run of white space as one space)."""
    match = _PLAIN_DAY_MONTH.fullmatch(text)
    if match is not None:
        day, month, year = match.groups()
    else:
        match = _PLAIN_MONTH_DAY.fullmatch(text)
        if match is None:
            return None
        month, day, year = match.groups()
    number = _MONTH_INDEX[month[:3].lower()]
    try:  # dateparser fills a missing year from its base (2000, a leap year)
        date(int(year) if year else 2000, number, int(day))
    except ValueError:
        return None
    return number, int(day), int(year) if year else None


@lru_cache(maxsize=4096)
def _parse_absolute(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of "7 August", "Aug. 7th", "19 August 2008" via dateparser."""
    plain = _parse_plain(text)
    if plain is not None:
        return plain
    return _parse_with_dateparser(text)


def _parse_with_dateparser(text: str) -> tuple[int, int, int | None] | None:
    import dateparser

    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text, flags=re.IGNORECASE)
    cleaned = re.sub(r"\bof\b", " ", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"(?i)\bsept\b", "sep", cleaned)
    has_year = re.search(_YEAR, cleaned) is not None
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "REQUIRE_PARTS": ["day", "month"],
            "RELATIVE_BASE": datetime(2000, 1, 1),
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
    if parsed is None:
        return None
    return parsed.month, parsed.day, parsed.year if has_year else None


def _absolute(text: str, published: date | None) -> date | None:
    parts = _parse_absolute(text)
    if parts is None:
        return None
    month, day, year = parts
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return _closest_year(month, day, published) if published else None


def _month_number(word: str) -> int | None:
    key = word.lower().rstrip(".")[:3]
    names = [m[:3] for m in _MONTH_NAMES.split("|")]
    return names.index(key) + 1 if key in names else None


# -- resolvers by pattern ------------------------------------------------------------------
def _resolve_range(text: str, published: date | None) -> ResolvedDate:
    year = re.search(_YEAR, text)
    month = re.search(_MONTH, text, re.IGNORECASE)
    days = re.findall(
        r"(?<![\d])(\d{1,2})(?:st|nd|rd|th)?(?![\d])", text[: year.start()] if year else text
    )
    if not month or len(days) < 2:
        return UNKNOWN
    suffix = f" {year.group(0)}" if year else ""
    first = _absolute(f"{days[0]} {month.group(0)}{suffix}", published)
    last = _absolute(f"{days[1]} {month.group(0)}{suffix}", published)
    if first is None or last is None or last < first:
        return UNKNOWN
    return _span(first, last)


def _resolve_month(text: str, published: date | None) -> ResolvedDate:
    word = re.search(_MONTH, text, re.IGNORECASE)
    month = _month_number(word.group(0)) if word else None
    if month is None:
        return UNKNOWN
    year = re.search(_YEAR, text)
    if year:
        first = date(int(year.group(0)), month, 1)
    elif published:
        nearest = _closest_year(month, 15, published)
        if nearest is None:
            return UNKNOWN
        first = nearest.replace(day=1)
    else:
        return UNKNOWN
    return ResolvedDate(first, "month", _month_end(first))


def _resolve_span(text: str, published: date) -> ResolvedDate:
    lowered = text.lower()
    unit = "week" if "week" in lowered else "month"
    back = 1 if re.search(r"\b(last|previous|past)\b", lowered) else -1 if "next" in lowered else 0
    if unit == "week":
        monday = published - timedelta(days=published.weekday()) - timedelta(weeks=back)
        return ResolvedDate(monday, "week", monday + timedelta(days=6))
    first = _month_start(published, back)
    return ResolvedDate(first, "month", _month_end(first))


def _resolve_weekend(text: str, published: date) -> ResolvedDate:
    lowered = text.lower()
    upcoming = re.search(r"\b(until|by|next)\b", lowered) is not None or (
        lowered.startswith("this") and published.weekday() < 5
    )
    if upcoming:
        saturday = next_weekday(5, published - timedelta(days=1))
    else:
        saturday = latest_weekday(5, published)
    return ResolvedDate(saturday, "week", saturday + timedelta(days=1))


def _resolve_weekday(text: str, published: date) -> ResolvedDate:
    lowered = text.casefold()  # casefold, not lower: the pattern also matches "ſunday"
    name = next((w for w in WEEKDAYS if w in lowered), None)
    if name is None:
        return UNKNOWN
    index = WEEKDAYS.index(name)
    if lowered.startswith("next"):
        upcoming = next_weekday(index, published)
        return ResolvedDate(upcoming, "day", upcoming)
    day = latest_weekday(index, published)
    if lowered.startswith("last") and day == published:
        day -= timedelta(days=7)
    return ResolvedDate(day, "day", day)


def _resolve_offset(text: str, base: date, sign: int) -> ResolvedDate:
    match = re.search(rf"\b{_NUM}\b", text, re.IGNORECASE)
    count = _number(match.group(0)) if match else None
    if count is None:
        return UNKNOWN
    weeks = "week" in text.lower()
    day = base + sign * timedelta(days=count * (7 if weeks else 1))
    return ResolvedDate(day, "week" if weeks else "day", day)


def _resolve_deictic(text: str, published: date) -> ResolvedDate:
    lowered = text.lower()
    if "day before yesterday" in lowered:
        day = published - timedelta(days=2)
    elif "yesterday" in lowered:
        day = published - timedelta(days=1)
    elif "tomorrow" in lowered:
        day = published + timedelta(days=1)
    else:
        day = published
    return ResolvedDate(day, "day", day)


def _resolve(kind: str, text: str, published: date | None, anchor: date | None) -> ResolvedDate:
    """The date ``text`` (a match of ``kind``) means; unknown where counting from
    ``published`` or ``anchor`` would leave the calendar (a report dated 0001-01-01 saying
    "last week", or 9999-12-31 saying "next week")."""
    try:
        return _resolve_kind(kind, text, published, anchor)
    except OverflowError:
        return UNKNOWN


def _resolve_kind(
    kind: str, text: str, published: date | None, anchor: date | None
) -> ResolvedDate:
    lowered = text.lower()
    if kind == "iso":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return UNKNOWN
        return ResolvedDate(day, "day", day)
    if kind in ("day_range", "month_range"):
        return _resolve_range(text, published)
    if kind in ("day_month", "month_day"):
        day_value = _absolute(text, published)
        return ResolvedDate(day_value, "day", day_value) if day_value else UNKNOWN
    if kind in ("month_year", "in_month"):
        return _resolve_month(text, published)
    if kind in ("offset_rel", "next_day"):
        base = anchor or published
        if base is None:
            return UNKNOWN
        if kind == "next_day":
            sign = -1 if re.search(r"previous|preceding|before", lowered) else 1
            day = base + timedelta(days=sign)
            return ResolvedDate(day, "day", day)
        sign = -1 if re.search(r"earlier|before", lowered) else 1
        return _resolve_offset(text, base, sign)
    if published is None:
        return UNKNOWN
    if kind in ("span", "rel_span"):
        return _resolve_span(text, published)
    if kind == "weekend":
        return _resolve_weekend(text, published)
    if kind == "offset_ago":
        return _resolve_offset(text, published, -1)
    if kind == "weekday":
        return _resolve_weekday(text, published)
    if kind == "deictic":
        return _resolve_deictic(text, published)
    if kind == "earlier":
        return ResolvedDate(published, "day", published)
    return UNKNOWN


def _is_verb_month(text: str, kind: str) -> bool:
    """Reject "may"/"march" used as words, not months ("troops may 5 ..." is rare)."""
    return (
        kind == "in_month"
        and re.search(r"\b(may|march)\b", text, re.IGNORECASE) is not None
        and (not re.match(r"(?i)(in|early|late|mid-?|since|until|during)\s", text))
    )


def find_dates(
    text: str,
    published: date | None,
    anchor: date | None = None,
    offset: int = 0,
) -> list[DateMention]:
    """Date expressions in ``text`` (spans shifted by ``offset``), resolved in order.

    ``anchor`` is the narrative date that "two days later" counts from; each day-precise
    absolute date found moves the anchor forward for the expressions after it.
    """
    mentions: list[DateMention] = []
    current = anchor
    for start, end, kind in _matches(text):
        resolved = _resolve(kind, text[start:end], published, current)
        mentions.append(DateMention(start + offset, end + offset, text[start:end], kind, resolved))
        if resolved.known and resolved.precision == "day" and kind not in ("earlier",):
            current = resolved.date
    return mentions


def _matches(text: str, mapped: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, pattern) of the date expressions in ``text``, in order: each pattern's
    matches, earlier patterns first, a match overlapping one taken before dropped
    (``mapped``: ``word_mapped(text)``, if known)."""
    anchors = list(_ANCHOR_AUTOMATON.iter(mapped if mapped is not None else word_mapped(text)))
    if not anchors and _ISO_GATE.search(text) is None:
        return []  # every match has an anchor word (or, an "iso" one, a hyphen and a digit)
    taken: list[tuple[int, int, str]] = []
    used = bytearray(len(text))
    folded = _folded(text)
    exact = folded is not None and _lower_only_ascii(text)
    search = folded if exact and folded is not None else text
    candidates = _candidates(anchors, search) if folded is not None else None
    for kind, pattern, lower_pattern in _SCANS:
        if candidates is not None and kind not in candidates and kind != "iso":
            continue  # no anchor word of the pattern (``_scan`` would find nothing)
        for match in _scan(kind, lower_pattern if exact else pattern, search, candidates):
            start, end = match.span()
            if any(used[start:end]) or _is_verb_month(text[start:end], kind):
                continue
            used[start:end] = b"\x01" * (end - start)
            taken.append((start, end, kind))
    taken.sort()
    return taken


#: Characters that no date pattern matches, in a match or a look-ahead (``test_dates``
#: checks every pattern): none is white space, a digit, a letter or a word character.
BARRIERS = ";:!?\"'()[]{}\u201c\u201d\u2018\u2019"
#: A barrier or a full stop; a full stop is a barrier unless a month abbreviation ends
#: before it (the patterns match a full stop only there, in ``_MONTH``).
_BARRIER_OR_STOP = re.compile(f"[{re.escape(BARRIERS)}.]")
_BARRIER_CHARS = frozenset(BARRIERS + ".")
_MONTH_ENDS = frozenset(word[-3:] for word in _MONTH_ABBR.split("|"))
#: The end of a month abbreviation, compared as the patterns compare letters.
_MONTH_END = re.compile("|".join(sorted(_MONTH_ENDS)), re.IGNORECASE)
_ANAPHORIC = frozenset({"offset_rel", "next_day"})


def find_dates_within(
    text: str, published: date | None, spans: Sequence[tuple[int, int]]
) -> list[DateMention]:
    """The mentions of ``find_dates(text, published)`` that lie inside one of ``spans``
    (sorted, not overlapping), found by scanning only around the spans.

    Exact. Each span is widened to a *window* that a barrier (``_is_barrier``) or an end
    of the text bounds on either side (``_windows``). No match contains a barrier, and a
    pattern reads one (with ``\\b``, a look-ahead) as it reads an end of the text, so
    each pattern's matches in a window are those it finds in the window's text alone,
    and none outside overlaps one inside (what one pattern takes from another is decided
    window by window). Only the anaphoric expressions ("two days later") depend on what
    came before: if a span has one, the text up to the end of its window (a barrier, read
    as the end of the text) is read whole, as ``find_dates`` reads it.
    """
    mapped = word_mapped(text)
    starts = [start for start, _ in spans]
    inside: list[tuple[int, int, str]] = []
    cut = 0  # the end of the last window with an anaphoric expression inside a span
    for first, last in _windows(text, spans):
        # the window's own ``word_mapped`` form: a barrier maps to a space, as the padding
        for start, end, kind in _matches(text[first:last], mapped[first : last + 2]):
            start, end = start + first, end + first
            span = bisect.bisect_right(starts, start) - 1
            if span >= 0 and end <= spans[span][1]:
                inside.append((start, end, kind))
                if kind in _ANAPHORIC:
                    cut = last
    found = find_dates(text[:cut], published) if cut else []
    before = {(d.start, d.end, d.kind): d for d in found}
    return [
        before.get((start, end, kind))
        or DateMention(
            start, end, text[start:end], kind, _resolve(kind, text[start:end], published, None)
        )
        for start, end, kind in inside
    ]


def _windows(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The windows of ``text`` around ``spans``: each from just after the last barrier at
    or before a span's start (or the start of the text) to the first barrier at or after
    its last character (or the end of the text); overlapping windows merged.

    A match inside a span has no barrier in it, so it lies in the span's window. The
    barriers are found once for the text (a text without any costs one pass, not one per
    span).
    """
    barriers = [
        found.start()
        for found in _BARRIER_OR_STOP.finditer(text)
        if _is_barrier(text, found.start())
    ]
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        before = bisect.bisect_right(barriers, start) - 1
        first = barriers[before] + 1 if before >= 0 else 0
        after = bisect.bisect_left(barriers, max(start, end - 1))
        last = barriers[after] if after < len(barriers) else len(text)
        if windows and first <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    return windows


def _is_barrier(text: str, position: int) -> bool:
    """Whether ``text[position]``, one of ``_BARRIER_OR_STOP``, is a barrier: not a full
    stop that ends a month abbreviation ("Aug.")."""
    if text[position] != ".":
        return True
    before = text[max(0, position - 3) : position]
    if before.isascii():  # an ASCII letter matches its two cases alone
        return before.lower() not in _MONTH_ENDS
    return _MONTH_END.fullmatch(before) is None


#: Every year (``_YEAR``), as a search.
_YEAR_GATE = re.compile(_YEAR)
#: The ASCII digits a year starts with.
_CENTURIES = ("18", "19", "20")
#: Words one of which every anaphoric mention holds as a word of its own, as they stand
#: in a ``word_mapped`` text.
_ANAPHORIC_KEYS = tuple(
    sorted({word_key(word) for kind in _ANAPHORIC for word in _ANCHORS[kind][0]})
)


def resolvable_spans(
    text: str, published: date | None, spans: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Those of ``spans`` that can hold a date mention of ``text`` that resolves
    (``known``): all of them with a publication date.

    Without one a mention resolves only with a year (``_YEAR``) or as an ISO date, which
    holds a hyphen then a digit (``_ISO_GATE``): with such a *mark* in it; or as an
    anaphoric one ("two days later", which holds one of the ``_ANAPHORIC_KEYS`` words),
    counting from an earlier mention that resolves, which it does not overlap: after a
    mark.
    """
    if published is not None:
        return list(spans)
    mapped = word_mapped(text)
    kept = []
    for start, end in spans:
        # (the span's part of ``mapped``, and a character either side, holds the ASCII
        # digits a year starts with, and the words, where the span does)
        part = mapped[start : end + 2]
        if (
            (any(map(part.__contains__, _CENTURIES)) and _YEAR_GATE.search(text, start, end))
            or (text.find("-", start, end) >= 0 and _ISO_GATE.search(text, start, end))
            or (any(map(part.__contains__, _ANAPHORIC_KEYS)) and _marked(text, mapped, end))
        ):
            kept.append((start, end))
    return kept


def _marked(text: str, mapped: str, end: int) -> bool:
    """Whether ``text[:end]`` may hold a mark (see ``resolvable_spans``): a year starts
    with one of ``_CENTURIES``, ASCII digits, which stand as they are in ``mapped`` (its
    ``word_mapped`` form, one character on)."""
    return any(mapped.find(digits, 0, end + 1) >= 0 for digits in _CENTURIES) or (
        _ISO_GATE.search(text, 0, end) is not None
    )


def resolve_date(
    expression: str, published: date | None, anchor: date | None = None
) -> ResolvedDate:
    """Resolve one date expression ("Monday", "last week", "on Aug 7-8"); unknown if none.

    The first expression found in ``expression`` is used.
    """
    found = find_dates(expression, published, anchor)
    return found[0].resolved if found else UNKNOWN
