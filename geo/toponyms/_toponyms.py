"""Find every place a report names and pick the right gazetteer entry for each.

``Toponymizer(gazetteer).mentions(article)`` runs two steps:

1. recognition (:mod:`geo.toponyms._match`): one Aho-Corasick pass over the text finds
   every gazetteer name, alias and demonym; general rules drop words, people and
   organisations ("Police", "President Jackson", "Georgia Tech"), the longest name wins;
2. resolution (:mod:`geo.toponyms._resolve`): each distinct name's candidates are scored by
   curated rows, kind and population, the document's focus countries, qualifiers
   ("Atlanta, Georgia"), and nearness to the other places in the text.

Each :class:`~geo.models.Mention` keeps its span, surface text, chosen place, runners-up,
a score (0..1) and a short reason. Demonyms ("Russian", "Georgians", "Abkhaz") are
mentions of ``type="demonym"`` whose place is the country or region they name.

3. capital phrases (:func:`capital_mentions`): "the Georgian capital", "Georgia's
   capital", "the capital of Georgia" and, where the document has a clear focus country,
   a bare "the capital" become toponym mentions of that country's capital city. The
   mention of the country or demonym inside the phrase stays; a phrase whose capital is
   named beside it ("the capital, Tbilisi", "Tbilisi, the Georgian capital") adds nothing.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from geo.gazetteer import Gazetteer
from geo.models import Article, Candidate, Mention, MentionType, Place
from geo.toponyms._backrefs import back_reference_mentions
from geo.toponyms._match import Recogniser, Rejected, Span
from geo.toponyms._resolve import Name, Resolver, qualifies, round_share, shares

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 4
#: World candidates read per name, most populous first (countries and regions always).
LOOKUP_LIMIT = 24
DEMONYM_SCORE = 0.9
#: A capital phrase that names its country keeps this share of the country mention's score;
#: a bare "the capital" scores ``BARE_CAPITAL_SCORE`` times the focus country's share.
NAMED_CAPITAL_FACTOR = 0.95
BARE_CAPITAL_SCORE = 0.6
#: A focus country is clear when it holds this share of the document's place weight and
#: at least ``FOCUS_MIN_WEIGHT`` (one named town, or two mentions of the country).
FOCUS_MIN_SHARE = 0.5
FOCUS_MIN_WEIGHT = 1.0
#: Names whose prior-scored candidates a toponymizer remembers before it starts afresh.
MAX_STARTED = 20_000
_UNKNOWN = Name(key=(), candidates=[])
_NO_KEYS: tuple[str, ...] = ()

__all__ = ["Rejected", "Toponymizer", "capital_mentions", "focus_country", "format_mentions"]


class Toponymizer:
    """Recognise and resolve toponyms against one gazetteer (build once, reuse)."""

    def __init__(self, gazetteer: Gazetteer, use_cache: bool = True) -> None:
        self.gazetteer = gazetteer
        self.recogniser = Recogniser(gazetteer, use_cache=use_cache)
        self._capital_ids = gazetteer.capital_ids()
        self.resolver = Resolver(self._capital_ids)
        self._started: dict[tuple[tuple[str, ...], str], Name | None] = {}

    def mentions(self, article: Article, rejected: list[Rejected] | None = None) -> list[Mention]:
        """Every toponym and demonym mention of ``article``, in text order."""
        text = article.text
        spans = self.recogniser.spans(text, rejected)
        if not spans:
            return []
        names, span_names, kept, pairs = self._names(text, spans)
        if not kept:
            return []
        self.resolver.resolve(names, pairs, span_names)
        found = _mentions(article.doc, kept, span_names, names)
        capitals = capital_mentions(article, found, self.gazetteer, self._capital_ids)
        if capitals:
            found = sorted(found + capitals, key=lambda m: (m.start, m.end))
        found = [m for m in found if not _is_date_word(text, m)]
        back = back_reference_mentions(article, found)
        if back:
            found = sorted(found + back, key=lambda m: (m.start, m.end))
        return found

    def mentions_of(self, articles: Iterable[Article]) -> list[Mention]:
        """Mentions of several articles, in order."""
        return [m for article in articles for m in self.mentions(article)]

    # -- steps ---------------------------------------------------------------------------
    def _names(
        self, text: str, spans: list[Span]
    ) -> tuple[list[Name], list[int], list[Span], list[tuple[int, int]]]:
        """Group spans by name (one sense per document); drop spans with no reading.

        Returns the names, the name of each kept span, the kept spans and the (qualified,
        qualifying) pairs of kept spans (:func:`qualifies`: "Atlanta, Georgia"). A
        name that qualifies another is its own group, so a report about the Caucasus can
        still name the US state once.
        """
        names: list[Name] = []
        index: dict[tuple[tuple[str, ...], str, tuple[str, ...]], int] = {}
        span_names: list[int] = []
        kept: list[Span] = []
        pairs: list[tuple[int, int]] = []
        previous = -1  # where the span before is among the kept ones (-1: dropped)
        before: Span | None = None  # the span before, kept or not
        for span in spans:
            qualifying, inner = False, _NO_KEYS
            if before is not None and qualifies(text, before.end, span.start):
                qualifying, inner = True, before.keys
            before = span
            group = (span.keys, span.demonym, inner)
            n = index.get(group)
            if n is None:
                name = self._name(span)
                if name is None:
                    previous = -1
                    continue
                n = index[group] = len(names)
                names.append(name)
            if qualifying and previous >= 0:
                pairs.append((previous, len(kept)))
            previous = len(kept)
            names[n].spans.append(previous)
            span_names.append(n)
            kept.append(span)
        return names, span_names, kept, pairs

    def _name(self, span: Span) -> Name | None:
        """The name ``span`` carries, its candidates scored by their prior (a copy of the
        one made the first time, for the same keys have the same candidates)."""
        group = (span.keys, span.demonym)
        started = self._started.get(group, _UNKNOWN)
        if started is _UNKNOWN:
            if len(self._started) > MAX_STARTED:
                self._started.clear()
            started = self._new_name(span)
            if started is not None:
                self.resolver.start(started)
            self._started[group] = started
        return None if started is None else started.copy()

    def _new_name(self, span: Span) -> Name | None:
        def lookup(key: str) -> tuple[Place, ...]:
            return self.gazetteer.lookup_folded(key, LOOKUP_LIMIT)

        if span.demonym:
            place = self.gazetteer.demonym_country(span.demonym)
            curated = [p for k in span.keys for p in lookup(k) if p.curated]
            if place is not None and not curated:
                return Name(key=(span.demonym,), candidates=[place], demonym=place)
        seen: set[str] = set()
        candidates: list[Place] = []
        for key in span.keys:
            for place in lookup(key):
                if place.id not in seen:
                    seen.add(place.id)
                    candidates.append(place)
        if not candidates:
            return None
        return Name(key=span.keys, candidates=candidates)


def _mentions(
    doc: str, spans: list[Span], span_names: list[int], names: list[Name]
) -> list[Mention]:
    """The mention of each resolved span. What the mentions of one name share (place,
    type, score, runners-up; the reason for a span note) is worked out once per document."""
    found = []
    shared: list[_Shared | None] = [None] * len(names)
    for span, n in zip(spans, span_names, strict=True):
        name = names[n]
        common = shared[n]
        if common is None:
            common = shared[n] = _shared(name)
        place, kind, score, alternatives = common
        reason = name.reasons.get(span.note)
        if reason is None:
            reason = name.reasons[span.note] = _reason(name, span.note)
        # positional, in the order of the fields (this runs for every mention)
        found.append(
            Mention(doc, span.text, span.start, span.end, place, score, reason, kind, alternatives)
        )
    return found


#: What every mention of a name shares: its place, type, score and runners-up.
_Shared = tuple[Place | None, MentionType, float, tuple[Candidate, ...]]


def _shared(name: Name) -> _Shared:
    """The place, type, score (the share of the best reading) and runners-up of ``name``.

    A name with one reading has a share of exactly 1 and no runner-up (the softmax of one
    score is ``exp(0) / exp(0)``), so its scores are not weighed.
    """
    if name.demonym is not None:
        return name.demonym, "demonym", DEMONYM_SCORE, ()
    best, scores = name.best, name.scores
    if len(scores) == 1:
        return name.candidates[best], "toponym", 1.0, ()
    weights = shares(scores)
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    order.remove(best)
    candidates = name.candidates
    alternatives = tuple(
        [Candidate(candidates[i], round_share(weights[i])) for i in order[:MAX_ALTERNATIVES]]
    )
    return candidates[best], "toponym", round_share(weights[best]), alternatives


def _reason(name: Name, note: str) -> str:
    """Why ``name`` reads as its place, in a span whose recogniser note is ``note``."""
    if name.demonym is not None:
        return f"demonym of {name.demonym.name}"
    notes = list(name.notes[name.best])
    if note:
        notes.append(note)
    if len(name.candidates) == 1:
        notes.insert(0, "only reading")
    return "; ".join(notes)


# -- capital phrases ----------------------------------------------------------------------
_CAPITAL_NOUN = r"capital(?:\s+city)?\b"
#: "Georgia's capital" right after a country mention; "capital" right after a demonym.
_POSSESSIVE_CAPITAL = re.compile(r"['’]s\s+" + _CAPITAL_NOUN)
_DEMONYM_CAPITAL = re.compile(r"\s+" + _CAPITAL_NOUN)
#: "the capital of Georgia": the country mention starts where the match ends.
_CAPITAL_OF = re.compile(r"\b" + _CAPITAL_NOUN + r"\s+of\s+(?:the\s+)?")
_BARE_CAPITAL = re.compile(r"\b[Tt]he\s+" + _CAPITAL_NOUN)
_OF_AFTER = re.compile(r"\s+of\b")
_THE_BEFORE = re.compile(r"\b[Tt]he\s+$")
_WORD_BEFORE = re.compile(r"([\w'’-]+)\s+$")
_WORD_AFTER = re.compile(r"\s+([a-z]+)\b")
#: The capital is named right after the phrase: "the capital, Tbilisi", "capital of Ankara".
_NAMED_AFTER = re.compile(r"\s*,?\s*(?:of\s+)?")
#: ... or right before it: "Tbilisi, the capital", "Tbilisi is the Georgian capital".
_NAMED_BEFORE = re.compile(
    r"^\s*[,(]?\s*(?:(?:which|that)\s+)?(?:is|was|remains|became|as|has\s+been)?\s*$"
)
#: Words before "capital" that make it another city than the seat of government
#: ("the former Georgian capital", "the regional capital of ...").
_OTHER_CAPITALS = frozenset(
    {
        "former", "old", "ancient", "historic", "historical", "onetime", "one-time",
        "erstwhile", "second", "summer", "winter", "cultural", "financial", "commercial",
        "economic", "business", "administrative", "provincial", "regional", "breakaway",
        "rebel", "separatist", "self-proclaimed", "religious", "spiritual", "legislative",
        "judicial", "facto", "state", "district", "county", "tourist", "fashion", "party",
        "wine", "film", "tech", "technology", "gambling", "murder", "oil", "gas",
    }
)  # fmt: skip
#: Nouns after "capital" that make it money, law or a letter ("capital markets").
_CAPITAL_COMPOUNDS = frozenset(
    {
        "market", "markets", "gain", "gains", "flight", "flow", "flows", "inflow", "inflows",
        "outflow", "outflows", "expenditure", "expenditures", "spending", "investment",
        "investments", "letter", "letters", "goods", "control", "controls", "requirement",
        "requirements", "reserve", "reserves", "injection", "injections", "ratio", "ratios",
        "base", "cost", "costs", "budget", "budgets", "project", "projects", "adequacy",
        "offence", "offences", "offense", "offenses", "crime", "crimes", "charge", "charges",
        "murder", "punishment", "case", "cases", "sentence", "sentences", "stock", "stocks",
        "formation", "structure", "account", "accounts", "asset", "assets", "allowance",
        "allowances", "fund", "funds", "raising", "buffer", "buffers", "increase", "ship",
        "ships", "equipment", "works", "program", "programme", "programs", "programmes",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A capital phrase: its span (without the article), where its quote starts (with the
    article: "the Georgian capital") and the country mention inside it, if any."""

    start: int
    end: int
    quote_start: int
    country: Mention | None = None


_MONTH_WORD = re.compile(
    r"(?i)(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\.?|january|february|march|"
    r"april|june|july|august|september|october|november|december"
)
_DAY_AFTER = re.compile(r"\.?\s{0,3}\d{1,2}(?:st|nd|rd|th)?\b")
_DAY_BEFORE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s{1,3}$")


def _is_date_word(text: str, mention: Mention) -> bool:
    """A month written beside a day ("KHERSON, Nov 11", "on 9 May") is a date, not a
    town that happens to share its name."""
    if mention.type != "toponym" or not _MONTH_WORD.fullmatch(mention.text):
        return False
    after = _DAY_AFTER.match(text, mention.end) is not None
    before = _DAY_BEFORE.search(text, max(0, mention.start - 8), mention.start) is not None
    return after or before


def capital_mentions(
    article: Article,
    mentions: Sequence[Mention],
    gazetteer: Gazetteer,
    capital_ids: frozenset[str] | None = None,
) -> list[Mention]:
    """Toponym mentions for the capital phrases of ``article`` (see the module docstring).

    ``mentions`` are the document's resolved toponym and demonym mentions. A phrase that
    names its country is spanned without its article ("Georgian capital", as "Netherlands"
    in "the Netherlands"; the reason quotes the article); a bare "the capital" keeps it, for
    without it the word is no name. A phrase yields nothing when its country has no known
    capital or a named town stands beside it.
    """
    text = article.text
    if "capital" not in text:
        return []
    ordered = sorted(mentions, key=lambda m: (m.start, m.end))
    by_start = {m.start: m for m in reversed(ordered)}
    found: list[Mention] = []
    for phrase in _named_phrases(text, ordered, by_start):
        country = phrase.country
        if country is None or country.place is None or _overlaps(found, phrase):
            continue
        capital = gazetteer.capital_of(country.place.country)
        if capital is None or _named_beside(text, ordered, by_start, phrase):
            continue
        quote = text[phrase.quote_start : phrase.end]
        reason = f"capital of {country.place.name} (from {quote!r})"
        score = min(1.0, NAMED_CAPITAL_FACTOR * country.score)
        found.append(_capital_mention(article, phrase, capital, score, reason))
    bare = [p for p in _bare_phrases(text) if not _overlaps(found, p)]
    focus = focus_country(ordered, capital_ids or frozenset()) if bare else None
    if focus is None:
        return found
    code, share = focus
    country_place, capital = gazetteer.country(code), gazetteer.capital_of(code)
    if country_place is None or capital is None:
        return found
    for phrase in bare:
        if _named_beside(text, ordered, by_start, phrase):
            continue
        quote = text[phrase.quote_start : phrase.end]
        reason = (
            f"capital of {country_place.name} (from {quote!r}; {country_place.name} is the "
            f"document's focus, {share:.0%} of its places)"
        )
        found.append(_capital_mention(article, phrase, capital, BARE_CAPITAL_SCORE * share, reason))
    return found


def _capital_mention(
    article: Article, phrase: _Phrase, capital: Place, score: float, reason: str
) -> Mention:
    return Mention(
        doc=article.doc,
        text=article.text[phrase.start : phrase.end],
        start=phrase.start,
        end=phrase.end,
        place=capital,
        score=round(score, 3),
        reason=reason,
        type="toponym",
    )


def focus_country(
    mentions: Iterable[Mention], capital_ids: frozenset[str] = frozenset()
) -> tuple[str, float] | None:
    """The country a document is about and its share of the place weight, when clear.

    Named towns and regions weigh 1; countries and capital cities weigh 1/2, for they are
    so often a government ("Moscow said", "Georgia wants"); demonyms do not count.
    """
    weights: dict[str, float] = defaultdict(float)
    for mention in mentions:
        place = mention.place
        if mention.type != "toponym" or place is None or not place.country:
            continue
        heavy = place.kind != "country" and place.id not in capital_ids
        weights[place.country] += 1.0 if heavy else 0.5
    if not weights:
        return None
    total = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda item: -item[1])
    code, weight = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    share = weight / total
    if share < FOCUS_MIN_SHARE or weight < FOCUS_MIN_WEIGHT or weight <= second:
        return None
    return code, share


def _named_phrases(
    text: str, ordered: Sequence[Mention], by_start: dict[int, Mention]
) -> list[_Phrase]:
    """Every phrase that names its country: "Georgian capital", "Georgia's capital",
    "capital of Georgia"."""
    phrases: list[_Phrase] = []
    for mention in ordered:
        place = mention.place
        if place is None or place.kind != "country":
            continue
        if mention.type == "demonym":
            match = _DEMONYM_CAPITAL.match(text, mention.end)
            if match is None or _other_capital(text, mention.start):
                continue
        else:
            match = _POSSESSIVE_CAPITAL.match(text, mention.end)
            if match is None:
                continue
        if not _compound_after(text, match.end()):
            quote_start = _article_start(text, mention.start)
            phrases.append(_Phrase(mention.start, match.end(), quote_start, mention))
    for at in _capital_words(text):
        match = _CAPITAL_OF.match(text, at)
        if match is None:
            continue
        country = by_start.get(match.end())
        if (
            country is None
            or country.type != "toponym"
            or country.place is None
            or country.place.kind != "country"
            or _other_capital(text, match.start())
        ):
            continue
        start = match.start()
        phrases.append(_Phrase(start, country.end, _article_start(text, start), country))
    phrases.sort(key=lambda p: p.start)
    return phrases


def _bare_phrases(text: str) -> list[_Phrase]:
    """Every "the capital" that is the seat of government of an unnamed country: not
    "the capital of ...", not "the capital markets"."""
    phrases = []
    for at in _capital_words(text):
        the = at
        while the > 0 and text[the - 1].isspace():  # what \s+ takes before "capital"
            the -= 1
        match = _BARE_CAPITAL.match(text, the - 3) if 3 <= the < at else None
        if match is None:
            continue
        end = match.end()
        if _OF_AFTER.match(text, end) or _compound_after(text, end):
            continue
        phrases.append(_Phrase(match.start(), end, match.start()))
    return phrases


def _capital_words(text: str) -> Iterator[int]:
    """Where each "capital" in ``text`` starts: every capital phrase holds one, so its
    pattern is tried there only (rather than searched for at every character)."""
    at = text.find("capital")
    while at != -1:
        yield at
        at = text.find("capital", at + len("capital"))


def _article_start(text: str, start: int) -> int:
    """Where "the" before ``start`` begins, or ``start`` when there is none."""
    match = _THE_BEFORE.search(text, max(0, start - 6), start)
    return match.start() if match else start


def _named_beside(
    text: str, ordered: Sequence[Mention], by_start: dict[int, Mention], phrase: _Phrase
) -> bool:
    """True when a named town stands as an apposition right before or after the phrase."""
    after = _NAMED_AFTER.match(text, phrase.end)
    named = by_start.get(after.end()) if after else None
    if named is not None and _is_town(named):
        return True
    for mention in reversed(ordered):
        if mention.end > phrase.quote_start:
            continue
        return (
            _is_town(mention)
            and phrase.quote_start - mention.end <= 24
            and _NAMED_BEFORE.match(text[mention.end : phrase.quote_start]) is not None
        )
    return False


def _is_town(mention: Mention) -> bool:
    return mention.type == "toponym" and mention.place is not None and not mention.place.is_area


def _other_capital(text: str, start: int) -> bool:
    """True after "former", "regional" and the like ("the former Georgian capital")."""
    match = _WORD_BEFORE.search(text, max(0, start - 40), start)
    return match is not None and match.group(1).casefold() in _OTHER_CAPITALS


def _compound_after(text: str, end: int) -> bool:
    """True when "capital" is the first half of a compound ("capital markets")."""
    match = _WORD_AFTER.match(text, end)
    return match is not None and match.group(1) in _CAPITAL_COMPOUNDS


def _overlaps(found: Sequence[Mention], phrase: _Phrase) -> bool:
    return any(m.start < phrase.end and phrase.quote_start < m.end for m in found)


def format_mentions(mentions: Iterable[Mention]) -> str:
    """A plain-text table of mentions: span, text, type, place, score and reason."""
    header = ("span", "text", "type", "place", "id", "country", "score", "reason / runner-up")
    rows = [header]
    for m in mentions:
        place = m.place
        runner = m.alternatives[0] if m.alternatives else None
        reason = m.reason
        if runner is not None:
            reason += (
                f" | next: {runner.place.name} ({runner.place.country or '-'}, {runner.score:.2f})"
            )
        rows.append(
            (
                f"{m.start}-{m.end}",
                m.text,
                m.type,
                place.name if place else "-",
                place.id if place else "-",
                (place.country or "-") if place else "-",
                f"{m.score:.2f}",
                reason,
            )
        )
    if len(rows) == 1:
        return "no place names found"
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)
