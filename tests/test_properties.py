"""Property-based tests: random and adversarial text (and random gazetteer names) through
the text pipeline raise nothing but the project's own errors, and spans stay valid.

The default run tries ``GEO_FUZZ_EXAMPLES`` (100) examples per property; the long run
(``bench/fuzz_long.py``) sets it to 10,000.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from geo.errors import GeoError
from geo.gazetteer._gazetteer import Gazetteer, default_gazetteer_path, read_curated
from geo.gazetteer._names import fold, match_form
from geo.models import Article, Mention, Place
from geo.text._articles import Skipped, decode, detect_dateline, iter_articles, split_front_matter

EXAMPLES = int(os.environ.get("GEO_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CURATED = read_curated(default_gazetteer_path())
NAMES = sorted({name for p in CURATED for name in (p.name, *p.aliases)})

#: Words and marks the stages key on, to reach their rules rather than only random noise.
TOKENS = (
    "moved",
    "from",
    "to",
    "towards",
    "via",
    "through",
    "withdrew",
    "pulled out of",
    "left",
    "entered",
    "occupied",
    "seized",
    "took",
    "checkpoint",
    "checkpoints",
    "set up",
    "near",
    "outside",
    "north",
    "south-east",
    "west of",
    "of",
    "km",
    "kilometres",
    "km.",
    "miles",
    "mi",
    "about",
    "some",
    "roughly",
    "up to",
    "between",
    "and",
    "a few",
    "Russian",
    "Georgian",
    "Ossetian",
    "troops",
    "forces",
    "tanks",
    "column",
    "did not",
    "never",
    "may",
    "will",
    "could",
    "denied",
    "said",
    "claimed",
    "according to",
    "on Monday",
    "Tuesday",
    "last week",
    "Aug 7-8",
    "19 August 2008",
    "yesterday",
    "two days later",
    "in March",
    "the capital",
    "the city",
    "its",
    "there",
    "(",
    ")",
    ",",
    ".",
    ";",
    ":",
    '"',
    "'",
    "’",
    "\n",
    "\n\n",
    "\r\n",
    "—",
    "-",
    "–",
    "…",
    "?",
    "!",
    "<b>",
    "</script>",
    "&amp;",
    "\t",
    "\u200b",
    "\u202e",
    "e\u0301",
    "ﬁ",
    "İ",
    "ß",
    "🚀",
    "---",
    "Mr.",
    "U.S.",
    "St.",
)
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "1,000",
            "1.5",
            "30-40",
            "25–30",
            "1e309",
            "NaN",
            "inf",
            "½",
            "٣٠",
            "３０",
            "0",
            "00",
            "99999999999999999999999",
            "3,000,000,000,000,000,000,000",
            "-5",
            ".5",
            "5.",
        ]
    ),
)
UNITS = ("km", "kilometres", "kilometers", "miles", "mile", "mi", "nautical miles", "metres", "m")
DISTANCES = st.builds(
    "{}{}{}{} {}".format,
    st.sampled_from(["", "about ", "some ", "nearly ", "up to ", "more than ", "a few "]),
    st.one_of(NUMBERS, st.sampled_from(["1/0", "3/4", "1 1/2", "twenty-five", "a dozen"])),
    st.sampled_from(["", " ", "-", "\u00a0"]),
    st.sampled_from(UNITS),
    st.one_of(st.just(""), st.builds("({} {})".format, NUMBERS, st.sampled_from(UNITS))),
)
WORDS = st.one_of(
    DISTANCES,
    st.sampled_from(TOKENS),
    st.sampled_from(NAMES),
    st.sampled_from(NAMES).map(str.upper),
    NUMBERS,
    st.text(max_size=6),
)
ADVERSARIAL = st.lists(WORDS, max_size=80).map(" ".join)
GLUED = st.lists(WORDS, max_size=40).map("".join)  # no spaces: names inside other words
TEXT = st.one_of(ADVERSARIAL, GLUED, st.text(max_size=300))
DATES = st.one_of(st.none(), st.dates(min_value=date(1, 1, 8), max_value=date(9999, 12, 24)))


def own_errors_only(function: Any, *args: Any) -> Any:
    """Call ``function``; a GeoError is an allowed outcome (None), anything else fails."""
    try:
        return function(*args)
    except GeoError:
        return None


# -- reading ----------------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=600))
def test_decode_gives_text_or_an_article_error(data: bytes) -> None:
    text = own_errors_only(decode, data, "fuzz")
    assert text is None or isinstance(text, str)


@FUZZ
@given(st.one_of(st.text(max_size=200).map(lambda t: "---\n" + t), TEXT))
def test_front_matter_splits_or_is_an_article_error(text: str) -> None:
    split = own_errors_only(split_front_matter, text, "fuzz")
    if split is not None:
        meta, body = split
        assert isinstance(meta, dict) and text.endswith(body)


@FUZZ
@given(TEXT)
def test_dateline_detection_never_raises(text: str) -> None:
    found, agency = detect_dateline(text)
    assert found is None or isinstance(found, date)
    assert agency is None or isinstance(agency, str)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
RECORDS = st.fixed_dictionaries(
    {"text": st.one_of(TEXT, JSON_VALUES)},
    optional={
        "id": JSON_VALUES,
        "published": st.one_of(st.text(max_size=20), JSON_VALUES),
        "source": JSON_VALUES,
        "title": JSON_VALUES,
    },
).map(lambda r: json.dumps(r).encode())
LINES = st.one_of(
    RECORDS, st.binary(max_size=80), JSON_VALUES.map(lambda v: json.dumps(v).encode())
)


@FUZZ
@given(st.lists(LINES, max_size=8))
def test_every_jsonl_line_is_an_article_or_a_skip(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines))
        items = list(iter_articles([path]))
    assert all(isinstance(i, Article | Skipped) for i in items)
    assert len(items) <= len(lines)


# -- names and sentences ------------------------------------------------------------------
@FUZZ
@given(TEXT)
def test_fold_is_idempotent_and_match_form_keeps_offsets(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert len(match_form(text)) == len(text)


@FUZZ
@given(TEXT)
def test_sentences_are_exact_slices_in_order(text: str) -> None:
    from geo.text._sentences import split_sentences

    previous_end = 0
    for sentence in split_sentences(text):
        assert previous_end <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start : sentence.end] == sentence.text
        previous_end = sentence.end


@FUZZ
@given(TEXT, DATES, DATES)
def test_date_expressions_resolve_or_stay_unknown(
    text: str, published: date | None, anchor: date | None
) -> None:
    from geo.text._dates import find_dates

    found = own_errors_only(find_dates, text, published, anchor) or []
    for mention in found:
        assert 0 <= mention.start <= mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.text


@FUZZ
@given(st.one_of(DISTANCES, TEXT))
def test_distance_quantities_parse_or_are_refused(text: str) -> None:
    from geo.claims._quantities import Quantity, parse_quantity

    quantity = own_errors_only(parse_quantity, text)
    assert quantity is None or isinstance(quantity, Quantity)


# -- the per-article stages -------------------------------------------------------------------
@pytest.fixture(scope="module")
def curated_analyser() -> Any:
    from geo.engine._parallel import Analyser

    return Analyser(Gazetteer(CURATED))


def check_spans(article: Article, output: Any) -> None:
    text = article.text
    for mention in output.mentions:
        assert 0 <= mention.start <= mention.end <= len(text), mention
        assert mention.doc == article.doc
    for item in (*output.events, *output.claims):
        assert 0 <= item.char_start <= item.char_end <= len(text), item


@FUZZ
@given(TEXT, DATES)
def test_stages_on_adversarial_text_raise_only_own_errors(
    curated_analyser: Any, text: str, published: date | None
) -> None:
    article = Article(doc="fuzz", text=text, published=published)
    output = own_errors_only(curated_analyser, article)
    event("refused with a GeoError" if output is None else "analysed")
    if output is not None:
        event(f"mentions found: {min(len(output.mentions), 3)}{'+' * (len(output.mentions) > 2)}")
        check_spans(article, output)
        from geo.claims._conflicts import check_claims

        own_errors_only(check_claims, list(output.claims))


GAZETTEER_NAMES = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=25).filter(
    lambda n: bool(n.strip())
)


@settings(
    max_examples=EXAMPLES if EXAMPLES >= 1000 else max(25, EXAMPLES // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(GAZETTEER_NAMES, min_size=1, max_size=12, unique_by=fold), st.data())
def test_random_gazetteer_names_are_found_or_ignored_without_crashing(
    names: list[str], data: st.DataObject
) -> None:
    from geo.engine._parallel import Analyser

    places = [
        Place(
            id=f"z-{i}",
            name=name,
            lat=data.draw(st.floats(-90, 90)),
            lon=data.draw(st.floats(-180, 180)),
            kind=data.draw(st.sampled_from(["city", "town", "village", "region", "country"])),
            country="ZZ",
            curated=True,
            source="fuzz",
        )
        for i, name in enumerate(names)
    ]
    places.append(Place("z-ref", "Capitalton", 10.0, 10.0, "city", "ZZ", source="f", curated=True))
    gazetteer = Gazetteer(places)
    words = data.draw(st.lists(st.one_of(st.sampled_from(names), WORDS), max_size=40))
    article = Article(doc="fuzz", text=" ".join(words))
    output = own_errors_only(Analyser(gazetteer), article)
    if output is not None:
        check_spans(article, output)
        known = {p.id for p in places}
        for mention in output.mentions:
            assert isinstance(mention, Mention)
            assert mention.place is None or mention.type == "demonym" or mention.place.id in known
