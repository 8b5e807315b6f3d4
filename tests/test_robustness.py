"""Bad input never crashes a run: a clear one-line error and exit code, or a skip with its
reason while the rest is processed; every article is accounted for; outputs are atomic."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import GazetteerError
from geo.gazetteer._gazetteer import REQUIRED_COLUMNS, read_curated
from geo.io._output_set import verify
from geo.text._articles import Skipped, iter_articles, read_articles

OUTPUTS = ("map.html", "events.geojson", "places.geojson", "checks.csv", "run.json")
GEO = Path(sys.executable).with_name("geo")

#: Sentences written for these tests; the place names are rows of the curated gazetteer.
LINES = (
    "A column of armoured vehicles left Gori early on Monday and drove towards Tskhinvali.",
    "Soldiers set up a checkpoint outside Senaki, about 30 km (19 miles) from Poti.",
    "Troops withdrew from Zugdidi to the border, witnesses said on Tuesday.",
    "Observers reported a convoy near Igoeti, some 45 km from Tbilisi.",
)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("geo: error: ")
    return lines[0]


def gazetteer_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = REQUIRED_COLUMNS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def row(place_id: str, name: str, lat: str = "41.7", lon: str = "44.8") -> list[str]:
    return [place_id, name, "", lat, lon, "city", "GE", "", "1000", "", "test row"]


def write_bad_folder(folder: Path) -> dict[str, str]:
    """One file per kind of bad input plus two good ones; returns name -> expected fate."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(LINES[0] + "\n", encoding="utf-8")
    latin1 = f"Caf\xe9 owners near Senaki. {LINES[1]}\n"
    (folder / "latin1.txt").write_bytes(latin1.encode("cp1252"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n   \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "front.md").write_text("---\ntitle: [unclosed\n---\nBody text.\n", encoding="utf-8")
    (folder / "never-closed.md").write_text("---\ntitle: x\nNo end marker.\n", encoding="utf-8")
    (folder / "bad-date.md").write_text(
        "---\npublished: the thirty-fifth of Smarch\n---\n" + LINES[2] + "\n", encoding="utf-8"
    )
    return {
        "good.txt": "processed",
        "latin1.txt": "processed",
        "empty.txt": "empty",
        "blank.md": "empty",
        "binary.txt": "binary",
        "front.md": "front matter",
        "never-closed.md": "never closed",
        "bad-date.md": "as a date",
    }


# -- reading: every file and line accounted for ---------------------------------------------
def test_each_bad_file_is_skipped_with_its_reason_and_the_rest_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fates = write_bad_folder(tmp_path)
    with caplog.at_level(logging.WARNING):
        batch = read_articles([tmp_path])
    assert batch.read == len(fates)
    assert batch.read == len(batch.articles) + len(batch.skipped)
    assert sorted(a.doc for a in batch.articles) == ["good", "latin1"]
    reasons = {Path(where).name: reason for where, reason in batch.skipped}
    for name, fate in fates.items():
        if fate != "processed":
            assert fate in reasons[name], (name, reasons.get(name))
            assert name in reasons[name]  # the reason names the file
    latin1 = next(a for a in batch.articles if a.doc == "latin1")
    assert latin1.text.startswith("Café")
    assert any("not UTF-8" in r.message and "latin1.txt" in r.message for r in caplog.records)


def write_jsonl(path: Path, target_bytes: int, broken_at: float = 0.5) -> tuple[int, int]:
    """A JSONL of about ``target_bytes`` with one broken line in the middle; returns
    (records written including the broken one, line number of the broken one)."""
    records, size, broken_line = 0, 0, 0
    with path.open("w", encoding="utf-8") as handle:
        while size < target_bytes:
            records += 1
            if not broken_line and size >= target_bytes * broken_at:
                line = '{"id": "cut", "text": "a record cut short by a full disk\n'
                broken_line = records
            else:
                text = " ".join(LINES[(records + k) % len(LINES)] for k in range(6))
                line = json.dumps({"id": f"r{records}", "source": "Test", "text": text}) + "\n"
            handle.write(line)
            size += len(line)
    return records, broken_line


def test_jsonl_of_50mb_with_a_broken_line_streams_and_accounts_for_every_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dump.jsonl"
    records, broken = write_jsonl(path, 50 * 1024 * 1024)
    read = skipped = 0
    last_doc = ""
    for item in iter_articles([path]):
        read += 1
        if isinstance(item, Skipped):
            skipped += 1
            assert item.where == f"{path}:{broken}"
            assert "broken JSON" in item.reason
        else:
            last_doc = item.doc
    assert (read, skipped) == (records, 1)
    assert last_doc == f"r{records}"


def test_jsonl_records_of_the_wrong_shape_are_skipped_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "ok", "text": "Fine."}\n'
        b"[1, 2, 3]\n"
        b'{"id": "no-text"}\n'
        b'{"id": "number", "text": 42}\n'
        b'{"id": "empty", "text": "   "}\n'
        b'{"id": "latin", "text": "Caf\xe9"}\n'
        b"\n"
        b'{"id": "bad-date", "text": "Words.", "published": "when pigs fly"}\n'
    )
    items = list(iter_articles([path]))
    assert len(items) == 7  # the blank line is not a record
    kept = [i.doc for i in items if not isinstance(i, Skipped)]
    assert kept == ["ok", "latin"]
    assert all(f"{path}:" in i.reason for i in items if isinstance(i, Skipped))


def test_a_symlink_loop_in_a_folder_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Words here.", encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    docs = [i.doc for i in iter_articles([tmp_path]) if not isinstance(i, Skipped)]
    assert docs[0] == "a" and len(docs) <= 2


# -- the gazetteer ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([row("x-1", "Alpha"), row("x-1", "Beta")], REQUIRED_COLUMNS, r":3: field 'id'.*repeats"),
        ([row("x-1", "Alpha")], REQUIRED_COLUMNS[:-1], "missing column.*source"),
        ([row("x-1", "Alpha", lat="95.5")], REQUIRED_COLUMNS, r":2: field 'lat'.*outside"),
        ([row("x-1", "Alpha", lon="-181")], REQUIRED_COLUMNS, r":2: field 'lon'.*outside"),
        ([row("x-1", "Alpha", lat="nan")], REQUIRED_COLUMNS, r":2: field 'lat'"),
        ([row("x-1", "Alpha", lon="east")], REQUIRED_COLUMNS, "not a number"),
        ([], REQUIRED_COLUMNS, "no rows"),
    ],
)
def test_bad_gazetteer_is_one_line_naming_file_line_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[list[str]],
    header: tuple[str, ...],
    message: str,
) -> None:
    path = gazetteer_csv(tmp_path / "g.csv", [r[: len(header)] for r in rows], header)
    with pytest.raises(GazetteerError, match=message):
        read_curated(path)
    assert main(["gazetteer", "validate", str(path)]) == 4
    assert str(path) in one_error_line(capsys)
    assert main(["map", "--gazetteer", str(path), "-o", str(tmp_path / "out")]) == 4
    assert str(path) in one_error_line(capsys)


def test_gazetteer_that_is_not_utf8_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes(",".join(REQUIRED_COLUMNS).encode() + b"\nx,Caf\xe9,,1,1,city,GE,,0,,s\n")
    assert main(["gazetteer", "validate", str(path)]) == 4
    assert "UTF-8" in one_error_line(capsys)


# -- options and paths ------------------------------------------------------------------------
def test_unknown_reference_is_one_line_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["map", "--no-world", "--reference", "Atlantis-on-Sea", "-o", str(tmp_path)])
    assert code == 4
    line = one_error_line(capsys)
    assert "Atlantis-on-Sea" in line and "gazetteer" in line
    assert not any(tmp_path.iterdir())  # no output written


@pytest.mark.parametrize("where", ["file-as-folder", "inside-a-file"])
def test_output_folder_that_cannot_be_written_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    out = blocker if where == "file-as-folder" else blocker / "out"
    assert main(["map", "--no-world", "-o", str(out)]) == 5
    assert "cannot write output" in one_error_line(capsys)
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


def test_missing_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.txt"
    assert main(["map", "--no-world", str(missing), "-o", str(tmp_path / "o")]) == 3
    assert str(missing) in one_error_line(capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["map", "--published", "2008-13-45"],
        ["map", "--jobs", "0"],
        ["map", "--engine", "cloud"],
        ["map", "--format", "shapefile"],
    ],
)
def test_bad_options_exit_2_with_a_usage_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error:" in err


# -- whole runs (need every stage) --------------------------------------------------------------
def test_map_skips_bad_files_and_accounts_for_every_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    fates = write_bad_folder(folder)
    out = tmp_path / "out"
    assert main(["map", str(folder), "-o", str(out), "--published", "2008-08-19"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    processed = sum(1 for f in fates.values() if f == "processed")
    assert record["read"] == len(fates)
    assert record["processed"] == processed
    assert len(record["skipped"]) == len(fates) - processed
    assert record["read"] == record["processed"] + len(record["skipped"])
    assert all(s["reason"] and s["input"] for s in record["skipped"])
    assert f"{len(fates)} read, {processed} processed" in captured.out


def test_report_text_with_html_and_script_is_escaped_in_the_map(tmp_path: Path) -> None:
    payload = '<script>alert("owned")</script><img src=x onerror=alert(2)>'
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.txt").write_text(
        f"{LINES[0]} {payload}\n{LINES[1]} <b onclick=steal()>bold</b>\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["-q", "map", str(tmp_path / "in"), "-o", str(out)]) == 0
    page = (out / "map.html").read_text(encoding="utf-8")
    assert '<script>alert("owned")' not in page
    assert "<img src=x onerror" not in page
    assert "<b onclick=steal()>" not in page
    events = json.loads((out / "events.geojson").read_text(encoding="utf-8"))
    assert events["type"] == "FeatureCollection"


# -- atomic outputs: kill a run mid-write -------------------------------------------------------
def _kill_corpus(folder: Path, documents: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(documents):
        text = " ".join(rng.choice(LINES) for _ in range(8))
        (folder / f"doc{i:03d}.txt").write_text(text + "\n", encoding="utf-8")


def _geo_map(inputs: Path, out: Path) -> subprocess.Popen[bytes]:
    command = [str(GEO), "-q", "map", str(inputs), "-o", str(out), "--published", "2008-08-19"]
    command.append("--no-world")  # the curated rows suffice here, and it starts faster
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _complete_run(inputs: Path, out: Path) -> dict[str, bytes]:
    process = _geo_map(inputs, out)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode(errors="replace")
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _assert_complete(name: str, data: bytes, versions: list[dict[str, bytes]]) -> None:
    """``data`` is one whole version of output ``name``, never a truncated one."""
    if name == "map.html":
        text = data.decode("utf-8")
        assert text.lstrip().lower().startswith("<!doctype html>"), name
        assert text.rstrip().endswith("</html>"), f"{name} is truncated"
        return
    assert any(data == version[name] for version in versions), f"{name} is not a whole version"
    if name.endswith((".geojson", ".json")):
        json.loads(data)
    else:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert rows and rows[0][0] == "doc"


def _check_folder(out: Path, versions: list[dict[str, bytes]], before: set[str]) -> None:
    """Every output is a whole version, and the folder is one complete set (run.json whose
    hashes match) or declares none (no run.json)."""
    for entry in out.iterdir():
        if entry.name in OUTPUTS:
            if entry.name != "run.json":
                _assert_complete(entry.name, entry.read_bytes(), versions)
        elif entry.name not in before:
            # A leftover of the killed run: it must not look like an output.
            assert entry.name.startswith(".") or entry.suffix in {".tmp", ".part"}, entry.name
    if (out / "run.json").exists():
        assert verify(out) == []
        record = json.loads((out / "run.json").read_bytes())
        for name in ("events.geojson", "places.geojson"):
            hashes = {hashlib.sha256(version[name]).hexdigest() for version in versions}
            assert record["outputs"][name]["sha256"] in hashes


def _kill_when(process: subprocess.Popen[bytes], out: Path, before: set[str], delay: float):
    """SIGKILL ``process`` after ``delay`` s, or (delay < 0) as soon as a new file appears."""
    deadline = time.monotonic() + (delay if delay >= 0 else 120)
    while time.monotonic() < deadline and process.poll() is None:
        if delay < 0 and out.exists() and set(os.listdir(out)) - before:
            break
        time.sleep(0.0005 if delay < 0 else 0.005)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def _kill_runs(tmp_path: Path, delays: list[float]) -> None:
    """One kill per delay; even-numbered runs replace a complete previous output folder,
    odd-numbered ones start from an empty folder."""
    old_in, new_in = tmp_path / "old", tmp_path / "new"
    _kill_corpus(old_in, 40, seed=1)
    _kill_corpus(new_in, 120, seed=2)
    old = _complete_run(old_in, tmp_path / "reference-old")
    started = time.monotonic()
    new = _complete_run(new_in, tmp_path / "reference-new")
    run_seconds = time.monotonic() - started
    assert old["events.geojson"] != new["events.geojson"]
    for number, delay in enumerate(delays):
        fresh = number % 2 == 1
        out = tmp_path / f"out{number}"
        if not fresh:
            shutil.copytree(tmp_path / "reference-old", out)
        before = set(os.listdir(out)) if out.exists() else set()
        process = _geo_map(new_in, out)
        _kill_when(process, out, before, delay * run_seconds if delay >= 0 else -1)
        if out.exists():
            _check_folder(out, [new] if fresh else [old, new], before)
        if not fresh:  # every data file is still there: old or new, never missing
            assert all((out / name).exists() for name in OUTPUTS if name != "run.json")


def test_a_run_killed_mid_write_leaves_whole_files_only(tmp_path: Path) -> None:
    """Killed as soon as its first temp file appears, and at a random moment: whole files
    only, and the previous complete set or none."""
    _kill_runs(tmp_path, [-1, -1, random.Random(7).uniform(0.6, 1.0)])


@pytest.mark.slow
def test_many_runs_killed_at_random_moments_leave_whole_files_only(tmp_path: Path) -> None:
    rng = random.Random(11)
    _kill_runs(tmp_path, [-1] * 4 + [rng.uniform(0.2, 1.1) for _ in range(16)])
