"""Import a gazetteer the user already has: a GeoNames extract or a plain name,lat,lon CSV.

``geo gazetteer import FILE [--name NAME]`` streams ``FILE`` once into the same compact
tables as the world extension (:class:`~geo.gazetteer._world_rows.WorldRows`) and pickles
them to ``<cache>/gazetteers/NAME.pickle``; ``--gazetteer NAME`` then loads it beside the
curated rows and the world (see :class:`~geo.gazetteer._gazetteer.Gazetteer`).

Formats:

- a GeoNames extract (``XX.txt``, ``allCountries.txt``, or the ``XX.zip`` they come in):
  19 tab-separated columns, no header. Populated places (class ``P``), administrative
  divisions (``ADM1`` to ``ADM5``), rivers, passes, gorges, mountains, dams, ports, air
  and military bases are kept (see :data:`FEATURE_KINDS`); alternate names are aliases;
- a CSV with a header holding ``name``, ``lat`` and ``lon`` (or ``latitude``,
  ``longitude``, ``lng``), and optionally ``aliases`` (``|``-separated), ``kind``,
  ``country``, ``admin1`` and ``population``.

A row that cannot be read is counted and skipped (the first few are shown with their line
and reason); only a file with no usable row at all is an error.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import pickle
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from geo.errors import GazetteerError
from geo.gazetteer._names import fold
from geo.gazetteer._world import cache_dir, write_cache
from geo.gazetteer._world_build import _Builder
from geo.gazetteer._world_rows import WorldRows
from geo.models import PLACE_KINDS

log = logging.getLogger(__name__)

#: Version of the pickled :class:`ImportedGazetteer`; an older file asks to be imported again.
IMPORT_FORMAT = 1
#: Bad rows quoted in the report (all are counted).
SHOWN_BAD_ROWS = 5
GEONAMES_COLUMNS = 19
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

#: Kind of the non-populated GeoNames features kept, by (feature class, feature code).
FEATURE_KINDS: dict[tuple[str, str], str] = {
    ("A", "ADM1"): "admin1",
    ("A", "ADM2"): "region",
    ("A", "ADM3"): "region",
    ("A", "ADM4"): "region",
    ("A", "ADM5"): "region",
    ("A", "ADMD"): "region",
    ("H", "STM"): "river",
    ("H", "STMS"): "river",
    ("T", "PASS"): "pass",
    ("T", "GRGE"): "gorge",
    ("T", "MT"): "site",
    ("T", "MTS"): "site",
    ("T", "PK"): "site",
    ("S", "DAM"): "dam",
    ("H", "DAM"): "dam",
    ("S", "PRT"): "port",
    ("S", "AIRB"): "airfield",
    ("S", "AIRF"): "airfield",
    ("S", "AIRP"): "airfield",
    ("S", "MILB"): "base",
    ("S", "TNL"): "tunnel",
    ("R", "TNL"): "tunnel",
}
_CSV_COLUMNS = {
    "name": ("name",),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
}


class BadRow(ValueError):
    """One row of an extract cannot be used (its message is the reason)."""


@dataclass(slots=True)
class ImportReport:
    """What an import did: rows read, kept, skipped as unwanted or as bad (with examples)."""

    name: str
    source: str
    format: str
    rows: int = 0
    kept: int = 0
    other_features: int = 0
    bad: int = 0
    bad_examples: list[str] = field(default_factory=list)
    names: int = 0
    seconds: float = 0.0

    def bad_row(self, line: int, reason: str) -> None:
        self.bad += 1
        if len(self.bad_examples) < SHOWN_BAD_ROWS:
            self.bad_examples.append(f"line {line}: {reason}")

    def summary(self) -> str:
        other = f", {self.other_features:,} other features left out" if self.other_features else ""
        return (
            f"imported {self.kept:,} places ({self.names:,} names) of {self.rows:,} rows from "
            f"{self.source} ({self.format}) as {self.name!r} in {self.seconds:.1f} s{other}; "
            f"{self.bad:,} bad rows skipped"
        )


@dataclass(slots=True)
class ImportedGazetteer:
    """An imported gazetteer as cached: its rows and where they came from."""

    name: str
    rows: WorldRows
    report: ImportReport
    format_version: int = IMPORT_FORMAT


# -- where imported gazetteers live ------------------------------------------------------
def imported_dir() -> Path:
    return cache_dir() / "gazetteers"


def imported_path(name: str) -> Path:
    return imported_dir() / f"{name}.pickle"


def check_name(name: str) -> str:
    """``name`` if it can name an imported gazetteer (letters, digits, ``_.-``)."""
    if not _NAME.match(name):
        raise GazetteerError(
            f"{name!r} cannot name a gazetteer; use letters, digits, '_', '.' or '-' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def default_name(path: Path) -> str:
    """``UA.txt`` -> ``UA``; ``allCountries.zip`` -> ``allCountries``."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "-", path.name.split(".", 1)[0]).strip("-.")
    return stem or "imported"


def imported_names() -> list[str]:
    """Names of the gazetteers imported into this cache folder."""
    return sorted(p.stem for p in imported_dir().glob("*.pickle"))


def load_imported(name: str) -> WorldRows:
    """The rows of the imported gazetteer ``name``; GazetteerError when it is absent or stale."""
    path = imported_path(check_name(name))
    try:
        with path.open("rb") as handle:
            imported = pickle.load(handle)
    except FileNotFoundError:
        known = ", ".join(imported_names()) or "none yet"
        raise GazetteerError(
            f"no imported gazetteer {name!r} in {imported_dir()} (imported: {known}); "
            f"import it with: geo gazetteer import FILE --name {name}"
        ) from None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError):
        imported = None
    if (
        not isinstance(imported, ImportedGazetteer)
        or imported.format_version != IMPORT_FORMAT
        or not isinstance(imported.rows, WorldRows)
    ):
        raise GazetteerError(
            f"{path}: unreadable or from another version of geo; import the file again with "
            f"geo gazetteer import FILE --name {name}"
        )
    return imported.rows


# -- reading -------------------------------------------------------------------------------
@contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    """``path`` as text lines (a ``.zip``: its one data file); bytes that are not UTF-8
    become surrogates, so a bad line is reported as a bad row, not a crash."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                member = _zip_member(path, archive)
                with archive.open(member) as raw:
                    yield io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape")
            return
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            yield handle
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    except zipfile.BadZipFile as exc:
        raise GazetteerError(f"{path}: a broken zip file ({exc})") from exc


def _zip_member(path: Path, archive: zipfile.ZipFile) -> str:
    """The data file of a GeoNames zip (``UA.zip`` holds ``UA.txt`` and a readme)."""
    names = [n for n in archive.namelist() if not n.endswith("/")]
    wanted = f"{path.stem}.txt"
    if wanted in names:
        return wanted
    data = [n for n in names if n.lower().endswith((".txt", ".csv")) and "readme" not in n.lower()]
    if len(data) != 1:
        raise GazetteerError(
            f"{path}: expected one data file in the zip, found {', '.join(names) or 'none'}"
        )
    return data[0]


def _kind_of(feature_class: str, code: str, population: int) -> str | None:
    if feature_class == "P":
        if code == "PPLC" or population >= 100_000:
            return "city"
        return "town" if population >= 5_000 else "village"
    return FEATURE_KINDS.get((feature_class, code))


def _coordinate(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadRow(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRow(f"{what} {text} is outside {low:g}..{high:g}")
    return value


def _whole(text: str, what: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit():
        raise BadRow(f"{what} {text!r} is not a whole number")
    return int(text)


def _has_bad_bytes(text: str) -> bool:
    """True when ``text`` holds bytes that were not UTF-8 (surrogate escapes)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


_SURROGATE = re.compile("[\udc80-\udcff]")


def _geonames_place(fields: list[str]) -> tuple[int, str, float, float, int]:
    """``(geonameid, name, lat, lon, population)`` of a GeoNames row; BadRow if unusable."""
    gid, name = fields[0], fields[1].strip()
    if not gid.isdigit():
        raise BadRow(f"geonameid {gid!r} is not a number")
    if not name:
        raise BadRow("the name is empty")
    if _has_bad_bytes(name) or _has_bad_bytes(fields[3]):
        raise BadRow("not UTF-8 text")
    lat = _coordinate(fields[4], -90.0, 90.0, "latitude")
    lon = _coordinate(fields[5], -180.0, 180.0, "longitude")
    return int(gid), name, lat, lon, _whole(fields[14], "population")


def _import_geonames(
    lines: Iterator[str], builder: _Builder, report: ImportReport, label: str
) -> None:
    """Add the kept rows of a GeoNames extract, then name each row's first-level region
    after the extract's ``ADM1`` row of the same code (GeoNames rows hold the code)."""
    admin1_names: dict[tuple[str, str], str] = {}
    coded: list[tuple[int, str, str]] = []  # (row, country, admin1 code)
    kinds = FEATURE_KINDS
    add = builder.add
    for number, line in enumerate(lines, start=1):
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != GEONAMES_COLUMNS:
            if fields != [""]:
                report.rows += 1
                report.bad_row(number, f"{len(fields)} tab-separated fields, not 19")
            continue
        report.rows += 1
        feature_class, code = fields[6], fields[7]
        kind = "P" if feature_class == "P" else kinds.get((feature_class, code))
        if kind is None:
            report.other_features += 1
            continue
        try:
            gid, name, lat, lon, population = _geonames_place(fields)
        except BadRow as exc:
            report.bad_row(number, str(exc))
            continue
        if kind == "P":
            kind = _kind_of(feature_class, code, population) or "village"
        country, admin1 = fields[8].strip().upper(), fields[10].strip()
        alternates = fields[3]
        index = add(
            f"gn:{gid}",
            name,
            lat,
            lon,
            kind,
            country,
            admin1,
            population,
            gid,
            f"GeoNames {gid} ({label})",
            alternates.split(",") if alternates else (),
        )
        report.kept += 1
        if admin1:
            if code == "ADM1":
                admin1_names[(country, admin1)] = name
            coded.append((index, country, admin1))
    admin1s = builder.rows.admin1s
    for index, country, code in coded:
        admin1s[index] = admin1_names.get((country, code), "")


def _csv_columns(header: list[str]) -> dict[str, int]:
    """Where each known column is in a name,lat,lon CSV header (lower-cased names)."""
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for column, spellings in _CSV_COLUMNS.items():
        for spelling in spellings:
            if spelling in lowered:
                found[column] = lowered.index(spelling)
                break
    for optional in ("aliases", "kind", "country", "admin1", "population", "id"):
        if optional in lowered:
            found[optional] = lowered.index(optional)
    return found


def _import_csv(
    lines: Iterator[str],
    builder: _Builder,
    report: ImportReport,
    label: str,
    country: str,
) -> None:
    """Add the rows of a name,lat,lon CSV (the header is the first line)."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise GazetteerError(f"{report.source}: malformed CSV header: {exc}") from exc
    columns = _csv_columns(header)
    missing = [c for c in _CSV_COLUMNS if c not in columns]
    if missing:
        raise GazetteerError(
            f"{report.source}:1: missing column(s) {', '.join(missing)}; a CSV to import "
            "needs a header with name,lat,lon (optional: aliases,kind,country,admin1,population)"
        )
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.rows += 1
            report.bad_row(reader.line_num, f"malformed CSV ({exc})")
            continue
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        try:
            _add_csv_row(builder, cells, columns, label, country, seen, report.name)
        except BadRow as exc:
            report.bad_row(reader.line_num, str(exc))
            continue
        report.kept += 1


def _add_csv_row(
    builder: _Builder,
    cells: list[str],
    columns: dict[str, int],
    label: str,
    country: str,
    seen: dict[str, int],
    gazetteer: str,
) -> None:
    def cell(column: str) -> str:
        at = columns.get(column)
        return cells[at].strip() if at is not None and at < len(cells) else ""

    name = cell("name")
    if not name:
        raise BadRow("the name is empty")
    if _has_bad_bytes(",".join(cells)):
        raise BadRow("not UTF-8 text")
    lat = _coordinate(cell("lat"), -90.0, 90.0, "lat")
    lon = _coordinate(cell("lon"), -180.0, 180.0, "lon")
    kind = cell("kind") or "village"
    if kind not in PLACE_KINDS:
        raise BadRow(f"kind {kind!r} is not one of {', '.join(PLACE_KINDS)}")
    slug = cell("id") or re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "place"
    count = seen[slug] = seen.get(slug, 0) + 1
    place_id = f"{gazetteer}:{slug}" if count == 1 else f"{gazetteer}:{slug}-{count}"
    aliases = [a.strip() for a in cell("aliases").split("|") if a.strip()]
    builder.add(
        place_id,
        name,
        lat,
        lon,
        kind,
        (cell("country") or country).upper(),
        cell("admin1"),
        _whole(cell("population"), "population"),
        None,
        label,
        aliases,
    )


def _sniff(first_line: str) -> str:
    """``"geonames"`` or ``"csv"`` from a file's first line; GazetteerError otherwise."""
    if first_line.count("\t") >= GEONAMES_COLUMNS - 1:
        return "geonames"
    header = [h.strip().lower() for h in next(csv.reader([first_line]), [])]
    if "name" in header:
        return "csv"
    return ""


def import_gazetteer(path: str | Path, name: str | None = None, country: str = "") -> ImportReport:
    """Import ``path`` as the gazetteer ``name`` (default: the file's stem) into the cache.

    ``country`` is the ISO code given to CSV rows that have no ``country`` column."""
    path = Path(path)
    name = check_name(name or default_name(path))
    country = country.strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise GazetteerError(f"--country {country!r} is not a two-letter ISO country code")
    started = time.perf_counter()
    label = f"{path.name}, imported as {name}"
    builder = _Builder()
    with _open_text(path) as handle:
        try:
            first = handle.readline()
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise GazetteerError(f"{path}: cannot read it: {exc}") from exc
        kind = _sniff(first)
        if not kind:
            raise GazetteerError(
                f"{path}: neither a GeoNames extract (19 tab-separated columns) nor a CSV "
                "with a name,lat,lon header"
            )
        report = ImportReport(name=name, source=str(path.resolve()), format=kind)
        lines = _chain(first, handle)
        try:
            if kind == "geonames":
                _import_geonames(lines, builder, report, label)
            else:
                _import_csv(lines, builder, report, label, country)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise GazetteerError(f"{path}: reading stopped at row {report.rows}: {exc}") from exc
    if not report.kept:
        detail = f"; e.g. {report.bad_examples[0]}" if report.bad_examples else ""
        raise GazetteerError(f"{path}: no usable place in {report.rows:,} rows{detail}")
    rows = builder.finish()
    rows.key = f"imported:{name}:{_digest(rows)}"
    report.names = rows.name_count()
    report.seconds = time.perf_counter() - started
    _save(ImportedGazetteer(name, rows, report))
    log.info("%s", report.summary())
    return report


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _digest(rows: WorldRows) -> str:
    """A short digest of the imported names and points (keys the toponym table cache)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(rows.display)
    digest.update(rows.names.text.encode("utf-8", "surrogatepass"))
    digest.update(rows.lats.tobytes())
    digest.update(rows.lons.tobytes())
    return digest.hexdigest()[:16]


def _save(imported: ImportedGazetteer) -> None:
    path = imported_path(imported.name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GazetteerError(f"{path.parent}: cannot create the folder: {exc.strerror}") from exc
    write_cache(path, imported)
    if not path.exists():
        raise GazetteerError(
            f"{path}: could not be written; set GEO_CACHE_DIR to a writable folder"
        )
    manifest = {
        "name": imported.name,
        "source": imported.report.source,
        "format": imported.report.format,
        "places": imported.report.kept,
        "names": imported.report.names,
        "bad_rows": imported.report.bad,
        "imported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        path.with_suffix(".json").write_text(json.dumps(manifest, indent=1) + "\n")
    except OSError as exc:  # the listing only; the gazetteer itself is written
        log.warning("could not write %s: %s", path.with_suffix(".json"), exc)


def describe_imported() -> list[dict[str, object]]:
    """The manifest of every imported gazetteer (for ``geo gazetteer list``)."""
    found = []
    for name in imported_names():
        manifest = imported_path(name).with_suffix(".json")
        try:
            found.append(json.loads(manifest.read_text()))
        except (OSError, ValueError):
            found.append({"name": name})
    return found
