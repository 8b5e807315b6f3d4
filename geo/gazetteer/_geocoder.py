"""The online fallback: a geopy geocoder asked for names the offline gazetteers lack.

Opt-in (``--geocoder nominatim``, or any geopy service name; ``--geocoder-url`` for a
self-hosted server). Every lookup is limited to one country, spaced by geopy's
:class:`~geopy.extra.rate_limiter.RateLimiter` (and, across the processes of one run, by a
lock file in the cache folder), and its answer, found or not found, is kept in an SQLite
file in the cache folder: a later run asks the cache first, so it is repeatable offline.
A failure (time-out, rate limit, server error, an answer that cannot be read) is returned
with its reason and not cached; after :data:`MAX_FAILURES` failures in a row the service
is not asked again in this process.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from geo.errors import GeoValueError
from geo.gazetteer._names import fold
from geo.gazetteer._world import cache_dir
from geo.models import Place
from geo.settings import GeocoderSpec

log = logging.getLogger(__name__)

#: Failures in a row after which the service is left alone for the rest of the process.
MAX_FAILURES = 3
CACHE_FILE = "geocoder.sqlite"
#: What a geocoder's answer says a place is (Nominatim's ``addresstype``/``type``).
_KINDS = {
    "city": "city",
    "town": "town",
    "village": "village",
    "hamlet": "village",
    "suburb": "village",
    "neighbourhood": "village",
    "isolated_dwelling": "village",
    "locality": "village",
    "river": "river",
    "stream": "river",
    "state": "admin1",
    "province": "region",
    "region": "region",
    "county": "region",
    "district": "region",
    "municipality": "region",
    "administrative": "region",
    "dam": "dam",
    "aerodrome": "airfield",
    "military": "base",
    "port": "port",
    "harbour": "port",
}
#: The geocode keyword that limits a service to one country, and how to write the code.
_COUNTRY_ARGUMENTS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("country_codes", lambda code: code.lower()),  # Nominatim and its kin
    ("countries", lambda code: [code]),  # Pelias, Geocode Earth
    ("country", lambda code: code),  # OpenCage, GeoNames
    ("components", lambda code: {"country": code}),  # Google
)


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer for one name: a place, or None and why."""

    place: Place | None
    reason: str = ""


def geocoder_class(service: str) -> type:
    """The geopy class of a service name; GeoValueError (exit 2) for an unknown one."""
    from geopy.exc import GeocoderNotFound
    from geopy.geocoders import SERVICE_TO_GEOCODER, get_geocoder_for_service

    try:
        cls: type = get_geocoder_for_service(service.lower())
    except GeocoderNotFound:
        known = ", ".join(sorted(SERVICE_TO_GEOCODER))
        raise GeoValueError(
            f"--geocoder {service!r} is not a geopy service; one of {known}"
        ) from None
    return cls


def _geocoder(spec: GeocoderSpec) -> Any:
    """A geopy geocoder for ``spec`` (its server from ``spec.url``)."""
    from geo import __version__

    cls = geocoder_class(spec.service)
    options: dict[str, Any] = {
        "user_agent": f"geo/{__version__} (news-report mapper)",
        "timeout": spec.timeout_s,
    }
    if spec.url:
        parts = urlsplit(spec.url if "//" in spec.url else f"http://{spec.url}")
        if not parts.netloc:
            raise GeoValueError(f"--geocoder-url {spec.url!r} is not a URL (http://host:port)")
        options["domain"] = parts.netloc + parts.path.rstrip("/")
        options["scheme"] = parts.scheme or "http"
    accepted = inspect.signature(cls).parameters
    unsupported = [
        name for name in ("domain", "scheme") if name in options and name not in accepted
    ]
    if unsupported:
        raise GeoValueError(f"--geocoder {spec.service}: geopy's client takes no server URL")
    try:
        return cls(**{k: v for k, v in options.items() if k in accepted})
    except TypeError as exc:
        raise GeoValueError(
            f"--geocoder {spec.service}: the service needs settings geo does not pass ({exc}); "
            "use nominatim, or a self-hosted server with --geocoder-url"
        ) from None


class OnlineGazetteer:
    """Looks names up through a geopy geocoder, limited to a country, cached on disk."""

    def __init__(self, spec: GeocoderSpec) -> None:
        from geopy.extra.rate_limiter import RateLimiter

        self.spec = spec
        self._client = _geocoder(spec)
        parameters = inspect.signature(self._client.geocode).parameters
        self._country_argument = next(
            ((name, form) for name, form in _COUNTRY_ARGUMENTS if name in parameters), None
        )
        self._details = "addressdetails" in parameters
        self._geocode = RateLimiter(
            self._spaced,
            min_delay_seconds=spec.delay_s,
            max_retries=0,  # geopy's HTTP client retries a broken connection itself
            error_wait_seconds=max(spec.delay_s, 0.1),
            swallow_exceptions=False,
        )
        self._failures = 0
        self._db: sqlite3.Connection | None = None
        self.asked = 0

    # -- the cache ---------------------------------------------------------------------
    def _cache(self) -> sqlite3.Connection | None:
        if self._db is None:
            path = cache_dir() / CACHE_FILE
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30.0)
                db.execute(
                    "CREATE TABLE IF NOT EXISTS answers (endpoint TEXT, country TEXT, "
                    "name TEXT, answer TEXT, PRIMARY KEY (endpoint, country, name))"
                )
                db.commit()
            except sqlite3.Error as exc:
                log.warning(
                    "geocoder cache %s cannot be used (%s); answers are not kept", path, exc
                )
                return None
            self._db = db
        return self._db

    def _cached(self, country: str, key: str) -> dict[str, Any] | None:
        db = self._cache()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT answer FROM answers WHERE endpoint = ? AND country = ? AND name = ?",
                (self.spec.endpoint, country, key),
            ).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        answer: dict[str, Any] = json.loads(row[0])
        return answer

    def _keep(self, country: str, key: str, answer: dict[str, Any]) -> None:
        db = self._cache()
        if db is None:
            return
        try:
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                    (self.spec.endpoint, country, key, json.dumps(answer, sort_keys=True)),
                )
        except sqlite3.Error as exc:
            log.warning("geocoder cache: could not keep the answer for %r (%s)", key, exc)

    # -- asking ------------------------------------------------------------------------
    def lookup(self, name: str, country: str) -> Lookup:
        """The place called ``name`` in the country ``country`` (ISO alpha-2)."""
        country = country.upper()
        key = fold(name)
        answer = self._cached(country, key)
        if answer is None:
            if self._failures >= MAX_FAILURES:
                return Lookup(None, f"{self.spec.service} failed {MAX_FAILURES} times in a row")
            answer, failure = self._ask(name, country)
            if answer is None:
                self._failures += 1
                log.warning("geocoder: %r not looked up: %s", name, failure)
                return Lookup(None, failure)
            self._failures = 0
            self._keep(country, key, answer)
        if not answer.get("found"):
            return Lookup(None, f"{self.spec.service} does not know {name!r} in {country}")
        return Lookup(self._place(answer, country), "")

    def _ask(self, name: str, country: str) -> tuple[dict[str, Any] | None, str]:
        """The answer to keep (``found`` false when there is none), or None and why."""
        from geopy.exc import GeocoderRateLimited, GeocoderTimedOut, GeopyError

        options: dict[str, Any] = {"exactly_one": True}
        if self._country_argument is not None:
            argument, form = self._country_argument
            options[argument] = form(country)
        if self._details:
            options["addressdetails"] = True
        self.asked += 1
        service = self.spec.service
        try:
            location = self._geocode(name, **options)
        except GeocoderRateLimited:
            return None, f"{service} refused: rate limit (HTTP 429)"
        except GeopyError as exc:
            if isinstance(exc, GeocoderTimedOut) or "timed out" in str(exc).lower():
                return None, f"{service} timed out after {self.spec.timeout_s:g} s"
            return None, f"{service} failed: {type(exc).__name__}: {_first_line(exc)}"
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            return None, f"{service} gave an answer geo cannot read ({_first_line(exc)})"
        if location is None:
            return {"found": False}, ""
        return self._answer(location, name, country)

    def _spaced(self, query: str, **options: Any) -> Any:
        """One request, at least ``delay_s`` after the last one of any process of this
        cache folder (a lock file holds the time of the last request)."""
        with _file_lock(cache_dir() / "geocoder.lock") as stamp:
            wait = _last_request(stamp) + self.spec.delay_s - time.time()
            if wait > 0:
                time.sleep(wait)
            try:
                return self._client.geocode(query, **options)
            finally:
                _stamp(stamp)

    def _answer(self, location: Any, name: str, country: str) -> tuple[dict[str, Any] | None, str]:
        raw = location.raw if isinstance(location.raw, dict) else {}
        address: dict[str, Any] = raw.get("address") or {}
        if not isinstance(address, dict):
            address = {}
        found_country = str(address.get("country_code") or "").upper()
        if found_country and found_country != country:
            return {"found": False, "note": f"answer in {found_country}"}, ""
        try:
            lat, lon = float(location.latitude), float(location.longitude)
        except (TypeError, ValueError):
            return None, f"{self.spec.service} gave no coordinates for {name!r}"
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None, f"{self.spec.service} gave coordinates out of range for {name!r}"
        kind = str(raw.get("addresstype") or raw.get("type") or "")
        osm = f"{raw.get('osm_type', '')}{raw.get('osm_id', '')}"
        return {
            "found": True,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "name": name,
            "kind": _KINDS.get(kind, "site"),
            "admin1": str(address.get("state") or ""),
            "id": osm or f"{lat:.5f},{lon:.5f}",
            "address": str(location.address or ""),
        }, ""

    def _place(self, answer: dict[str, Any], country: str) -> Place:
        service = self.spec.service.lower()
        return Place(
            id=f"geocoded:{service}:{answer['id']}",
            name=answer["name"],
            lat=float(answer["lat"]),
            lon=float(answer["lon"]),
            kind=answer["kind"],
            country=country,
            admin1=answer.get("admin1", ""),
            source=f"geocoded online by {service} via geopy ({self.spec.endpoint}): "
            f"{answer.get('address') or answer['name']}",
        )


def _first_line(error: Exception, limit: int = 160) -> str:
    """The start of an error's message, on one line."""
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def _file_lock(path: os.PathLike[str]) -> Iterator[Any]:
    """An exclusive lock on ``path`` (created if needed), yielding the open file; where the
    folder cannot be written or locks are not available, no lock (one process still
    keeps its own spacing through the RateLimiter)."""
    try:
        handle = open(path, "a+")  # noqa: SIM115 - closed below
    except OSError:
        yield None
        return
    with handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass
        yield handle


def _last_request(handle: Any) -> float:
    if handle is None:
        return 0.0
    try:
        handle.seek(0)
        return float(handle.read().strip() or 0.0)
    except (OSError, ValueError):
        return 0.0


def _stamp(handle: Any) -> None:
    if handle is None:
        return
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{time.time():.6f}")
        handle.flush()
    except OSError:
        pass
