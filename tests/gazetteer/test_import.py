"""``geo gazetteer import``: GeoNames extracts and name,lat,lon CSVs into a cached gazetteer
used beside the curated rows and the world."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import GazetteerError
from geo.gazetteer import _import
from geo.gazetteer._gazetteer import Gazetteer, read_curated
from geo.gazetteer._import import import_gazetteer, load_imported
from geo.gazetteer._world import load_world
from geo.models import Article
from geo.toponyms._toponyms import Toponymizer

CURATED_HEADER = "id,name,aliases,lat,lon,kind,country,admin1,population,geonameid,source\n"


def geonames_line(
    gid: int,
    name: str,
    lat: float | str,
    lon: float | str,
    feature: str = "P.PPL",
    alternates: str = "",
    population: int | str = 0,
    admin1: str = "",
    country: str = "UA",
) -> str:
    """One row of a GeoNames extract (19 tab-separated fields)."""
    feature_class, code = feature.split(".")
    fields = [
        str(gid), name, name, alternates, str(lat), str(lon), feature_class, code, country,
        "", admin1, "", "", "", str(population), "", "100", "Europe/Kyiv", "2024-03-01",
    ]  # fmt: skip
    return "\t".join(fields) + "\n"


#: A small extract: villages of a made-up district, its region, a river, a school (left out)
#: and the real city of Kherson under its real GeoNames id (the world holds it too).
EXTRACT = (
    geonames_line(
        91001, "Zorianivka Druha", 47.12, 33.51, alternates="Zoryanivka Druga,Зорянівка Друга"
    )
    + geonames_line(91002, "Ozerne Pole", 47.18, 33.60, population=6200, admin1="08")
    + geonames_line(91003, "Verkhnia Dubrava", 47.05, 33.44, alternates="Verkhnya Dubrava")
    + geonames_line(91004, "Khersonska Oblast", 46.75, 33.35, "A.ADM1", "Kherson Oblast", 0, "08")
    + geonames_line(91005, "Inhulets Stream", 47.0, 33.2, "H.STM", "Inhulets")
    + geonames_line(91006, "School No 4", 47.1, 33.5, "S.SCH")
    + geonames_line(706448, "Kherson", 46.6354, 32.6169, "P.PPLA", "Cherson,Херсон", 279131, "08")
)


@pytest.fixture
def imported_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Imported gazetteers go to a folder of the test's own (the world cache stays shared)."""
    folder = tmp_path / "gazetteers"
    monkeypatch.setattr(_import, "imported_dir", lambda: folder)
    return folder


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def curated(tmp_path: Path, rows: str = "") -> Path:
    country = "xu-ukraine,Ukraine,,49.0,32.0,country,UA,,0,,test row\n"
    return write(tmp_path, "curated.csv", CURATED_HEADER + country + rows)


# -- reading an extract ------------------------------------------------------------------------
def test_geonames_extract_keeps_places_areas_and_rivers_with_their_alternate_names(
    tmp_path: Path, imported_dir: Path
) -> None:
    report = import_gazetteer(write(tmp_path, "UA.txt", EXTRACT))
    assert (report.name, report.format, report.rows, report.kept) == ("UA", "geonames", 7, 6)
    assert report.other_features == 1 and report.bad == 0
    assert (imported_dir / "UA.pickle").exists()
    gazetteer = Gazetteer(read_curated(curated(tmp_path)), None, [load_imported("UA")])
    for spelling in ("Zorianivka Druha", "Zoryanivka Druga", "ZORIANIVKA DRUHA"):
        assert [p.id for p in gazetteer.lookup(spelling)] == ["gn:91001"], spelling
    assert gazetteer.lookup("Зорянівка Друга") == []  # only names an English report can use
    assert gazetteer.lookup("School No 4") == []
    town, river, region = (
        gazetteer.lookup(n)[0] for n in ("Ozerne Pole", "Inhulets", "Kherson Oblast")
    )
    assert (town.kind, town.population, town.country) == ("town", 6200, "UA")
    assert town.admin1 == "Khersonska Oblast"  # the ADM1 row of code 08 names the region
    assert (river.kind, region.kind) == ("river", "admin1")
    assert town.source == "GeoNames 91002 (UA.txt, imported as UA)"
    assert gazetteer.lookup("Kherson")[0].kind == "city"


def test_bad_rows_are_counted_shown_and_skipped(tmp_path: Path, imported_dir: Path) -> None:
    bad = (
        "not a GeoNames row at all\n"
        + geonames_line(92001, "Nowhere", 123.0, 30.0)
        + geonames_line(92002, "Eastward", 47.0, "east")
        + geonames_line(92003, "", 47.0, 30.0)
        + geonames_line(92004, "Crowd", 47.0, 30.0, population="many")
    )
    path = tmp_path / "mixed.txt"
    path.write_bytes(EXTRACT.encode() + bad.encode() + b"91999\tCaf\xe9\t" + b"\t" * 17 + b"\n")
    report = import_gazetteer(path, "mixed")
    assert report.kept == 6 and report.bad == 6
    assert report.bad_examples[0] == "line 8: 1 tab-separated fields, not 19"
    assert "latitude 123.0 is outside -90..90" in report.bad_examples[1]
    assert "longitude 'east' is not a number" in report.bad_examples[2]
    assert len(report.bad_examples) == _import.SHOWN_BAD_ROWS
    assert "6 bad rows skipped" in report.summary()


def test_a_file_without_any_usable_row_is_one_error(tmp_path: Path, imported_dir: Path) -> None:
    with pytest.raises(GazetteerError, match="neither a GeoNames extract"):
        import_gazetteer(write(tmp_path, "notes.txt", "some notes\nmore notes\n"))
    broken = write(tmp_path, "broken.txt", geonames_line(1, "X", 99, 99) * 3)
    with pytest.raises(GazetteerError, match=r"no usable place in 3 rows; e\.g\. line 1"):
        import_gazetteer(broken)
    assert not (imported_dir / "broken.pickle").exists()


def test_a_geonames_zip_is_read_as_it_is_downloaded(tmp_path: Path, imported_dir: Path) -> None:
    archive = tmp_path / "UA.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "about the extract\n")
        out.writestr("UA.txt", EXTRACT)
    assert import_gazetteer(archive).kept == 6


def test_plain_csv_of_name_lat_lon(tmp_path: Path, imported_dir: Path) -> None:
    text = (
        "Name,Latitude,Longitude,aliases\n"
        "Tal Hamid,36.61,40.80,Tell Hamid|Tal Hameed\n"
        "Bad Place,95,40,\n"
        "Tal Hamid,36.70,40.90,\n"
    )
    report = import_gazetteer(write(tmp_path, "villages.csv", text), "sy-villages", country="sy")
    assert (report.format, report.kept, report.bad) == ("csv", 2, 1)
    assert report.bad_examples == ["line 3: lat 95 is outside -90..90"]
    gazetteer = Gazetteer(read_curated(curated(tmp_path)), None, [load_imported("sy-villages")])
    found = gazetteer.lookup("Tell Hamid")
    assert [(p.id, p.country, p.kind) for p in found] == [
        ("sy-villages:tal-hamid", "SY", "village")
    ]
    assert [p.id for p in gazetteer.lookup("Tal Hamid")][1] == "sy-villages:tal-hamid-2"
    with pytest.raises(GazetteerError, match=r"missing column.*lon"):
        import_gazetteer(write(tmp_path, "nolon.csv", "name,lat\nA,1\n"))


# -- beside the curated rows and the world ------------------------------------------------------
def test_curated_rows_win_and_imported_rows_stand_for_the_world_twin(
    tmp_path: Path, imported_dir: Path
) -> None:
    import_gazetteer(write(tmp_path, "UA.txt", EXTRACT))
    world = load_world()
    plain = Gazetteer(read_curated(curated(tmp_path)), world, [load_imported("UA")])
    kherson = [p for p in plain.lookup("Kherson") if p.id == "gn:706448"]
    assert len(kherson) == 1 and "imported as UA" in kherson[0].source  # no world copy
    assert plain.get("gn:706448").lat == pytest.approx(46.6354)
    row = "xu-kherson,Kherson,,46.64,32.61,city,UA,,280000,706448,test row\n"
    row += "xu-zd,Zorianivka Druha,,47.13,33.52,village,UA,,0,91001,test row\n"
    with_curated = Gazetteer(read_curated(curated(tmp_path, row)), world, [load_imported("UA")])
    ids = [p.id for p in with_curated.lookup("Kherson")]
    assert ids[0] == "xu-kherson" and "gn:706448" not in ids
    assert [p.id for p in with_curated.lookup("Zorianivka Druha")] == ["xu-zd"]
    assert with_curated.lookup("Zoryanivka Druga") == []  # the hidden row's own alias


def test_imported_villages_are_found_in_text_and_resolved(
    tmp_path: Path, imported_dir: Path
) -> None:
    import_gazetteer(write(tmp_path, "UA.txt", EXTRACT))
    gazetteer = Gazetteer(read_curated(curated(tmp_path)), load_world(), [load_imported("UA")])
    text = (
        "Ukrainian troops pushed from Verkhnya Dubrava towards Zoryanivka Druga on Tuesday, "
        "and shelling hit Ozerne Pole, officials said."
    )
    mentions = Toponymizer(gazetteer, use_cache=False).mentions(Article(doc="d", text=text))
    found = {m.text: m.place.id for m in mentions if m.place is not None and m.type == "toponym"}
    assert found == {
        "Verkhnya Dubrava": "gn:91003",
        "Zoryanivka Druga": "gn:91001",
        "Ozerne Pole": "gn:91002",
    }


def test_the_toponym_table_cache_follows_the_imported_names(
    tmp_path: Path, imported_dir: Path
) -> None:
    curated_rows = read_curated(curated(tmp_path))
    import_gazetteer(write(tmp_path, "UA.txt", EXTRACT))
    first = Gazetteer(curated_rows, None, [load_imported("UA")]).content_key()
    import_gazetteer(
        write(tmp_path, "UA.txt", EXTRACT + geonames_line(91100, "Druha Sich", 47, 33))
    )
    second = Gazetteer(curated_rows, None, [load_imported("UA")])
    assert second.content_key() != first
    assert [p.id for p in second.lookup("Druha Sich")] == ["gn:91100"]


# -- the command line ---------------------------------------------------------------------------
def test_cli_import_then_use_it_by_name(
    tmp_path: Path, imported_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extract = write(tmp_path, "UA.txt", EXTRACT + "cut short\n")
    assert main(["gazetteer", "import", str(extract), "--name", "ua-test"]) == 0
    out, err = capsys.readouterr()
    assert "imported 6 places" in out and "as 'ua-test'" in out and "1 bad rows skipped" in out
    assert "bad row: line 8: 1 tab-separated fields" in err
    assert main(["gazetteer", "list"]) == 0
    assert "ua-test\t6 places" in capsys.readouterr().out
    text = "Shelling hit Ozerne Pole and Zoryanivka Druga overnight, Ukrainian officials said."
    argv = ["places", "--gazetteer", "ua-test", "--format", "jsonl", "--text", text]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert '"place_id": "gn:91002"' in out and '"place_id": "gn:91001"' in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["places", "--gazetteer", "never-imported", "--text", "x"], "neither a gazetteer file"),
        (["places", "--gazetteer", "{tmp}/UA.txt", "--text", "x"], "a GeoNames extract, not"),
        (["gazetteer", "import", "{tmp}/absent.txt"], "no such file"),
        (["gazetteer", "import", "{tmp}/UA.txt", "--name", "../x"], "cannot name a gazetteer"),
    ],
)
def test_cli_gazetteer_mistakes_are_one_line(
    tmp_path: Path,
    imported_dir: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    needle: str,
) -> None:
    write(tmp_path, "UA.txt", EXTRACT)
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert code in (3, 4) and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
