"""The online fallback: the real geopy client against a Nominatim-like server on 127.0.0.1
(started and stopped by each test; never the internet)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from geo.cli import main
from geo.gazetteer import _geocoder
from geo.gazetteer._geocoder import MAX_FAILURES, OnlineGazetteer
from geo.models import Article
from geo.settings import GeocoderSpec
from geo.toponyms._fallback import OnlineFallback
from geo.toponyms._toponyms import Toponymizer

#: Names the server knows, by (folded query, country code).
KNOWN = {
    ("hrushkivka druha", "ua"): {
        "osm_type": "node",
        "osm_id": 4242,
        "lat": "46.9312",
        "lon": "33.4101",
        "display_name": "Hrushkivka Druha, Kherson Oblast, Ukraine",
        "addresstype": "village",
        "type": "village",
        "class": "place",
        "address": {"village": "Hrushkivka Druha", "state": "Kherson Oblast", "country_code": "ua"},
    },
}
TEXT = (
    "Ukrainian forces shelled positions near Kherson and Mykolaiv on Monday. Russian troops "
    "withdrew from the village of Hrushkivka Druha towards Nova Kakhovka, officials said. "
    "Residents of Hrushkivka Druha said the bridge was down."
)


class _Server:
    """A Nominatim ``/search`` stand-in: answers from :data:`KNOWN`; ``Slowtown`` is too
    slow, ``Busytown`` is rate-limited (429) and ``Brokentown`` fails (500)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                server.requests.append(query)
                name = query.get("q", [""])[0]
                if parts.path != "/search":
                    self._send(404, {"error": "not found"})
                elif name == "Slowtown":
                    time.sleep(1.5)
                    self._send(200, [])
                elif name == "Busytown":
                    self._send(429, {"error": "too many requests"})
                elif name == "Brokentown":
                    self._send(500, {"error": "internal"})
                else:
                    country = query.get("countrycodes", [""])[0]
                    hit = KNOWN.get((name.lower(), country))
                    self._send(200, [hit] if hit else [])

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.stop()


@pytest.fixture
def geocoder_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The geocoder's cache and lock in the test's own folder."""
    folder = tmp_path / "geocache"
    monkeypatch.setattr(_geocoder, "cache_dir", lambda: folder)
    return folder


def spec(server: _Server, timeout_s: float = 5.0) -> GeocoderSpec:
    return GeocoderSpec("nominatim", server.url, delay_s=0.0, timeout_s=timeout_s)


def test_a_name_is_asked_within_the_country_and_cached(
    server: _Server, geocoder_cache: Path
) -> None:
    online = OnlineGazetteer(spec(server))
    found = online.lookup("Hrushkivka Druha", "UA")
    assert found.place is not None
    place = found.place
    assert (place.lat, place.lon, place.kind, place.country) == (46.9312, 33.4101, "village", "UA")
    assert place.id == "geocoded:nominatim:node4242"
    assert place.source.startswith(f"geocoded online by nominatim via geopy ({server.url})")
    assert server.requests[0]["countrycodes"] == ["ua"]
    missing = online.lookup("Nowhere Special", "UA")
    assert missing.place is None and "does not know" in missing.reason
    assert online.lookup("Hrushkivka Druha", "SY").place is None  # another country: not it
    asked = len(server.requests)
    again = OnlineGazetteer(spec(server))  # a new process, the same cache
    assert again.lookup("Hrushkivka Druha", "UA").place == place
    assert again.lookup("Nowhere Special", "UA").place is None
    assert len(server.requests) == asked  # both answered from the cache


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("Slowtown", "timed out after 0.5 s"),
        ("Busytown", "rate limit"),
        ("Brokentown", "failed: Geocoder"),
    ],
)
def test_failures_are_skipped_with_a_reason_and_not_cached(
    server: _Server, geocoder_cache: Path, name: str, needle: str
) -> None:
    online = OnlineGazetteer(spec(server, timeout_s=0.5))
    failed = online.lookup(name, "UA")
    assert failed.place is None and needle in failed.reason
    before = len(server.requests)
    online.lookup(name, "UA")
    assert len(server.requests) > before  # a failure is asked again, not served from a cache


def test_after_failures_in_a_row_the_service_is_left_alone(
    server: _Server, geocoder_cache: Path
) -> None:
    online = OnlineGazetteer(spec(server))
    for _ in range(MAX_FAILURES):
        online.lookup("Brokentown", "UA")
    asked = len(server.requests)
    stopped = online.lookup("Hrushkivka Druha", "UA")
    assert stopped.place is None and f"failed {MAX_FAILURES} times" in stopped.reason
    assert len(server.requests) == asked


def test_a_stopped_server_is_a_reason_not_a_crash(server: _Server, geocoder_cache: Path) -> None:
    online = OnlineGazetteer(spec(server, timeout_s=1.0))
    server.stop()
    failed = online.lookup("Hrushkivka Druha", "UA")
    assert failed.place is None and "nominatim" in failed.reason


def test_fallback_adds_the_unknown_village_in_the_focus_country(
    gazetteer: Any, server: _Server, geocoder_cache: Path
) -> None:
    toponymizer = Toponymizer(gazetteer)
    fallback = OnlineFallback(gazetteer, OnlineGazetteer(spec(server)))
    article = Article(doc="d", text=TEXT)
    rejected: list[Any] = []
    offline = toponymizer.mentions(article, rejected)
    assert "Hrushkivka Druha" not in {m.text for m in offline}
    mentions = fallback.extend(article, offline, rejected)
    online = [m for m in mentions if m.text == "Hrushkivka Druha"]
    assert [m.start for m in online] == [TEXT.index("Hrushkivka"), TEXT.rindex("Hrushkivka")]
    assert all(m.place is not None and m.place.id == "geocoded:nominatim:node4242" for m in online)
    assert "found online by nominatim in UA" in online[0].reason
    assert [q["q"] for q in server.requests] == [["Hrushkivka Druha"]]  # once, not per mention


def test_no_focus_country_no_lookup(gazetteer: Any, server: _Server, geocoder_cache: Path) -> None:
    fallback = OnlineFallback(gazetteer, OnlineGazetteer(spec(server)))
    article = Article(doc="d", text="Troops withdrew from the village of Hrushkivka Druha.")
    assert fallback.extend(article, Toponymizer(gazetteer).mentions(article)) == []
    assert server.requests == []


def test_words_that_are_no_places_are_not_asked(gazetteer: Any, geocoder_cache: Path) -> None:
    fallback = OnlineFallback(gazetteer, OnlineGazetteer(GeocoderSpec("nominatim", "http://x")))
    text = (
        "In Kherson, officials said on Monday in January that aid came from Reuters, "
        "from President Smith, into NATO hands and near Hrushkivka Druha, in Ukrainian hands."
    )
    assert [name for _, _, name in fallback.unknown_names(text, [])] == ["Hrushkivka Druha"]


def test_map_twice_second_run_from_the_cache_with_the_server_stopped(
    tmp_path: Path, server: _Server, geocoder_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    report.write_text(f"---\nid: kherson-1\npublished: 2022-11-09\n---\n{TEXT}\n")
    options = ["--geocoder", "nominatim", "--geocoder-url", server.url, "--geocoder-delay", "0"]
    argv = ["map", str(report), "--reference", "Kyiv", *options, "-o"]
    assert main([*argv, str(tmp_path / "first")]) == 0
    server.stop()
    assert main([*argv, str(tmp_path / "second")]) == 0
    capsys.readouterr()
    for name in ("places.geojson", "events.geojson", "checks.csv"):
        first = (tmp_path / "first" / name).read_text()
        assert first == (tmp_path / "second" / name).read_text(), name
    places = json.loads((tmp_path / "first" / "places.geojson").read_text())["features"]
    online = [f["properties"] for f in places if f["properties"]["text"] == "Hrushkivka Druha"]
    assert len(online) == 2 and online[0]["place_id"] == "geocoded:nominatim:node4242"
    assert "found online" in online[0]["reason"]


@pytest.mark.parametrize(
    "argv",
    [
        ["places", "--text", "x", "--geocoder", "no-such-service"],
        ["places", "--text", "x", "--geocoder-url", "http://127.0.0.1:9"],
    ],
)
def test_geocoder_option_mistakes_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--geocoder" in err
