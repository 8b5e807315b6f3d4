"""Back-references ("the town", "the city") point to the place named before them."""

from __future__ import annotations

import geo


def _mentions(text: str) -> list[tuple[str, str]]:
    result = geo.extract(text, published="2008-08-19")
    return list(zip(result.places["text"], result.places["name"], strict=True))


def test_the_town_refers_to_the_town_named_before_it() -> None:
    found = _mentions("Russian troops entered Gori on Monday. Witnesses saw tanks leave the town.")
    assert ("the town", "Gori") in found


def test_a_phrase_that_names_its_place_is_left_to_the_name() -> None:
    found = _mentions("Troops entered Gori. The city of Kutaisi was calm.")
    assert [text for text, _ in found] == ["Gori", "Kutaisi"]


def test_no_fitting_place_before_it_means_no_mention() -> None:
    assert _mentions("The town was quiet. Russian troops stayed in Georgia.") == [
        ("Georgia", "Georgia")
    ]


def test_a_withdrawal_from_the_town_is_placed_at_it() -> None:
    result = geo.extract(
        "Russian armour entered Zugdidi on Sunday. On Monday the troops pulled out of the town.",
        published="2008-08-19",
    )
    withdrawal = result.events[result.events["kind"] == "withdrawal"].iloc[0]
    assert withdrawal["places"] == ["Zugdidi"] and withdrawal["date"] == "2008-08-18"
