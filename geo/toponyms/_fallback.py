"""The online fallback's side of recognition: names no offline gazetteer holds, looked up
through geopy (:class:`geo.gazetteer._geocoder.OnlineGazetteer`).

Kept apart from the recogniser's rules on purpose. A name is asked for only when

- the document has a clear focus country (:func:`geo.toponyms._toponyms.focus_country`),
  and the lookup is limited to it;
- it stands right after a word that introduces a place ("in", "near", "outside",
  "towards", "the village of" ...): one to four capitalised words, "al-"/"el-" particles
  allowed ("Ras al-Ain");
- no offline gazetteer knows it, it overlaps no name the recogniser found or rejected, and
  it is no common word, month, day, title, given name, demonym or organisation word.

Every other capitalised occurrence of a name that was placed gets the same place (one
sense per document). Each mention says in its reason that it was found online.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from geo.gazetteer import Gazetteer, OnlineGazetteer, common_words, fold, word_list
from geo.models import Article, Mention
from geo.toponyms._match import Rejected
from geo.toponyms._toponyms import focus_country

#: Score of a mention placed online (below most offline readings).
ONLINE_SCORE = 0.5
#: Distinct names looked up per document at most.
MAX_NAMES = 8
_WORD = r"(?:(?:al|el|ar|as|ash|ad|an|at|az|ed|es|ez|ul|um)-)?[A-Z][\w'’]*(?:-[\w'’]+)*"
_CANDIDATE = re.compile(
    r"\b(?:in|near|outside|from|into|towards?|around|through|via|across|beyond|"
    r"(?:the\s+)?(?:village|town|city|settlement|hamlet|district)s?\s+of)\s+"
    rf"(?P<name>{_WORD}(?:\s+{_WORD}){{0,3}})"
)
#: Outlets and agencies reports cite after "from" ("from Reuters").
_OUTLETS = frozenset(
    {
        "reuters", "afp", "ap", "tass", "ria", "interfax", "xinhua", "bloomberg", "cnn",
        "bbc", "ukrinform", "anadolu", "sana", "irna", "kyodo", "yonhap", "efe", "ansa", "dpa",
    }
)  # fmt: skip


class OnlineFallback:
    """Adds the mentions the online geocoder can place to a document's offline ones."""

    def __init__(
        self, gazetteer: Gazetteer, geocoder: OnlineGazetteer, max_names: int = MAX_NAMES
    ) -> None:
        self.gazetteer = gazetteer
        self.geocoder = geocoder
        self.max_names = max_names
        self._capitals = gazetteer.capital_ids()
        self._heads = word_list("toponym_titles") | word_list("toponym_org_words")
        self._stop = (
            common_words()
            | word_list("toponym_english_words")
            | word_list("toponym_given_names")
            | word_list("toponym_titles")
            | word_list("toponym_org_words")
            | word_list("toponym_org_acronyms")
            | _OUTLETS
        )

    def extend(
        self, article: Article, mentions: list[Mention], rejected: Sequence[Rejected] = ()
    ) -> list[Mention]:
        """``mentions`` with the online ones added, in text order."""
        focus = focus_country(mentions, self._capitals)
        if focus is None:
            return mentions
        code, share = focus
        text = article.text
        taken = [(m.start, m.end) for m in mentions] + [(r.start, r.end) for r in rejected]
        added: list[Mention] = []
        asked: set[str] = set()
        for start, end, name in self.unknown_names(text, taken):
            key = fold(name)
            if key in asked:
                continue
            if len(asked) >= self.max_names:
                break
            asked.add(key)
            found = self.geocoder.lookup(name, code)
            if found.place is None:
                continue
            reason = (
                f"not in the offline gazetteers; found online by {self.geocoder.spec.service} "
                f"in {code} (the document's focus country, {share:.0%} of its places)"
            )
            for at in _occurrences(text, name, start, end, taken):
                taken.append(at)
                added.append(
                    Mention(article.doc, name, at[0], at[1], found.place, ONLINE_SCORE, reason)
                )
        if not added:
            return mentions
        return sorted([*mentions, *added], key=lambda m: (m.start, m.end))

    def unknown_names(
        self, text: str, taken: Sequence[tuple[int, int]]
    ) -> list[tuple[int, int, str]]:
        """``(start, end, name)`` of each name after a place word that no gazetteer holds."""
        found = []
        for match in _CANDIDATE.finditer(text):
            start, end = match.span("name")
            name = match.group("name")
            if any(s < end and start < e for s, e in taken):
                continue
            if self._usable(name):
                found.append((start, end, name))
        return found

    def _usable(self, name: str) -> bool:
        words = name.split()
        if name.replace(" ", "").replace("-", "").isupper():
            return False  # an acronym
        if len(words) > 1 and fold(words[0]) in self._heads:
            return False  # "President Xyz", "University Xyz"
        if len(words) == 1 and (
            fold(name) in self._stop or self.gazetteer.demonym_country(name) is not None
        ):
            return False
        if any(fold(w) in _MONTHS_AND_DAYS for w in words):
            return False
        return not self.gazetteer.lookup_folded(fold(name), 1)


_MONTHS_AND_DAYS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday",
    }
)  # fmt: skip


def _occurrences(
    text: str, name: str, start: int, end: int, taken: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The span found and every other word-bounded occurrence of ``name`` that overlaps
    nothing taken."""
    spans = [(start, end)]
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        at = match.span()
        if at != (start, end) and not any(s < at[1] and at[0] < e for s, e in taken):
            spans.append(at)
    return spans
