"""Score the event extractor on the development and held-out sets; time it on the seeds.

Run: ``/work/venv/bin/python bench/events_devset.py`` (prints figures; no assertions).
The devset was used to tune the rules; the held-out set was written afterwards and is
scored with the same code, so its figure is the honest estimate on unseen text.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from event_support import DEVSET, article, find_mentions, load_devset, score  # noqa: E402

from geo.events._events import extract_events  # noqa: E402
from geo.gazetteer._gazetteer import Gazetteer  # noqa: E402

HELDOUT = DEVSET.parent / "heldout.yaml"
SEEDS = REPO.parent / "shared" / "seeds"


def report(name: str, path: Path, gazetteer: Gazetteer, verbose: bool) -> None:
    cases = load_devset(path)
    started = time.perf_counter()
    result = score(cases, gazetteer)
    elapsed = time.perf_counter() - started
    print(
        f"{name}: {len(cases)} cases, precision {result['precision']:.3f}, recall "
        f"{result['recall']:.3f}, F1 {result['f1']:.3f} (tp {result['tp']}, fp {result['fp']}, "
        f"fn {result['fn']}); date accuracy {result['date_accuracy']:.3f} over "
        f"{result['dates_checked']}; events at forbidden places {result['forbidden']}; "
        f"{elapsed * 1000 / max(len(cases), 1):.1f} ms/case"
    )
    if verbose:
        for failure in result["failures"]:
            print("   ", failure)


def seeds_speed(gazetteer: Gazetteer) -> None:
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        print(f"seeds: not found at {SEEDS}")
        return
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in files]
    started = time.perf_counter()
    count = chars = 0
    rounds = 20
    for _ in range(rounds):
        for doc, text in texts:
            events = extract_events(
                article(text, date(2008, 8, 19), doc), find_mentions(text, gazetteer, doc)
            )
            count += len(events)
            chars += len(text)
    elapsed = time.perf_counter() - started
    print(
        f"seeds: {count // rounds} events from {len(texts)} reports; "
        f"{chars / elapsed / 1000:.0f} k chars/s "
        f"({elapsed * 1000 / (rounds * len(texts)):.1f} ms/report, "
        "mentions included)"
    )


def large_document_speed(gazetteer: Gazetteer, copies: int = 30) -> None:
    """Events on one long document (the seeds repeated), with the real toponym stage."""
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        return
    try:
        from geo.toponyms._toponyms import Toponymizer
    except ImportError:
        print("large document: geo.toponyms._toponyms is not available")
        return
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in files) * copies
    doc = article(text, date(2008, 8, 19), "large")
    mentions = Toponymizer(gazetteer).mentions(doc)
    started = time.perf_counter()
    events = extract_events(doc, mentions)
    elapsed = time.perf_counter() - started
    print(
        f"large document: {len(text) / 1000:.0f} k chars, {len(mentions)} mentions -> "
        f"{len(events)} events in {elapsed:.2f} s ({len(text) / elapsed / 1000:.0f} k chars/s)"
    )


def main() -> None:
    verbose = "-v" in sys.argv
    gazetteer = Gazetteer.load()
    report("devset", DEVSET, gazetteer, verbose)
    report("held-out", HELDOUT, gazetteer, verbose)
    seeds_speed(gazetteer)
    large_document_speed(gazetteer)


if __name__ == "__main__":
    main()
