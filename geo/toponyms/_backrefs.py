"""Back-references: "the town", "the city", "the village", "the port" in wire copy.

Reports name a place once and then refer back to it by its kind ("Rebels entered Konna
on Thursday. They paraded through the town's centre"). Such a phrase becomes a mention of
the nearest place named before it whose gazetteer kind it fits, within the same stretch
of text; "the city of X" names X itself and is left to the name, and a phrase with no
fitting place before it stays unresolved rather than guessed.
"""

from __future__ import annotations

import bisect
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

_KIND = re.compile(r"\b(?:town|city|village|port|base|airport)\b(?!\s+(?:of|hall|council)\b)(?!-)")
_THE_BEFORE = re.compile(r"\b[Tt]he\s+$")


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
    starts = [m.start for m in mentions]
    lowered = text.lower()
    if not any(f"the {kind}" in lowered for kind in REFERRED_KINDS):
        return []
    for match in _KIND.finditer(text):
        the = _THE_BEFORE.search(text, max(0, match.start() - 8), match.start())
        if the is None:
            continue
        start, end = the.start(), match.end()
        if _overlaps(mentions, starts, start, end):
            continue  # part of a name ("The Hague")
        antecedent = _nearest_before(named, start, REFERRED_KINDS[match.group(0)])
        if antecedent is None or antecedent.place is None:
            continue
        phrase = text[start:end]
        found.append(
            replace(
                antecedent,
                text=phrase,
                start=start,
                end=end,
                score=min(antecedent.score, SCORE),
                reason=f"refers back to {antecedent.text} ({phrase!r})",
                alternatives=(),
            )
        )
    return found


def _overlaps(mentions: Sequence[Mention], starts: list[int], start: int, end: int) -> bool:
    """Whether a mention (sorted by start) overlaps ``start``..``end``."""
    index = bisect.bisect_left(starts, end)
    return any(m.end > start for m in mentions[max(0, index - 3) : index])


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
