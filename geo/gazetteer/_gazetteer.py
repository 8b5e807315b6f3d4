"""The gazetteer: the curated theatre file, imported gazetteers and the world extension.

Curated rows win: a world or imported row with the same GeoNames id as a curated row is
hidden, and lookups list curated candidates first. An imported gazetteer (``geo gazetteer
import``, :mod:`geo.gazetteer._import`) stands beside the world the same way: its rows
hide the world's rows of the same GeoNames id. Names are compared folded (see
:func:`geo.gazetteer._names.fold`).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from geo.errors import GazetteerError, UnknownPlaceError
from geo.gazetteer._names import fold, match_key
from geo.gazetteer._tiers import RowTiers
from geo.gazetteer._world import load_world
from geo.gazetteer._world_build import abbreviation_key, spellings
from geo.gazetteer._world_rows import DATA_DIR, WorldRows
from geo.models import PLACE_KINDS, Place

log = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "aliases",
    "lat",
    "lon",
    "kind",
    "country",
    "admin1",
    "population",
    "geonameid",
    "source",
)


def default_gazetteer_path() -> Path:
    """The curated gazetteer: ``gazetteer.csv`` in the checkout, else the packaged copy."""
    checkout = Path(__file__).resolve().parents[2] / "gazetteer.csv"
    if checkout.exists():
        return checkout
    return Path(__file__).resolve().parents[1] / "data" / "gazetteer.csv"


def _parse_float(path: Path, line: int, field: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise GazetteerError(f"{path}:{line}: field {field!r}: {value!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise GazetteerError(
            f"{path}:{line}: field {field!r}: {value} is outside {low:g}..{high:g}"
        )
    return number


#: A population or GeoNames id: ASCII digits, at most 15 of them.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,15}")


def _parse_row(path: Path, line: int, row: dict[str, str]) -> Place:
    def text(field: str) -> str:
        return (row.get(field) or "").strip()

    place_id, name, kind = text("id"), text("name"), text("kind")
    for field, value in (("id", place_id), ("name", name), ("source", text("source"))):
        if not value:
            raise GazetteerError(f"{path}:{line}: field {field!r} is empty")
    if kind not in PLACE_KINDS:
        raise GazetteerError(
            f"{path}:{line}: field 'kind': {kind!r} is not one of {', '.join(PLACE_KINDS)}"
        )
    population_text = text("population") or "0"
    if not _WHOLE_NUMBER.fullmatch(population_text):
        raise GazetteerError(
            f"{path}:{line}: field 'population': {population_text[:40]!r} is not a whole "
            "number of at most 15 digits"
        )
    geonameid_text = text("geonameid")
    if geonameid_text and not _WHOLE_NUMBER.fullmatch(geonameid_text):
        shown = geonameid_text[:40]
        raise GazetteerError(f"{path}:{line}: field 'geonameid': {shown!r} is not an id")
    aliases = tuple(a.strip() for a in text("aliases").split("|") if a.strip())
    return Place(
        id=place_id,
        name=name,
        lat=_parse_float(path, line, "lat", text("lat"), -90.0, 90.0),
        lon=_parse_float(path, line, "lon", text("lon"), -180.0, 180.0),
        kind=kind,
        country=text("country").upper(),
        admin1=text("admin1"),
        population=int(population_text),
        geonameid=int(geonameid_text) if geonameid_text else None,
        source=text("source"),
        aliases=aliases,
        curated=True,
    )


def read_curated(path: Path) -> list[Place]:
    """Read and validate a curated gazetteer CSV; errors name file, line and field."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read the gazetteer: {exc.strerror}") from exc
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise GazetteerError(
                    f"{path}:1: missing column(s) {', '.join(missing)}; "
                    f"the header needs {','.join(REQUIRED_COLUMNS)}"
                )
            places: list[Place] = []
            seen: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                place = _parse_row(path, line, row)
                if place.id in seen:
                    raise GazetteerError(
                        f"{path}:{line}: field 'id': {place.id!r} repeats line {seen[place.id]}"
                    )
                seen[place.id] = line
                places.append(place)
        except UnicodeDecodeError as exc:
            raise GazetteerError(
                f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
            ) from exc
        except csv.Error as exc:
            raise GazetteerError(f"{path}: malformed CSV: {exc}") from exc
    if not places:
        raise GazetteerError(f"{path}: the gazetteer has no rows")
    return places


class _PlacesById(dict[str, Place]):
    """Places by id: the curated rows from the start, a world row added the first time
    its id is asked for (later requests are a dict lookup)."""

    def __init__(
        self, curated: Iterable[Place], world_place_of_id: Callable[[str], Place | None]
    ) -> None:
        super().__init__((place.id, place) for place in curated)
        self._world_place_of_id = world_place_of_id

    def __missing__(self, place_id: str) -> Place:
        place = self._world_place_of_id(place_id)
        if place is None:
            raise UnknownPlaceError(f"no gazetteer entry has id {place_id!r}")
        self[place_id] = place
        return place


class Gazetteer:
    """Name and alias lookup over curated places and (optionally) imported gazetteers and
    the world extension: ``world`` is the world's rows, ``imported`` the imported ones (in
    order of precedence)."""

    def __init__(
        self,
        curated: list[Place],
        world: WorldRows | None = None,
        imported: Sequence[WorldRows] = (),
    ) -> None:
        self.curated: tuple[Place, ...] = tuple(curated)
        tiers = [*imported, *([world] if world is not None else [])]
        self._world = world
        self._rows = RowTiers(tiers) if tiers else None
        self._places_by_id = _PlacesById(curated, self._world_place_of_id)
        self._curated_names: dict[str, list[Place]] = defaultdict(list)
        for place in curated:
            for alias in (place.name, *place.aliases):
                key = abbreviation_key(alias) or fold(alias)
                if key and place not in self._curated_names[key]:
                    self._curated_names[key].append(place)
        self._hidden_geonameids = {p.geonameid for p in curated if p.geonameid}
        self._hidden_ids = self._curated_twins()
        # A row without an id of its own is "gn:<geonameid>": hidden when that number is a
        # curated row's GeoNames id or the id is a curated twin (see _world_visible).
        self._hidden_gn_numbers = self._hidden_geonameids | {
            int(i[3:])
            for i in self._hidden_ids
            if i.startswith("gn:") and i[3:].isdecimal() and i == f"gn:{int(i[3:])}"
        }
        self._world_cache: dict[int, Place] = {}
        self._lookup_cache: dict[tuple[str, int | None], tuple[Place, ...]] = {}
        self._demonym_targets = _read_demonyms()
        self._demonym_cache: dict[str, Place | None] = {}

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(
        cls, path: str | Path | None = None, world: bool = True, imported: Sequence[str] = ()
    ) -> Gazetteer:
        """Load the curated file (default: the theatre's), the gazetteers imported under the
        names ``imported`` and, unless ``world=False``, the world."""
        from geo.gazetteer._import import load_imported

        curated_path = Path(path) if path is not None else default_gazetteer_path()
        curated = read_curated(curated_path)
        extra = [load_imported(name) for name in imported]
        rows = load_world() if world else None
        log.info(
            "gazetteer: %d curated places from %s%s%s",
            len(curated),
            curated_path,
            "".join(
                f", {len(r)} places imported as {n}" for n, r in zip(imported, extra, strict=True)
            ),
            f", {len(rows)} world places" if rows is not None else "",
        )
        return cls(curated, rows, extra)

    # -- world rows as places ------------------------------------------------------------
    def _world_place(self, index: int) -> Place:
        place = self._world_cache.get(index)
        if place is None:
            w = self._rows
            assert w is not None
            place = Place(*w.fields(index))
            self._world_cache[index] = place
        return place

    def _world_visible(self, index: int) -> bool:
        """False for a world row a curated row stands for (same GeoNames id, or a twin),
        or that an imported row stands for (same GeoNames id).

        The same test as ``geonameid(index) not in hidden GeoNames ids and place_id(index)
        not in hidden ids``, without building the id: a row with no id of its own is
        ``gn:<its GeoNames id>`` (never negative), so one set of numbers answers for it."""
        w = self._rows
        assert w is not None
        number = w.geonameid_number(index)
        other = w.other_id(index)
        if other is None:
            visible = number not in self._hidden_gn_numbers
        else:
            visible = number not in self._hidden_geonameids and other not in self._hidden_ids
        return visible and not w.shadowed(index)

    def _curated_twins(self) -> frozenset[str]:
        """World rows a curated row stands for without a GeoNames id: the country row of a
        curated country, and a world region of the same country named like a curated one."""
        world = self._rows
        if world is None:
            return frozenset()
        hidden: set[str] = set()
        for place in self.curated:
            if place.kind == "country":
                hidden.add(f"country:{place.country}")
            if place.kind not in ("admin1", "region"):
                continue
            for alias in (place.name, *place.aliases):
                for index in world.rows_named(fold(alias)):
                    if world.country(index) == place.country and world.kind(index) in (
                        "admin1",
                        "region",
                    ):
                        hidden.add(world.place_id(index))
        return frozenset(hidden)

    # -- queries -------------------------------------------------------------------------
    @property
    def has_world(self) -> bool:
        """True when the world extension or an imported gazetteer is loaded (rows that
        are kept in tables, not as curated places)."""
        return self._rows is not None

    def lookup(self, name: str) -> list[Place]:
        """Every place called ``name``: curated first, then world places by population."""
        return list(self.lookup_folded(abbreviation_key(name) or fold(name)))

    def lookup_folded(self, key: str, limit: int | None = None) -> tuple[Place, ...]:
        """:meth:`lookup` for a name already folded with :func:`geo.gazetteer._names.fold` (cached).

        With ``limit``, only the ``limit`` most populous world places are returned (plus
        every country and region row): a fast path for the toponym resolver.
        """
        cache_key = (key, limit)
        cached = self._lookup_cache.get(cache_key)
        if cached is not None:
            return cached
        found = list(self._curated_names.get(key, ()))
        world = self._rows
        if world is not None:
            # Most populous first; the sort is stable, so equal populations keep row order.
            rows = sorted(world.rows_named(key), key=world.population, reverse=True)
            visible = self._world_visible
            if limit is None:
                indices = [i for i in rows if visible(i)]
            else:
                indices = self._limited(rows, limit)
            found.extend(self._world_place(i) for i in indices)
        result = tuple(found)
        self._lookup_cache[cache_key] = result
        return result

    def _limited(self, rows: list[int], limit: int) -> list[int]:
        """The first ``limit`` visible ``rows``, then every later visible row whose id is
        not a ``gn:`` id (countries and regions)."""
        world = self._rows
        assert world is not None
        visible = self._world_visible
        indices: list[int] = []
        rest: list[int] = []
        for position, index in enumerate(rows):
            if len(indices) == limit:
                rest = rows[position:]
                break
            if visible(index):
                indices.append(index)
        for index in rest:
            other = world.other_id(index)
            if other is not None and not other.startswith("gn:") and visible(index):
                indices.append(index)
        return indices

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.lookup(name))

    def get(self, place_id: str) -> Place:
        """The place with this id; raises :class:`UnknownPlaceError`."""
        return self._places_by_id[place_id]

    @property
    def place_of_id(self) -> Callable[[str], Place]:
        """:meth:`get` as a plain dict lookup once an id has been asked for: for callers
        that look up many ids, such as results unpickled from other processes."""
        return self._places_by_id.__getitem__

    def _world_place_of_id(self, place_id: str) -> Place | None:
        if self._rows is None:
            return None
        index = self._rows.index_of(place_id)
        return None if index is None else self._world_place(index)

    def resolve(self, name: str) -> Place:
        """The place ``name`` means for ``--reference``: a ``lat,lon`` pair, a place id, or a
        name (curated wins, then a town over a region of the same name). A name two
        towns of comparable size share in different countries raises
        :class:`UnknownPlaceError` naming their ids, rather than picking one silently."""
        point = _coordinates(name)
        if point is not None:
            lat, lon = point
            return Place(f"point:{lat:g},{lon:g}", f"{lat:g}, {lon:g}", lat, lon, "point", "")
        if ":" in name or name in self._places_by_id:
            with contextlib.suppress(UnknownPlaceError):
                return self.get(name.strip())
        candidates = self.lookup(name)
        if candidates and not candidates[0].curated:
            towns = [c for c in candidates if not c.is_spread]
            candidates = towns + [c for c in candidates if c.is_spread] if towns else candidates
            _refuse_ambiguous(name, [c for c in towns if fold(c.name) == fold(name)])
        if not candidates:
            hint = ", ".join(sorted(p.name for p in self.curated)[:8])
            raise UnknownPlaceError(
                f"{name!r} is not in the gazetteer; use a name or alias from gazetteer.csv "
                f"(e.g. {hint}) or add a row for it"
            )
        return candidates[0]

    def country(self, code: str) -> Place | None:
        """The country row for an ISO alpha-2 code (curated first)."""
        code = code.upper()
        for place in self.curated:
            if place.kind == "country" and place.country == code:
                return place
        if self._rows is not None:
            try:
                return self.get(f"country:{code}")
            except UnknownPlaceError:
                return None
        return None

    def capital_of(self, code: str) -> Place | None:
        """The capital city of a country from the world data, replaced by its curated twin
        where the curated file has one; None without the world extension."""
        code = code.upper()
        world_capital: Place | None = None
        if self._rows is not None and code in self._rows.capitals:
            world_capital = self._world_place(self._rows.capitals[code])
            if world_capital.geonameid in self._hidden_geonameids:
                for place in self.curated:
                    if place.geonameid == world_capital.geonameid:
                        return place
            # an imported twin (same GeoNames id) stands for the world's row
            world_capital = self.get(world_capital.id)
        return world_capital

    def capital_ids(self) -> frozenset[str]:
        """Ids of every country's capital city (curated rows replace their world twins)."""
        if self._rows is None:
            return frozenset()
        ids = set()
        for code in self._rows.capitals:
            capital = self.capital_of(code)
            if capital is not None:
                ids.add(capital.id)
        return frozenset(ids)

    def demonym_country(self, word: str) -> Place | None:
        """The country (or region) a demonym names: "Russian"/"Russians" -> Russia,
        "Abkhaz" -> Abkhazia. ``data/demonyms.csv`` first, then the world data."""
        key = fold(word)
        if key in self._demonym_cache:
            return self._demonym_cache[key]
        place = self._demonym_place(key)
        if place is None and key.endswith("s"):
            place = self._demonym_place(key[:-1])
        self._demonym_cache[key] = place
        return place

    def _demonym_place(self, key: str) -> Place | None:
        target = self._demonym_targets.get(key)
        if target is None and self._rows is not None:
            place_id = self._rows.demonyms.get(key)
            target = place_id.split(":", 1)[1] if place_id else None
        if target is None:
            return None
        if len(target) == 2 and target.isupper():
            return self.country(target)
        return _preferred_area(self.lookup_folded(fold(target)))

    def demonym_words(self) -> list[str]:
        """Every demonym this gazetteer knows, folded, with plurals ("georgian", "georgians")."""
        words = set(self._demonym_targets)
        if self._rows is not None:
            words.update(self._rows.demonyms)
        return sorted({form for word in words for form in _with_plural(word)})

    def match_names(self) -> Iterator[tuple[str, str]]:
        """``(match form, folded name)`` for every spelling the toponym matcher should find.

        The match form is :func:`geo.gazetteer._names.match_key` of a spelling; a folded
        name can have several ("cote divoire" is written "Côte d'Ivoire").
        """
        for place in self.curated:
            for alias in (place.name, *place.aliases):
                key = abbreviation_key(alias) or fold(alias)
                forms = spellings(alias)
                if not key.endswith("."):
                    forms.add(match_key(key))
                for form in forms:
                    if form and key:
                        yield form, key
        if self._rows is not None:
            variants = self._rows.variants
            for key in self._rows.name_keys():
                if not key.endswith("."):
                    yield match_key(key), key
                for form in variants.get(key, ()):
                    yield form, key

    def is_code(self, key: str) -> bool:
        """True when a folded name is written as a capitalised code (US, UK, NSW, EU)."""
        if self._rows is not None and key in self._rows.codes:
            return True
        return any(
            alias.replace(".", "").isupper() and (abbreviation_key(alias) or fold(alias)) == key
            for place in self._curated_names.get(key, ())
            for alias in (place.name, *place.aliases)
        )

    def content_key(self) -> str:
        """A digest of every name this gazetteer can match (keys caches built from it)."""
        digest = hashlib.sha1(usedforsecurity=False)
        for place in self.curated:
            digest.update("|".join((place.id, place.name, *place.aliases)).encode())
        for word, target in sorted(self._demonym_targets.items()):
            digest.update(f"{word}={target}".encode())
        digest.update((self._rows.key if self._rows is not None else "no-world").encode())
        return digest.hexdigest()[:16]

    def iter_names(self) -> Iterator[tuple[str, bool]]:
        """Every folded name once, with whether a curated place carries it."""
        for key in self._curated_names:
            yield key, True
        if self._rows is not None:
            for key in self._rows.name_keys():
                if key not in self._curated_names:
                    yield key, False

    def __len__(self) -> int:
        return len(self.curated) + (len(self._rows) if self._rows is not None else 0)


def _with_plural(word: str) -> tuple[str, ...]:
    """A folded demonym and its plural noun: "georgian" -> "georgians"; "chinese" has none."""
    if word.endswith(("sh", "ch", "ese", "ss", "s", "x", "z")):
        return (word,)
    return (word, word + "s")


def _preferred_area(candidates: tuple[Place, ...]) -> Place | None:
    """The reading of a demonym's target name: curated first, then areas before towns."""
    if not candidates:
        return None
    rank = {"country": 0, "region": 1, "admin1": 2}
    return min(candidates, key=lambda p: (not p.curated, rank.get(p.kind, 3), -p.population))


def _read_demonyms() -> dict[str, str]:
    """``data/demonyms.csv``: folded demonym -> ISO country code or place name."""
    path = DATA_DIR / "demonyms.csv"
    targets: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                word, target = (row.get("word") or "").strip(), (row.get("target") or "").strip()
                if not word or not target:
                    raise GazetteerError(f"{path}:{line}: field 'word' or 'target' is empty")
                targets[fold(word)] = target
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read the demonym list: {exc.strerror}") from exc
    return targets


_COORDINATES = re.compile(r"\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*")
#: A second town this large (relative to the first) makes a bare name ambiguous.
AMBIGUOUS_SHARE = 0.15


def _coordinates(text: str) -> tuple[float, float] | None:
    match = _COORDINATES.fullmatch(text)
    if match is None:
        return None
    lat, lon = float(match[1]), float(match[2])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UnknownPlaceError(f"{text!r}: latitude must be -90..90 and longitude -180..180")
    return lat, lon


def _refuse_ambiguous(name: str, towns: list[Place]) -> None:
    """Raise when the two largest towns called ``name`` are in different countries and the
    second is at least 15 % the size of the first ("Tripoli": Libya or Lebanon)."""
    if len(towns) < 2:
        return
    first, second = sorted(towns, key=lambda p: -p.population)[:2]
    if first.country != second.country and second.population >= AMBIGUOUS_SHARE * max(
        first.population, 1
    ):
        choices = ", ".join(f"{p.id} ({p.name}, {p.country})" for p in (first, second))
        raise UnknownPlaceError(
            f"{name!r} can mean {choices}; give --reference the id of the one you mean"
        )
