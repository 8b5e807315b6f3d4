"""--jobs N: per-article analysis in worker processes, merged in input order."""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from geo.engine._parallel import (
    WINDOW_PER_WORKER,
    Analysed,
    ArticleOutput,
    analyse_each,
    analyse_safely,
)
from geo.errors import ArticleError, GeoError
from geo.models import Article, Mention, Place
from geo.text._articles import Skipped

HAMLET = Place(id="t:hamlet", name="Hamlet", lat=41.0, lon=44.0, kind="village", country="ZZ")
_WORD = re.compile(r"\b[A-Z][a-z]+\b")


class CountingAnalyser:
    """A stand-in for the stages: a mention per capitalised word, plus which process and
    which call of this instance produced it (to prove one instance per process).

    ``delay`` seconds per article keep the workers busy, so that this process takes its
    share (``worker_delay`` slows the workers only); "DIE" ends a worker process (never
    this one, which runs the tests)."""

    def __init__(
        self, delay: float = 0.0, worker_delay: float = 0.0, trail: Path | None = None
    ) -> None:
        self.calls = 0
        self.delay = delay
        self.worker_delay = worker_delay
        self.trail = trail  # a file each call appends "pid doc" to, outputs kept or not
        self.home = os.getpid()

    def __call__(self, article: Article) -> ArticleOutput:
        self.calls += 1
        if self.trail is not None:
            with self.trail.open("a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()} {article.doc}\n")
        time.sleep(self.delay if os.getpid() == self.home else self.delay + self.worker_delay)
        if "POISON" in article.text:
            raise ArticleError("poisoned text")
        if "BUG" in article.text:
            raise KeyError("a defect")
        if "DIE" in article.text and os.getpid() != self.home:
            os._exit(3)
        mentions = tuple(
            Mention(
                doc=article.doc,
                text=m.group(),
                start=m.start(),
                end=m.end(),
                place=HAMLET,
                reason=f"{os.getpid()}:{self.calls}",
            )
            for m in _WORD.finditer(article.text)
        )
        return ArticleOutput(article.doc, mentions)


def corpus(count: int) -> list[Article]:
    words = ["Alpha", "bravo", "Charlie", "delta", "Echo", "foxtrot", "Golf"]
    return [
        Article(doc=f"d{i:04d}", text=" ".join(words[(i + k) % 7] for k in range(3 + i % 5)))
        for i in range(count)
    ]


def strip_origin(output: ArticleOutput | Skipped) -> object:
    if isinstance(output, Skipped):
        return output
    return [(m.doc, m.text, m.start, m.end) for m in output.mentions]


def test_parallel_output_equals_single_process_in_input_order() -> None:
    articles = corpus(300)
    single = list(analyse_each(articles, CountingAnalyser(), jobs=1))
    double = list(analyse_each(articles, CountingAnalyser(), jobs=2, chunk_size=7))
    assert [a.doc for a, _ in double] == [a.doc for a in articles]
    assert [strip_origin(o) for _, o in double] == [strip_origin(o) for _, o in single]
    assert all(isinstance(o, ArticleOutput) for _, o in double)


def calls_by_process(outputs: Iterable[Analysed]) -> dict[str, list[int]]:
    """Which calls of which process's analyser produced ``outputs``."""
    calls: dict[str, list[int]] = {}
    for output in outputs:
        assert isinstance(output, ArticleOutput)
        pid, call = output.mentions[0].reason.split(":")
        calls.setdefault(pid, []).append(int(call))
    return calls


def test_each_process_uses_one_analyser_for_all_its_documents() -> None:
    articles = corpus(200)
    outputs = [o for _, o in analyse_each(articles, CountingAnalyser(), jobs=3, chunk_size=5)]
    calls_by_pid = calls_by_process(outputs)
    assert set(calls_by_pid) - {str(os.getpid())}  # workers did some of the work
    for calls in calls_by_pid.values():
        # One instance per process: its call counter runs 1, 2, 3, ... without restarting.
        assert sorted(calls) == list(range(1, len(calls) + 1))
    assert sum(len(c) for c in calls_by_pid.values()) == len(articles)


def test_this_process_analyses_while_the_workers_are_busy() -> None:
    """With --jobs 2 there is one worker; this process takes a chunk whenever the worker
    has a full queue, and the outcomes still come in input order."""
    articles = corpus(60)
    pairs = list(analyse_each(articles, CountingAnalyser(delay=0.005), jobs=2, chunk_size=2))
    assert [a.doc for a, _ in pairs] == [a.doc for a in articles]
    calls_by_pid = calls_by_process(o for _, o in pairs)
    assert len(calls_by_pid) == 2  # this process and its one worker
    here = calls_by_pid[str(os.getpid())]
    # The worker's queue filled first (the first chunks are its), then both took chunks.
    assert 2 * WINDOW_PER_WORKER <= len(here) <= len(articles) - 2 * WINDOW_PER_WORKER


def test_a_chunk_is_claimed_once_until_its_slot_is_opened_again() -> None:
    import multiprocessing

    from geo.engine._parallel import _Claims

    claims = _Claims(multiprocessing.get_context(), slots=4)
    claims.open(5)
    assert claims.claim(5) and not claims.claim(5)
    assert not claims.claim(9)  # the same slot, 4 chunks later, until opened for it
    claims.open(9)
    assert claims.claim(9)
    claims.open(6)
    assert claims.claim(6)


def test_chunks_no_worker_has_started_are_taken_back_rather_than_waited_for(
    tmp_path: Path,
) -> None:
    """At the end of the input this process analyses, last first, the chunks still queued
    for a slow worker; the worker keeps only the one it started, and skips the others."""
    articles = corpus(12)
    trail = tmp_path / "calls.txt"
    analyser = CountingAnalyser(worker_delay=0.1, trail=trail)
    pairs = list(analyse_each(articles, analyser, jobs=2, chunk_size=2))
    assert [a.doc for a, _ in pairs] == [a.doc for a in articles]
    calls_by_pid = calls_by_process(o for _, o in pairs)
    here = str(os.getpid())
    (worker,) = set(calls_by_pid) - {here}
    assert len(calls_by_pid[worker]) == 2  # the first chunk, started before any was taken
    assert sorted(calls_by_pid[here]) == list(range(1, 11))
    # Each article was analysed once: the worker skipped the chunks taken back.
    calls = trail.read_text(encoding="utf-8").split("\n")[:-1]
    assert sorted(line.split()[1] for line in calls) == sorted(a.doc for a in articles)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_article_is_skipped_with_its_reason_and_the_rest_go_on(jobs: int) -> None:
    articles = corpus(20)
    articles[5] = Article(doc="bad", text="Alpha POISON", path="in/bad.txt")
    articles[11] = Article(doc="buggy", text="Bravo BUG")
    outputs = dict((a.doc, o) for a, o in analyse_each(articles, CountingAnalyser(), jobs=jobs))
    assert len(outputs) == 20
    poisoned, buggy = outputs["bad"], outputs["buggy"]
    assert isinstance(poisoned, Skipped) and "poisoned text" in poisoned.reason
    assert poisoned.where == "in/bad.txt"
    assert isinstance(buggy, Skipped) and "internal error (KeyError" in buggy.reason
    assert sum(isinstance(o, ArticleOutput) for o in outputs.values()) == 18


def test_analyse_safely_does_not_swallow_keyboard_interrupt() -> None:
    def interrupted(article: Article) -> ArticleOutput:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        analyse_safely(interrupted, Article(doc="x", text="y"))


def test_a_dead_worker_is_a_clear_error() -> None:
    # The first chunk always goes to a worker (none has work queued yet).
    articles = [Article(doc="fatal", text="DIE now"), *corpus(20)]
    with pytest.raises(GeoError, match="worker process died"):
        list(analyse_each(articles, CountingAnalyser(), jobs=2, chunk_size=2))


def test_input_streams_through_a_bounded_window() -> None:
    """An endless input still yields results: the pool never tries to read it all."""
    pulled = itertools.count()

    def endless() -> Iterator[Article]:
        for i in itertools.count():
            next(pulled)
            yield Article(doc=f"e{i}", text="Alpha Bravo")

    results = analyse_each(endless(), CountingAnalyser(), jobs=2, chunk_size=4)
    first = list(itertools.islice(results, 50))
    results.close()  # type: ignore[attr-defined]
    assert [a.doc for a, _ in first] == [f"e{i}" for i in range(50)]
    window = 2 * 2 * WINDOW_PER_WORKER * 4  # chunks of outcomes held for --jobs 2, in articles
    assert next(pulled) < 50 + window + 4 + 1  # read ahead by at most the window


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_heap_is_frozen_for_the_run_and_thawed_after(jobs: int) -> None:
    """What exists when the run starts (the gazetteer, the automaton) is kept out of the
    collector's scans while articles are analysed, and handed back to it after, also
    when the caller stops early."""
    import gc

    assert gc.get_freeze_count() == 0
    results = analyse_each(corpus(40), CountingAnalyser(), jobs=jobs, chunk_size=4)
    next(results)
    assert gc.get_freeze_count() > 0
    results.close()  # type: ignore[attr-defined]
    assert gc.get_freeze_count() == 0
    assert len(list(analyse_each(corpus(40), CountingAnalyser(), jobs=jobs))) == 40
    assert gc.get_freeze_count() == 0


def test_jobs_below_one_is_refused() -> None:
    with pytest.raises(GeoError, match="at least 1"):
        list(analyse_each(corpus(1), CountingAnalyser(), jobs=0))


def test_pipeline_accounts_for_articles_the_stages_reject(tmp_path: Path) -> None:
    """read == processed + skipped, whether a file or an article's analysis failed."""
    from geo.engine._pipeline import run
    from geo.gazetteer._gazetteer import Gazetteer
    from geo.settings import Settings

    (tmp_path / "a.txt").write_text("Alpha moved on.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Bravo POISON here.\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("   \n", encoding="utf-8")
    gazetteer = Gazetteer.load(world=False)

    def mapper(articles: Iterable[Article]) -> Iterator[tuple[Article, Analysed]]:
        return analyse_each(articles, CountingAnalyser(), jobs=1)

    result = run([tmp_path], Settings(world=False), gazetteer=gazetteer, mapper=mapper)
    summary = result.summary
    assert (summary.read, summary.processed, len(summary.skipped)) == (3, 1, 2)
    reasons = " ".join(reason for _, reason in summary.skipped)
    assert "poisoned text" in reasons and "empty" in reasons
    assert [a.doc for a in result.articles] == ["a"]


def test_map_with_two_jobs_writes_the_same_files_as_one(tmp_path: Path) -> None:
    """End to end: ``geo map --jobs 2`` equals ``--jobs 1`` byte for byte (but the map's
    random element ids)."""
    from geo.cli import main
    from geo.text._articles import sample_corpus_path

    extra = tmp_path / "in"
    extra.mkdir()
    lines = (
        "Armoured columns rolled from Gori towards Tskhinvali on Monday.",
        "A roadblock stood near Igoeti, about 45 km (28 miles) from Tbilisi.",
        "Soldiers pulled out of Senaki and went back to Zugdidi.",
    )
    for i in range(40):
        text = " ".join(lines[(i + k) % 3] for k in range(1 + i % 3))
        (extra / f"n{i:02d}.txt").write_text(text + "\n", encoding="utf-8")
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        argv = ["-q", "map", str(sample_corpus_path()), str(extra), "-o", str(out)]
        assert main([*argv, "--published", "2008-08-19", "--jobs", jobs]) == 0
        outputs[jobs] = {
            name: (out / name).read_bytes()
            for name in ("events.geojson", "places.geojson", "checks.csv")
        }
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        del record["outputs"]["map.html"]  # folium names its elements at random
        assert record["settings"].pop("jobs") == int(jobs)  # the one option that differs
        outputs[jobs]["run.json"] = record
    assert outputs["1"] == outputs["2"]
    assert json.loads(outputs["1"]["events.geojson"])["features"]


def test_spawned_workers_give_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is not available (or not safe), workers are spawned and get the analyser
    pickled once each; the output is the same."""
    import multiprocessing

    import geo.engine._parallel

    monkeypatch.setattr(
        geo.engine._parallel, "_pool_context", lambda: multiprocessing.get_context("spawn")
    )
    articles = corpus(60)
    single = [strip_origin(o) for _, o in analyse_each(articles, CountingAnalyser(), jobs=1)]
    spawned = [strip_origin(o) for _, o in analyse_each(articles, CountingAnalyser(), jobs=2)]
    assert spawned == single


def test_places_from_worker_processes_become_one_object_per_place() -> None:
    """Worker outputs travel with places as ids, so the run holds one object per place
    (pickled whole, every chunk would bring its own copies)."""
    from geo.engine._pipeline import analyse_articles
    from geo.gazetteer._gazetteer import Gazetteer
    from geo.settings import Settings

    articles = [
        Article(doc=f"n{i:03d}", text="Troops left Gori for Senaki. Gori was quiet later.")
        for i in range(80)
    ]
    settings = Settings(world=False, jobs=2)
    result = analyse_articles(articles, Gazetteer.load(world=False), settings)
    by_id: dict[str, set[int]] = {}
    for mention in result.mentions:
        if mention.place is not None:
            by_id.setdefault(mention.place.id, set()).add(id(mention.place))
    for event in result.events:
        for place in event.places:
            by_id.setdefault(place.id, set()).add(id(place))
    assert len(by_id) >= 2 and len(result.mentions) >= 240
    assert all(len(objects) == 1 for objects in by_id.values()), by_id


def test_outcomes_travel_with_gazetteer_places_as_ids() -> None:
    """Packed outcomes carry a gazetteer place as its id and come back as the receiver's
    own object; a place that is not (exactly) a gazetteer row travels whole."""
    import dataclasses
    import pickle

    from geo.engine._parallel import pack_outcomes, unpack_outcomes
    from geo.gazetteer._gazetteer import Gazetteer

    gazetteer = Gazetteer.load(world=False)
    gori = gazetteer.resolve("Gori")
    altered = dataclasses.replace(gori, name="Gori (moved)", lat=gori.lat + 1)
    outcomes: list[ArticleOutput | Skipped] = [
        ArticleOutput(
            "a",
            tuple(
                Mention(doc="a", text=t, start=i, end=i + 4, place=p)
                for i, (t, p) in enumerate([("Gori", gori), ("Ham", HAMLET), ("Gor", altered)])
            ),
        ),
        Skipped("b.txt", "b: empty; skipped"),
    ]
    only_gori = [ArticleOutput("a", outcomes[0].mentions[:1])]  # type: ignore[union-attr]
    assert gori.source and gori.source.encode() in pickle.dumps(only_gori)
    assert gori.source.encode() not in pack_outcomes(only_gori, gazetteer)  # just its id
    data = pack_outcomes(outcomes, gazetteer)
    back = unpack_outcomes(data, gazetteer)
    assert back == outcomes
    first = back[0]
    assert isinstance(first, ArticleOutput)
    assert first.mentions[0].place is gori
    assert first.mentions[1].place == HAMLET
    assert first.mentions[2].place == altered and first.mentions[2].place is not gori


def test_unpacking_leaves_the_garbage_collector_as_it_found_it() -> None:
    """The collector is paused while outcomes load, then back as it was, also after an
    error (a truncated pack)."""
    import gc
    import pickle

    from geo.engine._parallel import pack_outcomes, unpack_outcomes
    from geo.gazetteer._gazetteer import Gazetteer

    gazetteer = Gazetteer.load(world=False)
    data = pack_outcomes([ArticleOutput("a")], gazetteer)
    was_enabled = gc.isenabled()
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            assert unpack_outcomes(data, gazetteer) == [ArticleOutput("a")]
            assert gc.isenabled() is enabled
            with pytest.raises(pickle.UnpicklingError):
                unpack_outcomes(data[:-3], gazetteer)
            assert gc.isenabled() is enabled
    finally:
        gc.enable() if was_enabled else gc.disable()


def test_results_pickle_field_for_field_and_validate_on_loading() -> None:
    """Values that travel between processes are pickled as their fields; each field comes
    back in its place, and a value that fails its checks fails on loading too."""
    import pickle
    from datetime import date

    from geo.errors import GeoValueError
    from geo.models import Candidate, Claim, Event

    other = Place(id="t:other", name="Other", lat=42.0, lon=45.0, kind="town", country="ZZ")
    mention = Mention(
        "d", "Hamlet", 3, 9, HAMLET, 0.75, "why", "demonym", (Candidate(other, 0.25),)
    )
    event = Event(
        "movement",
        "Zed",
        (HAMLET, other),
        "d",
        "They went.",
        1,
        11,
        "rule",
        0.5,
        "claimed",
        date(2008, 8, 19),
        "day",
        2,
        "wire",
        "north",
        ("Hamlet", "Other"),
    )
    claim = Claim(
        "d",
        "q",
        0,
        5,
        12.5,
        "12.5 km",
        HAMLET,
        other,
        "Hamlet",
        "Other",
        "wire",
        date(2008, 8, 18),
        90.0,
        "east",
        True,
        True,
        "about",
        other,
    )
    output = ArticleOutput("d", (mention,), (event,), (claim,))
    back = pickle.loads(pickle.dumps(output))
    assert back == output
    assert back.mentions[0].alternatives[0].score == 0.25
    assert back.events[0].place_texts == ("Hamlet", "Other") and back.claims[0].near == other

    bad = pickle.dumps(mention).replace(b"demonym", b"nonsuch")
    with pytest.raises(GeoValueError, match="bad type"):
        pickle.loads(bad)


def test_a_chunk_analysed_stage_by_stage_equals_one_article_at_a_time(
    curated_gazetteer: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every outcome, skips included (a failure in each stage, expected or not), is what
    the article alone gives."""
    import geo.claims
    import geo.events
    from geo.engine._parallel import Analyser

    analyser = Analyser(curated_gazetteer)  # type: ignore[arg-type]
    real_mentions = analyser.toponymizer.mentions
    real_events, real_claims = geo.events.extract_events, geo.claims.extract_claims

    def failing(real, marker, error):  # type: ignore[no-untyped-def]
        def stage(article, *rest):  # type: ignore[no-untyped-def]
            if marker in article.text:
                raise error
            return real(article, *rest)

        return stage

    monkeypatch.setattr(
        analyser.toponymizer, "mentions", failing(real_mentions, "TOPO", ArticleError("t"))
    )
    monkeypatch.setattr(geo.events, "extract_events", failing(real_events, "EVENT", KeyError("e")))
    monkeypatch.setattr(
        geo.claims, "extract_claims", failing(real_claims, "CLAIM", ArticleError("c"))
    )
    texts = [
        "Troops moved from Gori to Tbilisi, 70 km away, on Monday.",
        "TOPO: a column left Gori.",
        "EVENT: tanks entered Poti on Tuesday.",
        "CLAIM: Igoeti is 45 km from Tbilisi.",
        "",
        "Nothing to see here.",
        "Soldiers withdrew from Senaki, 30 km west of Kutaisi.",
    ]
    articles = [Article(doc=f"c{i}", text=text) for i, text in enumerate(texts)]
    one_by_one = [analyse_safely(analyser, article) for article in articles]
    chunked = analyser.analyse_chunk(articles)
    assert chunked == one_by_one
    skipped = [o.reason for o in chunked if isinstance(o, Skipped)]
    assert len(skipped) == 3 and "internal error (KeyError" in skipped[1]
    assert any(isinstance(o, ArticleOutput) and o.events for o in chunked)
    assert any(isinstance(o, ArticleOutput) and o.claims for o in chunked)


# -- bounds: --jobs capped at the cores, workers that cannot start ----------------------------
_NO_FORK_SCRIPT = """
import os, sys
from geo.engine._parallel import ArticleOutput, analyse_each
from geo.models import Article

real_fork, forks = os.fork, []

def limited_fork():
    forks.append(1)
    if len(forks) > 1:  # the second worker meets the process limit
        raise BlockingIOError(11, "Resource temporarily unavailable")
    return real_fork()

os.fork = limited_fork

def analyse(article):
    return ArticleOutput(article.doc)

articles = [Article(doc=f"d{i}", text="Alpha bravo") for i in range(50)]
done = [a.doc for a, _ in analyse_each(articles, analyse, jobs=3, chunk_size=4)]
assert done == [a.doc for a in articles], done
print("ok", len(done))
"""


def test_workers_that_cannot_start_leave_this_process_to_finish_without_hanging() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _NO_FORK_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "50"]
    assert "Traceback" not in done.stderr
    assert "cannot start worker processes (Resource temporarily unavailable)" in done.stderr


def test_jobs_are_capped_at_the_usable_cores(caplog: pytest.LogCaptureFixture) -> None:
    from geo.engine._parallel import capped_jobs, usable_cores

    cores = usable_cores()
    assert capped_jobs(cores) == cores and not caplog.text
    assert capped_jobs(1000) == cores
    assert f"--jobs 1000 is more than the {cores} usable cores; using {cores}" in caplog.text
