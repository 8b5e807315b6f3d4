"""The event extractor (geo.events._events) on sentences written for these tests.

Mentions come from a test helper over the curated gazetteer (tests/event_support.py), so
these tests do not depend on the toponym stage.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from event_support import DEVSET, article, events_of, find_mentions, load_devset, score

from geo.errors import GeoValueError
from geo.events._events import extract_events, extract_frames
from geo.events._rules import load_lexicon, read_actors
from geo.models import Event, Mention
from geo.text._sentences import split_sentences


def ids(event: Event) -> list[str]:
    return [p.id for p in event.places]


def only(events: list[Event], kind: str) -> Event:
    matching = [e for e in events if e.kind == kind]
    assert len(matching) == 1, [(e.kind, ids(e)) for e in events]
    return matching[0]


# -- sentences ----------------------------------------------------------------------------------
def test_sentence_spans_are_exact_and_abbreviations_hold() -> None:
    text = (
        "Mr. Ivanov met Gen. Petrov on Aug. 9 in the U.S. embassy. Troops left!\n"
        'A caption line\n\nThen they came back? "Yes," he said. The end'
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Mr. Ivanov met Gen. Petrov on Aug. 9 in the U.S. embassy.",
        "Troops left!",
        "A caption line",
        "Then they came back?",
        '"Yes," he said.',
        "The end",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.paragraph for s in sentences] == [0, 0, 0, 1, 1, 1]  # a blank line starts one


def test_abbreviation_followed_by_a_sentence_opener_ends_the_sentence() -> None:
    sentences = split_sentences("Talks were held in the U.S. The troops stayed.")
    assert [s.text for s in sentences] == ["Talks were held in the U.S.", "The troops stayed."]


def test_empty_and_blank_text_have_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


# -- kinds, paths and places --------------------------------------------------------------------
def test_movement_path_origin_waypoints_destination(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "A line of Russian lorries set out from Khashuri, passed through Kareli, went on to Agara "
        "and then on to Java.",
        curated_gazetteer,
    )
    movement = only(events, "movement")
    assert ids(movement) == ["ge-khashuri", "ge-kareli", "ge-agara", "ge-java"]
    assert movement.actor == "Russia"
    assert movement.place_texts == ("Khashuri", "Kareli", "Agara", "Java")


def test_destination_before_origin_in_text_still_orders_the_path(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    movement = only(
        events_of("Georgian units moved to Kaspi from Mtskheta.", curated_gazetteer), "movement"
    )
    assert ids(movement) == ["ge-mtskheta", "ge-kaspi"]


def test_departure_without_destination_is_a_withdrawal_with_its_direction(
    curated_gazetteer,
) -> None:  # type: ignore[no-untyped-def]
    plain = only(events_of("Russian tanks left Zugdidi.", curated_gazetteer), "withdrawal")
    assert ids(plain) == ["ge-zugdidi"] and plain.direction == "outbound"
    north = only(
        events_of("Russian tanks left Zugdidi heading north.", curated_gazetteer), "movement"
    )
    assert north.direction == "north"  # a heading says it goes somewhere
    onward = only(
        events_of("Russian tanks left Zugdidi for Senaki.", curated_gazetteer), "movement"
    )
    assert ids(onward) == ["ge-zugdidi", "ge-senaki"]


@pytest.mark.parametrize(
    ("text", "kind", "places"),
    [
        ("Abkhaz units retreated from Gali.", "withdrawal", ["ge-gali"]),
        ("Russian forces recaptured Kurta overnight.", "occupation", ["ge-kurta"]),
        ("Georgian soldiers entered and held Nikozi.", "occupation", ["ge-nikozi"]),
        ("Russian paratroopers took over the air base at Senaki.", "occupation", ["ge-senaki"]),
        ("Ossetian fighters kept a roadblock at Eredvi.", "checkpoint", ["ge-eredvi"]),
        ("Russian troops were blocking the highway near Khashuri.", "checkpoint", ["ge-khashuri"]),
        ("Russia stationed tanks in Akhalgori.", "position", ["ge-akhalgori"]),
        ("Russian artillery positions outside Kaspi were visible.", "position", ["ge-kaspi"]),
        ("Georgia and Abkhazia traded prisoners at Ganmukhuri.", "exchange", ["ge-ganmukhuri"]),
        ("A handover of Georgian detainees took place in Ergneti.", "exchange", ["ge-ergneti"]),
        ("Russian bombers struck Gori.", "attack", ["ge-gori"]),
        ("Georgian gunners fired on Tskhinvali.", "attack", ["ge-tskhinvali"]),
    ],
)
def test_each_kind(curated_gazetteer, text: str, kind: str, places: list[str]) -> None:  # type: ignore[no-untyped-def]
    event = only(events_of(text, curated_gazetteer), kind)
    assert ids(event) == places


def test_precision_named_near_and_region(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    named = only(events_of("Russian troops occupied Kareli.", curated_gazetteer), "occupation")
    near = only(
        events_of("Russian troops dug in on the outskirts of Kareli.", curated_gazetteer),
        "position",
    )
    villages = only(
        events_of("Russian troops occupied villages around Kareli.", curated_gazetteer),
        "occupation",
    )
    region = only(
        events_of("Russian troops moved into western Georgia.", curated_gazetteer), "movement"
    )
    area = only(events_of("Russian troops massed in South Ossetia.", curated_gazetteer), "position")
    assert (named.geo_precision, near.geo_precision, villages.geo_precision) == (1, 2, 2)
    assert (region.geo_precision, area.geo_precision) == (3, 3)


def test_apposition_and_relative_clause_add_no_places(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "Russian units left Kaspi, a town between Gori and Mtskheta, to go to Kareli, which lies "
        "west of Khashuri.",
        curated_gazetteer,
    )
    assert [ids(e) for e in events] == [["ge-kaspi", "ge-kareli"]]


def test_places_in_a_distance_phrase_are_not_event_places(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "Russian checkpoints stood about 40 km (25 miles) from Rustavi.", curated_gazetteer
    )
    checkpoint = only(events, "checkpoint")
    assert checkpoint.places == () and checkpoint.actor == "Russia"
    assert checkpoint.geo_precision == 3
    located = only(
        events_of("A Russian checkpoint at Agara, 30 km from Gori, was manned.", curated_gazetteer),
        "checkpoint",
    )
    assert ids(located) == ["ge-agara"]


def test_unplaced_event_without_a_distance_is_dropped(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    assert events_of("Russian checkpoints appeared overnight.", curated_gazetteer) == []


def test_coordinated_places_give_one_event_each(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of("Russian troops shelled Kurta, Achabeti and Kekhvi.", curated_gazetteer)
    assert sorted(ids(e)[0] for e in events) == ["ge-achabeti", "ge-kekhvi", "ge-kurta"]


# -- actors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Russia's troops moved into Khobi.", "Russia"),
        ("Moscow's forces moved into Khobi.", "Russia"),
        ("The Kremlin sent troops into Khobi.", "Russia"),
        ("Georgian tanks moved into Khobi.", "Georgia"),
        ("South Ossetian militia moved into Khobi.", "South Ossetia"),
        ("Militiamen moved into Khobi.", "militia"),
        ("Ukrainian peacekeepers moved into Khobi.", "Ukraine"),
        ("Peacekeepers moved into Khobi.", "peacekeepers"),
        ("EU monitors moved into Khobi.", "EU"),
        ("The OSCE said its observers had moved into Khobi.", "OSCE"),
    ],
)
def test_actor_normalisation(curated_gazetteer, text: str, actor: str) -> None:  # type: ignore[no-untyped-def]
    assert only(events_of(text, curated_gazetteer), "movement").actor == actor


def test_actor_comes_from_the_clause_not_the_nearest_adjective(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    event = only(
        events_of(
            "Georgian villagers watched as Russian armoured vehicles rolled into Kareli.",
            curated_gazetteer,
        ),
        "movement",
    )
    assert event.actor == "Russia"
    event = only(
        events_of(
            "Russian officials said Georgian troops had shelled Tskhinvali.", curated_gazetteer
        ),
        "attack",
    )
    assert event.actor == "Georgia"


def test_people_who_travel_are_not_troop_movements(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The Georgian president flew to Kutaisi, and the Russian envoy arrived in Sukhumi "
        "on Monday."
    )
    assert events_of(text, curated_gazetteer) == []


def test_seat_of_government_and_signature_are_not_troop_places(gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Moscow said on Monday that talks in Brussels would resume, while Russian tanks rolled "
        "into Kareli.\nAnna, London"
    )
    events = events_of(text, gazetteer)
    assert [(e.actor, ids(e)) for e in events] == [("Russia", ["ge-kareli"])]


# -- status -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Russian troops entered Kutaisi.", "reported"),
        ("Correspondents saw Russian troops enter Kutaisi.", "reported"),
        ("Georgia says Russian troops entered Kutaisi.", "claimed"),
        ("Russian troops entered Kutaisi, according to the Georgian interior ministry.", "claimed"),
        ("Russian troops entered Kutaisi, a Georgian spokesman said.", "claimed"),
        ("Moscow denied that Russian troops entered Kutaisi.", "denied"),
        ("Russian troops will enter Kutaisi within two days.", "planned"),
        ("Russian troops are due to pull out of Kutaisi by Friday.", "planned"),
        ("The accord allows Russian troops to patrol Kutaisi.", "planned"),
        ("Russian troops could enter Kutaisi at any time.", "hypothetical"),
        ("Analysts believe Russian troops may move into Kutaisi.", "hypothetical"),
        ("If Russian troops enter Kutaisi, the talks will end.", "hypothetical"),
    ],
)
def test_status(curated_gazetteer, text: str, status: str) -> None:  # type: ignore[no-untyped-def]
    events = events_of(text, curated_gazetteer)
    assert len(events) == 1, events
    assert events[0].status == status
    assert ids(events[0]) == ["ge-kutaisi"]


@pytest.mark.parametrize(
    "text",
    [
        "Russian troops did not enter Kutaisi.",
        "Russian troops never reached Kutaisi.",
        "Russian troops have yet to leave Kutaisi.",
        "Russian troops didn't try to enter Kutaisi.",
        "There were no Russian checkpoints in Kutaisi.",
        "Police prevented Russian troops from entering Kutaisi.",
        "NATO urged Russia to pull its troops out of Kutaisi.",
        "Washington demanded that Moscow withdraw its forces from Kutaisi.",
    ],
)
def test_negation_and_demands_give_no_event(curated_gazetteer, text: str) -> None:  # type: ignore[no-untyped-def]
    assert events_of(text, curated_gazetteer) == []


def test_negation_is_scoped_to_its_own_verb(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "Russian troops did not stop in Kareli but moved on to Khashuri.", curated_gazetteer
    )
    assert [ids(e) for e in events if e.kind == "movement"] == [["ge-khashuri"]]
    option = only(
        events_of("Russia does not rule out taking Kutaisi.", curated_gazetteer), "occupation"
    )
    assert option.status == "hypothetical"


# -- dates --------------------------------------------------------------------------------------
def test_dates_of_events(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "Russian troops left Kutaisi on Sunday.": (date(2008, 8, 17), "day"),
        "On Friday, Georgian police entered Kaspi.": (date(2008, 8, 15), "day"),
        "Russian troops left Kutaisi at the weekend.": (date(2008, 8, 16), "week"),
        "Russian troops occupied Kutaisi last week.": (date(2008, 8, 11), "week"),
        "Russian troops occupied Kutaisi earlier this month.": (date(2008, 8, 1), "month"),
        # no date of its own: the report's date, said as such
        "Russian troops occupied Kutaisi.": (date(2008, 8, 19), "report"),
        "Russian troops are now stationed in Kutaisi.": (date(2008, 8, 19), "day"),
    }
    for text, (expected, precision) in cases.items():
        event = events_of(text, curated_gazetteer)[0]
        assert (event.date, event.date_precision) == (expected, precision), text


def test_date_of_a_watched_scene_comes_from_the_matrix_clause(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    event = only(
        events_of(
            "Journalists looked on Monday as Russian tanks drove out of Kareli.", curated_gazetteer
        ),
        "movement",
    )
    assert event.date == date(2008, 8, 18)


def test_date_in_a_relative_clause_is_not_the_main_event_date(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "Russian tanks left Kareli, which they had seized on 12 August.", curated_gazetteer
    )
    departure = only(events, "withdrawal")
    occupation = only(events, "occupation")
    assert (departure.date, departure.date_precision) == (date(2008, 8, 19), "report")
    assert occupation.date == date(2008, 8, 12) and ids(occupation) == ["ge-kareli"]


def test_without_publication_date_relative_dates_stay_unknown(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    event = events_of("Russian troops left Kutaisi on Sunday.", curated_gazetteer, published=None)[
        0
    ]
    assert event.date is None and event.date_precision == "unknown"


# -- discourse ----------------------------------------------------------------------------------
def test_pronoun_continues_a_departure_into_a_line(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "A Russian convoy pulled out of Zugdidi on Monday. "
        "Its commander said they were bound for Senaki.",
        curated_gazetteer,
    )
    lines = [e for e in events if len(e.places) == 2]
    assert len(lines) == 1
    assert ids(lines[0]) == ["ge-zugdidi", "ge-senaki"]
    assert lines[0].actor == "Russia" and lines[0].date == date(2008, 8, 18)
    assert "continuation" in lines[0].rule


def test_definite_event_noun_takes_actor_from_the_previous_sentence(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    events = events_of(
        "Russia and Georgia swapped prisoners on Sunday. "
        "Officials said the swap in Ergneti went smoothly.",
        curated_gazetteer,
    )
    exchange = only(events, "exchange")
    assert exchange.actor == "Georgia & Russia" and ids(exchange) == ["ge-ergneti"]
    assert exchange.date == date(2008, 8, 17)


# -- evidence -----------------------------------------------------------------------------------
def test_every_event_carries_its_evidence(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = "Calm returned.\nRussian tanks rolled into Khobi on Saturday. Nothing else moved."
    event = only(events_of(text, curated_gazetteer, doc="doc-7"), "movement")
    assert event.quote == "Russian tanks rolled into Khobi on Saturday."
    assert text[event.char_start : event.char_end] == event.quote
    assert event.doc == "doc-7" and event.source == "test"
    assert event.rule.startswith("movement:")
    assert 0.0 < event.confidence <= 1.0


def test_demonym_mentions_from_the_toponym_stage_are_actors_not_places(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = "Grenlandic observers moved into Kareli."  # a demonym only the gazetteer knows
    mentions = [
        *find_mentions(text, curated_gazetteer),
        Mention("t", "Grenlandic", 0, 10, curated_gazetteer.get("ge-georgia"), type="demonym"),
    ]
    event = only(extract_events(article(text), mentions), "movement")
    assert event.actor == "Georgia" and ids(event) == ["ge-kareli"]


def test_place_inside_a_hyphenated_word_is_not_a_place(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = "Russian troops attacked Gori-based units."
    mentions = [Mention("t", "Gori", 24, 28, curated_gazetteer.get("ge-gori"))]
    assert extract_events(article(text), mentions) == []


def test_frames_keep_unplaced_clauses_for_linking(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = "Russia and Georgia exchanged prisoners."
    frames = extract_frames(article(text), find_mentions(text, curated_gazetteer))
    assert [(f.kind, f.actor, f.places) for f in frames] == [("exchange", "Georgia & Russia", [])]
    assert extract_events(article(text), find_mentions(text, curated_gazetteer)) == []


def test_empty_article_has_no_events() -> None:
    assert extract_events(article(""), []) == []
    assert extract_events(article("\n\n"), []) == []


# -- data files ---------------------------------------------------------------------------------
def test_lexicon_loads_and_covers_every_kind() -> None:
    lexicon = load_lexicon()
    assert {t.kind for t in lexicon.triggers} == {
        "movement",
        "withdrawal",
        "occupation",
        "checkpoint",
        "position",
        "exchange",
        "attack",
    }
    assert lexicon.actor_for("moscow") is not None and lexicon.actor_for("moscow").actor == "Russia"  # type: ignore[union-attr]
    assert lexicon.actor_for("us") is None  # case-sensitive entry: only "US"


def test_bad_lexicon_fails_with_the_entry_named(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("triggers:\n  - {kind: teleport, forms: [zap]}\n", encoding="utf-8")
    with pytest.raises(GeoValueError, match=r"triggers\[0\]\.kind"):
        load_lexicon(bad)
    actors = tmp_path / "actors.csv"
    actors.write_text("term,actor,type,case_sensitive\nRussia,Russia,planet,no\n", encoding="utf-8")
    with pytest.raises(GeoValueError, match="line 2"):
        read_actors(actors)


# -- the development set ------------------------------------------------------------------------
def test_development_set_is_large_and_varied() -> None:
    cases = load_devset()
    assert len(cases) >= 40
    kinds = {e["kind"] for c in cases for e in c["events"]}
    statuses = {e.get("status", "reported") for c in cases for e in c["events"]}
    assert kinds == {
        "movement",
        "withdrawal",
        "occupation",
        "checkpoint",
        "position",
        "exchange",
        "attack",
    }
    assert statuses == {"reported", "claimed", "denied", "planned", "hypothetical"}
    assert sum(1 for c in cases if not c["events"]) >= 5


def test_development_set_precision_and_recall(gazetteer) -> None:  # type: ignore[no-untyped-def]
    result = score(load_devset(), gazetteer)
    print(
        f"devset: precision {result['precision']:.3f} recall {result['recall']:.3f} "
        f"(tp {result['tp']}, fp {result['fp']}, fn {result['fn']}), "
        f"date accuracy {result['date_accuracy']:.3f} over {result['dates_checked']}"
    )
    assert result["forbidden"] == 0, result["failures"]
    assert result["precision"] >= 0.9, result["failures"]
    assert result["recall"] >= 0.9, result["failures"]
    assert result["date_accuracy"] >= 0.9, result["failures"]


def test_held_out_set_still_scores(gazetteer) -> None:  # type: ignore[no-untyped-def]
    result = score(load_devset(DEVSET.parent / "heldout.yaml"), gazetteer)
    assert result["forbidden"] == 0, result["failures"]
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9, result["failures"]


def test_dateline_is_not_the_subject(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    event = only(
        events_of("KUTAISI, Georgia - Russian paratroopers drove into Kutaisi.", curated_gazetteer),
        "movement",
    )
    assert event.actor == "Russia"


def test_addressee_is_not_the_subject_and_a_restatement_joins_the_path(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Russian trucks drove out of Kaspi on Monday, heading to Mtskheta and then on to Zhinvali "
        "Dam. An officer told reporters his men were bound for Mtskheta in Georgia."
    )
    events = events_of(text, curated_gazetteer)
    paths = sorted(ids(e) for e in events)
    assert paths == [
        ["ge-kaspi", "ge-mtskheta"],
        ["ge-kaspi", "ge-mtskheta", "ge-zhinvali-dam"],
    ]
    restated = next(e for e in events if len(e.places) == 2)
    assert restated.actor == "Russia" and restated.date == date(2008, 8, 18)


def test_a_place_after_in_refines_rather_than_adds(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    event = only(
        events_of("Georgian troops moved to Zugdidi in Georgia.", curated_gazetteer), "movement"
    )
    assert ids(event) == ["ge-zugdidi"]


# -- the fast path skips sentences without a trigger -------------------------------------
def test_trigger_prefilter() -> None:
    from geo.events._triggers import may_contain_trigger

    lexicon = load_lexicon()
    assert may_contain_trigger("Russian troops withdrew from the town.", lexicon)
    assert may_contain_trigger("RUSSIAN TROOPS WITHDREW.", lexicon)
    assert not may_contain_trigger("The ministers met and spoke for an hour.", lexicon)
    assert not may_contain_trigger("", lexicon)


def test_date_in_a_sentence_without_trigger_still_anchors_later_ones(curated_gazetteer) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The truce was signed on 12 August. Officials praised it.\n"
        "Two days later Russian troops withdrew from Gori."
    )
    found = events_of(text, curated_gazetteer)
    assert len(found) == 1
    assert found[0].date == date(2008, 8, 14)


def test_split_sentences_returns_a_fresh_list() -> None:
    text = "One convoy left. Another one came."
    first = split_sentences(text)
    first.clear()
    assert [s.text for s in split_sentences(text)] == ["One convoy left.", "Another one came."]


# -- the document scan only skips what could not match ---------------------------------------
def test_document_scan_keeps_sentences_with_a_trigger_word_of_their_own() -> None:
    from geo.events._triggers import scan_document

    lexicon = load_lexicon()
    text = (
        "The leftist bloc met in the capital. Rebels left the town at dawn.\n"
        "A handover ceremony was short. Their convoy didn't move. Tanks pulled back.\n"
        "Nobody was in charge. The army was in control of the bridge. Observers from the "
        "U.S. and OSCE watched."
    )
    sentences = split_sentences(text)
    candidates, actor_at = scan_document(text, sentences, lexicon)
    assert [sentences[k].text for k in candidates] == [
        "Rebels left the town at dawn.",
        "A handover ceremony was short.",
        "Their convoy didn't move.",
        "Tanks pulled back.",
        "The army was in control of the bridge.",
    ]
    assert actor_at is not None
    starts = {text[k : k + 4] for k in actor_at}
    assert {"Rebe", "U.S.", "OSCE", "Obse"} <= starts


def _random_text(rng: Any, words: list[str]) -> str:
    """Short sentences of plain words around one trigger word or actor name, which is
    changed now and then (case, "n't" or an odd character around or inside it)."""
    plain = ["the", "troops", "said", "town", "on", "of", "they", "a", "12"]
    odd = ["_", "-", "'", "’", "é", "\u00a0", "\n", "(", "5", "\u0130", "\u017f"]
    sentences = []
    for _ in range(rng.randrange(1, 5)):
        word = rng.choice(words)
        change = rng.random()
        if change < 0.15:
            word = word.upper() if rng.random() < 0.5 else word.capitalize()
        elif change < 0.3:
            word += rng.choice(["n't", "n’t", "'s", "’s"])
        elif change < 0.4:
            word = word.replace("k", "\u212a").replace("s", "\u017f")
        elif change < 0.6:
            cut = rng.choice([0, len(word), rng.randrange(len(word) + 1)])
            word = word[:cut] + rng.choice(odd) + word[cut:]
        parts = [rng.choice(plain) for _ in range(rng.randrange(0, 4))]
        parts.insert(rng.randrange(len(parts) + 1), word)
        sentences.append(" ".join(parts) + rng.choice([". ", "! ", "\n"]))
    return "".join(sentences)


def test_document_scan_misses_no_trigger_and_no_actor_name() -> None:
    import random

    from geo.events._triggers import find_triggers, scan_document
    from geo.events._units import build_units, unit_spans

    lexicon = load_lexicon()
    words = sorted({w for spec in lexicon.triggers for slot in spec.slots if slot for w in slot})
    words += [entry.term for entry in lexicon.actors]
    rng = random.Random(3)
    for _ in range(600):
        text = _random_text(rng, words)
        sentences = split_sentences(text)
        candidates, actor_at = scan_document(text, sentences, lexicon)
        for sentence in sentences:
            units = build_units(text, sentence, [], lexicon)
            if find_triggers(units, lexicon):
                assert sentence.index in candidates, sentence.text
            fast = unit_spans(text, sentence, [], lexicon, actor_at=actor_at)
            assert fast == unit_spans(text, sentence, [], lexicon), sentence.text


# -- sentences that cannot reach an event are skipped, and nothing else ------------------------
_PLACELESS = [
    "The troops moved on at first light.",
    "Russian forces advanced again on Monday.",
    "They withdrew after two days.",
    "A second column followed them.",
    "Officials said nothing had changed.",
    "The soldiers took up positions nearby.",
    "Georgian units pulled back overnight.",
    "It was quiet.",
    "Nothing else was reported.",
]
#: Sentences with places and no actor of their own, which take one from earlier sentences.
_ACTORLESS = [
    "They entered Gori in the afternoon.",
    "The column then reached Kaspi.",
    "The convoy left Senaki for Poti.",
    "Later they took control of the bridge near Igoeti.",
]


def test_extract_events_skips_only_sentences_that_cannot_reach_an_event(
    curated_gazetteer: Any,
) -> None:
    import random

    from geo.events._events import _keep

    rng = random.Random(11)
    with_places = [case["text"] for case in load_devset()] + _ACTORLESS * 10
    for round_ in range(150):
        parts = [rng.choice(with_places) for _ in range(rng.randrange(1, 4))]
        parts += [rng.choice(_PLACELESS) for _ in range(rng.randrange(0, 9))]
        rng.shuffle(parts)
        text = " ".join(parts) if round_ % 2 else "\n\n".join(parts)
        source = article(text)
        mentions = find_mentions(text, curated_gazetteer)
        every = [f for f in extract_frames(source, mentions) if _keep(f)]
        needed = [f for f in extract_frames(source, mentions, placeless=False) if _keep(f)]
        assert needed == every, text


def test_discourse_links_look_back_a_few_sentences_not_the_whole_document(
    curated_gazetteer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import geo.events._events as events

    longest = 0
    real = events._recent

    def measuring(memory, frame, window):  # type: ignore[no-untyped-def]
        nonlocal longest
        longest = max(longest, len(memory))
        return real(memory, frame, window)

    monkeypatch.setattr(events, "_recent", measuring)
    text = "Russian troops left Gori. They entered Kareli. " * 150
    frames = events.extract_frames(article(text), find_mentions(text, curated_gazetteer))
    assert len(frames) >= 300
    assert longest <= 20  # the frames of the last few sentences (was every earlier one)
    assert frames[-1].actor == "Russia"  # "They" still inherits its actor
