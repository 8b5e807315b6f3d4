"""Read reports: plain text and Markdown (optional YAML front matter), HTML, JSONL, folders.

Every input file is accounted for: it yields articles, or a skip with its reason. A path
that does not exist is an :class:`InputError` (a typo should stop the run); a file that
cannot be used (empty, binary, bad front matter, a broken JSONL line) is skipped with its
reason and the rest goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import yaml

from geo.errors import ArticleError, InputError
from geo.models import Article
from geo.text._yaml import bounded_loader

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
READABLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
FRONT_MATTER_KEYS = frozenset({"source", "published", "title", "url", "id", "date"})

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY_MONTH_YEAR = rf"\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}"
_MONTH_DAY_YEAR = rf"{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}"
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_FULL_DATE = rf"(?:{_DAY_MONTH_YEAR}|{_MONTH_DAY_YEAR}|{_ISO_DATE})"
#: "Page last updated at 16:07 GMT, Tuesday, 19 August 2008", "Published: 2008-08-19"
_UPDATED_LINE = re.compile(
    rf"(?:last\s+updated|updated|published|posted)\b[^\n]{{0,60}}?(?P<date>{_FULL_DATE})",
    re.IGNORECASE,
)
#: "TBILISI, Aug 19 (Reuters) -" -- the agency dateline opening a wire story.
_WIRE_DATELINE = re.compile(
    rf"\A\s*[A-Z][A-Za-z .'-]{{1,40}},\s+(?P<date>{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?)"
    r"\s*\((?P<agency>[A-Za-z .&-]{2,30})\)\s*[-–—]"
)
_DATELINE_WINDOW = 600
_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}(?!\d)")
#: A date as a report or front matter states it in full: "Tuesday, 19 August 2008".
_STATED_DATE = re.compile(
    rf"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?{_FULL_DATE}", re.IGNORECASE
)


#: Front matter is a few metadata lines; more than this is not front matter.
FRONT_MATTER_MAX_CHARS = 64 * 1024
#: Deepest nesting of lists and mappings accepted in front matter.
FRONT_MATTER_MAX_DEPTH = 20
#: Lone surrogates (from a ``\\ud800`` JSON escape or an undecodable file name byte) and
#: NULs cannot be written to every format (UTF-8, GeoPackage); each becomes U+FFFD, one
#: character for one, so offsets into the text stay right.
_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with every lone surrogate and NUL replaced by U+FFFD (same length)."""
    return _UNWRITABLE.sub("\ufffd", value) if _UNWRITABLE.search(value) else value


#: Front matter: no aliases, at most FRONT_MATTER_MAX_DEPTH deep, dates left as text (an
#: impossible ``2008-02-30`` is then read by :func:`parse_date`, which says what is wrong).
_FrontMatterLoader = bounded_loader(FRONT_MATTER_MAX_DEPTH, " in front matter")


@dataclass
class Batch:
    """The account of reading some inputs: how many were read, which were skipped and why.

    ``stream`` passes articles on without keeping them (inputs stream); ``read_articles``
    keeps them in ``articles``. A document id seen before gets a ``-2``, ``-3``... suffix so
    that two files with one name (``a/index.html``, ``b/index.html``) stay two documents.
    """

    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    read: int = 0
    #: 64-bit digests of the ids given so far (a corpus of millions of documents costs a
    #: few dozen bytes a document), and how often each repeated id came.
    _seen: set[int] = field(default_factory=set, repr=False)
    _repeats: dict[str, int] = field(default_factory=dict, repr=False)

    def stream(self, items: Iterable[Article | Skipped]) -> Iterator[Article]:
        """Yield the articles of ``items`` as they arrive, counting reads and skips here."""
        for item in items:
            self.read += 1
            if isinstance(item, Skipped):
                log.warning("skipped %s", item.reason)
                self.skipped.append((item.where, item.reason))
            else:
                yield self._unique(item)

    def _unique(self, article: Article) -> Article:
        key = _id_key(article.doc)
        if key not in self._seen:
            self._seen.add(key)
            return article
        count = self._repeats.get(article.doc, 1) + 1
        self._repeats[article.doc] = count
        renamed = f"{article.doc}-{count}"
        while _id_key(renamed) in self._seen:
            count += 1
            renamed = f"{article.doc}-{count}"
        self._seen.add(_id_key(renamed))
        log.warning(
            "%s: document id %r is already taken; using %r", article.path, article.doc, renamed
        )
        return replace(article, doc=renamed)


def _id_key(doc: str) -> int:
    """A document id as a 64-bit digest (two ids share one once in 2**64 pairs)."""
    digest = hashlib.blake2b(doc.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that yields no article, and why."""

    where: str
    reason: str


def sample_corpus_path() -> Path:
    """The bundled sample dispatches (written for the project) that `geo map` maps by default."""
    return Path(__file__).resolve().parents[1] / "data" / "sample"


# -- dates and datelines ---------------------------------------------------------------------
def parse_date(value: object, where: str = "") -> date:
    """A calendar date from a front-matter value or an option; raises ArticleError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    prefix = f"{where}: " if where else ""
    if _ISO_START.match(text):  # 2008-08-19, 2008-08-19T10:00:00+04:00: the day it names
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise ArticleError(
                f"{prefix}{text[:40]!r} is not a calendar date; write it as YYYY-MM-DD"
            ) from None
    full = isinstance(value, str) and _STATED_DATE.fullmatch(text) is not None
    parsed = _parse_date_text(text) if full else None
    if parsed is None:
        raise ArticleError(f"{prefix}cannot read {text!r} as a date; write it as YYYY-MM-DD")
    return parsed


def _parse_date_text(text: str, relative_to: date | None = None) -> date | None:
    import dateparser

    settings: dict[str, object] = {
        "STRICT_PARSING": True,
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    if relative_to is not None:
        settings["RELATIVE_BASE"] = datetime(relative_to.year, relative_to.month, relative_to.day)
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def detect_dateline(text: str) -> tuple[date | None, str | None]:
    """Publication date (and wire agency) from the opening lines of a report, if stated."""
    head = text[:_DATELINE_WINDOW]
    wire = _WIRE_DATELINE.search(head)
    if wire:
        found = _parse_date_text(wire.group("date"))
        if found is not None and re.search(r"\d{4}", wire.group("date")):
            return found, wire.group("agency").strip()
        return None, wire.group("agency").strip()
    updated = _UPDATED_LINE.search(head)
    if updated:
        return _parse_date_text(updated.group("date")), None
    return None, None


# -- decoding ----------------------------------------------------------------------------
def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bool(sample) and controls / len(sample) > 0.05


def decode(data: bytes, where: str) -> str:
    """UTF-8 text (UTF-16 with its byte-order mark), or Latin-1/cp1252 with a warning;
    binary data is an ArticleError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if _looks_binary(data):
        raise ArticleError(f"{where}: binary data, not text; skipped")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    log.warning("%s: not UTF-8; read as Latin-1 (cp1252). Save it as UTF-8 to silence this", where)
    return text


# -- single formats ----------------------------------------------------------------------
def split_front_matter(text: str, where: str) -> tuple[dict[str, object], str]:
    """YAML front matter (between ``---`` lines at the very top) and the body after it."""
    if not text.startswith("---"):
        return {}, text
    match = _FRONT_MATTER.match(text, endpos=FRONT_MATTER_MAX_CHARS + 16)
    if match is None:
        if _FRONT_MATTER.match(text) is not None:
            raise ArticleError(
                f"{where}: front matter longer than {FRONT_MATTER_MAX_CHARS // 1024} KB; skipped"
            )
        raise ArticleError(f"{where}: front matter opened with '---' is never closed")
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f" ({problem})" if problem else ""
        raise ArticleError(f"{where}:{line} malformed YAML front matter{detail}; skipped") from exc
    except (ValueError, OverflowError, RecursionError) as exc:  # a number too large to read
        raise ArticleError(f"{where}: unreadable value in front matter ({exc}); skipped") from exc
    if not isinstance(meta, dict):
        raise ArticleError(f"{where}: front matter must be 'key: value' lines")
    return {str(k).lower(): v for k, v in meta.items()}, text[match.end() :]


def _article(
    doc: str,
    text: str,
    meta: dict[str, object],
    where: str,
    published: date | None,
    path: str | None,
) -> Article:
    if not text.strip():
        raise ArticleError(f"{where}: empty (no text); skipped")
    text = clean_text(text)
    date_value = meta.get("published", meta.get("date"))
    when = parse_date(date_value, where) if date_value not in (None, "") else None
    source = meta.get("source")
    if when is None or source is None:
        dateline_date, agency = detect_dateline(text)
        when = when or dateline_date
        source = source or agency
    return Article(
        doc=_meta_text(meta.get("id") or doc, where),
        text=text,
        source=_meta_text(source, where) if source else None,
        published=when or published,
        title=_meta_text(meta["title"], where) if meta.get("title") else None,
        url=_meta_text(meta["url"], where) if meta.get("url") else None,
        path=path,
    )


def _meta_text(value: object, where: str) -> str:
    """A metadata value as writable text; a value too large to show is an ArticleError."""
    try:
        return clean_text(str(value))
    except (ValueError, RecursionError) as exc:  # int over 4300 digits, deep nesting
        raise ArticleError(f"{where}: unreadable metadata value ({exc}); skipped") from exc


def read_text_file(path: Path, published: date | None = None) -> Article:
    """A .txt/.md report, with optional YAML front matter."""
    where = str(path)
    text = decode(_read_bytes(path), where)
    meta, body = split_front_matter(text, where)
    return _article(path.stem, body, meta, where, published, str(path))


class _VisibleText(HTMLParser):
    """The text a reader sees, without scripts, styles, navigation and forms; a flat event
    parser, so nesting depth costs nothing."""

    HIDDEN = frozenset({"script", "style", "noscript", "template", "nav", "form", "head"})
    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "section",
            "article",
            "blockquote",
            "header",
            "footer",
            "title",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """An HTML page's visible text, paragraph by paragraph (the fallback when trafilatura
    finds no main text)."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


def read_html_file(path: Path, published: date | None = None) -> Article:
    """An HTML page: main text and metadata through trafilatura."""
    import trafilatura

    where = str(path)
    html = decode(_read_bytes(path), where)
    text = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
    if not text.strip():  # nested deeper than lxml parses, or a page too plain for it
        text = visible_text(html)
        if text.strip():
            log.info("%s: main text not found; read the page's visible text instead", where)
    metadata = trafilatura.extract_metadata(html)
    meta: dict[str, object] = {}
    if metadata is not None:
        if metadata.title:
            meta["title"] = metadata.title
        if metadata.date:
            meta["published"] = metadata.date
        if metadata.sitename:
            meta["source"] = metadata.sitename
        if metadata.url:
            meta["url"] = metadata.url
    return _article(path.stem, text, meta, where, published, str(path))


def iter_jsonl(path: Path, published: date | None = None) -> Iterator[Article | Skipped]:
    """One article per JSON line (``text`` required; ``id``/``doc_id``, ``source``,
    ``published``/``date``, ``title``, ``url`` optional). Streams; a bad line is skipped."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Skipped(str(path), f"{path}: cannot read: {exc.strerror}; skipped")
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(decode(raw, where))
                yield article_from_record(
                    record, f"{path.stem}-{number}", where, published, str(path)
                )
            except json.JSONDecodeError as exc:
                yield Skipped(where, f"{where}: broken JSON ({exc.msg}); line skipped")
            except RecursionError:
                yield Skipped(where, f"{where}: JSON nested too deeply; line skipped")
            except ValueError as exc:  # an integer over 4300 digits, and the like
                yield Skipped(where, f"{where}: unreadable JSON value ({exc}); line skipped")
            except ArticleError as exc:
                yield Skipped(where, str(exc))


def article_from_record(
    record: object,
    doc: str,
    where: str,
    published: date | None = None,
    path: str | None = None,
) -> Article:
    """An article from a JSONL-style record (``text`` required; ``id``/``doc_id``, ``source``,
    ``published``/``date``, ``title``, ``url`` optional); ``doc`` is the id it gets without
    one. Raises :class:`ArticleError` with the reason when the record cannot be used."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ArticleError(f"{where}: a JSONL record needs a string 'text' field")
    meta = {k: v for k, v in record.items() if k != "text"}
    meta["id"] = record.get("id") or record.get("doc_id") or doc
    return _article(str(meta["id"]), record["text"], meta, where, published, path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read: {exc.strerror}") from exc


# -- paths -------------------------------------------------------------------------------
def expand_paths(paths: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[Path]:
    """Files named, and readable files under folders (recursively, sorted), leaving out
    anything under the ``exclude`` folders (the run's own output folder)."""
    files: list[Path] = []
    seen: set[str] = set()
    left_out = [os.path.realpath(folder) for folder in exclude]
    for item in _each_file(paths):
        key = os.path.realpath(item)
        if any(os.path.commonpath([key, folder]) == folder for folder in left_out):
            log.info("%s: in the output folder; not read as input", item)
            continue
        if key in seen:  # the same file named twice (or through a link) is read once
            log.info("%s: given more than once; read once", item)
            continue
        seen.add(key)
        files.append(item)
    return files


#: The files every ``geo map`` writes: a folder holding all three is an earlier run's output
#: set, not reports, and is not read when it sits inside an input folder.
OUTPUT_SET_FILES = ("run.json", "events.geojson", "checks.csv")


class _OutputSets:
    """Which folders under an input folder are geo output sets (answers cached)."""

    def __init__(self) -> None:
        self.known: dict[Path, bool] = {}

    def holds(self, top: Path, file: Path) -> bool:
        """True when ``file`` lies in an output set at or below ``top``."""
        folder = file.parent
        while True:
            if folder not in self.known:
                self.known[folder] = all((folder / name).is_file() for name in OUTPUT_SET_FILES)
                if self.known[folder]:
                    log.info("%s: an earlier run's outputs; not read as input", folder)
            if self.known[folder]:
                return True
            if folder == top or folder == folder.parent:
                return False
            folder = folder.parent


def _each_file(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            outputs = _OutputSets()
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in READABLE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not outputs.holds(path, p)
            )
            if not found:
                log.warning("%s: no .txt, .md, .html or .jsonl files in this folder", path)
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise InputError(f"{path}: not a regular file or folder")
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def iter_articles(
    paths: Sequence[str | Path],
    published: date | None = None,
    exclude: Sequence[str | Path] = (),
) -> Iterator[Article | Skipped]:
    """Articles (or skips with reasons) from every input, in order; streams JSONL. Files
    under the ``exclude`` folders (the run's own output folder) are not read."""
    for path in expand_paths(paths, exclude):
        suffix = path.suffix.lower()
        try:
            if suffix in JSONL_SUFFIXES:
                yield from iter_jsonl(path, published)
            elif suffix in HTML_SUFFIXES:
                yield read_html_file(path, published)
            else:
                yield read_text_file(path, published)
        except ArticleError as exc:
            yield Skipped(str(path), str(exc))


def read_articles(paths: Sequence[str | Path], published: date | None = None) -> Batch:
    """Read everything into a :class:`Batch` (articles kept); skips are logged and counted."""
    batch = Batch()
    batch.articles.extend(batch.stream(iter_articles(paths, published)))
    log.info(
        "articles: %d read, %d usable, %d skipped",
        batch.read,
        len(batch.articles),
        len(batch.skipped),
    )
    return batch
