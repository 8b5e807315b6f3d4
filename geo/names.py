"""Name folding: the one rule that makes "Ts'khinvali", "TSKHINVALI" and "Tskhinváli" equal."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = "'’‘`ʼʹ´"
_DASHES = "-‐‑‒–—"
_STRIP = str.maketrans({c: None for c in _APOSTROPHES} | {c: " " for c in _DASHES + "."})
_SPACES = re.compile(r"\s+")


def fold(name: str) -> str:
    """Lower-case, strip diacritics and apostrophes, turn dashes and dots into spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", without_marks.translate(_STRIP).casefold()).strip()


def is_latin(name: str) -> bool:
    """True when every letter of ``name`` folds to a-z (names English reports can use)."""
    folded = fold(name)
    return bool(folded) and all(c.isascii() for c in folded) and any(c.isalpha() for c in folded)
