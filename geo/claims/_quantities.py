"""Distances as reports write them: numbers in digits or words, units, ranges and qualifiers."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geo.models import Claim
from geo.text import FOLD_TO_ASCII

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


KM_PER_MILE = 1.609344
KM_PER_NAUTICAL_MILE = 1.852
KM_PER_METRE = 0.001
#: A road distance may be up to this many times the straight line (plus the tolerance).
ROAD_FACTOR = 1.6
#: Extra slack (km) when a claim is about something "near" a named place.
NEAR_KM = 10.0
#: Two units of one claim disagree beyond this fraction of the larger, plus UNITS_SLACK_KM.
UNITS_RELATIVE = 0.10
UNITS_SLACK_KM = 1.0


#: Qualifier categories stored in ``Claim.qualifier``.
ABOUT, AT_MOST, AT_LEAST, RANGE, EXACT, VAGUE, ROAD = (
    "about",
    "at most",
    "at least",
    "range",
    "exact",
    "vague",
    "road",
)

# -- numbers and units -------------------------------------------------------------------
_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD_VALUES: dict[str, float] = (
    {w: float(i + 1) for i, w in enumerate(_ONES)}
    | {w: float(i + 10) for i, w in enumerate(_TEENS)}
    | {w: float((i + 2) * 10) for i, w in enumerate(_TENS)}
    | {"a": 1.0, "an": 1.0, "a dozen": 12.0, "a hundred": 100.0, "one hundred": 100.0}
    | {"half a": 0.5, "half an": 0.5}
)
#: Vague amounts and the nominal figure shown for them (never checked).
VAGUE_AMOUNTS: dict[str, float] = {
    "a few dozen": 36.0,
    "a few hundred": 300.0,
    "a few": 3.0,
    "a couple of": 2.0,
    "a handful of": 3.0,
    "several": 5.0,
    "dozens of": 36.0,
    "tens of": 30.0,
    "hundreds of": 300.0,
    "many": 10.0,
    "few": 3.0,
}


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_DIGITS = (
    r"\d+\s+\d+/\d+|\d+/\d+|\d*[½¼¾]|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d/])|\d+(?:\.\d+)?(?![\d/])"
)
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75}
_WORD_NUMBER = (
    rf"(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_ONES)}))?\b|(?:{_alternation(_WORD_VALUES)})\b"
)
_NUMBER = rf"(?:{_DIGITS}|\b(?:{_WORD_NUMBER}))"
_UNIT = r"(?:nautical\s+miles?|kilomet(?:re|er)s?|kms?|miles?|mi|met(?:re|er)s?)\b\.?"
_QUALIFIERS: dict[str, str] = {
    "about": ABOUT,
    "around": ABOUT,
    "some": ABOUT,
    "roughly": ABOUT,
    "approximately": ABOUT,
    "approx.": ABOUT,
    "nearly": ABOUT,
    "almost": ABOUT,
    "close to": ABOUT,
    "an estimated": ABOUT,
    "just over": ABOUT,
    "just under": ABOUT,
    "a little over": ABOUT,
    "a little more than": ABOUT,
    "a little less than": ABOUT,
    "just": ABOUT,
    "only": ABOUT,
    "barely": ABOUT,
    "circa": ABOUT,
    "within": AT_MOST,
    "less than": AT_MOST,
    "fewer than": AT_MOST,
    "under": AT_MOST,
    "up to": AT_MOST,
    "no more than": AT_MOST,
    "not more than": AT_MOST,
    "at most": AT_MOST,
    "no further than": AT_MOST,
    "no farther than": AT_MOST,
    "more than": AT_LEAST,
    "over": AT_LEAST,
    "at least": AT_LEAST,
    "upwards of": AT_LEAST,
    "no less than": AT_LEAST,
    "not less than": AT_LEAST,
}
_QUANTITY = re.compile(
    rf"""(?<![\w./])
    (?:(?P<qual>{_alternation(_QUALIFIERS)})\s+)?
    (?:
        (?P<vague>{_alternation(VAGUE_AMOUNTS)})
      | between\s+(?P<blo>{_NUMBER})\s+and\s+(?P<bhi>{_NUMBER})
      | (?P<lo>{_NUMBER})(?:\s*(?:-|–|to|or)\s*(?P<hi>{_NUMBER}))?
    )
    [\s-]*(?P<unit>{_UNIT})""",
    re.IGNORECASE | re.VERBOSE,
)
#: Inside every unit of distance, an "m" where this matches: "mi", "mile(s)", "met(re|er)s"
#: (also in "kilometres"), the "m" of "km(s)"; each match lies in a unit of distance.
_UNIT_MARK = re.compile(r"m(?:i(?:les?)?|et(?:re|er)s?|(?<=km)s?)\b", re.IGNORECASE)
_UNIT_MARK_ASCII = re.compile(_UNIT_MARK.pattern.encode("ascii"))
#: Bytes with ASCII letters lower-cased (for ``bytes.translate``).
_ASCII_LOWER = bytes(code | 0x20 if 65 <= code <= 90 else code for code in range(256))
#: The characters other than A-Z that match an ASCII letter case-insensitively.
_FOLD_CHARS = tuple(chr(code) for code in FOLD_TO_ASCII)
#: The words that may be run together (with digits) into a word of a ``_QUANTITY`` match
#: before its unit's word: those of the qualifiers, the amounts and the number words, and
#: the literal words of the pattern (a unit's first word is "nautical" in "nautical miles").
_QUANTITY_WORDS: frozenset[str] = frozenset(
    re.findall(
        r"[a-z]+",
        " ".join([*_QUALIFIERS, *VAGUE_AMOUNTS, *_WORD_VALUES, "between and to or nautical"]),
    )
)
#: Read in reversed text from just before a unit mark: the rest of the mark's word, then
#: as many (separator, whole word of ``_QUANTITY_WORDS`` and digits) as there are.
_REVERSED_WORDS = "|".join(sorted((word[::-1] for word in _QUANTITY_WORDS), key=len, reverse=True))
_CHAIN_REVERSED = re.compile(
    rf"\w*(?:[\s\-–,./]*(?:\d|[½¼¾]|{_REVERSED_WORDS})+(?!\w))*", re.IGNORECASE
)
_WORD_CHARACTERS = re.compile(r"\w*")
#: A character no match of ``_QUANTITY`` holds (it reads only letters, digits, spaces and
#: "-–,./"): a match lies between two of them.
_NOT_IN_QUANTITY = re.compile(r"[^\w\s\-–,./]")
_SECOND_PAREN = re.compile(
    rf"""\s*\(\s*(?:(?:about|around|some|roughly|approximately|nearly|almost|or)\s+)?
    (?P<lo>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<hi>{_NUMBER}))?[\s-]*(?P<unit>{_UNIT})\s*\)""",
    re.IGNORECASE | re.VERBOSE,
)
_SECOND_OR = re.compile(
    rf"""\s*,?\s+or\s+(?:about\s+|some\s+|roughly\s+)?
    (?P<lo>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<hi>{_NUMBER}))?[\s-]*(?P<unit>{_UNIT}),?""",
    re.IGNORECASE | re.VERBOSE,
)


# -- public data types --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed distance: its bounds in km and whether its two units agree."""

    km: float
    low_km: float
    high_km: float
    qualifier: str
    vague: bool
    units_disagree: bool = False
    second_km: float | None = None


# -- numbers -------------------------------------------------------------------------------
def _number(text: str) -> float:
    key = re.sub(r"\s+", " ", text.strip().lower())
    if key in _WORD_VALUES:
        return _WORD_VALUES[key]
    parts = re.split(r"[- ]", key)
    if len(parts) == 2 and parts[0] in _WORD_VALUES and parts[1] in _WORD_VALUES:
        return _WORD_VALUES[parts[0]] + _WORD_VALUES[parts[1]]
    if key and key[-1] in _FRACTIONS:
        return float(key[:-1] or 0) + _FRACTIONS[key[-1]]
    if "/" in key:
        whole, _, fraction = key.rpartition(" ")
        numerator, denominator = fraction.split("/")
        if float(denominator) == 0:
            return math.nan
        return float(whole or 0) + float(numerator) / float(denominator)
    return float(key.replace(",", ""))


def _unit_km(unit: str) -> float:
    word = unit.lower().rstrip(".")
    if word.startswith("nautical"):
        return KM_PER_NAUTICAL_MILE
    if word.startswith("mi"):
        return KM_PER_MILE
    if word.startswith("met"):
        return KM_PER_METRE
    return 1.0


def _system(unit: str) -> str:
    return "metric" if _unit_km(unit) in (1.0, KM_PER_METRE) else "imperial"


def units_disagree(first_km: float, second_km: float) -> bool:
    """True when a figure and its conversion differ by more than 10 % + 1 km."""
    larger = max(first_km, second_km)
    return abs(first_km - second_km) > UNITS_RELATIVE * larger + UNITS_SLACK_KM


def parse_quantity(text: str) -> Quantity | None:
    """Parse a distance such as "about 30km (18 miles)", "25-30 miles" or "a few kilometres"."""
    match = _QUANTITY.search(text)
    if match is None:
        return None
    quantity, _ = _quantity_from(match, text)
    return quantity


def _quantity_from(match: re.Match[str], text: str) -> tuple[Quantity, int]:
    """The quantity a regex match describes and where its surface (with conversion) ends."""
    factor = _unit_km(match["unit"])
    qualifier = _QUALIFIERS.get(re.sub(r"\s+", " ", (match["qual"] or "").lower()), EXACT)
    end = match.end()
    if match["vague"]:
        amount = VAGUE_AMOUNTS[re.sub(r"\s+", " ", match["vague"].lower())] * factor
        return Quantity(amount, amount, amount, VAGUE, vague=True), end
    if match["blo"]:
        low, high = _number(match["blo"]) * factor, _number(match["bhi"]) * factor
    else:
        low = _number(match["lo"]) * factor
        high = _number(match["hi"]) * factor if match["hi"] else low
    low, high = min(low, high), max(low, high)
    if high > low and qualifier == EXACT:
        qualifier = RANGE
    km = (low + high) / 2.0
    second_km: float | None = None
    disagree = False
    for pattern in (_SECOND_PAREN, _SECOND_OR):
        second = pattern.match(text, end)
        if second and _system(second["unit"]) != _system(match["unit"]):
            second_factor = _unit_km(second["unit"])
            second_low = _number(second["lo"]) * second_factor
            second_high = _number(second["hi"]) * second_factor if second["hi"] else second_low
            second_km = (second_low + second_high) / 2.0
            disagree = units_disagree(km, second_km)
            end = second.end()
            break
    return Quantity(km, low, high, qualifier, False, disagree, second_km), end


def claim_bounds(claim: Claim) -> tuple[float, float]:
    """The straight-line distances (km) a claim allows before tolerance: (low, high)."""
    quantity = parse_quantity(claim.claimed_text)
    low, high = (quantity.low_km, quantity.high_km) if quantity else (claim.claimed_km,) * 2
    if not quantity or abs(quantity.km - claim.claimed_km) > 1e-6:
        low = high = claim.claimed_km
    if claim.qualifier == AT_MOST:
        return 0.0, high
    if claim.qualifier == AT_LEAST:
        return low, math.inf
    if claim.qualifier == ROAD:
        return low / ROAD_FACTOR, high
    return low, high
