"""A reviewer's corrections file: reading it strictly, applying it to features and
mentions, and the ids it relies on staying put (geo.features._corrections)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from geo.errors import GeoValueError, UnknownPlaceError
from geo.features import correct_mentions, events_to_frame, read_corrections
from geo.features._features import event_id
from geo.models import Event, Mention

GORI, KARELI = "ge-gori", "ge-kareli"


@pytest.fixture(scope="module")
def here(curated_gazetteer):  # type: ignore[no-untyped-def]
    return curated_gazetteer


def event(gaz, kind="occupation", place=GORI, doc="d1", start=10, **kw) -> Event:  # type: ignore[no-untyped-def]
    text = "Soldiers took the town of Gori."
    values = {
        "actor": "Russia",
        "status": "claimed",
        "date": date(2008, 8, 14),
        "date_precision": "day",
        "confidence": 0.7,
        **kw,
    }
    return Event(
        kind=kind,
        places=(gaz.get(place),),
        doc=doc,
        quote=text,
        char_start=start,
        char_end=start + len(text),
        rule="test",
        **values,
    )


def corrections_file(tmp_path: Path, body: str, gaz=None):  # type: ignore[no-untyped-def]
    path = tmp_path / "fixes.yaml"
    path.write_text(body, encoding="utf-8")
    corrections = read_corrections(path)
    if gaz is not None:
        corrections.resolve_places(gaz.get)
    return corrections


# -- reading ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("- drop: ev-1\n  colour: red\n", "unknown key(s) colour"),
        ("- feature: ev-1\n  kind: parade\n", "kind 'parade' is not one of"),
        ("- feature: ev-1\n  date: 2008-02-30\n", "not a date"),
        ("- feature: ev-1\n", "says nothing to change"),
        ("- drop: ev-1\n  feature: ev-2\n", "exactly one of"),
        ("- mention: {doc: d1}\n  place: ge-gori\n", "one of text or span"),
        ("- mention: {doc: d1, span: [9, 3]}\n  place: ge-gori\n", "span must be"),
        ("just: words\n", "expected a list"),
        ("- a: &x [1]\n- b: *x\n", "aliases"),
        ("- drop: [unclosed\n", "line"),
        ("- " * 40 + "x\n", "nested more than"),
    ],
)
def test_a_malformed_file_is_one_error_naming_the_file(
    tmp_path: Path, body: str, says: str
) -> None:
    with pytest.raises(GeoValueError) as caught:
        corrections_file(tmp_path, body)
    message = str(caught.value)
    assert "fixes.yaml" in message and says in message
    assert "\n" not in message


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    with pytest.raises(GeoValueError, match="over 4 MB"):
        read_corrections(path)


def test_an_unknown_place_id_is_an_unknown_place(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownPlaceError, match="no-such-place"):
        corrections_file(
            tmp_path, "- mention: {doc: d1, text: Gori}\n  place: no-such-place\n", here
        )


def test_an_empty_file_or_list_corrects_nothing(tmp_path: Path) -> None:
    assert corrections_file(tmp_path, "").entries == 0
    assert corrections_file(tmp_path, "corrections: []\n").entries == 0


# -- applying to features ----------------------------------------------------------------
def test_kind_status_date_and_actor_change_and_say_so(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    original = event(here)
    fid = event_id(original)
    corrections = corrections_file(
        tmp_path,
        f"- feature: {fid}\n  kind: withdrawal\n  status: reported\n  actor: Georgia\n"
        "  date: 2008-08-16\n  note: second look\n",
    )
    row = events_to_frame([original], here.get("ge-tbilisi"), corrections=corrections).iloc[0]
    assert row["id"] == fid  # the id the analysis gave, so the file applies again next run
    assert (row["kind"], row["status"], row["actor"]) == ("withdrawal", "reported", "Georgia")
    assert (row["date"], row["date_precision"]) == ("2008-08-16", "day")
    assert "corrected: kind occupation -> withdrawal (second look)" in row["corrections"]
    assert "corrected: actor Russia -> Georgia (second look)" in row["corrections"]
    assert corrections.unmatched() == []


def test_a_kind_change_redraws_the_geometry(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    two = replace(event(here), places=(here.get(GORI), here.get(KARELI)))
    corrections = corrections_file(tmp_path, f"- feature: {event_id(two)}\n  kind: movement\n")
    row = events_to_frame([two], here.get("ge-tbilisi"), corrections=corrections).iloc[0]
    assert row.geometry.geom_type == "LineString"


def test_drop_and_note_and_uncorrected_features(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    kept, dropped = event(here, doc="d1"), event(here, doc="d2", place=KARELI)
    corrections = corrections_file(
        tmp_path,
        f"- drop: {event_id(dropped)}\n- feature: {event_id(kept)}\n  note: checked\n",
    )
    frame = events_to_frame([kept, dropped], here.get("ge-tbilisi"), corrections=corrections)
    assert list(frame["id"]) == [event_id(kept)]
    assert frame.iloc[0]["corrections"] == ["note: checked"]
    plain = events_to_frame([kept, dropped], here.get("ge-tbilisi"))
    assert [list(v) for v in plain["corrections"]] == [[], []]


def test_a_merged_feature_is_found_by_any_of_its_reports_ids(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    first, second = event(here, doc="d1"), event(here, doc="d2")
    corrections = corrections_file(tmp_path, f"- drop: {event_id(first)}\n")
    frame = events_to_frame([first, second], here.get("ge-tbilisi"), corrections=corrections)
    assert frame.empty


def test_an_entry_that_matches_nothing_is_reported(tmp_path: Path, here, caplog) -> None:  # type: ignore[no-untyped-def]
    corrections = corrections_file(tmp_path, "- drop: ev-gone\n")
    events_to_frame([event(here)], here.get("ge-tbilisi"), corrections=corrections)
    with caplog.at_level(logging.WARNING):
        corrections.report()
        corrections.report()  # once, however often asked
    warned = [r.getMessage() for r in caplog.records if "matches nothing" in r.getMessage()]
    assert warned == [
        f"{corrections.path}: correction 1 (drop ev-gone) matches nothing in this run"
    ]
    assert corrections.record()["unmatched"] == [{"entry": 1, "correction": "drop ev-gone"}]


# -- moving mentions ---------------------------------------------------------------------------
def test_a_moved_mention_moves_the_event_built_on_it(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    original = event(here, start=0)
    mentions = [Mention("d1", "Gori", 26, 30, here.get(GORI), 0.9, "curated")]
    corrections = corrections_file(
        tmp_path, "- mention: {doc: d1, span: [26, 30]}\n  place: ge-kareli\n", here
    )
    correct_mentions(mentions, corrections)
    assert mentions[0].place is not None and mentions[0].place.id == KARELI
    row = events_to_frame([original], here.get("ge-tbilisi"), corrections=corrections).iloc[0]
    assert row["id"] == event_id(original)
    assert row["place_ids"] == [KARELI]
    assert row["corrections"][0].startswith("corrected: place Gori (ge-gori) -> Kareli")


def test_a_move_by_text_leaves_other_documents_alone(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    mentions = [
        Mention("d1", "gori", 26, 30, here.get(GORI), 0.9, "curated"),
        Mention("d2", "Gori", 26, 30, here.get(GORI), 0.9, "curated"),
    ]
    corrections = corrections_file(
        tmp_path, "- mention: {doc: d1, text: Gori}\n  place: ge-kareli\n", here
    )
    correct_mentions(mentions, corrections)
    assert [m.place.id for m in mentions if m.place] == [KARELI, GORI]


# -- through the API: the file holds across runs ---------------------------------------------
REPORT = "Russian troops occupied Gori on 14 August 2008, residents said."
UNRELATED = "Georgian police returned to Kareli on 20 August 2008."


def test_a_correction_survives_an_unrelated_report_joining_the_corpus(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    import geo

    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "a.txt").write_text(REPORT, encoding="utf-8")
    first = geo.extract(corpus, gazetteer=here)
    target = first.events.iloc[0]
    fixes = tmp_path / "fixes.yaml"
    fixes.write_text(f"- feature: {target['id']}\n  kind: withdrawal\n", encoding="utf-8")

    (corpus / "b.txt").write_text(UNRELATED, encoding="utf-8")
    again = geo.extract(corpus, gazetteer=here, corrections=fixes)
    assert len(again.events) > len(first.events)
    row = again.events.set_index("id").loc[target["id"]]
    assert row["kind"] == "withdrawal" and row["corrections"]
    written = again.to_files(tmp_path / "out")
    record = json.loads(written[-1].read_text(encoding="utf-8"))["corrections"]
    assert record["unmatched"] == [] and record["applied"][0]["kind"] == "withdrawal"


def test_cli_malformed_corrections_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main

    bad = tmp_path / "fixes.yaml"
    bad.write_text("- feature: ev-1\n  kind: parade\n", encoding="utf-8")
    code = main(["map", "--no-world", "-o", str(tmp_path / "out"), "--corrections", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "fixes.yaml: entry 1: kind 'parade'" in err[0]
    assert not (tmp_path / "out" / "events.geojson").exists()


def test_the_popup_data_carries_the_notes_escaped(tmp_path: Path, here) -> None:  # type: ignore[no-untyped-def]
    import geo
    from geo.map import build_map, map_html

    first = geo.extract(REPORT, published="2008-08-20", gazetteer=here)
    fixes = tmp_path / "fixes.yaml"
    fid = first.events.iloc[0]["id"]
    fixes.write_text(f"- feature: {fid}\n  note: <b>seen</b> twice\n", encoding="utf-8")
    result = geo.extract(REPORT, published="2008-08-20", gazetteer=here, corrections=fixes)
    page = map_html(build_map(result.run, offline=True))
    assert "note: &lt;b&gt;seen&lt;/b&gt; twice" in page
    assert "<b>seen</b>" not in page
