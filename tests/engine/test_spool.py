"""The spool: what a run finds moves to disk as it grows and reads back unchanged."""

from __future__ import annotations

import pytest

from geo.engine._spool import Spool
from geo.features import tally_mentions
from geo.features._place_tally import TOP_DOCUMENTS
from geo.models import Mention, Place

GORI = Place("gori", "Gori", 41.98, 44.11, "town", "GE")
POTI = Place("poti", "Poti", 42.15, 41.67, "town", "GE")


def test_small_spool_stays_in_memory() -> None:
    spool = Spool(range(5), batch=10)
    assert len(spool) == 5 and spool.on_disk == 0
    assert list(spool) == [0, 1, 2, 3, 4]


def test_items_past_a_batch_go_to_disk_and_come_back_in_order() -> None:
    spool: Spool[tuple[int, str]] = Spool(batch=3)
    spool.extend((i, f"item {i}") for i in range(10))
    assert spool.on_disk == 9  # three full batches written, one item still in memory
    assert len(spool) == 10
    assert list(spool) == [(i, f"item {i}") for i in range(10)]
    assert list(spool) == list(spool)  # read back as often as needed
    spool.append((10, "late"))
    assert list(spool)[-2:] == [(9, "item 9"), (10, "late")]


def test_two_readers_of_one_spool_do_not_disturb_each_other() -> None:
    spool = Spool(range(7), batch=2)
    pairs = list(zip(spool, spool, strict=True))
    assert pairs == [(i, i) for i in range(7)]


def test_spool_compares_with_lists_and_closes() -> None:
    spool = Spool("abc", batch=1)
    assert spool == ["a", "b", "c"] and spool != ["a", "b"]
    spool.close()
    assert len(spool) == 0 and list(spool) == []


def test_a_batch_must_hold_something() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Spool(batch=0)


def _mention(doc: str, place: Place, start: int = 0) -> Mention:
    return Mention(doc, place.name, start, start + len(place.name), place, 1.0, "test")


def test_tally_counts_every_document_but_keeps_only_the_busiest_by_name() -> None:
    mentions = []
    for n in range(10 * TOP_DOCUMENTS):
        times = 3 if n % 50 == 0 else 1  # every fiftieth document names Gori three times
        mentions += [_mention(f"doc{n}", GORI, 10 * k) for k in range(times)]
    mentions.append(_mention("doc-last", POTI))
    tallies = {t.key: t for t in tally_mentions(Spool(mentions, batch=7), GORI)}
    gori = tallies["gori"]
    assert gori.documents == 10 * TOP_DOCUMENTS
    busy = len(range(0, 10 * TOP_DOCUMENTS, 50))
    assert gori.mentions == 10 * TOP_DOCUMENTS + 2 * busy
    assert len(gori.docs) <= 2 * TOP_DOCUMENTS
    busiest = [doc for doc, count in gori.docs.most_common(3)]
    assert busiest == ["doc0", "doc50", "doc100"]
    assert tallies["poti"].documents == 1 and tallies["poti"].distance_km > 100


def test_shared_objects_are_written_once_and_read_back_as_one() -> None:
    """A mention's place goes to the spool's table, not into every batch: read back, the
    mentions of one place share one place object, equal to the one written."""
    copy_of_gori = Place("gori", "Gori", 41.98, 44.11, "town", "GE")  # a worker's copy
    spool: Spool[Mention] = Spool(batch=2, shared=(Place,))
    spool.extend([_mention("a", GORI), _mention("b", copy_of_gori), _mention("c", POTI)])
    back = list(spool)
    assert spool.on_disk == 2 and back == [
        _mention("a", GORI),
        _mention("b", GORI),
        _mention("c", POTI),
    ]
    assert back[0].place is back[1].place
