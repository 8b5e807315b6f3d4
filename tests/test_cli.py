"""The command line: argument parsing and one-line errors with the right exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from geo.cli import main, parse_args
from geo.terminal import json_printable


def test_parse_map_defaults() -> None:
    args = parse_args(["map"])
    assert args.verb == "map"
    assert args.paths == []
    assert args.output == "output"
    assert args.reference is None  # the capital of the reports' focus country
    assert args.format == ("geojson",)
    assert args.offline is False


def test_parse_map_options() -> None:
    args = parse_args(
        [
            "map",
            "a.txt",
            "dir",
            "-o",
            "out",
            "--published",
            "2008-08-19",
            "--reference",
            "Gori",
            "--offline",
            "--format",
            "geojson,gpkg,csv",
            "--jobs",
            "2",
        ]
    )
    assert args.paths == ["a.txt", "dir"]
    assert args.published == date(2008, 8, 19)
    assert args.format == ("geojson", "gpkg", "csv")
    assert args.jobs == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["map", "--published", "19/08/2008"],
        ["map", "--format", "shapefile"],
        ["map", "--jobs", "0"],
        ["places", "--format", "xml"],
        ["nonsense"],
    ],
)
def test_bad_options_exit_2_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_missing_path_is_one_line_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["map", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out"), "--no-world"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1
    assert "missing.txt" in err[0] and "no such file" in err[0]
    assert not (tmp_path / "out" / "events.geojson").exists()


def test_bad_gazetteer_row_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "g.csv"
    bad.write_text(
        "id,name,aliases,lat,lon,kind,country,admin1,population,geonameid,source\n"
        "x-a,Alpha,,41.0,44.0,town,GE,,0,,test row\n"
        "x-b,Beta,,130.0,44.0,town,GE,,0,,test row\n",
        encoding="utf-8",
    )
    code = main(["gazetteer", "validate", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 4
    assert len(err) == 1
    assert "g.csv:3" in err[0] and "'lat'" in err[0] and "130" in err[0]


def test_gazetteer_validate_accepts_the_curated_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gazetteer", "validate"]) == 0
    assert "all valid" in capsys.readouterr().out


def test_gazetteer_lookup_lists_curated_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gazetteer", "lookup", "Tskhinval", "--no-world"]) == 0
    first = capsys.readouterr().out.splitlines()[0].split("\t")
    assert first[1] == "Tskhinvali"
    assert first[7] == "curated"


def test_unknown_reference_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.txt"
    report.write_text("Troops left Gori.", encoding="utf-8")
    code = main(
        [
            "map",
            str(report),
            "--reference",
            "Atlantis Major",
            "--no-world",
            "-o",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 4
    assert len(err) == 1 and "Atlantis Major" in err[0]


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["map", "--no-world", "-o", str(blocker / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 5
    assert len(err) == 1 and "cannot write output" in err[0]


def test_help_runs_as_a_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "geo.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "map" in done.stdout and "places" in done.stdout


def test_verbosity_is_accepted_before_or_after_the_verb() -> None:
    assert parse_args(["map", "-q"]).quiet is True
    assert parse_args(["-q", "map"]).quiet is True
    assert parse_args(["check", "-vv"]).verbose == 2
    assert parse_args(["-v", "places"]).verbose == 1
    assert parse_args(["map"]).quiet is False


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_tolerance_must_be_a_finite_non_negative_number(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--no-world", "--text", "Tanks in Gori.", "--tolerance-km", value])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "tolerance" in err[0]


def test_gazetteer_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_text = (
        "id,name,aliases,lat,lon,kind,country,admin1,population,geonameid,source\n"
        "x-a,Alpha,,41.0,44.0,town,GE,,0,,test row\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text.encode("utf-8"))
    assert main(["gazetteer", "validate", str(path)]) == 0
    assert "1 rows, all valid" in capsys.readouterr().out


# -- nothing printed to a terminal carries control or escape characters -----------------------
HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202e"


def _no_controls(text: str) -> None:
    assert not [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]
    assert "\u202e" not in text


def test_geo_check_prints_ids_file_names_and_skips_without_escapes(tmp_path: Path) -> None:
    line = "Soldiers set up a checkpoint outside Senaki, about 30 km (19 miles) from Poti.\n"
    (tmp_path / f"evil{HOSTILE}.txt").write_text(line, encoding="utf-8")
    (tmp_path / f"empty{HOSTILE}.txt").write_text("", encoding="utf-8")
    geo = Path(sys.executable).with_name("geo")
    for color in ("never", "always"):
        command = [str(geo), "check", str(tmp_path), "--no-world", "--color", color]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        out = done.stdout
        if color == "always":  # the verdict styles are the only escapes left
            from geo.io._checktable import RESET, STYLES

            assert STYLES["consistent"] in out
            for style in (*STYLES.values(), RESET):
                out = out.replace(style, "")
        _no_controls(out + done.stderr)
        assert "evil\\x1b]0;owned\\x07" in out
        assert "skipped" in done.stderr and "empty\\x1b]0;owned" in done.stderr


def test_error_lines_and_the_places_table_carry_no_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["map", str(tmp_path / f"missing{HOSTILE}.txt"), "-o", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    _no_controls(err)
    assert "missing\\x1b]0;owned" in err
    assert main(["places", "--no-world", "--text", f"Troops left Gori{HOSTILE} at dawn."]) == 0
    _no_controls(capsys.readouterr().out)
    assert main(["places", "--no-world", "--format", "jsonl", "--text", f"Gori{HOSTILE}."]) == 0
    _no_controls(capsys.readouterr().out)
    value = f"a{HOSTILE}\x9bz"
    shown = json_printable(json.dumps(value, ensure_ascii=False))
    _no_controls(shown)
    assert json.loads(shown) == value


def test_map_writes_the_acled_csv_and_kml_on_request(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["map", "--no-world", "-o", str(out), "--format", "acled,kml"]) == 0
    assert (out / "acled.csv").read_text(encoding="utf-8").startswith("event_id_cnty,event_date,")
    assert "<kml " in (out / "events.kml").read_text(encoding="utf-8")
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert {"acled.csv", "events.kml"} <= set(record["outputs"])
