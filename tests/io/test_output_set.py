"""Outputs of a run form one set: staged, committed with run.json last, verifiable; and the
large-run paths (places streamed in chunks, the map's place tallies) give what the
whole-table paths give."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.cli import main
from geo.engine._pipeline import run
from geo.errors import OutputError
from geo.features._features import mentions_to_frame
from geo.features._place_tally import tally_frame, tally_mentions
from geo.io._export import (
    feature_texts,
    place_feature_texts,
    write_feature_collection,
    write_geojson,
)
from geo.io._output_set import MANIFEST, OutputSet, file_digest, remove_leftovers, verify


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_committed_set_verifies_and_records_every_file(tmp_path: Path) -> None:
    with OutputSet(tmp_path) as outputs:
        _write(outputs.path("a.txt"), "alpha\n")
        (outputs.path("parts")).mkdir()
        _write(outputs.path("parts") / "p0.txt", "zero\n")
        written = outputs.commit({"read": 1})
    record = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert record["read"] == 1
    assert set(record["outputs"]) == {"a.txt", "parts"}
    assert record["outputs"]["a.txt"]["bytes"] == 6
    assert [p.name for p in written] == ["a.txt", "parts", MANIFEST]
    assert verify(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "parts", MANIFEST]


def test_verify_names_a_changed_a_missing_and_an_unrecorded_set(tmp_path: Path) -> None:
    with OutputSet(tmp_path) as outputs:
        _write(outputs.path("a.txt"), "alpha\n")
        _write(outputs.path("b.txt"), "beta\n")
        outputs.commit({})
    _write(tmp_path / "a.txt", "tampered\n")
    (tmp_path / "b.txt").unlink()
    problems = verify(tmp_path)
    assert len(problems) == 2
    assert "a.txt: does not match" in problems[0]
    assert "b.txt: missing" in problems[1]
    (tmp_path / MANIFEST).unlink()
    assert "no readable run.json" in verify(tmp_path)[0]


def test_a_new_set_removes_files_only_the_previous_set_had(tmp_path: Path) -> None:
    _write(tmp_path / "notes.md", "the analyst's own file\n")
    with OutputSet(tmp_path) as outputs:
        _write(outputs.path("events.geojson"), "{}\n")
        _write(outputs.path("events.csv"), "doc\n")
        outputs.commit({})
    with OutputSet(tmp_path) as outputs:
        _write(outputs.path("events.geojson"), '{"new": 1}\n')
        outputs.commit({})
    assert not (tmp_path / "events.csv").exists()
    assert (tmp_path / "notes.md").exists()
    assert (tmp_path / "events.geojson").read_text(encoding="utf-8") == '{"new": 1}\n'
    assert verify(tmp_path) == []


def test_an_error_before_the_commit_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    with OutputSet(tmp_path) as outputs:
        _write(outputs.path("a.txt"), "old\n")
        outputs.commit({})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ZeroDivisionError), OutputSet(tmp_path) as outputs:
        _write(outputs.path("a.txt"), "new\n")
        _ = 1 / 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_stale_leftovers_of_killed_runs_go_and_fresh_ones_stay(tmp_path: Path) -> None:
    stale_dir = tmp_path / ".geo-staging-abc123"
    stale_dir.mkdir()
    _write(stale_dir / "events.geojson", "{")
    stale_tmp = _write(tmp_path / ".geo-staging-places.x1y2.tmp.geojson", "{")
    fresh_tmp = _write(tmp_path / ".geo-staging-events.z9.tmp.geojson", "{")
    mine = _write(tmp_path / "keep.tmp", "not ours: no leading dot")
    hour_ago = time.time() - 3600
    for path in (stale_dir, stale_tmp, mine):
        os.utime(path, (hour_ago, hour_ago))
    assert remove_leftovers(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh_tmp.name, mine.name]


def test_hidden_entries_of_the_user_are_never_leftovers(tmp_path: Path) -> None:
    """Old hidden files and folders whose names merely contain ``.tmp`` are the user's."""
    (tmp_path / ".tmp").mkdir()
    _write(tmp_path / ".tmp" / "cache.bin", "x")
    _write(tmp_path / ".env.tmpl", "KEY=\n")
    (tmp_path / ".backup.tmp").mkdir()
    _write(tmp_path / ".backup.tmp" / "thesis.docx", "chapter one\n")
    _write(tmp_path / ".places.x1y2.tmp.geojson", "{")  # the old temp pattern, not ours now
    hour_ago = time.time() - 3600
    for path in tmp_path.rglob("*"):
        os.utime(path, (hour_ago, hour_ago))
    before = _tree(tmp_path)
    assert remove_leftovers(tmp_path) == 0
    with OutputSet(tmp_path) as outputs:
        _write(outputs.path("a.txt"), "alpha\n")
        outputs.commit({})
    after = _tree(tmp_path)
    assert {name: after[name] for name in before} == before


def test_temporary_files_carry_the_staging_prefix(tmp_path: Path) -> None:
    from geo.io._export import atomic_target

    with atomic_target(tmp_path / "events.geojson") as temporary:
        assert temporary.name.startswith(".geo-staging-")
        _write(temporary, "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.geojson"]


def test_plain_names_only(tmp_path: Path) -> None:
    with OutputSet(tmp_path) as outputs:
        for bad in (MANIFEST, "../escape.txt", "sub/file.txt"):
            with pytest.raises(ValueError):
                outputs.path(bad)


def test_an_unwritable_folder_is_an_output_error(tmp_path: Path) -> None:
    blocker = _write(tmp_path / "file", "x")
    with pytest.raises(OutputError, match="cannot write output here"), OutputSet(blocker / "out"):
        pass


def test_geo_verify_after_geo_map_and_after_tampering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["-q", "map", "--no-world", "-o", str(out)]) == 0
    record = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert {"map.html", "events.geojson", "places.geojson", "checks.csv"} <= set(record["outputs"])
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert main(["verify", str(out)]) == 0
    assert "one complete set" in capsys.readouterr().out
    with (out / "checks.csv").open("a", encoding="utf-8") as handle:
        handle.write("x\n")
    assert main(["verify", str(out)]) == 5
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("geo: error:") and "checks.csv" in err[0]


# -- large-run paths give what the whole-table paths give -------------------------------------
@pytest.fixture(scope="module")
def sample_result():  # type: ignore[no-untyped-def]
    from geo.gazetteer._gazetteer import Gazetteer
    from geo.settings import Settings

    return run(gazetteer=Gazetteer.load(world=False), settings=Settings(world=False))


def test_places_streamed_from_mentions_equal_the_whole_frame(sample_result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """places.geojson written a mention at a time is byte for byte the file the whole
    places frame gives, chunked or not."""
    mentions, reference = list(sample_result.mentions), sample_result.reference
    streamed = write_feature_collection(
        place_feature_texts(mentions, reference), tmp_path / "streamed.geojson"
    ).read_bytes()
    whole = write_geojson(sample_result.places_frame, tmp_path / "whole.geojson").read_bytes()
    chunks = [mentions_to_frame(mentions[i : i + 3], reference) for i in range(0, len(mentions), 3)]
    chunked = write_geojson(chunks, tmp_path / "chunked.geojson").read_bytes()
    assert streamed == whole == chunked
    features = json.loads(streamed)["features"]
    assert len(features) == len(sample_result.places_frame) > 7
    assert len({f["properties"]["place_id"] for f in features}) < len(features)  # shared places
    assert all(f["geometry"]["type"] == "Point" for f in features)


def test_place_features_write_values_as_the_frame_does() -> None:
    """Odd values come out as from a frame: quotes, non-ASCII and control characters in
    strings, a missing country, an unknown distance, a non-finite or whole-number score,
    and two places at the same point."""
    from geo.models import Mention, Place

    home = Place("t:home", 'Home "Base"', 41.5, 44.123456789, "base", None)
    twin = Place(
        id="t:twin", name="Twin\u00e9", lat=41.5, lon=44.123456789, kind="town", country="GE"
    )
    far = Place(id="t:far", name="Far", lat=-33.9, lon=151.2, kind="city", country="AU")
    mentions = [
        Mention("d\t1", 'Home "Base"', 0, 11, home, 0.5, "only \u2013 reading"),
        Mention("d\t1", "Twin\u00e9", 20, 25, twin, float("nan"), "capital\nphrase"),
        Mention("d2", "Far", 3, 6, far, 1, ""),
        Mention("d2", "Home", 9, 13, home, float("inf"), "again"),
        Mention("d2", "Russian", 20, 27, far, 0.9, "demonym", "demonym"),  # not a place row
        Mention("d2", "Nowhere", 30, 37, None),  # unresolved: not a place row
    ]
    for reference in (home, far):
        frame = mentions_to_frame(mentions, reference)
        assert list(place_feature_texts(mentions, reference)) == list(feature_texts(frame))
        assert len(frame) == 4


def test_place_tallies_from_mentions_equal_those_from_the_frame(sample_result) -> None:  # type: ignore[no-untyped-def]
    direct = tally_mentions(sample_result.mentions, sample_result.reference)
    framed = tally_frame(mentions_to_frame(sample_result.mentions, sample_result.reference))
    assert [t.key for t in direct] == [t.key for t in framed]
    for a, b in zip(direct, framed, strict=True):
        assert (a.name, a.kind, a.country, a.mentions) == (b.name, b.kind, b.country, b.mentions)
        assert a.distance_km == pytest.approx(b.distance_km)
        assert a.geometry.equals(b.geometry)
        assert (a.docs, a.texts, a.reasons) == (b.docs, b.texts, b.reasons)
    assert sum(t.mentions for t in direct) == len(sample_result.places_frame)
    assert max(t.mentions for t in direct) > 1  # a place named more than once is one tally


# -- the tool deletes only what it wrote ------------------------------------------------------
def _commit(folder: Path, **files: str) -> None:
    with OutputSet(folder) as outputs:
        for name, text in files.items():
            _write(outputs.path(name.replace("_", ".")), text)
        outputs.commit({"read": 0})


def _forge(folder: Path, outputs: dict[str, object], **extra: object) -> None:
    record = {"generator": "geo", "read": 0, "processed": 0, "skipped": [], **extra}
    _write(folder / MANIFEST, json.dumps({**record, "outputs": outputs}))


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def test_a_run_json_naming_the_parent_folder_deletes_nothing_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    precious = _write(tmp_path / "precious.txt", "keep\n")
    _write(out / MANIFEST, '{"outputs": {"..": {}}}')
    with pytest.raises(OutputError, match=r"run\.json: left alone"), OutputSet(out):
        pass
    assert precious.read_text(encoding="utf-8") == "keep\n"
    assert (out / MANIFEST).read_text(encoding="utf-8") == '{"outputs": {"..": {}}}'


def test_a_foreign_or_malformed_run_json_is_reported_and_left_alone(tmp_path: Path) -> None:
    notes = _write(tmp_path / "notes.txt", "my notes\n")
    digest = {"bytes": 9, "sha256": hashlib.sha256(b"my notes\n").hexdigest()}
    for text in (
        json.dumps({"outputs": {"notes.txt": digest}}),  # no mark of ours
        json.dumps({"generator": "geo", "outputs": {"notes.txt": {}}}),  # no digest
        "[" * 100_000 + "]" * 100_000,  # deeper than the parser goes
        "not json at all",
        json.dumps({"generator": "geo", "outputs": {"/etc/passwd": digest}}),
    ):
        _write(tmp_path / MANIFEST, text)
        with pytest.raises(OutputError, match="left alone"), OutputSet(tmp_path) as outputs:
            outputs.commit({})
        assert notes.read_text(encoding="utf-8") == "my notes\n"
        assert (tmp_path / MANIFEST).read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", MANIFEST]


def test_a_folder_named_run_json_is_never_deleted(tmp_path: Path) -> None:
    folder = tmp_path / MANIFEST
    folder.mkdir()
    _write(folder / "thesis.docx", "chapter one\n")
    with pytest.raises(OutputError, match="left alone"), OutputSet(tmp_path) as outputs:
        _write(outputs.path("a.txt"), "alpha\n")
        outputs.commit({})
    assert (folder / "thesis.docx").read_text(encoding="utf-8") == "chapter one\n"


def test_only_plain_regular_files_the_own_record_lists_unchanged_are_removed(
    tmp_path: Path,
) -> None:
    """A record of ours that (edited by hand) lists a nested path, a folder and a file the
    user changed since: none of them goes; the file that is still as written goes."""
    out = tmp_path / "out"
    _commit(out, old_csv="doc\n")
    record = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    (out / "sub").mkdir()
    _write(out / "sub" / "x.txt", "nested\n")
    (out / "keepdir").mkdir()
    _write(out / "keepdir" / "y.txt", "mine\n")
    _write(out / "edited.txt", "written by geo\n")
    listed = {"old.csv": record["outputs"]["old.csv"]}
    for name in ("keepdir", "edited.txt"):
        listed[name] = file_digest(out / name)
    _write(out / "edited.txt", "then changed by the user\n")
    _forge(out, listed)
    before = _tree(out)
    _commit(out, new_txt="new\n")
    after = _tree(out)
    assert "old.csv" not in after
    for name in ("sub/x.txt", "keepdir/y.txt", "edited.txt"):
        assert after[name] == before[name]
    assert verify(out) == []


def test_an_output_never_replaces_a_folder_of_the_user(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    _write(tmp_path / "parts" / "mine.txt", "mine\n")
    with pytest.raises(OutputError, match="in the way"), OutputSet(tmp_path) as outputs:
        outputs.path("parts").mkdir()
        _write(outputs.path("parts") / "p0.txt", "zero\n")
        outputs.commit({})
    assert (tmp_path / "parts" / "mine.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize(
    "record", ['{"outputs":{"..":{}}}', "[" * 100_000, '{"outputs":{"precious.txt":{}}}']
)
def test_geo_map_into_a_folder_with_a_foreign_run_json_stops_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], record: str
) -> None:
    out = tmp_path / "p" / "out"
    out.mkdir(parents=True)
    precious = _write(tmp_path / "p" / "precious.txt", "keep\n")
    _write(out / MANIFEST, record)
    assert main(["map", "--no-world", "-o", str(out)]) == 5
    err = capsys.readouterr().err
    assert "Traceback" not in err and "run.json: left alone" in err
    assert precious.read_text(encoding="utf-8") == "keep\n"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]


# -- geo verify opens only plain names inside the folder --------------------------------------
@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Fail (rather than hang) when the block takes longer than ``seconds``."""

    def _late(signum: int, frame: object) -> None:
        raise TimeoutError(f"took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, _late)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_verify_opens_no_path_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _write(tmp_path / "outside.txt", "x")
    some = {"bytes": 1, "sha256": "0" * 64}
    names = ["/dev/zero", "/etc/shadow", "../outside.txt", "sub/file.txt", "."]
    _forge(out, dict.fromkeys(names, some))
    with _deadline(5):
        problems = verify(out)
    assert len(problems) == len(names)
    assert all("is not a plain file name; not opened" in p for p in problems)


def test_verify_reads_no_link_device_or_pipe(tmp_path: Path) -> None:
    (tmp_path / "events.geojson").symlink_to("/dev/zero")
    (tmp_path / "places.geojson").symlink_to(tmp_path.parent)
    os.mkfifo(tmp_path / "checks.csv")
    some = {"bytes": 1, "sha256": "0" * 64}
    _forge(tmp_path, dict.fromkeys(("events.geojson", "places.geojson", "checks.csv"), some))
    with _deadline(5):
        problems = verify(tmp_path)
    assert len(problems) == 3
    assert all("not a regular file" in p for p in problems)


def test_geo_verify_of_a_deeply_nested_run_json_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / MANIFEST, '{"outputs":' * 200_000 + "1" + "}" * 200_000)
    assert main(["verify", str(tmp_path)]) == 5
    err = capsys.readouterr().err
    assert "Traceback" not in err and "left alone" in err


# -- signals and concurrent runs ---------------------------------------------------------------
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_while_writing_leaves_the_previous_set_and_no_staging(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signum: int,
    code: int,
) -> None:
    import geo.io as export  # where geo map's write_files finds it

    out = tmp_path / "out"
    _commit(out, events_geojson="{}\n")
    before = _tree(out)
    real = export.write_outputs

    def signalled(*args: object, **kwargs: object) -> object:
        written = real(*args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler interrupts this
        return written

    monkeypatch.setattr(export, "write_outputs", signalled)

    def not_geos(signum: int, frame: object) -> None:  # (without geo's, the test stops here)
        raise RuntimeError("geo map installed no handler of its own")

    handlers = {s: signal.signal(s, not_geos) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        code_seen = _timed_main(["-q", "map", "--no-world", "-o", str(out)])
        assert {s: signal.getsignal(s) for s in handlers} == dict.fromkeys(handlers, not_geos)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert code_seen == code
    assert _tree(out) == before and verify(out) == []
    err = capsys.readouterr().err
    assert "Traceback" not in err and signal.Signals(signum).name in err


def _timed_main(argv: list[str]) -> int:
    started = time.monotonic()
    code = main(argv)
    assert time.monotonic() - started < 5
    return code


def test_a_second_run_into_a_folder_in_use_stops_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    holder = os.open(out, os.O_RDONLY)  # as a first run holds it
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["-q", "map", "--no-world", "-o", str(out)]) == 5
    finally:
        os.close(holder)
    assert "another geo map is writing into this folder" in capsys.readouterr().err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("delay", [1.0, 2.5])
def test_ctrl_c_with_workers_prints_no_worker_traceback(tmp_path: Path, delay: float) -> None:
    """Ctrl-C reaches every process of the terminal's group, the workers too: the run
    exits 130 with one line, the previous set stays, and no worker prints a traceback."""
    import subprocess
    import sys

    corpus = tmp_path / "reports.jsonl"
    line = "Russian troops left Gori for Tskhinvali on Tuesday, a witness said. " * 3
    corpus.write_text(
        "".join(json.dumps({"id": f"r{n}", "text": line}) + "\n" for n in range(20000))
    )
    out = tmp_path / "out"
    _commit(out, events_geojson="{}\n")
    before = _tree(out)
    command = [sys.executable, "-c", "import sys; from geo.cli import main; sys.exit(main())"]
    command += ["map", str(corpus), "--no-world", "--jobs", "3", "-o", str(out)]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        time.sleep(delay)
        os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        _, err = child.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    text = err.decode("utf-8", "replace")
    assert child.returncode == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert _tree(out) == before
