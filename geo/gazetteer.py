"""The gazetteer: the curated theatre file plus the world GeoNames extension.

Curated rows win: a world row with the same GeoNames id as a curated row is hidden, and
lookups list curated candidates first. Names are compared folded (see :func:`geo.names.fold`).
"""

from __future__ import annotations

import csv
import logging
import math
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from geo.errors import GazetteerError, UnknownPlaceError
from geo.models import PLACE_KINDS, Place
from geo.names import fold
from geo.world import WorldRows, load_world

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
    checkout = Path(__file__).resolve().parent.parent / "gazetteer.csv"
    if checkout.exists():
        return checkout
    return Path(__file__).resolve().parent / "data" / "gazetteer.csv"


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
    if not population_text.isdigit():
        raise GazetteerError(
            f"{path}:{line}: field 'population': {population_text!r} is not a whole number"
        )
    geonameid_text = text("geonameid")
    if geonameid_text and not geonameid_text.isdigit():
        raise GazetteerError(f"{path}:{line}: field 'geonameid': {geonameid_text!r} is not an id")
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
        handle = path.open(encoding="utf-8", newline="")
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
            raise GazetteerError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
        except csv.Error as exc:
            raise GazetteerError(f"{path}: malformed CSV: {exc}") from exc
    if not places:
        raise GazetteerError(f"{path}: the gazetteer has no rows")
    return places


class Gazetteer:
    """Name and alias lookup over curated places and (optionally) the world extension."""

    def __init__(self, curated: list[Place], world: WorldRows | None = None) -> None:
        self.curated: tuple[Place, ...] = tuple(curated)
        self._world = world
        self._by_id: dict[str, Place] = {p.id: p for p in curated}
        self._curated_names: dict[str, list[Place]] = defaultdict(list)
        for place in curated:
            for alias in (place.name, *place.aliases):
                key = fold(alias)
                if key and place not in self._curated_names[key]:
                    self._curated_names[key].append(place)
        self._hidden_geonameids = {p.geonameid for p in curated if p.geonameid}
        self._world_cache: dict[int, Place] = {}

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None, world: bool = True) -> Gazetteer:
        """Load the curated file (default: the theatre's) and, unless ``world=False``, the world."""
        curated_path = Path(path) if path is not None else default_gazetteer_path()
        curated = read_curated(curated_path)
        rows = load_world() if world else None
        log.info(
            "gazetteer: %d curated places from %s%s",
            len(curated),
            curated_path,
            f", {len(rows)} world places" if rows is not None else "",
        )
        return cls(curated, rows)

    # -- world rows as places ------------------------------------------------------------
    def _world_place(self, index: int) -> Place:
        place = self._world_cache.get(index)
        if place is None:
            w = self._world
            assert w is not None
            place = Place(
                id=w.ids[index],
                name=w.names_display[index],
                lat=w.lats[index],
                lon=w.lons[index],
                kind=w.kinds[index],
                country=w.countries[index],
                admin1=w.admin1s[index],
                population=w.populations[index],
                geonameid=w.geonameids[index],
                source=w.sources[index],
            )
            self._world_cache[index] = place
        return place

    def _world_visible(self, index: int) -> bool:
        assert self._world is not None
        return self._world.geonameids[index] not in self._hidden_geonameids

    # -- queries -------------------------------------------------------------------------
    @property
    def has_world(self) -> bool:
        return self._world is not None

    def lookup(self, name: str) -> list[Place]:
        """Every place called ``name``: curated first, then world places by population."""
        key = fold(name)
        found = list(self._curated_names.get(key, ()))
        if self._world is not None:
            world = [
                self._world_place(i) for i in self._world.names.get(key, ()) if self._world_visible(i)
            ]
            world.sort(key=lambda p: -p.population)
            found.extend(world)
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.lookup(name))

    def get(self, place_id: str) -> Place:
        """The place with this id; raises :class:`UnknownPlaceError`."""
        place = self._by_id.get(place_id)
        if place is not None:
            return place
        if self._world is not None:
            index = self._world_index_by_id().get(place_id)
            if index is not None:
                return self._world_place(index)
        raise UnknownPlaceError(f"no gazetteer entry has id {place_id!r}")

    @lru_cache(maxsize=1)  # noqa: B019 - one gazetteer lives for the whole run
    def _world_index_by_id(self) -> dict[str, int]:
        assert self._world is not None
        return {place_id: i for i, place_id in enumerate(self._world.ids)}

    def resolve(self, name: str) -> Place:
        """The best single reading of ``name`` (for ``--reference``); curated wins, then size."""
        candidates = self.lookup(name)
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
        if self._world is not None:
            try:
                return self.get(f"country:{code}")
            except UnknownPlaceError:
                return None
        return None

    def capital_of(self, code: str) -> Place | None:
        """The capital city of a country: a curated row of kind ``city`` flagged in its
        source as the capital, else the world capital."""
        code = code.upper()
        world_capital: Place | None = None
        if self._world is not None and code in self._world.capitals:
            world_capital = self._world_place(self._world.capitals[code])
            if world_capital.geonameid in self._hidden_geonameids:
                for place in self.curated:
                    if place.geonameid == world_capital.geonameid:
                        return place
        return world_capital

    def demonym_country(self, word: str) -> Place | None:
        """The country a demonym names ("Russian" -> Russia), from the world data."""
        if self._world is None:
            return None
        place_id = self._world.demonyms.get(fold(word))
        return self.country(place_id.split(":", 1)[1]) if place_id else None

    def iter_names(self) -> Iterator[tuple[str, bool]]:
        """Every folded name once, with whether a curated place carries it."""
        for key in self._curated_names:
            yield key, True
        if self._world is not None:
            for key in self._world.names:
                if key not in self._curated_names:
                    yield key, False

    def __len__(self) -> int:
        return len(self.curated) + (len(self._world) if self._world is not None else 0)
