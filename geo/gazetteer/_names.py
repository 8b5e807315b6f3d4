"""Name folding: the one rule that makes "Ts'khinvali", "TSKHINVALI" and "Tskhinváli" equal.

Two forms live here:

- :func:`fold` is the lookup key of a name (gazetteer dictionaries are keyed by it);
- :func:`match_form` is a *length-preserving* form of running text used by the toponym
  matcher: every character maps to exactly one character (lower case, accents dropped,
  punctuation to a space), so an offset in the match form is the same offset in the text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

import numpy as np

_APOSTROPHES = "'’‘`ʼʹ´"
_DASHES = "-‐‑‒–—"
_STRIP = str.maketrans({c: None for c in _APOSTROPHES} | {c: " " for c in _DASHES + "."})
_SPACES = re.compile(r"\s+")
#: A letter of a folded ASCII name (folding leaves no capitals).
_LETTER = re.compile(r"[a-z]")

#: Letters that do not decompose into an ASCII base letter plus a mark.
_SPECIAL_LETTERS = {
    "ß": "s",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "æ": "a",
    "Æ": "a",
    "œ": "o",
    "Œ": "o",
    "ı": "i",
    "þ": "t",
    "Þ": "t",
    "ð": "d",
    "Ð": "d",
}


@lru_cache(maxsize=262_144)
def fold(name: str) -> str:
    """Lower-case, strip diacritics and apostrophes, turn dashes and dots into spaces."""
    if name.isascii():  # the same result without decomposing (nothing to decompose)
        return _SPACES.sub(" ", name.translate(_STRIP).lower()).strip()
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", without_marks.translate(_STRIP).casefold()).strip()


def is_latin(name: str) -> bool:
    """True when every letter of ``name`` folds to a-z (names English reports can use)."""
    folded = fold(name)
    return folded.isascii() and _LETTER.search(folded) is not None


def _match_char(char: str) -> str:
    if char in _SPECIAL_LETTERS:
        return _SPECIAL_LETTERS[char]
    if char.isascii():
        return char.lower() if char.isalnum() else " "
    base = unicodedata.normalize("NFKD", char)[0]
    if base.isascii() and base.isalnum():
        return base.lower()
    if char.isalnum():
        lowered = char.lower()
        return lowered if len(lowered) == 1 else char
    return " "


def _match_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x0000, 0x0250), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070)]:
        char = chr(code)
        mapped = _match_char(char)
        if mapped != char:
            table[code] = mapped
    for char in _APOSTROPHES + _DASHES + "«»„“”":
        table[ord(char)] = " "
    return table


_MATCH_TABLE = _match_table()
_ASCII_TABLE = {code: _MATCH_TABLE.get(code, chr(code)) for code in range(128)}
_ASCII_BYTES = bytes(ord(_ASCII_TABLE[code]) for code in range(128)) + bytes(range(128, 256))
#: Texts at least this long that are not ASCII are mapped with one table lookup (numpy).
_LONG_TEXT = 256
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _match_non_ascii(char: str) -> str:
    mapped = _MATCH_TABLE.get(ord(char))
    if mapped is None:
        mapped = _match_char(char)
    return mapped if len(mapped) == 1 else " "


def match_form(text: str) -> str:
    """Lower-case, accent-free, punctuation-as-space copy of ``text``, of the same length."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_BYTES).decode("ascii")
    if len(text) >= _LONG_TEXT:
        return _match_form_long(text)
    text = _NON_ASCII.sub(lambda m: _match_non_ascii(m.group(0)), text)
    return text.translate(_ASCII_TABLE)


def _match_form_long(text: str) -> str:
    """:func:`match_form` of a long text that is not ASCII: each character is mapped at
    once through :func:`_code_table`, which holds what the character-by-character rule
    gives every code point it covers; the few beyond it take that rule."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _code_table()
    if codes.max() < len(table):
        form = table.take(codes)
    else:
        form = table.take(np.minimum(codes, len(table) - 1))
        for i in (codes >= len(table)).nonzero()[0].tolist():
            form[i] = ord(_match_one(text[i]))
    return codecs.utf_32_le_decode(form.data)[0]


def _match_one(char: str) -> str:
    """The match form of one character (what :func:`match_form` makes of it)."""
    mapped = char if char.isascii() else _match_non_ascii(char)
    return mapped.translate(_ASCII_TABLE)


@lru_cache(maxsize=1)
def _code_table() -> np.ndarray:
    """The match form of every code point below U+2070 (Latin, Greek, Cyrillic, general
    punctuation), as code points."""
    return np.array([ord(_match_one(chr(code))) for code in range(0x2070)], dtype=np.uint32)


def match_key(name: str) -> str:
    """The match form of a name with runs of spaces collapsed (how names are indexed)."""
    return _SPACES.sub(" ", match_form(name)).strip()


#: Arabic article forms as romanised names write them ("al", and "ar", "as", "an", ...
#: where the article takes the first letter of the next word).
_ARTICLES = frozenset({"al", "el", "ar", "an", "as", "ad", "at", "az", "ash", "ath", "adh"})
_VOWEL_PAIRS = {"ayn": ("ain",), "ain": ("ayn",), "tall": ("tal", "tell"), "tell": ("tal",)}
_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1")
_MAX_TRANSLITERATIONS = 16


def transliterations(folded: str) -> set[str]:
    """Other spellings reports use for a romanised Arabic name (``folded`` by :func:`fold`):
    the article as "al" or "el" whatever letter it took ("Ma'arrat an Nu'man": "maarrat al
    numan"), "ayn"/"ain", "tall"/"tal"/"tell", doubled consonants single ("maarat"), a final
    "-ah" as "-a", and the name without its leading article ("az zawiyah": "zawiyah").
    Empty for names with none of these marks; at most 16 spellings."""
    words = folded.split()
    if not any(w in _ARTICLES or w in _VOWEL_PAIRS for w in words) or len(words) > 5:
        return set()
    options: list[tuple[str, ...]] = []
    for word in words:
        if word in _ARTICLES:
            options.append(tuple(dict.fromkeys((word, "al", "el"))))
            continue
        choices = [word, *_VOWEL_PAIRS.get(word, ())]
        if len(word) >= 5:
            single = _DOUBLED.sub(r"\1", word)
            choices += [single] if single != word else []
            choices += [c[:-1] for c in list(choices) if c.endswith("ah")]
        options.append(tuple(dict.fromkeys(choices)))
    variants: set[str] = set()
    for combination in _combinations(options):
        variants.add(" ".join(combination))
        if len(variants) >= _MAX_TRANSLITERATIONS:
            break
    if words[0] in _ARTICLES and len(words) == 2 and len(words[1]) >= 5:
        variants |= {words[1], *(w for w in options[1])}
    variants.discard(folded)
    return variants


def _combinations(options: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for choices in options:
        combos = [(*combo, choice) for combo in combos for choice in choices]
        if len(combos) > 4 * _MAX_TRANSLITERATIONS:
            combos = combos[: 4 * _MAX_TRANSLITERATIONS]
    return combos
