"""Reading reports: formats, front matter, datelines, and bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from geo.errors import ArticleError, InputError
from geo.text._articles import (
    Skipped,
    decode,
    detect_dateline,
    expand_paths,
    iter_articles,
    read_articles,
    read_text_file,
    sample_corpus_path,
    split_front_matter,
)


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_front_matter_sets_metadata_and_is_removed(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.md",
        "---\nid: alpha\nsource: Test Agency\npublished: 2008-08-12\ntitle: T\n"
        "url: http://example.org/x\n---\nTroops moved into Zugdidi.\n",
    )
    article = read_text_file(path)
    assert article.doc == "alpha"
    assert article.source == "Test Agency"
    assert article.published == date(2008, 8, 12)
    assert article.text == "Troops moved into Zugdidi.\n"
    assert article.url == "http://example.org/x"


def test_stem_is_the_document_id_without_front_matter(tmp_path: Path) -> None:
    article = read_text_file(write(tmp_path / "dispatch-7.txt", "Shelling near Zugdidi."))
    assert article.doc == "dispatch-7"
    assert article.published is None


def test_published_option_applies_only_where_no_date_is_stated(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Shelling near Zugdidi.")
    write(tmp_path / "b.md", "---\npublished: 2008-08-10\n---\nTanks in Gori.")
    batch = read_articles([tmp_path], published=date(2008, 8, 19))
    dates = {a.doc: a.published for a in batch.articles}
    assert dates == {"a": date(2008, 8, 19), "b": date(2008, 8, 10)}


def test_updated_line_gives_the_date() -> None:
    text = "Page last updated at 09:12 GMT, Friday, 15 August 2008 10:12 UK\n\nHeadline"
    assert detect_dateline(text) == (date(2008, 8, 15), None)


def test_wire_dateline_gives_date_and_agency() -> None:
    text = "ZUGDIDI, Aug 14, 2008 (Test Wire) - Armoured vehicles were seen."
    assert detect_dateline(text) == (date(2008, 8, 14), "Test Wire")


def test_wire_dateline_without_year_is_not_guessed() -> None:
    found, agency = detect_dateline("ZUGDIDI, Aug 14 (Test Wire) - Vehicles were seen.")
    assert found is None
    assert agency == "Test Wire"


def test_unknown_date_stays_unknown(tmp_path: Path) -> None:
    batch = read_articles([write(tmp_path / "a.txt", "Troops left Kutaisi.")])
    assert batch.articles[0].published is None


def test_jsonl_streams_and_skips_a_broken_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "one", "text": "Troops left Kutaisi.", "published": "2008-08-11"}),
        "{not json",
        json.dumps({"id": "two", "text": "Tanks in Gori.", "source": "S"}),
        json.dumps({"id": "three"}),
    ]
    path = write(tmp_path / "dump.jsonl", "\n".join(lines) + "\n")
    batch = read_articles([path])
    assert [a.doc for a in batch.articles] == ["one", "two"]
    assert batch.articles[0].published == date(2008, 8, 11)
    assert batch.read == 4
    reasons = [reason for _, reason in batch.skipped]
    assert any("dump.jsonl:2" in r and "broken JSON" in r for r in reasons)
    assert any("dump.jsonl:4" in r and "'text'" in r for r in reasons)


def test_html_main_text_is_extracted(tmp_path: Path) -> None:
    body = (
        "<p>" + "Russian armour moved through Khashuri towards Zestafoni overnight. " * 4 + "</p>"
    )
    html = (
        "<html><head><title>Convoy</title></head><body><nav>Home | Sport | Weather</nav>"
        f"<article><h1>Convoy</h1>{body}</article><footer>Copyright</footer></body></html>"
    )
    article = read_articles([write(tmp_path / "page.html", html)]).articles[0]
    assert "Khashuri" in article.text
    assert "Sport" not in article.text


def test_folders_are_read_recursively_in_order(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "Tanks in Gori.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.md", "Troops in Poti.")
    write(tmp_path / "notes.pdf", b"%PDF-1.4")
    names = [p.name for p in expand_paths([tmp_path])]
    assert names == ["b.txt", "a.md"]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read_articles([tmp_path / "nope.txt"])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty"),
        ("   \n\t\n", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        ("---\ntitle: [unclosed\n---\nText here.", "malformed YAML"),
        ("---\ntitle: never closed\nText here.", "never closed"),
        ("---\npublished: not a date at all\n---\nText.", "cannot read"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(
    tmp_path: Path, content: str | bytes, reason: str
) -> None:
    bad = write(tmp_path / "bad.txt", content)
    good = write(tmp_path / "good.txt", "Tanks in Gori.")
    batch = read_articles([bad, good])
    assert [a.doc for a in batch.articles] == ["good"]
    assert len(batch.skipped) == 1
    _where, message = batch.skipped[0]
    assert "bad.txt" in message and reason in message
    assert batch.read == 2


def test_latin1_file_is_read_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "old.txt", "Caf\xe9 owners in Gori fled.".encode("latin-1"))
    article = read_text_file(path)
    assert article.text == "Café owners in Gori fled."
    assert any("not UTF-8" in r.message for r in caplog.records)


def test_decode_rejects_binary() -> None:
    with pytest.raises(ArticleError, match="binary"):
        decode(b"\x00\x00\x00\x00", "x")


def test_front_matter_must_be_a_mapping() -> None:
    with pytest.raises(ArticleError, match="key: value"):
        split_front_matter("---\n- a\n- b\n---\ntext", "x.md")


def test_iter_articles_accounts_for_every_input(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Tanks in Gori.")
    write(tmp_path / "b.txt", "")
    items = list(iter_articles([tmp_path]))
    assert len(items) == 2
    assert isinstance(items[1], Skipped)


def test_sample_corpus_is_bundled_and_dated() -> None:
    batch = read_articles([sample_corpus_path()])
    assert len(batch.articles) >= 4
    assert not batch.skipped
    assert all(a.published == date(2008, 8, 19) for a in batch.articles)
    assert len({a.source for a in batch.articles}) == len(batch.articles)


@pytest.mark.parametrize("value", ["Tuesday", "2008", "[1, 2]", "yesterday", "next week"])
def test_a_date_that_is_not_a_full_date_is_never_guessed(tmp_path: Path, value: str) -> None:
    write(tmp_path / "a.md", f"---\npublished: {value}\n---\nTanks in Gori.")
    batch = read_articles([tmp_path])
    assert batch.articles == []
    assert "cannot read" in batch.skipped[0][1]


def test_full_dates_in_words_are_read(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\npublished: Tuesday, 19 August 2008\n---\nTanks in Gori.")
    write(tmp_path / "b.md", "---\npublished: Aug 12, 2008\n---\nTanks in Poti.")
    dates = {a.doc: a.published for a in read_articles([tmp_path]).articles}
    assert dates == {"a": date(2008, 8, 19), "b": date(2008, 8, 12)}


def test_two_files_with_one_name_stay_two_documents(tmp_path: Path) -> None:
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        write(tmp_path / folder / "index.txt", f"Tanks seen in Gori by the {folder} desk.")
    docs = [a.doc for a in read_articles([tmp_path]).articles]
    assert docs == ["index", "index-2"]


def test_unreadable_jsonl_is_skipped_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = write(tmp_path / "locked.jsonl", json.dumps({"text": "Tanks in Gori."}) + "\n")
    write(tmp_path / "ok.txt", "Troops in Poti.")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    batch = read_articles([tmp_path])
    assert [a.doc for a in batch.articles] == ["ok"]
    assert "cannot read: Permission denied" in batch.skipped[0][1]
