"""Distance and direction claims in report text.

A claim is a clause such as "about 30km (18 miles) from the capital", "60 km west of
X" or "within 40 kilometres of Y". :func:`extract_claims` finds them, parses both units,
resolves the reference ("the capital", "Georgia's capital", a named place, or the place
the sentence was already talking about) and the subject (the place the clause is about).
"""

from __future__ import annotations

import bisect
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geo import geodesy
from geo.claims._quantities import (
    _ASCII_LOWER,
    _CHAIN_REVERSED,
    _FOLD_CHARS,
    _NOT_IN_QUANTITY,
    _QUANTITY,
    _UNIT_MARK,
    _UNIT_MARK_ASCII,
    _WORD_CHARACTERS,
    AT_MOST,
    ROAD,
    Quantity,
    _quantity_from,
)
from geo.gazetteer import fold
from geo.models import Article, Claim, Mention, Place
from geo.text import split_sentences

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer

log = logging.getLogger(__name__)


# -- what follows the quantity ------------------------------------------------------------
_DIRECTION_WORD = r"(?:north|south|east|west)(?:[- ]?(?:north|south|east|west)){0,2}(?:ern)?"
_ROAD_RE = re.compile(r"\s*\(?\s*by\s+(?:road|car)\b\s*\)?|\s*(?:drive|road\s+trip)\b", re.I)
_AWAY_RE = re.compile(r"\s*away\b", re.I)
_APART_RE = re.compile(r"\s*apart\b", re.I)
_DIRECTION_RE = re.compile(
    rf"\s*,?\s*(?:to\s+the\s+|to\s+)?(?P<dir>{_DIRECTION_WORD})\b(?:\s+(?P<rel>of|from)\b)?", re.I
)
_RELATION_RE = re.compile(
    r"\s*(?P<rel>from|between|outside(?:\s+of)?|short\s+of|beyond|inside|of"
    r"|off(?:\s+the\s+coast\s+of)?)\b",
    re.I,
)
_REFERENCE_SKIP = re.compile(
    r"""\s*(?:the\s+)?
    (?:(?:centre|center|heart|outskirts|edge|entrance\s+to)\s+of\s+(?:the\s+)?)?
    (?:(?:central|downtown)\s+)?
    (?:(?:[A-Z][\w'’-]+\s+)?(?:city|town|village|port|settlement|hamlet|region|province)\s+of\s+)?""",
    re.VERBOSE,
)
_CAPITAL_WORD = re.compile(r"capital(?:\s+city)?\b", re.I)
_POSSESSIVE_CAPITAL = re.compile(r"\s*['’]s\s+(?:[a-z]+\s+)?capital(?:\s+city)?\b", re.I)
#: A descriptive phrase between the relation and the place it describes: "the rebel
#: stronghold of Benghazi", "the northern port of Hodeidah".
_DESCRIBED = re.compile(r"(?:the[ \t]+)?(?:[a-z][\w'’-]*[ \t]+){0,3}?[a-z][\w'’-]*[ \t]+of[ \t]+")
_APPOSITION = re.compile(r"[ \t]*,[ \t]*")
_OWNED_CAPITAL = re.compile(
    r"(?:[A-Z][\w-]*[ \t]+){0,3}?[A-Z][\w-]*['’]s[ \t]+(?:[a-z]+[ \t]+)?capital(?:[ \t]+city)?"
)
_ANAPHOR = re.compile(r"\s*the\s+(?P<kind>town|city|village|base|port)\b", re.I)
_ANAPHOR_KINDS: dict[str, tuple[str, ...]] = {
    "town": ("town", "city", "village"),
    "city": ("city", "town"),
    "village": ("village", "town"),
    "base": ("base", "airfield"),
    "port": ("port", "city", "town"),
}
_NEAR_BEFORE = re.compile(
    r"\b(?:near|outside|close\s+to|next\s+to|not\s+far\s+from|on\s+the\s+outskirts\s+of|"
    r"around)\s+(?:the\s+(?:\w+\s+)?(?:village|town|city|port|base)\s+of\s+)?$",
    re.I,
)
#: Words that may sit between a place name and its distance clause ("X, a village in ...").
_LINK_WORDS = frozenset(
    re.findall(
        r"\w+",
        """is was are were lies lay lying sits sat sitting located situated based which that it
        just only a an the in of village town city settlement hamlet base port suburb district
        area outpost crossroads junction small large tiny key strategic main central northern
        southern eastern western north south east west part itself now""",
    )
)
_NOUN_STOP = frozenset(
    re.findall(
        r"\w+",
        """are is were was be been there here have has had set up and or but the a an in at on
        of with by to from for that which who also still now new it they this these those
        we he she monday tuesday wednesday
        thursday friday saturday sunday yesterday today""",
    )
)
_DANGLING_VERB = re.compile(r"\s*,\s*(?:is|was|are|were|lies|lay|sits|sat)\b", re.I)
#: Words between an unnamed noun and its distance ("the post office, located 5 km ...").
_PLACING_WORDS = frozenset(
    re.findall(
        r"\w+",
        """located situated lying based sitting positioned stood stand stands standing seen
        spotted reported deployed stationed massed gathered remained remain remains camped
        dug set up are is were was be been being have has had now still also""",
    )
)
_LINK_PUNCTUATION = frozenset({",", "(", ")", "-", "–", "—"})
_WORD = re.compile(r"[A-Za-z][\w'’-]*|[^\w\s]")


# -- sentences and mentions ----------------------------------------------------------------
def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, as the shared splitter (:mod:`geo.text._sentences`) cuts them,
    so a claim quotes exactly the sentence an event from the same clause quotes."""
    return [(s.start, s.end) for s in split_sentences(text)]


def _sentence_of(spans: Sequence[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in spans:
        if start <= position < end:
            return start, end
    return spans[-1] if spans else (0, 0)


def _focus_country(mentions: Sequence[Mention]) -> str | None:
    """The country the document is about: most mentioned among named places inside countries,
    then among all toponyms. Demonyms do not count: "Russian troops" names the force, not
    where the story is, so "the capital" beside it alone is no capital at all."""
    tiers: list[Counter[str]] = [Counter(), Counter()]
    for mention in mentions:
        if mention.place is None or not mention.place.country or mention.type == "demonym":
            continue
        tiers[1][mention.place.country] += 1
        if not mention.place.is_area:
            tiers[0][mention.place.country] += 1
    for counter in tiers:
        ranked = counter.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            return ranked[0][0]
    return None


def _curated_fallback(article: Article, mentions: list[Mention], gazetteer: Gazetteer) -> None:
    """Mentions of curated place names, by exact (folded) name; used only when the toponym
    stage gave nothing for the document."""
    covered = [(m.start, m.end) for m in mentions]
    for match in re.finditer(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3}", article.text):
        words = list(re.finditer(r"[\w'’-]+?(?=['’]s\b|[^\w'’-]|$)", match.group()))
        found = False
        for size in range(len(words), 0, -1):
            for first in range(len(words) - size + 1):
                start = match.start() + words[first].start()
                end = match.start() + words[first + size - 1].end()
                if any(s < end and start < e for s, e in covered):
                    continue
                curated = [p for p in gazetteer.lookup(article.text[start:end]) if p.curated]
                if curated:
                    mentions.append(
                        Mention(
                            article.doc,
                            article.text[start:end],
                            start,
                            end,
                            curated[0],
                            score=0.5,
                            reason="claims: curated name (no toponym stage output)",
                        )
                    )
                    covered.append((start, end))
                    found = True
            if found:
                break


def _spread(place: Place) -> bool:
    """A country, region or linear feature (road, river, pipeline): no single point to
    measure from; it can be neither a claim's subject nor its reference."""
    return place.is_spread


def _capital(gazetteer: Gazetteer, code: str | None) -> Place | None:
    """The capital of a country; a curated city whose source says "capital" stands in when
    the gazetteer has no world data."""
    if not code:
        return None
    capital = gazetteer.capital_of(code)
    if capital is not None:
        return capital
    for place in gazetteer.curated:
        if (
            place.country == code.upper()
            and place.kind == "city"
            and "capital" in fold(place.source)
        ):
            return place
    return None


# -- the parser -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Relation:
    end: int
    bearing: float | None
    direction_text: str
    implicit: bool
    road: bool
    apart: bool = False


@dataclass(frozen=True, slots=True)
class _Reference:
    place: Place | None
    text: str
    end: int
    note: str = ""


class _Document:
    """One article with its mentions, sentences and focus country."""

    def __init__(self, article: Article, mentions: Sequence[Mention], gazetteer: Gazetteer) -> None:
        self.article = article
        self.text = article.text
        self.gazetteer = gazetteer
        found = [m for m in mentions if m.doc == article.doc]
        if not found:  # no toponym stage output: fall back to the curated names alone
            _curated_fallback(article, found, gazetteer)
        self.mentions = sorted(found, key=lambda m: (m.start, -m.end))
        self.toponyms = [m for m in self.mentions if m.type == "toponym" and m.place is not None]
        self.sentences = sentence_spans(self.text)
        self.focus = _focus_country(self.mentions)

    # -- helpers ---------------------------------------------------------------------------
    def mention_at(self, position: int, slack: int = 1) -> Mention | None:
        for mention in self.mentions:
            if position <= mention.start <= position + slack:
                return mention
            if mention.start > position + slack:
                break
        return None

    def _is_linking(self, start: int, end: int) -> bool:
        """True when text[start:end] only joins a place name to its distance clause."""
        pieces: list[str] = []
        cursor = start
        for mention in self.toponyms:
            if mention.start >= start and mention.end <= end and mention.place is not None:
                if not _spread(mention.place):
                    return False
                pieces.append(self.text[cursor : mention.start])
                pieces.append(" AREA ")
                cursor = mention.end
        pieces.append(self.text[cursor:end])
        gap = "".join(pieces)
        appositive = re.fullmatch(r"\s*,([^,;()]{1,80}),(.*)", gap, re.S)
        if appositive:
            return self._words_link(appositive.group(2))
        if _DANGLING_VERB.match(gap):
            return False  # "Smith, of X, was found 2 km ...": X sits in someone else's aside
        return self._words_link(gap)

    @staticmethod
    def _words_link(gap: str) -> bool:
        tokens = _WORD.findall(gap)
        previous = ""
        for token in tokens:
            word = token.lower()
            if token == "AREA":
                if previous not in ("in", "of") and previous not in _LINK_WORDS:
                    return False
            elif word not in (_LINK_WORDS if word.isalpha() else _LINK_PUNCTUATION):
                return False
            previous = word
        return True

    # -- subject ---------------------------------------------------------------------------
    def subject(self, start: int, sentence: tuple[int, int]) -> tuple[Mention | None, int | None]:
        """The named place the clause at ``start`` is about and, when the clause is only
        "near" it, where that "near" phrase starts."""
        before = [m for m in self.toponyms if sentence[0] <= m.start and m.end <= start]
        for mention in reversed(before):
            if not self._is_linking(mention.end, start):
                return None, None
            assert mention.place is not None
            if _spread(mention.place):
                continue
            near = _NEAR_BEFORE.search(self.text, sentence[0], mention.start)
            return mention, near.start() if near else None
        return None, None

    def unnamed_subject(self, start: int, sentence: tuple[int, int]) -> str:
        """The few words naming an unnamed subject ("Russian checkpoints")."""
        chars = list(self.text[sentence[0] : start])
        for mention in self.toponyms:  # a place name ends the noun phrase
            if sentence[0] <= mention.start and mention.end <= start:
                offset = mention.start - sentence[0]
                size = mention.end - mention.start
                chars[offset : offset + size] = "," + " " * (size - 1)
        words = re.findall(r"[\w'’-]+|[^\w\s]", "".join(chars))
        while words and (words[-1].lower() in _PLACING_WORDS or not words[-1][0].isalnum()):
            words.pop()
        kept: list[str] = []
        for word in reversed(words):
            if not word[0].isalnum() or word.lower() in _NOUN_STOP or len(kept) == 4:
                break
            kept.append(word)
        return " ".join(reversed(kept))

    def pair_partner(self, mention: Mention, sentence: tuple[int, int]) -> _Reference | None:
        """The place paired with ``mention`` in "X and Y are 30 km apart"."""
        for other in reversed(self.toponyms):
            if other.end > mention.start or other.start < sentence[0]:
                continue
            joined = re.fullmatch(r"\s*(?:,|and|&)\s*", self.text[other.end : mention.start])
            if joined and _is_named_point(other):
                return _Reference(other.place, other.text, other.end)
            return None
        return None

    def second_place(self, position: int) -> Mention | None:
        """The place after "X to" / "X and" ("from X to Y", "between X and Y")."""
        joint = re.compile(r"\s+(?:to|and)\s+(?:the\s+(?:\w+\s+)?(?:city|town|village)\s+of\s+)?")
        match = joint.match(self.text, position)
        if match is None:
            return None
        mention = self.mention_at(match.end())
        return mention if _is_named_point(mention) else None

    # -- reference -------------------------------------------------------------------------
    def reference(self, position: int, subject: Place | None) -> _Reference:
        """Resolve the reference phrase starting at ``position``."""
        text = self.text
        anaphor = _ANAPHOR.match(text, position)
        if anaphor and not re.match(r"\s+of\b", text[anaphor.end() :]):
            return self._anaphor(position, anaphor)
        skip = _REFERENCE_SKIP.match(text, position)
        start = skip.end() if skip else position
        mention = self.mention_at(start)
        if mention is not None and mention.place is not None:
            possessive = _POSSESSIVE_CAPITAL.match(text, mention.end)
            if possessive and mention.place.kind == "country":
                return self._capital_ref(position, possessive.end(), mention.place.country, "")
            if possessive:
                named = self._apposed(possessive.end())  # "X's regional capital, Y"
                if named is not None:
                    return _Reference(named.place, text[start : named.end], named.end)
                surface = text[start : possessive.end()]
                note = f"no capital is known for {mention.place.name} (only countries' capitals)"
                return _Reference(None, surface, possessive.end(), note)
            capital_word = re.compile(r"\s+capital(?:\s+city)?\b", re.I).match(text, mention.end)
            if mention.type == "demonym" and capital_word:
                return self._capital_ref(position, capital_word.end(), mention.place.country, "")
            if mention.type == "toponym":
                return _Reference(mention.place, text[start : mention.end], mention.end)
        owned = _OWNED_CAPITAL.match(text, start) if mention is None else None
        named_beside = self._apposed(owned.end()) if owned is not None else None
        if owned is not None and named_beside is not None:  # "Karabakh's capital, Y"
            return _Reference(named_beside.place, text[start : named_beside.end], named_beside.end)
        described = _DESCRIBED.match(text, start) if mention is None else None
        if described is not None:
            named = self.mention_at(described.end())
            if named is not None and named.type == "toponym" and named.place is not None:
                return _Reference(named.place, text[start : named.end], named.end)
        adjective = re.compile(r"([A-Z][\w'’-]+)\s+capital\b").match(text, start)
        if adjective:
            country = self.gazetteer.demonym_country(adjective.group(1))
            if country is not None:
                return self._capital_ref(position, adjective.end(), country.country, "")
        capital = _CAPITAL_WORD.match(text, start)
        if capital:
            return self._bare_capital(position, capital.end(), subject)
        words = re.compile(r"\s*((?:[\w'’-]+[ \t]*){1,4})").match(text, position)
        surface = words.group(1).strip() if words else ""
        end = words.end() if words else position
        return _Reference(None, surface, end, "reference is not a known place")

    def _apposed(self, end: int) -> Mention | None:
        """The named place set beside a phrase by a comma ("its capital, Stepanakert")."""
        comma = _APPOSITION.match(self.text, end)
        if comma is None or "," not in comma.group(0):
            return None
        named = self.mention_at(comma.end())
        return named if named is not None and named.type == "toponym" and named.place else None

    def _capital_ref(self, start: int, end: int, code: str | None, note: str) -> _Reference:
        place = _capital(self.gazetteer, code)
        surface = self.text[start:end].strip()
        if place is None:
            return _Reference(None, surface, end, f"no capital known for country {code or '?'}")
        appositive = re.compile(r"\s*,?\s*").match(self.text, end)
        named = self.mention_at(appositive.end() if appositive else end)
        if _is_named_point(named):
            assert named is not None and named.place is not None
            surface = self.text[start : named.end].strip()
            end = named.end
            if named.place.id != place.id:
                note = f"the text names {named.place.name}; the capital is {place.name}"
                return _Reference(named.place, surface, end, note)
        return _Reference(place, surface, end, note)

    def _bare_capital(self, start: int, end: int, subject: Place | None) -> _Reference:
        of = re.compile(r"\s+of\s+").match(self.text, end)
        if of:
            named = self.mention_at(of.end())
            if named is not None and named.place is not None:
                return self._capital_ref(start, named.end, named.place.country, "")
        appositive = re.compile(r"\s*,?\s*").match(self.text, end)
        named = self.mention_at(appositive.end() if appositive else end)
        if _is_named_point(named):
            assert named is not None and named.place is not None
            return self._capital_ref(start, end, named.place.country, "")
        code = subject.country if subject is not None and subject.country else self.focus
        if code is None:
            surface = self.text[start:end].strip()
            return _Reference(None, surface, end, "no named place says which country's capital")
        return self._capital_ref(start, end, code, "")

    def _anaphor(self, position: int, anaphor: re.Match[str]) -> _Reference:
        kinds = _ANAPHOR_KINDS[anaphor["kind"].lower()]
        earlier = [
            m
            for m in self.toponyms
            if m.end <= position and m.place is not None and m.place.kind in kinds
        ]
        surface = anaphor.group().strip()
        if not earlier:
            return _Reference(
                None, surface, anaphor.end(), f"'{surface}' refers to no earlier place"
            )
        place = earlier[-1].place
        name = place.name if place else "?"
        return _Reference(place, surface, anaphor.end(), f"'{surface}' read as {name}")

    def implicit_reference(self, before: int, subject: Place, sentences_back: int) -> _Reference:
        """The place the text was just talking about (for "12 km to the south"): the last
        named place before the subject, in its sentence or ``sentences_back`` before it."""
        sentence = _sentence_of(self.sentences, before)
        index = self.sentences.index(sentence) if sentence in self.sentences else 0
        window_start = self.sentences[max(0, index - sentences_back)][0] if self.sentences else 0
        for mention in reversed(self.toponyms):
            place = mention.place
            if mention.end > before or mention.start < window_start or place is None:
                continue
            if not _spread(place) and place.id != subject.id:
                return _Reference(
                    place, "", before, f"reference implied by the context: {place.name}"
                )
        return _Reference(None, "", before, "no reference named or implied")


def _relation(text: str, position: int, qualifier: str) -> _Relation | None:
    """What links the quantity to its reference: direction, "from", "of", "outside"..."""
    road = False
    match = _ROAD_RE.match(text, position)
    if match:
        road, position = True, match.end()
    away = _AWAY_RE.match(text, position)
    if away:
        position = away.end()
    direction = _DIRECTION_RE.match(text, position)
    if direction:
        bearing = geodesy.compass_bearing(direction["dir"])
        if bearing is not None:
            implicit = direction["rel"] is None
            return _Relation(direction.end(), bearing, direction["dir"], implicit, road)
    relation = _RELATION_RE.match(text, position)
    if relation:
        word = relation["rel"].lower()
        if word == "of" and qualifier != AT_MOST and not away:
            return None
        return _Relation(relation.end(), None, "", False, road)
    apart = _APART_RE.match(text, position)
    if apart:
        return _Relation(apart.end(), None, "", True, road, apart=True)
    return None


def _is_named_point(mention: Mention | None) -> bool:
    """A toponym mention of a place that is not a country or region."""
    return (
        mention is not None
        and mention.type == "toponym"
        and mention.place is not None
        and not _spread(mention.place)
    )


def _surface(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def may_state_distance(text: str) -> bool:
    """A cheap pre-filter: False only where ``text`` has no unit of distance, so no claim."""
    return bool(_unit_marks(text))


def _unit_marks(text: str) -> list[int]:
    """Where ``_UNIT_MARK`` matches ``text`` (in order, not overlapping): inside every unit
    of distance (case-insensitive) there is one, and each lies in a unit of distance.

    The marks are looked for first in an ASCII copy (letters lower-cased, every other
    character "?", so positions are kept), a cheap scan that finds a mark wherever the
    text has one (and maybe more: "?" is no word character): the text has a mark only
    where the copy has one, unless a non-ASCII character matches a letter
    case-insensitively (``FOLD_TO_ASCII``), and then the text itself is read."""
    if any(char in text for char in _FOLD_CHARS):
        return [match.start() for match in _UNIT_MARK.finditer(text)]
    ascii_copy = text.encode("ascii", "replace").translate(_ASCII_LOWER)
    if _UNIT_MARK_ASCII.search(ascii_copy) is None:
        return []
    # A match in the copy that is none in the text hides no mark of the text: the only
    # "m" it holds is its first character.
    return [
        match.start()
        for match in _UNIT_MARK_ASCII.finditer(ascii_copy)
        if _UNIT_MARK.match(text, match.start())
    ]


def extract_claims(
    article: Article, mentions: Sequence[Mention], gazetteer: Gazetteer
) -> list[Claim]:
    """Every distance claim in ``article``, with its subject and reference resolved."""
    text = article.text
    claims: list[Claim] = []
    marks = _unit_marks(text)
    if not marks:
        log.debug("claims: %d distance claims in %s", len(claims), article.doc)
        return claims
    document: _Document | None = None  # built at the first quantity with a relation
    consumed = -1
    for match in _quantity_matches(text, marks):
        if match.start() < consumed:
            continue
        quantity, end = _quantity_from(match, text)
        if not all(map(math.isfinite, (quantity.km, quantity.low_km, quantity.high_km))):
            continue  # "1/0 km" or a number too large for a float
        relation = _relation(text, end, quantity.qualifier)
        if relation is None:
            continue
        consumed = end
        if document is None:
            document = _Document(article, mentions, gazetteer)
        claim = _build_claim(document, match, quantity, end, relation)
        if claim is not None:
            claims.append(claim)
    log.debug("claims: %d distance claims in %s", len(claims), article.doc)
    return claims


def _quantity_matches(text: str, marks: Sequence[int]) -> Iterator[re.Match[str]]:
    """``_QUANTITY.finditer(text)``, read only in the stretches that can hold a match: those
    between two characters no match holds (see ``_NOT_IN_QUANTITY``) that hold one of the
    ``marks`` (see :func:`_unit_marks`), and there only from the first place a match
    with one of those marks in its unit may start (see :func:`_earliest_start`) to one
    character after the word of the last mark.

    That end is far enough: a match ends with its unit (and maybe a "."), and its unit
    holds a mark, so it ends by that word's end or one "." after it. Nor does the text
    cut there let a match appear: the pattern reads no character past a match but the one
    after it, and a match ending at the cut would end with a letter (a unit) where the
    text holds no letter, or with the "." that is there."""
    reverse = text[::-1]
    stretch_end = -1
    for index, mark in enumerate(marks):
        if mark < stretch_end:
            continue  # in the stretch just read
        stop = _NOT_IN_QUANTITY.search(text, mark)
        stretch_end = stop.start() if stop is not None else len(text)
        in_stretch = marks[index : bisect.bisect_left(marks, stretch_end, index)]
        start = min(_earliest_start(reverse, other) for other in in_stretch)
        word = _WORD_CHARACTERS.match(text, in_stretch[-1])
        assert word is not None  # the pattern matches the empty string
        yield from _QUANTITY.finditer(text, start, min(word.end() + 1, stretch_end))


def _earliest_start(reverse: str, mark: int) -> int:
    """No match of ``_QUANTITY`` whose unit holds ``mark`` starts before the place this
    returns (``reverse`` is the text reversed). Such a match starts where a word (a run of
    word characters) starts, and holds whole words only; each word before its unit's one
    is digits and words of ``_QUANTITY_WORDS`` run together ("about", "30", "5to10",
    "nautical") and only white space and "-–,./" lie between them. So the match starts no
    earlier than the first word of the longest such chain that ends at the word holding
    ``mark``. The chain is read backwards, as ``_CHAIN_REVERSED`` matching the reversed
    text (it cannot pass a character no match holds, such as the one that starts the
    stretch)."""
    chain = _CHAIN_REVERSED.match(reverse, len(reverse) - mark)
    assert chain is not None  # the pattern matches the empty string
    return mark - (chain.end() - chain.start())


def _build_claim(
    document: _Document, match: re.Match[str], quantity: Quantity, end: int, relation: _Relation
) -> Claim | None:
    text = document.text
    sentence = _sentence_of(document.sentences, match.start())
    mention, near_start = document.subject(match.start(), sentence)
    near = near_start is not None
    subject = mention.place if mention is not None and not near else None
    near_place = mention.place if mention is not None and near else None
    if relation.implicit:
        if subject is None or mention is None:
            return None  # "advanced 20 km north": a movement, not a claim about a place
        if relation.apart:
            reference = document.pair_partner(mention, sentence)
            if reference is None:
                return None
        else:
            # "X, 12 km to the south": from the place named just before (this sentence or
            # the one before). A bare "12 km away" names no reference and is no claim.
            reference = document.implicit_reference(mention.start, subject, sentences_back=1)
        claim_end = relation.end
    else:
        reference = document.reference(relation.end, subject or near_place)
        claim_end = max(reference.end, relation.end)
        if mention is None and reference.place is not None:
            # "65 km from X to Y", "the 65 km between X and Y": Y is the subject
            other = document.second_place(reference.end)
            if other is not None:
                mention, subject, claim_end = other, other.place, other.end
    if reference.note:
        log.debug("claims: %s at %d: %s", document.article.doc, match.start(), reference.note)
    qualifier = ROAD if relation.road and not quantity.vague else quantity.qualifier
    claimed_start = match.end("qual") if match["qual"] else match.start()
    if mention is not None and near_start is None:
        subject_text = mention.text
    else:
        before = near_start if near_start is not None else match.start()
        subject_text = document.unnamed_subject(before, sentence)
    return Claim(
        doc=document.article.doc,
        quote=text[sentence[0] : sentence[1]],
        char_start=match.start(),
        char_end=claim_end,
        claimed_km=quantity.km,
        claimed_text=_surface(text[claimed_start:end]).rstrip(" ,"),
        subject=subject,
        reference=reference.place,
        subject_text=subject_text,
        reference_text=reference.text,
        source=document.article.source,
        date=document.article.published,
        bearing_deg=relation.bearing,
        direction_text=relation.direction_text,
        vague=quantity.vague,
        units_disagree=quantity.units_disagree,
        qualifier=qualifier,
        near=near_place,
    )


# -- checking -----------------------------------------------------------------------------
