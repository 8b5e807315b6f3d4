"""A run's outputs as one set: staged in a hidden folder, committed together, verifiable.

``geo map`` writes every file of a run into a staging folder inside the output folder and
only then moves them into place. ``run.json`` is the commit record: it is removed before
the first new file is moved in and written last, with the size and SHA-256 of every file
of the set. So whenever ``run.json`` is present and :func:`verify` finds no problem, the
folder holds one complete set from one run; a run killed at any moment leaves either the
previous complete set or no ``run.json`` (and every file a whole version, never a
truncated one). Files of the previous set that the new run does not produce (say
``events.csv`` after a run without ``--format csv``) are removed, so a folder never mixes
sets; files the folder held that no run of ours wrote are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from geo.errors import OutputError

log = logging.getLogger(__name__)

#: The commit record of an output folder.
MANIFEST = "run.json"
STAGING_PREFIX = ".geo-staging-"
#: Leftovers of a killed run older than this are removed by the next run in the folder.
STALE_AFTER_S = 60.0
_CHUNK = 1 << 20


def file_digest(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of one file (or of every file under a folder, in name order)."""
    digest = hashlib.sha256()
    size = 0
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            while block := handle.read(_CHUNK):
                digest.update(block)
                size += len(block)
    return {"bytes": size, "sha256": digest.hexdigest()}


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The run record of ``folder``, or None where there is none (or it is unreadable)."""
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def verify(folder: str | Path) -> list[str]:
    """Problems with the output set in ``folder`` (empty when it is one complete set)."""
    folder = Path(folder)
    record = read_manifest(folder)
    if record is None:
        return [f"{folder}: no readable {MANIFEST}; the folder holds no complete run"]
    outputs = record.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return [f"{folder}/{MANIFEST}: lists no outputs (written by an older geo?)"]
    problems = []
    for name, expected in sorted(outputs.items()):
        path = folder / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif file_digest(path) != expected:
            problems.append(f"{path}: does not match {MANIFEST} (changed or from another run)")
    return problems


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_leftovers(folder: Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove staging folders and temporary files that killed runs left in ``folder``.

    Only our own names (``.geo-staging-*``, ``.NAME.*.tmp*``) and only those not touched for
    ``older_than_s`` seconds, so a run still going on in the same folder is left alone.
    """
    removed = 0
    cutoff = time.time() - older_than_s
    for entry in folder.iterdir() if folder.is_dir() else ():
        ours = entry.name.startswith(STAGING_PREFIX) or (
            entry.name.startswith(".") and ".tmp" in entry.name
        )
        try:
            stale = ours and entry.lstat().st_mtime < cutoff
        except OSError:
            continue
        if stale:
            _remove(entry)
            removed += 1
    if removed:
        log.info("removed %d leftover(s) of interrupted runs in %s", removed, folder)
    return removed


class OutputSet:
    """Stage the files of one run in ``folder`` and commit them as a set.

    Use as a context manager: write each file to :meth:`path`, then call :meth:`commit`
    with the run record. Leaving the block without a commit (an error, Ctrl-C) deletes the
    staging folder and leaves ``folder`` exactly as it was.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.staging: Path | None = None

    def __enter__(self) -> OutputSet:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_leftovers(self.folder)
            self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.folder))
        except OSError as exc:
            raise OutputError(
                f"{self.folder}: cannot write output here ({exc.strerror or exc}); "
                "choose another folder with -o"
            ) from exc
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None

    @property
    def workdir(self) -> Path:
        """The staging folder: write the run's files here."""
        if self.staging is None:
            raise RuntimeError("OutputSet used outside its with-block")
        return self.staging

    def path(self, name: str) -> Path:
        """Where to write output ``name`` (a file or folder name) during the run."""
        if name == MANIFEST or Path(name).name != name:
            raise ValueError(f"{name!r} is not a plain output name")
        return self.workdir / name

    def commit(self, record: dict[str, Any]) -> list[Path]:
        """Move the staged outputs into place and write ``run.json`` (with ``record`` and
        an ``outputs`` entry per file) last. Returns the paths of the set."""
        from geo.io._export import atomic_write_text

        staging = self.workdir
        names = sorted(p.name for p in staging.iterdir())
        digests = {name: file_digest(staging / name) for name in names}
        previous = read_manifest(self.folder) or {}
        try:
            _remove(self.folder / MANIFEST)  # from here until the end: no complete set
            for name in names:
                _move_into_place(staging / name, self.folder / name)
            for name in previous.get("outputs") or {}:
                if name not in digests and isinstance(name, str) and Path(name).name == name:
                    _remove(self.folder / name)
            text = json.dumps({**record, "outputs": digests}, indent=2, ensure_ascii=False)
            atomic_write_text(self.folder / MANIFEST, text + "\n")
        except OSError as exc:
            raise OutputError(
                f"{self.folder}: cannot move the outputs into place ({exc.strerror or exc})"
            ) from exc
        return [self.folder / name for name in (*names, MANIFEST)]


def _move_into_place(source: Path, target: Path) -> None:
    """``os.replace`` for a file; for a folder, swap it in with renames only."""
    if not source.is_dir():
        os.replace(source, target)
        return
    old = target.with_name(f"{STAGING_PREFIX}old-{target.name}-{os.getpid()}")
    if target.exists():
        _remove(old)
        os.replace(target, old)
    os.replace(source, target)
    _remove(old)


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and prove it is writable, before any work is done."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot write output here ({exc.strerror}); choose another folder with -o"
        ) from exc
