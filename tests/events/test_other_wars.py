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


@pytest.mark.parametrize(
    ("text", "kind", "actor"),
    [
        # the passive of an irregular verb is known from lemminflect's tables, not a list
        ("The city of Kherson was retaken by Ukrainian troops on Friday.", "occupation", "Ukraine"),
        # expelling: the subject holds the place; in the passive, the subject withdrew
        (
            "Russian troops drove the Ukrainians out of Avdiivka on Saturday.",
            "occupation",
            "Russia",
        ),
        ("Ukrainian forces were driven out of Avdiivka on Saturday.", "withdrawal", "Ukraine"),
        # a place that comes under fire is where the attack was, its attacker the agent
        ("Tyre came under heavy shelling from Israeli forces on Friday.", "attack", "Israel"),
        ("Israeli strikes on Tyre killed three people on Tuesday.", "attack", "Israel"),
    ],
)
def test_passives_expulsions_and_strikes_are_read(text: str, kind: str, actor: str) -> None:
    events = geo.extract(text, published="2024-03-20").events
    assert [(row.kind, row.actor) for row in events.itertuples()] == [(kind, actor)], text
    assert len(events.iloc[0]["places"]) == 1


def test_forces_that_drive_out_of_a_town_move_rather_than_expel() -> None:
    events = geo.extract("Russian tanks drove out of Kherson on Monday.", published="2024-03-20")
    assert list(events.events["kind"]) == ["movement"]


def test_the_target_of_fire_is_not_its_attacker() -> None:
    """Police who come under fire near a town are not the ones shooting."""
    events = geo.extract(
        "Georgian police came under mortar fire near Gori on Monday.", published="2008-08-19"
    ).events
    assert list(events["kind"]) == ["attack"]
    assert events.iloc[0]["actor"] is None


def test_a_strike_by_workers_is_no_attack() -> None:
    events = geo.extract(
        "Dock workers went on strike on Tuesday in Tyre.", published="2024-03-20"
    ).events
    assert events.empty


@pytest.mark.parametrize(
    ("text", "kind", "actor"),
    [
        ("The town of Gori is under Russian control, officials said.", "position", "Russia"),
        (
            "Aden airport had been in the hands of the Houthi rebels for weeks.",
            "position",
            "Houthis",
        ),
        (
            "The city of Tikrit fell to Islamic State militants on Wednesday.",
            "occupation",
            "Islamic State",
        ),
    ],
)
def test_a_place_held_by_or_fallen_to_a_force(text: str, kind: str, actor: str) -> None:
    events = geo.extract(text, published="2024-03-20").events
    assert [(row.kind, row.actor) for row in events.itertuples()] == [(kind, actor)], text


def test_hands_that_hold_no_force_draw_nothing() -> None:
    text = "The matter is in the hands of the courts in Tbilisi, a lawyer said."
    assert geo.extract(text, published="2024-03-20").events.empty


def test_a_month_named_march_is_a_date_not_a_movement() -> None:
    events = geo.extract("Kherson was occupied on March 2.", published="2022-11-11").events
    assert list(events["kind"]) == ["occupation"]
    assert list(events["date"]) == ["2022-03-02"]
