"""Back-references: "the town", "the city", "the village", "the port" in wire copy.

Reports name a place once and then refer back to it by its kind ("Rebels entered Konna
on Thursday. They paraded through the town's centre"). Such a phrase becomes a mention of
the nearest place named before it whose gazetteer kind it fits, within the same stretch
of text; "the city of X" names X itself and is left to the name, and a phrase with no
fitting place before it stays unresolved rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from geo.models import Article, Mention

#: The kinds of place each back-reference may point to (gazetteer ``kind`` values).
REFERRED_KINDS: dict[str, frozenset[str]] = {
    "town": frozenset({"town", "city", "village"}),
    "city": frozenset({"city", "town"}),
    "village": frozenset({"village", "town"}),
    "port": frozenset({"port", "city", "town"}),
    "base": frozenset({"base", "airfield"}),
    "airport": frozenset({"airfield"}),
}
#: How far back (characters) a back-reference looks for its place.
REACH = 700
#: Score of a back-reference mention (below a name read from the text).
SCORE = 0.6

_PHRASE = re.compile(
    r"\b(?P<the>[Tt]he)\s+(?P<kind>town|city|village|port|base|airport)\b(?!\s+(?:of|hall|council)\b)"
    r"(?!-)"
)


def back_reference_mentions(article: Article, mentions: Sequence[Mention]) -> list[Mention]:
    """A mention for each back-reference of ``article`` that fits a place named before it
    (``mentions``: the document's resolved mentions, in text order)."""
    text = article.text
    if "the " not in text.lower():
        return []
    named = [m for m in mentions if m.type == "toponym" and m.place is not None]
    if not named:
        return []
    found: list[Mention] = []
    for match in _PHRASE.finditer(text):
        start, end = match.start(), match.end()
        if any(m.start < end and start < m.end for m in mentions):
            continue  # part of a name ("The Hague")
        kinds = REFERRED_KINDS[match["kind"]]
        antecedent = _nearest_before(named, start, kinds)
        if antecedent is None or antecedent.place is None:
            continue
        found.append(
            replace(
                antecedent,
                text=match.group(0),
                start=start,
                end=end,
                score=min(antecedent.score, SCORE),
                reason=f"refers back to {antecedent.text} ({match.group(0)!r})",
                alternatives=(),
            )
        )
    return found


def _nearest_before(
    named: Sequence[Mention], position: int, kinds: frozenset[str]
) -> Mention | None:
    for mention in reversed(named):
        if mention.end > position:
            continue
        if position - mention.end > REACH:
            return None
        if mention.place is not None and mention.place.kind in kinds:
            return mention
    return None
