"""A run's outputs as one set: staged in a hidden folder, committed together, verifiable.

``geo map`` writes every file of a run into a staging folder inside the output folder and
only then moves them into place. ``run.json`` is the commit record: it is removed before
the first new file is moved in and written last, with the size and SHA-256 of every file
of the set. So whenever ``run.json`` is present and :func:`verify` finds no problem, the
folder holds one complete set from one run; a run killed at any moment leaves either the
previous complete set or no ``run.json`` (and every file a whole version, never a
truncated one).

The tool deletes only what it wrote: a file of the previous set that the new run does not
produce (say ``events.csv`` after a run without ``--format csv``) is removed only when the
previous ``run.json`` is one this tool wrote, lists it under a plain name (no folder, no
``..``, no path) and the file is still a regular file with the size and SHA-256 recorded.
Folders are never removed. Leftovers of killed runs are removed only when their names carry
:data:`STAGING_PREFIX`. A ``run.json`` this tool did not write (or cannot read) stops the
run with an :class:`OutputError` and is left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from geo.errors import OutputError

log = logging.getLogger(__name__)

#: The commit record of an output folder.
MANIFEST = "run.json"
#: What ``run.json`` says in ``generator``: the record is this tool's.
GENERATOR = "geo"
#: Every staging folder and temporary file this tool makes starts with this prefix; no
#: other entry is ever cleared as a leftover.
STAGING_PREFIX = ".geo-staging-"
#: Leftovers of a killed run older than this are removed by the next run in the folder.
STALE_AFTER_S = 60.0
#: A run.json larger than this is not one of ours.
MANIFEST_MAX_BYTES = 256 << 20
_CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NOT_PLAIN = re.compile(r"[/\\\x00]")


def plain_name(name: object) -> bool:
    """True for a file name with no folder part: not ``.``, ``..``, absolute or nested."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and _NOT_PLAIN.search(name) is None
        and name != MANIFEST
    )


def _open_regular(path: Path) -> int:
    """A read descriptor of ``path`` when it is a regular file (never a link, device or
    pipe, which could hang or read outside the folder); OSError otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path}: not a regular file")
    return fd


def _regular_files(folder: Path) -> Iterator[Path]:
    """The files under ``folder`` in name order, without following links."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def file_digest(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of one regular file (or of every file under a folder, in name
    order); OSError for anything else (a link, a device, a pipe)."""
    digest = hashlib.sha256()
    size = 0
    is_dir = stat.S_ISDIR(path.lstat().st_mode)
    for file in _regular_files(path) if is_dir else [path]:
        if is_dir:
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with os.fdopen(_open_regular(file), "rb") as handle:
            while block := handle.read(_CHUNK):
                digest.update(block)
                size += len(block)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _load_manifest(folder: Path) -> dict[str, Any] | None:
    """The JSON object in ``folder/run.json``; None when there is no run.json; OutputError
    when there is one that cannot be read as a JSON object (a folder, a link, too large,
    too deeply nested, not JSON)."""
    path = folder / MANIFEST
    try:
        path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _foreign(folder, f"cannot read it ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(_open_regular(path), "rb") as handle:
            data = handle.read(MANIFEST_MAX_BYTES + 1)
        if len(data) > MANIFEST_MAX_BYTES:
            raise ValueError("too large")
        record = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise _foreign(folder, "it is not a file this tool wrote") from exc
    if not isinstance(record, dict):
        raise _foreign(folder, "it is not a file this tool wrote")
    return record


def _foreign(folder: Path, why: str) -> OutputError:
    return OutputError(
        f"{folder / MANIFEST}: left alone, {why}; move it away or choose another folder with -o"
    )


def _ours(record: dict[str, Any]) -> bool:
    """True for a run record this tool wrote: its ``generator`` (or, from versions before
    it, the summary keys) and an ``outputs`` map of plain names to size and SHA-256."""
    outputs = record.get("outputs")
    marked = record.get("generator") == GENERATOR or {"read", "processed", "skipped"} <= set(record)
    return (
        marked
        and isinstance(outputs, dict)
        and all(plain_name(name) and _digest_entry(entry) for name, entry in outputs.items())
    )


def _digest_entry(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and set(entry) == {"bytes", "sha256"}
        and type(entry["bytes"]) is int
        and isinstance(entry["sha256"], str)
        and _SHA256.fullmatch(entry["sha256"]) is not None
    )


def own_manifest(folder: Path) -> dict[str, Any] | None:
    """The run record of ``folder`` when this tool wrote it, None where there is none;
    OutputError (the file left alone) for a run.json this tool did not write."""
    record = _load_manifest(folder)
    if record is not None and not _ours(record):
        raise _foreign(folder, "it is not a run record this tool wrote")
    return record


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The run record of ``folder``, or None where there is none (or it is not ours)."""
    try:
        return own_manifest(folder)
    except OutputError:
        return None


def verify(folder: str | Path) -> list[str]:
    """Problems with the output set in ``folder`` (empty when it is one complete set).

    Opens only plain names inside ``folder`` and only regular files (and folders of them):
    a name with a path, a link, a device or a pipe is a problem, never read."""
    folder = Path(folder)
    try:
        record = _load_manifest(folder)
    except OutputError as exc:
        return [str(exc)]
    if record is None:
        return [f"{folder}: no readable {MANIFEST}; the folder holds no complete run"]
    outputs = record.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return [f"{folder}/{MANIFEST}: lists no outputs (written by an older geo?)"]
    problems = []
    for name, expected in sorted(outputs.items(), key=lambda item: str(item[0])):
        if not plain_name(name):
            problems.append(f"{folder}/{MANIFEST}: {name!r} is not a plain file name; not opened")
            continue
        path = folder / name
        try:
            found = file_digest(path)
        except FileNotFoundError:
            problems.append(f"{path}: missing")
            continue
        except OSError:
            problems.append(f"{path}: not a regular file or folder of files; not read")
            continue
        if found != expected:
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

    Only names that start with :data:`STAGING_PREFIX` (this tool's own) and only those not
    touched for ``older_than_s`` seconds, so a run still going on in the same folder is
    left alone; anything else (``.tmp/``, ``.env.tmpl``) is never touched.
    """
    removed = 0
    cutoff = time.time() - older_than_s
    for entry in folder.iterdir() if folder.is_dir() else ():
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        try:
            stale = entry.lstat().st_mtime < cutoff
        except OSError:
            continue
        if stale:
            _remove(entry)
            removed += 1
    if removed:
        log.info("removed %d leftover(s) of interrupted runs in %s", removed, folder)
    return removed


def check_folder(folder: Path) -> None:
    """Raise OutputError when ``folder`` holds a run.json this tool did not write (before
    any work is done, so the user hears it at once)."""
    own_manifest(folder)


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
            own_manifest(self.folder)
            remove_leftovers(self.folder)
            self.staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.folder))
        except OutputError:
            raise
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
        if not plain_name(name) or name.startswith(STAGING_PREFIX):
            raise ValueError(f"{name!r} is not a plain output name")
        return self.workdir / name

    def commit(self, record: dict[str, Any]) -> list[Path]:
        """Move the staged outputs into place and write ``run.json`` (with ``record`` and
        an ``outputs`` entry per file) last. Returns the paths of the set."""
        from geo.io._export import atomic_write_text

        staging = self.workdir
        names = sorted(p.name for p in staging.iterdir())
        digests = {name: file_digest(staging / name) for name in names}
        previous = own_manifest(self.folder) or {}
        old_outputs: dict[str, Any] = previous.get("outputs") or {}
        for name in names:
            self._check_target(name, staging / name, old_outputs)
        try:
            _remove_file(self.folder / MANIFEST)  # from here until the end: no complete set
            for name in names:
                _move_into_place(staging / name, self.folder / name)
            for name, entry in old_outputs.items():
                if name not in digests:
                    self._remove_old_output(name, entry)
            text = json.dumps(
                {**record, "generator": GENERATOR, "outputs": digests}, indent=2, ensure_ascii=False
            )
            atomic_write_text(self.folder / MANIFEST, text + "\n")
        except OSError as exc:
            raise OutputError(
                f"{self.folder}: cannot move the outputs into place ({exc.strerror or exc})"
            ) from exc
        return [self.folder / name for name in (*names, MANIFEST)]

    def _check_target(self, name: str, staged: Path, old_outputs: dict[str, Any]) -> None:
        """OutputError (before anything moves) when output ``name`` would replace a folder
        or link of the user's, or a folder the previous set did not list."""
        target = self.folder / name
        try:
            mode = target.lstat().st_mode
        except FileNotFoundError:
            return
        if stat.S_ISREG(mode) and not staged.is_dir():
            return
        if stat.S_ISDIR(mode) and staged.is_dir() and name in old_outputs:
            return
        raise OutputError(
            f"{target}: is in the way of output {name} and was not written by this tool; "
            "move it away or choose another folder with -o"
        )

    def _remove_old_output(self, name: str, entry: Any) -> None:
        """Remove a file of the previous set: a regular file whose size and SHA-256 are
        still those recorded; anything else stays, with a note."""
        path = self.folder / name
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                log.info("left %s in place: this tool removes files only, never folders", path)
                return
            if file_digest(path) != entry:
                log.info("left %s in place: changed since the previous run wrote it", path)
                return
        except OSError:
            return
        _remove_file(path)


def _remove_file(path: Path) -> None:
    """Unlink a regular file (or link); a folder is never removed."""
    with contextlib.suppress(FileNotFoundError, IsADirectoryError):
        if not path.is_dir() or path.is_symlink():
            path.unlink()


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
    """Create ``folder`` if needed and prove it is writable and holds no foreign
    ``run.json``, before any work is done."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot write output here ({exc.strerror}); choose another folder with -o"
        ) from exc
    check_folder(folder)
