"""What run.json says made a run: the package version, the settings, and the SHA-256 of
every input file and of each gazetteer used (so a run can be repeated and checked)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from geo.settings import Settings

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str | None:
    """The SHA-256 of a file's bytes (hex), or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _without_secrets(url: str | None) -> str | None:
    """A server URL without user, password, query or fragment (they may hold a key)."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def settings_record(settings: Settings) -> dict[str, Any]:
    """The run's options as JSON-ready values (a geocoder URL without credentials)."""
    record = asdict(settings)
    if record.get("geocoder"):
        record["geocoder"]["url"] = _without_secrets(record["geocoder"].get("url"))
    return {k: list(v) if isinstance(v, tuple) else v for k, v in record.items()}


def input_records(paths: Iterable[str | None]) -> list[dict[str, Any]]:
    """One entry per distinct input file (in first-read order): its path and SHA-256."""
    seen: dict[str, None] = {}
    for path in paths:
        if path:
            seen.setdefault(path, None)
    return [{"path": path, "sha256": file_sha256(path)} for path in seen]


def gazetteer_records(settings: Settings) -> list[dict[str, Any]]:
    """The gazetteers a run with ``settings`` reads: the curated file, each imported one and
    the world extension (its data files hashed together, with its cache key naming the
    packages' versions)."""
    from geo.gazetteer import default_gazetteer_path, imported_path
    from geo.gazetteer._world_rows import _DATA_FILES, DATA_DIR, world_key

    curated = Path(settings.gazetteer_path) if settings.gazetteer_path else default_gazetteer_path()
    records: list[dict[str, Any]] = [
        {"name": "curated", "path": str(curated), "sha256": file_sha256(curated)}
    ]
    for name in settings.imported:
        path = imported_path(name)
        records.append({"name": f"imported:{name}", "path": str(path), "sha256": file_sha256(path)})
    if settings.world:
        digest = hashlib.sha256()
        for data in _DATA_FILES:
            digest.update(f"{data}\0".encode())
            digest.update((DATA_DIR / data).read_bytes() if (DATA_DIR / data).exists() else b"-")
        records.append({"name": "world", "key": world_key(), "sha256": digest.hexdigest()})
    return records
