"""One bad input never stops a run: hostile front matter, dates, JSONL and names each skip
their article with the reason, or are read as far as they can be; nothing they hold can
break the writing of the outputs."""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from geo.text._articles import Skipped, iter_articles

LINE = "Soldiers set up a checkpoint outside Senaki, about 30 km (19 miles) from Poti.\n"


def _read(path: Path) -> list[Any]:
    started = time.perf_counter()
    items = list(iter_articles([path]))
    assert time.perf_counter() - started < 2.0
    return items


def _front(tmp_path: Path, front: str, body: str = LINE) -> Path:
    path = tmp_path / "report.md"
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


def _skip_reason(items: list[Any]) -> str:
    assert len(items) == 1 and isinstance(items[0], Skipped), items
    return str(items[0].reason)


def _alias_bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"title: *a{levels - 1}")
    return "\n".join(lines)


def test_a_yaml_alias_bomb_is_skipped_without_being_expanded(tmp_path: Path) -> None:
    reason = _skip_reason(_read(_front(tmp_path, _alias_bomb(5))))
    assert "aliases" in reason and "report.md" in reason


@pytest.mark.parametrize(
    ("front", "why"),
    [
        ("tags: " + "[" * 5000 + "]" * 5000, "nested more than"),
        ("title: " + "x" * 70_000, "longer than 64 KB"),
        ("id: " + "9" * 5000, "unreadable value"),
        ("published: 2008-02-30", "is not a calendar date"),
        ("published: 2008-13-01", "is not a calendar date"),
    ],
)
def test_hostile_front_matter_skips_its_article_with_the_reason(
    tmp_path: Path, front: str, why: str
) -> None:
    assert why in _skip_reason(_read(_front(tmp_path, front)))


@pytest.mark.parametrize("stamp", ["2008-08-19 25:61:00", "2008-08-19T10:00:00+99:99"])
def test_a_bad_time_after_a_good_date_keeps_the_date(tmp_path: Path, stamp: str) -> None:
    (article,) = _read(_front(tmp_path, f"published: {stamp}"))
    assert article.published == date(2008, 8, 19)


def test_hostile_jsonl_lines_are_skipped_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"text": "Troops left Gori.", "n": ' + "9" * 5000 + "}",
        json.dumps({"id": "fine", "text": LINE}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _read(path)
    reasons = [item.reason for item in items if isinstance(item, Skipped)]
    assert len(reasons) == 2
    assert "nested too deeply" in reasons[0] and "feed.jsonl:1" in reasons[0]
    assert "unreadable JSON value" in reasons[1] and "feed.jsonl:2" in reasons[1]
    assert [item.doc for item in items if not isinstance(item, Skipped)] == ["fine"]


def test_lone_surrogates_and_nuls_in_text_write_every_format(
    tmp_path: Path, curated_gazetteer: Any
) -> None:
    """A lone surrogate (a ``\\ud800`` escape) and a NUL become U+FFFD, one for one, so
    offsets hold; every format is written and holds the same whole quote."""
    import geopandas as gpd

    from geo.engine._pipeline import analyse_articles
    from geo.io._export import write_outputs
    from geo.settings import Settings

    text = "Soldiers set up a checkpoint outside Senaki \\ud800 and \\u0000 about 30 km from Poti."
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "odd\\udc80", "text": "' + text + '"}\n', encoding="utf-8")
    (article,) = _read(path)
    assert article.doc == "odd\ufffd"
    assert "\ufffd and \ufffd about" in article.text
    assert len(article.text) == len(json.loads('"' + text + '"'))
    result = analyse_articles([article], curated_gazetteer, Settings(world=False))
    out = tmp_path / "out"
    write_outputs(result, out, formats=("geojson", "gpkg", "csv"))
    events = json.loads((out / "events.geojson").read_text(encoding="utf-8"))
    quotes = {f["properties"]["quote"] for f in events["features"]}
    assert any("\ufffd and \ufffd about 30 km" in q for q in quotes)
    assert set(gpd.read_file(out / "geo.gpkg", layer="events")["quote"]) == quotes


def test_an_undecodable_file_name_is_mapped_and_recorded(tmp_path: Path) -> None:
    from geo.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / os.fsdecode(b"bad\xff.txt")).write_text(LINE, encoding="utf-8")
    (folder / os.fsdecode(b"empty\xfe.txt")).write_text("", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "map", str(folder), "--no-world", "-o", str(out)]) == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["processed"] == 1 and "empty\ufffd.txt" in record["skipped"][0]["input"]


@pytest.mark.parametrize("published", [date(1, 1, 1), date(9999, 12, 31), date(9999, 12, 27)])
def test_relative_dates_at_the_ends_of_the_calendar_are_unknown_not_errors(
    curated_gazetteer: Any, published: date
) -> None:
    from geo.engine._pipeline import analyse_articles
    from geo.models import Article
    from geo.settings import Settings

    text = (
        "Troops left Gori for Poti last week. On Sunday a column drove to Senaki, and next "
        "week troops will leave Zugdidi. Two days later they reached Poti."
    )
    article = Article(doc="edge", text=text, published=published)
    result = analyse_articles([article], curated_gazetteer, Settings(world=False))
    assert not result.summary.skipped and result.summary.processed == 1
    assert result.events


@pytest.mark.parametrize("population", ["9" * 5000, "\u00b2"])
def test_a_gazetteer_population_too_large_or_not_ascii_is_a_gazetteer_error(
    tmp_path: Path, population: str
) -> None:
    from geo.errors import GazetteerError
    from geo.gazetteer._gazetteer import REQUIRED_COLUMNS, read_curated

    values = {"id": "t:1", "name": "Testville", "lat": "41.7", "lon": "44.8", "kind": "city"}
    values |= {"country": "GE", "population": population, "source": "test row"}
    path = tmp_path / "gazetteer.csv"
    header = ",".join(REQUIRED_COLUMNS)
    path.write_text(header + "\n" + ",".join(values.get(c, "") for c in REQUIRED_COLUMNS) + "\n")
    with pytest.raises(GazetteerError, match="field 'population'"):
        read_curated(path)


# -- the smaller ones ---------------------------------------------------------------------------
def test_the_same_file_given_twice_or_through_its_folder_is_read_once(tmp_path: Path) -> None:
    from geo.text._articles import read_articles

    report = tmp_path / "report.txt"
    report.write_text(LINE, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(report)
    batch = read_articles([report, report, tmp_path])
    assert [a.doc for a in batch.articles] == ["report"]


def test_a_utf16_file_with_its_byte_order_mark_is_read(tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        data = LINE.encode(encoding)
        path.write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
        (article,) = _read(path)
        assert article.text.strip() == LINE.strip()


def test_an_empty_output_folder_name_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from geo.cli import main

    assert main(["map", "--no-world", "-o", ""]) == 2
    assert "-o needs a folder name" in capsys.readouterr().err


def test_bidi_overrides_are_neutralised_in_popups() -> None:
    from geo.map._common import esc

    shown = esc("Troops left \u202eiroG\u202c and \u2066Poti\u2069")
    assert not {"\u202e", "\u202c", "\u2066", "\u2069"} & set(shown)
    assert shown == "Troops left \ufffdiroG\ufffd and \ufffdPoti\ufffd"


def test_html_nested_thousands_deep_is_read_not_called_empty(tmp_path: Path) -> None:
    # deeper than lxml builds a tree: the page's visible text is read instead
    path = tmp_path / "deep.html"
    depth = 5000
    path.write_text(
        "<html><head><script>var hidden = 1;</script></head><body>"
        + "<div>" * depth
        + f"<p>{LINE.strip()}</p>"
        + "</div>" * depth
        + "</body></html>",
        encoding="utf-8",
    )
    (article,) = _read(path)
    assert not isinstance(article, Skipped), article
    assert article.text.strip() == LINE.strip()  # no script text, no markup


def test_an_output_folder_inside_the_input_is_not_read_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "one.txt").write_text(LINE, encoding="utf-8")
    inside = reports / "out"
    for _ in range(2):  # the second run would find the first run's map.html
        assert main(["map", str(reports), "--no-world", "-o", str(inside)]) == 0
        assert json.loads((inside / "run.json").read_text("utf-8"))["read"] == 1
    # an earlier run's outputs elsewhere under the input are not reports either
    assert main(["map", str(reports), "--no-world", "-o", str(tmp_path / "elsewhere")]) == 0
    record = json.loads((tmp_path / "elsewhere" / "run.json").read_text("utf-8"))
    assert (record["read"], record["skipped"]) == (1, [])
    assert "map.html" not in capsys.readouterr().err
