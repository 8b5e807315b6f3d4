"""Test support for the event extractor: mentions built from the curated gazetteer.

The real toponym stage lives in ``geo.toponyms._toponyms``; the unit tests of the event stage
must not
depend on it, so this helper finds curated gazetteer names in capitalised word runs (longest
first) and makes :class:`Mention`s for them. A TEST helper only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from geo.gazetteer._gazetteer import Gazetteer
from geo.models import Article, Event, Mention

_CAP_WORD = r"[A-Z][\w'’.]*(?:-[A-Z][\w'’]*)*"
_RUN = re.compile(rf"{_CAP_WORD}(?:\s+(?:of\s+|the\s+)?{_CAP_WORD})*")
DEVSET = Path(__file__).resolve().parent / "fixtures" / "devset.yaml"


def find_mentions(text: str, gazetteer: Gazetteer, doc: str = "t") -> list[Mention]:
    """Toponym mentions of curated names in capitalised word runs, longest match first."""
    mentions: list[Mention] = []
    for run in _RUN.finditer(text):
        words = list(re.finditer(r"[^\s]+", run.group(0)))
        index = 0
        while index < len(words):
            for length in range(min(4, len(words) - index), 0, -1):
                first, last = words[index], words[index + length - 1]
                start = run.start() + first.start()
                end = run.start() + last.end()
                while end > start and text[end - 1] in ".,'’":
                    end -= 1
                if text[end - 2 : end] in ("'s", "’s"):
                    end -= 2
                surface = text[start:end]
                found = gazetteer.lookup(surface)
                places = [p for p in found if p.curated] or [
                    p for p in found if p.kind == "city" and p.population >= 100_000
                ]
                if places:
                    mentions.append(Mention(doc, surface, start, end, places[0], 1.0, "test"))
                    index += length
                    break
            else:
                index += 1
    return mentions


def article(
    text: str,
    published: date | None = date(2008, 8, 19),
    doc: str = "t",
    source: str | None = "test",
) -> Article:
    return Article(doc=doc, text=text, published=published, source=source)


def events_of(
    text: str, gazetteer: Gazetteer, published: date | None = date(2008, 8, 19), doc: str = "t"
) -> list[Event]:
    from geo.events._events import extract_events

    return extract_events(article(text, published, doc), find_mentions(text, gazetteer, doc))


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["cases"])


def event_key(event: Event) -> tuple[str, str | None, tuple[str, ...], str]:
    return (event.kind, event.actor, tuple(p.id for p in event.places), event.status)


def gold_key(gold: dict[str, Any]) -> tuple[str, str | None, tuple[str, ...], str]:
    return (
        gold["kind"],
        gold.get("actor"),
        tuple(gold.get("places", ())),
        gold.get("status", "reported"),
    )


def score(cases: Iterable[dict[str, Any]], gazetteer: Gazetteer) -> dict[str, Any]:
    """Precision/recall of (kind, actor, places, status) over the devset, and date accuracy."""
    true_pos = false_pos = false_neg = 0
    dates_right = dates_checked = 0
    failures: list[str] = []
    forbidden_hits = 0
    for case in cases:
        published = case.get("published", date(2008, 8, 19))
        if isinstance(published, str):
            published = date.fromisoformat(published)
        events = events_of(case["text"], gazetteer, published, doc=case["id"])
        found = {event_key(e): e for e in events}
        gold = [gold_key(g) for g in case.get("events", [])]
        for g, spec in zip(gold, case.get("events", []), strict=True):
            if g in found:
                true_pos += 1
                if "date" in spec:
                    dates_checked += 1
                    expected = spec["date"]
                    got = found[g].date.isoformat() if found[g].date else None
                    if str(expected) == str(got) or (expected is None and got is None):
                        dates_right += 1
                    else:
                        failures.append(f"{case['id']}: date {got} != {expected} for {g}")
            else:
                false_neg += 1
                failures.append(f"{case['id']}: missed {g}; got {sorted(found, key=str)}")
        for key in found:
            if key not in gold:
                false_pos += 1
                failures.append(f"{case['id']}: spurious {key}")
        for banned in case.get("not_at", []):
            if any(banned in [p.id for p in e.places] for e in events):
                forbidden_hits += 1
                failures.append(f"{case['id']}: event at forbidden place {banned}")
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "tp": true_pos,
        "fp": false_pos,
        "fn": false_neg,
        "date_accuracy": dates_right / dates_checked if dates_checked else 1.0,
        "dates_checked": dates_checked,
        "forbidden": forbidden_hits,
        "failures": failures,
    }
