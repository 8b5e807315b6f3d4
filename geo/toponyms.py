"""Find every place a report names and pick the right gazetteer entry for each.

``Toponymizer(gazetteer).mentions(article)`` runs two steps:

1. recognition (:mod:`geo.toponym_match`): one Aho-Corasick pass over the text finds
   every gazetteer name, alias and demonym; general rules drop words, people and
   organisations ("Police", "President Jackson", "Georgia Tech"), the longest name wins;
2. resolution (:mod:`geo.toponym_resolve`): each distinct name's candidates are scored by
   curated rows, kind and population, the document's focus countries, qualifiers
   ("Atlanta, Georgia"), and nearness to the other places in the text.

Each :class:`~geo.models.Mention` keeps its span, surface text, chosen place, runners-up,
a score (0..1) and a short reason. Demonyms ("Russian", "Georgians", "Abkhaz") are
mentions of ``type="demonym"`` whose place is the country or region they name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from geo.gazetteer import Gazetteer
from geo.models import Article, Candidate, Mention, Place
from geo.toponym_match import Recogniser, Rejected, Span
from geo.toponym_resolve import Name, Resolver, confidence, qualifier_pairs

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 4
#: World candidates read per name, most populous first (countries and regions always).
LOOKUP_LIMIT = 24
DEMONYM_SCORE = 0.9

__all__ = ["Rejected", "Toponymizer", "format_mentions"]


class Toponymizer:
    """Recognise and resolve toponyms against one gazetteer (build once, reuse)."""

    def __init__(self, gazetteer: Gazetteer, use_cache: bool = True) -> None:
        self.gazetteer = gazetteer
        self.recogniser = Recogniser(gazetteer, use_cache=use_cache)
        self.resolver = Resolver(gazetteer.capital_ids())

    def mentions(self, article: Article, rejected: list[Rejected] | None = None) -> list[Mention]:
        """Every toponym and demonym mention of ``article``, in text order."""
        text = article.text
        spans = self.recogniser.spans(text, rejected)
        pairs = qualifier_pairs(text, [s.start for s in spans], [s.end for s in spans])
        names, span_names, kept = self._names(spans, dict((j, i) for i, j in pairs))
        if not kept:
            return []
        position = {id(span): k for k, span in enumerate(kept)}
        kept_pairs = [
            (position[id(spans[i])], position[id(spans[j])])
            for i, j in pairs
            if id(spans[i]) in position and id(spans[j]) in position
        ]
        self.resolver.resolve(names, kept_pairs, span_names)
        return [
            self._mention(article.doc, span, names[n])
            for span, n in zip(kept, span_names, strict=True)
        ]

    def mentions_of(self, articles: Iterable[Article]) -> list[Mention]:
        """Mentions of several articles, in order."""
        return [m for article in articles for m in self.mentions(article)]

    # -- steps ---------------------------------------------------------------------------
    def _names(
        self, spans: list[Span], qualified: dict[int, int]
    ) -> tuple[list[Name], list[int], list[Span]]:
        """Group spans by name (one sense per document); drop spans with no reading.

        A name that qualifies another ("Atlanta, Georgia") is its own group, so a report
        about the Caucasus can still name the US state once.
        """
        names: list[Name] = []
        index: dict[tuple[tuple[str, ...], str, tuple[str, ...]], int] = {}
        span_names: list[int] = []
        kept: list[Span] = []
        for j, span in enumerate(spans):
            inner = spans[qualified[j]].keys if j in qualified else ()
            group = (span.keys, span.demonym, inner)
            n = index.get(group)
            if n is None:
                name = self._name(span)
                if name is None:
                    continue
                n = index[group] = len(names)
                names.append(name)
            names[n].spans.append(len(kept))
            span_names.append(n)
            kept.append(span)
        return names, span_names, kept

    def _name(self, span: Span) -> Name | None:
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

    def _mention(self, doc: str, span: Span, name: Name) -> Mention:
        if name.demonym is not None:
            return Mention(
                doc=doc,
                text=span.text,
                start=span.start,
                end=span.end,
                place=name.demonym,
                score=DEMONYM_SCORE,
                reason=f"demonym of {name.demonym.name}",
                type="demonym",
            )
        best = name.best
        weights = name.weights
        if not weights:
            weights = name.weights = confidence(name.scores)
            order = sorted(range(len(name.candidates)), key=lambda i: -name.scores[i])
            runners_up = [i for i in order if i != best][:MAX_ALTERNATIVES]
            name.alternatives = tuple(Candidate(name.candidates[i], weights[i]) for i in runners_up)
        alternatives = name.alternatives
        notes = list(name.notes[best])
        if span.note:
            notes.append(span.note)
        if len(name.candidates) == 1:
            notes.insert(0, "only reading")
        return Mention(
            doc=doc,
            text=span.text,
            start=span.start,
            end=span.end,
            place=name.candidates[best],
            score=weights[best],
            reason="; ".join(notes),
            type="toponym",
            alternatives=alternatives,
        )


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
