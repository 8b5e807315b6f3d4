"""Romanised Arabic names as reports spell them, found and resolved."""

from __future__ import annotations

import pytest

import geo
from geo.gazetteer._names import fold, transliterations


@pytest.mark.parametrize(
    ("gazetteer_name", "report_spelling"),
    [
        ("Ra’s al ‘Ayn", "ras al ain"),
        ("Ma‘arrat an Nu‘mān", "maarat al numan"),
        ("Tall Abyaḑ", "tal abyad"),
        ("Al Fāshir", "el fashir"),
        ("Az Zāwiyah", "zawiya"),
        ("Dayr az Zawr", "dayr el zawr"),
    ],
)
def test_usual_romanisations_are_spellings_of_the_name(
    gazetteer_name: str, report_spelling: str
) -> None:
    assert report_spelling in transliterations(fold(gazetteer_name))


def test_names_without_arabic_marks_get_no_variants() -> None:
    assert transliterations("gori") == set()
    assert transliterations("new york") == set()
    assert len(transliterations(fold("Ra’s al ‘Ayn al Kabir al Sharqi"))) <= 16


def test_a_dashed_article_keeps_the_name_whole() -> None:
    result = geo.extract(
        "Turkish forces took the Syrian town of Ras al-Ain on Saturday, "
        "and the army entered Maarat al-Numan.",
        published="2019-10-12",
    )
    names = dict(zip(result.places["text"], result.places["country"], strict=True))
    assert names["Ras al-Ain"] == "SY" and names["Maarat al-Numan"] == "SY"
    assert "Ras" not in names and "Ain" not in names
