"""Toponym recognition: find every gazetteer name in a text, keep the ones that are places.

One table (a :class:`geo.world.StringTable`, far lighter than a character trie) holds every
name, alias and demonym of the gazetteer in :func:`geo.names.match_form`, plus every prefix
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
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from geo.names import fold, match_form, match_key
from geo.toponym_lists import common_words, word_list
from geo.world import StringTable, cache_dir, write_cache

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
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_SENTENCE_END = '.!?:;\n\r\t"“”|•'
#: Given names and patronymics a title may stand before ("Gen. Ivan Petrovich Sidorov").
_MAX_GIVEN_NAMES = 2


@dataclass(frozen=True, slots=True)
class Span:
    """A recognised name: its span in the text, the gazetteer keys it can be, and notes."""

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

    # -- raw hits ----------------------------------------------------------------------
    def _hits(self, text: str) -> list[tuple[int, int, tuple[str, ...], str, bool]]:
        padded = " " + match_form(text) + " "
        hits = []
        entries = self._entries
        if len(self._memo) > _MEMO_SIZE:
            self._memo.clear()
        for start, end, value in _scan(self._forms, padded, text, self._memo):
            length = end - start - 1
            index = value >> _ENTRY_SHIFT
            if index:
                keys, demonym = entries[index]
            else:
                keys, demonym = (padded[start + 1 : start + 1 + length],), ""
            hits.append((start, start + length, keys, demonym, bool(value & _CODE_BIT)))
        return hits

    # -- the public step -----------------------------------------------------------------
    def spans(self, text: str, rejected: list[Rejected] | None = None) -> list[Span]:
        """The place and demonym names in ``text``, in order; ``rejected`` collects the rest."""
        candidates = []
        for start, end, keys, demonym, code in self._hits(text):
            surface = text[start:end]
            problem = self._case_problem(text, start, end, surface, code)
            if problem:
                if rejected is not None:
                    rejected.append(Rejected(start, end, surface, problem))
                continue
            candidates.append((start, end, keys, demonym))
        chosen = _longest(candidates)
        decided = []
        persons: set[str] = set()
        for start, end, keys, demonym in chosen:
            surface = text[start:end]
            reason = self._context_problem(text, start, end, surface, keys, demonym, chosen)
            if reason.startswith(("!a person: after", "!a person: '")):
                persons.add(surface)  # a title or a given name before it: sure enough to reuse
            decided.append((start, end, surface, keys, demonym, reason))
        spans = []
        for start, end, surface, keys, demonym, reason in decided:
            if (
                persons
                and not reason.startswith("!")
                and surface in persons
                and not self._is_strong(keys, cities=False)
            ):
                reason = "!a person: named so elsewhere in the text"
            if reason.startswith("!"):
                if rejected is not None:
                    rejected.append(Rejected(start, end, surface, reason[1:]))
                continue
            spans.append(Span(start, end, surface, keys, demonym, reason))
        return spans

    # -- rules -----------------------------------------------------------------------------
    def _case_problem(self, text: str, start: int, end: int, surface: str, code: bool) -> str:
        letters = [c for c in surface if c.isalpha()]
        if not letters:
            return "no letters"
        all_caps = all(c.isupper() for c in letters)
        if code and not all_caps:
            return "a code written in lower case"
        if all_caps and len(letters) <= 4 and not code and not _shouting(text, start, end):
            return "an all-capitals word that is no known code"
        words = surface.split()
        if len(words) == 2 and words[0] == "The" and not words[1][0].isupper():
            return f"'The' and a lower-case word ({surface!r})"
        for word in words[1:]:
            first = word[0]
            if not (first.isupper() or first.isdigit() or not first.isalpha()):
                if word.casefold().strip(".,") in self._lower_ok:
                    continue
                if _capital_after_apostrophe(word):
                    continue
                return f"lower-case word {word!r} inside the name"
        return ""

    def _context_problem(
        self,
        text: str,
        start: int,
        end: int,
        surface: str,
        keys: tuple[str, ...],
        demonym: str,
        chosen: list[tuple[int, int, tuple[str, ...], str]],
    ) -> str:
        """``""`` to keep, a note to keep with a note, ``"!reason"`` to drop."""
        before, before_gap = _word_before(text, start)
        after, after_gap = _word_after(text, end)
        before_folded = before.casefold().rstrip(".")
        if before and before_gap and self._is_title(before):
            return f"!a person: after the title {before!r}"
        if demonym:
            return ""
        after_folded = after.casefold().rstrip(".,")
        if after_gap and after_folded in self._eponym_words:
            return f"!part of a name ('{surface} {after}')"
        folded = surface.casefold()
        single = " " not in surface.strip()
        if single and folded.rstrip(".") in self._titles:
            return f"!the title {surface!r}"
        if single and folded.rstrip(".") in self._org_acronyms:
            return f"!an organisation's name written as a word ({surface!r})"
        before_start = start - before_gap - len(before)
        titled = self._title_and_names_before(text, start)
        if titled:
            return f"!a person: '{titled} {surface}'"
        if (
            before
            and before_gap
            and before[0].isupper()
            and before in self._given
            and (not _sentence_start(text, before_start) or not self._is_strong(keys))
        ):
            return f"!a person: after the given name {before!r}"
        if after and after_gap and after[0].isupper():
            if after_folded in self._org_words:
                return f"!part of an organisation name ('{surface} {after}')"
            if (
                single
                and surface in self._given
                and not after.isupper()
                and after_folded not in self._lower_ok
                and (
                    (after in self._surnames and after_folded not in self._english)
                    or (
                        after_folded not in self._english
                        and not _inside_any(end + after_gap, chosen)
                        and not self._is_strong(keys)
                    )
                )
            ):
                return f"!a person: given name before {after!r}"
        if before_folded == "of" and before_gap:
            org, _ = _word_before(text, before_start)
            if org.casefold() in self._org_words:
                return f"!part of an organisation name ('{org} of {surface}')"
        if not single or not (
            folded in self._hard_words
            or folded in self._common
            or surface in self._given
            or surface in self._surnames
            or after.casefold() in _SPEECH
        ):
            return ""
        word_like = folded in self._hard_words or folded in self._common
        if self._is_strong(keys) or (not word_like and self._has_region(keys)):
            if word_like and _sentence_start(text, start) and not self._is_strong(keys, False):
                return f"!the word {surface!r} at the start of a sentence"
            return ""
        if after.casefold() in _SPEECH and after_gap:
            return f"!a person: {surface!r} {after}"
        locative = before_folded in _LOCATIVES and bool(before_gap)
        qualified = text.startswith(", ", end) and text[end + 2 : end + 3].isupper()
        if folded in self._hard_words:
            return f"!the word {surface!r}"
        if surface in self._given or surface in self._surnames:
            if locative or qualified:
                return f"a person's name, read as a place after {before!r}"
            return f"!a person's name ({surface!r}) without a place-like context"
        if folded in self._common:
            return self._common_word_problem(text, start, end, surface, before, locative, qualified)
        return ""

    def _common_word_problem(
        self,
        text: str,
        start: int,
        end: int,
        surface: str,
        before: str,
        locative: bool,
        qualified: bool,
    ) -> str:
        if _sentence_start(text, start):
            return f"!the word {surface!r} at the start of a sentence"
        after, after_gap = _word_after(text, end)
        before_cap = bool(before) and before[0].isupper() and text[start - 1] == " "
        after_cap = bool(after) and after_gap == 1 and after[0].isupper()
        if before_cap or after_cap:
            return f"!the word {surface!r} inside a longer capitalised name"
        if locative or qualified:
            return f"common word, read as a place after {before!r}"
        return f"!the word {surface!r} without a place-like context"

    def _is_title(self, word: str) -> bool:
        """A title or rank: "President", "Gen.", "Major-General", "Vice-Admiral"."""
        folded = word.casefold().strip(".")
        if folded in self._titles:
            return True
        last = folded.rsplit("-", 1)[-1].strip(".")
        return "-" in folded and last in self._titles

    def _title_and_names_before(self, text: str, start: int) -> str:
        """ "Gen. Ivan" or "Major-General Ivan Petrovich" right before ``start`` (one or two
        capitalised names after a title or rank), or ``""``."""
        names: list[str] = []
        position = start
        for _ in range(_MAX_GIVEN_NAMES):
            word, gap = _word_before(text, position)
            if gap != 1 or not _looks_like_name(word):
                return ""
            names.insert(0, word)
            position -= gap + len(word)
            title, title_gap = _word_before(text, position)
            if title_gap and self._is_title(title):
                return " ".join([title, *names])
        return ""

    def _has_region(self, keys: tuple[str, ...]) -> bool:
        """A first-level region carries the name ("Virginia", "Alberta")."""
        return any(p.kind == "admin1" for k in keys for p in self.gazetteer.lookup_folded(k, 24))

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


def _shouting(text: str, start: int, end: int) -> bool:
    """True in an all-capitals headline or dateline ("TBILISI, Georgia")."""
    window = text[max(0, start - 30) : end + 30]
    letters = [c for c in window if c.isalpha()]
    return len(letters) > 2 * (end - start) and sum(c.isupper() for c in letters) > 0.8 * len(
        letters
    )


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
    """Keep the longest of overlapping hits (ties: the earlier one); return them in order."""
    if not hits:
        return []
    occupied = bytearray(max(h[1] for h in hits) + 1)
    taken: list[tuple[int, int, tuple[str, ...], str]] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        start, end = hit[0], hit[1]
        if occupied.find(1, start, end) != -1:
            continue
        occupied[start:end] = b"\x01" * (end - start)
        taken.append(hit)
    taken.sort(key=lambda h: h[0])
    return taken


def _inside_any(position: int, chosen: list[tuple[int, int, tuple[str, ...], str]]) -> bool:
    return any(s <= position < e for s, e, _, _ in chosen)


def _word_before(text: str, start: int) -> tuple[str, int]:
    """The word just before ``start`` and the number of spaces between (0 if punctuation)."""
    i = start
    while i > 0 and text[i - 1] == " ":
        i -= 1
    gap = start - i
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in ".-'’"):
        j -= 1
    word = text[j:i]
    if not word or not word[0].isalpha():
        return "", 0
    return word, gap


def _word_after(text: str, end: int) -> tuple[str, int]:
    """The word just after ``end`` and the number of spaces between (0 if punctuation)."""
    i = end
    while i < len(text) and text[i] == " ":
        i += 1
    gap = i - end
    match = _WORD.match(text, i)
    if not match or gap == 0:
        return "", 0
    return match.group(0), gap


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
    spaces = _space_positions(padded)
    found = []
    memo = {} if memo is None else memo
    remembered = memo.get
    size, count = len(text), len(spaces)
    for a in range(count - 1):
        start = spaces[a]
        if start >= size or not text[start].isupper():
            continue
        begin = start + 1
        for b in range(a + 1, count):
            end = spaces[b]
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
    return found


def _space_positions(padded: str) -> list[int]:
    """The index of every space in ``padded``."""
    steps = [len(part) + 1 for part in padded.split(" ")[:-1]]
    return list(accumulate(steps, initial=-1))[1:]


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
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
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
