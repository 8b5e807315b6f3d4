"""The world extension of the gazetteer, built once from offline packages and cached.

The tables are pickled to a cache file keyed by the package versions and the data files,
so later runs load them in well under a second.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from pathlib import Path

from geo.gazetteer._world_build import build_world
from geo.gazetteer._world_rows import CACHE_FORMAT, WorldRows, world_key

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where the world cache lives: ``$GEO_CACHE_DIR`` or the user's cache folder."""
    env = os.environ.get("GEO_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geo"


def _cache_path() -> Path:
    return cache_dir() / f"world-{world_key()}.pickle"


def load_world(use_cache: bool = True) -> WorldRows:
    """Load the world extension, from the cache when it is there, else build and cache it."""
    path = _cache_path()
    if use_cache and path.exists():
        try:
            with path.open("rb") as handle:
                rows = pickle.load(handle)
            if isinstance(rows, WorldRows):
                return rows
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError):
            log.warning("world gazetteer cache %s is unreadable; rebuilding it", path)
    log.info("building the world gazetteer (once; cached in %s)", path.parent)
    rows = build_world()
    if use_cache:
        write_cache(path, rows)
        _remove_older_formats(path.parent)
    return rows


def _remove_older_formats(folder: Path) -> None:
    """Delete world caches of older formats (about 40 MB each; no version reads them)."""
    for stale in folder.glob("world-v*.pickle"):
        number = stale.name.removeprefix("world-v").split("-", 1)[0]
        if number.isdigit() and int(number) < CACHE_FORMAT:
            stale.unlink(missing_ok=True)


def write_cache(path: Path, obj: object) -> None:
    """Pickle ``obj`` to ``path`` atomically; a read-only cache folder only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError as exc:
        log.warning("could not write the cache file %s: %s", path, exc)
