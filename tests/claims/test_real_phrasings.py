"""Distance claims as wire copy phrases them: a described reference, an owned capital set
beside its name, an article-led romanised name."""

from __future__ import annotations

import pytest

import geo


def _claims(text: str) -> list[tuple[str | None, str | None, float, str]]:
    result = geo.extract(text, published="2020-10-30")
    return [
        (
            c.claim.subject.name if c.claim.subject else None,
            c.claim.reference.name if c.claim.reference else None,
            c.claim.claimed_km,
            c.verdict,
        )
        for c in result.run.checks
        if c.kind == "distance"
    ]


def test_a_described_reference_is_the_place_it_describes() -> None:
    [claim] = _claims("Ajdabiya lies about 140 km south of the rebel stronghold of Benghazi.")
    assert claim[:3] == ("Ajdabiya", "Benghazi", 140.0)
    assert claim[3] == "consistent"


def test_an_owned_capital_set_beside_its_name() -> None:
    [claim] = _claims("Shushi lies about 5km south of Karabakh's regional capital, Stepanakert.")
    assert claim[0] == "Shusha" and claim[2] == 5.0 and claim[3] == "consistent"


@pytest.mark.parametrize("spelling", ["el-Fasher", "El Fasher"])
def test_an_article_led_name_is_found_as_a_reference(spelling: str) -> None:
    claims = _claims(f"Kutum lies about 80 km north-west of {spelling}.")
    assert [c[1] for c in claims] == ["El Fasher"]
