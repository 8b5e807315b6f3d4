"""Lookup tables the clause rules derive from a lexicon, built once and cached per lexicon.

Phrase indexes by first word (and phrase matching on units), the role phrases of a
trigger merged with the lexicon's in the order the argument scan prefers them, and the
word sets of the boundary, subject and argument rules (:class:`ClauseTables`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from geo.events._rules import Lexicon, Phrase
from geo.events._units import Unit

_PHRASE_INDEX: dict[int, tuple[object, dict[str, tuple[Phrase, ...]]]] = {}


def phrase_index(phrases: Sequence[Phrase]) -> dict[str, tuple[Phrase, ...]]:
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


def phrase_at(units: Sequence[Unit], index: int, phrases: Sequence[Phrase]) -> Phrase | None:
    """The longest of ``phrases`` that starts at ``units[index]``."""
    return indexed_phrase_at(units, index, phrase_index(phrases))


def indexed_phrase_at(
    units: Sequence[Unit], index: int, firsts: dict[str, tuple[Phrase, ...]]
) -> Phrase | None:
    """The first of the phrases ``firsts`` lists under ``units[index].low`` (longest
    first, see ``phrase_index``) that starts at ``units[index]``."""
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


def has_cue(units: Sequence[Unit], lo: int, hi: int, phrases: Sequence[Phrase]) -> bool:
    """Whether one of ``phrases`` starts at a unit in ``[lo, hi)``."""
    firsts = phrase_index(phrases)
    for i in range(lo if lo > 0 else 0, hi if hi < len(units) else len(units)):
        if units[i].low in firsts and indexed_phrase_at(units, i, firsts) is not None:
            return True
    return False


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


def merged_roles(
    first: tuple[tuple[Phrase, str], ...], second: tuple[tuple[Phrase, str], ...]
) -> dict[str, tuple[Role, ...]]:
    """The phrases of two role tables by first word, in the order ``_Scanner.role_at``
    prefers them: longer first, then the first table's, then each table's own order (that
    of ``phrase_index``); each with its role (cached per pair of tables)."""
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
class ClauseTables:
    """Word sets and phrase indexes of a lexicon that the clause rules test often."""

    closing: frozenset[str]  # every word at which ``left_boundary`` can stop
    subject: frozenset[str]  # words that are a subject candidate on their own
    collective: frozenset[str]  # ... when "of" follows ("a column of ...")
    heads: frozenset[str]  # subject and collective words
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
    be: frozenset[str]
    aux_or_be: frozenset[str]
    force: frozenset[str]
    person: frozenset[str]
    compass: frozenset[str]
    direction_adjective: frozenset[str]
    place_noun: frozenset[str]
    vague_place_noun: frozenset[str]
    region_place_noun: frozenset[str]
    neutral_speakers: tuple[str, ...]  # each neutral-speaker cue, " "-joined and -padded
    passive_stops: frozenset[str]  # the words of the planned and hypothetical cues


_TABLES: dict[int, tuple[Lexicon, ClauseTables]] = {}
_LAST_TABLES: tuple[Lexicon, ClauseTables] | None = None


def clause_tables(lexicon: Lexicon) -> ClauseTables:
    """The ``ClauseTables`` of ``lexicon`` (cached per lexicon; the last one asked for
    first, as the rules ask for it many times a clause)."""
    global _LAST_TABLES
    if _LAST_TABLES is not None and _LAST_TABLES[0] is lexicon:
        return _LAST_TABLES[1]
    cached = _TABLES.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        _LAST_TABLES = cached
        return cached[1]
    words, boundaries = lexicon.words, lexicon.boundaries
    empty: frozenset[str] = frozenset()

    def union(table: dict[str, frozenset[str]], *names: str) -> frozenset[str]:
        return frozenset().union(*(table.get(name, empty) for name in names))

    tables = ClauseTables(
        closing=union(boundaries, *_BOUNDARY_CATEGORIES) | {"that", "as", ","},
        subject=union(words, "force", "person") | {"they", "it", "we"},
        collective=words.get("collective", empty),
        heads=union(words, "force", "person", "collective") | {"they", "it", "we"},
        # every boundary category but cognition, and the end of a sentence
        stops=union(boundaries, *_BOUNDARY_CATEGORIES[:-1]) | {".", "!", "?"},
        filler=union(words, "filler", "place_noun", "direction_adjective"),
        hard=boundaries.get("hard", empty),
        relative=boundaries.get("relative", empty),
        perception=boundaries.get("perception", empty),
        communication=boundaries.get("communication", empty),
        cognition=boundaries.get("cognition", empty),
        speech=union(boundaries, "perception", "communication"),
        pass_through=phrase_index(lexicon.cues.get("pass_through", ())),
        continuations=phrase_index(lexicon.continuations),
        point_roles=phrase_index(_role_map(lexicon.point_roles)[0]),
        directive=phrase_index(lexicon.cues.get("directive", ())),
        be=words.get("be", empty),
        aux_or_be=union(words, "aux", "be"),
        force=words.get("force", empty),
        person=words.get("person", empty),
        compass=words.get("compass", empty),
        direction_adjective=words.get("direction_adjective", empty),
        place_noun=words.get("place_noun", empty),
        vague_place_noun=words.get("vague_place_noun", empty),
        region_place_noun=words.get("region_place_noun", empty),
        neutral_speakers=tuple(
            f" {' '.join(phrase)} " for phrase in lexicon.cues.get("neutral_speaker", ())
        ),
        passive_stops=frozenset(
            word
            for name in ("planned", "hypothetical")
            for phrase in lexicon.cues.get(name, ())
            for word in phrase
        ),
    )
    if len(_TABLES) > 64:
        _TABLES.clear()
    _TABLES[id(lexicon)] = _LAST_TABLES = (lexicon, tables)
    return tables
