"""Reports of other wars: their forces named (the world's states and the non-state forces
of these wars, as data in ``geo/data/actors.csv``), their aims kept apart from facts."""

from __future__ import annotations

import pytest

import geo
from geo.events._rules import load_lexicon
from geo.events._triggers import _document_scan


def test_every_actor_name_keeps_the_fast_document_scan() -> None:
    """A non-ASCII actor name would switch the scan off for every document."""
    assert _document_scan(load_lexicon()) is not None


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Islamic State militants seized Mosul on Sunday.", "Islamic State"),
        ("ISIL fighters seized Mosul on Sunday.", "Islamic State"),
        ("The Rapid Support Forces entered Omdurman on Monday.", "RSF"),
        ("Houthi fighters withdrew from Aden on Monday.", "Houthis"),
        ("Malian troops entered Gao on Monday.", "Mali"),
        ("Azerbaijani forces shelled Stepanakert on Monday.", "Azerbaijan"),
        ("The Syrian Democratic Forces pulled out of Manbij on Monday.", "SDF"),
    ],
)
def test_forces_of_other_wars_are_named(text: str, actor: str) -> None:
    events = geo.extract(text, published="2020-06-02").events
    assert list(events["actor"]) == [actor], text


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Rebels launched an offensive to capture Homs on Monday.", "hypothetical"),
        ("Government forces pushed north in a bid to retake Idlib.", "hypothetical"),
        ("Rebels captured Homs on Monday.", "reported"),
    ],
)
def test_an_aim_is_not_a_fact(text: str, status: str) -> None:
    events = geo.extract(text, published="2020-06-02").events
    occupations = events[events["kind"] == "occupation"]
    assert list(occupations["status"]) == [status], text


def test_what_monitors_could_not_do_is_no_event() -> None:
    result = geo.extract("The monitors were unable to travel to Kherson.", published="2022-06-02")
    assert result.events.empty and list(result.places["name"]) == ["Kherson"]


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Turkish-backed Syrian rebels captured Afrin on Sunday.", "Syrian rebels"),
        ("Russia-backed separatists seized Donetsk on Sunday.", "separatists"),
        ("Syrian troops captured Aleppo on Sunday.", "Syria"),
        ("Russian peacekeepers stayed in Stepanakert on Sunday.", "Russia"),
        ("Rebels in eastern Ukraine seized Donetsk on Sunday.", "rebels"),
    ],
)
def test_a_group_against_the_state_is_not_the_state(text: str, actor: str) -> None:
    """A backer ("Turkish-backed") is not the force; "Syrian rebels" fight Syria's
    government, while "Russian peacekeepers" are Russia's."""
    events = geo.extract(text, published="2019-01-07").events
    assert list(events["actor"]) == [actor], text


@pytest.mark.parametrize(
    "text",
    [
        "Jones hit the tying three-pointer in Memphis on Saturday.",
        "The jackpot was hit by a ticket sold in Addis Ababa on Friday.",
        "The city deployed salt trucks across Toronto overnight.",
        "The singer moved to Austin last year.",
        "Leeds held Fulham to a draw on Saturday.",
    ],
)
def test_sport_lottery_and_daily_life_are_no_events(text: str) -> None:
    assert geo.extract(text, published="2018-02-03").events.empty, text


def test_an_armed_sentence_still_gives_its_event() -> None:
    events = geo.extract("Rebel fighters hit Homs with rockets on Friday.", published="2018-02-03")
    assert list(events.events["kind"]) == ["attack"]


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        # the force that leads is the actor; the one that backs is not
        ("French-led troops recaptured Timbuktu on Sunday.", "France"),
        ("Iraqi troops backed by U.S.-led air power retook Ramadi on Sunday.", "Iraq"),
        ("Turkish-backed Syrian fighters entered Tal Abyad on Sunday.", "Syrian fighters"),
        # a named group owned by a state is the group, not the state
        ("Russia's Wagner Group seized Soledar on Sunday.", "Wagner Group"),
        ("Sudan's paramilitary Rapid Support Forces entered Nyala on Sunday.", "RSF"),
        # siding with a state is not being it
        ("Pro-Russian gunmen seized Sloviansk on Sunday.", "pro-Russian forces"),
        # forces of these wars named in the actors data
        ("M23 rebels entered Goma on Sunday.", "M23"),
        ("Tigrayan forces captured Dessie on Sunday.", "TPLF"),
        ("The IDF withdrew from Khan Younis on Sunday.", "Israel"),
    ],
)
def test_leaders_backers_owners_and_partisans(text: str, actor: str) -> None:
    events = geo.extract(text, published="2020-06-02").events
    assert list(events["actor"]) == [actor], text


def test_the_army_of_a_report_is_its_countrys_when_the_country_is_named() -> None:
    text = (
        "Fighting spread across Sudan on Thursday. The army pulled back to Babanusa on "
        "Thursday after losing el-Fula."
    )
    events = geo.extract(text, published="2024-06-21").events
    to_babanusa = events[events["places"].map(lambda names: names[-1].startswith("Baban"))]
    pairs = zip(to_babanusa["kind"], to_babanusa["actor"], strict=True)
    assert list(pairs) == [("withdrawal", "Sudan")]
    # with no country named, "the army" stays nobody's rather than a guess
    bare = geo.extract("The army pulled back to Babanusa on Thursday.", published="2024-06-21")
    assert list(bare.events["actor"]) == [None]
