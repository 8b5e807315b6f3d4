"""Toponym recognition: find every gazetteer name in a text, keep the ones that are places.

One table (a :class:`geo.gazetteer._world_rows.StringTable`, far lighter than a character trie)
holds every name, alias and demonym of the gazetteer in
:func:`geo.gazetteer._names.match_form`, plus every prefix
of a name that ends before a space; the text is put in the same form (same length, so offsets
carry over) and, from each space, the runs up to the following spaces are looked up until
no longer name starts so. A hit thus always starts and ends on a word boundary, exactly as
with an automaton of space-padded names. The table is pickled into the world cache
folder, keyed by the gazetteer's content.

Hits are then filtered by general rules, each of which leaves a reason a reader can see:
case (a place is capitalised; a short all-capitals word must be a known code such as
"US"), longest match wins ("North Ossetia" over "Ossetia"), a title or a given name next to
it makes it a person ("President Jackson", "Andrew Jackson", "Paris Hilton"), an
organisation word makes it part of a name ("Georgia Tech", "University of Texas"), and an
English word that is also a village somewhere ("Police", "Reading") needs a place-like
context. An organisation's acronym written like a word ("Nato", "Osce") is the organisation,
and a name after a rank or title and a given name ("Major-General Ivan Borisov",
"Lt. Gen. Pavel Sergeyevich Kutaisov") is a person.
"""

from __future__ import annotations

import logging
import pickle
import re
from collections import defaultdict
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from geo.gazetteer import (
    StringTable,
    cache_dir,
    common_words,
    fold,
    match_form,
    match_key,
    word_list,
    write_cache,
)

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer
    from geo.models import Place

log = logging.getLogger(__name__)

_FORMAT = 6
#: The run is the start of a longer name (it is followed by a space in some name).
_PREFIX_BIT = 1
_CODE_BIT = 1 << 1
#: The run is a name (not only the start of longer ones).
_NAME_BIT = 1 << 2
_ENTRY_SHIFT = 3
_MAX_LENGTH = 255
#: :func:`_scan`'s marker of a run not looked up yet (values are never negative).
_UNSEEN = -1
#: Runs whose values a recogniser remembers before it starts afresh.
_MEMO_SIZE = 100_000
#: How many name tables (of different gazetteers) the cache folder keeps.
_KEEP_TABLES = 4

#: Words after which a capitalised common word is used as a place ("in Reading").
_LOCATIVES = frozenset(
    {
        "in", "at", "from", "to", "near", "outside", "into", "towards", "toward", "via",
        "across", "around", "through", "of", "between", "and", "inside", "within",
    }
)  # fmt: skip
#: Verbs after which a small place's name is a person ("Kelly said").
_SPEECH = frozenset(
    {
        "said", "says", "told", "tells", "added", "adds", "wrote", "writes", "explained",
        "argued", "noted", "tweeted", "asked", "replied", "insisted", "warned", "announced",
        "admitted",
    }
)  # fmt: skip
#: Spaces, then a word that starts with a letter (see :func:`_word_after`).
_SPACED_WORD = re.compile(r"( +)([^\W\d_][\w'’.-]*)")
#: Code points :func:`_capital_starts` compares with.
_SPACE, _A = ord(" "), ord("A")
#: Spaces, then letters, digits and ".-'’" read backwards (see :func:`_word_before`; an
#: underscore, which ``\w`` takes too, ends the word).
_REVERSED_WORD = re.compile(r"( *)([\w.'’-]*)")
_SENTENCE_END = '.!?:;\n\r\t"“”|•'
#: Given names and patronymics a title may stand before ("Gen. Ivan Petrovich Sidorov").
_MAX_GIVEN_NAMES = 2


class Span(NamedTuple):
    """A recognised name: its span in the text, the gazetteer keys it can be, and notes (a
    named tuple: a document makes one per name it holds)."""

    start: int
    end: int
    text: str
    keys: tuple[str, ...]
    demonym: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A hit the filters dropped, and why (for ``--explain`` style output and tests)."""

    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class _SurfaceKind:
    """What the word lists say of a name as written (one word unless ``single`` is false;
    every other flag is false for a name of several words)."""

    single: bool
    title: bool  # a title or rank ("Mayor")
    acronym: bool  # an organisation written as a word ("Nato")
    given: bool  # a given name
    hard: bool  # a hand-listed common word ("Police")
    common: bool  # an English word that is also a place ("Reading")
    person: bool  # a given name or a surname
    word_like: bool  # hard or common
    weak: bool  # hard, common or person: needs a place-like context


@dataclass(frozen=True, slots=True)
class _WordKind:
    """What the word lists say of a word before or after a name (all false for ``""``)."""

    title: bool  # a title or rank ("Gen.", "Major-General")
    name_like: bool  # a capitalised word of letters ("Ivan")
    given: bool  # a capitalised given name
    capital: bool  # starts with a capital
    of: bool  # "of"
    locative: bool  # "in", "near", ...: a place may follow
    eponym: bool  # "Street", "Syndrome": a name made of a place name
    org: bool  # "University", "Tech": an organisation's name
    shouting: bool  # all capitals
    lower_ok: bool  # a lower-case word a name may hold
    surname: bool  # a listed surname
    english: bool  # an English word
    speech: bool  # "said", "told": a person speaks


#: What a hit's surface alone fixes: (shouting matters, problem) of :func:`_case_rule`,
#: then its keys and demonym.
_SurfaceFacts = tuple[bool, str, tuple[str, ...], str]

#: The kind of a word the rules cannot read (a word before a name with no space between).
_NO_WORD = _WordKind(*(False for _ in fields(_WordKind)))


class Recogniser:
    """Finds gazetteer names in text (see the module docstring for the rules)."""

    def __init__(self, gazetteer: Gazetteer, use_cache: bool = True) -> None:
        self.gazetteer = gazetteer
        self._forms, self._entries = _load_or_build(gazetteer, use_cache)
        self._common = common_words()
        self._english = word_list("toponym_english_words")
        self._eponym_words = word_list("toponym_eponym_words")
        self._given = {
            w.capitalize()
            for w in word_list("toponym_given_names")
            if len(w) > 2 and w not in self._english
        }
        self._titles = word_list("toponym_titles")
        self._org_words = word_list("toponym_org_words")
        self._lower_ok = word_list("toponym_lowercase_ok")
        self._surnames = {w.capitalize() for w in word_list("toponym_surnames")}
        self._hard_words = word_list("toponym_common_words_extra")
        self._org_acronyms = word_list("toponym_org_acronyms")
        self._strong: dict[tuple[tuple[str, ...], bool], bool] = {}
        self._memo: dict[str, int | None] = {}
        self._surfaces: dict[str, _SurfaceFacts] = {}
        self._kinds: dict[str, _SurfaceKind] = {}
        self._words: dict[str, _WordKind] = {}
        self._regions: dict[tuple[str, ...], bool] = {}

    # -- raw hits ----------------------------------------------------------------------
    def _hits(
        self, text: str, rejected: list[Rejected] | None
    ) -> list[tuple[int, int, tuple[str, ...], str]]:
        """``(start, end, keys, demonym)`` of every name in ``text`` written in the case of
        a name; ``rejected`` collects the others."""
        padded = " " + match_form(text) + " "
        hits = []
        if len(self._memo) > _MEMO_SIZE:
            self._memo.clear()
        surfaces = self._surfaces
        for start, space, value in _scan(self._forms, padded, text, self._memo):
            end = space - 1  # the space after the name in padded is its end in text
            surface = text[start:end]
            known = surfaces.get(surface)
            if known is None:
                known = self._surface_facts(surface, value)
            shouting_matters, problem, keys, demonym = known
            if shouting_matters and not (
                _shouting(text, start, end) or _dateline(text, start, end)
            ):
                problem = "an all-capitals word that is no known code"
            if problem:
                if rejected is not None:
                    rejected.append(Rejected(start, end, surface, problem))
                continue
            hits.append((start, end, keys, demonym))
        return hits

    # -- the public step -----------------------------------------------------------------
    def spans(self, text: str, rejected: list[Rejected] | None = None) -> list[Span]:
        """The place and demonym names in ``text``, in order; ``rejected`` collects the rest."""
        chosen = _longest(self._hits(text, rejected))
        reverse = text[::-1]
        decided = []
        persons: set[str] = set()
        for start, end, keys, demonym in chosen:
            surface = text[start:end]
            reason = self._context_problem(
                text, reverse, start, end, surface, keys, demonym, chosen
            )
            if reason and reason.startswith(("!a person: after", "!a person: '")):
                persons.add(surface)  # a title or a given name before it: sure enough to reuse
            decided.append((start, end, surface, keys, demonym, reason))
        if not persons and rejected is None:
            # no name read as a person: the loop below would keep exactly the entries not
            # marked "!", each as a Span (an entry holds its fields, in order)
            return [Span._make(entry) for entry in decided if not entry[-1].startswith("!")]
        spans = []
        for start, end, surface, keys, demonym, reason in decided:
            dropped = reason.startswith("!") if reason else False
            if (
                persons
                and not dropped
                and surface in persons
                and not self._is_strong(keys, cities=False)
            ):
                reason, dropped = "!a person: named so elsewhere in the text", True
            if dropped:
                if rejected is not None:
                    rejected.append(Rejected(start, end, surface, reason[1:]))
                continue
            spans.append(Span(start, end, surface, keys, demonym, reason))
        return spans

    # -- rules -----------------------------------------------------------------------------
    def _surface_facts(self, surface: str, value: int) -> _SurfaceFacts:
        """:func:`_case_rule` of ``surface`` (found with table value ``value``), and its
        keys and demonym; remembered by the surface alone: the surface fixes its match form
        (one character for one), so its table value, code, keys and demonym too."""
        if len(self._surfaces) > _MEMO_SIZE:
            self._surfaces.clear()
        shouting_matters, problem = _case_rule(surface, bool(value & _CODE_BIT), self._lower_ok)
        index = value >> _ENTRY_SHIFT
        keys, demonym = self._entries[index] if index else ((match_form(surface),), "")
        facts = self._surfaces[surface] = (shouting_matters, problem, keys, demonym)
        return facts

    def _context_problem(
        self,
        text: str,
        reverse: str,
        start: int,
        end: int,
        surface: str,
        keys: tuple[str, ...],
        demonym: str,
        chosen: list[tuple[int, int, tuple[str, ...], str]],
    ) -> str:
        """``""`` to keep, a note to keep with a note, ``"!reason"`` to drop (``reverse`` is
        ``text`` reversed, for reading the words before a name)."""
        before, before_gap = _word_before(reverse, start)
        prior = self._word_kind(before) if before_gap else _NO_WORD  # every rule needs a gap
        if before_gap and prior.title:
            return f"!a person: after the title {before!r}"
        if demonym:
            return ""
        after, after_gap = _word_after(text, end)
        following = self._word_kind(after)
        if after_gap and following.eponym:
            return f"!part of a name ('{surface} {after}')"
        kind = self._surface_kind(surface)
        if kind.title:
            return f"!the title {surface!r}"
        if kind.acronym:
            return f"!an organisation's name written as a word ({surface!r})"
        before_start = start - before_gap - len(before)
        titled = (
            self._title_and_names_before(reverse, start, before, before_gap)
            if before_gap == 1 and prior.name_like
            else ""
        )
        if titled:
            return f"!a person: '{titled} {surface}'"
        if (
            before_gap
            and prior.given
            and (not _sentence_start(text, before_start) or not self._is_strong(keys))
        ):
            return f"!a person: after the given name {before!r}"
        if after_gap and following.capital:
            if following.org:
                return f"!part of an organisation name ('{surface} {after}')"
            if (
                kind.given
                and not following.shouting
                and not following.lower_ok
                and not following.english
                and (
                    following.surname
                    or (not _inside_any(end + after_gap, chosen) and not self._is_strong(keys))
                )
            ):
                return f"!a person: given name before {after!r}"
        if prior.of and before_gap:
            org, _ = _word_before(reverse, before_start)
            if org.casefold() in self._org_words:
                return f"!part of an organisation name ('{org} of {surface}')"
        if not kind.weak and not (kind.single and following.speech):
            return ""
        word_like = kind.word_like
        if self._is_strong(keys) or (not word_like and self._has_region(keys)):
            if word_like and _sentence_start(text, start) and not self._is_strong(keys, False):
                return f"!the word {surface!r} at the start of a sentence"
            return ""
        if following.speech and after_gap:
            return f"!a person: {surface!r} {after}"
        locative = prior.locative and bool(before_gap)
        qualified = text.startswith(", ", end) and text[end + 2 : end + 3].isupper()
        if kind.hard:
            return f"!the word {surface!r}"
        if kind.person:
            if locative or qualified:
                return f"a person's name, read as a place after {before!r}"
            return f"!a person's name ({surface!r}) without a place-like context"
        if kind.common:
            return _common_word_problem(
                text, start, surface, before, (after, after_gap), locative, qualified
            )
        return ""

    def _word_kind(self, word: str) -> _WordKind:
        """What the word lists say of ``word``, a word next to a name (remembered)."""
        kind = self._words.get(word)
        if kind is None:
            if len(self._words) > _MEMO_SIZE:
                self._words.clear()
            kind = self._words[word] = self._classify_word(word)
        return kind

    def _classify_word(self, word: str) -> _WordKind:
        before = word.casefold().rstrip(".")  # read so before a name
        after = word.casefold().rstrip(".,")  # ... and after it
        capital = bool(word) and word[0].isupper()
        return _WordKind(
            title=bool(word) and self._is_title(word),
            name_like=_looks_like_name(word),
            given=capital and word in self._given,
            capital=capital,
            of=before == "of",
            locative=before in _LOCATIVES,
            eponym=after in self._eponym_words,
            org=after in self._org_words,
            shouting=word.isupper(),
            lower_ok=after in self._lower_ok,
            surname=word in self._surnames,
            english=after in self._english,
            speech=word.casefold() in _SPEECH,
        )

    def _surface_kind(self, surface: str) -> _SurfaceKind:
        """What the word lists say of ``surface`` (remembered: names repeat)."""
        kind = self._kinds.get(surface)
        if kind is None:
            if len(self._kinds) > _MEMO_SIZE:
                self._kinds.clear()
            kind = self._kinds[surface] = self._classify(surface)
        return kind

    def _classify(self, surface: str) -> _SurfaceKind:
        folded = surface.casefold()
        single = " " not in surface.strip()
        hard = single and folded in self._hard_words
        common = single and folded in self._common
        given = single and surface in self._given
        person = single and (given or surface in self._surnames)
        return _SurfaceKind(
            single=single,
            title=single and folded.rstrip(".") in self._titles,
            acronym=single and folded.rstrip(".") in self._org_acronyms,
            given=given,
            hard=hard,
            common=common,
            person=person,
            word_like=hard or common,
            weak=hard or common or person,
        )

    def _is_title(self, word: str) -> bool:
        """A title or rank: "President", "Gen.", "Major-General", "Vice-Admiral" (read
        once per word: :meth:`_word_kind` remembers it)."""
        folded = word.casefold().strip(".")
        last = folded.rsplit("-", 1)[-1].strip(".")
        return folded in self._titles or ("-" in folded and last in self._titles)

    def _title_and_names_before(self, reverse: str, start: int, word: str, gap: int) -> str:
        """ "Gen. Ivan" or "Major-General Ivan Petrovich" right before ``start`` (one or two
        capitalised names after a title or rank), or ``""``. ``word`` and ``gap`` are
        :func:`_word_before` at ``start`` (``reverse`` is the text reversed)."""
        names: list[str] = []
        position = start
        for _ in range(_MAX_GIVEN_NAMES):
            if gap != 1 or not self._word_kind(word).name_like:
                return ""
            names.insert(0, word)
            position -= gap + len(word)
            title, title_gap = _word_before(reverse, position)
            if title_gap and self._word_kind(title).title:
                return " ".join([title, *names])
            word, gap = title, title_gap
        return ""

    def _has_region(self, keys: tuple[str, ...]) -> bool:
        """A first-level region carries the name ("Virginia", "Alberta")."""
        known = self._regions.get(keys)
        if known is None:
            if len(self._regions) > _MEMO_SIZE:
                self._regions.clear()
            known = self._regions[keys] = any(
                p.kind == "admin1" for k in keys for p in self.gazetteer.lookup_folded(k, 24)
            )
        return known

    def _is_strong(self, keys: tuple[str, ...], cities: bool = True) -> bool:
        """A name that a curated place, a country, a continent or listed region, or a city
        of 100,000 people carries as its own name (first-level regions named "Central" or
        "Victoria" do not make the word a place)."""
        cached = self._strong.get((keys, cities))
        if cached is None:
            places: list[Place] = [p for k in keys for p in self.gazetteer.lookup_folded(k, 24)]
            cached = any(
                p.curated
                or p.kind == "country"
                or p.id.startswith("region:")
                or (p.kind == "region" and p.id.startswith("gn:"))
                or (
                    cities
                    and p.kind in ("city", "town")
                    and p.population >= 100_000
                    and fold(p.name) in keys
                )
                for p in places
            )
            self._strong[(keys, cities)] = cached
        return cached


# -- helpers ---------------------------------------------------------------------------------
@lru_cache(maxsize=65_536)
def _looks_like_name(word: str) -> bool:
    """A capitalised word of letters (a given name or patronymic): "Ivan", "Jean-Luc"."""
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return (
        bool(letters)
        and letters.isalpha()
        and word[0].isupper()
        and not word.isupper()
        and any(c.islower() for c in word)
    )


def _common_word_problem(
    text: str,
    start: int,
    surface: str,
    before: str,
    after: tuple[str, int],
    locative: bool,
    qualified: bool,
) -> str:
    """The rule for an English word that is also a place ("Reading"): ``after`` is the
    word after it and the spaces between."""
    if _sentence_start(text, start):
        return f"!the word {surface!r} at the start of a sentence"
    word, gap = after
    before_cap = bool(before) and before[0].isupper() and text[start - 1] == " "
    after_cap = bool(word) and gap == 1 and word[0].isupper()
    if before_cap or after_cap:
        return f"!the word {surface!r} inside a longer capitalised name"
    if locative or qualified:
        return f"common word, read as a place after {before!r}"
    return f"!the word {surface!r} without a place-like context"


def _case_rule(surface: str, code: bool, lower_ok: frozenset[str]) -> tuple[bool, str]:
    """The case rules that read only the name: ``(shouting matters, problem)``. When
    shouting matters (a short all-capitals word that is no code), the name is dropped
    unless the text around it shouts; otherwise ``problem`` (``""`` to keep) decides."""
    letters = [c for c in surface if c.isalpha()]
    if not letters:
        return False, "no letters"
    all_caps = all(c.isupper() for c in letters)
    if code and not all_caps:
        return False, "a code written in lower case"
    shouting_matters = all_caps and len(letters) <= 4 and not code
    words = surface.split()
    if len(words) == 2 and words[0] == "The" and not words[1][0].isupper():
        return shouting_matters, f"'The' and a lower-case word ({surface!r})"
    for word in words[1:]:
        first = word[0]
        if not (first.isupper() or first.isdigit() or not first.isalpha()):
            if word.casefold().strip(".,") in lower_ok:
                continue
            if _lower_article_joined(word, lower_ok):
                continue
            if _capital_after_apostrophe(word):
                continue
            return shouting_matters, f"lower-case word {word!r} inside the name"
    return shouting_matters, ""


def _lower_article_joined(word: str, lower_ok: frozenset[str]) -> bool:
    """ "al-Ain", "el-Fasher", "an-Numan": a lower-case article joined by a dash to a
    capitalised word, as romanised Arabic names write it."""
    head, dash, rest = word.partition("-")
    return bool(dash) and head in lower_ok and rest[:1].isupper()


def _shouting(text: str, start: int, end: int) -> bool:
    """True in an all-capitals headline or dateline ("TBILISI, Georgia")."""
    window = text[max(0, start - 30) : end + 30]
    letters = list(filter(str.isalpha, window))
    return len(letters) > 2 * (end - start) and sum(map(str.isupper, letters)) > 0.8 * len(letters)


#: What follows the place of a dateline: "KYIV, Nov 11", "BAKU (Reuters)", "GAZA -".
_DATELINE_TAIL = re.compile(r"[ \t]*(?:,|\(|[-–—][ \t])")


def _dateline(text: str, start: int, end: int) -> bool:
    """True for the place of a dateline: capitals opening the text or a line, then a
    comma, a bracket or a dash ("KYIV, Nov 11 (Reuters) -")."""
    line_start = text.rfind("\n", 0, start) + 1
    return not text[line_start:start].strip() and _DATELINE_TAIL.match(text, end) is not None


def _capital_after_apostrophe(word: str) -> bool:
    """ "d'Ivoire", "l'Aquila": a particle, an apostrophe, then the capitalised name."""
    for mark in "'’":
        head, _, tail = word.partition(mark)
        if tail and len(head) <= 3 and tail[0].isupper():
            return True
    return False


def _longest(
    hits: list[tuple[int, int, tuple[str, ...], str]],
) -> list[tuple[int, int, tuple[str, ...], str]]:
    """Keep the longest of overlapping hits (ties: the earlier one); return them in order.

    Hits in text order are cut into runs that overlap one another (most hits are alone);
    only those runs need :func:`_longest_first`, which gives each the same answer as it
    gives all hits at once (the runs are apart)."""
    taken: list[tuple[int, int, tuple[str, ...], str]] = []
    group: list[tuple[int, int, tuple[str, ...], str]] = []
    group_end = previous = -1
    for hit in hits:
        start, end = hit[0], hit[1]
        if start < previous:
            return _longest_first(hits)  # not in text order
        previous = start
        if start < group_end:
            group.append(hit)
            group_end = max(group_end, end)
            continue
        if group:
            taken.extend(_longest_of_run(group))
        group = [hit]
        group_end = end
    if group:
        taken.extend(_longest_of_run(group))
    return taken


def _longest_of_run(
    run: list[tuple[int, int, tuple[str, ...], str]],
) -> list[tuple[int, int, tuple[str, ...], str]]:
    """:func:`_longest_first` of hits that overlap one another in a chain: one hit is
    kept as it is, and of two (which overlap) the longer, or the earlier of equals."""
    if len(run) == 1:
        return run
    if len(run) == 2:
        first, second = run
        return [second if second[1] - second[0] > first[1] - first[0] else first]
    return _longest_first(run)


def _longest_first(
    hits: list[tuple[int, int, tuple[str, ...], str]],
) -> list[tuple[int, int, tuple[str, ...], str]]:
    """:func:`_longest` by taking the longest hits first, in order of length."""
    if not hits:
        return []
    base = min(h[0] for h in hits)  # ``occupied`` covers the hits' stretch of text only
    occupied = bytearray(max(h[1] for h in hits) - base + 1)
    taken: list[tuple[int, int, tuple[str, ...], str]] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        start, end = hit[0] - base, hit[1] - base
        if occupied.find(1, start, end) != -1:
            continue
        occupied[start:end] = b"\x01" * (end - start)
        taken.append(hit)
    taken.sort(key=lambda h: h[0])
    return taken


def _inside_any(position: int, chosen: list[tuple[int, int, tuple[str, ...], str]]) -> bool:
    return any(s <= position < e for s, e, _, _ in chosen)


def _word_before(reverse: str, start: int) -> tuple[str, int]:
    """The word just before ``start`` and the number of spaces between (0 if punctuation);
    ``reverse`` is the text reversed (so the word is read forwards, by one pattern)."""
    match = _REVERSED_WORD.match(reverse, len(reverse) - start)
    if match is None:
        return "", 0
    spaces, letters = match.groups()
    if "_" in letters:
        letters = letters[: letters.index("_")]
    if not letters or not letters[-1].isalpha():
        return "", 0
    return letters[::-1], len(spaces)


def _word_after(text: str, end: int) -> tuple[str, int]:
    """The word just after ``end`` and the number of spaces between (0 if punctuation)."""
    match = _SPACED_WORD.match(text, end)
    if match is None:
        return "", 0
    spaces, word = match.groups()
    return word, len(spaces)


def _sentence_start(text: str, start: int) -> bool:
    """True when only spaces, quotes or brackets stand between ``start`` and a sentence end."""
    i = start - 1
    while i >= 0 and text[i] in " \"'“‘([«":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


# -- the name table ------------------------------------------------------------------------
#: Match form -> packed value (see :func:`build_table`).
Forms = StringTable
Entries = list[tuple[tuple[str, ...], str]]


def _scan(
    forms: Forms, padded: str, text: str, memo: dict[str, int | None] | None = None
) -> list[tuple[int, int, int]]:
    """``(start, end, value)`` of every name in ``padded`` (``text`` in match form between
    two spaces) that lies between two spaces and is capitalised in ``text``: ``start`` and
    ``end`` index those spaces in ``padded`` (``start`` is the name's first letter in
    ``text``). ``memo`` keeps the values of runs already looked up (texts repeat them)."""
    found = []
    memo = {} if memo is None else memo
    remembered = memo.get
    find = padded.find
    starts = _capital_starts(text, padded)
    if "-" in text:
        articles = _article_starts(text)
        if articles:
            starts = sorted({*starts, *articles})
    for start in starts:
        begin = start + 1
        end = find(" ", begin)
        while end != -1:
            run = padded[begin:end]
            value = remembered(run, _UNSEEN)
            if value == _UNSEEN:
                value = memo[run] = forms.get(run)
            if value is None:
                break
            if value & _NAME_BIT:
                found.append((start, end, value))
            if not value & _PREFIX_BIT:
                break
            end = find(" ", end + 1)
    return found


#: A romanised Arabic name may start with its article in lower case ("el-Fasher").
_ARTICLES = frozenset({"al", "el", "an", "ar", "as", "ad", "at", "az", "ash"})


def _article_starts(text: str) -> list[int]:
    """Where a lower-case article joined by a dash to a capitalised word begins."""
    found = []
    dash = text.find("-")
    while dash != -1:
        if dash + 1 < len(text) and text[dash + 1].isupper():
            begin = dash
            while begin > 0 and text[begin - 1].isalpha():
                begin -= 1
            before = text[begin - 1] if begin > 0 else " "
            if text[begin:dash] in _ARTICLES and before != "-" and not before.isalnum():
                found.append(begin)
        dash = text.find("-", dash + 1)
    return found


def _capital_starts(text: str, padded: str) -> list[int]:
    """Every ``i`` where ``padded[i]`` is a space and ``text[i]`` a capital: where a name
    may start (found for all characters at once, then checked one by one where the text
    is not ASCII)."""
    if text.isascii():  # so is ``padded``: one byte a character
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        marks = np.frombuffer(padded.encode("ascii"), dtype=np.uint8, count=len(text))
        ascii_starts: list[int] = ((marks == _SPACE) & (codes - _A < 26)).nonzero()[0].tolist()
        return ascii_starts
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    marks = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    maybe = (marks[: len(text)] == _SPACE) & ((codes - _A < 26) | (codes > 127))
    starts: list[int] = maybe.nonzero()[0].tolist()
    return [i for i in starts if text[i].isupper()]


def _cache_file(gazetteer: Gazetteer) -> Path:
    return cache_dir() / f"toponyms-v{_FORMAT}-{gazetteer.content_key()}.pickle"


def _load_or_build(gazetteer: Gazetteer, use_cache: bool) -> tuple[Forms, Entries]:
    path = _cache_file(gazetteer)
    if use_cache and path.exists():
        try:
            with path.open("rb") as handle:
                forms, entries = pickle.load(handle)
            if isinstance(forms, StringTable) and isinstance(entries, list):
                return forms, entries
            log.warning("toponym table cache %s has an unknown layout; rebuilding it", path)
        except (
            OSError,
            pickle.UnpicklingError,
            EOFError,
            ValueError,
            TypeError,
            AttributeError,
            ImportError,
        ):
            log.warning("toponym table cache %s is unreadable; rebuilding it", path)
    forms, entries = build_table(gazetteer)
    if use_cache and gazetteer.has_world:
        write_cache(path, (forms, entries))
        _remove_stale(path)
    return forms, entries


def _remove_stale(path: Path) -> None:
    """Delete tables of older formats, and all but the newest few of other gazetteers
    (about 15 MB each; a test's own gazetteer then does not evict the theatre's)."""
    current: list[Path] = []
    for other in path.parent.glob("toponyms-v*.pickle"):
        number = other.name.removeprefix("toponyms-v").split("-", 1)[0]
        if number == str(_FORMAT):
            current.append(other)
        elif other != path:
            other.unlink(missing_ok=True)
    stale = [other for other in current if other != path]
    try:
        stale.sort(key=lambda other: other.stat().st_mtime, reverse=True)
    except OSError:
        return
    for other in stale[_KEEP_TABLES - 1 :]:
        other.unlink(missing_ok=True)


def build_table(gazetteer: Gazetteer) -> tuple[Forms, Entries]:
    """Index every spelling of every name and demonym of ``gazetteer``.

    Each value packs a "a longer name starts so" flag, a "written as a code" flag, a "this
    is a name" flag (unset for a run that is only the start of longer names) and an index
    into ``entries`` (the folded names and demonym of the spelling; index 0 means "the
    spelling is itself the folded name", which holds for most of them).
    """
    first: dict[str, str] = {}  # one key per form; a set only for the few with more
    more: dict[str, set[str]] = defaultdict(set)
    for form, key in gazetteer.match_names():
        if 0 < len(form) <= _MAX_LENGTH and first.setdefault(form, key) != key:
            more[form].add(key)
    demonyms = {match_key(word): word for word in gazetteer.demonym_words()}
    forms: dict[str, int] = {}
    entries: Entries = [((), "")]
    for form in sorted(first.keys() | demonyms.keys()):
        keys = tuple(sorted({first[form], *more.get(form, ())})) if form in first else ()
        demonym = demonyms.get(form, "")
        code = bool(keys) and all(gazetteer.is_code(k) for k in keys)
        if keys == (form,) and not demonym:
            index = 0
        else:
            entries.append((keys, demonym))
            index = len(entries) - 1
        flags = _NAME_BIT | (_CODE_BIT if code else 0)
        forms[form] = forms.get(form, 0) | (index << _ENTRY_SHIFT) | flags
        for cut, char in enumerate(form):
            if char == " ":
                forms[form[:cut]] = forms.get(form[:cut], 0) | _PREFIX_BIT
    log.info("toponym table: %d spellings and prefixes, %d entries", len(forms), len(entries))
    return StringTable.build(forms), entries
