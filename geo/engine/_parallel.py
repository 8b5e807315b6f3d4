"""Per-article analysis, in this process or in a pool of worker processes (``--jobs N``).

An :class:`Analyser` holds what every article needs (the gazetteer and the toponymizer)
and is built once per process, never per document. :func:`analyse_each` maps articles to
:class:`ArticleOutput`s (or :class:`~geo.text._articles.Skipped` when one article cannot be
analysed) and yields them in input order, so a parallel run produces exactly what a
single-process run does. Articles stream through a bounded window of chunks: memory does
not grow with the size of the input beyond what the caller keeps.
"""

from __future__ import annotations

import gc
import io
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from geo.errors import GeoError
from geo.models import Article, Claim, Event, Mention, Place, pickled_by_fields
from geo.text import Skipped

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from geo.gazetteer import Gazetteer
    from geo.settings import GeocoderSpec

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Articles sent to a worker at a time: large enough to amortise pickling, small enough
#: to balance the load and keep the window of articles in flight small.
DEFAULT_CHUNK_SIZE = 32
#: Chunks queued per worker process: this process analyses a chunk itself only when every
#: worker has this many waiting, so no worker ever runs dry.
WINDOW_PER_WORKER = 4


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArticleOutput:
    """What the per-article stages found in one article."""

    doc: str
    mentions: tuple[Mention, ...] = ()
    events: tuple[Event, ...] = ()
    claims: tuple[Claim, ...] = ()


class Analyser:
    """The per-article stages (toponyms, events, claims) with their shared state.

    Build one per process: the toponymizer (its name automaton) is built lazily on the
    first article and reused for every later one.
    """

    def __init__(self, gazetteer: Gazetteer, geocoder: GeocoderSpec | None = None) -> None:
        self.gazetteer = gazetteer
        self.geocoder = geocoder
        self._toponymizer: Any = None
        self._fallback: Any = None

    def __getstate__(self) -> dict[str, object]:
        # A spawned worker rebuilds the toponymizer rather than unpickling its automaton.
        return {"gazetteer": self.gazetteer, "geocoder": self.geocoder}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.gazetteer = state["gazetteer"]
        self.geocoder = state.get("geocoder")
        self._toponymizer = None
        self._fallback = None

    @property
    def toponymizer(self) -> Any:
        if self._toponymizer is None:
            from geo.toponyms import Toponymizer

            self._toponymizer = Toponymizer(self.gazetteer)
        return self._toponymizer

    def mentions(self, article: Article) -> list[Mention]:
        """The toponymizer's mentions of ``article``, plus those the online geocoder places
        when one is set (:mod:`geo.toponyms._fallback`)."""
        if self.geocoder is None:
            found: list[Mention] = self.toponymizer.mentions(article)
            return found
        if self._fallback is None:
            from geo.gazetteer import OnlineGazetteer
            from geo.toponyms import OnlineFallback

            self._fallback = OnlineFallback(self.gazetteer, OnlineGazetteer(self.geocoder))
        rejected: list[Any] = []
        found = self.toponymizer.mentions(article, rejected)
        extended: list[Mention] = self._fallback.extend(article, found, rejected)
        return extended

    def __call__(self, article: Article) -> ArticleOutput:
        """Mentions, events and claims of one article; GeoErrors propagate."""
        from geo.claims import extract_claims
        from geo.events import extract_events

        mentions = self.mentions(article)
        events = extract_events(article, mentions)
        claims = extract_claims(article, mentions, self.gazetteer)
        return ArticleOutput(article.doc, tuple(mentions), tuple(events), tuple(claims))

    def analyse_chunk(self, articles: Sequence[Article]) -> list[ArticleOutput | Skipped]:
        """What :func:`analyse_safely` gives for each of ``articles``, found stage by
        stage: each stage runs over the whole chunk before the next starts, so its tables
        stay in the CPU's caches (about a sixth faster than article by article). An
        article a stage fails on is skipped with its reason, as one at a time."""
        from geo.claims import extract_claims
        from geo.events import extract_events

        gazetteer = self.gazetteer
        find = self.toponymizer.mentions if self.geocoder is None else self.mentions
        mentions = [attempt(article, find, article) for article in articles]
        events: list[list[Event] | Skipped] = []
        for article, found in zip(articles, mentions, strict=True):
            if isinstance(found, Skipped):
                events.append(found)
            else:
                events.append(attempt(article, extract_events, article, found))
        outcomes: list[ArticleOutput | Skipped] = []
        for article, found, happened in zip(articles, mentions, events, strict=True):
            if isinstance(happened, Skipped):  # (as it is where the toponyms failed)
                outcomes.append(happened)
                continue
            assert not isinstance(found, Skipped)  # events ran on it
            claims = attempt(article, extract_claims, article, found, gazetteer)
            if isinstance(claims, Skipped):
                outcomes.append(claims)
            else:
                outcomes.append(
                    ArticleOutput(article.doc, tuple(found), tuple(happened), tuple(claims))
                )
        return outcomes


AnalyseFn = Callable[[Article], ArticleOutput]
#: One article's outcome: what the stages found, or why it was skipped.
Analysed = ArticleOutput | Skipped
#: Maps articles to ``(article, outcome)`` pairs in input order (a process pool, Dask...).
Mapper = Callable[[Iterable[Article]], Iterable[tuple[Article, Analysed]]]


def analyse_safely(analyse: AnalyseFn, article: Article) -> ArticleOutput | Skipped:
    """``analyse(article)``, or a :class:`Skipped` with the reason when it fails (see
    :func:`attempt`)."""
    return attempt(article, analyse, article)


def attempt(article: Article, stage: Callable[..., _T], *arguments: Any) -> _T | Skipped:
    """``stage(*arguments)``, work on ``article``; or a :class:`Skipped` with the reason
    when it fails.

    A :class:`GeoError` is the article's fault and becomes its skip reason. Anything else
    is a defect of ours: it is logged with its traceback and the article is skipped, so one
    document cannot sink a run of thousands (and the run summary still accounts for it).
    """
    where = article.path or article.doc
    try:
        return stage(*arguments)
    except GeoError as exc:
        return Skipped(where, f"{article.doc}: {exc}; skipped")
    except RecursionError:
        return Skipped(where, f"{article.doc}: text nested too deeply to analyse; skipped")
    except MemoryError:
        raise
    except Exception as exc:
        log.error("internal error on %s; please report it", article.doc, exc_info=True)
        return Skipped(
            where, f"{article.doc}: internal error ({type(exc).__name__}: {exc}); skipped"
        )


def outcomes_of(analyser: AnalyseFn, articles: Sequence[Article]) -> list[ArticleOutput | Skipped]:
    """The outcome of each of ``articles``: stage by stage with an :class:`Analyser`
    (:meth:`Analyser.analyse_chunk`), else one article at a time."""
    if isinstance(analyser, Analyser):
        return analyser.analyse_chunk(articles)
    return [analyse_safely(analyser, article) for article in articles]


# -- worker processes ------------------------------------------------------------------
_WORKER_ANALYSER: AnalyseFn | None = None
_WORKER_CLAIMS: _Claims | None = None


def _init_worker(analyser: AnalyseFn, claims: _Claims | None = None) -> None:
    """Pool initializer: keep the analyser (inherited under fork, unpickled under spawn)
    and the claims this process and the workers share."""
    global _WORKER_ANALYSER, _WORKER_CLAIMS
    _WORKER_ANALYSER, _WORKER_CLAIMS = analyser, claims
    _quiet_worker_signals()
    if isinstance(analyser, Analyser):
        analyser.toponymizer  # noqa: B018 - build it now, once, not on the first chunk


def _quiet_worker_signals() -> None:
    """In a worker: Ctrl-C (sent to the whole terminal process group) is for the main
    process to handle, so it is ignored here (no worker traceback); SIGTERM and SIGHUP
    end the worker quietly (not the main process's unwinding handler, inherited under
    fork). The main process stops the workers as it unwinds."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


class _Claims:
    """Who analyses a chunk sent to the pool: whichever of its worker (when it starts on
    it) and this process (taking it back rather than wait idle) claims it first.

    One flag per chunk, in shared memory under one lock: chunk ``number`` has slot
    ``number % slots``. A slot is used again ``slots`` chunks later; by then every worker
    has long passed the chunk (at most a window of chunks is in flight, and a chunk taken
    back waits in a worker's queue only until the chunk before it is done)."""

    SLOTS = 4096

    def __init__(self, context: BaseContext, slots: int = SLOTS) -> None:
        self.slots = slots
        self._flags = context.RawArray("b", slots)
        self._lock = context.Lock()

    def open(self, number: int) -> None:
        """Make chunk ``number`` claimable (before it is sent)."""
        self._flags[number % self.slots] = 0

    def claim(self, number: int) -> bool:
        """True for the first caller only."""
        slot = number % self.slots
        with self._lock:
            if self._flags[slot]:
                return False
            self._flags[slot] = 1
            return True


# -- results sent back by place id -------------------------------------------------------
def _gazetteer_place(place_id: str) -> Place:  # pragma: no cover - replaced on unpickling
    """Stands in a pickle for "the receiver's gazetteer place ``place_id``": the unpickler
    of :func:`unpack_outcomes` resolves this name to its own gazetteer's lookup."""
    raise RuntimeError("results packed by place id must be read with unpack_outcomes")


class _PlaceIdPickler(pickle.Pickler):
    """Pickles each gazetteer place as its id: the receiving process has the same gazetteer
    and looks the id up there, so a chunk's results carry no copies of places (their names,
    aliases and sources) and arrive sharing the receiver's one object per place.

    A ``reducer_override`` (asked only for objects that are not str, int, float, tuple...)
    rather than a ``persistent_id`` (asked for every object), and each place is written
    once per chunk and referred to after (pickle's memo), not once per mention.
    """

    def __init__(self, file: io.BytesIO, gazetteer: Gazetteer) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.place_of_id = gazetteer.place_of_id

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is Place and self._is_gazetteer_row(obj):
            return _gazetteer_place, (obj.id,)
        return NotImplemented

    def _is_gazetteer_row(self, place: Place) -> bool:
        try:
            row = self.place_of_id(place.id)
        except GeoError:
            return False
        return row is place or row == place  # most often the gazetteer's own object


class _PlaceIdUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, gazetteer: Gazetteer) -> None:
        super().__init__(file)
        self.place_of_id = gazetteer.place_of_id

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == _gazetteer_place.__name__:
            return self.place_of_id
        return super().find_class(module, name)


def pack_outcomes(outcomes: list[ArticleOutput | Skipped], gazetteer: Gazetteer) -> bytes:
    """``outcomes`` pickled with every gazetteer place as its id."""
    buffer = io.BytesIO()
    _PlaceIdPickler(buffer, gazetteer).dump(outcomes)
    return buffer.getvalue()


def unpack_outcomes(data: bytes, gazetteer: Gazetteer) -> list[ArticleOutput | Skipped]:
    """The outcomes :func:`pack_outcomes` packed, places looked up in ``gazetteer``.

    The garbage collector waits until they are all loaded: they hold no reference cycles,
    and it would otherwise scan them again and again as they are made (a third of the
    time of loading them)."""
    with _collector_paused():
        unpickler = _PlaceIdUnpickler(io.BytesIO(data), gazetteer)
        outcomes: list[ArticleOutput | Skipped] = unpickler.load()
    return outcomes


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _gazetteer_of(analyser: AnalyseFn) -> Gazetteer | None:
    return analyser.gazetteer if isinstance(analyser, Analyser) else None


def _analyse_chunk(number: int, articles: list[Article]) -> list[Analysed] | bytes | None:
    """A worker's task: the outcomes of chunk ``number`` (packed by place id with an
    Analyser), or None when this process took the chunk back first."""
    analyser = _WORKER_ANALYSER
    if analyser is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker used before its initializer ran")
    if _WORKER_CLAIMS is not None and not _WORKER_CLAIMS.claim(number):
        return None
    outcomes = outcomes_of(analyser, articles)
    gazetteer = _gazetteer_of(analyser)
    return outcomes if gazetteer is None else pack_outcomes(outcomes, gazetteer)


def _pool_context() -> BaseContext:
    """``fork`` where it is safe (POSIX, no other threads): workers inherit the loaded
    gazetteer and built automaton for free; otherwise ``spawn``."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


#: A chunk's outcomes: analysed here (a list), or on their way from a worker (a future).
_Outcomes = list[Analysed] | Future[list[Analysed] | bytes | None]
#: A chunk in flight: its number, its articles and its outcomes.
_Pending = deque[tuple[int, list[Article], _Outcomes]]


def _is_ready(outcomes: _Outcomes) -> bool:
    return not isinstance(outcomes, Future) or outcomes.done()


def _queued_in_pool(pending: _Pending) -> int:
    return sum(not _is_ready(outcomes) for _number, _chunk, outcomes in pending)


def _take_back_while_waiting(pending: _Pending, analyser: AnalyseFn, claims: _Claims) -> None:
    """While the first chunk in line is still with a worker, analyse here, last first, the
    chunks no worker has started, rather than wait idle (at the end of the input, say, or
    while the workers are starting)."""
    for index in range(len(pending) - 1, 0, -1):
        if _is_ready(pending[0][2]):
            return
        number, chunk, outcomes = pending[index]
        if not _is_ready(outcomes) and claims.claim(number):
            pending[index] = (number, chunk, outcomes_of(analyser, chunk))


def _ordered_pool_map(
    analyser: AnalyseFn,
    articles: Iterable[Article],
    jobs: int,
    chunk_size: int,
) -> Iterator[tuple[Article, ArticleOutput | Skipped]]:
    """``jobs - 1`` worker processes, and this process as the last of the ``jobs``.

    Every chunk a worker analyses is pickled there and unpickled here (about a tenth of
    the work of analysing it); a chunk this process analyses itself costs nothing more.
    So chunks go to the pool while a worker is short of work, and this process analyses
    the next chunk whenever all of them have :data:`WINDOW_PER_WORKER` queued: the load
    balances itself, whatever else the caller does with the outcomes between chunks.
    When the next outcomes in line are still with a worker, this process takes back the
    queued chunks no worker has started (:class:`_Claims`) rather than wait: no idle end
    of the run, and a short input is not held up by workers still starting.
    """
    context = _pool_context()
    if isinstance(analyser, Analyser) and context.get_start_method() == "fork":
        # Build the automaton once here: forked workers share it (copy-on-write).
        analyser.toponymizer  # noqa: B018
    workers = jobs - 1
    queue_limit = workers * WINDOW_PER_WORKER
    # Outcomes wait here in input order; this process's own run ahead of a worker's late
    # one for at most as many chunks again as the workers have queued.
    window = 2 * jobs * WINDOW_PER_WORKER
    pending: _Pending = deque()
    claims = _Claims(context)
    gazetteer = _gazetteer_of(analyser)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(analyser, claims),
    ) as pool:
        try:
            for number, chunk in enumerate(chunks(articles, chunk_size)):
                outcomes: _Outcomes | None = None
                if queue_limit and _queued_in_pool(pending) < queue_limit:
                    claims.open(number)
                    outcomes = _submit(pool, number, chunk)
                    if outcomes is None:  # no worker could start: this process goes on alone
                        queue_limit = 0
                if outcomes is None:
                    outcomes = outcomes_of(analyser, chunk)
                pending.append((number, chunk, outcomes))
                while pending and _is_ready(pending[0][2]):
                    yield from _collect(*pending.popleft()[1:], gazetteer)
                if len(pending) >= window:
                    _take_back_while_waiting(pending, analyser, claims)
                    yield from _collect(*pending.popleft()[1:], gazetteer)
            while pending:
                _take_back_while_waiting(pending, analyser, claims)
                yield from _collect(*pending.popleft()[1:], gazetteer)
        except BrokenProcessPool as exc:
            raise GeoError(
                "a worker process died (out of memory?); run again with fewer --jobs"
            ) from exc
        finally:
            for _number, _chunk, outcomes in pending:
                if isinstance(outcomes, Future):
                    outcomes.cancel()


def _submit(pool: ProcessPoolExecutor, number: int, chunk: list[Article]) -> Future[Any] | None:
    """``chunk`` sent to the pool; None when its worker processes cannot be started (a
    process limit, no memory): the workers that did start are stopped, so nothing is left
    waiting for work that never comes, and the caller analyses the chunk itself."""
    try:
        return pool.submit(_analyse_chunk, number, chunk)
    except OSError as exc:
        log.warning(
            "cannot start worker processes (%s); analysing in this process alone",
            exc.strerror or exc,
        )
        # The pool never got to run: stop the workers it had started (it knows them only
        # in this private map) so that none waits for work forever.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        return None


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def capped_jobs(jobs: int) -> int:
    """``jobs``, at most the usable cores (more processes than cores only add overhead);
    says so when it caps."""
    cores = usable_cores()
    if jobs > cores:
        log.warning("--jobs %d is more than the %d usable cores; using %d", jobs, cores, cores)
        return cores
    return jobs


def _collect(
    chunk: list[Article], outcomes: _Outcomes, gazetteer: Gazetteer | None
) -> Iterator[tuple[Article, ArticleOutput | Skipped]]:
    arrived = outcomes.result() if isinstance(outcomes, Future) else outcomes
    if arrived is None:  # pragma: no cover - a chunk taken back is never collected from its worker
        raise RuntimeError("a worker skipped a chunk this process did not take back")
    if isinstance(arrived, bytes):
        if gazetteer is None:  # pragma: no cover - packed only where the analyser has one
            raise RuntimeError("packed outcomes without a gazetteer to unpack them")
        arrived = unpack_outcomes(arrived, gazetteer)
    yield from zip(chunk, arrived, strict=True)


def analyse_each(
    articles: Iterable[Article],
    analyser: AnalyseFn,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[tuple[Article, ArticleOutput | Skipped]]:
    """Each article with its output (or skip), in input order, using ``jobs`` processes.

    ``analyser`` is built once by the caller and handed to every worker (inherited under
    ``fork``, pickled once per worker under ``spawn``). With ``jobs == 1`` everything runs
    here, with no pool; with more, ``jobs - 1`` worker processes and this one share the
    work (see :func:`_ordered_pool_map`).
    """
    if jobs < 1:
        raise GeoError(f"--jobs must be at least 1, not {jobs}")
    with _heap_frozen():
        if jobs == 1:
            for chunk in chunks(articles, chunk_size):
                yield from zip(chunk, outcomes_of(analyser, chunk), strict=True)
            return
        log.info("analysing in this process and %d worker processes", jobs - 1)
        yield from _ordered_pool_map(analyser, articles, jobs, chunk_size)


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """What exists now (the gazetteer, the automaton) kept out of the collector's scans
    for the run, and handed back after: it need not scan them again and again, and under
    ``fork`` it would write to (and so copy) the pages workers share with this process."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
