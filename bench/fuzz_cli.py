"""The long hostile-corpus fuzz of the whole CLI: random folders of hostile reports, run
through ``geo map`` / ``geo check`` / ``geo places`` / ``geo verify`` as a user would, each
run checked against what the README promises.

Each round writes a fresh folder of inputs drawn from hostile kinds (YAML alias bombs and
bad dates in front matter, JSONL nested deep or with lone surrogates and huge numbers,
HTML nested deep, UTF-16, binary, empty, control and bidi characters in names and text,
formula-looking lines, sentences that cross the antimeridian, conflicting distance
claims), sometimes puts the output folder inside the inputs or over a foreign
``run.json`` and a user's file, and runs one command with random options. Checked:

- the exit status is one the README documents, and stderr holds no traceback;
- no file outside the output folder changes, and no user file inside it is deleted;
- on success, the output set is complete: ``run.json`` lists files that exist, the
  GeoJSON parses with every coordinate in range, no CSV cell starts a formula, no
  staging folder is left;
- nothing printed holds a terminal escape.

Usage::

    python bench/fuzz_cli.py [--rounds 200] [--seed N] [--keep DIR]

Prints a line per failing round (its seed, command and what broke), then the tally.
Exit status 1 when any round failed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXIT_CODES = {0, 1, 2, 3, 4, 5}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPES = ("\x1b", "\x9b", "\x07")

# Sentences written for this bench (not taken from any report).
SENTENCES = [
    "Russian troops left Gori for Tskhinvali on Tuesday.",
    "A checkpoint stood at Igoeti, about 30 km from Tbilisi.",
    "Igoeti is 45 km from Tbilisi, officials said on Monday.",
    "Armoured vehicles entered Poti and seized the port on Wednesday.",
    "Russian checkpoints stood 200 km east of Suva.",
    "Rebels shelled the town of Kherson, 50 km west of the capital, on Sunday.",
    '=HYPERLINK("http://x","click") Russian troops entered Gori.',
    "- Russian troops entered Senaki.",
    "@SUM(1+1) troops withdrew from Zugdidi.",
    "Troops \u202ewithdrew\u202c from Kareli \x1b[31mnow\x1b[0m.",
    "The column moved from Vladikavkaz through the Roki Tunnel to Java.",
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 6)))


def _name(rng: random.Random, suffix: str) -> str:
    stems = ["report", "a\u202eb", "bad\x1b[2Jname", "=cmd", "-dash", "space name", "ünï", "..x"]
    return f"{rng.choice(stems)}{rng.randint(0, 999)}{suffix}"


def _hostile_file(rng: random.Random, folder: Path) -> None:
    kind = rng.randrange(12)
    if kind == 0:  # YAML alias bomb in front matter
        bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        for level in "bcdefghij":
            prev = chr(ord(level) - 1)
            bomb += f"{level}: &{level} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        (folder / _name(rng, ".md")).write_text(f"---\n{bomb}---\n{_text(rng)}\n")
    elif kind == 1:  # front-matter dates that parse but are out of range
        when = rng.choice(["2008-02-30", "2008-13-01", "25:61:00", "0001-01-01", "9999-12-31"])
        (folder / _name(rng, ".md")).write_text(
            f"---\npublished: {when}\n---\n{_text(rng)} Next week, on Sunday.\n"
        )
    elif kind == 2:  # JSONL: nesting, lone surrogates, huge numbers, a broken line
        lines = [
            json.dumps({"id": "ok", "text": _text(rng), "published": "2008-08-19"}),
            '{"id": "deep", "text": ' + "[" * 20000 + "]" * 20000 + "}",
            '{"id": "sur\\ud800", "text": "Troops \\udc00 entered Gori."}',
            '{"id": "big", "n": ' + "9" * 5000 + ', "text": "Troops entered Poti."}',
            '{"id": "cut", "text": "never ends',
        ]
        rng.shuffle(lines)
        (folder / _name(rng, ".jsonl")).write_text("\n".join(lines) + "\n")
    elif kind == 3:  # HTML nested deep
        depth = rng.choice([100, 6000])
        body = "<div>" * depth + _text(rng) + "</div>" * depth
        (folder / _name(rng, ".html")).write_text(f"<html><body>{body}</body></html>")
    elif kind == 4:  # UTF-16 with BOM
        (folder / _name(rng, ".txt")).write_text(_text(rng), encoding="utf-16")
    elif kind == 5:  # binary
        (folder / _name(rng, ".txt")).write_bytes(bytes(rng.randrange(256) for _ in range(512)))
    elif kind == 6:  # empty
        (folder / _name(rng, ".txt")).write_text("")
    elif kind == 7:  # NULs and control characters in text
        (folder / _name(rng, ".txt")).write_text(_text(rng).replace(" ", "\x00 ", 2) + "\x07")
    elif kind == 8:  # one long unpunctuated line
        words = " ".join(
            rng.choice(["troops", "Gori", "entered", "and", "Poti"]) for _ in range(20000)
        )
        (folder / _name(rng, ".txt")).write_text(words)
    elif kind == 9:  # many conflicting claims about one place
        claims = [f"Igoeti is {rng.choice([30, 45])} km from Tbilisi." for _ in range(200)]
        (folder / _name(rng, ".txt")).write_text(" ".join(claims))
    elif kind == 10:  # a folder that looks like an earlier output set
        old = folder / f"old-run{rng.randint(0, 99)}"
        old.mkdir(exist_ok=True)
        for name in ("run.json", "events.geojson", "checks.csv"):
            (old / name).write_text("{}")
        (old / "notes.txt").write_text(_text(rng))
    else:  # a plain report
        (folder / _name(rng, ".txt")).write_text(_text(rng))


def _tree_digest(folder: Path, skip: Path | None) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _coordinates(geometry: object) -> list[list[float]]:
    if isinstance(geometry, list):
        if geometry and isinstance(geometry[0], int | float):
            return [geometry]  # type: ignore[list-item]
        return [c for item in geometry for c in _coordinates(item)]
    return []


def _check_outputs(out: Path) -> list[str]:
    problems = []
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for name in record.get("outputs", {}):
        if not (out / name).exists():
            problems.append(f"run.json lists {name!r}, which is missing")
    for name in ("events.geojson", "places.geojson"):
        data = json.loads((out / name).read_text(encoding="utf-8"))
        for feature in data.get("features", []):
            geometry = feature.get("geometry") or {}
            for lon, lat, *_ in _coordinates(geometry.get("coordinates", [])):
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    problems.append(f"{name}: coordinate {lon}, {lat} out of range")
                    break
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(FORMULA_START) and not _is_number(cell):
                        problems.append(f"{path.name}: cell {cell[:30]!r} starts a formula")
                        break
    staging = [p.name for p in out.iterdir() if p.name.startswith(".geo-staging-")]
    if staging:
        problems.append(f"staging left behind: {staging}")
    return problems


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _one_round(seed: int, base: Path, timeout: float) -> tuple[list[str], str]:
    rng = random.Random(seed)
    root = base / f"round-{seed}"
    inputs = root / "inputs"
    inputs.mkdir(parents=True)
    for _ in range(rng.randint(1, 12)):
        _hostile_file(rng, inputs)
    out = inputs / "out" if rng.random() < 0.3 else root / "out"
    precious = None
    if rng.random() < 0.4:
        out.mkdir(parents=True, exist_ok=True)
        precious = out / "precious.txt"
        precious.write_text("keep me")
        (out / "run.json").write_text(
            rng.choice(
                ['{"outputs": {"..": {}}}', '{"outputs": {"precious.txt": {}}}', "[" * 50000]
            )
        )
    verb = rng.choices(["map", "check", "places", "verify"], weights=[6, 2, 1, 1])[0]
    command = [sys.executable, "-c", "import sys; from geo.cli import main; sys.exit(main())"]
    if verb == "map":
        command += ["map", str(inputs), "-o", str(out), "--jobs", str(rng.choice([1, 2, 64]))]
        command += ["--format", rng.choice(["geojson", "csv", "gpkg", "csv,kml,acled"])]
        if rng.random() < 0.2:
            command.append("--offline")
    elif verb == "verify":
        command += ["verify", str(out)]
    else:
        command += [verb, str(inputs)]
    before = _tree_digest(root, out)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    shown = " ".join(command[3:])
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, env=env, cwd=root, check=False
        )
    except subprocess.TimeoutExpired:
        return [f"timed out after {timeout:.0f} s"], shown
    problems = []
    stderr = done.stderr.decode("utf-8", "replace")
    stdout = done.stdout.decode("utf-8", "replace")
    if done.returncode not in EXIT_CODES:
        problems.append(f"exit status {done.returncode}")
    if "Traceback (most recent call last)" in stderr:
        problems.append("traceback: " + stderr.strip().splitlines()[-1][:120])
    if any(e in stdout or e in stderr for e in ESCAPES):
        problems.append("a terminal escape was printed")
    after = _tree_digest(root, out)
    if after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))[:3]
        problems.append(f"files outside the output folder changed: {changed}")
    if precious is not None and not precious.exists():
        problems.append("a user's file in the output folder was deleted")
    if verb == "map" and done.returncode == 0:
        problems += _check_outputs(out)
    return problems, shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seed", type=int, help="first round's seed (default: random)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per command")
    parser.add_argument("--keep", help="keep the rounds' folders here (default: a temp dir)")
    args = parser.parse_args()
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="geo-fuzz-cli-"))
    base.mkdir(parents=True, exist_ok=True)
    failed = 0
    started = time.perf_counter()
    for seed in range(first, first + args.rounds):
        problems, shown = _one_round(seed, base, args.timeout)
        if problems:
            failed += 1
            print(f"seed {seed}: {shown}\n  " + "\n  ".join(problems), flush=True)
        elif not args.keep:
            shutil.rmtree(base / f"round-{seed}", ignore_errors=True)
    seconds = time.perf_counter() - started
    print(
        f"{args.rounds} rounds from seed {first}: {failed} failed; "
        f"{seconds:.0f} s ({seconds / max(args.rounds, 1):.1f} s a round)"
    )
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
